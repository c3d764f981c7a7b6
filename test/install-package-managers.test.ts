/**
 * "Installed once per clone", as a team lives it, with real package managers (the scenario:
 * test/helpers/package-managers.ts): npm here; pnpm and Yarn 1 in
 * install-package-managers-pnpm-yarn.test.ts, a file of their own so that the two run in
 * parallel with this one.
 */
import { afterAll, describe, it } from 'vitest';
import { scenario } from './helpers/package-managers.js';
import { cleanupAll } from './helpers/repo.js';

afterAll(cleanupAll);

describe('a teammate clones the set-up commit and runs the usual install', () => {
  it('npm', () => scenario('npm'), 600_000);
  it('npm, package.json in web/', () => scenario('npm', 'web'), 600_000);
});
