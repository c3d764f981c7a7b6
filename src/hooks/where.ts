/** Where git looks for hooks in a worktree, and where a package.json (so husky) lives. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Repo } from '../git/repo.js';
import { gitRaw } from '../git/run.js';
import { isInside, safeRealpath } from '../paths.js';

export interface HooksPathSetting {
  /** core.hooksPath as configured, or null. */
  value: string | null;
  /** The configuration scope it comes from: local, worktree, global, system, command. */
  scope: string | null;
}

export async function hooksPathSetting(repo: Repo): Promise<HooksPathSetting> {
  const result = await gitRaw(['config', '--show-scope', '--get', 'core.hooksPath'], { cwd: repo.root, okCodes: [1] });
  if (result.code !== 0) return { value: null, scope: null };
  const line = result.stdout.toString('utf8').replace(/\n$/, '');
  const tab = line.indexOf('\t');
  return { scope: line.slice(0, tab), value: line.slice(tab + 1) };
}

/**
 * The directory git runs hooks from in this worktree: core.hooksPath (relative to the top of the
 * working tree, `~` expanded), else <git dir>/hooks of the common dir. `rev-parse --git-path
 * hooks` applies both rules (git's path.c adjusts "hooks" to core.hooksPath).
 */
export async function activeHooksDir(repo: Repo): Promise<string> {
  const out = (await gitRaw(['rev-parse', '--git-path', 'hooks'], { cwd: repo.root })).stdout.toString('utf8');
  return resolve(repo.root, out.replace(/\n$/, ''));
}

/** The nearest folder holding a package.json, from cwd up to the top of the working tree. */
export function findPackageDir(cwd: string, root: string): string | null {
  const top = safeRealpath(root);
  let dir = safeRealpath(resolve(cwd));
  if (!isInside(dir, top)) dir = top;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dir === top) return null;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
