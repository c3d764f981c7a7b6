// The steps of readBindings alone: the tokens of one line (from the real scanner) and an explicit
// Reading in, the fields, warnings and open blocks out. The whole, against Alembic itself, is
// test/script-bindings.test.ts.
import { describe, expect, it } from 'vitest';
import {
  type Block,
  bindOther,
  branchRuns,
  chainTaken,
  closeBlocks,
  firstTopColon,
  literalItems,
  MODULE,
  newReading,
  normaliseNames,
  readLine,
  readSimple,
  type Reading,
  scanExpr,
  truth,
  walrusValue,
} from '../src/alembic/other-bindings.js';
import { Scanner, type Tok } from '../src/alembic/python-lexer.js';

/** Every logical line of src: its tokens and its indent. */
function lines(src: string): { toks: Tok[]; indent: number }[] {
  const out: { toks: Tok[]; indent: number }[] = [];
  new Scanner(src).runAll((toks, indent) => out.push({ toks, indent }));
  return out;
}

/** The tokens of src's one line. */
function toks(src: string): Tok[] {
  const [line, ...rest] = lines(src);
  expect(rest).toEqual([]);
  return line!.toks;
}

/** src read line by line into a fresh Reading. */
function read(src: string): Reading {
  const r = newReading(src);
  for (const { toks, indent } of lines(src)) readLine(r, toks, indent);
  return r;
}

const block = (more: Partial<Block> = {}): Block => ({ indent: 0, scope: 'module', live: 1, owner: null, header: '`if x:` (line 1)', ...more });

/** Each field: its value, or why it blocks. */
function fields(r: Reading): Record<string, unknown> {
  return Object.fromEntries([...r.fields].map(([f, a]) => [f, a.block ?? a.value]));
}

describe('branchRuns and chainTaken: an if / elif / else chain', () => {
  // [before (did an earlier branch run), test, runs, taken]
  const table: [0 | 1 | 2, 0 | 1 | 2, 0 | 1 | 2, 0 | 1 | 2][] = [
    [0, 1, 1, 1], // if True:
    [0, 0, 0, 0], // if False:
    [0, 2, 2, 2], // if <unknown>:
    [1, 1, 0, 1], // elif/else after a branch that surely ran
    [1, 2, 0, 1],
    [2, 1, 2, 2], // else after a branch that may have run
    [2, 0, 0, 2],
    [2, 2, 2, 2],
  ];
  it.each(table)('before %i, test %i: runs %i, taken %i', (before, test, runs, taken) => {
    expect(branchRuns(before, test)).toBe(runs);
    expect(chainTaken(before, test)).toBe(taken);
  });
});

describe('truth', () => {
  it.each([
    ['True', 1],
    ['False', 0],
    ['not True', 0],
    ['not not 1', 1],
    ['0', 0],
    ['1_000', 1],
    ['0x0', 0],
    ['None', 0],
    ['""', 0],
    ['"x"', 1],
    ['()', 0],
    ['("a",)', 1],
    ['{"a"}', 2],
    ['x', 2],
    ['not x', 2],
    ['os.environ.get("X")', 2],
  ] as const)('%s is %i', (expr, want) => {
    expect(truth(toks(expr))).toBe(want);
  });
});

describe('literalItems', () => {
  it('takes the items of a tuple, a list or a string', () => {
    expect(literalItems(toks('("a", None)'))).toEqual([{ kind: 'str', value: 'a' }, { kind: 'none' }]);
    expect(literalItems(toks('[]'))).toEqual([]);
    expect(literalItems(toks('"ab"'))).toEqual([
      { kind: 'str', value: 'a' },
      { kind: 'str', value: 'b' },
    ]);
  });

  it('gives up on a set (no order) and on anything not literal', () => {
    expect(literalItems(toks('{"a", "b"}'))).toBeNull();
    expect(literalItems(toks('range(3)'))).toBeNull();
  });
});

describe('walrusValue and firstTopColon', () => {
  it('reads the value after := up to the comma or bracket that ends it', () => {
    const t = toks('f((down_revision := "a"), ("b", "c"))');
    const at = t.findIndex((x) => x.v === ':=');
    expect(walrusValue(t, at + 1)).toEqual({ kind: 'str', value: 'a' });
    const u = toks('print(down_revision := ("x", "y"), 1)');
    expect(walrusValue(u, u.findIndex((x) => x.v === ':=') + 1)).toEqual({
      kind: 'seq',
      items: [
        { kind: 'str', value: 'x' },
        { kind: 'str', value: 'y' },
      ],
    });
  });

  it("finds the header's colon past brackets and lambdas", () => {
    const t = toks('if x[1:2] and (lambda a: a)(1): pass');
    expect(t[firstTopColon(t, 1)]!.v).toBe(':');
    expect(t[firstTopColon(t, 1) + 1]!.v).toBe('pass');
    const u = toks('with f(key=lambda a: a) as down_revision: pass');
    expect(u[firstTopColon(u, 1) + 1]!.v).toBe('pass');
    const w = toks('if lambda: 1: pass');
    expect(w[firstTopColon(w, 1) - 1]!.v).toBe('1');
    expect(firstTopColon(toks('x = {1: 2}'), 0)).toBe(-1);
  });
});

describe('closeBlocks', () => {
  it('ends the blocks indented as far as the line or further, and the chains indented further', () => {
    const r = newReading('');
    r.stack.push(block({ indent: 0 }), block({ indent: 4 }), block({ indent: 8 }));
    r.chains.push({ indent: 0, kind: 'if', taken: 0 }, { indent: 4, kind: 'try', taken: 2 });
    closeBlocks(r, 4);
    expect(r.stack.map((b) => b.indent)).toEqual([0]);
    expect(r.chains.map((c) => c.indent)).toEqual([0, 4]); // an `elif` at 4 continues the chain at 4
    closeBlocks(r, 0);
    expect(r.stack).toEqual([]);
    expect(r.chains.map((c) => c.indent)).toEqual([0]);
  });
});

describe('normaliseNames', () => {
  it('gives a name its NFKC form, and says so when it becomes a field', () => {
    const r = newReading('');
    const t = toks('ｄown_revision = ｘ');
    normaliseNames(r, t);
    expect(t.map((x) => x.v)).toEqual(['down_revision', '=', 'x']);
    expect(r.warnings).toEqual([{ line: 1, message: '`ｄown_revision` at line 1 is the name down_revision to Python, which normalises identifiers (NFKC)' }]);
  });
});

describe('bindOther', () => {
  it('binds a known value where the block surely runs, with a warning naming the line', () => {
    const r = newReading('');
    bindOther(r, 'down_revision', { kind: 'str', value: 'a' }, 3, block(), 'assigned inside `if True:` (line 2)');
    expect(fields(r)).toEqual({ down_revision: { kind: 'str', value: 'a' } });
    expect(r.warnings).toEqual([
      {
        line: 3,
        message: 'down_revision is assigned inside `if True:` (line 2) at line 3, not by a plain module-level assignment; Alembic reads "a"',
      },
    ]);
  });

  it('blocks where the block may not run, the value is unknown, or it is a function', () => {
    const r = newReading('');
    bindOther(r, 'revision', { kind: 'str', value: 'a' }, 2, block({ live: 2 }), 'assigned inside `if x:` (line 1)');
    bindOther(r, 'down_revision', { kind: 'unknown' }, 3, block(), 'imported (`from … import`)');
    bindOther(r, 'depends_on', { kind: 'other', what: 'a function' }, 4, block(), '`def`');
    expect(fields(r)).toEqual({
      revision:
        'is assigned inside `if x:` (line 1) at line 2 inside `if x:` (line 1), which may or may not run, so its value cannot be known without running Python',
      down_revision: 'is imported (`from … import`) at line 3, so its value cannot be known without running Python',
      depends_on: 'is bound to a function by `def` at line 4, which Alembic cannot read as revision ids',
    });
    expect(r.warnings).toEqual([]);
  });

  it('binds nothing where the block never runs', () => {
    const r = newReading('');
    bindOther(r, 'down_revision', { kind: 'unknown' }, 2, block({ live: 0 }), 'x');
    expect(r.fields.size).toBe(0);
  });
});

describe('scanExpr', () => {
  it('makes every field unknowable where the namespace is written at run time', () => {
    const r = newReading('');
    scanExpr(r, toks('globals()["down_revision"] = "x"'), MODULE);
    expect(Object.keys(fields(r)).sort()).toEqual(['branch_labels', 'depends_on', 'down_revision', 'revision']);
    expect(r.fields.get('revision')!.block).toMatch(/^may be changed by `globals` at line 1/);
  });

  it('taints the function it runs in instead, and a later mention of it writes the namespace', () => {
    const r = newReading('');
    scanExpr(r, toks('exec(code)'), block({ scope: 'def', owner: 'setup' }));
    expect(r.fields.size).toBe(0);
    expect([...r.tainted]).toEqual([['setup', '`exec`']]);
    scanExpr(r, toks('setup()'), MODULE);
    expect(r.fields.get('down_revision')!.block).toMatch(/^may be changed by setup \(it uses `exec`\) at line 1/);
    // an attribute of the same name is something else
    const s = newReading('');
    s.tainted.set('setup', '`exec`');
    scanExpr(s, toks('obj.setup()'), MODULE);
    expect(s.fields.size).toBe(0);
  });

  it('binds a walrus at module level, and lets a star import through', () => {
    const r = newReading('');
    scanExpr(r, toks('print(down_revision := "a")'), MODULE);
    scanExpr(r, toks('from peewee import *'), MODULE);
    expect(fields(r)).toEqual({ down_revision: { kind: 'str', value: 'a' } });
    expect(r.warnings.map((w) => w.message)).toEqual([
      'down_revision is assigned by `:=` at line 1, not by a plain module-level assignment; Alembic reads "a"',
    ]);
  });
});

describe('readSimple', () => {
  it('reads a plain assignment at module level as the fast pass does, without a warning', () => {
    const src = 'down_revision = ("a", "b")';
    const r = newReading(src);
    readSimple(r, toks(src), MODULE);
    expect(fields(r)).toEqual({
      down_revision: {
        kind: 'seq',
        items: [
          { kind: 'str', value: 'a' },
          { kind: 'str', value: 'b' },
        ],
      },
    });
    expect(r.warnings).toEqual([]);
  });

  it('reads an assignment inside a block as a binding other than plain, naming the block', () => {
    const src = 'down_revision = "a"';
    const r = newReading(src);
    const ctx = block({ indent: 0, header: '`if True:` (line 1)' });
    r.stack.push(ctx);
    readSimple(r, toks(src), ctx);
    expect(fields(r)).toEqual({ down_revision: { kind: 'str', value: 'a' } });
    expect(r.warnings[0]!.message).toBe(
      'down_revision is assigned inside `if True:` (line 1) at line 1, not by a plain module-level assignment; Alembic reads "a"',
    );
  });

  it('deletes with `del` where it surely runs, and blocks where it may not', () => {
    const r = newReading('');
    r.fields.set('down_revision', { value: { kind: 'none' }, line: 1, source: () => 'None' });
    readSimple(r, toks('del down_revision, other'), MODULE);
    expect(r.fields.size).toBe(0);
    expect(r.warnings[0]!.message).toBe('down_revision is deleted by `del` at line 1, so Alembic no longer finds it');
    readSimple(r, toks('del depends_on'), block({ live: 2 }));
    expect(r.fields.get('depends_on')!.block).toMatch(/^is deleted at line 1 inside `if x:` \(line 1\), which may or may not run/);
  });

  it('blocks a field bound by an import', () => {
    const r = newReading('');
    readSimple(r, toks('import os as revision'), MODULE);
    readSimple(r, toks('from ids import (a, b as down_revision)'), MODULE);
    expect(fields(r)).toEqual({
      revision: 'is bound to a module by imported (`import … import`) at line 1, which Alembic cannot read as revision ids',
      down_revision: 'is imported (`from … import`) at line 1, so its value cannot be known without running Python',
    });
  });

  it('in a function body, only notes `global <field>` and the dynamic names', () => {
    const r = newReading('');
    const ctx = block({ scope: 'def', owner: 'setup' });
    readSimple(r, toks('down_revision = "zzz"'), ctx);
    expect(r.fields.size).toBe(0);
    readSimple(r, toks('global down_revision, x'), ctx);
    expect([...r.tainted]).toEqual([['setup', '`global down_revision`']]);
  });

  it('reads nothing in a block that never runs, nor a class body', () => {
    const r = newReading('');
    readSimple(r, toks('down_revision = "a"'), block({ live: 0 }));
    readSimple(r, toks('down_revision = "a"'), block({ scope: 'class', owner: 'C' }));
    expect(r.fields.size).toBe(0);
  });
});

describe('readLine', () => {
  it('opens a block per header, with its liveness, and closes it at the next line as far out', () => {
    const src = 'if True:\n    x = 1\ny = 2\n';
    const r = newReading(src);
    const [a, b, c] = lines(src);
    readLine(r, a!.toks, a!.indent);
    expect(r.stack.map((s) => [s.indent, s.scope, s.live, s.header])).toEqual([[0, 'module', 1, '`if True:` (line 1)']]);
    expect(r.chains).toEqual([{ indent: 0, kind: 'if', taken: 1 }]);
    readLine(r, b!.toks, b!.indent);
    expect(r.stack).toHaveLength(1);
    readLine(r, c!.toks, c!.indent);
    expect(r.stack).toEqual([]);
    expect(r.chains).toEqual([]);
  });

  it('follows an if chain: the branch after one that surely ran never runs', () => {
    const r = read('if 1:\n    pass\nelif x:\n    down_revision = "zzz"\nelse:\n    depends_on = "zzz"\n');
    expect(r.fields.size).toBe(0);
    const s = read('if x:\n    pass\nelse:\n    down_revision = "zzz"\n');
    expect(s.fields.get('down_revision')!.block).toContain('inside `else:` (line 3), which may or may not run');
  });

  it('reads the body after the colon on the same line', () => {
    const r = read('if True: down_revision = "a"; depends_on = None\n');
    expect(fields(r)).toEqual({ down_revision: { kind: 'str', value: 'a' }, depends_on: { kind: 'none' } });
    expect(r.warnings).toHaveLength(2);
  });

  it('binds a for target to the last item of a literal, and a def name to a function', () => {
    expect(fields(read('for down_revision in ("a", "b"):\n    pass\n'))).toEqual({ down_revision: { kind: 'str', value: 'b' } });
    expect(fields(read('def revision():\n    pass\n'))).toEqual({
      revision: 'is bound to a function by `def` at line 1, which Alembic cannot read as revision ids',
    });
  });

  it('follows a function that declares a field global to where it is called', () => {
    const r = read('def setup():\n    global down_revision\n    down_revision = "zzz"\nx = 1\nsetup()\n');
    expect(r.tainted.get('setup')).toBe('`global down_revision`');
    expect(r.fields.get('down_revision')!.block).toMatch(/^may be changed by setup \(it uses `global down_revision`\) at line 5/);
  });

  it('blocks what with … as, except … as and case bind', () => {
    const r = read('with open("f") as down_revision:\n    pass\ntry:\n    pass\nexcept E as depends_on:\n    pass\n');
    expect(fields(r)).toEqual({
      down_revision: 'is bound by `with` at line 1, so its value cannot be known without running Python',
      depends_on: 'is bound by `except` at line 5, so its value cannot be known without running Python',
    });
  });
});
