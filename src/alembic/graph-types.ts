// The shapes of a revision graph and its problems: what graph.ts builds and every command reads.

import type { Loading } from './environment.js';

export type { Loading };

export type GraphProblemKind =
  | 'duplicate-revision'
  | 'missing-parent'
  | 'missing-dependency'
  | 'cycle'
  | 'illegal-id'
  | 'duplicate-label'
  | 'multiple-heads'
  | 'not-a-migration'
  | 'syntax-error'
  | 'not-loaded'
  | 'unreadable-script'
  /** A submodule at or around a versions directory whose scripts could not be read here. */
  | 'submodule-unread';

/** Why Python refuses a file: its syntax, git's conflict markers left in it, or bytes that are not text. */
export type SyntaxCause = 'syntax' | 'conflict' | 'encoding';

export interface GraphProblem {
  kind: GraphProblemKind;
  message: string;
  paths: string[];
  revisions: string[];
  severity: 'error' | 'warning';
  /** syntax-error: the line Python would report, when known. */
  line?: number;
  /** syntax-error: why Python refuses the file. */
  cause?: SyntaxCause;
  /**
   * multiple-heads: plain `alembic` does not see every file of this graph (the project's Python
   * sets version_locations), so a printed `alembic merge` would not join these heads.
   */
  codeLoaded?: true;
}

export interface RevisionNode {
  revision: string;
  downRevisions: string[];
  dependsOn: string[];
  branchLabels: string[];
  path: string;
}

export interface RevisionGraph {
  revisions: RevisionNode[];
  heads: string[];
  bases: string[];
  problems: GraphProblem[];
  warnings: { path: string; line: number; message: string }[];
  /** How the environment's files were judged (buildEnvironmentGraph sets it). */
  layout?: GraphLayout;
}

export interface GraphOptions {
  /** Several heads are intended (independent branches): no 'multiple-heads' problem, unless branch labels say otherwise. */
  allowMultipleHeads?: boolean;
  /** Which files of the versions directories Alembic loads (default: recursive). */
  loading?: Loading;
}

/** How an environment's files were judged: one graph, or its subdirectories separately. */
export interface GraphLayout {
  loading: Loading;
  /**
   * one-graph: every loaded file in one graph; independent: first-level subdirectories whose
   * chains never refer to each other; alternatives: subdirectories that are each a complete
   * history on their own and share ids (env.py picks one at run time).
   */
  rule: 'one-graph' | 'independent' | 'alternatives';
  /** The subdirectories judged separately (independent, alternatives), repository-relative. */
  groups: string[];
}
