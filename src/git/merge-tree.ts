/**
 * The tree git would make by merging two commits, without a checkout: `git merge-tree
 * --write-tree` (git 2.38+). Its new objects (the merged tree, blobs with conflict markers) go to
 * a scratch object directory that is removed afterwards, with the repository's own objects as
 * alternates: the repository, its index, refs and object store stay exactly as they were.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { GuardError } from '../errors.js';
import type { Repo } from './repo.js';
import { GitCommandError, git, gitRaw, setObjectOverlay, splitZ } from './run.js';

export interface MergeResult {
  /** The merged tree (with conflict markers in files git could not merge). */
  tree: string;
  /** Paths git could not merge, each once. */
  conflicts: string[];
}

/** Runs `body` with git's new objects going to a scratch directory, removed when it is done. */
export async function withScratchObjects<T>(repo: Repo, body: () => Promise<T>): Promise<T> {
  const scratch = mkdtempSync(join(tmpdir(), 'alembic-guard-merge-'));
  const own = process.env.GIT_OBJECT_DIRECTORY;
  const objects = own ? (isAbsolute(own) ? own : resolve(process.cwd(), own)) : join(repo.commonDir, 'objects');
  const alternates = [objects, process.env.GIT_ALTERNATE_OBJECT_DIRECTORIES].filter(Boolean).join(':');
  setObjectOverlay({ GIT_OBJECT_DIRECTORY: scratch, GIT_ALTERNATE_OBJECT_DIRECTORIES: alternates });
  try {
    return await body();
  } finally {
    setObjectOverlay(null);
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Merges `theirs` into `ours` in objects only (call inside withScratchObjects). */
export async function mergeTree(repo: Repo, ours: string, theirs: string): Promise<MergeResult> {
  let out;
  try {
    out = await gitRaw(['merge-tree', '--write-tree', '-z', '--name-only', '--no-messages', ours, theirs], { cwd: repo.root, okCodes: [1] });
  } catch (error) {
    if (error instanceof GitCommandError && error.status === 129) {
      const version = (await git(['--version'], { cwd: repo.root }).catch(() => Buffer.from('an older git'))).toString().trim();
      throw new GuardError(`--base needs git 2.38 or later (git merge-tree --write-tree); this is ${version}`);
    }
    throw error;
  }
  const records = splitZ(out.stdout);
  const tree = records[0] ?? '';
  if (!/^[0-9a-f]{40,64}$/.test(tree)) throw new GuardError('git merge-tree gave no tree');
  const end = records.indexOf('', 1);
  const conflicts = out.code === 1 ? [...new Set(records.slice(1, end < 0 ? undefined : end))] : [];
  return { tree, conflicts };
}

/** The best common ancestor of two commits, or null when they share none. */
export async function mergeBase(repo: Repo, a: string, b: string): Promise<string | null> {
  const out = await gitRaw(['merge-base', a, b], { cwd: repo.root, okCodes: [1] });
  return out.code === 0 ? out.stdout.toString('utf8').trim() || null : null;
}
