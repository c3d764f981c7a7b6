/**
 * Paths as they work from the directory the person typed the command in, the way `git status`
 * shows them: run from backend/, `git add alembic/versions/x.py`, not `git add
 * backend/alembic/versions/x.py` (which git would look for in backend/backend/). Findings keep
 * repository-relative paths; only the text report (what a person reads and pastes) is rewritten.
 * JSON and GitHub annotations stay repository-relative, as tools expect.
 */
import { isAbsolute, posix, relative, sep } from 'node:path';
import type { Finding } from '../findings.js';

/**
 * The person's directory below the top of the working tree, with a trailing slash ('' at the
 * top). git runs hooks at the top of the working tree and says where the command was typed in
 * GIT_PREFIX (set by git's setup for every command it runs, hooks and aliases included); run by
 * hand, the current directory says it.
 */
export function userPrefix(top: string, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  if (env.GIT_PREFIX !== undefined) return env.GIT_PREFIX === '' || env.GIT_PREFIX.endsWith('/') ? env.GIT_PREFIX : `${env.GIT_PREFIX}/`;
  const rel = relative(top, cwd);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return '';
  return `${rel.split(sep).join('/')}/`;
}

/** A repository-relative path as seen from `prefix` ('' leaves it as it is). */
export function fromPrefix(path: string, prefix: string): string {
  if (prefix === '' || isAbsolute(path)) return path;
  return posix.relative(prefix, path) || '.';
}

/** The finding with every repository path in it as seen from `prefix`. */
export function findingFrom(f: Finding, prefix: string): Finding {
  if (prefix === '') return f;
  const at = (path: string): string => fromPrefix(path, prefix);
  // An Alembic command runs from its environment's folder: `cd ..` from below it, no `cd` in it.
  const runner = 'runner' in f && f.runner ? { runner: { ...f.runner, cwd: posix.relative(prefix, f.runner.cwd || '.') } } : {};
  switch (f.kind) {
    case 'graph':
      return { ...f, ...runner, problem: { ...f.problem, paths: f.problem.paths.map(at) } };
    case 'ignored':
      return { ...f, path: at(f.path), ignoredBy: f.ignoredBy ? { ...f.ignoredBy, source: at(f.ignoredBy.source) } : null };
    case 'database-ahead':
      return { ...f, heads: f.heads.map((h) => ({ ...h, path: at(h.path) })) };
    default:
      // Every other kind names at most one file, as `path`; a kind without one is left as it is.
      return hasPath(f) ? ({ ...f, path: at(f.path) } as Finding) : f;
  }
}

function hasPath<F extends Finding>(f: F): f is F & { path: string } {
  return 'path' in f && typeof f.path === 'string';
}
