import { describe, expect, it } from 'vitest';
import { buildEnvironmentGraph, buildGraph, type GraphProblem, type RevisionGraph } from '../src/alembic/graph.js';
import { parseScript, type ParsedScript } from '../src/alembic/script.js';

const V = 'backend/alembic/versions';

function s(file: string, revision: string | null, down: string[] = [], more: Partial<ParsedScript> = {}): ParsedScript {
  return { path: `${V}/${file}`, revision, downRevisions: down, dependsOn: [], branchLabels: [], warnings: [], ...more };
}

const kinds = (g: RevisionGraph): string[] => g.problems.map((p) => p.kind);
const only = (g: RevisionGraph, kind: GraphProblem['kind']): GraphProblem[] => g.problems.filter((p) => p.kind === kind);

describe('buildGraph: heads, bases and order', () => {
  it('reads a linear history', () => {
    const g = buildGraph([s('002_b.py', 'b', ['a']), s('003_c.py', 'c', ['b']), s('001_a.py', 'a')]);
    expect(g.revisions.map((r) => r.revision)).toEqual(['a', 'b', 'c']);
    expect(g.heads).toEqual(['c']);
    expect(g.bases).toEqual(['a']);
    expect(g.problems).toEqual([]);
    expect(g.revisions[1]).toEqual({ revision: 'b', downRevisions: ['a'], dependsOn: [], branchLabels: [], path: `${V}/002_b.py` });
  });

  it('handles an empty environment', () => {
    expect(buildGraph([])).toEqual({ revisions: [], heads: [], bases: [], problems: [], warnings: [] });
  });

  it('orders topologically, bases first, ties by id, whatever the input order', () => {
    const scripts = [s('m.py', 'm', ['x', 'y']), s('y.py', 'y', ['a']), s('x.py', 'x', ['a']), s('b2.py', 'b2'), s('a.py', 'a'), s('z.py', 'z', ['b2'])];
    const expected = ['a', 'b2', 'x', 'y', 'm', 'z'];
    expect(buildGraph(scripts, { allowMultipleHeads: true }).revisions.map((r) => r.revision)).toEqual(expected);
    expect(buildGraph([...scripts].reverse(), { allowMultipleHeads: true }).revisions.map((r) => r.revision)).toEqual(expected);
  });

  it('puts a depends_on target before its dependant', () => {
    const g = buildGraph([s('a.py', 'a'), s('b.py', 'b'), s('c.py', 'c', ['b'], { dependsOn: ['z'] }), s('z.py', 'z', ['a'])], { allowMultipleHeads: true });
    const order = g.revisions.map((r) => r.revision);
    expect(order.indexOf('z')).toBeLessThan(order.indexOf('c'));
  });

  // RevisionMap: heads look at down_revision only; bases are down_revision None even with
  // depends_on (Revision.is_base).
  it('counts depends_on neither for heads nor for bases, as Alembic does', () => {
    const g = buildGraph(
      [
        s('a.py', 'a', [], { branchLabels: ['lab'] }),
        s('b.py', 'b', ['a']),
        s('c.py', 'c', [], { dependsOn: ['lab'] }),
        s('d.py', 'd', ['c'], { dependsOn: ['b'] }),
      ],
      {
        allowMultipleHeads: true,
      },
    );
    expect(g.heads).toEqual(['b', 'd']);
    expect(g.bases).toEqual(['a', 'c']);
    // (d lies on no labelled branch, which is a problem of its own: see 'branch labels' below)
    expect(g.problems.filter((p) => p.kind !== 'multiple-heads')).toEqual([]);
  });

  it('does not report a merged history', () => {
    const g = buildGraph([s('a.py', 'a'), s('b.py', 'b', ['a']), s('c.py', 'c', ['a']), s('m.py', 'm', ['b', 'c'])]);
    expect(g.heads).toEqual(['m']);
    expect(g.problems).toEqual([]);
  });
});

describe('buildGraph: multiple heads', () => {
  const branched = [s('001_a.py', 'a'), s('002_b.py', 'b', ['a']), s('003_c.py', 'c', ['b']), s('004_d.py', 'd', ['b']), s('005_e.py', 'e', ['d'])];

  it('reports the heads, their files and their nearest common ancestor', () => {
    const g = buildGraph(branched);
    expect(g.heads).toEqual(['c', 'e']);
    expect(g.problems).toEqual([
      {
        kind: 'multiple-heads',
        severity: 'error',
        paths: [`${V}/003_c.py`, `${V}/005_e.py`],
        revisions: ['c', 'e'],
        message: `the migrations have 2 heads, "c" (${V}/003_c.py), "e" (${V}/005_e.py), and their nearest common ancestor is "b" (${V}/002_b.py); join them into one with a merge migration`,
      },
    ]);
  });

  it('is absent when multiple heads are allowed, and the heads stay listed', () => {
    const g = buildGraph(branched, { allowMultipleHeads: true });
    expect(g.problems).toEqual([]);
    expect(g.heads).toEqual(['c', 'e']);
  });

  it('says when the heads share no ancestor', () => {
    const g = buildGraph([s('a.py', 'a'), s('b.py', 'b'), s('c.py', 'c', ['b'])]);
    expect(only(g, 'multiple-heads')[0]!.message).toContain('their nearest common ancestor is none: they share no ancestor;');
  });

  it('finds the ancestor shared by all of three heads', () => {
    const g = buildGraph([s('r.py', 'r'), s('a.py', 'a', ['r']), s('x.py', 'x', ['a']), s('y.py', 'y', ['a']), s('z.py', 'z', ['r'])]);
    expect(g.heads).toEqual(['x', 'y', 'z']);
    expect(only(g, 'multiple-heads')[0]!.message).toContain('nearest common ancestor is "r" (');
  });

  it('lists both nearest ancestors of a criss-cross merge', () => {
    const g = buildGraph([s('r.py', 'r'), s('p.py', 'p', ['r']), s('q.py', 'q', ['r']), s('m1.py', 'm1', ['p', 'q']), s('m2.py', 'm2', ['p', 'q'])]);
    expect(only(g, 'multiple-heads')[0]!.message).toContain(`nearest common ancestor is "p" (${V}/p.py), "q" (${V}/q.py);`);
  });

  it('shortens the message for many heads but lists every file', () => {
    const scripts = [s('root.py', 'root'), ...Array.from({ length: 25 }, (_, i) => s(`h${i}.py`, `h${String(i).padStart(2, '0')}`, ['root']))];
    const p = only(buildGraph(scripts), 'multiple-heads')[0]!;
    expect(p.paths).toHaveLength(25);
    expect(p.message).toContain('and 15 more, and their nearest common ancestor is "root"');
  });
});

describe('buildGraph: duplicate revisions', () => {
  it('names both files', () => {
    const g = buildGraph([s('001_a.py', 'a'), s('002_b.py', 'b', ['a']), s('002_b_copy.py', 'b', ['a'])]);
    expect(only(g, 'duplicate-revision')).toEqual([
      {
        kind: 'duplicate-revision',
        severity: 'error',
        paths: [`${V}/002_b.py`, `${V}/002_b_copy.py`],
        revisions: ['b'],
        message: `revision "b" is defined in 2 files (${V}/002_b.py, ${V}/002_b_copy.py); Alembic keeps only one of them, so give each file its own id`,
      },
    ]);
    expect(g.revisions.map((r) => r.path)).toEqual([`${V}/001_a.py`, `${V}/002_b.py`, `${V}/002_b_copy.py`]);
    expect(g.heads).toEqual(['b']);
  });
});

describe('buildGraph: unknown references', () => {
  it('names the referring file', () => {
    const g = buildGraph([s('001_a.py', 'a'), s('010_x.py', 'x', ['abc123'])]);
    expect(only(g, 'missing-parent')).toEqual([
      {
        kind: 'missing-parent',
        severity: 'error',
        paths: [`${V}/010_x.py`],
        revisions: ['x'],
        message: `down_revision "abc123" of ${V}/010_x.py names no revision in this environment`,
      },
    ]);
  });

  it('a parent that was never pushed is the problem, not the second head it leaves behind', () => {
    const g = buildGraph([s('001_a.py', 'a'), s('002_b.py', 'b', ['a']), s('004_d.py', 'd', ['c'])]);
    expect(kinds(g)).toEqual(['missing-parent']);
    expect(g.heads).toEqual(['b', 'd']); // the graph still says what it sees
  });

  it('explains a down_revision that is a file name prefix', () => {
    const g = buildGraph([s('009_create_pins.py', 'e4f5a6b7c8d9'), s('010_x.py', 'x', ['009'])]);
    expect(only(g, 'missing-parent')[0]!.message).toBe(
      `down_revision "009" of ${V}/010_x.py names no revision in this environment; it matches the file name ${V}/009_create_pins.py, not a revision id; use its revision id "e4f5a6b7c8d9"`,
    );
  });

  it('explains a down_revision that is a whole file name stem', () => {
    const g = buildGraph([s('009_create_pins.py', 'e4f5'), s('010_x.py', 'x', ['009_create_pins'])]);
    expect(only(g, 'missing-parent')[0]!.message).toContain(`it matches the file name ${V}/009_create_pins.py, not a revision id`);
  });

  it('does not guess between two files sharing a prefix', () => {
    const g = buildGraph([s('add_pins.py', 'p1'), s('add_users.py', 'u1', ['p1']), s('x.py', 'x', ['add'])], { allowMultipleHeads: true });
    expect(only(g, 'missing-parent')[0]!.message).toBe(`down_revision "add" of ${V}/x.py names no revision in this environment`);
  });

  it('suggests the full id for an abbreviated one', () => {
    const g = buildGraph([s('a.py', '1975ea83b712'), s('b.py', 'b', ['1975ea'])]);
    expect(only(g, 'missing-parent')[0]!.message).toContain('down_revision must be the full id, perhaps "1975ea83b712"');
  });

  it('explains a down_revision that names a branch label', () => {
    const g = buildGraph([s('a.py', 'a', [], { branchLabels: ['expand'] }), s('b.py', 'b', ['expand'])]);
    expect(only(g, 'missing-parent')[0]!.message).toBe(
      `down_revision "expand" of ${V}/b.py is a branch label, but down_revision must be a revision id; write "a" (${V}/a.py) or name the label in depends_on`,
    );
  });

  it('accepts a depends_on naming a branch label or an id, and reports an unknown one', () => {
    const ok = buildGraph([s('a.py', 'a', [], { branchLabels: ['expand'] }), s('b.py', 'b', ['a'], { dependsOn: ['expand', 'a'] })]);
    expect(ok.problems).toEqual([]);
    const bad = buildGraph([s('a.py', 'a'), s('b.py', 'b', ['a'], { dependsOn: ['contract'] })]);
    expect(bad.problems).toEqual([
      {
        kind: 'missing-dependency',
        severity: 'error',
        paths: [`${V}/b.py`],
        revisions: ['b'],
        message: `depends_on "contract" of ${V}/b.py names no revision or branch label in this environment`,
      },
    ]);
  });

  it('keeps a revision with a dangling parent out of the bases', () => {
    const g = buildGraph([s('a.py', 'a'), s('b.py', 'b', ['gone'])], { allowMultipleHeads: true });
    expect(g.bases).toEqual(['a']);
    expect(g.heads).toEqual(['a', 'b']);
  });
});

describe('buildGraph: cycles', () => {
  it('reports a down_revision cycle with its revisions and files', () => {
    const g = buildGraph([s('a.py', 'a'), s('b.py', 'b', ['a', 'd']), s('c.py', 'c', ['b']), s('d.py', 'd', ['c']), s('e.py', 'e', ['d'])]);
    const [cycle] = only(g, 'cycle');
    expect(cycle).toEqual({
      kind: 'cycle',
      severity: 'error',
      paths: [`${V}/b.py`, `${V}/c.py`, `${V}/d.py`],
      revisions: ['b', 'c', 'd'],
      message: `revisions "b" -> "d" -> "c" -> "b" form a down_revision cycle in ${V}/b.py, ${V}/d.py, ${V}/c.py, which Alembic refuses to load; point one of them at an earlier revision`,
    });
    expect(g.heads).toEqual(['e']);
  });

  it('reports a cycle with no base at all', () => {
    const g = buildGraph([s('a.py', 'a', ['b']), s('b.py', 'b', ['a'])]);
    expect(kinds(g)).toContain('cycle');
    expect(g.heads).toEqual([]);
    expect(g.bases).toEqual([]);
    expect(g.revisions.map((r) => r.revision)).toEqual(['a', 'b']);
  });

  it('reports self-loops through down_revision and depends_on', () => {
    const g = buildGraph([s('a.py', 'a'), s('b.py', 'b', ['a', 'b']), s('c.py', 'c', ['b'], { dependsOn: ['c'] })]);
    expect(only(g, 'cycle').map((p) => p.message)).toEqual([
      `down_revision of ${V}/b.py names its own revision "b", a loop Alembic refuses to load; point it at the previous revision`,
      `depends_on of ${V}/c.py names its own revision "c", a loop Alembic refuses to load; point it at the previous revision`,
    ]);
  });

  it("reports a self-loop through the revision's own branch label", () => {
    const g = buildGraph([s('a.py', 'a', [], { branchLabels: ['lab'], dependsOn: ['lab'] })]);
    expect(kinds(g)).toEqual(['cycle']);
  });

  it('reports a cycle through depends_on', () => {
    const g = buildGraph([s('a.py', 'a'), s('b.py', 'b', ['a'], { dependsOn: ['c'] }), s('c.py', 'c', ['b']), s('d.py', 'd', ['c'])]);
    expect(only(g, 'cycle')[0]!.message).toContain('form a cycle through down_revision and depends_on');
  });

  it('survives a long chain without recursion limits', () => {
    const n = 50_000;
    const scripts = Array.from({ length: n }, (_, i) => s(`${i}.py`, `r${i}`, i === 0 ? [`r${n - 1}`] : [`r${i - 1}`]));
    const g = buildGraph(scripts);
    expect(only(g, 'cycle')[0]!.revisions).toHaveLength(n);
  });
});

describe('buildGraph: identifiers and labels', () => {
  it.each(['a@b', 'a-b', 'a+b'])('refuses %s as a revision id', (id) => {
    const p = only(buildGraph([s('a.py', id)]), 'illegal-id')[0]!;
    expect(p.severity).toBe('error');
    expect(p.paths).toEqual([`${V}/a.py`]);
    expect(p.message).toContain(`revision id "${id}" in ${V}/a.py contains "${id[1]}", which Alembic refuses`);
  });

  it('warns about ":" in a revision id, which Alembic loads but cannot name in a range', () => {
    const p = only(buildGraph([s('a.py', 'a:b')]), 'illegal-id')[0]!;
    expect(p.severity).toBe('warning');
  });

  it('refuses an empty revision id', () => {
    expect(only(buildGraph([s('a.py', '')]), 'illegal-id')[0]!.severity).toBe('error');
  });

  it('reports a branch label used by two revisions', () => {
    const g = buildGraph([s('a.py', 'a', [], { branchLabels: ['expand'] }), s('b.py', 'b', ['a'], { branchLabels: ['expand'] })]);
    expect(only(g, 'duplicate-label')).toEqual([
      {
        kind: 'duplicate-label',
        severity: 'error',
        paths: [`${V}/a.py`, `${V}/b.py`],
        revisions: ['a', 'b'],
        message: `branch label "expand" is used by both ${V}/a.py and ${V}/b.py, which Alembic refuses; rename one of them`,
      },
    ]);
  });

  it('reports a branch label listed twice in one file', () => {
    const g = buildGraph([s('a.py', 'a', [], { branchLabels: ['x', 'x'] })]);
    expect(only(g, 'duplicate-label')[0]!.message).toContain('is listed twice in');
  });

  it('reports a branch label equal to a revision id', () => {
    const g = buildGraph([s('a.py', 'a', [], { branchLabels: ['b'] }), s('b.py', 'b', ['a'])]);
    expect(only(g, 'duplicate-label')[0]!.message).toBe(
      `branch label "b" of ${V}/a.py is also the revision id of ${V}/b.py, which Alembic refuses; rename the label`,
    );
  });

  it('warns about labels that commands cannot name', () => {
    const g = buildGraph([s('a.py', 'a', [], { branchLabels: ['v@2', 'feature-1', ''] })]);
    expect(only(g, 'illegal-id').map((p) => p.severity)).toEqual(['warning', 'warning', 'warning']);
  });
});

describe('buildGraph: scripts that are not migrations', () => {
  it('reports a file without revision and an unreadable file', () => {
    const scripts = [
      s('001_a.py', 'a'),
      parseScript(`${V}/helpers.py`, 'def helper():\n    return 1\n'),
      parseScript(`${V}/002_b.py`, Buffer.from([0x72, 0xff, 0x0a])),
      parseScript(`${V}/003_c.py`, 'revision = "c"\ndown_revision = ("a",\n'),
    ];
    const g = buildGraph(scripts);
    expect(g.problems).toEqual([
      {
        kind: 'syntax-error',
        severity: 'error',
        paths: [`${V}/002_b.py`],
        revisions: [],
        message: `${V}/002_b.py cannot be parsed: the file is not valid UTF-8 (and declares no encoding that decodes it), so Python cannot import it`,
        cause: 'encoding',
      },
      {
        kind: 'syntax-error',
        severity: 'error',
        paths: [`${V}/003_c.py`],
        revisions: [],
        line: 2,
        message: `${V}/003_c.py cannot be parsed (line 2): a bracket opened here is never closed`,
        cause: 'syntax',
      },
      {
        kind: 'not-a-migration',
        severity: 'error',
        paths: [`${V}/helpers.py`],
        revisions: [],
        message: `${V}/helpers.py has no module-level revision, so Alembic refuses to load the versions directory while it is there; move the file out or give it revision = "<id>"`,
      },
    ]);
    expect(g.heads).toEqual(['a']);
  });

  it('keeps a script with a known id but an error in the graph', () => {
    const g = buildGraph([s('a.py', 'a'), parseScript(`${V}/b.py`, 'revision = "b"\n'), s('c.py', 'c', ['b'])]);
    expect(kinds(g)).toEqual(['unreadable-script']); // the cut chain's second head is no advice to merge
    expect(only(g, 'unreadable-script')[0]!.revisions).toEqual(['b']);
  });

  it('ignores files Alembic skips by name', () => {
    const g = buildGraph([s('a.py', 'a'), parseScript(`${V}/__init__.py`, ''), parseScript(`${V}/README.md`, '# hi')]);
    expect(g.problems).toEqual([]);
    expect(g.revisions).toHaveLength(1);
  });

  it('passes parser warnings on with their file and line', () => {
    const g = buildGraph([parseScript(`${V}/a.py`, 'revision = "a"\ndown_revision = None\nbranch_labels = (cli.EXPAND,)\n')]);
    expect(g.warnings).toEqual([{ path: `${V}/a.py`, line: 3, message: expect.stringContaining('branch_labels = (cli.EXPAND,)') }]);
  });
});

describe('buildGraph: robustness and speed', () => {
  it('never throws on hostile input', () => {
    const g = buildGraph([
      s('a.py', 'a', ['a', 'a', '', 'b']),
      s('b.py', 'b', ['a'], { dependsOn: ['', 'a', 'b', 'nope'], branchLabels: ['a', '', 'b'] }),
      s('c.py', 'constructor', ['__proto__'], { dependsOn: ['toString'] }),
      s('d.py', '__proto__', ['constructor']),
    ]);
    expect(g.problems.length).toBeGreaterThan(0);
  });

  function history(n: number): ParsedScript[] {
    // a main line with a branch every 50 revisions merged 10 later, a label every 500 and a
    // depends_on every 100
    const scripts: ParsedScript[] = [];
    for (let i = 0; i < n; i++) {
      const id = `${(i * 2654435761) % 4294967296}`.padStart(10, '0') + i;
      const down: string[] = i === 0 ? [] : [scripts[i - 1]!.revision!];
      if (i % 50 === 10 && i > 20) down.push(scripts[i - 15]!.revision!);
      scripts.push(
        s(`${String(i).padStart(5, '0')}_m.py`, id, down, {
          branchLabels: i % 500 === 0 ? [`label${i}`] : [],
          dependsOn: i % 100 === 99 ? [`label${Math.floor(i / 500) * 500}`] : [],
        }),
      );
    }
    return scripts;
  }

  // Speed is measured by `npm run bench`, never asserted here: these tests prove that large
  // inputs come out right (no recursion limits, no quadratic blow-up that hangs the suite).
  it('builds a graph of 10,000 revisions', () => {
    const g = buildGraph(history(10_000));
    expect(g.revisions).toHaveLength(10_000);
    expect(g.problems).toEqual([]);
  });

  it('handles 10,000 heads with a common ancestor', () => {
    const scripts = [s('root.py', 'root'), ...Array.from({ length: 10_000 }, (_, i) => s(`h${i}.py`, `h${i}`, ['root']))];
    const g = buildGraph(scripts);
    expect(only(g, 'multiple-heads')[0]!.message).toContain('nearest common ancestor is "root"');
  });

  it('parses and builds 10,000 revision files', () => {
    const files = history(10_000).map((x) =>
      Buffer.from(
        `"""m\n\nRevision ID: ${x.revision}\n"""\nfrom alembic import op\n\nrevision = "${x.revision}"\ndown_revision = ${x.downRevisions.length === 0 ? 'None' : `(${x.downRevisions.map((d) => `"${d}"`).join(', ')},)`}\nbranch_labels = ${x.branchLabels.length ? `"${x.branchLabels[0]}"` : 'None'}\ndepends_on = ${x.dependsOn.length ? `"${x.dependsOn[0]}"` : 'None'}\n\n\ndef upgrade():\n    op.add_column("t", sa.Column("c", sa.Integer()))\n\n\ndef downgrade():\n    op.drop_column("t", "c")\n`,
      ),
    );
    const g = buildGraph(files.map((f, i) => parseScript(`${V}/${String(i).padStart(5, '0')}_m.py`, f)));
    expect(g.problems).toEqual([]);
    expect(g.heads).toHaveLength(1);
  });
});

describe('buildEnvironmentGraph: independent subdirectories', () => {
  const env = (scripts: ParsedScript[]) => buildEnvironmentGraph(scripts, [V]);

  it('judges chains in subdirectories that never refer to each other as separate graphs', () => {
    const g = env([s('pg/1.py', 'p1'), s('pg/2.py', 'p2', ['p1']), s('lite/1.py', 'l1'), s('lite/2.py', 'l2', ['l1'])]);
    expect(g.problems).toEqual([]);
    expect(g.heads).toEqual(['l2', 'p2']);
    expect(g.bases).toEqual(['l1', 'p1']);
    expect(g.revisions).toHaveLength(4);
  });

  it('keeps one graph when a subdirectory refers to another, by down_revision or a depends_on label', () => {
    expect(kinds(env([s('2023/1.py', 'a'), s('2024/2.py', 'b', ['a']), s('2024/3.py', 'c', ['a'])]))).toEqual(['multiple-heads']);
    const labelled = [s('x/1.py', 'x1', [], { branchLabels: ['core'] }), s('y/1.py', 'y1', [], { dependsOn: ['core'] })];
    expect(kinds(env(labelled))).toEqual(['multiple-heads']);
  });

  it('keeps one graph when a script sits directly in the versions directory, or an id is in two subdirectories', () => {
    expect(kinds(env([s('1.py', 'a'), s('x/2.py', 'b')]))).toEqual(['multiple-heads']);
    expect(kinds(env([s('x/1.py', 'a'), s('y/1.py', 'a'), s('y/2.py', 'b')]))).toContain('duplicate-revision');
  });

  it('still finds two heads inside one subdirectory', () => {
    const g = env([s('pg/1.py', 'p1'), s('pg/2.py', 'p2', ['p1']), s('pg/3.py', 'p3', ['p1']), s('lite/1.py', 'l1')]);
    expect(only(g, 'multiple-heads').map((p) => p.revisions)).toEqual([['p2', 'p3']]);
  });
});

describe('buildEnvironmentGraph: alternative version trees (prefect: versions/postgresql and versions/sqlite)', () => {
  const env = (scripts: ParsedScript[], options = {}) => buildEnvironmentGraph(scripts, [V], options);
  // The same migrations written per dialect: shared ids, each folder a whole history.
  const trees = [
    s('postgresql/1_init.py', 'i1'),
    s('postgresql/2_block.py', 'b2', ['i1']),
    s('postgresql/3_pg_only.py', 'pg3', ['b2']),
    s('sqlite/1_init.py', 'i1'),
    s('sqlite/2_block.py', 'b2', ['i1']),
    s('sqlite/3_lite_only.py', 'sl3', ['b2']),
  ];

  it('judges subdirectories that are each a complete history separately, though they share ids', () => {
    const g = env(trees);
    expect(g.problems).toEqual([]);
    expect(g.heads).toEqual(['pg3', 'sl3']);
    expect(g.layout).toEqual({ loading: 'recursive', rule: 'alternatives', groups: [`${V}/postgresql`, `${V}/sqlite`] });
  });

  it('keeps finding problems inside one tree', () => {
    const forked = [...trees, s('sqlite/4_a.py', 'a4', ['sl3']), s('sqlite/4_b.py', 'b4', ['sl3'])];
    expect(kinds(env(forked))).toContain('duplicate-revision'); // not a complete single-head history: one graph again
    const broken = [...trees, s('sqlite/4_a.py', 'a4', ['gone'])];
    expect(kinds(env(broken))).toContain('missing-parent');
  });

  it('keeps an id shared by the subdirectories of one graph a duplicate (one folder a year)', () => {
    const years = [s('2023/1.py', 'a'), s('2023/2.py', 'b', ['a']), s('2024/3.py', 'c', ['b']), s('2024/3_copy.py', 'b', ['a'])];
    const g = env(years);
    expect(kinds(g)).toContain('duplicate-revision');
    expect(g.layout?.rule).toBe('one-graph');
  });

  it('says which rule applied for independent chains', () => {
    const g = env([s('pg/1.py', 'p1'), s('lite/1.py', 'l1')]);
    expect(g.layout).toEqual({ loading: 'recursive', rule: 'independent', groups: [`${V}/lite`, `${V}/pg`] });
    expect(env([s('1.py', 'a'), s('2.py', 'b', ['a'])]).layout).toEqual({ loading: 'recursive', rule: 'one-graph', groups: [] });
  });
});

describe('buildEnvironmentGraph: files Alembic does not load (recursive_version_locations)', () => {
  const files = [
    s('1.py', 'a'),
    s('2.py', 'b', ['a']),
    s('archive/2_old.py', 'b', ['a']),
    s('archive/helpers.py', null, [], { error: { kind: 'not-a-migration', message: 'x' } }),
  ];

  it('flat: a migration in a subdirectory is a warning that Alembic will not load it, not a duplicate', () => {
    const g = buildEnvironmentGraph(files, [V], { loading: 'flat' });
    expect(g.problems.map((p) => [p.kind, p.severity, p.paths])).toEqual([['not-loaded', 'warning', [`${V}/archive/2_old.py`]]]);
    expect(g.problems[0]!.message).toContain('recursive_version_locations');
    expect(g.revisions.map((r) => r.path)).toEqual([`${V}/1.py`, `${V}/2.py`]);
    expect(g.layout?.loading).toBe('flat');
  });

  it('recursive (or chosen in code): the subdirectory is part of the one graph', () => {
    for (const loading of ['recursive', 'code'] as const) {
      const g = buildEnvironmentGraph(files, [V], { loading });
      expect(kinds(g)).toEqual(['not-a-migration', 'duplicate-revision']);
    }
  });
});

describe('buildGraph: branch labels (neutron: expand and contract)', () => {
  const lab = (labels: string[]) => ({ branchLabels: labels });
  const neutron = [
    s('kilo_initial.py', 'kilo'),
    s('liberty/expand/1.py', 'e1', ['kilo'], lab(['expand'])),
    s('liberty/expand/2.py', 'e2', ['e1']),
    s('liberty/contract/1.py', 'c1', ['kilo'], lab(['contract'])),
    s('mitaka/contract/2.py', 'c2', ['c1']),
  ];

  it('passes one head on each labelled branch, with or without allowMultipleHeads', () => {
    for (const allowMultipleHeads of [false, true]) {
      const g = buildGraph(neutron, { allowMultipleHeads });
      expect(g.heads).toEqual(['c2', 'e2']);
      expect(g.problems).toEqual([]);
    }
  });

  it('finds two heads on one labelled branch, with or without allowMultipleHeads', () => {
    const forked = [...neutron, s('liberty/expand/3.py', 'e3', ['e1'])];
    for (const allowMultipleHeads of [false, true]) {
      const heads = only(buildGraph(forked, { allowMultipleHeads }), 'multiple-heads');
      expect(heads.map((p) => p.revisions)).toEqual([['e2', 'e3']]);
      expect(heads[0]!.message).toContain('the branch "expand" has 2 heads');
      expect(heads[0]!.message).toContain('allowMultipleHeads');
    }
  });

  it('finds a head on no labelled branch', () => {
    const stray = [...neutron, s('stray.py', 'x', ['kilo'])];
    for (const allowMultipleHeads of [false, true]) {
      const heads = only(buildGraph(stray, { allowMultipleHeads }), 'multiple-heads');
      expect(heads).toHaveLength(1);
      expect(heads[0]!.message).toContain('"x" lies on no labelled branch');
    }
  });
});
