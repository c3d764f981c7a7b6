/**
 * Whether Python can compile a revision script, asked of Python itself. The static parser reads
 * the four fields Alembic needs, but Python refuses far more than a reader of four fields can
 * know (a conflict marker left by a merge, `print "x"`, tabs mixed with spaces, `return` outside
 * a function, a duplicate argument, a NUL byte, nesting beyond the parser's limit), and any of
 * them stops `alembic upgrade` for everyone. So every script parsed afresh (a parse cache miss:
 * a commit that touches no migration asks nothing) goes through CPython's `compile()`: compile
 * only, with `-I -S` (no site, no user paths, no environment), never an import or an exec, so
 * nothing of the project runs. One Python process for all the files of a run.
 *
 * The Python is the project's own where there is one (ALEMBIC_GUARD_PYTHON, an active
 * VIRTUAL_ENV, `.venv`/`venv` at the top of the repository), else `python3` on PATH. Without
 * any, the static parser's verdict stands, and conflict markers are looked for here.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedScript } from './script.js';

export interface ToCompile {
  script: ParsedScript;
  content: Buffer;
}

/** Python's refusal: the exception's name, its message and the line (0 when Python gives none). */
type Refusal = [kind: string, message: string, line: number];

// Reads files framed as `<length>\n<bytes>` from stdin; writes one JSON line per file: null when
// it compiles, else the refusal. The first line is Python's version. Python 3 only (a Python 2
// would refuse every f-string), so the version is checked before anything is sent.
const SERVER = `
import sys, json
sys.stdout.write('%d.%d\\n' % sys.version_info[:2]); sys.stdout.flush()
if sys.version_info[0] < 3: sys.exit(0)
src_in, out = sys.stdin.buffer, sys.stdout
while True:
    head = src_in.readline()
    if not head: break
    data = src_in.read(int(head))
    try:
        compile(data, 'migration', 'exec', dont_inherit=True)
        res = None
    except SyntaxError as e:
        res = [type(e).__name__, str(e.msg), e.lineno or 0]
    except (ValueError, RecursionError, MemoryError, OverflowError) as e:
        res = [type(e).__name__, str(e), 0]
    out.write(json.dumps(res) + '\\n')
out.flush()
`;

/** Kinds of parse error Python's verdict replaces or confirms (the others are not Python's to judge). */
const JUDGED: ReadonlySet<string | undefined> = new Set([undefined, 'syntax', 'conflict', 'header', 'not-static', 'not-a-migration']);

/** Asks Python about every script it can judge, and folds its verdict into each one's error. */
export async function judgeCompiles(root: string, files: ToCompile[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const judged = files.filter((f) => f.script.error === undefined || JUDGED.has(f.script.error.kind));
  if (judged.length === 0) return;
  const verdicts = await compileAll(pythonCandidates(root, env), judged.map((f) => f.content));
  for (let i = 0; i < judged.length; i++) {
    const { script, content } = judged[i]!;
    applyVerdict(script, content, verdicts === null ? undefined : verdicts.refusals[i]!, verdicts?.version);
  }
}

function applyVerdict(script: ParsedScript, content: Buffer, refusal: Refusal | null | undefined, version: string | undefined): void {
  const marker = conflictMarker(content);
  if (refusal === undefined) {
    // No Python: the parser's verdict stands, and git's conflict markers are plain to see.
    if (marker !== null) script.error = conflictError(marker);
    return;
  }
  if (refusal === null) {
    if (script.error?.kind === 'syntax') {
      const error: NonNullable<ParsedScript['error']> = {
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

function conflictError(line: number): NonNullable<ParsedScript['error']> {
  return { kind: 'conflict', line, message: 'unresolved merge conflict: git\'s conflict markers (<<<<<<<, =======, >>>>>>>) are still in the file' };
}

/**
 * The line of the first `<<<<<<< ` that a `>>>>>>> ` follows, each at the start of a line, as
 * git writes them into a conflicted file; null when there is none.
 */
export function conflictMarker(content: Buffer): number | null {
  const start = content.indexOf('<<<<<<<');
  if (start < 0) return null;
  const text = content.toString('latin1');
  const open = /^<<<<<<<(?: |$)/m.exec(text);
  if (open === null) return null;
  if (!/^>>>>>>>(?: |$)/m.test(text.slice(open.index))) return null;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < open.index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The Pythons to try, the project's own first. ALEMBIC_GUARD_PYTHON=0 turns the check off. */
export function pythonCandidates(root: string, env: NodeJS.ProcessEnv): string[] {
  const chosen = env.ALEMBIC_GUARD_PYTHON;
  if (chosen !== undefined && chosen !== '') return chosen === '0' || chosen === 'off' ? [] : [chosen];
  const venvs = [env.VIRTUAL_ENV, join(root, '.venv'), join(root, 'venv')].filter((dir): dir is string => !!dir);
  const own = venvs.map((dir) => join(dir, 'bin', 'python')).filter(isFile);
  return [...own, 'python3'];
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const TIMEOUT_MS = 60_000;

/** The verdicts of the first candidate that runs, in the order of `contents`; null when none does. */
async function compileAll(candidates: string[], contents: Buffer[]): Promise<{ version: string; refusals: (Refusal | null)[] } | null> {
  for (const python of candidates) {
    const result = await compileWith(python, contents);
    if (result !== null) return result;
  }
  return null;
}

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
        resolve({ version, refusals: lines.slice(1, contents.length + 1).map((line) => JSON.parse(line) as Refusal | null) });
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
