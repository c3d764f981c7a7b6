/**
 * The revision graph as a picture: mermaid (drawn by GitHub in a pull request, a job summary or
 * a README) and Graphviz dot. Bases at the bottom, heads at the top, merge points and branch
 * labels marked, the revisions a branch adds highlighted. A big graph is cut to what a reviewer
 * looks at (heads, bases, branch and merge points, labelled and added revisions, and the few
 * around each head); the chains left out are drawn as one dashed edge that says how many.
 */
import type { RevisionGraph, RevisionNode } from '../alembic/graph.js';

export interface Picture {
  name: string;
  graph: RevisionGraph;
}

export interface PictureOptions {
  /** Revisions the branch adds (marked). */
  added?: ReadonlySet<string>;
  /** Past this many revisions an environment is cut; default 60. */
  limit?: number;
}

interface Cut {
  nodes: RevisionNode[];
  /** parent → child, with the number of revisions left out between them (0: a plain edge). */
  edges: { from: string; to: string; skipped: number; depends?: true }[];
  left: number;
  heads: Set<string>;
  merges: Set<string>;
}

const AROUND_HEAD = 3;

function cut(graph: RevisionGraph, options: PictureOptions): Cut {
  const byId = new Map(graph.revisions.map((r) => [r.revision, r]));
  const children = new Map<string, string[]>();
  for (const r of graph.revisions) for (const d of r.downRevisions) if (byId.has(d)) children.set(d, [...(children.get(d) ?? []), r.revision]);
  const heads = new Set(graph.heads);
  const merges = new Set(graph.revisions.filter((r) => r.downRevisions.length > 1).map((r) => r.revision));
  const limit = options.limit ?? 60;
  let keep: Set<string>;
  if (graph.revisions.length <= limit) {
    keep = new Set(byId.keys());
  } else {
    keep = new Set<string>([...heads, ...graph.bases, ...merges]);
    for (const r of graph.revisions) {
      if ((children.get(r.revision)?.length ?? 0) > 1 || r.branchLabels.length > 0 || options.added?.has(r.revision) || r.dependsOn.length > 0)
        keep.add(r.revision);
    }
    for (const head of heads) {
      let at = byId.get(head);
      for (let i = 0; at && i < AROUND_HEAD; i++) {
        keep.add(at.revision);
        const parent = at.downRevisions.find((d) => byId.has(d));
        at = parent === undefined ? undefined : byId.get(parent);
      }
    }
    for (const p of graph.problems) for (const id of p.revisions) if (byId.has(id)) keep.add(id);
  }
  const edges: Cut['edges'] = [];
  for (const id of keep) {
    const node = byId.get(id)!;
    for (const parent of node.downRevisions) {
      // Down through revisions left out (a chain: branch and merge points are kept) to a kept one.
      let skipped = 0;
      let at = parent;
      const seen = new Set<string>();
      while (byId.has(at) && !keep.has(at) && !seen.has(at)) {
        seen.add(at);
        skipped++;
        const next: string | undefined = byId.get(at)!.downRevisions[0];
        if (next === undefined) break;
        at = next;
      }
      if (keep.has(at)) edges.push({ from: at, to: id, skipped });
    }
    for (const dep of node.dependsOn) if (keep.has(dep)) edges.push({ from: dep, to: id, skipped: 0, depends: true });
  }
  const nodes = graph.revisions.filter((r) => keep.has(r.revision));
  return { nodes, edges, left: graph.revisions.length - nodes.length, heads, merges };
}

function label(node: RevisionNode, c: Cut, added: ReadonlySet<string> | undefined): string {
  const marks = [c.heads.has(node.revision) ? 'head' : null, c.merges.has(node.revision) ? 'merge' : null, added?.has(node.revision) ? 'new' : null].filter(
    Boolean,
  );
  const labels = node.branchLabels.length ? ` [${node.branchLabels.join(', ')}]` : '';
  return `${node.revision}${labels}${marks.length ? ` (${marks.join(', ')})` : ''}`;
}

// Mermaid's text in quotes: `"` and the characters it reads as markup are written as entities.
function mermaidText(text: string): string {
  return text.replace(/[^\w .,:()[\]/@+-]/g, (ch) => `#${ch.codePointAt(0)};`);
}

export function mermaid(pictures: Picture[], options: PictureOptions = {}): string {
  const lines = ['flowchart BT'];
  let n = 0;
  for (const { name, graph } of pictures) {
    const c = cut(graph, options);
    const ids = new Map<string, string>();
    for (const node of c.nodes) ids.set(node.revision, `r${n++}`);
    const indent = pictures.length > 1 ? '    ' : '  ';
    if (pictures.length > 1) lines.push(`  subgraph s${n++}["${mermaidText(name)}"]`);
    for (const node of c.nodes) {
      const id = ids.get(node.revision)!;
      const text = mermaidText(label(node, c, options.added));
      lines.push(`${indent}${id}${c.merges.has(node.revision) ? `{{"${text}"}}` : `["${text}"]`}`);
    }
    for (const e of c.edges) {
      const from = ids.get(e.from)!;
      const to = ids.get(e.to)!;
      if (e.depends) lines.push(`${indent}${from} -. depends on .-> ${to}`);
      else if (e.skipped > 0) lines.push(`${indent}${from} -. "${e.skipped} revision${e.skipped === 1 ? '' : 's'}" .-> ${to}`);
      else lines.push(`${indent}${from} --> ${to}`);
    }
    const classed = (set: (id: string) => boolean, cls: string) => {
      const members = c.nodes.filter((node) => set(node.revision)).map((node) => ids.get(node.revision)!);
      if (members.length) lines.push(`${indent}class ${members.join(',')} ${cls}`);
    };
    classed((id) => c.heads.has(id), 'head');
    classed((id) => options.added?.has(id) ?? false, 'added');
    if (c.left > 0)
      lines.push(
        `${indent}cut${n++}>"${mermaidText(`${c.left} of ${graph.revisions.length} revisions left out: drawn are heads, bases, branch and merge points, labelled revisions and those around heads; a dashed edge stands for a chain`)}"]`,
      );
    if (pictures.length > 1) lines.push('  end');
  }
  lines.push('  classDef head stroke:#1a7f37,stroke-width:3px', '  classDef added fill:#fff8c5,stroke:#9a6700');
  return `${lines.join('\n')}\n`;
}

function dotText(text: string): string {
  return `"${text.replace(/[\\"]/g, (ch) => `\\${ch}`).replace(/[\n\r]/g, ' ')}"`;
}

export function dot(pictures: Picture[], options: PictureOptions = {}): string {
  const lines = ['digraph alembic {', '  rankdir=BT;', '  node [shape=box, fontname="Helvetica"];'];
  pictures.forEach(({ name, graph }, i) => {
    const c = cut(graph, options);
    const node = (id: string) => dotText(`${i}:${id}`);
    lines.push(`  subgraph cluster_${i} {`, `    label=${dotText(name)};`);
    for (const r of c.nodes) {
      const attrs = [`label=${dotText(label(r, c, options.added))}`];
      if (c.heads.has(r.revision)) attrs.push('penwidth=3', 'color="#1a7f37"');
      if (c.merges.has(r.revision)) attrs.push('shape=hexagon');
      if (options.added?.has(r.revision)) attrs.push('style=filled', 'fillcolor="#fff8c5"');
      lines.push(`    ${node(r.revision)} [${attrs.join(', ')}];`);
    }
    for (const e of c.edges) {
      const attrs = e.depends
        ? ' [style=dotted, label="depends on"]'
        : e.skipped > 0
          ? ` [style=dashed, label=${dotText(`${e.skipped} revision${e.skipped === 1 ? '' : 's'}`)}]`
          : '';
      lines.push(`    ${node(e.from)} -> ${node(e.to)}${attrs};`);
    }
    if (c.left > 0)
      lines.push(`    cut_note [shape=note, label=${dotText(`${c.left} of ${graph.revisions.length} revisions left out; a dashed edge stands for a chain`)}];`);
    lines.push('  }');
  });
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
