// The statements and literal values of a revision script, as the static reader sees them: the
// module-level statements the scanner hands over, the targets an assignment binds, and the
// subset of Python literals Alembic scripts use (strings, None, tuples, lists, sets).

import { type Value, UNKNOWN, K, type Tok, type Field, FIELDS } from './python-lexer.js';

export interface ScriptWarning {
  line: number;
  message: string;
}

export interface Assigned {
  value: Value;
  line: number;
  source: () => string; // the value as written, computed only for messages
  warning?: ScriptWarning;
  /** Bound otherwise than by a plain assignment, to a value that cannot be known: why. */
  block?: string;
}

// ---------------------------------------------------------------------------------------------
// Statements. The scanner hands over each logical line that starts at column 0 (so it is a
// module-level statement: inside a def/class body every line is indented, and lines inside
// strings or brackets are not line starts).

// Statements whose body may follow on the same line after `:`; `x; y` there is in the body.
const COMPOUND = new Set(['if', 'elif', 'else', 'for', 'while', 'def', 'class', 'with', 'try', 'except', 'finally', 'async']);
export const KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);
const AUGMENTED = new Set(['+=', '-=', '*=', '/=', '//=', '%=', '**=', '>>=', '<<=', '&=', '|=', '^=', '@=']);

/** Calls `visit` with each operator outside brackets and its index; `false` from it stops. */
function topLevelOps(toks: Tok[], visit: (t: Tok, j: number) => boolean | void): void {
  let depth = 0;
  for (let j = 0; j < toks.length; j++) {
    const t = toks[j]!;
    if (t.k !== K.Op) continue;
    if (t.v === '(' || t.v === '[' || t.v === '{') depth++;
    else if (t.v === ')' || t.v === ']' || t.v === '}') depth--;
    else if (depth === 0 && visit(t, j) === false) return;
  }
}

export function applyStatement(toks: Tok[], src: string, fields: Map<Field, Assigned>, otherwise?: () => void): void {
  const first = toks[0]!;
  if ((first.k === K.Op && first.v === '@') || (first.k === K.Name && COMPOUND.has(first.v))) {
    // `if True: down_revision = …`, `for down_revision in …:`, `def down_revision():`
    if (otherwise && toks.some((t) => t.k === K.Name && FIELDS.has(t.v))) otherwise();
    return;
  }
  let start = 0;
  const simple = (stmt: Tok[]) => {
    if (otherwise && bindsOtherwise(stmt)) otherwise();
    applySimple(stmt, src, fields);
  };
  topLevelOps(toks, (t, j) => {
    if (t.v === ';') {
      if (j > start) simple(toks.slice(start, j));
      start = j + 1;
    }
  });
  if (start < toks.length) simple(start === 0 ? toks : toks.slice(start));
}

export function applySimple(toks: Tok[], src: string, fields: Map<Field, Assigned>): void {
  // Only statements that could bind one of our names are of interest.
  let mentions = false;
  for (const t of toks) {
    if (t.k === K.Name && FIELDS.has(t.v)) {
      mentions = true;
      break;
    }
  }
  if (!mentions) return;

  // Split on `=` at bracket depth 0.
  const segs: Tok[][] = [];
  let start = 0;
  let augmented = false;
  topLevelOps(toks, (t, j) => {
    if (t.v === '=') {
      segs.push(toks.slice(start, j));
      start = j + 1;
    } else if (AUGMENTED.has(t.v) && segs.length === 0) {
      const name = toks[0]!;
      if (j === 1 && name.k === K.Name && FIELDS.has(name.v)) {
        bind(
          fields,
          name.v as Field,
          UNKNOWN,
          name.line,
          () => `${t.v} ${sourceOf(src, toks.slice(2))}`,
          'is changed by an augmented assignment that cannot be evaluated without running Python',
        );
      }
      augmented = true;
    }
    return !augmented;
  });
  if (augmented) return;
  if (segs.length === 0) return; // an expression or a bare annotation: binds nothing
  segs.push(toks.slice(start));

  // Targets are the leading segments that look like targets; `revision = lambda a=1: a`
  // has a second `=` that belongs to the value.
  let nTargets = 0;
  const targets: Target[] = [];
  for (let s = 0; s < segs.length - 1; s++) {
    const tg = parseTarget(segs[s]!, s === 0);
    if (tg === null) break;
    targets.push(tg);
    nTargets++;
  }
  if (nTargets === 0) return;
  const valueToks = nTargets === segs.length - 1 ? segs[nTargets]! : toks.slice(segs.slice(0, nTargets).reduce((n, sg) => n + sg.length + 1, 0));
  const value = nTargets === segs.length - 1 ? evaluate(valueToks) : UNKNOWN;
  const source = (): string => sourceOf(src, valueToks);
  const line = toks[0]!.line;

  for (const tg of targets) {
    if (tg.kind === 'name') {
      if (FIELDS.has(tg.name)) bind(fields, tg.name as Field, value, tg.line, source);
    } else if (tg.kind === 'tuple') {
      const spread = value.kind === 'seq' && value.items.length === tg.names.length && !tg.starred ? value.items : null;
      tg.names.forEach((n, idx) => {
        if (n !== null && FIELDS.has(n)) {
          bind(
            fields,
            n as Field,
            spread ? spread[idx]! : UNKNOWN,
            line,
            source,
            spread ? undefined : 'is assigned by tuple unpacking that cannot be evaluated without running Python',
          );
        }
      });
    }
  }
}

type Target = { kind: 'name'; name: string; line: number } | { kind: 'tuple'; names: (string | null)[]; starred: boolean } | { kind: 'other' };

function parseTarget(seg: Tok[], first: boolean): Target | null {
  if (seg.length === 0) return null;
  const t0 = seg[0]!;
  if (t0.k === K.Name && !KEYWORDS.has(t0.v)) {
    if (seg.length === 1) return { kind: 'name', name: t0.v, line: t0.line };
    // `revision: str = ...`; an annotation only on a single, first target.
    if (first && seg[1]!.k === K.Op && seg[1]!.v === ':') return { kind: 'name', name: t0.v, line: t0.line };
  }
  // Tuple/list targets, possibly parenthesised: `a, b` / `(a, b)` / `[a, *b]`.
  let inner = seg;
  const open = seg[0]!;
  const close = seg[seg.length - 1]!;
  if (open.k === K.Op && close.k === K.Op && ((open.v === '(' && close.v === ')') || (open.v === '[' && close.v === ']'))) {
    inner = seg.slice(1, -1);
  }
  const names: (string | null)[] = [];
  let starred = false;
  let depth = 0;
  let item: Tok[] = [];
  let sawComma = inner !== seg && open.v === '['; // `[a] = ...` unpacks; `(a) = ...` does not
  const flush = (): boolean => {
    if (item.length === 0) return true;
    let it = item;
    if (it[0]!.k === K.Op && it[0]!.v === '*') {
      starred = true;
      it = it.slice(1);
    }
    if (it.length === 1 && it[0]!.k === K.Name && !KEYWORDS.has(it[0]!.v)) names.push(it[0]!.v);
    else if (isOtherTarget(it)) names.push(null);
    else return false;
    item = [];
    return true;
  };
  for (const t of inner) {
    if (t.k === K.Op && (t.v === '(' || t.v === '[' || t.v === '{')) depth++;
    else if (t.k === K.Op && (t.v === ')' || t.v === ']' || t.v === '}')) depth--;
    if (depth === 0 && t.k === K.Op && t.v === ',') {
      sawComma = true;
      if (!flush()) return null;
      continue;
    }
    item.push(t);
  }
  if (!flush()) return null;
  if (sawComma) return { kind: 'tuple', names, starred };
  if (inner !== seg && names.length === 1 && !starred) {
    const name = names[0];
    return name === null || name === undefined ? { kind: 'other' } : { kind: 'name', name, line: t0.line };
  }
  return isOtherTarget(seg) ? { kind: 'other' } : null;
}

// `obj.attr` or `obj[key]`: valid targets that bind none of our module-level names.
function isOtherTarget(seg: Tok[]): boolean {
  if (seg.length < 2) return false;
  const last = seg[seg.length - 1]!;
  if (last.k === K.Op && last.v === ']') return true;
  const prev = seg[seg.length - 2]!;
  return last.k === K.Name && prev.k === K.Op && prev.v === '.';
}

function bind(fields: Map<Field, Assigned>, field: Field, value: Value, line: number, source: () => string, why?: string): void {
  const a: Assigned = { value, line, source };
  if (value.kind === 'unknown' && field !== 'revision') {
    a.warning = {
      line,
      message: `${field} ${why ?? `= ${source()} cannot be evaluated without running Python`}; it is treated as empty`,
    };
  }
  fields.set(field, a); // a later assignment replaces an earlier one, as in Python
}

export function sourceOf(src: string, toks: Tok[]): string {
  if (toks.length === 0) return '';
  const s = src.slice(toks[0]!.start, toks[toks.length - 1]!.end).replace(/\s+/g, ' ');
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

// Evaluates a literal: strings (adjacent ones concatenated), None, tuples, lists, sets.
export function evaluate(toks: Tok[]): Value {
  if (toks.length === 0) return UNKNOWN;
  const p = { pos: 0 };
  const v = parseExprList(toks, p, toks.length, false);
  return v !== null && p.pos === toks.length ? v : UNKNOWN;
}

// exprlist: atom (',' atom)* [','] — a tuple if any comma appears (or `forceSeq`).
function parseExprList(toks: Tok[], p: { pos: number }, end: number, forceSeq: boolean): Value | null {
  const items: Value[] = [];
  let comma = false;
  while (p.pos < end) {
    const v = parseAtom(toks, p, end);
    if (v === null) return null;
    items.push(v);
    if (p.pos < end) {
      const t = toks[p.pos]!;
      if (t.k === K.Op && t.v === ',') {
        comma = true;
        p.pos++;
        continue;
      }
      return null;
    }
  }
  if (!comma && !forceSeq) return items.length === 1 ? items[0]! : null;
  return { kind: 'seq', items };
}

function parseAtom(toks: Tok[], p: { pos: number }, end: number): Value | null {
  const t = toks[p.pos]!;
  if (t.k === K.Str) {
    let acc: Value = t.str!;
    p.pos++;
    while (p.pos < end && toks[p.pos]!.k === K.Str) {
      const nx = toks[p.pos++]!.str!;
      if (acc.kind === 'str' && nx.kind === 'str') acc = { kind: 'str', value: acc.value + nx.value };
      else if (acc.kind === 'unknown' || nx.kind === 'unknown') acc = UNKNOWN;
    }
    return acc.kind === 'unknown' ? null : acc;
  }
  if (t.k === K.Name) {
    p.pos++;
    if (t.v === 'None') return { kind: 'none' };
    if (t.v === 'True' || t.v === 'False') return { kind: 'other', what: t.v };
    return null;
  }
  if (t.k === K.Num) {
    p.pos++;
    return { kind: 'other', what: `the number ${t.v}` };
  }
  if (t.v === '-' || t.v === '+') {
    const nx = toks[p.pos + 1];
    if (nx !== undefined && nx.k === K.Num) {
      p.pos += 2;
      return { kind: 'other', what: `the number ${t.v}${nx.v}` };
    }
    return null;
  }
  const close = t.v === '(' ? ')' : t.v === '[' ? ']' : t.v === '{' ? '}' : null;
  if (close === null) return null;
  const closeAt = matching(toks, p.pos, end);
  if (closeAt < 0) return null;
  p.pos++;
  if (p.pos === closeAt) {
    p.pos++;
    return t.v === '{' ? { kind: 'other', what: 'a dict' } : { kind: 'seq', items: [] };
  }
  if (t.v === '{' && toks.slice(p.pos, closeAt).some((x) => x.k === K.Op && x.v === ':')) {
    return null;
  }
  const v = parseExprList(toks, p, closeAt, t.v !== '(');
  if (v === null || p.pos !== closeAt) return null;
  p.pos++;
  return t.v === '{' && v.kind === 'seq' ? { ...v, set: true } : v;
}

function matching(toks: Tok[], at: number, end: number): number {
  let depth = 0;
  for (let j = at; j < end; j++) {
    const t = toks[j]!;
    if (t.k !== K.Op) continue;
    if (t.v === '(' || t.v === '[' || t.v === '{') depth++;
    else if (t.v === ')' || t.v === ']' || t.v === '}') {
      depth--;
      if (depth === 0) return j;
    }
  }
  return -1;
}

/** A statement the fast pass sees that names a field but is not a plain assignment. */
function bindsOtherwise(toks: Tok[]): boolean {
  let field = false;
  for (let j = 0; j < toks.length; j++) {
    const t = toks[j]!;
    if (t.k !== K.Name || !FIELDS.has(t.v)) continue;
    field = true;
    const nx = toks[j + 1];
    if (nx !== undefined && nx.k === K.Op && nx.v === ':=') return true;
  }
  if (!field) return false;
  const first = toks[0]!;
  if (first.k === K.Name && (KEYWORDS.has(first.v) || first.v === 'match')) return true; // del, import, from, global
  let assigns = false;
  topLevelOps(toks, (t) => {
    if (t.v === '=' || AUGMENTED.has(t.v)) assigns = true;
    return !assigns;
  });
  return !assigns;
}

export function splitTop(toks: Tok[], sep: string): Tok[][] {
  const parts: Tok[][] = [];
  let start = 0;
  topLevelOps(toks, (t, j) => {
    if (t.v === sep) {
      parts.push(toks.slice(start, j));
      start = j + 1;
    }
  });
  parts.push(toks.slice(start));
  return parts;
}

export function show(v: Value): string {
  switch (v.kind) {
    case 'none':
      return 'None';
    case 'str':
      return JSON.stringify(v.value);
    case 'seq':
      return `(${v.items.map(show).join(', ')}${v.items.length === 1 ? ',' : ''})`;
    case 'other':
      return v.what;
    case 'unknown':
      return 'an expression';
  }
}
