/**
 * "Installed once per clone", as a team lives it, with real package managers (the scenario:
 * test/helpers/package-managers.ts): pnpm and Yarn 1 here, npm in install-package-managers.test.ts.
 */
import { afterAll, describe, it } from 'vitest';
import { scenario } from './helpers/package-managers.js';
import { cleanupAll } from './helpers/repo.js';

afterAll(cleanupAll);

describe('a teammate clones the set-up commit and runs the usual install', () => {
  it('pnpm (husky a direct devDependency)', () => scenario('pnpm'), 600_000);
  it('Yarn 1', () => scenario('yarn'), 600_000);
});
