/**
 * A Python lexer for revision scripts: one pass over the text that finds where strings, comments
 * and brackets end, and materialises tokens only for the logical lines that start at column 0
 * (module-level statements). Its syntax errors are the ones Python's tokenizer would raise.
 * script.ts reads the statements it hands over.
 */

/** The subset of Python literals Alembic scripts use; a string token carries one. */
export type Value =
  { kind: 'none' } | { kind: 'str'; value: string } | { kind: 'seq'; items: Value[]; set?: true } | { kind: 'other'; what: string } | { kind: 'unknown' };

export const UNKNOWN: Value = { kind: 'unknown' };

export const enum K {
  Name,
  Str,
  Num,
  Op,
}

export interface Tok {
  k: K;
  v: string;
  line: number;
  start: number;
  end: number;
  str?: Value; // for K.Str: 'str', 'other' (bytes) or 'unknown' (f-string with fields)
}

/** The four names Alembic reads from a revision script. */
export type Field = 'revision' | 'down_revision' | 'branch_labels' | 'depends_on';
export const FIELDS: ReadonlySet<string> = new Set<Field>(['revision', 'down_revision', 'branch_labels', 'depends_on']);

/** Names that change the namespace at run time: a script naming one is read with care. */
export const DYNAMIC: ReadonlySet<string> = new Set([
  'exec',
  'eval',
  'globals',
  'vars',
  'locals',
  'setattr',
  'delattr',
  '__import__',
  '__dict__',
  'modules',
  'import_module',
]);

export function isSpecialName(name: string): boolean {
  return FIELDS.has(name) || DYNAMIC.has(name);
}

/** Whether src[start, end) is one of DYNAMIC, or `import` followed by `*`. */
export function isDynamicAt(src: string, start: number, end: number): boolean {
  const len = end - start;
  if (len === 6 && src.startsWith('import', start)) return /^[ \t]*(?:\\\r?\n[ \t]*)?\*/.test(src.slice(end, end + 16));
  if (len !== 4 && len !== 6 && len !== 7 && len !== 8 && len !== 10 && len !== 13) return false;
  return DYNAMIC.has(src.slice(start, end));
}

export class PySyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export const CH_TAB = 9;
export const CH_LF = 10;
export const CH_FF = 12;
export const CH_CR = 13;
export const CH_SPACE = 32;
export const CH_DQ = 34;
export const CH_HASH = 35;
export const CH_SQ = 39;
export const CH_BSL = 92;

export function isIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 0x80;
}
export function isIdPart(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57);
}
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export const OPS3 = new Set(['**=', '//=', '>>=', '<<=', '...']);
export const OPS2 = new Set(['==', '!=', '<=', '>=', ':=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=', '->', '**', '//', '<<', '>>']);

export class Scanner {
  /**
   * Set by run() on what the fast pass cannot judge: an indented line naming one of the fields,
   * a name that changes the namespace at run time (exec, globals…), `import *`, or a non-ASCII
   * identifier that Python reads as one of those names (it NFKC-normalises identifiers).
   */
  suspect = false;
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
      if (this.skipEmptyLine()) continue;
      // Most lines never mention our names: scan them once without building tokens, and
      // rescan with tokens only a column-0 line that names one of the four fields.
      const at = this.i;
      const line = this.line;
      if (col0 && isFieldName(src, at, identifierEnd(src, at) - at)) {
        const toks: Tok[] = [];
        this.logicalLine(toks);
        onStatement(toks);
      } else if (this.logicalLine(null)) {
        if (!col0) {
          this.suspect = true; // an indented line naming a field: inside a block or a def
          continue;
        }
        this.i = at;
        this.line = line;
        const toks: Tok[] = [];
        this.logicalLine(toks);
        onStatement(toks);
      }
    }
  }

  /**
   * Every logical line with tokens, and the column its first token starts at (a tab advances
   * to the next multiple of 8, as Python's tokenizer counts).
   */
  runAll(onLine: (toks: Tok[], indent: number) => void): void {
    const src = this.src;
    while (this.i < this.n) {
      let col = 0;
      for (;;) {
        const c = src.charCodeAt(this.i);
        if (c === CH_SPACE) col++;
        else if (c === CH_TAB) col = (Math.floor(col / 8) + 1) * 8;
        else if (c === CH_FF) col = 0;
        else break;
        this.i++;
      }
      if (this.i >= this.n) break;
      if (this.skipEmptyLine()) continue;
      const toks: Tok[] = [];
      this.logicalLine(toks);
      if (toks.length > 0) onLine(toks, col);
    }
  }

  /** At the first character after a line's indentation: a line ending or a comment is skipped. */
  private skipEmptyLine(): boolean {
    const c = this.src.charCodeAt(this.i);
    if (c === CH_LF || c === CH_CR) {
      this.newline();
      return true;
    }
    if (c === CH_HASH) {
      this.skipComment();
      return true;
    }
    return false;
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
        let wide = c >= 0x80;
        for (let d = src.charCodeAt(j); j < n && isIdPart(d); d = src.charCodeAt(++j)) if (d >= 0x80) wide = true;
        if (!this.suspect && (wide ? isSpecialName(src.slice(start, j).normalize('NFKC')) : isDynamicAt(src, start, j))) this.suspect = true;
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

export function identifierEnd(src: string, at: number): number {
  let j = at;
  while (j < src.length && isIdPart(src.charCodeAt(j))) j++;
  return j;
}

export function isFieldName(src: string, start: number, len: number): boolean {
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

export function isBlank(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB || c === CH_FF;
}

export function isStringPrefix(p: string): boolean {
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

export const SIMPLE_ESCAPES: Record<string, string> = {
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
export function decodeEscape(src: string, at: number, bytes: boolean): { value: string | null; end: number } {
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
