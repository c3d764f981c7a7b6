// The revision graph of one Alembic environment and the checks Alembic itself would fail on.
// Semantics follow alembic/script/revision.py (RevisionMap._revision_map, Revision):
// - heads: revisions no other revision names in its down_revision (depends_on does not count);
// - bases: revisions whose down_revision is None/empty (even when they have depends_on);
// - down_revision must name revision ids; depends_on may name ids or branch labels.
// Everything here is linear in revisions + references, plus sorts by id, except the
// multiple-heads ancestor search: O(references x heads / 32) bit operations.
// Messages are one sentence each, naming the files, the reason and the fix.

import { isUnder } from './environment.js';
import { adjacency, type Adjacency, nearestCommonAncestors, stronglyConnected, topologicalOrder } from './digraph.js';
import { Hints } from './reference-hints.js';
import type { GraphLayout, GraphOptions, GraphProblem, GraphProblemKind, RevisionGraph, RevisionNode } from './graph-types.js';
import type { ParsedScript } from './script.js';

export type { GraphLayout, GraphOptions, GraphProblem, GraphProblemKind, Loading, RevisionGraph, RevisionNode, SyntaxCause } from './graph-types.js';

// Revision.verify_rev_id rejects these; Alembic refuses to load the environment.
const ILLEGAL_ID_CHARS = ['@', '-', '+'];
// Alembic 1.8 loads ids containing ':' but splits command arguments on it ("history -r a:b",
// "upgrade a:b --sql"), so such a revision cannot be named there: a warning.
const AWKWARD_ID_CHARS = [':'];
// Alembic does not validate branch label characters, but reads `label@rev`, relative `x+1`/
// `x-1` and ranges `a:b` in command arguments, so a label holding these cannot be addressed.
const AWKWARD_LABEL_CHARS = ['@', '+', '-', ':'];

const MAX_LISTED = 10;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The graph of one environment, as every command judges it. Its versions directories are one
 * graph, except where their first-level subdirectories hold graphs judged separately:
 * - independent: chains that never refer to each other and share no id or label;
 * - alternatives: prefect keeps versions/postgresql and versions/sqlite, the same migration
 *   written per dialect under one id, and its env.py picks one folder at run time. Each
 *   subdirectory that is a complete history on its own (every reference found inside it, one
 *   head) is judged alone, so a shared id is not a duplicate; an id shared by subdirectories that
 *   are not each complete (one folder a year) stays a duplicate.
 * With loading 'flat', files in subdirectories are left out (Alembic does not load them) and a
 * migration among them is a warning.
 */
export function buildEnvironmentGraph(scripts: ParsedScript[], versions: string[], options: GraphOptions = {}): RevisionGraph {
  const loading = options.loading ?? 'recursive';
  let loaded = scripts;
  const skipped: GraphProblem[] = [];
  if (loading === 'flat') {
    loaded = [];
    for (const script of scripts) {
      if (versions.some((dir) => isDirectlyIn(script.path, dir))) loaded.push(script);
      else if (script.revision !== null) skipped.push(notLoaded(script));
    }
  }
  const whole = buildGraph(loaded, options);
  const split = whole.problems.some((p) => p.kind === 'multiple-heads' || p.kind === 'duplicate-revision')
    ? splitSubdirectories(loaded, versions, options)
    : null;
  const graph = split ?? whole;
  graph.layout = { loading, rule: split?.layout?.rule ?? 'one-graph', groups: split?.layout?.groups ?? [] };
  if (skipped.length > 0) graph.problems = [...graph.problems, ...summarised(skipped)];
  if (loading === 'code') for (const p of graph.problems) if (p.kind === 'multiple-heads') p.codeLoaded = true;
  return graph;
}

/** Past this many files of one subdirectory that Alembic does not load, they are one warning. */
const NOT_LOADED_EACH = 3;

/** Files Alembic does not load, one warning each, or one for a subdirectory that holds many (a legacy folder). */
function summarised(skipped: GraphProblem[]): GraphProblem[] {
  const byDir = new Map<string, GraphProblem[]>();
  for (const p of skipped) {
    const dir = p.paths[0]!.slice(0, p.paths[0]!.lastIndexOf('/'));
    byDir.set(dir, [...(byDir.get(dir) ?? []), p]);
  }
  return [...byDir].flatMap(([dir, problems]) =>
    problems.length <= NOT_LOADED_EACH
      ? problems
      : [
          {
            kind: 'not-loaded' as const,
            severity: 'warning' as const,
            paths: problems.flatMap((p) => p.paths),
            revisions: problems.flatMap((p) => p.revisions),
            message: `${problems.length} files in ${dir}/ define revisions, and Alembic does not load that subdirectory without recursive_version_locations = true (or version_locations set in code); if they are migrations, move them up into the versions directory or set recursive_version_locations, if they are an old copy (a squashed history), move the folder out of the versions directory`,
          },
        ],
  );
}

function isDirectlyIn(path: string, dir: string): boolean {
  return isUnder(path, dir) && !path.includes('/', dir === '' ? 0 : dir.length + 1);
}

function notLoaded(script: ParsedScript): GraphProblem {
  return {
    kind: 'not-loaded',
    severity: 'warning',
    paths: [script.path],
    revisions: [script.revision!],
    message: `${script.path} defines revision "${script.revision}" in a subdirectory of the versions directory, which Alembic does not load without recursive_version_locations = true; if it is a migration, move it up into the versions directory (or set recursive_version_locations), otherwise move it out`,
  };
}

/** The graphs of first-level subdirectories, when they are independent or alternatives; else null. */
function splitSubdirectories(scripts: ParsedScript[], versions: string[], options: GraphOptions): RevisionGraph | null {
  const groups = new Map<string, ParsedScript[]>();
  for (const script of scripts) {
    const dir = versions.find((v) => isUnder(script.path, v));
    if (dir === undefined) return null;
    const rest = dir === '' ? script.path : script.path.slice(dir.length + 1);
    const slash = rest.indexOf('/');
    if (slash < 0) return null; // a script directly in the versions directory belongs to every chain
    const key = dir === '' ? rest.slice(0, slash) : `${dir}/${rest.slice(0, slash)}`;
    const group = groups.get(key);
    if (group) group.push(script);
    else groups.set(key, [script]);
  }
  if (groups.size < 2) return null;
  const groupOf = new Map<string, string>();
  let shared = false;
  for (const [key, group] of groups) {
    for (const script of group) {
      for (const name of [script.revision, ...script.branchLabels]) {
        if (name === null) continue;
        if (groupOf.has(name) && groupOf.get(name) !== key) shared = true;
        groupOf.set(name, key);
      }
    }
  }
  let rule: GraphLayout['rule'] = 'alternatives';
  if (!shared) {
    rule = 'independent';
    for (const [key, group] of groups) {
      for (const script of group) {
        for (const ref of [...script.downRevisions, ...script.dependsOn]) {
          const owner = groupOf.get(ref);
          if (owner !== undefined && owner !== key) return null;
        }
      }
    }
  }
  const parts = [...groups.values()].map((group) => buildGraph(group, options));
  if (rule === 'alternatives' && !parts.every(isCompleteHistory)) return null;
  return {
    revisions: parts.flatMap((g) => g.revisions),
    heads: parts.flatMap((g) => g.heads).sort(),
    bases: parts.flatMap((g) => g.bases).sort(),
    problems: parts.flatMap((g) => g.problems),
    warnings: parts.flatMap((g) => g.warnings),
    layout: { loading: 'recursive', rule, groups: [...groups.keys()].sort() },
  };
}

// A history Alembic could run on its own: every reference found inside it, nothing it refuses,
// one head.
const INCOMPLETE: ReadonlySet<GraphProblemKind> = new Set<GraphProblemKind>([
  'missing-parent',
  'missing-dependency',
  'cycle',
  'duplicate-revision',
  'duplicate-label',
  'multiple-heads',
  'unreadable-script',
  'syntax-error',
  'not-a-migration',
]);

function isCompleteHistory(graph: RevisionGraph): boolean {
  return graph.heads.length === 1 && !graph.problems.some((p) => INCOMPLETE.has(p.kind));
}

/**
 * The graph of these scripts, as Alembic's RevisionMap reads them: a pipeline of phases, each a
 * function of plain data that returns what it found (its problems included).
 */
export function buildGraph(scripts: ParsedScript[], options: GraphOptions = {}): RevisionGraph {
  const ordered = sortedByPath(scripts);
  const read = scriptNodes(ordered);
  const vertices = indexVertices(read.nodes);
  const labels = mapBranchLabels(vertices);
  const edges = resolveEdges(vertices, labels.owners, ordered);
  const placed = placeRevisions(vertices, edges);
  const problems = [
    ...read.problems,
    ...duplicateProblems(vertices),
    ...idProblems(vertices),
    ...labels.problems,
    ...edges.problems,
    ...cycleProblems(vertices, edges),
  ];
  // With a parent missing or a script unreadable, the chain is cut where the file is broken: the
  // extra "head" is an artefact, and "alembic merge heads" the wrong advice. The heads are
  // judged once the graph is whole again.
  if (!problems.some(cutsChain)) {
    problems.push(
      ...headsProblems(vertices, edges.down, placed, { labelled: labels.owners.size > 0, allowMultipleHeads: options.allowMultipleHeads === true }),
    );
  }
  return { revisions: placed.revisions, heads: placed.heads, bases: placed.bases, problems, warnings: read.warnings };
}

function cutsChain(p: GraphProblem): boolean {
  return p.kind === 'missing-parent' || p.kind === 'unreadable-script' || p.kind === 'syntax-error';
}

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

// -- multiple heads -----------------------------------------------------------------------------

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

function sortedByPath(scripts: ParsedScript[]): ParsedScript[] {
  // Callers usually pass files in path order already: check before paying for a sort.
  for (let i = 1; i < scripts.length; i++) {
    if (scripts[i - 1]!.path > scripts[i]!.path) return scripts.slice().sort((a, b) => compare(a.path, b.path));
  }
  return scripts;
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
