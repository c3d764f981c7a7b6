import type { Repo } from './repo.js';
import { hasRawBytes, encodePath, rawByteAt } from './bytes.js';
import { git, gitRaw, splitZ } from './run.js';

/** One entry of `git status --porcelain=v2 -z`, reduced to what the guard judges. */
export type StatusEntry =
  | { kind: 'untracked'; path: string }
  | { kind: 'ignored'; path: string }
  | { kind: 'unmerged'; path: string }
  /** Tracked and changed: x = index vs HEAD, y = worktree vs index ('.' = unchanged). */
  | { kind: 'changed'; path: string; x: string; y: string; indexMode: string; indexOid: string; origPath?: string };

/** Skip `n` space-separated fields; the rest of the record is the path (which may hold spaces). */
function fieldsAndPath(record: string, n: number): { fields: string[]; path: string } {
  let at = 0;
  for (let i = 0; i < n; i += 1) at = record.indexOf(' ', at) + 1;
  return { fields: record.slice(0, at - 1).split(' '), path: record.slice(at) };
}

export function parseStatusV2(records: string[]): StatusEntry[] {
  const entries: StatusEntry[] = [];
  for (let i = 0; i < records.length; i += 1) {
    const record = records[i];
    switch (record[0]) {
      case '1': {
        const { fields, path } = fieldsAndPath(record, 8);
        entries.push({ kind: 'changed', path, x: fields[1][0], y: fields[1][1], indexMode: fields[4], indexOid: fields[7] });
        break;
      }
      case '2': {
        const { fields, path } = fieldsAndPath(record, 9);
        const origPath = records[++i];
        entries.push({ kind: 'changed', path, x: fields[1][0], y: fields[1][1], indexMode: fields[4], indexOid: fields[7], origPath });
        break;
      }
      case 'u':
        entries.push({ kind: 'unmerged', path: fieldsAndPath(record, 10).path });
        break;
      case '?':
        entries.push({ kind: 'untracked', path: record.slice(2) });
        break;
      case '!':
        entries.push({ kind: 'ignored', path: record.slice(2) });
        break;
      default:
        break; // '#' headers
    }
  }
  return entries;
}

/**
 * How every status of watched paths asks (`--` and the paths follow): listing every untracked
 * file and every ignored file individually; rename detection off so that a renamed migration
 * shows as its two real paths. The quiet-commit note's shell asks git exactly so, with the
 * submodules ignored (hooks/quiet-commit.ts).
 */
export const STATUS_ARGS = [
  'status',
  '--porcelain=v2',
  '-z',
  '--untracked-files=all',
  '--ignored=traditional', // with --untracked-files=all: every file inside an ignored directory, one by one
  '--no-renames',
] as const;

/** A status and git's bytes for it. */
export interface StatusListing {
  entries: StatusEntry[];
  raw: Buffer;
  /** The pathspecs given after `--`. */
  pathspecs: string[];
}

/** Status of the given paths against the index in use (GIT_INDEX_FILE is inherited). */
export async function status(
  repo: Repo,
  pathspecs: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; submodules?: boolean } = {},
): Promise<StatusEntry[]> {
  return (await statusListing(repo, pathspecs, options)).entries;
}

/** status, with git's own output kept (the quiet-commit note hashes it). */
export async function statusListing(
  repo: Repo,
  paths: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; submodules?: boolean } = {},
): Promise<StatusListing> {
  if (paths.length === 0) return { entries: [], raw: Buffer.alloc(0), pathspecs: [] };
  const pathspecs = paths.map(literal);
  const raw = await git(
    [
      ...STATUS_ARGS,
      // Asking each submodule costs a status of its own: only for the submodules that hold
      // migrations (check passes their gitlinks with submodules: true).
      options.submodules ? '--ignore-submodules=none' : '--ignore-submodules=all',
      '--',
      ...pathspecs,
    ],
    { cwd: options.cwd ?? repo.root, env: options.env },
  );
  return { entries: parseStatusV2(splitZ(raw)), raw, pathspecs };
}

export interface IgnoreSource {
  source: string;
  line: number;
  pattern: string;
}

/** Which pattern in which file ignores each path, as `git check-ignore -v` reports it. */
export async function ignoreSources(repo: Repo, paths: string[], untrackedOnly = false): Promise<Map<string, IgnoreSource>> {
  const result = new Map<string, IgnoreSource>();
  if (paths.length === 0) return result;
  // --no-index: a path may be tracked and still match a pattern; we ask about the pattern.
  const args = ['check-ignore', '-v', '-z', ...(untrackedOnly ? [] : ['--no-index']), '--stdin'];
  const { stdout } = await gitRaw(args, {
    cwd: repo.root,
    input: Buffer.concat(paths.flatMap((p) => [encodePath(p), NUL])), // bytes: a path need not be UTF-8
    okCodes: [1],
    env: {},
  });
  const fields = splitZ(stdout);
  for (let i = 0; i + 3 < fields.length; i += 4) {
    const [source, line, pattern, path] = fields.slice(i, i + 4);
    if (source) result.set(path, { source, line: Number(line), pattern });
  }
  return result;
}

const NUL = Buffer.from([0]);

/**
 * A pathspec that means exactly this path (no glob magic from brackets or stars in names).
 * Node turns a byte that is not UTF-8 into U+FFFD in argv, so such a path goes as a glob in
 * which `?` stands for each of those bytes (git matches pathspecs byte by byte): it may match a
 * few more names, and callers keep only the paths under the exact directories they asked for.
 */
export function literal(path: string): string {
  if (!hasRawBytes(path)) return `:(literal)${path}`;
  let glob = '';
  for (let i = 0; i < path.length; i += 1) {
    const ch = path[i]!;
    glob += rawByteAt(path, i) !== null ? '?' : /[*?[\\]/.test(ch) ? `\\${ch}` : ch;
  }
  return `:(glob)${glob}`;
}
