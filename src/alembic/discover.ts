import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { GuardConfig } from '../config.js';
import type { IndexListing } from '../git/index-file.js';
import { indexListing } from '../git/objects.js';
import type { Repo } from '../git/repo.js';
import { ignoreSources } from '../git/status.js';
import type { Discovery } from './environment.js';
import { TopLevelSweeps } from './cache.js';
import { Context, type FileView } from './discover-decide.js';
import { revisionScriptDirs } from './script-dirs.js';

/**
 * Finds every Alembic environment of the repository without walking the working tree: the index
 * lists the tracked candidate files, a few stat calls find untracked ones where `alembic init`
 * and Flask-Migrate put them, and only those files are read.
 */
export async function discover(repo: Repo, config: GuardConfig, tracked?: Promise<string[]>): Promise<Discovery> {
  const ctx = new Context(repo.root, config, LIVE_FILES);
  if (config.environments || config.locations) {
    ctx.fromConfig();
    return ctx.result(config.source ?? 'configuration', false);
  }
  const candidates = await candidateFiles(repo, await (tracked ?? trackedCandidates(repo)));
  candidates.sort();
  for (const file of candidates) if (file.endsWith('alembic.ini')) ctx.fromIni(file);
  for (const file of candidates) if (file.endsWith('pyproject.toml')) await ctx.fromPyproject(file);
  for (const file of candidates) if (file.endsWith('env.py')) ctx.fromEnvPy(file);
  if (ctx.environments.length === 0 && ctx.unresolved.length === 0) {
    for (const dir of await revisionScriptDirs(repo)) ctx.fromRevisionDir(dir);
  }
  return ctx.result('discovered', true);
}

/** The files discovery starts from, at any depth: what it asks the index for. */
export const CANDIDATE_NAMES = ['alembic.ini', 'pyproject.toml', 'env.py'];

/** The tracked candidate files of an index listing asked for CANDIDATE_NAMES (a conflicted one once). */
export function candidatePaths(listing: IndexListing): string[] {
  return [...new Set(listing.named.map((entry) => entry.path))];
}

async function trackedCandidates(repo: Repo): Promise<string[]> {
  return candidatePaths(await indexListing(repo, { dirs: [], names: CANDIDATE_NAMES }));
}

// Where an environment lives before its first commit: `alembic init alembic`, `alembic init
// migrations`, `flask db init`, each at the root or in a top-level folder such as backend/.
const CONVENTIONAL = ['alembic.ini', 'pyproject.toml', 'migrations/alembic.ini', 'alembic/env.py', 'migrations/env.py'];
const NOT_PROJECTS = new Set(['node_modules', '__pycache__', 'venv', 'env', 'site-packages', 'dist', 'build']);

/**
 * Candidate files: tracked ones (the index's entries with CANDIDATE_NAMES), then stat probes for untracked
 * ones. `git ls-files --others` would walk the whole working tree: the cost of a full
 * `git status` on every commit.
 */
async function candidateFiles(repo: Repo, tracked: string[]): Promise<string[]> {
  const known = new Set(tracked);
  const probes: string[] = [...CONVENTIONAL, ...topLevelFound(repo)];
  // An ignored alembic.ini (it often holds a database URL) is not tracked either; look for it
  // where Alembic and Flask-Migrate put it: beside the script directory or in it.
  for (const file of tracked) {
    if (!file.endsWith('env.py')) continue;
    const scriptDir = posix.dirname(file);
    probes.push(posix.join(scriptDir, 'alembic.ini'), posix.join(posix.dirname(scriptDir), 'alembic.ini'));
  }
  const found: string[] = [];
  for (const probe of probes.map((p) => p.replace(/^\.\//, ''))) {
    if (known.has(probe) || !isFile(join(repo.root, probe))) continue;
    known.add(probe);
    found.push(probe);
  }
  // An untracked env.py or pyproject.toml that git ignores (a build copy) is not an environment;
  // an ignored alembic.ini is, since teams ignore it for the credentials it holds.
  const askGit = found.filter((p) => !p.endsWith('alembic.ini'));
  if (askGit.length === 0) return [...tracked, ...found];
  // git refuses paths inside a submodule or nested repository: those are not ours to judge.
  const ignored = await ignoreSources(repo, askGit, true).catch(() => null);
  return [...tracked, ...found.filter((p) => p.endsWith('alembic.ini') || (ignored !== null && !ignored.has(p)))];
}

/**
 * Past this many top-level folders, a sweep of them (six stat calls each: 0.3 s at 50,000) is
 * remembered until the top level changes, so that discovery's cost does not grow with folders
 * that hold no Alembic file.
 */
export const SWEEP_LIMIT = 1000;

/**
 * The conventional candidate files that exist in top-level folders. Where there are more than
 * SWEEP_LIMIT folders, the answer of the last sweep is reused while the top folder's mtime is
 * the same (a new, removed or renamed folder moves it); the files it found are looked at again.
 * The cost of that: there, an environment that has never been committed, created inside a
 * top-level folder that already existed, is found at the next change of the top level, or as
 * soon as one of its files is committed.
 */
function topLevelFound(repo: Repo): string[] {
  const mtime = statSync(repo.root, { bigint: true, throwIfNoEntry: false })?.mtimeNs.toString();
  if (mtime === undefined) return sweep(repo.root).found;
  const sweeps = new TopLevelSweeps(repo.commonDir);
  const known = sweeps.get(repo.root, mtime);
  if (known) return known;
  const { folders, found } = sweep(repo.root);
  if (folders > SWEEP_LIMIT) sweeps.set(repo.root, { mtime, found });
  return found;
}

/** The conventional candidate files in each top-level folder, and how many folders there are. */
function sweep(root: string): { folders: number; found: string[] } {
  const tops = topLevelDirs(root);
  const found = tops.flatMap((top) => CONVENTIONAL.map((p) => `${top}/${p}`)).filter((p) => isFile(join(root, p)));
  return { folders: tops.length, found };
}

function topLevelDirs(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.') && !NOT_PROJECTS.has(d.name))
      .filter((d) => !existsSync(join(root, d.name, '.git'))) // a submodule or nested repository
      .map((d) => d.name);
  } catch {
    return [];
  }
}

function isFile(path: string): boolean {
  try {
    // No exception for a missing file: thrown and caught, each costs more than the stat itself.
    return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}

/** The working tree. */
export const LIVE_FILES: FileView = {
  read: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  isFile,
  isDirectory,
  exists: existsSync,
  realpath: safeRealpath,
};

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function safeRealpath(path: string): string {
  try {
    return realpathSync.native(path); // one system call, not one lstat per path component
  } catch {
    return path;
  }
}
