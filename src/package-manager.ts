/**
 * The project's package manager, so that every command install prints is one the team already
 * runs: the `packageManager` field (corepack's), else the lockfile beside package.json or in a
 * folder above it up to the top of the repository (a workspace keeps one lockfile at its root).
 *
 * What differs between them for the hooks (from each manager's and husky's documentation):
 * - pnpm links only direct dependencies into node_modules/.bin, so husky must be a direct
 *   devDependency (it is one for every manager: install adds it).
 * - Yarn 2+ (berry) does not run a project's own `prepare` on `yarn install`; husky's docs use
 *   `postinstall` there. Yarn 1, npm, pnpm and bun run `prepare`.
 * - Yarn 2+ with Plug'n'Play (its default linker) makes no node_modules: no node_modules/.bin for
 *   a git hook to start alembic-guard from, and the CLI itself sits inside a zip archive.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isInside, safeRealpath } from './paths.js';
import { shellQuote } from './report/quote.js';

export const PACKAGE_MANAGERS = ['npm', 'pnpm', 'yarn', 'bun'] as const;
export type PackageManagerName = (typeof PACKAGE_MANAGERS)[number];

export interface PackageManager {
  name: PackageManagerName;
  /** Yarn 2 or later. */
  berry: boolean;
  /** Yarn 2+ with Plug'n'Play (no `nodeLinker: node-modules` or `pnpm`): no node_modules at all. */
  plugAndPlay: boolean;
  /** Why this one, for people: `packageManager: "pnpm@9.15.0"`, `pnpm-lock.yaml`, or the default. */
  reason: string;
  /** The lockfile it keeps. */
  lockfile: string;
  /** The script the manager runs on its own install, where husky sets the hooks up. */
  setupScript: 'prepare' | 'postinstall';
  /**
   * npm's lockfile beside another manager's: what `npm install --save-dev alembic-guard` leaves
   * in a pnpm, Yarn or bun project. The other one is the project's; this one is to remove.
   */
  stray?: string;
}

const LOCKFILES: [string, PackageManagerName][] = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
  ['bun.lockb', 'bun'],
  ['bun.lock', 'bun'],
];

const LOCKFILE_OF: Record<PackageManagerName, string> = {
  npm: 'package-lock.json',
  pnpm: 'pnpm-lock.yaml',
  yarn: 'yarn.lock',
  // bun 1.2 and later write the text lockfile; bun.lockb, the binary one, is found as a file.
  bun: 'bun.lock',
};

function make(name: PackageManagerName, berry: boolean, reason: string, lockfile?: string): PackageManager {
  return {
    name,
    berry,
    plugAndPlay: false,
    reason,
    lockfile: lockfile ?? LOCKFILE_OF[name],
    setupScript: name === 'yarn' && berry ? 'postinstall' : 'prepare',
  };
}

/** The package's folder, then each folder above it up to the top of the repository. */
function* foldersUp(packageDir: string, root: string): Generator<string> {
  const top = safeRealpath(root);
  for (let dir = safeRealpath(packageDir); ; dir = dirname(dir)) {
    yield dir;
    if (dir === top || !isInside(dir, top) || dirname(dir) === dir) return;
  }
}

/**
 * Yarn 2+'s linker: YARN_NODE_LINKER, else `nodeLinker:` in the nearest .yarnrc.yml from the
 * package up to the top of the repository, else `pnp` (Yarn's default).
 */
function yarnLinker(packageDir: string, root: string, env: NodeJS.ProcessEnv): string {
  if (env.YARN_NODE_LINKER) return env.YARN_NODE_LINKER.trim();
  for (const dir of foldersUp(packageDir, root)) {
    let text: string;
    try {
      text = readFileSync(join(dir, '.yarnrc.yml'), 'utf8');
    } catch {
      continue; // none here
    }
    const linker = /^nodeLinker:[ \t]*(?:"([^"]*)"|'([^']*)'|([^\s#]+))/m.exec(text);
    if (linker) return linker[1] ?? linker[2] ?? linker[3]!;
  }
  return 'pnp';
}

/** The package manager of the package.json in packageDir (inside the repository at root). */
export function detectPackageManager(packageDir: string, root: string, pkg: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): PackageManager {
  const pm = detectManager(packageDir, root, pkg);
  if (pm.berry) pm.plugAndPlay = yarnLinker(packageDir, root, env) === 'pnp';
  return pm;
}

function detectManager(packageDir: string, root: string, pkg: Record<string, unknown>): PackageManager {
  const field = pkg.packageManager;
  if (typeof field === 'string') {
    const match = /^(npm|pnpm|yarn|bun)@(\d+)/.exec(field);
    if (match) {
      const name = match[1] as PackageManagerName;
      return make(name, name === 'yarn' && Number(match[2]) >= 2, `"packageManager": ${JSON.stringify(field)}`);
    }
  }
  for (const dir of foldersUp(packageDir, root)) {
    const found = LOCKFILES.filter(([file]) => existsSync(join(dir, file)));
    // npm's beside another's: the other is the project's (npm's came from a README's npm command).
    const own = found.find(([, name]) => name !== 'npm') ?? found[0];
    if (own) {
      const [file, name] = own;
      const berry = name === 'yarn' && (existsSync(join(dir, '.yarnrc.yml')) || isBerryLockfile(join(dir, file)));
      const pm = make(name, berry, file, file);
      const stray = found.find(([, other]) => other === 'npm' && name !== 'npm');
      if (stray) pm.stray = stray[0];
      return pm;
    }
  }
  return make('npm', false, 'no lockfile or "packageManager" field: npm, the default');
}

/** Yarn 2+ writes a `__metadata:` entry at the top of yarn.lock; Yarn 1 never does. */
function isBerryLockfile(file: string): boolean {
  try {
    return readFileSync(file, 'utf8').slice(0, 2000).includes('__metadata:');
  } catch {
    return false;
  }
}

/** The command that installs the project's dependencies (and updates the lockfile). */
export function installCommand(pm: PackageManager): string {
  return `${pm.name} install`;
}

/** The command that adds development dependencies. */
export function addDevCommand(pm: PackageManager, packages: string[]): string {
  const words = { npm: 'npm install --save-dev', pnpm: 'pnpm add -D', yarn: 'yarn add -D', bun: 'bun add -d' }[pm.name];
  return `${words} ${packages.map(shellQuote).join(' ')}`;
}

/** The command that installs a package for this user, on PATH for every repository. */
export function globalAddCommand(pm: PackageManager, pkg: string): string {
  if (pm.name === 'yarn' && pm.berry) return `npm install -g ${shellQuote(pkg)}`; // Yarn 2+ has no global add
  const q = shellQuote(pkg);
  return { npm: `npm install -g ${q}`, pnpm: `pnpm add -g ${q}`, yarn: `yarn global add ${q}`, bun: `bun add -g ${q}` }[pm.name];
}
