/**
 * What merging a branch into its base would break: the merge result's graph, judged by the same
 * rules as any tree, against the base's and the branch's own graphs. A problem the merge result
 * has and neither side had alone is the merge's doing (two pull requests each adding a migration
 * on the same parent: each side has one head, the merge has two). Plain functions of graphs, so a
 * test can feed them directly; verify and pre-push read the graphs (sources.ts).
 */
import type { Environment } from './environment.js';
import { classify } from './environment.js';
import type { GraphProblem, RevisionGraph, RevisionNode } from './graph.js';
import type { EnvironmentGraph } from './sources.js';

/** A revision as the report names it: its id and its file. */
export interface NamedRevision {
  revision: string;
  path: string;
}

/** What a merge adds to one environment's graph that neither side had. */
export interface MergeProblem {
  environment: Environment;
  problem: GraphProblem;
  /** The branch's revisions among the problem's (for heads: the branch's heads). */
  branch: NamedRevision[];
  /** The base's heads in the same environment. */
  baseHeads: NamedRevision[];
  /** Rebase and re-point: the branch's first revision on the base, and the base head to stand on. */
  repoint?: { path: string; revision: string; from: string; to: string };
}

export interface SidesOfMerge {
  environment: Environment;
  base: RevisionGraph;
  branch: RevisionGraph;
  merged: RevisionGraph;
}

const key = (p: GraphProblem): string => `${p.kind}\0${[...p.revisions].sort().join(',')}\0${[...p.paths].sort().join(',')}`;

/**
 * The problems of the merged graph that neither the base nor the branch has alone. Problems in
 * files git could not merge are left out: the conflict is named instead (mergeConflicts).
 */
export function mergeProblems(sides: SidesOfMerge[], conflicted: ReadonlySet<string> = new Set()): MergeProblem[] {
  const found: MergeProblem[] = [];
  for (const { environment, base, branch, merged } of sides) {
    const known = new Set([...base.problems, ...branch.problems].map(key));
    const inBase = new Set(base.revisions.map((r) => r.revision));
    const node = new Map(merged.revisions.map((r) => [r.revision, r]));
    const named = (id: string): NamedRevision => ({ revision: id, path: node.get(id)?.path ?? '' });
    const baseHeads = base.heads.map((h) => ({ revision: h, path: base.revisions.find((r) => r.revision === h)?.path ?? '' }));
    for (const problem of merged.problems) {
      if (problem.severity !== 'error' || known.has(key(problem))) continue;
      if (problem.paths.some((p) => conflicted.has(p))) continue;
      const mine = problem.revisions.filter((id) => !inBase.has(id));
      const result: MergeProblem = { environment, problem, branch: mine.map(named), baseHeads };
      if (problem.kind === 'multiple-heads') {
        const theirs = problem.revisions.filter((id) => inBase.has(id));
        const onto = theirs.length === 1 ? theirs[0]! : base.heads.length === 1 ? base.heads[0]! : undefined;
        if (mine.length === 1 && onto !== undefined) {
          const first = firstOnBase(mine[0]!, node, inBase);
          if (first) result.repoint = { path: first.node.path, revision: first.node.revision, from: first.parent, to: onto };
        }
      }
      found.push(result);
    }
  }
  return found;
}

/** Walking down from a branch head: the first revision whose down_revision is the base's. */
function firstOnBase(head: string, node: Map<string, RevisionNode>, inBase: ReadonlySet<string>): { node: RevisionNode; parent: string } | null {
  const seen = new Set<string>();
  let at = node.get(head);
  while (at && !seen.has(at.revision)) {
    seen.add(at.revision);
    const parent = at.downRevisions.find((d) => inBase.has(d));
    if (parent !== undefined) return at.downRevisions.length === 1 ? { node: at, parent } : null;
    const next = at.downRevisions.find((d) => node.has(d));
    at = next === undefined ? undefined : node.get(next);
  }
  return null;
}

/** Files git could not merge that Alembic reads: each with its environment and role. */
export function mergeConflicts(environments: Environment[], conflicts: string[]): { path: string; environment: Environment; role: 'migration' | 'env-file' }[] {
  return conflicts.flatMap((path) => {
    const hit = classify(environments, path);
    return hit ? [{ path, environment: hit.environment, role: hit.role }] : [];
  });
}

/** What a merge check saw: the base, the merged tree's graphs beside the base's, what the branch adds. */
export interface MergeFacts {
  ref: string;
  commit: string;
  mergeBase: string | null;
  /** The merged tree's graphs, for pictures and summaries. */
  merged: EnvironmentGraph[];
  base: EnvironmentGraph[];
  /** Revisions the branch adds, per environment name. */
  added: Record<string, string[]>;
  conflicts: string[];
}
