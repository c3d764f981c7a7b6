/**
 * How a name or a command is written for a person or a shell. A printed command is code the user
 * will paste, and a name comes from the repository (a file name, an alembic.ini section, a
 * branch): every one goes through shellQuote, a path also through shellPath (never read as an
 * option) and a git path through literalPathspec. Every printed command is built here.
 */
import type { AlembicRunner } from '../alembic/environment.js';
import { pathChars } from '../git/bytes.js';

/**
 * What a terminal or a CI log acts on, per code point: C0 and C1 controls, DEL, lone surrogates
 * (bytes that are not UTF-8, see src/git/bytes.ts) and the format characters that reorder or
 * hide text (bidi overrides and isolates, zero-width characters, line separators).
 */
const UNSAFE_RE = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]/u;
const UNSAFE_ALL_RE = new RegExp(UNSAFE_RE.source, 'gu');
const C_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r' };

function octal(bytes: Buffer): string {
  return [...bytes].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
}

/** The characters of a name with their bytes (lone surrogates are the raw bytes they stand for). */
function unsafeBytes(ch: string): Buffer {
  return [...pathChars(ch)].reduce((acc, c) => Buffer.concat([acc, c.bytes]), Buffer.alloc(0));
}

/**
 * A name as people read it: as is, or — when it holds a control character, a byte that is not
 * UTF-8, `"` or `\` — in double quotes with C escapes, as git shows it (core.quotePath):
 * `"alembic/versions/a\033[2Jb.py"`, `"caf\351.py"`.
 */
export function showName(value: string): string {
  if (!UNSAFE_RE.test(value) && !/["\\]/.test(value)) return value;
  let out = '';
  for (const { ch, bytes } of pathChars(value)) {
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (C_ESCAPES[ch]) out += C_ESCAPES[ch];
    else if (UNSAFE_RE.test(ch)) out += octal(bytes);
    else out += ch;
  }
  return `"${out}"`;
}

/**
 * The last guard before a terminal or a CI log: any control character left in a line (a name
 * inside a message built elsewhere) is written as git writes it, `\033`, `\n`.
 */
export function escapeControls(line: string): string {
  if (!UNSAFE_RE.test(line)) return line;
  return line.replace(UNSAFE_ALL_RE, (ch) => C_ESCAPES[ch] ?? octal(unsafeBytes(ch)));
}

/**
 * One POSIX shell word that the shell reads back as exactly `value`: plain names stay plain,
 * anything else goes in single quotes, and a value with a control character or a byte that is
 * not UTF-8 in `$'…'` (bash, zsh, ksh, POSIX.1-2024 sh) with `\xHH` escapes, so that the
 * command neither repaints the terminal nor names another file. A leading `=` is quoted for zsh.
 */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./,:@%+-][A-Za-z0-9_./,:@%+=-]*$/.test(value)) return value;
  if (!UNSAFE_RE.test(value)) return `'${value.replaceAll("'", `'\\''`)}'`;
  let out = '';
  for (const { ch, bytes } of pathChars(value)) {
    if (ch === '\\') out += '\\\\';
    else if (C_ESCAPES[ch]) out += C_ESCAPES[ch];
    // `'` and `!` as hex too: bash's history expansion misreads `\'` inside `$'…'`.
    else if (UNSAFE_RE.test(ch) || ch === "'" || ch === '!') out += [...bytes].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
    else out += ch;
  }
  return `$'${out}'`;
}

/** A path as one shell word that no command reads as an option: `-svc` is written `./-svc`. */
export function shellPath(path: string): string {
  return shellQuote(path.startsWith('-') ? `./${path}` : path);
}

/**
 * A pathspec that matches exactly this path. `*`, `?`, `[` and `\` are glob characters in a
 * pathspec and a leading `:` starts magic (gitglossary(7), "pathspec"), so `git add 00*.py`
 * would stage `002_b.py` too; such paths get the `:(literal)` magic. Plain paths stay as they are.
 */
export function literalPathspec(path: string): string {
  return /[*?[\\]/.test(path) || path.startsWith(':') ? `:(literal)${path}` : path;
}

/** `git <verb> [--] pathspecs…`: literal pathspecs, each one shell word, `--` when one starts with `-`. */
export function gitCommand(verb: string, paths: string[]): string {
  const specs = paths.map(literalPathspec);
  const dashDash = specs.some((p) => p.startsWith('-')) ? ' --' : '';
  return `git ${verb}${dashDash} ${specs.map(shellQuote).join(' ')}`;
}

/** A path as a git pathspec word: `:(literal)` when git would read glob magic in it, then quoted. */
export function pathspecWord(path: string): string {
  return shellQuote(literalPathspec(path));
}

/** An Alembic command as a person runs it for this environment: from its folder, with its options. */
export function alembicCommand(runner: AlembicRunner | undefined, subcommand: string, args: string[]): string {
  const { cwd, command, options } = runner ?? { cwd: '', command: ['alembic'], options: [] };
  const words = [...command.map(shellQuote), subcommand, ...options.map(shellQuote), ...args.map(shellQuote)].join(' ');
  return cwd ? `cd ${shellPath(cwd)} && ${words}` : words;
}

/** Undo shellQuote (and plain backslash escapes): enough to read back what install wrote. */
export function shellUnquote(word: string): string {
  let out = '';
  for (let i = 0; i < word.length;) {
    if (word[i] === "'") {
      const end = word.indexOf("'", i + 1);
      if (end < 0) return out + word.slice(i + 1);
      out += word.slice(i + 1, end);
      i = end + 1;
    } else if (word[i] === '\\' && i + 1 < word.length) {
      out += word[i + 1];
      i += 2;
    } else {
      out += word[i];
      i += 1;
    }
  }
  return out;
}
