// Static reader of Alembic revision scripts. It never runs Python: it tokenizes the file,
// skipping strings, comments and bracketed continuations, and evaluates the literal values
// assigned at module level to `revision`, `down_revision`, `branch_labels` and `depends_on`.
//
// The rules below mirror Alembic 1.8 (alembic/script/base.py, Script._from_filename and
// Script.__init__; alembic/script/revision.py, Revision.__init__ and tuple_rev_as_scalar).

export interface ScriptWarning {
  line: number;
  message: string;
}

export interface ParsedScript {
  path: string;
  revision: string | null;
  downRevisions: string[];
  dependsOn: string[];
  branchLabels: string[];
  warnings: ScriptWarning[];
  /**
   * branch_labels written with names (`(cli.EXPAND_BRANCH,)`), with the module's import
   * statements: labels.ts resolves them from the imported file, never by running Python.
   */
  labelSource?: LabelSource;
  error?: {
    /** syntax and not-utf8: Python itself cannot compile the file; header: it compiles, but Alembic cannot load it. */
    kind: 'not-a-migration' | 'not-utf8' | 'too-large' | 'unreadable' | 'syntax' | 'header';
    message: string;
    line?: number;
  };
}

export interface LabelSource {
  line: number;
  expression: string;
  imports: string[];
}

// Module-level import statements (column 0), a parenthesised name list included.
const IMPORTS = /^(?:from[ \t]+[\w.]+[ \t]+import[ \t]*(?:\([^)]*\)|[^\n]*)|import[ \t]+[^\n]*)/gm;

export const MAX_SCRIPT_BYTES = 5 * 1024 * 1024;

export const NOT_A_MIGRATION_MESSAGE = 'not a migration: Alembic will refuse to load it';

// Alembic lists a versions directory and keeps names matching
// `(?!\.\#|__init__)(.*\.py)$` (re.match, so anchored at the start): `__init__*` and editor
// lock files `.#*` are skipped, and so is anything not ending in `.py`. Such files are never
// imported, whatever they contain.
export function isAlembicScriptName(path: string): boolean {
  const base = basename(path);
  return base.endsWith('.py') && !base.startsWith('__init__') && !base.startsWith('.#');
}

// A file without `revision` is still accepted when its whole name is `<lowercase hex>.py`
// (Alembic's `_legacy_rev`, for scripts from before 0.2): the hex is the revision id.
const LEGACY_NAME = /^([a-f0-9]+)\.py$/;

type Field = 'revision' | 'down_revision' | 'branch_labels' | 'depends_on';
const FIELDS: ReadonlySet<string> = new Set<Field>(['revision', 'down_revision', 'branch_labels', 'depends_on']);

export function parseScript(path: string, content: Buffer | string): ParsedScript {
  const result: ParsedScript = {
    path,
    revision: null,
    downRevisions: [],
    dependsOn: [],
    branchLabels: [],
    warnings: [],
  };
  if (!isAlembicScriptName(path)) return result;

  let text: string;
  if (typeof content === 'string') {
    if (content.length > MAX_SCRIPT_BYTES || (content.length * 3 > MAX_SCRIPT_BYTES && Buffer.byteLength(content, 'utf8') > MAX_SCRIPT_BYTES)) {
      return tooLarge(result);
    }
    text = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  } else if (Buffer.isBuffer(content)) {
    if (content.length > MAX_SCRIPT_BYTES) return tooLarge(result);
    const decoded = decode(content);
    if (decoded === null) {
      result.error = {
        kind: 'not-utf8',
        message: 'the file is not valid UTF-8 (and declares no encoding that decodes it), so Python cannot import it',
      };
      return result;
    }
    text = decoded;
  } else {
    result.error = { kind: 'unreadable', message: 'the file content could not be read' };
    return result;
  }

  const scanner = new Scanner(text);
  const fields = new Map<Field, Assigned>();
  try {
    scanner.run((stmt) => applyStatement(stmt, text, fields));
  } catch (e) {
    if (e instanceof PySyntaxError) {
      result.error = { kind: 'syntax', message: e.message, line: e.line };
      return result;
    }
    throw e;
  }

  const rev = fields.get('revision');
  if (rev === undefined) {
    const legacy = LEGACY_NAME.exec(basename(path));
    if (legacy === null) {
      result.error = { kind: 'not-a-migration', message: NOT_A_MIGRATION_MESSAGE };
      return result;
    }
    result.revision = legacy[1]!;
  } else if (rev.value.kind === 'str') {
    result.revision = rev.value.value;
  } else {
    // Alembic passes whatever `revision` holds to Revision(); anything but a str either fails
    // there (None, numbers) or needs Python to compute. Without the id the graph cannot place
    // this file, so it is an error rather than a warning: a silent guess would hide it.
    result.error = {
      kind: 'header',
      line: rev.line,
      message:
        rev.value.kind === 'unknown'
          ? `revision = ${rev.source()} cannot be read without running Python; write the id as a string literal`
          : `revision must be a string, not ${describe(rev.value)}`,
    };
  }

  const down = fields.get('down_revision');
  if (down === undefined) {
    if (result.revision !== null) {
      // Script.__init__ reads `module.down_revision` unconditionally: AttributeError.
      result.error = {
        kind: 'header',
        message: 'down_revision is never assigned at module level, so Alembic fails to load this file (AttributeError); add down_revision = None for a base revision',
      };
    }
  } else {
    result.downRevisions = toIds(down, 'down_revision', result.warnings);
  }
  const labels = fields.get('branch_labels');
  if (labels !== undefined) result.branchLabels = toIds(labels, 'branch_labels', result.warnings);
  if (labels?.value.kind === 'unknown' && labels.warning !== undefined) {
    // Rare (neutron's `(cli.EXPAND_BRANCH,)`): only then are the module-level imports collected.
    result.labelSource = { line: labels.line, expression: labels.source(), imports: text.match(IMPORTS) ?? [] };
  }
  const deps = fields.get('depends_on');
  if (deps !== undefined) result.dependsOn = toIds(deps, 'depends_on', result.warnings);

  for (const f of fields.values()) if (f.warning !== undefined) result.warnings.push(f.warning);
  result.warnings.sort((a, b) => a.line - b.line);
  return result;
}

function tooLarge(result: ParsedScript): ParsedScript {
  result.error = { kind: 'too-large', message: `the file is larger than ${MAX_SCRIPT_BYTES / 1024 / 1024} MiB, too large to be a migration script` };
  return result;
}

function basename(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

// ---------------------------------------------------------------------------------------------
// Decoding. Python reads source as UTF-8 unless a PEP 263 cookie on line 1 or 2 says otherwise.

const utf8 = new TextDecoder('utf-8', { fatal: true });
const COOKIE = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;

function decode(buf: Buffer): string | null {
  try {
    return utf8.decode(buf); // strips a leading BOM
  } catch {
    // fall through: maybe a declared legacy encoding such as latin-1
  }
  const head = buf.subarray(0, 1024).toString('latin1').split(/\r\n|\r|\n/, 2);
  for (const line of head) {
    const m = COOKIE.exec(line);
    if (m === null) continue;
    const label = m[1]!.toLowerCase().replace(/_/g, '-');
    if (label.startsWith('utf-8') || label === 'utf8') return null;
    try {
      return new TextDecoder(label === 'latin-1' ? 'latin1' : label, { fatal: true }).decode(buf);
    } catch {
      return null;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Values: the subset of Python literals Alembic scripts use.

type Value =
  | { kind: 'none' }
  | { kind: 'str'; value: string }
  | { kind: 'seq'; items: Value[]; set?: true }
  | { kind: 'other'; what: string }
  | { kind: 'unknown' };

interface Assigned {
  value: Value;
  line: number;
  source: () => string; // the value as written, computed only for messages
  warning?: ScriptWarning;
}

const UNKNOWN: Value = { kind: 'unknown' };

function describe(v: Value): string {
  switch (v.kind) {
    case 'none':
      return 'None';
    case 'str':
      return 'a string';
    case 'seq':
      return 'a tuple or list';
    case 'other':
      return v.what;
    case 'unknown':
      return 'an expression';
  }
}

// Mirrors util.to_tuple + tuple_rev_as_scalar as applied by Script.__init__/Revision.__init__.
function toIds(a: Assigned, field: Exclude<Field, 'revision'>, warnings: ScriptWarning[]): string[] {
  const v = a.value;
  if (v.kind === 'none' || v.kind === 'unknown') return []; // unknown already carries a warning
  if (v.kind === 'seq' && v.set && field === 'down_revision') {
    // tuple_rev_as_scalar indexes it (rev[0]): TypeError for a one-item set, and no order.
    warnings.push({ line: a.line, message: `down_revision must be None, a string or a tuple of strings, not a set; treated as empty` });
    return [];
  }
  if (v.kind === 'other') {
    warnings.push({ line: a.line, message: `${field} must be None, a string or a tuple of strings, not ${v.what}; treated as empty` });
    return [];
  }
  let ids: string[];
  if (v.kind === 'str') {
    // down_revision = "" is falsy, so tuple_rev_as_scalar turns it into None (a base);
    // depends_on = "" likewise resolves to no dependency; branch_labels = "" is a label "".
    if (v.value === '' && field !== 'branch_labels') return [];
    ids = [v.value];
  } else {
    ids = [];
    let dropped = false;
    for (const item of v.items) {
      if (item.kind === 'str') ids.push(item.value);
      else dropped = true;
    }
    if (dropped) {
      warnings.push({ line: a.line, message: `${field} = ${a.source()} holds items that are not strings; they are ignored` });
    }
    // A one-item depends_on tuple collapses to its item, and "" is falsy: no dependency.
    if (field === 'depends_on' && ids.length === 1 && ids[0] === '') return [];
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Statements. The scanner hands over each logical line that starts at column 0 (so it is a
// module-level statement: inside a def/class body every line is indented, and lines inside
// strings or brackets are not line starts).

const enum K {
  Name,
  Str,
  Num,
  Op,
}

interface Tok {
  k: K;
  v: string;
  line: number;
  start: number;
  end: number;
  str?: Value; // for K.Str: 'str', 'other' (bytes) or 'unknown' (f-string with fields)
}

// Statements whose body may follow on the same line after `:`; `x; y` there is in the body.
const COMPOUND = new Set(['if', 'elif', 'else', 'for', 'while', 'def', 'class', 'with', 'try', 'except', 'finally', 'async']);
const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif',
  'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or',
  'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
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

function applyStatement(toks: Tok[], src: string, fields: Map<Field, Assigned>): void {
  const first = toks[0]!;
  if (first.k === K.Op && first.v === '@') return;
  if (first.k === K.Name && COMPOUND.has(first.v)) return;
  let start = 0;
  topLevelOps(toks, (t, j) => {
    if (t.v === ';') {
      if (j > start) applySimple(toks.slice(start, j), src, fields);
      start = j + 1;
    }
  });
  if (start < toks.length) applySimple(start === 0 ? toks : toks.slice(start), src, fields);
}

function applySimple(toks: Tok[], src: string, fields: Map<Field, Assigned>): void {
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
        bind(fields, name.v as Field, UNKNOWN, name.line, () => `${t.v} ${sourceOf(src, toks.slice(2))}`, 'is changed by an augmented assignment that cannot be evaluated without running Python');
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
          bind(fields, n as Field, spread ? spread[idx]! : UNKNOWN, line, source, spread ? undefined : 'is assigned by tuple unpacking that cannot be evaluated without running Python');
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

function sourceOf(src: string, toks: Tok[]): string {
  if (toks.length === 0) return '';
  const s = src.slice(toks[0]!.start, toks[toks.length - 1]!.end).replace(/\s+/g, ' ');
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

// Evaluates a literal: strings (adjacent ones concatenated), None, tuples, lists, sets.
function evaluate(toks: Tok[]): Value {
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

// ---------------------------------------------------------------------------------------------
// Scanner: one pass over the text. Indented lines are scanned only to find where strings,
// comments and brackets end; tokens are materialised only for lines starting at column 0.

class PySyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const CH_TAB = 9;
const CH_LF = 10;
const CH_FF = 12;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_DQ = 34;
const CH_HASH = 35;
const CH_SQ = 39;
const CH_BSL = 92;

function isIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 0x80;
}
function isIdPart(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

const OPS3 = new Set(['**=', '//=', '>>=', '<<=', '...']);
const OPS2 = new Set(['==', '!=', '<=', '>=', ':=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=', '->', '**', '//', '<<', '>>']);

class Scanner {
  private i = 0;
  private line = 1;
  private depth = 0;
  private openLine = 0;
  private readonly n: number;

  constructor(private readonly src: string) {
    this.n = src.length;
  }

  run(onStatement: (toks: Tok[]) => void): void {
    const src = this.src;
    while (this.i < this.n) {
      // Python resets the column at a form feed, so `\f` alone does not indent a line.
      while (src.charCodeAt(this.i) === CH_FF) this.i++;
      const col0 = !isBlank(src.charCodeAt(this.i));
      while (this.i < this.n && isBlank(src.charCodeAt(this.i))) this.i++;
      if (this.i >= this.n) break;
      const c = src.charCodeAt(this.i);
      if (c === CH_LF || c === CH_CR) {
        this.newline();
        continue;
      }
      if (c === CH_HASH) {
        this.skipComment();
        continue;
      }
      // Most lines never mention our names: scan them once without building tokens, and
      // rescan with tokens only a column-0 line that names one of the four fields.
      const at = this.i;
      const line = this.line;
      if (col0 && isFieldName(src, at, identifierEnd(src, at) - at)) {
        const toks: Tok[] = [];
        this.logicalLine(toks);
        onStatement(toks);
      } else if (this.logicalLine(null) && col0) {
        this.i = at;
        this.line = line;
        const toks: Tok[] = [];
        this.logicalLine(toks);
        onStatement(toks);
      }
    }
  }

  private newline(): void {
    if (this.src.charCodeAt(this.i) === CH_CR && this.src.charCodeAt(this.i + 1) === CH_LF) this.i += 2;
    else this.i++;
    this.line++;
  }

  private skipComment(): void {
    const src = this.src;
    while (this.i < this.n) {
      const c = src.charCodeAt(this.i);
      if (c === CH_LF || c === CH_CR) return;
      this.i++;
    }
  }

  // Scans one logical line; returns whether it holds a name token that is one of FIELDS.
  private logicalLine(toks: Tok[] | null): boolean {
    const src = this.src;
    const n = this.n;
    let named = false;
    for (;;) {
      if (this.i >= n) {
        if (this.depth > 0) throw new PySyntaxError('a bracket opened here is never closed', this.openLine);
        return named;
      }
      const start = this.i;
      const c = src.charCodeAt(start);
      if (isBlank(c)) {
        this.i++;
      } else if (c === CH_LF || c === CH_CR) {
        this.newline();
        if (this.depth === 0) return named;
      } else if (c === CH_HASH) {
        this.skipComment();
      } else if (c === CH_BSL) {
        const nx = src.charCodeAt(start + 1);
        if (nx !== CH_LF && nx !== CH_CR) throw new PySyntaxError('unexpected character after line continuation character', this.line);
        this.i++;
        this.newline();
        if (this.i >= n) throw new PySyntaxError('unexpected end of file after line continuation', this.line);
      } else if (c === CH_DQ || c === CH_SQ) {
        const line = this.line;
        const v = this.string('', toks !== null);
        if (toks) toks.push({ k: K.Str, v: '', line, start, end: this.i, str: v });
      } else if (isIdStart(c)) {
        let j = start + 1;
        while (j < n && isIdPart(src.charCodeAt(j))) j++;
        const q = src.charCodeAt(j);
        if ((q === CH_DQ || q === CH_SQ) && j - start <= 2 && isStringPrefix(src.slice(start, j))) {
          const line = this.line;
          this.i = j;
          const v = this.string(src.slice(start, j).toLowerCase(), toks !== null);
          if (toks) toks.push({ k: K.Str, v: '', line, start, end: this.i, str: v });
        } else {
          this.i = j;
          if (toks) toks.push({ k: K.Name, v: src.slice(start, j), line: this.line, start, end: j });
          else if (!named) named = isFieldName(src, start, j - start);
        }
      } else if (isDigit(c) || (c === 46 && isDigit(src.charCodeAt(start + 1)))) {
        let j = start + 1;
        while (j < n) {
          const d = src.charCodeAt(j);
          if (isIdPart(d) || d === 46) j++;
          else if ((d === 43 || d === 45) && (src.charCodeAt(j - 1) | 32) === 101 && !/^0[xX]/.test(src.slice(start, j))) j++;
          else break;
        }
        this.i = j;
        if (toks) toks.push({ k: K.Num, v: src.slice(start, j), line: this.line, start, end: j });
      } else {
        if (c === 40 || c === 91 || c === 123) {
          if (this.depth === 0) this.openLine = this.line;
          this.depth++;
        } else if (c === 41 || c === 93 || c === 125) {
          if (this.depth === 0) throw new PySyntaxError(`unmatched '${src[start]}'`, this.line);
          this.depth--;
        }
        if (toks) {
          // Operators matter only in statements we evaluate (`=` versus `==`, `+=`, `:=`...).
          let op = src.slice(start, start + 3);
          if (!OPS3.has(op)) {
            op = op.slice(0, 2);
            if (!OPS2.has(op)) op = op.slice(0, 1);
          }
          this.i = start + op.length;
          toks.push({ k: K.Op, v: op, line: this.line, start, end: this.i });
        } else {
          this.i = start + 1;
        }
      }
    }
  }

  // Scans a string literal whose opening quote is at this.i; `prefix` is lower-cased.
  // Returns its value when `want` (only for statements we may evaluate).
  private string(prefix: string, want: boolean): Value {
    const src = this.src;
    const startLine = this.line;
    const q = src.charCodeAt(this.i);
    const triple = src.charCodeAt(this.i + 1) === q && src.charCodeAt(this.i + 2) === q;
    this.i += triple ? 3 : 1;
    const raw = prefix.includes('r');
    const isF = prefix.includes('f');
    const isBytes = prefix.includes('b');
    let out = '';
    let seg = this.i;
    let known = true;
    const n = this.n;
    for (;;) {
      if (this.i >= n) {
        throw new PySyntaxError(triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal', startLine);
      }
      const c = src.charCodeAt(this.i);
      if (c === q) {
        if (!triple) {
          if (want) out += src.slice(seg, this.i);
          this.i++;
          break;
        }
        if (src.charCodeAt(this.i + 1) === q && src.charCodeAt(this.i + 2) === q) {
          if (want) out += src.slice(seg, this.i);
          this.i += 3;
          break;
        }
        this.i++;
      } else if (c === CH_BSL) {
        const nx = src.charCodeAt(this.i + 1);
        if (isF && (nx === 123 || nx === 125)) {
          // `\{` leaves the brace to start a replacement field
          this.i++;
          continue;
        }
        if (want) out += src.slice(seg, this.i);
        if (nx === CH_LF || nx === CH_CR) {
          this.i++;
          this.newline();
          if (want && raw) out += '\\\n';
        } else if (want && !raw) {
          const r = decodeEscape(src, this.i, isBytes);
          if (r.value === null) known = false;
          else out += r.value;
          this.i = r.end;
        } else {
          if (want) out += src.slice(this.i, this.i + 2);
          this.i += 2;
        }
        seg = this.i;
      } else if (c === CH_LF || c === CH_CR) {
        if (!triple) throw new PySyntaxError('unterminated string literal', startLine);
        if (want) out += `${src.slice(seg, this.i)}\n`;
        this.newline();
        seg = this.i;
      } else if (isF && (c === 123 || c === 125)) {
        if (src.charCodeAt(this.i + 1) === c) {
          if (want) out += src.slice(seg, this.i + 1);
          this.i += 2;
          seg = this.i;
        } else if (c === 123) {
          this.i++;
          this.replacementField(q, triple, startLine);
          known = false;
          seg = this.i;
        } else {
          throw new PySyntaxError("f-string: single '}' is not allowed", this.line);
        }
      } else {
        this.i++;
      }
    }
    if (!want) return UNKNOWN;
    if (!known) return UNKNOWN;
    if (isBytes) return { kind: 'other', what: 'bytes' };
    return { kind: 'str', value: out };
  }

  // Inside an f-string after `{`: an expression (which may hold strings and brackets), an
  // optional `!conv`, an optional `:spec` that may nest fields, then `}`.
  private replacementField(q: number, triple: boolean, startLine: number): void {
    const src = this.src;
    const n = this.n;
    let depth = 0;
    for (;;) {
      if (this.i >= n) throw new PySyntaxError('f-string: expecting }', startLine);
      const c = src.charCodeAt(this.i);
      if (c === CH_DQ || c === CH_SQ) {
        // Python 3.12 (PEP 701) lets a field reuse the enclosing quote: f"{d["k"]}".
        this.string('', false);
      } else if (isIdStart(c)) {
        let j = this.i + 1;
        while (j < n && isIdPart(src.charCodeAt(j))) j++;
        const qc = src.charCodeAt(j);
        if ((qc === CH_DQ || qc === CH_SQ) && j - this.i <= 2 && isStringPrefix(src.slice(this.i, j))) {
          const p = src.slice(this.i, j).toLowerCase();
          this.i = j;
          this.string(p, false);
        } else {
          this.i = j;
        }
      } else if (c === 40 || c === 91 || c === 123) {
        depth++;
        this.i++;
      } else if (c === 41 || c === 93) {
        depth--;
        this.i++;
      } else if (c === 125) {
        this.i++;
        if (depth === 0) return;
        depth--;
      } else if (c === 33 && depth === 0 && src.charCodeAt(this.i + 1) !== 61) {
        this.i++; // conversion: !r / !s / !a
      } else if (c === 58 && depth === 0 && src.charCodeAt(this.i + 1) !== 61) {
        this.i++;
        this.formatSpec(q, triple, startLine);
        return;
      } else if (c === CH_LF || c === CH_CR) {
        this.newline();
      } else {
        this.i++;
      }
    }
  }

  private formatSpec(q: number, triple: boolean, startLine: number): void {
    const src = this.src;
    for (;;) {
      if (this.i >= this.n) throw new PySyntaxError('f-string: expecting }', startLine);
      const c = src.charCodeAt(this.i);
      if (c === 123) {
        this.i++;
        this.replacementField(q, triple, startLine);
      } else if (c === 125) {
        this.i++;
        return;
      } else if (c === q && !triple) {
        throw new PySyntaxError('f-string: expecting }', startLine);
      } else if (c === CH_LF || c === CH_CR) {
        this.newline();
      } else {
        this.i++;
      }
    }
  }
}

function identifierEnd(src: string, at: number): number {
  let j = at;
  while (j < src.length && isIdPart(src.charCodeAt(j))) j++;
  return j;
}

function isFieldName(src: string, start: number, len: number): boolean {
  switch (len) {
    case 8:
      return src.startsWith('revision', start);
    case 10:
      return src.startsWith('depends_on', start);
    case 13:
      return src.startsWith('down_revision', start) || src.startsWith('branch_labels', start);
    default:
      return false;
  }
}

function isBlank(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB || c === CH_FF;
}

function isStringPrefix(p: string): boolean {
  switch (p.toLowerCase()) {
    case 'r':
    case 'u':
    case 'b':
    case 'f':
    case 'br':
    case 'rb':
    case 'fr':
    case 'rf':
      return true;
    default:
      return false;
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

// Decodes the escape at src[at] === '\\'. value null: an escape we do not evaluate (\N{...}).
function decodeEscape(src: string, at: number, bytes: boolean): { value: string | null; end: number } {
  const e = src[at + 1]!;
  const simple = SIMPLE_ESCAPES[e];
  if (simple !== undefined) return { value: simple, end: at + 2 };
  if (e >= '0' && e <= '7') {
    let j = at + 1;
    while (j < at + 4 && src[j]! >= '0' && src[j]! <= '7') j++;
    return { value: String.fromCodePoint(parseInt(src.slice(at + 1, j), 8)), end: j };
  }
  const hexLen = e === 'x' ? 2 : !bytes && e === 'u' ? 4 : !bytes && e === 'U' ? 8 : 0;
  if (hexLen > 0) {
    const hex = src.slice(at + 2, at + 2 + hexLen);
    if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === hexLen) {
      const cp = parseInt(hex, 16);
      if (cp <= 0x10ffff) return { value: String.fromCodePoint(cp), end: at + 2 + hexLen };
    }
    return { value: null, end: at + 2 };
  }
  if (!bytes && e === 'N') return { value: null, end: at + 2 };
  return { value: src.slice(at, at + 2), end: at + 2 }; // unknown escapes stay as written
}
