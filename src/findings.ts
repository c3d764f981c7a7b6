import type { AlembicRunner } from './alembic/environment.js';
import type { GraphProblem, SyntaxCause } from './alembic/graph.js';
import type { ConfigChange } from './alembic/settings.js';
import type { IgnoreSource } from './git/status.js';
import type { Place } from './located.js';

/**
 * Everything the guard can report, as data. Text, JSON and GitHub annotations are three
 * renderings of the same list (src/report/), so they cannot disagree.
 */
export type Finding =
  /** Not known to git: a commit cannot contain it. */
  | FileFinding<'untracked'>
  /** Matched by an ignore pattern: `git add` alone refuses it. */
  | (FileFinding<'ignored'> & { ignoredBy: IgnoreSource | null })
  /** Changed (or deleted) in the working tree and not staged. */
  | (FileFinding<'unstaged'> & { change: 'modified' | 'deleted' | 'type-changed' | 'intent-to-add' | 'submodule'; staged: boolean; settings?: ConfigChange })
  /** A merge conflict not yet resolved. */
  | FileFinding<'unmerged'>
  /** Staged in the main index but left out of `git commit <paths>`. */
  | FileFinding<'left-out'>
  /** pre-push / verify: staged, but the pushed commit does not have it. */
  | FileFinding<'staged-uncommitted'>
  /** pre-push / verify: differs from the pushed commit and is not staged. */
  | (FileFinding<'modified-uncommitted'> & { settings?: ConfigChange })
  /** A broken revision graph in the named source (index, a commit, the working tree). */
  | { kind: 'graph'; severity: Severity; environment: string; source: string; problem: GraphProblem; runner?: AlembicRunner }
  /** A migration Python cannot compile (a syntax error, or bytes that are not source text). */
  | { kind: 'unparsable'; severity: 'error'; environment: string; source: string; path: string; line?: number; message: string; cause: SyntaxCause }
  /** A value the static parser could not evaluate (the script may still be fine). */
  | { kind: 'parse-warning'; severity: 'warning'; environment: string; path: string; line: number; message: string; repeated?: boolean }
  /** A versions directory outside the repository: no commit can carry its files. */
  | { kind: 'outside-repository'; severity: 'error'; environment: string; location: string }
  /** A script_location the guard could not map to a directory. */
  | { kind: 'unresolved-location'; severity: 'warning'; source: string; location: string; reason: string }
  /** pre-push: a pushed commit changes or deletes a migration the remote already has. */
  | { kind: 'changed-pushed-migration'; severity: Severity; environment: string; path: string; change: 'modified' | 'deleted'; commit: string; remoteRef: string }
  /** verify: the database holds a revision that no committed migration defines. */
  | { kind: 'database-ahead'; severity: 'error'; environment: string | null; database: string; revision: string; heads: HeadInfo[]; table?: string; located?: AheadLocation }
  /** verify: the database is behind a head (information). */
  | { kind: 'database-behind'; severity: 'info'; environment: string; database: string; revision: string; head: string; ahead: number; table?: string }
  /** verify: the database is at a head. */
  | { kind: 'database-current'; severity: 'info'; environment: string; database: string; revision: string; table?: string }
  /** verify: which version table was read for which environments, and what it holds (null: no such table). */
  | { kind: 'database-read'; severity: 'info'; database: string; table: string; environments: string[]; revisions: string[] | null }
  /** verify: env.py computes its version_table when it runs, so the table read may not be its own. */
  | { kind: 'version-table-unknown'; severity: 'warning'; environment: string; path: string; line: number; expression: string; table: string }
  /** verify: no alembic_version table. */
  | { kind: 'database-untracked'; severity: Severity; database: string; table: string };

export type Severity = 'error' | 'warning' | 'info';

export interface FileFinding<K extends string> {
  kind: K;
  severity: 'error';
  environment: string;
  path: string;
  role: 'migration' | 'env-file';
}

/** verify: where the clone's refs, stash and history define a revision the database is at. */
export interface AheadLocation {
  places: Place[];
  /** The clone is shallow: no place found may mean only that its history was cut. */
  shallow: boolean;
  /** The `git fetch` that makes the search complete, when the clone is shallow or single-branch. */
  fetch: string | null;
}

export interface HeadInfo {
  revision: string;
  path: string;
}

export type FindingKind = Finding['kind'];

export function isBlocking(finding: Finding): boolean {
  return finding.severity === 'error';
}

/** The files a finding is about, first the one to annotate. */
export function findingPaths(f: Finding): string[] {
  if (f.kind === 'graph') return f.problem.paths;
  if ('path' in f && typeof f.path === 'string') return [f.path];
  if (f.kind === 'database-ahead') return f.heads.map((h) => h.path);
  return [];
}
