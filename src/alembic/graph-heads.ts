// The last phase of buildGraph: the heads Alembic would refuse. One head, or, where branch
// labels name lines of history, one head per labelled line.

import { type Adjacency, nearestCommonAncestors } from './digraph.js';
import { pathOf, pathsOf, type Placed, type Vertices } from './graph-phases.js';
import type { GraphProblem } from './graph-types.js';

const MAX_LISTED = 10;

export interface HeadsRule {
  /** Some revision carries a branch label: one head per labelled line. */
  labelled: boolean;
  /** Without labels, several heads are intended. */
  allowMultipleHeads: boolean;
}

/** The heads Alembic's `upgrade head` would refuse, with their nearest common ancestors. */
export function headsProblems(g: Vertices, down: Adjacency, placed: Pick<Placed, 'rank' | 'order' | 'headV'>, rule: HeadsRule): GraphProblem[] {
  const { headV } = placed;
  if (headV.length < 2) return [];
  const problems: GraphProblem[] = [];
  const headsProblem = (group: number[], message: string): GraphProblem => ({
    kind: 'multiple-heads',
    severity: 'error',
    paths: group.flatMap((v) => pathsOf(g, v)),
    revisions: group.map((v) => g.ids[v]!),
    message,
  });
  if (rule.labelled) {
    // Branch labels name lines of history that are meant to stay apart (neutron's expand and
    // contract; `alembic upgrade heads` runs them all): one head per labelled line is
    // Alembic's documented way. Two heads on one line, or two heads no label reaches, are a
    // fork nobody meant, whatever allowMultipleHeads says.
    const lines = headLines(g, headV, down);
    const advice =
      'join them with a merge migration, or, where a line of history is meant to stay separate, give its first revision its own branch label (heads on distinct labelled branches pass, and `alembic upgrade heads` runs them all; the allowMultipleHeads setting does not let two heads of one line, or an unlabelled head, through)';
    for (const { label, group } of lines) {
      if (label === null || group.length < 2) continue;
      const { listed, common } = describeHeads(g, group, placed, down);
      problems.push(
        headsProblem(group, `the branch "${label}" has ${group.length} heads, ${listed}, and their nearest common ancestor is ${common}; ${advice}`),
      );
    }
    const unlabelled = lines.find((line) => line.label === null)?.group ?? [];
    if (unlabelled.length > 0) {
      // "Each head on its own labelled branch": a head no label reaches is a fork nobody named.
      const { listed, common } = describeHeads(g, headV, placed, down);
      const which = unlabelled.map((v) => `"${g.ids[v]}"`).join(', ');
      problems.push(
        headsProblem(
          headV,
          `the migrations have ${headV.length} heads, ${listed}, and ${which} ${unlabelled.length === 1 ? 'lies' : 'lie'} on no labelled branch (their nearest common ancestor is ${common}); ${advice}`,
        ),
      );
    }
  } else if (!rule.allowMultipleHeads) {
    const { listed, common } = describeHeads(g, headV, placed, down);
    problems.push(
      headsProblem(
        headV,
        `the migrations have ${headV.length} heads, ${listed}, and their nearest common ancestor is ${common}; join them into one with a merge migration`,
      ),
    );
  }
  return problems;
}

/** A group of heads for a message: the first few, and their nearest common ancestors. */
function describeHeads(g: Vertices, group: number[], placed: Pick<Placed, 'rank' | 'order'>, down: Adjacency): { listed: string; common: string } {
  const ancestors = nearestCommonAncestors(group, placed.order, down);
  const listed = group.slice(0, MAX_LISTED).map((v) => `"${g.ids[v]}" (${pathOf(g, v)})`);
  const more = group.length > MAX_LISTED ? ` and ${group.length - MAX_LISTED} more` : '';
  const common =
    ancestors === null
      ? 'not computed for this many heads'
      : ancestors.length === 0
        ? 'none: they share no ancestor'
        : ancestors
            .sort((a, b) => placed.rank[a]! - placed.rank[b]!)
            .map((v) => `"${g.ids[v]}" (${pathOf(g, v)})`)
            .join(', ');
  return { listed: `${listed.join(', ')}${more}`, common };
}

/**
 * Heads grouped by the line of history they lie on: a head carries every branch label of its
 * ancestors along down_revision (Alembic hands a label down to all descendants,
 * RevisionMap._add_branches). Heads whose label sets overlap are one line; heads without a label
 * are one line too. `label` names the line (the first shared label), or null for unlabelled.
 */
export function headLines(g: Vertices, headV: number[], down: Adjacency): { label: string | null; group: number[] }[] {
  const labelsOf = (v: number): string[] => g.nodes[g.firstNode[v]!]!.branchLabels;
  const seen = new Int32Array(g.ids.length).fill(-1);
  const inherited: string[][] = [];
  headV.forEach((head, h) => {
    const found = new Set<string>();
    const stack = [head];
    seen[head] = h;
    while (stack.length > 0) {
      const v = stack.pop()!;
      for (const label of labelsOf(v)) found.add(label);
      for (let e = down.off[v]!; e < down.off[v + 1]!; e++) {
        const p = down.to[e]!;
        if (seen[p] !== h) {
          seen[p] = h;
          stack.push(p);
        }
      }
    }
    inherited.push([...found].sort());
  });
  // Union of heads that share a label; the unlabelled ones form one group.
  const parent = headV.map((_, h) => h);
  const find = (h: number): number => (parent[h] === h ? h : (parent[h] = find(parent[h]!)));
  const byLabel = new Map<string, number>();
  let unlabelled = -1;
  inherited.forEach((labels, h) => {
    if (labels.length === 0) {
      if (unlabelled < 0) unlabelled = h;
      else parent[find(h)] = find(unlabelled);
    }
    for (const label of labels) {
      const other = byLabel.get(label);
      if (other === undefined) byLabel.set(label, h);
      else parent[find(h)] = find(other);
    }
  });
  const groups = new Map<number, number[]>();
  headV.forEach((v, h) => {
    const root = find(h);
    const group = groups.get(root);
    if (group) group.push(h);
    else groups.set(root, [h]);
  });
  return [...groups.values()].map((hs) => {
    const common = hs.map((h) => new Set(inherited[h])).reduce((a, b) => new Set([...a].filter((x) => b.has(x))));
    const label = inherited[hs[0]!]!.length === 0 ? null : ([...common].sort()[0] ?? inherited[hs[0]!]![0]!);
    return { label, group: hs.map((h) => headV[h]!) };
  });
}
