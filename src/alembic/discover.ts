import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { GuardConfig } from '../config.js';
import type { IndexListing } from '../git/index-file.js';
import { indexListing } from '../git/objects.js';
import type { Repo } from '../git/repo.js';
import { ignoreSources } from '../git/status.js';
import { pyprojectTool } from '../toml.js';
import type { Discovery } from './environment.js';
import { TopLevelSweeps } from './cache.js';
import {
  askedIgnored,
  candidatesOf,
  decideConfigured,
  type DiscoverySnapshot,
  type FileView,
  needsRevisionDirs,
  type PyprojectTable,
  scanCandidates,
  settle,
} from './discover-decide.js';
import { revisionScriptDirs } from './script-dirs.js';
import { noteOpaque, noteRealpath, noteSweep, readRecorded, statRecorded } from '../worktree-reads.js';

/**
 * Finds every Alembic environment of the repository without walking the working tree: the index
 * lists the tracked candidate files, a few stat calls find untracked ones where `alembic init`
 * and Flask-Migrate put them, and only those files are read. Two steps: `gather` takes what git
 * and the file system say, discover-decide.ts decides from that alone.
 */
export async function discover(repo: Repo, config: GuardConfig, tracked?: Promise<string[]>): Promise<Discovery> {
  if (config.environments || config.locations) return decideConfigured(repo.root, config, LIVE_FILES);
  const snapshot = await gather(repo, tracked);
  const found = scanCandidates(snapshot, config);
  if (needsRevisionDirs(found)) {
    noteOpaque('revision scripts looked for in the working tree');
    snapshot.revisionDirs = await revisionScriptDirs(repo);
  }
  return settle(found, snapshot.revisionDirs ?? []);
}

/**
 * Everything discovery asks git and the file system before deciding, in one place: the tracked
 * candidates (`tracked`, when the caller already started the index listing), the probes for
 * untracked ones, one `git check-ignore` for those git must judge, and each candidate
 * pyproject.toml's [tool.alembic] table. The revision-script folders are asked for only when
 * nothing is found (discover); other files are read through LIVE_FILES as deciding reaches them.
 */
export async function gather(repo: Repo, tracked?: Promise<string[]>): Promise<DiscoverySnapshot> {
  const listed = await (tracked ?? trackedCandidates(repo));
  const probed = probedFiles(repo, listed);
  const asked = probed.filter(askedIgnored);
  // git refuses paths inside a submodule or nested repository: those are not ours to judge.
  const ignored =
    asked.length === 0
      ? new Set<string>()
      : await ignoreSources(repo, asked, true).then(
          (sources) => new Set(sources.keys()),
          () => null,
        );
  const snapshot: DiscoverySnapshot = { root: repo.root, tracked: listed, probed, ignored, pyproject: new Map(), files: LIVE_FILES };
  snapshot.pyproject = await pyprojectTables(
    repo.root,
    candidatesOf(snapshot).filter((file) => file.endsWith('pyproject.toml')),
  );
  return snapshot;
}

/**
 * The `[tool.alembic]` tables of these pyproject.toml files, read in order, as deciding reached
 * them before: the first that raises an error (invalid TOML) ends the reading, and deciding raises
 * that error where it reaches the file (after every alembic.ini, as before).
 */
async function pyprojectTables(root: string, files: string[]): Promise<Map<string, PyprojectTable | Error>> {
  const tables = new Map<string, PyprojectTable | Error>();
  for (const file of files) {
    try {
      const table = await pyprojectTool(join(root, file), 'alembic', file);
      if (table) tables.set(file, table);
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      tables.set(file, error);
      break;
    }
  }
  return tables;
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
export const CONVENTIONAL = ['alembic.ini', 'pyproject.toml', 'migrations/alembic.ini', 'alembic/env.py', 'migrations/env.py'];
export const NOT_PROJECTS = new Set(['node_modules', '__pycache__', 'venv', 'env', 'site-packages', 'dist', 'build']);

/**
 * The untracked candidate files on disk: stat probes where `alembic init` and Flask-Migrate put
 * them. `git ls-files --others` would walk the whole working tree: the cost of a full
 * `git status` on every commit.
 */
function probedFiles(repo: Repo, tracked: string[]): string[] {
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
    if (known.has(probe) || !isFileRecorded(join(repo.root, probe))) continue;
    known.add(probe);
    found.push(probe);
  }
  return found;
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
  const mtimeNs = statSync(repo.root, { bigint: true, throwIfNoEntry: false })?.mtimeNs;
  if (mtimeNs === undefined) return sweep(repo.root).found;
  const mtime = mtimeNs.toString();
  const sweeps = new TopLevelSweeps(repo.commonDir);
  const known = sweeps.get(repo.root, mtime);
  // The quiet-commit note (hooks/quiet-commit.ts) looks again where this looked.
  if (known) {
    noteSweep({ rootMtimeNs: mtimeNs, swept: false, found: known });
    return known;
  }
  const { folders, found } = sweep(repo.root);
  if (folders > SWEEP_LIMIT) sweeps.set(repo.root, { mtime, found });
  noteSweep({ rootMtimeNs: mtimeNs, swept: folders <= SWEEP_LIMIT, found });
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
  read: (path) => readRecorded(path)?.toString('utf8'),
  isFile: isFileRecorded,
  isDirectory: (path) => statRecorded(path) === 'dir',
  exists: (path) => statRecorded(path) !== 'absent',
  realpath: (path) => {
    const real = safeRealpath(path);
    noteRealpath(path, real);
    return real;
  },
};

/** isFile, recorded for the quiet-commit note (worktree-reads.ts). */
function isFileRecorded(path: string): boolean {
  return statRecorded(path) === 'file';
}

function safeRealpath(path: string): string {
  try {
    return realpathSync.native(path); // one system call, not one lstat per path component
  } catch {
    return path;
  }
}
