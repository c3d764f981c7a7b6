/**
 * What `locate` found, as data: the places that define a revision, in git's terms. The text and
 * JSON renderings (src/report/locate.ts) and verify's database-ahead finding carry the same values.
 */
import type { CloneCompleteness, CommitInfo } from './git/places.js';

export type { CloneCompleteness, CommitInfo };

export type PlaceKind = 'untracked' | 'ignored' | 'modified' | 'staged' | 'head' | 'branch' | 'remote' | 'tag' | 'worktree-head' | 'stash' | 'history';

export interface Place {
  kind: PlaceKind;
  /** Repository-relative path of the file. */
  path: string;
  /** The worktree holding it, as a path from where locate ran; null for this one or no worktree. */
  worktree: string | null;
  /** Ref names at this commit (branch, remote, tag), or the stash entry (stash@{n}). */
  refs: string[];
  /** Branches: the commit that added the file; tags and other commits: the commit; history: the commit that deleted it. */
  commit: CommitInfo | null;
  /** history: the last commit that had the file. */
  lastHad: CommitInfo | null;
  /** stash: which part of the entry holds it. */
  stashPart?: 'tracked' | 'index' | 'untracked';
  /** Whether HEAD has this very file (same path, same content). */
  inHead: boolean;
}

export interface RevisedBy {
  revision: string | null;
  path: string;
  kind: PlaceKind;
  refs: string[];
  worktree: string | null;
}

export interface LocatedRevision {
  revision: string;
  places: Place[];
  revisedBy: RevisedBy[];
  /** Whether HEAD defines this revision (at any path). */
  inHead: boolean;
}

export interface LocatedQuery {
  query: string;
  /** Full revision ids the query names: one, or several for an ambiguous prefix; none = found nowhere. */
  revisions: LocatedRevision[];
  /** Files naming the query as a parent when no file defines it. */
  revisedBy: RevisedBy[];
}

export interface Searched {
  worktrees: number;
  index: boolean;
  head: boolean;
  branches: number;
  remotes: number;
  tags: number;
  stash: number;
  /** Commits whose changes the history search covered; null when no history search ran. */
  commits: number | null;
  /** A partial clone: file versions (the history's) that are not here were not read, never fetched. */
  notInClone?: true;
  versions: string[];
}

export interface LocateResult {
  queries: LocatedQuery[];
  searched: Searched;
  clone: CloneCompleteness;
}
