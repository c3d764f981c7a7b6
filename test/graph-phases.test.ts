// Each phase of buildGraph alone, fed plain data: nodes, a vertex table, adjacency arrays.
// buildGraph as a whole is test/graph.test.ts.
import { describe, expect, it } from 'vitest';
import { adjacency, type Adjacency } from '../src/alembic/digraph.js';
import { headLines, headsProblems } from '../src/alembic/graph-heads.js';
import {
  cycleProblems,
  duplicateProblems,
  idProblems,
  indexVertices,
  mapBranchLabels,
  pathOf,
  pathsOf,
  placeRevisions,
  resolveEdges,
  scriptNodes,
} from '../src/alembic/graph-phases.js';
import type { RevisionNode } from '../src/alembic/graph-types.js';
import type { ParsedScript } from '../src/alembic/script.js';

const V = 'versions';

function node(revision: string, downRevisions: string[] = [], more: Partial<RevisionNode> = {}): RevisionNode {
  return { revision, downRevisions, dependsOn: [], branchLabels: [], path: `${V}/${revision}.py`, ...more };
}

function script(file: string, revision: string | null, more: Partial<ParsedScript> = {}): ParsedScript {
  return { path: `${V}/${file}`, revision, downRevisions: [], dependsOn: [], branchLabels: [], warnings: [], ...more };
}

/** Adjacency from `[from, to]` pairs over n vertices. */
function edges(n: number, pairs: [number, number][]): Adjacency {
  return adjacency(
    n,
    pairs.map((p) => p[0]),
    pairs.map((p) => p[1]),
  );
}

const none = (n: number): Adjacency => edges(n, []);

describe('scriptNodes', () => {
  it('makes a node of each script with an id, and keeps its warnings with its path', () => {
    const a = script('a.py', 'a', { branchLabels: ['lab'], warnings: [{ line: 3, message: 'w' }] });
    const b = script('b.py', 'b', { downRevisions: ['a'], dependsOn: ['lab'] });
    const out = scriptNodes([a, b, script('x.py', null)]);
    expect(out.nodes).toEqual([
      { revision: 'a', downRevisions: [], dependsOn: [], branchLabels: ['lab'], path: `${V}/a.py` },
      { revision: 'b', downRevisions: ['a'], dependsOn: ['lab'], branchLabels: [], path: `${V}/b.py` },
    ]);
    expect(out.warnings).toEqual([{ path: `${V}/a.py`, line: 3, message: 'w' }]);
    expect(out.problems).toEqual([]);
    // The nodes own their lists: a later edit of one does not reach the parsed script (the cache keeps those).
    expect(out.nodes[0]!.branchLabels).not.toBe(a.branchLabels);
  });

  it('reports a script Alembic cannot load, and still places it when its id is known', () => {
    const broken = script('b.py', 'b', { error: { kind: 'syntax', message: 'invalid syntax', line: 4 } });
    const stray = script('notes.py', null, { error: { kind: 'not-a-migration', message: 'not a migration' } });
    const out = scriptNodes([broken, stray]);
    expect(out.nodes.map((n) => n.revision)).toEqual(['b']);
    expect(out.problems.map((p) => [p.kind, p.paths, p.revisions, p.line, p.cause])).toEqual([
      ['syntax-error', [`${V}/b.py`], ['b'], 4, 'syntax'],
      ['not-a-migration', [`${V}/notes.py`], [], undefined, undefined],
    ]);
  });
});

describe('indexVertices, pathOf, pathsOf', () => {
  it('gives each distinct id one vertex, in the order of the nodes', () => {
    const g = indexVertices([node('a'), node('b'), node('c')]);
    expect(g.ids).toEqual(['a', 'b', 'c']);
    expect([...g.index]).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
    expect([...g.vertexOf]).toEqual([0, 1, 2]);
    expect(g.firstNode).toEqual([0, 1, 2]);
    expect(g.duplicates.size).toBe(0);
  });

  it('lists every node of an id defined more than once, the first defining it', () => {
    const nodes = [node('a'), node('b', [], { path: `${V}/b1.py` }), node('b', [], { path: `${V}/b2.py` }), node('b', [], { path: `${V}/b3.py` })];
    const g = indexVertices(nodes);
    expect(g.ids).toEqual(['a', 'b']);
    expect([...g.vertexOf]).toEqual([0, 1, 1, 1]);
    expect(g.firstNode).toEqual([0, 1]);
    expect([...g.duplicates]).toEqual([[1, [1, 2, 3]]]);
    expect(pathOf(g, 1)).toBe(`${V}/b1.py`);
    expect(pathsOf(g, 1)).toEqual([`${V}/b1.py`, `${V}/b2.py`, `${V}/b3.py`]);
    expect(pathsOf(g, 0)).toEqual([`${V}/a.py`]);
  });
});

describe('duplicateProblems', () => {
  it('names every file of a duplicated id', () => {
    const g = indexVertices([node('a', [], { path: 'v/1.py' }), node('a', [], { path: 'v/2.py' }), node('b')]);
    expect(duplicateProblems(g)).toEqual([
      {
        kind: 'duplicate-revision',
        severity: 'error',
        paths: ['v/1.py', 'v/2.py'],
        revisions: ['a'],
        message: 'revision "a" is defined in 2 files (v/1.py, v/2.py); Alembic keeps only one of them, so give each file its own id',
      },
    ]);
  });

  it('finds nothing without duplicates', () => {
    expect(duplicateProblems(indexVertices([node('a'), node('b')]))).toEqual([]);
  });
});

describe('idProblems', () => {
  const of = (...ids: string[]) => idProblems(indexVertices(ids.map((id) => node(id, [], { path: `${V}/f${ids.indexOf(id)}.py` }))));

  it('passes ordinary ids', () => {
    expect(of('ae1027a6acf', 'x_1', '12')).toEqual([]);
  });

  it('refuses an empty id', () => {
    expect(of('')).toEqual([
      {
        kind: 'illegal-id',
        severity: 'error',
        paths: [`${V}/f0.py`],
        revisions: [''],
        message: `${V}/f0.py sets revision = "", an empty id that no down_revision can name; give it a real id`,
      },
    ]);
  });

  it('refuses "@", "-" and "+", naming the ones it holds', () => {
    const [p] = of('a-b+c');
    expect(p!.severity).toBe('error');
    expect(p!.message).toContain('revision id "a-b+c" in versions/f0.py contains "-" and "+", which Alembic refuses');
  });

  it('warns of ":", and also refuses what else the id holds', () => {
    expect(of('a:b').map((p) => [p.severity, p.revisions])).toEqual([['warning', ['a:b']]]);
    expect(of('a@b:c').map((p) => p.severity)).toEqual(['error', 'warning']);
  });

  it('names every file of a duplicated bad id', () => {
    const g = indexVertices([node('a@b', [], { path: 'v/1.py' }), node('a@b', [], { path: 'v/2.py' })]);
    expect(idProblems(g)[0]!.paths).toEqual(['v/1.py', 'v/2.py']);
  });
});

describe('mapBranchLabels', () => {
  it('maps each label to the node that carries it', () => {
    const a = node('a', [], { branchLabels: ['expand'] });
    const b = node('b', [], { branchLabels: ['contract', 'other'] });
    const out = mapBranchLabels(indexVertices([a, b]));
    expect([...out.owners]).toEqual([
      ['expand', a],
      ['contract', b],
      ['other', b],
    ]);
    expect(out.problems).toEqual([]);
  });

  it('refuses a label that is a revision id, one used twice, and one listed twice in a file', () => {
    const a = node('a', [], { branchLabels: ['b', 'lab', 'lab'] });
    const b = node('b', [], { branchLabels: ['lab'] });
    const out = mapBranchLabels(indexVertices([a, b]));
    expect(out.problems.map((p) => [p.kind, p.paths, p.revisions])).toEqual([
      ['duplicate-label', [`${V}/a.py`, `${V}/b.py`], ['a', 'b']],
      ['duplicate-label', [`${V}/a.py`], ['a']],
      ['duplicate-label', [`${V}/a.py`, `${V}/b.py`], ['a', 'b']],
    ]);
    expect(out.problems[0]!.message).toContain(`branch label "b" of ${V}/a.py is also the revision id of ${V}/b.py`);
    expect(out.problems[1]!.message).toContain(`branch label "lab" is listed twice in ${V}/a.py`);
    expect(out.problems[2]!.message).toContain(`branch label "lab" is used by both ${V}/a.py and ${V}/b.py`);
    // The first owner keeps the label; a label that is an id owns nothing.
    expect([...out.owners.keys()]).toEqual(['lab']);
    expect(out.owners.get('lab')).toBe(a);
  });

  it('warns of a label commands cannot name, and keeps it', () => {
    const out = mapBranchLabels(indexVertices([node('a', [], { branchLabels: ['', 'x@y'] })]));
    expect(out.problems.map((p) => [p.kind, p.severity])).toEqual([
      ['illegal-id', 'warning'],
      ['illegal-id', 'warning'],
    ]);
    expect(out.problems[0]!.message).toBe(`${V}/a.py has an empty branch label, which no command can name; remove it`);
    expect(out.problems[1]!.message).toContain('contains "@", which Alembic commands read as label@revision');
    expect([...out.owners.keys()]).toEqual(['', 'x@y']);
  });
});

describe('resolveEdges', () => {
  const targets = (a: Adjacency, v: number): number[] => [...a.to.subarray(a.off[v]!, a.off[v + 1]!)];

  it('turns down_revision and depends_on into edges, child to parent', () => {
    // a <- b <- c, and c depends on a through its label
    const a = node('a', [], { branchLabels: ['lab'] });
    const g = indexVertices([a, node('b', ['a']), node('c', ['b'], { dependsOn: ['lab'] })]);
    const out = resolveEdges(g, new Map([['lab', a]]), []);
    expect(out.problems).toEqual([]);
    expect([0, 1, 2].map((v) => targets(out.down, v))).toEqual([[], [0], [1]]);
    expect([0, 1, 2].map((v) => targets(out.deps, v))).toEqual([[], [], [0]]);
    expect([...out.isParent]).toEqual([1, 1, 0]);
    expect([...out.isBase]).toEqual([1, 0, 0]);
  });

  it('marks a base for any file of an id without down_revision', () => {
    const g = indexVertices([node('a', ['b'], { path: 'v/1.py' }), node('a', [], { path: 'v/2.py' }), node('b')]);
    expect([...resolveEdges(g, new Map(), []).isBase]).toEqual([1, 1]);
  });

  it('reports a self reference and leaves it out', () => {
    const out = resolveEdges(indexVertices([node('a', ['a'], { dependsOn: ['a'] })]), new Map(), []);
    expect(out.problems.map((p) => [p.kind, p.message.split(' ').slice(0, 2).join(' ')])).toEqual([
      ['cycle', 'down_revision of'],
      ['cycle', 'depends_on of'],
    ]);
    expect(out.down.to.length + out.deps.to.length).toBe(0);
    expect([...out.isParent]).toEqual([0]);
  });

  it('reports references that name nothing, with a hint from the scripts', () => {
    const g = indexVertices([node('1f2e3d4c5b6a'), node('b', ['009'], { dependsOn: ['1f2e'] })]);
    const scripts = [script('009_create_pins.py', '1f2e3d4c5b6a'), script('b.py', 'b')];
    const out = resolveEdges(g, new Map(), scripts);
    expect(out.problems.map((p) => [p.kind, p.paths, p.revisions])).toEqual([
      ['missing-parent', [`${V}/b.py`], ['b']],
      ['missing-dependency', [`${V}/b.py`], ['b']],
    ]);
    expect(out.problems[0]!.message).toBe(
      `down_revision "009" of ${V}/b.py names no revision in this environment; it matches the file name ${V}/009_create_pins.py, not a revision id; use its revision id "1f2e3d4c5b6a"`,
    );
    expect(out.problems[1]!.message).toBe(
      `depends_on "1f2e" of ${V}/b.py names no revision or branch label in this environment; depends_on must be the full id, perhaps "1f2e3d4c5b6a"`,
    );
  });

  it('says when down_revision names a branch label', () => {
    const a = node('a', [], { branchLabels: ['lab'] });
    const out = resolveEdges(indexVertices([a, node('b', ['lab'])]), new Map([['lab', a]]), []);
    expect(out.problems[0]!.message).toBe(
      `down_revision "lab" of ${V}/b.py is a branch label, but down_revision must be a revision id; write "a" (${V}/a.py) or name the label in depends_on`,
    );
  });
});

describe('cycleProblems', () => {
  const g = indexVertices([node('a', ['c']), node('b', ['a']), node('c', ['b']), node('d')]);

  it('reports a down_revision loop once, from its smallest id', () => {
    const problems = cycleProblems(g, {
      down: edges(4, [
        [0, 2],
        [1, 0],
        [2, 1],
      ]),
      deps: none(4),
    });
    expect(problems).toEqual([
      {
        kind: 'cycle',
        severity: 'error',
        paths: [`${V}/a.py`, `${V}/b.py`, `${V}/c.py`],
        revisions: ['a', 'b', 'c'],
        message: `revisions "a" -> "c" -> "b" -> "a" form a down_revision cycle in ${V}/a.py, ${V}/c.py, ${V}/b.py, which Alembic refuses to load; point one of them at an earlier revision`,
      },
    ]);
  });

  it('says when the loop runs through depends_on', () => {
    const problems = cycleProblems(g, { down: edges(4, [[1, 0]]), deps: edges(4, [[0, 1]]) });
    expect(problems.map((p) => p.revisions)).toEqual([['a', 'b']]);
    expect(problems[0]!.message).toContain('form a cycle through down_revision and depends_on');
  });

  it('finds none in a graph without loops', () => {
    expect(
      cycleProblems(g, {
        down: edges(4, [
          [1, 0],
          [2, 1],
        ]),
        deps: edges(4, [[3, 0]]),
      }),
    ).toEqual([]);
  });
});

describe('placeRevisions', () => {
  it('orders parents first, ties by id, and finds heads and bases', () => {
    // vertices in path order: m, y, x, a; m merges x and y, both on a
    const g = indexVertices([node('m'), node('y'), node('x'), node('a')]);
    const down = edges(4, [
      [0, 2],
      [0, 1],
      [1, 3],
      [2, 3],
    ]);
    const placed = placeRevisions(g, { down, deps: none(4), isParent: Uint8Array.of(0, 1, 1, 1), isBase: Uint8Array.of(0, 0, 0, 1) });
    expect([...placed.rank]).toEqual([1, 3, 2, 0]);
    expect(placed.order).toEqual([3, 2, 1, 0]);
    expect(placed.revisions.map((r) => r.revision)).toEqual(['a', 'x', 'y', 'm']);
    expect(placed.headV).toEqual([0]);
    expect(placed.heads).toEqual(['m']);
    expect(placed.bases).toEqual(['a']);
  });

  it('puts a depends_on target first, every file of a duplicate together, and a cycle last', () => {
    const g = indexVertices([node('c'), node('b', [], { path: 'v/b1.py' }), node('a'), node('b', [], { path: 'v/b2.py' }), node('z'), node('y')]);
    // c depends on b; z and y are a loop
    const placed = placeRevisions(g, {
      down: edges(5, [
        [3, 4],
        [4, 3],
      ]),
      deps: edges(5, [[0, 1]]),
      isParent: Uint8Array.of(0, 0, 0, 1, 1),
      isBase: Uint8Array.of(1, 1, 1, 0, 0),
    });
    expect(placed.revisions.map((r) => r.path)).toEqual([`${V}/a.py`, 'v/b1.py', 'v/b2.py', `${V}/c.py`, `${V}/y.py`, `${V}/z.py`]);
    expect(placed.heads).toEqual(['a', 'b', 'c']);
    expect(placed.bases).toEqual(['a', 'b', 'c']);
  });
});

describe('headsProblems and headLines', () => {
  // r <- a <- x, r <- a <- y, r <- z: three heads x, y, z
  const nodes = [node('r'), node('a', ['r']), node('x', ['a']), node('y', ['a']), node('z', ['r'])];
  const down = edges(5, [
    [1, 0],
    [2, 1],
    [3, 1],
    [4, 0],
  ]);
  // order: parents first; rank: only sorts the common ancestors a message lists
  const placed = { rank: Int32Array.of(1, 0, 2, 3, 4), order: [0, 1, 2, 3, 4], headV: [2, 3, 4] };
  const rule = { labelled: false, allowMultipleHeads: false };

  it('reports several heads and their nearest common ancestor', () => {
    const g = indexVertices(nodes);
    expect(headsProblems(g, down, placed, rule)).toEqual([
      {
        kind: 'multiple-heads',
        severity: 'error',
        paths: [`${V}/x.py`, `${V}/y.py`, `${V}/z.py`],
        revisions: ['x', 'y', 'z'],
        message: `the migrations have 3 heads, "x" (${V}/x.py), "y" (${V}/y.py), "z" (${V}/z.py), and their nearest common ancestor is "r" (${V}/r.py); join them into one with a merge migration`,
      },
    ]);
  });

  it('finds nothing for one head, or when several are allowed and nothing is labelled', () => {
    const g = indexVertices(nodes);
    expect(headsProblems(g, down, { ...placed, headV: [2] }, rule)).toEqual([]);
    expect(headsProblems(g, down, placed, { labelled: false, allowMultipleHeads: true })).toEqual([]);
  });

  it('groups heads by the labels they inherit along down_revision', () => {
    const labelled = [nodes[0]!, node('a', ['r'], { branchLabels: ['lab'] }), nodes[2]!, nodes[3]!, node('z', ['r'], { branchLabels: ['other'] })];
    const g = indexVertices(labelled);
    expect(headLines(g, [2, 3, 4], down)).toEqual([
      { label: 'lab', group: [2, 3] },
      { label: 'other', group: [4] },
    ]);
    // two heads on the branch "lab": a problem whatever allowMultipleHeads says
    const problems = headsProblems(g, down, placed, { labelled: true, allowMultipleHeads: true });
    expect(problems.map((p) => p.revisions)).toEqual([['x', 'y']]);
    expect(problems[0]!.message).toMatch(/^the branch "lab" has 2 heads, "x" .*, and their nearest common ancestor is "a" \(versions\/a\.py\); join them/);
  });

  it('reports a head no label reaches, with every head', () => {
    const labelled = [nodes[0]!, nodes[1]!, node('x', ['a'], { branchLabels: ['lab'] }), nodes[3]!, nodes[4]!];
    const g = indexVertices(labelled);
    expect(headLines(g, [2, 3, 4], down)).toEqual([
      { label: 'lab', group: [2] },
      { label: null, group: [3, 4] },
    ]);
    const problems = headsProblems(g, down, placed, { labelled: true, allowMultipleHeads: true });
    expect(problems.map((p) => p.revisions)).toEqual([['x', 'y', 'z']]);
    expect(problems[0]!.message).toContain('and "y", "z" lie on no labelled branch (their nearest common ancestor is "r"');
  });
});
