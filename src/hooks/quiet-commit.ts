/**
 * The quiet commit: a pre-commit hook that starts no node while nothing the last passing check
 * looked at has changed. Node's start alone costs more than the rest of the hook, and most
 * commits touch no migration.
 *
 * A check that passes with nothing to say writes a note (`<git dir>/alembic-guard/quiet-commit`):
 * the CLI's stamp, what it read from the working tree (each file's blob id, each path it found
 * absent, a file or a folder), and the hashes of two things git says: `git ls-files -s -v` of the
 * versions directories and of every alembic.ini, pyproject.toml and env.py in the index, and the
 * `git status` of every watched path. The hook's sh (hooks/quiet-commit.sh in the package,
 * sourced by the hook) asks git the same two things and the files' blob ids, and compares:
 * equal, it prints the pass line and the commit goes on; anything else, and node runs the whole
 * check, as before.
 *
 * Nothing is taken on trust that the hashes do not cover: they are of the bytes the check
 * judged (its own index entries and status output, the bytes it read), not of a second look; the
 * top-level folders are looked into again as discovery looks (a new one moves the top folder's
 * mtime, which the note's mtime, set a second before the check began, must not be older than);
 * any variable that changes the check (ALEMBIC_GUARD_*, CI) sends the hook to node; a new CLI
 * (another stamp) too. A check that blocks removes the note.
 */
import { readFileSync, renameSync, unlinkSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hasRawBytes } from '../git/bytes.js';
import type { IndexEntry, IndexListing } from '../git/index-file.js';
import type { Repo } from '../git/repo.js';
import type { StatusListing } from '../git/status.js';
import { blobId, worktreeReads } from '../worktree-reads.js';

/** Where the note is, under the worktree's git dir (`git rev-parse --git-path` names it so). */
export const QUIET_NOTE = 'alembic-guard/quiet-commit';
export const QUIET_HEADER = 'alembic-guard quiet-commit 1';
/** Set by the pre-commit hook when it runs node: write the note (hooks/hook, the husky block). */
export const NOTE_ASKED = 'ALEMBIC_GUARD_NOTE';
/** The variables that change what check says: with any of them set, the hook runs node. */
export const CHANGING_VARIABLES = ['ALEMBIC_GUARD_SKIP', 'ALEMBIC_GUARD_CACHE', 'ALEMBIC_GUARD_PYTHON', 'CI', 'GITHUB_ACTIONS'];
/** The names discovery asks the index for at any depth, as git pathspecs. */
// `*/name` (a `*` of git's default pathspecs matches `/` too) and `name`: what `:(glob)**/name`
// matches, a third cheaper for git than its glob matching (100,000 entries: 65 against 95 ms).
const NAME_PATHSPECS = (names: string[]) => names.flatMap((name) => [`*/${name}`, name]);

export interface QuietCheck {
  repo: Repo;
  /** The index listing discovery and check judged: every stage, the versions directories and the named files. */
  listing: IndexListing;
  /** The versions directories it covers, and the file names. */
  dirs: string[];
  names: string[];
  status: StatusListing;
  /** Nothing to say: no finding shown. */
  clean: boolean;
  /** The line the pass prints (without colour). */
  say: string;
}

/**
 * After a check: writes the note when the check passed with nothing to say and everything it
 * judged can be looked at again by the hook's sh; otherwise removes any note. Never fails the check.
 */
export function keepQuietNote(check: QuietCheck): void {
  // Only for the pre-commit hook, which asks (a check by hand or in CI has no use for the note,
  // and the listing's hash costs a 5,000-migration check several milliseconds); and a check under
  // other settings says nothing of what the hook, without them, may skip.
  if (process.env[NOTE_ASKED] !== '1' || CHANGING_VARIABLES.some((name) => process.env[name])) return;
  const file = join(check.repo.gitDir, QUIET_NOTE);
  try {
    const note = check.clean ? quietNote(check) : null;
    if (note === null) {
      unlinkSync(file);
      return;
    }
    mkdirSync(join(check.repo.gitDir, 'alembic-guard'), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, note.text, { mode: 0o600 });
    // A second before this process began: a top folder changed from then on is newer than the
    // note even where the shell's -nt compares whole seconds.
    utimesSync(temp, note.mtime, note.mtime);
    renameSync(temp, file);
  } catch {
    // no note (absent already, or a folder that cannot be written): the hook runs node
  }
}

function quietNote(check: QuietCheck): { text: string; mtime: number } | null {
  const reads = worktreeReads();
  if (reads.opaque !== null || reads.root !== check.repo.root || reads.sweep === null) return null;
  const mtime = Math.floor(performance.timeOrigin / 1000) - 1;
  if (reads.sweep.rootMtimeNs > BigInt(mtime) * 1_000_000_000n) return null;
  // Only what is settled: ignored files (a local alembic.ini) and changes staged whole.
  if (!check.status.entries.every((e) => e.kind === 'ignored' || (e.kind === 'changed' && e.y === '.' && e.indexMode !== '160000'))) return null;
  const entries = union(check.listing.inDirs, check.listing.named);
  if (entries.length === 0 || entries.some((e) => e.hidden !== undefined || e.mode === '160000' || !plain(e.path))) return null;
  const algorithm = entries[0]!.oid.length === 64 ? 'sha256' : 'sha1';
  const stamp = ownStamp();
  const pathspecs = [...check.dirs.map((dir) => `:(literal)${dir}`), ...NAME_PATHSPECS(check.names)];
  if (stamp === null || !pathspecs.every(plain) || !check.status.pathspecs.every(plain)) return null;

  const lines = [QUIET_HEADER, `stamp ${stamp}`, `say ${check.say}`];
  for (const [path, seen] of reads.seen) {
    if (seen.kind === 'file') lines.push(`file ${blobId(seen.bytes, algorithm)} ${path}`);
    else lines.push(`${seen.kind === 'is-file' ? 'isfile' : seen.kind} ${path}`);
  }
  if (reads.sweep.swept) lines.push('sweep', ...reads.sweep.found.map((path) => `known ${path}`));
  lines.push(...pathspecs.map((spec) => `ls ${spec}`), ...check.status.pathspecs.map((spec) => `st ${spec}`));
  const listed = Buffer.from(entries.map((e) => `${e.stage === '0' ? 'H' : 'M'} ${e.mode} ${e.oid} ${e.stage}\t${e.path}\0`).join(''), 'utf8');
  // Each as the shell hashes git's output: the bytes, then `ok` when git succeeded.
  const hash = (bytes: Buffer) => blobId(Buffer.concat([bytes, Buffer.from('ok')]), algorithm);
  lines.push(`hash-listed ${hash(listed)}`, `hash-status ${hash(check.status.raw)}`);
  return { text: `${lines.join('\n')}\n`, mtime };
}

/** A path or pathspec the note can hold on one line and git reads back as the same bytes. */
function plain(path: string): boolean {
  return !path.includes('\n') && !hasRawBytes(path);
}

/** The entries of both lists once each, in index order (by the bytes of the path, then stage). */
function union(inDirs: IndexEntry[], named: IndexEntry[]): IndexEntry[] {
  const key = (e: IndexEntry) => `${e.path}\0${e.stage}`;
  const seen = new Set(inDirs.map(key));
  const extra = named.filter((e) => !seen.has(key(e)));
  if (extra.length === 0) return inDirs;
  return [...inDirs, ...extra].sort((a, b) => byCodePoint(a.path, b.path) || Number(a.stage) - Number(b.stage));
}

/** UTF-8 byte order, which is code point order (UTF-16 order differs above U+D7FF). */
function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i += 1;
  }
  return a.length - b.length;
}

/** The stamp of the CLI running (dist/stamp, which the build writes beside the bundle), or null. */
function ownStamp(): string | null {
  try {
    return readFileSync(new URL('stamp', import.meta.url), 'utf8').trim() || null;
  } catch {
    return null;
  }
}
