// Static reader of Alembic revision scripts. It never runs Python: it tokenizes the file,
// skipping strings, comments and bracketed continuations, and evaluates the literal values
// assigned at module level to `revision`, `down_revision`, `branch_labels` and `depends_on`.
//
// The rules below mirror Alembic 1.8 (alembic/script/base.py, Script._from_filename and
// Script.__init__; alembic/script/revision.py, Revision.__init__ and tuple_rev_as_scalar).

import { type Value, UNKNOWN, K, type Tok, PySyntaxError, Scanner, type Field, FIELDS, DYNAMIC, isSpecialName } from './python-lexer.js';

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
    /**
     * syntax, conflict (git's markers left in it) and not-utf8: Python itself cannot compile the file; header: it compiles, but Alembic
     * cannot load it; not-static: a field is bound in a way whose value cannot be known without
     * running Python (Alembic may or may not load it).
     */
    kind: 'not-a-migration' | 'not-utf8' | 'too-large' | 'unreadable' | 'syntax' | 'conflict' | 'header' | 'not-static';
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
  // Most scripts bind the four names only by plain module-level assignments, which the fast
  // pass reads; a file that may bind them otherwise is read again statement by statement with
  // its blocks (readBindings, below).
  let other: OtherBindings | null;
  try {
    other = mayBindOtherwise(scanner, text, fields);
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
        message:
          'down_revision is never assigned at module level, so Alembic fails to load this file (AttributeError); add down_revision = None for a base revision',
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
  if (other !== null) applyOtherBindings(result, other, fields);
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
  const head = buf
    .subarray(0, 1024)
    .toString('latin1')
    .split(/\r\n|\r|\n/, 2);
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

interface Assigned {
  value: Value;
  line: number;
  source: () => string; // the value as written, computed only for messages
  warning?: ScriptWarning;
  /** Bound otherwise than by a plain assignment, to a value that cannot be known: why. */
  block?: string;
}

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

// Statements whose body may follow on the same line after `:`; `x; y` there is in the body.
const COMPOUND = new Set(['if', 'elif', 'else', 'for', 'while', 'def', 'class', 'with', 'try', 'except', 'finally', 'async']);
const KEYWORDS = new Set([
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

function applyStatement(toks: Tok[], src: string, fields: Map<Field, Assigned>, otherwise?: () => void): void {
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
// Bindings other than plain module-level assignments (issue 13). Python runs the whole module,
// so Alembic also reads a field bound inside `if True:`, by `for down_revision in […]`, `del`,
// `def`/`class`/`import … as`, `with … as`, `:=`, `exec(…)` / `globals()[…]`, by a function
// called at module level that declares it `global`, or under a name Python NFKC-normalises to
// it (`ｄown_revision`). Checked case by case against Alembic 1.8 (test/script-bindings.test.ts).
//
// A file the fast pass marks suspect is read again statement by statement with its blocks:
// - what can be evaluated statically is: `if True:` / `if 0:` / `elif` / `else`, `while False:`,
//   `for x in <literal>`, `try:` / `finally:` bodies, `(x := <literal>)`, `del x` — with a
//   warning naming the line;
// - a binding whose value cannot be known (inside a block that may or may not run, `import`,
//   `with … as`, `except … as`, `case`, a namespace written at run time) blocks for revision,
//   down_revision and depends_on (the graph depends on them) and is a warning for
//   branch_labels (the graph reports a missing label where depends_on names it);
// - a binding to a function, class or module (`def down_revision():`) blocks: Alembic fails.
// Function bodies run only when called: there, only `global <field>` and the dynamic names
// matter, and only once the function is mentioned at module level.

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

/** Reads the file's fields with the fast pass, or statement by statement when it is suspect. */
function mayBindOtherwise(scanner: Scanner, text: string, fields: Map<Field, Assigned>): OtherBindings | null {
  let otherwise = false;
  scanner.run((stmt) =>
    applyStatement(stmt, text, fields, () => {
      otherwise = true;
    }),
  );
  if (!otherwise && !scanner.suspect) return null;
  fields.clear();
  return readBindings(new Scanner(text), text, fields);
}

interface OtherBindings {
  warnings: ScriptWarning[];
}

type Live = 0 | 1 | 2; // never runs, always runs, cannot tell

const both = (a: Live, b: Live): Live => (a === 0 || b === 0 ? 0 : a === 2 || b === 2 ? 2 : 1);

interface Block {
  indent: number;
  scope: 'module' | 'class' | 'def';
  live: Live;
  /** The module-level def or class this block is part of (null at module scope). */
  owner: string | null;
  /** The header, for messages: "`if …:` at line 3". */
  header: string;
}

/** if/elif/else, try/except/else/finally and loop/else chains, by the indent of their header. */
interface Chain {
  indent: number;
  kind: 'if' | 'try' | 'loop';
  /** An earlier branch surely ran (if), or some earlier branch may have run. */
  taken: Live;
}

const HEADERS = new Set(['if', 'elif', 'else', 'for', 'while', 'def', 'class', 'with', 'try', 'except', 'finally']);

/**
 * What readBindings carries from one line to the next. It is the only state of the reading:
 * each step below is a plain function of it and of the line's tokens.
 */
interface Reading {
  readonly src: string;
  /** The fields as bound so far (a later binding replaces an earlier one, as in Python). */
  readonly fields: Map<Field, Assigned>;
  readonly warnings: ScriptWarning[];
  /** The blocks open at this line, innermost last; none at module level. */
  readonly stack: Block[];
  /** The if/try/loop chains open at this line, innermost last. */
  readonly chains: Chain[];
  /** Module-level def/class -> what in it writes the namespace (`exec`, `global down_revision`). */
  readonly tainted: Map<string, string>;
}

/** Module level: always runs. */
const MODULE: Block = { indent: -1, scope: 'module', live: 1, owner: null, header: '' };

/** A compound statement's first line, taken apart. */
interface HeaderLine {
  /** if, elif, else, for, while, def, class, with, try, except, finally, match, case. */
  keyword: string;
  line: number;
  indent: number;
  /** Between the keyword and the `:`. */
  header: Tok[];
  /** After the `:` on the same line (`if True: down_revision = None`). */
  body: Tok[];
  /** For messages: "`if x:` (line 3)". */
  described: string;
  /** The block the header stands in. */
  ctx: Block;
  /** The chain open at the header's indent (an `if` that an `elif` continues), or null. */
  chain: Chain | null;
}

function readBindings(scanner: Scanner, src: string, fields: Map<Field, Assigned>): OtherBindings {
  const r: Reading = { src, fields, warnings: [], stack: [], chains: [], tainted: new Map() };
  scanner.runAll((toks, indent) => readLine(r, toks, indent));
  return { warnings: r.warnings };
}

/** One logical line, at module level or indented, with the indent of its first token. */
function readLine(r: Reading, toks: Tok[], indent: number): void {
  normaliseNames(r, toks);
  closeBlocks(r, indent);
  const ctx = r.stack[r.stack.length - 1] ?? MODULE;
  let head = toks[0]!;
  let k = 0;
  if (head.k === K.Name && head.v === 'async' && toks[1]?.k === K.Name) head = toks[(k = 1)]!;
  const soft = (head.v === 'match' || head.v === 'case') && toks[toks.length - 1]!.v === ':' && toks[k + 1]?.k !== K.Op;
  const top = r.chains[r.chains.length - 1];
  const chain = top !== undefined && top.indent === indent ? top : null;
  if (head.k !== K.Name || !(HEADERS.has(head.v) || soft)) {
    if (chain) r.chains.pop();
    readStatements(r, toks, ctx);
    return;
  }
  const colon = firstTopColon(toks, k + 1);
  readHeader(r, {
    keyword: head.v,
    line: head.line,
    indent,
    header: toks.slice(k + 1, colon < 0 ? toks.length : colon),
    body: colon < 0 ? [] : toks.slice(colon + 1),
    described: `\`${sourceOf(r.src, toks.slice(0, colon < 0 ? toks.length : colon + 1))}\` (line ${head.line})`,
    ctx,
    chain,
  });
}

/** Python normalises identifiers (NFKC): `ｄown_revision` is down_revision. Said when it matters. */
function normaliseNames(r: Reading, toks: Tok[]): void {
  for (const t of toks) {
    if (t.k !== K.Name || (t.v.charCodeAt(0) < 0x80 && !/[^\x00-\x7f]/.test(t.v))) continue;
    const name = t.v.normalize('NFKC');
    if (name !== t.v && isSpecialName(name)) {
      r.warnings.push({ line: t.line, message: `\`${t.v}\` at line ${t.line} is the name ${name} to Python, which normalises identifiers (NFKC)` });
    }
    t.v = name;
  }
}

/** A line at `indent` ends the blocks indented as far or further, and the chains indented further. */
function closeBlocks(r: Reading, indent: number): void {
  while (r.stack.length > 0 && r.stack[r.stack.length - 1]!.indent >= indent) r.stack.pop();
  while (r.chains.length > 0 && r.chains[r.chains.length - 1]!.indent > indent) r.chains.pop();
}

function readHeader(r: Reading, h: HeaderLine): void {
  const { keyword, ctx, chain } = h;
  if (keyword === 'def' || keyword === 'class') readDefinition(r, h);
  else if (ctx.scope === 'def') {
    scanExpr(r, h.header, ctx);
    openBlock(r, h, 1);
  } else if (keyword === 'if' || keyword === 'elif' || (keyword === 'else' && chain?.kind === 'if')) readBranch(r, h);
  else if (keyword === 'while') {
    scanExpr(r, h.header, ctx);
    const test = truth(h.header);
    startChain(r, h, 'loop', 2);
    openBlock(r, h, test === 0 ? 0 : 2);
  } else if (keyword === 'for') readFor(r, h);
  else if (keyword === 'try') {
    startChain(r, h, 'try', 2);
    openBlock(r, h, 1);
  } else if (keyword === 'finally' || (keyword === 'else' && chain?.kind === 'try')) openBlock(r, h, 1);
  else readUnknowable(r, h);
}

/** Opens the block a header starts, and reads what follows its `:` on the same line. */
function openBlock(r: Reading, h: HeaderLine, own: Live, scope: Block['scope'] = h.ctx.scope, owner: string | null = h.ctx.owner): void {
  const block: Block = { indent: h.indent, scope, live: scope === 'def' ? 1 : both(h.ctx.live, own), owner, header: h.described };
  r.stack.push(block);
  if (h.body.length > 0) readStatements(r, h.body, block);
}

/** An if, a loop or a try starts a chain at its indent, in place of the one ending there. */
function startChain(r: Reading, h: HeaderLine, kind: Chain['kind'], taken: Live): void {
  if (h.chain) r.chains.pop();
  r.chains.push({ indent: h.indent, kind, taken });
}

/** `def` and `class`: a field bound to a function or class; the body, scanned for what taints it. */
function readDefinition(r: Reading, h: HeaderLine): void {
  const { ctx } = h;
  const name = h.header[0];
  if (ctx.scope !== 'def') scanExpr(r, h.header.slice(1), ctx); // decorators ran already; defaults, bases run now
  if (ctx.scope === 'module' && name !== undefined && FIELDS.has(name.v)) {
    bindOther(r, name.v as Field, { kind: 'other', what: h.keyword === 'def' ? 'a function' : 'a class' }, h.line, ctx, `\`${h.keyword}\``);
  }
  if (h.chain) r.chains.pop();
  openBlock(r, h, 1, h.keyword === 'def' ? 'def' : ctx.scope === 'def' ? 'def' : 'class', ctx.owner ?? name?.v ?? null);
}

/** if / elif / else of an if: the branch runs when its test holds and no earlier branch ran. */
function readBranch(r: Reading, h: HeaderLine): void {
  const { keyword, ctx, chain } = h;
  const test: Live = keyword === 'else' ? 1 : truth(h.header);
  if (keyword !== 'else') scanExpr(r, h.header, ctx);
  const before: Live = keyword === 'if' || chain === null || chain.kind !== 'if' ? 0 : chain.taken;
  const taken = chainTaken(before, test);
  if (keyword === 'if') startChain(r, h, 'if', taken);
  else if (chain) chain.taken = taken;
  openBlock(r, h, branchRuns(before, test));
}

/**
 * Whether a branch of an if chain runs, from whether an earlier branch ran (`before`: 1 surely,
 * 0 none did, 2 cannot tell) and its own test (an `else` tests 1).
 */
function branchRuns(before: Live, test: Live): Live {
  return before === 1 ? 0 : before === 0 ? test : test === 0 ? 0 : 2;
}

/** Whether some branch of an if chain has run once this one is passed (the next branch's `before`). */
function chainTaken(before: Live, test: Live): Live {
  const own = branchRuns(before, test);
  return before === 1 || (test === 1 && before === 0) ? 1 : before === 0 && test === 0 ? 0 : own === 0 && before === 0 ? 0 : 2;
}

/** `for x in <literal>`: the body runs once per item, and x keeps the last; anything else cannot be told. */
function readFor(r: Reading, h: HeaderLine): void {
  const { header, ctx, line } = h;
  const inAt = header.findIndex((t, j) => t.k === K.Name && t.v === 'in' && depthAt(header, j) === 0);
  const target = inAt < 0 ? header : header.slice(0, inAt);
  const iter = inAt < 0 ? [] : header.slice(inAt + 1);
  scanExpr(r, iter, ctx);
  const items = literalItems(iter);
  const name = target.length === 1 && target[0]!.k === K.Name ? target[0]!.v : null;
  if (name !== null && FIELDS.has(name)) {
    if (items === null) bindOther(r, name as Field, UNKNOWN, line, ctx, 'the target of a `for` loop');
    else if (items.length > 0) bindOther(r, name as Field, items[items.length - 1]!, line, ctx, 'the target of a `for` loop');
  } else {
    for (const t of target) if (t.k === K.Name && FIELDS.has(t.v)) bindOther(r, t.v as Field, UNKNOWN, line, ctx, 'a target of a `for` loop');
  }
  startChain(r, h, 'loop', 2);
  openBlock(r, h, items === null ? 2 : items.length === 0 ? 0 : 1);
}

/**
 * except, else of a loop, with, match, case: whether (or with what) the body runs is not
 * static; the names they bind (`as x`, capture patterns) are not either.
 */
function readUnknowable(r: Reading, h: HeaderLine): void {
  const { keyword, header, ctx } = h;
  scanExpr(r, header, ctx);
  const as = keyword === 'with' || keyword === 'except' || keyword === 'case';
  for (let j = 0; j < header.length; j++) {
    const t = header[j]!;
    if (t.k !== K.Name || !FIELDS.has(t.v)) continue;
    const prev = header[j - 1];
    const binds = keyword === 'case' ? !(prev?.v === '.' || header[j + 1]?.v === '(' || header[j + 1]?.v === '=') : prev?.k === K.Name && prev.v === 'as';
    if (as && binds) bindOther(r, t.v as Field, UNKNOWN, h.line, ctx, `bound by \`${keyword}\``);
  }
  if (keyword === 'with' || keyword === 'match') {
    if (h.chain) r.chains.pop();
    openBlock(r, h, 1);
  } else openBlock(r, h, 2);
}

function readStatements(r: Reading, toks: Tok[], ctx: Block): void {
  for (const stmt of splitTop(toks, ';')) if (stmt.length > 0) readSimple(r, stmt, ctx);
}

/** One simple statement (no `;`) in the block ctx. */
function readSimple(r: Reading, toks: Tok[], ctx: Block): void {
  const first = toks[0]!;
  const line = first.line;
  if (ctx.scope === 'def') {
    if (first.k === K.Name && first.v === 'global') {
      const names = toks.filter((t) => t.k === K.Name && FIELDS.has(t.v)).map((t) => t.v);
      if (names.length > 0) r.tainted.set(ctx.owner!, `\`global ${names.join(', ')}\``);
    }
    scanExpr(r, toks, ctx);
    return;
  }
  if (ctx.live === 0) return;
  scanExpr(r, toks, ctx);
  if (ctx.scope === 'class') return; // binds attributes of the class
  if (first.k === K.Name && first.v === 'del') {
    for (const item of splitTop(toks.slice(1), ',')) {
      const name = item.length === 1 && item[0]!.k === K.Name ? item[0]!.v : null;
      if (name === null || !FIELDS.has(name)) continue;
      if (ctx.live === 1) {
        r.fields.delete(name as Field);
        r.warnings.push({ line, message: `${name} is deleted by \`del\` at line ${line}, so Alembic no longer finds it` });
      } else {
        unknownBinding(
          r,
          name as Field,
          line,
          `is deleted at line ${line} inside ${ctx.header}, which may or may not run, so whether it exists cannot be known without running Python`,
        );
      }
    }
    return;
  }
  if (first.k === K.Name && (first.v === 'import' || first.v === 'from')) {
    const at = toks.findIndex((t) => t.k === K.Name && t.v === 'import');
    for (const item of splitTop(
      toks.slice(at + 1).filter((t) => t.v !== '(' && t.v !== ')'),
      ',',
    )) {
      const as = item.findIndex((t) => t.k === K.Name && t.v === 'as');
      const name = as >= 0 ? item[as + 1]?.v : item[0]?.v;
      if (name === undefined || !FIELDS.has(name)) continue;
      // `import x as down_revision` binds a module; `from x import y as down_revision` binds
      // whatever x.y is (a string, perhaps): neither can be read without importing x.
      bindOther(r, name as Field, first.v === 'import' ? { kind: 'other', what: 'a module' } : UNKNOWN, line, ctx, `imported (\`${first.v} … import\`)`);
    }
    return;
  }
  if (first.k === K.Name && KEYWORDS.has(first.v)) return; // global, pass, assert, raise…
  if (r.stack.length === 0) {
    applySimple(toks, r.src, r.fields); // a plain module-level statement, as the fast pass reads it
    return;
  }
  const scratch = new Map<Field, Assigned>();
  applySimple(toks, r.src, scratch);
  for (const [field, a] of scratch) bindOther(r, field, a.value, a.line, ctx, `assigned inside ${ctx.header}`);
}

/** Walrus bindings, dynamic names and mentions of tainted functions in an expression run at module or class level. */
function scanExpr(r: Reading, toks: Tok[], ctx: Block): void {
  for (let j = 0; j < toks.length; j++) {
    const t = toks[j]!;
    if (t.k !== K.Name) continue;
    const prev = toks[j - 1];
    const attr = prev !== undefined && prev.k === K.Op && prev.v === '.';
    if (DYNAMIC.has(t.v) && (!attr || t.v === '__dict__' || t.v === 'modules' || t.v === 'import_module')) {
      if (ctx.scope === 'def') r.tainted.set(ctx.owner!, `\`${t.v}\``);
      else dynamicWrite(r, t.line, `\`${t.v}\``, ctx);
    } else if (t.v === 'import' && toks[j + 1]?.v === '*') {
      // `from peewee import *` (quay's migrations): a star import binds what the other module
      // exports, and no real module exports Alembic's fields. Treating it as unknowable blocked
      // every commit of a well-kept project, so it is taken to bind none of them.
      continue;
    } else if (!attr && ctx.scope !== 'def' && r.tainted.has(t.v)) {
      dynamicWrite(r, t.line, `${t.v} (it uses ${r.tainted.get(t.v)})`, ctx);
    } else if (FIELDS.has(t.v) && ctx.scope === 'module' && toks[j + 1]?.k === K.Op && toks[j + 1]!.v === ':=') {
      bindOther(r, t.v as Field, walrusValue(toks, j + 2), t.line, ctx, 'assigned by `:=`');
    }
  }
}

/** A field whose value cannot be known statically: why (it blocks, or warns for branch_labels). */
function unknownBinding(r: Reading, field: Field, line: number, why: string): void {
  r.fields.set(field, { value: UNKNOWN, line, source: () => '…', block: why });
}

/** A binding other than a plain assignment, of a value known (or not) statically. */
function bindOther(r: Reading, field: Field, value: Value, line: number, ctx: Block, how: string): void {
  if (ctx.live === 0) return;
  if (ctx.live === 2) {
    unknownBinding(
      r,
      field,
      line,
      `is ${how} at line ${line} inside ${ctx.header}, which may or may not run, so its value cannot be known without running Python`,
    );
  } else if (value.kind === 'unknown') {
    unknownBinding(r, field, line, `is ${how} at line ${line}, so its value cannot be known without running Python`);
  } else if (value.kind === 'other' && !value.what.startsWith('the number') && value.what !== 'True' && value.what !== 'False') {
    unknownBinding(r, field, line, `is bound to ${value.what} by ${how} at line ${line}, which Alembic cannot read as revision ids`);
  } else {
    r.fields.set(field, { value, line, source: () => show(value) });
    r.warnings.push({ line, message: `${field} is ${how} at line ${line}, not by a plain module-level assignment; Alembic reads ${show(value)}` });
  }
}

/** exec, globals()[…], a tainted function called: any field may change here. */
function dynamicWrite(r: Reading, line: number, what: string, ctx: Block): void {
  if (ctx.live === 0) return;
  for (const field of FIELDS as ReadonlySet<Field>) {
    unknownBinding(
      r,
      field,
      line,
      `may be changed by ${what} at line ${line}, which writes the module's names at run time, so its value cannot be known without running Python`,
    );
  }
}

/** Puts what readBindings found into the result: warnings, and the bindings that block. */
function applyOtherBindings(result: ParsedScript, other: OtherBindings, fields: Map<Field, Assigned>): void {
  result.warnings.push(...other.warnings);
  let first: { field: Field; a: Assigned } | null = null;
  for (const [field, a] of fields) {
    if (a.block === undefined) continue;
    if (field === 'branch_labels') {
      result.warnings.push({ line: a.line, message: `branch_labels ${a.block}; it is treated as empty` });
    } else if (first === null || a.line < first.a.line) first = { field, a };
  }
  // A header error (revision unreadable, down_revision missing) follows from the same binding.
  if (first !== null && (result.error === undefined || result.error.kind === 'header')) {
    result.error = { kind: 'not-static', line: first.a.line, message: `${first.field} ${first.a.block}` };
  }
}

function splitTop(toks: Tok[], sep: string): Tok[][] {
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

function depthAt(toks: Tok[], at: number): number {
  let depth = 0;
  for (let j = 0; j < at; j++) {
    const t = toks[j]!;
    if (t.k !== K.Op) continue;
    if (t.v === '(' || t.v === '[' || t.v === '{') depth++;
    else if (t.v === ')' || t.v === ']' || t.v === '}') depth--;
  }
  return depth;
}

/** The `:` that ends a compound statement's header (brackets, lambdas aside), or -1. */
function firstTopColon(toks: Tok[], from: number): number {
  let depth = 0;
  let lambdas = 0;
  for (let j = from; j < toks.length; j++) {
    const t = toks[j]!;
    if (t.k === K.Name && t.v === 'lambda' && depth === 0) lambdas++;
    if (t.k !== K.Op) continue;
    if (t.v === '(' || t.v === '[' || t.v === '{') depth++;
    else if (t.v === ')' || t.v === ']' || t.v === '}') depth--;
    else if (t.v === ':' && depth === 0) {
      if (lambdas > 0) lambdas--;
      else return j;
    }
  }
  return -1;
}

/** The value after `name :=` : up to the comma or closing bracket that ends it. */
function walrusValue(toks: Tok[], from: number): Value {
  let depth = 0;
  let end = from;
  for (; end < toks.length; end++) {
    const t = toks[end]!;
    if (t.k !== K.Op) continue;
    if (t.v === '(' || t.v === '[' || t.v === '{') depth++;
    else if (t.v === ')' || t.v === ']' || t.v === '}') {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && (t.v === ',' || t.v === ':' || t.v === ';')) break;
  }
  return evaluate(toks.slice(from, end));
}

/** The items a `for` loop takes from a literal (a tuple, list or string), or null. */
function literalItems(toks: Tok[]): Value[] | null {
  const v = evaluate(toks);
  if (v.kind === 'seq' && !v.set) return v.items;
  if (v.kind === 'str') return [...v.value].map((c) => ({ kind: 'str', value: c }) as Value);
  return null;
}

/** Whether a test is statically true (1), false (0) or cannot be told (2): `if True:`, `if 0:`. */
function truth(toks: Tok[]): Live {
  let negate = false;
  let at = 0;
  while (toks[at]?.k === K.Name && toks[at]!.v === 'not') {
    negate = !negate;
    at++;
  }
  const v = evaluate(toks.slice(at));
  let t: Live = 2;
  if (v.kind === 'none') t = 0;
  else if (v.kind === 'str') t = v.value === '' ? 0 : 1;
  else if (v.kind === 'seq' && !v.set) t = v.items.length === 0 ? 0 : 1;
  else if (v.kind === 'other') {
    if (v.what === 'True') t = 1;
    else if (v.what === 'False') t = 0;
    else if (v.what.startsWith('the number ')) {
      const n = Number(v.what.slice('the number '.length).replace(/_/g, ''));
      t = Number.isNaN(n) ? 2 : n === 0 ? 0 : 1;
    }
  }
  return t === 2 || !negate ? t : t === 1 ? 0 : 1;
}

function show(v: Value): string {
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
