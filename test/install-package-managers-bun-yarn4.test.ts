/**
 * The teammate scenario of test/helpers/package-managers.ts with bun (bun.lock, and bun 1.1's
 * bun.lockb) and Yarn 4, each from the npm registry: the maintainer's install writes the
 * lockfile, `alembic-guard install` says the manager's own install next, and a teammate's clone
 * plus that install is guarded. Files of their own, so that vitest runs them beside the other
 * package managers' files.
 */
import { afterAll, describe, it } from 'vitest';
import { scenario } from './helpers/package-managers.js';
import { cleanupAll } from './helpers/repo.js';

afterAll(cleanupAll);

describe('a teammate clones the set-up commit and runs the usual install', () => {
  it('bun (bun.lock)', () => scenario('bun'), 600_000);
  it('bun 1.1 (bun.lockb)', () => scenario('bun-lockb'), 600_000);
  it('Yarn 4 (nodeLinker: node-modules; husky from postinstall)', () => scenario('yarn4'), 600_000);
});
