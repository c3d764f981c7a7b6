// The phases of buildGraph (graph.ts), each a function of plain data that returns what it found:
// the scripts' nodes, one vertex per revision id, the ids and branch labels Alembic refuses, the
// edges down_revision and depends_on name, cycles, and the order with its heads and bases.
// The multiple-heads check, the last phase, is graph-heads.ts.

import { adjacency, type Adjacency, stronglyConnected, topologicalOrder } from './digraph.js';
import type { GraphProblem, GraphProblemKind, RevisionGraph, RevisionNode } from './graph-types.js';
import { Hints } from './reference-hints.js';
import type { ParsedScript } from './script.js';

// Revision.verify_rev_id rejects these; Alembic refuses to load the environment.
const ILLEGAL_ID_CHARS = ['@', '-', '+'];
// Alembic 1.8 loads ids containing ':' but splits command arguments on it ("history -r a:b",
// "upgrade a:b --sql"), so such a revision cannot be named there: a warning.
const AWKWARD_ID_CHARS = [':'];
// Alembic does not validate branch label characters, but reads `label@rev`, relative `x+1`/
// `x-1` and ranges `a:b` in command arguments, so a label holding these cannot be addressed.
const AWKWARD_LABEL_CHARS = ['@', '+', '-', ':'];

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// -- scripts -> nodes ------------------------------------------------------------------------

export interface ScriptNodes {
  /** One per script with a known id, in the scripts' order. */
  nodes: RevisionNode[];
  /** The scripts Alembic cannot load (their errors). */
  problems: GraphProblem[];
  /** The scripts' parse warnings, with their paths. */
  warnings: RevisionGraph['warnings'];
}

/** The nodes of the scripts (in path order), their load errors and their warnings. */
export function scriptNodes(ordered: ParsedScript[]): ScriptNodes {
  const nodes: RevisionNode[] = [];
  const problems: GraphProblem[] = [];
  const warnings: RevisionGraph['warnings'] = [];
  for (const s of ordered) {
    for (const w of s.warnings) warnings.push({ path: s.path, line: w.line, message: w.message });
    if (s.error !== undefined) problems.push(scriptProblem(s));
    // A script with an error but a known id still takes its place in the graph, so that the
    // revisions pointing at it do not also report it missing.
    if (s.revision !== null) {
      nodes.push({
        revision: s.revision,
        downRevisions: s.downRevisions.slice(),
        dependsOn: s.dependsOn.slice(),
        branchLabels: s.branchLabels.slice(),
        path: s.path,
      });
    }
  }
  return { nodes, problems, warnings };
}

// -- vertices: one per distinct revision id ---------------------------------------------------

export interface Vertices {
  nodes: RevisionNode[];
  /** Revision id -> vertex. */
  index: Map<string, number>;
  /** Vertex -> revision id. */
  ids: string[];
  /** Node -> vertex. */
  vertexOf: Int32Array;
  /** Vertex -> the node (in path order) that defines it first. */
  firstNode: number[];
  /** Vertex -> every node of an id defined more than once. */
  duplicates: Map<number, number[]>;
}

export function indexVertices(nodes: RevisionNode[]): Vertices {
  const index = new Map<string, number>();
  const ids: string[] = [];
  const vertexOf = new Int32Array(nodes.length);
  const firstNode: number[] = [];
  const duplicates = new Map<number, number[]>();
  for (let i = 0; i < nodes.length; i++) {
    const id = nodes[i]!.revision;
    let v = index.get(id);
    if (v === undefined) {
      v = ids.length;
      index.set(id, v);
      ids.push(id);
      firstNode.push(i);
    } else {
      const d = duplicates.get(v);
      if (d === undefined) duplicates.set(v, [firstNode[v]!, i]);
      else d.push(i);
    }
    vertexOf[i] = v;
  }
  return { nodes, index, ids, vertexOf, firstNode, duplicates };
}

/** The file that defines vertex v first. */
export function pathOf(g: Vertices, v: number): string {
  return g.nodes[g.firstNode[v]!]!.path;
}

/** Every file that defines vertex v's id. */
export function pathsOf(g: Vertices, v: number): string[] {
  return (g.duplicates.get(v) ?? [g.firstNode[v]!]).map((i) => g.nodes[i]!.path);
}

/** An id defined in several files. */
export function duplicateProblems(g: Vertices): GraphProblem[] {
  const problems: GraphProblem[] = [];
  for (const [v, dup] of g.duplicates) {
    const paths = dup.map((i) => g.nodes[i]!.path);
    problems.push({
      kind: 'duplicate-revision',
      severity: 'error',
      paths,
      revisions: [g.ids[v]!],
      message: `revision "${g.ids[v]}" is defined in ${paths.length} files (${paths.join(', ')}); Alembic keeps only one of them, so give each file its own id`,
    });
  }
  return problems;
}

/** Ids Alembic refuses (empty, "@", "-", "+") or that its commands cannot name (":"). */
export function idProblems(g: Vertices): GraphProblem[] {
  const problems: GraphProblem[] = [];
  for (let v = 0; v < g.ids.length; v++) {
    const id = g.ids[v]!;
    if (id !== '' && !/[@+:-]/.test(id)) continue;
    const where = pathOf(g, v);
    if (id === '') {
      problems.push({
        kind: 'illegal-id',
        severity: 'error',
        paths: pathsOf(g, v),
        revisions: [id],
        message: `${where} sets revision = "", an empty id that no down_revision can name; give it a real id`,
      });
      continue;
    }
    const bad = ILLEGAL_ID_CHARS.filter((c) => id.includes(c));
    if (bad.length > 0) {
      problems.push({
        kind: 'illegal-id',
        severity: 'error',
        paths: pathsOf(g, v),
        revisions: [id],
        message: `revision id "${id}" in ${where} contains ${quoteList(bad)}, which Alembic refuses in revision ids ("@", "-", "+"); rename the id here and wherever it is referenced`,
      });
    }
    if (AWKWARD_ID_CHARS.some((c) => id.includes(c))) {
      problems.push({
        kind: 'illegal-id',
        severity: 'warning',
        paths: pathsOf(g, v),
        revisions: [id],
        message: `revision id "${id}" in ${where} contains ":", which Alembic commands read as a range ("alembic history -r a:b"), so it cannot be named there; rename the id`,
      });
    }
  }
  return problems;
}

// -- branch labels ----------------------------------------------------------------------------

export interface BranchLabels {
  /** Label -> the node that carries it (the first, in path order). */
  owners: Map<string, RevisionNode>;
  problems: GraphProblem[];
}

/** RevisionMap._map_branch_labels: a label may not repeat a revision id or another label. */
export function mapBranchLabels(g: Vertices): BranchLabels {
  const owners = new Map<string, RevisionNode>();
  const problems: GraphProblem[] = [];
  for (const node of g.nodes) {
    for (const label of node.branchLabels) {
      const asId = g.index.get(label);
      if (asId !== undefined) {
        problems.push({
          kind: 'duplicate-label',
          severity: 'error',
          paths: uniq([node.path, pathOf(g, asId)]),
          revisions: uniq([node.revision, g.ids[asId]!]),
          message: `branch label "${label}" of ${node.path} is also the revision id of ${pathOf(g, asId)}, which Alembic refuses; rename the label`,
        });
        continue;
      }
      const owner = owners.get(label);
      if (owner !== undefined) {
        problems.push({
          kind: 'duplicate-label',
          severity: 'error',
          paths: uniq([owner.path, node.path]),
          revisions: uniq([owner.revision, node.revision]),
          message:
            owner === node
              ? `branch label "${label}" is listed twice in ${node.path}, which Alembic refuses; list it once`
              : `branch label "${label}" is used by both ${owner.path} and ${node.path}, which Alembic refuses; rename one of them`,
        });
        continue;
      }
      owners.set(label, node);
      const awkward = AWKWARD_LABEL_CHARS.filter((c) => label.includes(c));
      if (label === '' || awkward.length > 0) {
        const message =
          label === ''
            ? `${node.path} has an empty branch label, which no command can name; remove it`
            : `branch label "${label}" in ${node.path} contains ${quoteList(awkward)}, which Alembic commands read as label@revision, relative (+1/-1) or range (a:b) syntax; rename the label`;
        problems.push(ofNode('illegal-id', 'warning', node, message));
      }
    }
  }
  return { owners, problems };
}

// -- edges --------------------------------------------------------------------------------------

export interface Edges {
  /** Child -> parent, named by down_revision. */
  down: Adjacency;
  /** Dependant -> dependency, named by depends_on (labels resolved to their revision). */
  deps: Adjacency;
  /** Per vertex: some down_revision names it. */
  isParent: Uint8Array;
  /** Per vertex: a file of it has no down_revision. */
  isBase: Uint8Array;
  /** References that name nothing, or name their own revision (left out of the edges). */
  problems: GraphProblem[];
}

/** The edges down_revision and depends_on name; `scripts` (path order) only for the hints of a reference that names nothing. */
export function resolveEdges(g: Vertices, labels: ReadonlyMap<string, RevisionNode>, scripts: ParsedScript[]): Edges {
  const n = g.ids.length;
  const downFrom: number[] = [];
  const downTo: number[] = [];
  const depFrom: number[] = [];
  const depTo: number[] = [];
  const isParent = new Uint8Array(n);
  const isBase = new Uint8Array(n);
  const problems: GraphProblem[] = [];
  const hints = new Hints(scripts, g.ids);

  for (let i = 0; i < g.nodes.length; i++) {
    const node = g.nodes[i]!;
    const v = g.vertexOf[i]!;
    if (node.downRevisions.length === 0) isBase[v] = 1;
    for (const ref of node.downRevisions) {
      const p = g.index.get(ref);
      if (p === v) {
        problems.push(selfLoop(node, 'down_revision'));
      } else if (p !== undefined) {
        downFrom.push(v);
        downTo.push(p);
        isParent[p] = 1;
      } else {
        const labelled = labels.get(ref);
        const message =
          labelled !== undefined
            ? `down_revision "${ref}" of ${node.path} is a branch label, but down_revision must be a revision id; write "${labelled.revision}" (${labelled.path}) or name the label in depends_on`
            : `down_revision "${ref}" of ${node.path} names no revision in this environment${hints.explain(ref, 'down_revision')}`;
        problems.push(ofNode('missing-parent', 'error', node, message));
      }
    }
    for (const ref of node.dependsOn) {
      let d = g.index.get(ref);
      if (d === undefined) {
        const owner = labels.get(ref);
        if (owner !== undefined) d = g.index.get(owner.revision);
      }
      if (d === v) {
        problems.push(selfLoop(node, 'depends_on'));
      } else if (d !== undefined) {
        depFrom.push(v);
        depTo.push(d);
      } else {
        const message = `depends_on "${ref}" of ${node.path} names no revision or branch label in this environment${hints.explain(ref, 'depends_on')}`;
        problems.push(ofNode('missing-dependency', 'error', node, message));
      }
    }
  }
  return { down: adjacency(n, downFrom, downTo), deps: adjacency(n, depFrom, depTo), isParent, isBase, problems };
}

// -- cycles -----------------------------------------------------------------------------------

/** One problem per loop through down_revision and depends_on (self references are the edges' problems). */
export function cycleProblems(g: Vertices, edges: Pick<Edges, 'down' | 'deps'>): GraphProblem[] {
  return stronglyConnected(g.ids.length, edges.down, edges.deps).map((scc) => cycleProblem(scc, g, edges.down, edges.deps));
}

// -- order, heads, bases ------------------------------------------------------------------------

export interface Placed {
  /** Vertex -> its place among the ids sorted. */
  rank: Int32Array;
  /** Vertices, parents before children (ties by id; those on cycles last). */
  order: number[];
  /** Every node, in that order (an id's duplicates together). */
  revisions: RevisionNode[];
  /** The vertices no down_revision names, by id. */
  headV: number[];
  heads: string[];
  bases: string[];
}

export function placeRevisions(g: Vertices, edges: Pick<Edges, 'down' | 'deps' | 'isParent' | 'isBase'>): Placed {
  const n = g.ids.length;
  const sortedIds = g.ids.slice().sort(); // default sort: UTF-16 code units, same as `<`
  const rank = new Int32Array(n);
  for (let r = 0; r < n; r++) rank[g.index.get(sortedIds[r]!)!] = r;
  const order = topologicalOrder(n, edges.down, edges.deps, rank);
  const revisions: RevisionNode[] = [];
  for (const v of order) {
    const dup = g.duplicates.get(v);
    if (dup === undefined) revisions.push(g.nodes[g.firstNode[v]!]!);
    else for (const i of dup) revisions.push(g.nodes[i]!);
  }
  const headV: number[] = [];
  const bases: string[] = [];
  for (const id of sortedIds) {
    const v = g.index.get(id)!;
    if (!edges.isParent[v]) headV.push(v);
    if (edges.isBase[v]) bases.push(id);
  }
  return { rank, order, revisions, headV, heads: headV.map((v) => g.ids[v]!), bases };
}

/** The problem of one script Alembic cannot load (its error): env files' compile verdicts too (commands/shared.ts). */
export function scriptProblem(s: ParsedScript): GraphProblem {
  const error = s.error!;
  if (error.kind === 'not-a-migration') {
    return {
      kind: 'not-a-migration',
      severity: 'error',
      paths: [s.path],
      revisions: [],
      message: `${s.path} has no module-level revision, so Alembic refuses to load the versions directory while it is there; move the file out or give it revision = "<id>"`,
    };
  }
  const at = error.line !== undefined ? ` (line ${error.line})` : '';
  if (error.kind === 'syntax' || error.kind === 'conflict' || error.kind === 'not-utf8') {
    // Python refuses to compile the file (SyntaxError at import), so Alembic cannot load the
    // environment: a typo to fix in place, not a graph to repair.
    const problem: GraphProblem = {
      kind: 'syntax-error',
      severity: 'error',
      paths: [s.path],
      revisions: s.revision !== null ? [s.revision] : [],
      message: `${s.path} cannot be parsed${at}: ${error.message}`,
      cause: error.kind === 'not-utf8' ? 'encoding' : error.kind,
    };
    if (error.line !== undefined) problem.line = error.line;
    return problem;
  }
  return {
    kind: 'unreadable-script',
    severity: 'error',
    paths: [s.path],
    revisions: s.revision !== null ? [s.revision] : [],
    message: `${s.path} cannot be read as a migration${at}: ${error.message}`,
  };
}

function selfLoop(node: RevisionNode, field: 'down_revision' | 'depends_on'): GraphProblem {
  const message = `${field} of ${node.path} names its own revision "${node.revision}", a loop Alembic refuses to load; point it at the previous revision`;
  return ofNode('cycle', 'error', node, message);
}

/** A problem of one script: its file and its revision. */
function ofNode(kind: GraphProblemKind, severity: GraphProblem['severity'], node: RevisionNode, message: string): GraphProblem {
  return { kind, severity, paths: [node.path], revisions: [node.revision], message };
}

function quoteList(chars: string[]): string {
  return chars.map((c) => `"${c}"`).join(' and ');
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function cycleProblem(scc: number[], g: Vertices, down: Adjacency, deps: Adjacency): GraphProblem {
  const { ids } = g;
  const inScc = new Set(scc);
  const sorted = [...scc].sort((a, b) => compare(ids[a]!, ids[b]!));
  const firstIn = (g: Adjacency, v: number): number | undefined => {
    for (let e = g.off[v]!; e < g.off[v + 1]!; e++) if (inScc.has(g.to[e]!)) return g.to[e]!;
    return undefined;
  };
  // Walk from the smallest id along edges inside the component until a vertex repeats.
  const seenAt = new Map<number, number>();
  const walk: number[] = [];
  const viaDeps: boolean[] = [];
  let v = sorted[0]!;
  while (!seenAt.has(v)) {
    seenAt.set(v, walk.length);
    walk.push(v);
    let next = firstIn(down, v);
    viaDeps.push(next === undefined);
    if (next === undefined) next = firstIn(deps, v)!;
    v = next;
  }
  const from = seenAt.get(v)!;
  const loop = walk.slice(from);
  const usesDeps = viaDeps.slice(from).some(Boolean);
  const chain = [...loop, loop[0]!].map((x) => `"${ids[x]}"`).join(' -> ');
  const files = loop.map((x) => pathsOf(g, x)[0]!);
  const rest = scc.length > loop.length ? ` (${scc.length} revisions are caught in it in all)` : '';
  return {
    kind: 'cycle',
    severity: 'error',
    paths: sorted.flatMap((x) => pathsOf(g, x)),
    revisions: sorted.map((x) => ids[x]!),
    message: `revisions ${chain} form a ${usesDeps ? 'cycle through down_revision and depends_on' : 'down_revision cycle'} in ${files.join(', ')}${rest}, which Alembic refuses to load; point one of them at an earlier revision`,
  };
}
