// The revision graph of one Alembic environment and the checks Alembic itself would fail on.
// Semantics follow alembic/script/revision.py (RevisionMap._revision_map, Revision):
// - heads: revisions no other revision names in its down_revision (depends_on does not count);
// - bases: revisions whose down_revision is None/empty (even when they have depends_on);
// - down_revision must name revision ids; depends_on may name ids or branch labels.
// Its phases (graph-phases.ts, graph-heads.ts) are linear in revisions + references, plus sorts
// by id, except the multiple-heads ancestor search: O(references x heads / 32) bit operations.
// Messages are one sentence each, naming the files, the reason and the fix.

import { isUnder } from './environment.js';
import { headsProblems } from './graph-heads.js';
import { cycleProblems, duplicateProblems, idProblems, indexVertices, mapBranchLabels, placeRevisions, resolveEdges, scriptNodes } from './graph-phases.js';
import type { GraphLayout, GraphOptions, GraphProblem, GraphProblemKind, RevisionGraph } from './graph-types.js';
import type { ParsedScript } from './script.js';

export { scriptProblem } from './graph-phases.js';
export type { GraphLayout, GraphOptions, GraphProblem, GraphProblemKind, Loading, RevisionGraph, RevisionNode, SyntaxCause } from './graph-types.js';

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

function sortedByPath(scripts: ParsedScript[]): ParsedScript[] {
  // Callers usually pass files in path order already: check before paying for a sort.
  for (let i = 1; i < scripts.length; i++) {
    if (scripts[i - 1]!.path > scripts[i]!.path) return scripts.slice().sort((a, b) => compare(a.path, b.path));
  }
  return scripts;
}
