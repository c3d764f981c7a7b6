/**
 * Where an environment records its revisions, read statically from its env.py (never run):
 * the `version_table` and `version_table_schema` keywords of `context.configure(...)`
 * (alembic/runtime/migration.py, MigrationContext: default `alembic_version`, no schema).
 *
 * ckan's plugins keep their revisions in `<plugin>_alembic_version`; `verify` must read that
 * table, or a database ahead of the plugin's migrations passes unseen. A literal string, or a
 * name bound to one at module level, is read; anything else needs Python to compute and is
 * reported as such, so that the table can be configured instead (environments[].versionTable).
 */

export interface EnvPyValue {
  /** The string env.py passes, or null when it is computed at run time. */
  value: string | null;
  /** 1-based line of the keyword argument. */
  line: number;
  /** The expression as written (for messages), at most one line. */
  source: string;
}

export interface VersionTableSettings {
  table?: EnvPyValue;
  schema?: EnvPyValue;
}

type Token = { kind: 'name' | 'string' | 'op' | 'other'; text: string; line: number; col: number; value?: string | null; start: number; end: number };

const KEYWORDS: Record<string, keyof VersionTableSettings> = { version_table: 'table', version_table_schema: 'schema' };

/**
 * @param scriptDirName the name of the folder env.py lives in: ckan's plugins compute their
 * table from it (`name = os.path.basename(os.path.dirname(__file__))`, then
 * `'{}_alembic_version'.format(name)`), which is known without running anything.
 */
export function versionTableSettings(text: string, scriptDirName?: string): VersionTableSettings {
  const tokens = tokenize(text);
  const constants = moduleConstants(tokens, scriptDirName);
  const found: { [K in keyof VersionTableSettings]: EnvPyValue[] } = { table: [], schema: [] };
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (tokens[i]!.kind !== 'name' || tokens[i]!.text !== 'configure' || tokens[i + 1]!.text !== '(') continue;
    let depth = 0;
    for (let j = i + 1; j < tokens.length; j++) {
      const t = tokens[j]!;
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') {
        if (--depth === 0) break;
      } else if (
        depth === 1 &&
        t.kind === 'name' &&
        KEYWORDS[t.text] &&
        tokens[j + 1]?.text === '=' &&
        (tokens[j - 1]!.text === '(' || tokens[j - 1]!.text === ',')
      ) {
        const { value, end } = argument(tokens, j + 2, text, constants);
        found[KEYWORDS[t.text]!]!.push({ ...value, line: t.line });
        j = end - 1;
      }
    }
  }
  const result: VersionTableSettings = {};
  for (const key of ['table', 'schema'] as const) {
    const values = found[key]!;
    if (values.length === 0) continue;
    // The offline and online calls usually pass the same value; two different ones cannot be
    // told apart without running env.py.
    const distinct = new Set(values.map((v) => v.value));
    result[key] = distinct.size === 1 ? values[0]! : { value: null, line: values[0]!.line, source: values.map((v) => v.source).join(' / ') };
  }
  return result;
}

/** The value of one keyword argument: tokens up to the `,` or `)` that ends it. */
function argument(tokens: Token[], from: number, text: string, constants: Map<string, string>): { value: Omit<EnvPyValue, 'line'>; end: number } {
  let depth = 0;
  let end = from;
  for (; end < tokens.length; end++) {
    const t = tokens[end]!;
    if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
    else if (t.text === ')' || t.text === ']' || t.text === '}') {
      if (depth === 0) break;
      depth--;
    } else if (t.text === ',' && depth === 0) break;
  }
  const parts = tokens.slice(from, end);
  const source = parts.length
    ? text
        .slice(parts[0]!.start, parts[parts.length - 1]!.end)
        .replace(/\s+/g, ' ')
        .slice(0, 120)
    : '';
  return { value: { value: evaluate(parts, constants), source }, end };
}

/**
 * A string literal (implicitly concatenated), a module-level constant, or `'…{}…'.format(X)`
 * with positional fields and X one of those: the value; anything else needs Python (null).
 */
function evaluate(parts: Token[], constants: Map<string, string>): string | null {
  const literal = (ts: Token[]): string | null =>
    ts.length > 0 && ts.every((p) => p.kind === 'string' && typeof p.value === 'string') ? ts.map((p) => p.value).join('') : null;
  const simple = (ts: Token[]): string | null => literal(ts) ?? (ts.length === 1 && ts[0]!.kind === 'name' ? (constants.get(ts[0]!.text) ?? null) : null);
  const direct = simple(parts);
  if (direct !== null) return direct;
  const dot = parts.findIndex((p) => p.text === '.');
  if (dot < 1 || parts[dot + 1]?.text !== 'format' || parts[dot + 2]?.text !== '(' || parts[parts.length - 1]?.text !== ')') return null;
  const template = literal(parts.slice(0, dot));
  const args: string[] = [];
  let current: Token[] = [];
  for (const t of parts.slice(dot + 3, -1)) {
    if (t.text === ',') {
      args.push(simple(current) ?? '\0');
      current = [];
    } else current.push(t);
  }
  if (current.length > 0) args.push(simple(current) ?? '\0');
  if (template === null || args.includes('\0')) return null;
  let next = 0;
  let ok = true;
  const modes = new Set<string>(); // Python refuses to mix '{}' and '{0}'
  const out = template.replace(/\{\{|\}\}|\{(\d*)\}|[{}]/g, (m: string, index?: string) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    if (index !== undefined) modes.add(index === '' ? 'auto' : 'manual');
    const arg = index === undefined || modes.size > 1 ? undefined : args[index === '' ? next++ : Number(index)];
    if (arg === undefined) ok = false;
    return arg ?? '';
  });
  return ok ? out : null;
}

// The folder env.py lives in, as env.py computes it.
const SCRIPT_DIR_NAME = new Set([
  'os.path.basename(os.path.dirname(__file__))',
  'os.path.basename(os.path.dirname(os.path.abspath(__file__)))',
  'os.path.basename(os.path.dirname(os.path.realpath(__file__)))',
]);

/** `NAME = "literal"` (or the script folder's name) at module level (column 0), assigned exactly once. */
function moduleConstants(tokens: Token[], scriptDirName: string | undefined): Map<string, string> {
  const seen = new Map<string, string | null>();
  for (let i = 0; i + 2 < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'name' || t.col !== 0 || tokens[i + 1]!.text !== '=') continue;
    let end = i + 2;
    while (end < tokens.length && tokens[end]!.line === tokens[i + 2]!.line && tokens[end]!.text !== ';') end++;
    const rhs = tokens.slice(i + 2, end);
    const value =
      rhs.length > 0 && rhs.every((p) => p.kind === 'string' && typeof p.value === 'string')
        ? rhs.map((p) => p.value).join('')
        : scriptDirName !== undefined && SCRIPT_DIR_NAME.has(rhs.map((p) => p.text).join(''))
          ? scriptDirName
          : null;
    seen.set(t.text, seen.has(t.text) ? null : value);
  }
  const constants = new Map<string, string>();
  for (const [name, value] of seen) if (value !== null) constants.set(name, value);
  return constants;
}

/**
 * Python tokens, enough to find calls and keyword arguments: comments skipped, strings read
 * (prefixes, triple quotes, escapes), brackets and operators kept. An f-string or a bytes
 * literal has no value here.
 */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      lineStart = ++i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\\') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    const prefix = /^([rRuUbBfF]{0,2})(['"])/.exec(text.slice(i, i + 4));
    if (prefix && (prefix[1] === '' || /^[rRuUbBfF]+$/.test(prefix[1]!)) && (prefix[1]!.length === 0 || !/\w/.test(text[i - 1] ?? ''))) {
      const start = i;
      const startLine = line;
      const flags = prefix[1]!.toLowerCase();
      const quote = prefix[2]!;
      i += prefix[1]!.length;
      const triple = text.startsWith(quote.repeat(3), i);
      const close = triple ? quote.repeat(3) : quote;
      i += close.length;
      let body = '';
      while (i < n && !text.startsWith(close, i)) {
        const ch = text[i]!;
        if (ch === '\n') {
          if (!triple) break;
          line++;
          lineStart = i + 1;
        }
        if (ch === '\\' && i + 1 < n) {
          body += flags.includes('r') ? text.slice(i, i + 2) : unescape(text[i + 1]!);
          if (text[i + 1] === '\n') {
            line++;
            lineStart = i + 2;
          }
          i += 2;
          continue;
        }
        body += ch;
        i++;
      }
      i += close.length;
      const literal = !flags.includes('f') && !flags.includes('b');
      tokens.push({ kind: 'string', text: text.slice(start, i), line: startLine, col: start - lineStart, value: literal ? body : null, start, end: i });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < n && /\w/.test(text[i]!)) i++;
      tokens.push({ kind: 'name', text: text.slice(start, i), line, col: start - lineStart, start, end: i });
      continue;
    }
    const start = i;
    // `==`, `!=`, `<=`, `>=`, `:=`, `**`, `->`: one token, so that `=` alone is an assignment.
    const two = text.slice(i, i + 2);
    const op = ['==', '!=', '<=', '>=', ':=', '**', '->', '//'].includes(two) ? two : c;
    i += op.length;
    tokens.push({ kind: /[\w.]/.test(c) ? 'other' : 'op', text: op, line, col: start - lineStart, start, end: i });
  }
  return tokens;
}

function unescape(ch: string): string {
  const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '\n': '' };
  return map[ch] ?? `\\${ch}`;
}
