// Static reader of Alembic revision scripts. It never runs Python: it tokenizes the file,
// skipping strings, comments and bracketed continuations, and evaluates the literal values
// assigned at module level to `revision`, `down_revision`, `branch_labels` and `depends_on`.
//
// The rules below mirror Alembic 1.8 (alembic/script/base.py, Script._from_filename and
// Script.__init__; alembic/script/revision.py, Revision.__init__ and tuple_rev_as_scalar).

import { type OtherBindings, readBindings } from './other-bindings.js';
import { type Value, PySyntaxError, Scanner, type Field } from './python-lexer.js';
import { type Assigned, applyStatement, type ScriptWarning } from './script-statements.js';

export type { ScriptWarning } from './script-statements.js';

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
  // its blocks (readBindings, other-bindings.ts).
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
// Values: what Alembic makes of the literal a field holds (the literals: script-statements.ts).

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
