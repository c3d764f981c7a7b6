import type { RevisionGraph } from './graph.js';

/**
 * Everything a revision stands on (itself included), following down_revision and depends_on
 * as Alembic's upgrade does. Unknown ids are skipped: the graph checks report them.
 */
export function ancestors(graph: RevisionGraph, revision: string): Set<string> {
  const byId = new Map(graph.revisions.map((r) => [r.revision, r]));
  const byLabel = new Map<string, string>();
  for (const r of graph.revisions) for (const label of r.branchLabels) byLabel.set(label, r.revision);
  const seen = new Set<string>();
  const stack = [revision];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    const node = byId.get(id) ?? byId.get(byLabel.get(id) ?? '');
    if (!node) continue;
    seen.add(node.revision);
    stack.push(...node.downRevisions, ...node.dependsOn);
  }
  return seen;
}
