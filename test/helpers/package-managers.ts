/**
 * The package-manager scenarios of test/install-package-managers*.test.ts: "installed once per
 * clone", as a team lives it, with real package managers. The maintainer adds alembic-guard, runs `alembic-guard install` and the one command it prints, and commits; a
 * teammate clones that commit and runs the project's usual install, nothing else; the clone's
 * hooks are active and the incident (a migration left behind) is refused.
 *
 * alembic-guard comes from this project's `npm pack`, committed in the fixture as
 * vendor/alembic-guard-<version>.tgz and named `file:vendor/…` in devDependencies (what
 * `npm install -D ./vendor/….tgz` writes): the registry's alembic-guard is never involved. Its
 * dependencies and husky come from the npm registry (every manager: from its cache when it has them).
 * pnpm, Yarn 1 and bun are installed from the npm registry into ~/.cache/alembic-guard-test,
 * once, unless they are on PATH; Yarn 4 (`yarn4`: @yarnpkg/cli-dist, with `nodeLinker:
 * node-modules`, as install asks of a Yarn 2+ project) always from there.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import { npmEnv, packTarball } from './pack.js';
import { alembicEnv, INCIDENT, makeRepo, migration, run, type RunResult, teammateClone, type TestRepo } from './repo.js';

const CACHE = join(homedir(), '.cache', 'alembic-guard-test');
const LEFT = `alembic/versions/${INCIDENT[8]}.py`;

/** The run's tarball (packed once for the whole run), and whether it has optional dependencies. */
let packed: { tgz: string; hasOptional: boolean } | undefined;
function tarball(): { tgz: string; hasOptional: boolean } {
  if (!packed) {
    const tgz = packTarball();
    const manifest = JSON.parse(run('tar', ['-xzOf', tgz, 'package/package.json']).stdout) as { optionalDependencies?: object };
    packed = { tgz, hasOptional: Object.keys(manifest.optionalDependencies ?? {}).length > 0 };
  }
  return packed;
}

/** `bun-lockb`: bun 1.1, the last to write the binary bun.lockb (bun 1.2+ writes bun.lock). */
export type Manager = 'npm' | 'pnpm' | 'yarn' | 'bun' | 'bun-lockb' | 'yarn4';

/** What differs between the managers the scenario runs, one row each. */
interface ManagerSpec {
  /** The command a person types (and `install` prints). */
  command: string;
  /** The npm package it comes in, installed into ~/.cache/alembic-guard-test (none: npm itself). */
  spec: string | null;
  /** One on PATH may stand in (not for a version pinned by the row). */
  fromPath: boolean;
  /** How its install leaves optional dependencies out. */
  omitOptional: string[];
  /** The lockfile its install writes. */
  lockfile: string;
  /**
   * Yarn 2+: no --prefer-offline (it refuses a flag it does not know; its global cache is read
   * first anyway), husky from postinstall, `nodeLinker: node-modules` in .yarnrc.yml, and no Yarn
   * 1 setting in the environment (it refuses those too).
   */
  berry: boolean;
}

const MANAGERS: Record<Manager, ManagerSpec> = {
  npm: { command: 'npm', spec: null, fromPath: true, omitOptional: ['--omit=optional'], lockfile: 'package-lock.json', berry: false },
  pnpm: { command: 'pnpm', spec: 'pnpm@10', fromPath: true, omitOptional: [], lockfile: 'pnpm-lock.yaml', berry: false },
  yarn: { command: 'yarn', spec: 'yarn@1', fromPath: true, omitOptional: ['--ignore-optional'], lockfile: 'yarn.lock', berry: false },
  bun: { command: 'bun', spec: 'bun@1', fromPath: true, omitOptional: ['--omit', 'optional'], lockfile: 'bun.lock', berry: false },
  'bun-lockb': { command: 'bun', spec: 'bun@1.1', fromPath: false, omitOptional: ['--omit', 'optional'], lockfile: 'bun.lockb', berry: false },
  yarn4: { command: 'yarn', spec: '@yarnpkg/cli-dist@4', fromPath: false, omitOptional: [], lockfile: 'yarn.lock', berry: true },
};

/** The package manager's executable: on PATH, else installed once from the npm registry. */
function tool(name: Manager): string {
  const { command, spec, fromPath } = MANAGERS[name];
  if (spec === null) return command;
  if (fromPath) {
    const found = run('sh', ['-c', 'command -v "$1"', 'sh', command]);
    if (found.code === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  const prefix = join(CACHE, name);
  const bin = join(prefix, 'node_modules', '.bin', command);
  if (!existsSync(bin)) {
    mkdirSync(prefix, { recursive: true });
    const installed = run('npm', ['install', '--prefix', prefix, '--no-save', '--prefer-offline', spec], { env: npmEnv() });
    if (installed.code !== 0) throw new Error(`npm install ${spec} failed: ${installed.stderr}`);
  }
  return bin;
}

/**
 * The maintainer and the teammate work on their own machines, not in CI: with `CI=true` (as
 * `.ci/run` sets) pnpm installs with `--frozen-lockfile`, and the maintainer's install after
 * `alembic-guard install` added husky to package.json would be refused. `CI=false` is how
 * pnpm's and npm's CI detection (ci-info) is told so.
 */
function pmEnv(manager: Manager): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...npmEnv(),
    CI: 'false',
    npm_config_prefer_offline: 'true',
    npm_config_store_dir: join(CACHE, 'pnpm-store'),
    YARN_CACHE_FOLDER: join(CACHE, 'yarn-cache'),
    BUN_INSTALL_CACHE_DIR: join(CACHE, 'bun-cache'),
    // Yarn 4: its global cache kept between runs (the test HOME is new each run), no telemetry.
    YARN_GLOBAL_FOLDER: join(CACHE, 'yarn4-global'),
    YARN_ENABLE_GLOBAL_CACHE: 'true',
    YARN_ENABLE_TELEMETRY: '0',
    YARN_IGNORE_ENGINES: 'true',
  };
  if (MANAGERS[manager].berry) delete env.YARN_IGNORE_ENGINES;
  return env;
}

/**
 * `<manager> install`, the project's usual install. While alembic-guard ships better-sqlite3 as an
 * optional dependency (issue 10, item 7), optional dependencies are left out here: compiling it
 * takes minutes and the hooks never load it. pnpm 10 builds no dependency unless allowed.
 */
function teamInstall(manager: Manager, cwd: string): RunResult {
  const omit = tarball().hasOptional ? MANAGERS[manager].omitOptional : [];
  // --prefer-offline: what the caches hold is used without asking the registry again (Yarn 1 reads
  // no npm_config_prefer_offline, and asks for every package's metadata otherwise).
  const offline = MANAGERS[manager].berry ? [] : ['--prefer-offline'];
  const install = () => run(tool(manager), ['install', ...offline, ...omit], { cwd, env: pmEnv(manager), timeout: 300_000 });
  // Once more after a failure: the registry is reached over the network (prefer-offline), and a
  // dropped connection is not what this test is about. A second failure is reported with its output.
  const first = install();
  return first.code === 0 ? first : install();
}

/** What a failed install said: pnpm and Yarn print their errors on stdout, npm on stderr. */
function output(result: RunResult): string {
  return `${result.stdout}\n${result.stderr}`.slice(-3000);
}

function fixture(manager: Manager, pkgDir: string): TestRepo {
  const { tgz } = tarball();
  const ignored = MANAGERS[manager].berry ? 'node_modules\n.yarn/\n' : 'node_modules\n';
  const repo = makeRepo({ ...alembicEnv(''), 'app/models.py': 'v1\n', '.gitignore': ignored }, { commit: true });
  const dir = join(repo.dir, pkgDir);
  mkdirSync(join(dir, 'vendor'), { recursive: true });
  copyFileSync(tgz, join(dir, 'vendor', basename(tgz)));
  const pkg: Record<string, unknown> = {
    name: 'app',
    version: '1.0.0',
    private: true,
    devDependencies: { 'alembic-guard': `file:vendor/${basename(tgz)}` },
  };
  if (MANAGERS[manager].berry) {
    pkg.packageManager = `yarn@${run(tool(manager), ['--version'], { env: pmEnv(manager) }).stdout.trim()}`;
    repo.write(join(pkgDir, '.yarnrc.yml'), 'nodeLinker: node-modules\n');
  }
  repo.write(join(pkgDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  // The maintainer's first install writes the lockfile: how the manager is recognised.
  const first = teamInstall(manager, dir);
  expect(first.code, output(first)).toBe(0);
  return repo;
}

/** The maintainer sets the project up with `manager`; a teammate's clone and usual install are guarded. */
export function scenario(manager: Manager, pkgDir = ''): void {
  const repo = fixture(manager, pkgDir);
  const dir = join(repo.dir, pkgDir);
  const installed = run(join(dir, 'node_modules/.bin/alembic-guard'), ['install'], { cwd: repo.dir, env: pmEnv(manager) });
  expect(installed.code, installed.stderr).toBe(0);
  const next = `Next: ${pkgDir ? `cd ${pkgDir} && ` : ''}${MANAGERS[manager].command} install`;
  expect(installed.stdout).toContain(next);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  expect(Object.keys(pkg.devDependencies).sort()).toEqual(['alembic-guard', 'husky']);
  // Yarn 2+ runs no `prepare` of the project on install: husky's docs use postinstall there.
  expect(pkg.scripts[MANAGERS[manager].berry ? 'postinstall' : 'prepare']).toBe(pkgDir ? `cd .. && husky ${pkgDir}/.husky` : 'husky');
  // The one command install printed, then the set-up commit.
  const teammate = teamInstall(manager, dir);
  expect(teammate.code, output(teammate)).toBe(0);
  expect(readFileSync(join(dir, MANAGERS[manager].lockfile), 'utf8')).toContain('husky');
  repo.add().commit('alembic-guard');
  expect(repo.git(['status', '--porcelain']).stdout).toBe('');

  // The teammate: clone, the usual install, nothing else.
  const mate = teammateClone(repo);
  const clone = mate.dir;
  const theirs = teamInstall(manager, join(clone, pkgDir));
  expect(theirs.code, output(theirs)).toBe(0);
  expect(mate.git(['config', 'core.hooksPath']).stdout.trim()).toBe(pkgDir ? `${pkgDir}/.husky/_` : '.husky/_');

  mate.write(LEFT, migration(INCIDENT[8], INCIDENT[7]));
  mate.write('app/models.py', 'v2\n');
  const blocked = run('git', ['commit', '-am', 'models'], { cwd: clone, env: pmEnv(manager) });
  expect(blocked.code).not.toBe(0);
  expect(blocked.stderr).toContain(LEFT);
  mate.add(LEFT);
  const passed = run('git', ['commit', '-am', 'models and migration'], { cwd: clone, env: pmEnv(manager) });
  expect(passed.code, passed.stderr).toBe(0);
}
