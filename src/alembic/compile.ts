/**
 * Whether Python can compile a revision script (or env.py), asked of Python itself. The static
 * parser reads the four fields Alembic needs, but Python refuses far more than a reader of four
 * fields can know (a conflict marker left by a merge, `print "x"`, tabs mixed with spaces,
 * `return` outside a function, a duplicate argument, a NUL byte, nesting beyond the parser's
 * limit), and any of them stops `alembic upgrade` for everyone. So each script goes through
 * CPython's `compile()`: compile only, with `-I -S` (no site, no user paths, no environment),
 * never an import or an exec, so nothing of the project runs. One Python process for all the
 * files of a run, and each verdict is kept (cache.ts) under the Python that gave it: a commit
 * that touches no migration asks nothing, and another interpreter is asked afresh.
 *
 * The Python is the project's own where there is one: ALEMBIC_GUARD_PYTHON, an active
 * VIRTUAL_ENV, a `.venv` or `venv` in an environment's folder or one above it up to the top of
 * the repository; else `python3` on PATH. Without any, the static parser's verdict stands, and
 * conflict markers are looked for here. Other files Alembic reads (alembic.ini, pyproject.toml)
 * are looked at for conflict markers only.
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { type BlobEntry, readBlobs } from '../git/objects.js';
import type { Repo } from '../git/repo.js';
import { CompileCache } from './cache.js';
import type { ParsedScript } from './script.js';

type ScriptError = NonNullable<ParsedScript['error']>;

/** Python's refusal: the exception's name, its message and the line (0 when Python gives none). */
type Refusal = [kind: string, message: string, line: number];

/** The interpreter that judges, and what names it in the verdict cache. */
export interface Python {
  command: string;
  /** Real path, size and modification time: another build of Python is another key. */
  id: string;
}

// Reads files framed as `<length>\n<bytes>` from stdin; writes one line per file: `-` when it
// compiles, else the refusal as `<exception name> <line> <message, UTF-8 in hex>` (no json
// module: importing it was a third of this Python's start). The first line is Python's version.
// Python 3 only (a Python 2 would refuse every f-string), so the version is checked before any
// verdict is used.
const SERVER = `
import sys
sys.stdout.write('%d.%d\\n' % sys.version_info[:2]); sys.stdout.flush()
if sys.version_info[0] < 3: sys.exit(0)
src_in, out = sys.stdin.buffer, sys.stdout
while True:
    head = src_in.readline()
    if not head: break
    data = src_in.read(int(head))
    try:
        compile(data, 'migration', 'exec', dont_inherit=True)
        res = '-'
    except SyntaxError as e:
        res = '%s %d %s' % (type(e).__name__, e.lineno or 0, str(e.msg).encode('utf-8', 'backslashreplace').hex())
    except (ValueError, RecursionError, MemoryError, OverflowError) as e:
        res = '%s 0 %s' % (type(e).__name__, str(e).encode('utf-8', 'backslashreplace').hex())
    out.write(res + '\\n')
out.flush()
`;

/** Kinds of parse error Python's verdict replaces or confirms (the others are not Python's to judge). */
const JUDGED: ReadonlySet<string | undefined> = new Set([undefined, 'syntax', 'conflict', 'header', 'not-static', 'not-a-migration']);

/**
 * The Python that judges files of these folders (repository-relative), the project's own first.
 * ALEMBIC_GUARD_PYTHON=0 (or off) turns Python's check off: null.
 */
export function choosePython(root: string, dirs: string[], env: NodeJS.ProcessEnv = process.env): Python | null {
  // Asked by each step of a check (the graph cache's key, the env files, a parse): one answer a
  // process for the same question, not ten stat and realpath calls each time.
  if (env !== process.env) return findPython(root, dirs, env);
  const key = `${root}\0${dirs.join('\0')}`;
  if (!CHOSEN.has(key)) CHOSEN.set(key, findPython(root, dirs, env));
  return CHOSEN.get(key)!;
}

const CHOSEN = new Map<string, Python | null>();

function findPython(root: string, dirs: string[], env: NodeJS.ProcessEnv): Python | null {
  const chosen = env.ALEMBIC_GUARD_PYTHON;
  if (chosen === '0' || chosen === 'off') return null;
  const candidates: string[] = [];
  if (chosen) candidates.push(chosen);
  else {
    if (env.VIRTUAL_ENV) candidates.push(join(env.VIRTUAL_ENV, 'bin', 'python'));
    const seen = new Set<string>();
    for (const dir of dirs) {
      for (let at = dir; ; at = dirname(at)) {
        const rel = at === '.' ? '' : at;
        if (!seen.has(rel)) {
          seen.add(rel);
          for (const venv of ['.venv', 'venv']) candidates.push(join(root, rel, venv, 'bin', 'python'));
        }
        if (rel === '') break;
      }
    }
    if (!seen.has('')) for (const venv of ['.venv', 'venv']) candidates.push(join(root, venv, 'bin', 'python'));
    candidates.push('python3');
  }
  for (const candidate of candidates) {
    let file = candidate.includes('/') ? candidate : onPath(candidate, env.PATH ?? '');
    // A pyenv shim is a bash script that starts pyenv to find the interpreter: ~0.3 s a run.
    // The interpreter it would pick is found here instead, as pyenv finds it (pyenv's version
    // order); 'system' (or anything not found) goes on to the next candidate.
    if (file && isPyenvShim(file)) file = pyenvInterpreter(file, root, env);
    const found = file ? identify(file) : null;
    if (found) return { command: file!, id: found };
  }
  return null;
}

function isPyenvShim(file: string): boolean {
  return /\/shims\/python[\d.]*$/.test(file) && file.includes('pyenv');
}

/** The interpreter behind a pyenv shim: PYENV_VERSION, a .python-version up from the top, then the global version file. */
function pyenvInterpreter(shim: string, root: string, env: NodeJS.ProcessEnv): string | null {
  const pyenvRoot = env.PYENV_ROOT || dirname(dirname(shim));
  let version = env.PYENV_VERSION?.split(':')[0]?.trim();
  for (let dir = root; !version; dir = dirname(dir)) {
    version = firstLine(join(dir, '.python-version'));
    if (dirname(dir) === dir) break;
  }
  version ||= firstLine(join(pyenvRoot, 'version')) ?? 'system';
  if (!version || version === 'system') return null;
  const file = join(pyenvRoot, 'versions', version, 'bin', shim.slice(shim.lastIndexOf('/') + 1));
  return identify(file) ? file : null;
}

function firstLine(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').split(/\s+/).find(Boolean);
  } catch {
    return undefined;
  }
}

function onPath(name: string, path: string): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    if (identify(file)) return file;
  }
  return null;
}

function identify(file: string): string | null {
  try {
    const real = realpathSync(file);
    const st = statSync(real);
    return st.isFile() ? `${real}:${st.size}:${Math.trunc(st.mtimeMs)}` : null;
  } catch {
    return null;
  }
}

export interface Judged {
  entry: BlobEntry;
  script: ParsedScript;
  /** The bytes, when the caller has them; else they are read from the objects (only for files not judged before). */
  content?: Buffer;
}

/**
 * Folds Python's verdict into each script's error, from the cache or from one Python process
 * for the files not judged before by this Python.
 */
/**
 * `store`: the environment files' verdicts are kept in a small file of their own, which every
 * commit reads; the migrations' (thousands) only when a graph is rebuilt.
 */
export async function judge(repo: Repo, python: Python | null, files: Judged[], store?: string): Promise<void> {
  if (files.length === 0) return;
  const cache = new CompileCache(repo.commonDir, store);
  // The interpreter by a digest of its id (path, size, time): the id itself, in each of 10,000
  // keys, was a third of the file every graph rebuild reads.
  const interpreter = python ? createHash('sha1').update(python.id).digest('hex').slice(0, 16) : 'static';
  const keyOf = (f: Judged) =>
    `${f.entry.path.endsWith('.py') ? interpreter : 'markers'}\0${f.entry.oid}\0${f.script.path.slice(f.script.path.lastIndexOf('/') + 1)}\0${f.script.error?.kind ?? ''}`;
  const misses: (Judged & { key: string })[] = [];
  for (const f of files) {
    if (f.script.error !== undefined && !JUDGED.has(f.script.error.kind)) continue;
    const key = keyOf(f);
    const known = cache.get(key);
    if (known === undefined) misses.push({ ...f, key });
    else if (known !== null) f.script.error = known;
  }
  if (misses.length === 0) return;
  const unread = misses.filter((f) => f.content === undefined);
  const blobs =
    unread.length > 0
      ? await readBlobs(
          repo,
          unread.map((f) => f.entry.oid),
        )
      : new Map<string, Buffer>();
  const ready = misses.flatMap((f) => {
    const content = f.content ?? blobs.get(f.entry.oid);
    return content ? [{ ...f, content }] : [];
  });
  const python3 = ready.filter((f) => f.entry.path.endsWith('.py'));
  const verdicts =
    python && python3.length > 0
      ? await compileSplit(
          python.command,
          python3.map((f) => f.content),
        )
      : null;
  for (const f of ready) {
    const i = python3.indexOf(f);
    const refusal = i >= 0 && verdicts ? verdicts.refusals[i]! : undefined;
    const before = f.script.error;
    applyVerdict(f.script, f.content, refusal, verdicts?.version);
    // A Python that did not answer is asked again next time; the answer of none is kept.
    if (!(python && i >= 0 && verdicts === null)) cache.set(f.key, f.script.error === before ? null : (f.script.error ?? null));
  }
  cache.save();
}

function applyVerdict(script: ParsedScript, content: Buffer, refusal: Refusal | null | undefined, version: string | undefined): void {
  const marker = conflictMarker(content);
  if (refusal === undefined) {
    // No Python (or not a Python file): git's conflict markers are plain to see.
    if (marker !== null) script.error = conflictError(marker);
    return;
  }
  if (refusal === null) {
    if (script.error?.kind === 'syntax') {
      const error: ScriptError = {
        kind: 'unreadable',
        message: `Python ${version} compiles it, but alembic-guard's reader cannot follow it (${script.error.message}); please report this file's shape to alembic-guard`,
      };
      if (script.error.line !== undefined) error.line = script.error.line;
      script.error = error;
    }
    return;
  }
  const [kind, message, line] = refusal;
  if (marker !== null) {
    script.error = conflictError(marker);
    return;
  }
  script.error = { kind: 'syntax', message: `${kind}: ${message} (Python ${version}'s compile())` };
  if (line > 0) script.error.line = line;
}

function conflictError(line: number): ScriptError {
  return { kind: 'conflict', line, message: "unresolved merge conflict: git's conflict markers (<<<<<<<, =======, >>>>>>>) are still in the file" };
}

/**
 * The line of the first `<<<<<<< ` that a `>>>>>>> ` follows, each at the start of a line, as
 * git writes them into a conflicted file; null when there is none.
 */
export function conflictMarker(content: Buffer): number | null {
  if (content.indexOf('<<<<<<<') < 0) return null;
  const text = content.toString('latin1');
  const open = /^<<<<<<<(?: |$)/m.exec(text);
  if (open === null) return null;
  if (!/^>>>>>>>(?: |$)/m.test(text.slice(open.index))) return null;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < open.index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

const TIMEOUT_MS = 60_000;

/** The version of a Python, or null when it does not run as Python 3 (doctor). */
export async function pythonVersion(python: Python): Promise<string | null> {
  return (await compileWith(python.command, []))?.version ?? null;
}

/** Past this many files (a fresh clone's first run, CI), they are shared among one Python per CPU. */
const SPLIT_FROM = 256;

/** compileWith over one process per CPU for many files (each Python compiles on one core). */
async function compileSplit(python: string, contents: Buffer[]): Promise<{ version: string; refusals: (Refusal | null)[] } | null> {
  // node:os is loaded only here: loading it costs every commit more than this whole check of cached answers.
  const parts = contents.length < SPLIT_FROM ? 1 : Math.max(1, Math.min(cpuCount(), 4));
  if (parts === 1) return compileWith(python, contents);
  const size = Math.ceil(contents.length / parts);
  const results = await Promise.all(Array.from({ length: parts }, (_, i) => compileWith(python, contents.slice(i * size, (i + 1) * size))));
  if (results.some((r) => r === null)) return null;
  return { version: results[0]!.version, refusals: results.flatMap((r) => r!.refusals) };
}

/** Python's verdict on each of `contents`, in order; null when it does not run (or is not Python 3). */
function compileWith(python: string, contents: Buffer[]): Promise<{ version: string; refusals: (Refusal | null)[] } | null> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(python, ['-I', '-S', '-W', 'ignore', '-c', SERVER], { stdio: ['pipe', 'pipe', 'ignore'] });
    } catch {
      resolve(null);
      return;
    }
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', () => undefined); // ENOENT: close follows with no output
    child.stdin.on('error', () => undefined); // a Python that exits early (version 2)
    child.on('close', () => {
      clearTimeout(timer);
      const lines = Buffer.concat(chunks).toString('utf8').split('\n');
      const version = lines[0] ?? '';
      if (!/^3\.\d+$/.test(version) || lines.length < contents.length + 1) {
        resolve(null);
        return;
      }
      try {
        resolve({ version, refusals: lines.slice(1, contents.length + 1).map(readRefusal) });
      } catch {
        resolve(null);
      }
    });
    for (const content of contents) {
      child.stdin.write(`${content.length}\n`);
      child.stdin.write(content);
    }
    child.stdin.end();
  });
}

/** One of SERVER's lines: `-`, or `<name> <line> <message in hex>` (anything else throws). */
function readRefusal(line: string): Refusal | null {
  if (line === '-') return null;
  const match = /^(\w+) (\d+) ((?:[0-9a-f]{2})*)$/.exec(line);
  if (!match) throw new Error(`unexpected line from Python: ${line.slice(0, 80)}`);
  return [match[1]!, Buffer.from(match[3]!, 'hex').toString('utf8'), Number(match[2])];
}

function cpuCount(): number {
  return (createRequire(import.meta.url)('node:os') as typeof import('node:os')).availableParallelism();
}
