import type { AlembicRunner } from './alembic/environment.js';
import type { GraphProblem, SyntaxCause } from './alembic/graph.js';
import type { ConfigChange } from './alembic/settings.js';
import type { Hidden } from './git/index-file.js';
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
  | (FileFinding<'unstaged'> & {
      change: 'modified' | 'deleted' | 'type-changed' | 'intent-to-add' | 'submodule';
      staged: boolean;
      settings?: ConfigChange;
      hidden?: Hidden;
    })
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
  | {
      kind: 'changed-pushed-migration';
      severity: Severity;
      environment: string;
      path: string;
      change: 'modified' | 'deleted';
      commit: string;
      remoteRef: string;
    }
  /** verify: the database holds a revision that no committed migration defines. */
  | {
      kind: 'database-ahead';
      severity: 'error';
      environment: string | null;
      database: string;
      revision: string;
      heads: HeadInfo[];
      table?: string;
      located?: AheadLocation;
    }
  /** verify: the database is behind a head (information). */
  | { kind: 'database-behind'; severity: 'info'; environment: string; database: string; revision: string; head: string; ahead: number; table?: string }
  /** verify: the database is at a head. */
  | { kind: 'database-current'; severity: 'info'; environment: string; database: string; revision: string; table?: string }
  /** verify: which version table was read for which environments, and what it holds (null: no such table). */
  | { kind: 'database-read'; severity: 'info'; database: string; table: string; environments: string[]; revisions: string[] | null }
  /** verify: env.py computes its version_table when it runs, so the table read may not be its own. */
  | { kind: 'version-table-unknown'; severity: 'warning'; environment: string; path: string; line: number; expression: string; table: string }
  /** verify --base, pre-push: what merging the branch into its base would break that neither side had. */
  | {
      kind: 'merge-graph';
      severity: Severity;
      environment: string;
      base: string;
      problem: GraphProblem;
      branch: HeadInfo[];
      baseHeads: HeadInfo[];
      runner?: AlembicRunner;
      repoint?: Repoint;
    }
  /** verify --base: git cannot merge a migration or environment file of the branch into the base. */
  | { kind: 'merge-conflict'; severity: Severity; environment: string; path: string; role: 'migration' | 'env-file'; base: string }
  /** verify --base: the branch edits or deletes a migration the base already has (it may be applied). */
  | { kind: 'base-migration-changed'; severity: Severity; environment: string; path: string; change: 'modified' | 'deleted'; base: string }
  /** verify --base: a commit of the branch went through on the guard's bypass (its trailer). */
  | { kind: 'bypassed-commit'; severity: 'warning'; commit: string; subject: string; reason: string }
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

/** Rebase and re-point: the file whose down_revision moves from one revision to the base's head. */
export interface Repoint {
  path: string;
  revision: string;
  from: string;
  to: string;
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
  // The branch's own file first: that is where a pull request's annotation belongs.
  if (f.kind === 'merge-graph')
    return [...new Set([...(f.repoint ? [f.repoint.path] : []), ...f.branch.map((b) => b.path), ...f.problem.paths].filter(Boolean))];
  if ('path' in f && typeof f.path === 'string') return [f.path];
  if (f.kind === 'database-ahead') return f.heads.map((h) => h.path);
  return [];
}
