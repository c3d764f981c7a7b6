// The statement and value readers both passes of the script parser share, alone: the tokens of
// one line (from the real scanner) in, the literal or the fields bound out.
import { describe, expect, it } from 'vitest';
import { type Field, Scanner, type Tok } from '../src/alembic/python-lexer.js';
import { type Assigned, applySimple, applyStatement, evaluate, show, sourceOf, splitTop } from '../src/alembic/script-statements.js';

function toks(src: string): Tok[] {
  const out: Tok[][] = [];
  new Scanner(src).runAll((t) => out.push(t));
  expect(out).toHaveLength(1);
  return out[0]!;
}

function bound(src: string, apply: (t: Tok[], src: string, fields: Map<Field, Assigned>) => void = applySimple): Record<string, unknown> {
  const fields = new Map<Field, Assigned>();
  apply(toks(src), src, fields);
  return Object.fromEntries([...fields].map(([f, a]) => [f, a.warning === undefined ? a.value : `${a.value.kind}: ${a.warning.message}`]));
}

const str = (value: string) => ({ kind: 'str' as const, value });

describe('evaluate', () => {
  it('reads the literals Alembic scripts use', () => {
    expect(evaluate(toks('"a" \'b\''))).toEqual(str('ab'));
    expect(evaluate(toks('None'))).toEqual({ kind: 'none' });
    expect(evaluate(toks('("a",)'))).toEqual({ kind: 'seq', items: [str('a')] });
    expect(evaluate(toks('"a", "b"'))).toEqual({ kind: 'seq', items: [str('a'), str('b')] });
    expect(evaluate(toks('["a", ("b", None)]'))).toEqual({ kind: 'seq', items: [str('a'), { kind: 'seq', items: [str('b'), { kind: 'none' }] }] });
    expect(evaluate(toks('{"a"}'))).toEqual({ kind: 'seq', items: [str('a')], set: true });
    expect(evaluate(toks('{}'))).toEqual({ kind: 'other', what: 'a dict' });
    expect(evaluate(toks('-3'))).toEqual({ kind: 'other', what: 'the number -3' });
    expect(evaluate(toks('("a")'))).toEqual(str('a'));
  });

  it('gives up on anything it cannot know without running Python', () => {
    for (const expr of ['f"{x}"', 'x', '"a" + "b"', '{"a": 1}', 'call()', '"a" None']) {
      expect(evaluate(toks(`${expr}\n`)), expr).toEqual({ kind: 'unknown' });
    }
  });
});

describe('applySimple', () => {
  it('binds the fields of a plain assignment, an annotated one and chained targets', () => {
    expect(bound('down_revision = "a"')).toEqual({ down_revision: str('a') });
    expect(bound('revision: str = "r"')).toEqual({ revision: str('r') });
    expect(bound('depends_on = branch_labels = None')).toEqual({ depends_on: { kind: 'none' }, branch_labels: { kind: 'none' } });
  });

  it('spreads a tuple over a tuple of targets of the same length, and warns when it cannot', () => {
    expect(bound('revision, down_revision = "b", "a"')).toEqual({ revision: str('b'), down_revision: str('a') });
    expect(bound('(down_revision, *rest) = "a", "b"')).toEqual({
      down_revision: 'unknown: down_revision is assigned by tuple unpacking that cannot be evaluated without running Python; it is treated as empty',
    });
  });

  it('warns of a value it cannot evaluate, and of an augmented assignment', () => {
    expect(bound('down_revision = get()')).toEqual({
      down_revision: 'unknown: down_revision = get() cannot be evaluated without running Python; it is treated as empty',
    });
    expect(bound('depends_on += ("x",)')).toEqual({
      depends_on: 'unknown: depends_on is changed by an augmented assignment that cannot be evaluated without running Python; it is treated as empty',
    });
  });

  it('binds nothing for other targets, expressions and a default of a lambda', () => {
    expect(bound('obj.revision = "x"')).toEqual({});
    expect(bound('d["down_revision"] = "x"')).toEqual({});
    expect(bound('print(revision)')).toEqual({});
    expect(bound('revision = lambda a=1: a')).toEqual({ revision: { kind: 'unknown' } });
  });
});

describe('applyStatement', () => {
  it('splits on ; and says when a statement may bind a field otherwise', () => {
    let otherwise = 0;
    const src = 'revision = "b"; down_revision = "a"; del depends_on';
    const fields = new Map<Field, Assigned>();
    applyStatement(toks(src), src, fields, () => otherwise++);
    expect([...fields.keys()]).toEqual(['revision', 'down_revision']);
    expect(otherwise).toBe(1);
  });

  it('leaves a compound statement to the slow pass', () => {
    let otherwise = 0;
    expect(bound('if True: down_revision = "a"', (t, s, f) => applyStatement(t, s, f, () => otherwise++))).toEqual({});
    expect(otherwise).toBe(1);
  });
});

describe('splitTop, sourceOf and show', () => {
  it('splits outside brackets only', () => {
    const t = toks('a, (b, c), [d, e]');
    expect(splitTop(t, ',').map((part) => part.map((x) => x.v).join(''))).toEqual(['a', '(b,c)', '[d,e]']);
  });

  it('shows the source of tokens on one line, shortened', () => {
    const src = `x = (\n  "a",\n  "b",\n)`;
    expect(sourceOf(src, toks(src).slice(2))).toBe('( "a", "b", )');
    const long = `x = "${'y'.repeat(100)}"`;
    expect(sourceOf(long, toks(long).slice(2))).toHaveLength(80);
  });

  it('shows a value as Python would write it', () => {
    expect(show({ kind: 'seq', items: [str('a')] })).toBe('("a",)');
    expect(show({ kind: 'seq', items: [str('a'), { kind: 'none' }] })).toBe('("a", None)');
  });
});
