import type { Repo } from './repo.js';
import { git, gitRaw, splitZ } from './run.js';
import { literal } from './status.js';

/** A file as a source (index or commit) records it: its path, mode and blob id. */
export interface BlobEntry {
  path: string;
  mode: string;
  oid: string;
}

/** Entries of the index in use under the given directories (`git ls-files -s`). */
export async function indexEntries(repo: Repo, dirs: string[], indexFile?: string): Promise<BlobEntry[]> {
  if (dirs.length === 0) return [];
  // Conflicted entries (stages 1–3) are left to status.
  return (await allStages(repo, dirs.map(literal), indexFile)).filter((e) => e.stage === '0');
}

/** Every entry of the index in use matching pathspecs, conflict stages 1–3 included. */
export async function allStages(repo: Repo, pathspecs: string[], indexFile?: string): Promise<(BlobEntry & { stage: string })[]> {
  const out = await git(['ls-files', '-z', '--stage', '--', ...pathspecs], {
    cwd: repo.root,
    env: indexFile ? { GIT_INDEX_FILE: indexFile } : undefined,
  });
  const entries: (BlobEntry & { stage: string })[] = [];
  for (const record of splitZ(out)) {
    // <mode> SP <object> SP <stage> TAB <path>
    const tab = record.indexOf('\t');
    const a = record.indexOf(' ');
    const b = record.indexOf(' ', a + 1);
    entries.push({ path: record.slice(tab + 1), mode: record.slice(0, a), oid: record.slice(a + 1, b), stage: record.slice(b + 1, tab) });
  }
  return entries;
}

/** Blob entries of a commit's tree under the given directories (`git ls-tree -r`). */
export async function treeEntries(repo: Repo, commit: string, dirs: string[]): Promise<BlobEntry[]> {
  if (dirs.length === 0) return [];
  const out = await git(['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...dirs.map(literal)], {
    cwd: repo.root,
  });
  const entries: BlobEntry[] = [];
  for (const record of splitZ(out)) {
    // <mode> SP <type> SP <object> TAB <path>
    const tab = record.indexOf('\t');
    const [mode, type, oid] = record.slice(0, tab).split(' ');
    if (type === 'blob') entries.push({ path: record.slice(tab + 1), mode, oid });
  }
  return entries;
}

/** Tree entries of several paths of a commit at once, for env files such as alembic.ini. */
export async function treeFiles(repo: Repo, commit: string, paths: string[]): Promise<Map<string, BlobEntry>> {
  const found = new Map<string, BlobEntry>();
  for (const entry of await treeEntries(repo, commit, paths)) found.set(entry.path, entry);
  return found;
}

/**
 * Read many blobs with one `git cat-file --batch` process: the object ids go in on stdin, and
 * each answer is `<oid> <type> <size>\n<bytes>\n` (or `<oid> missing\n`).
 */
export async function readBlobs(repo: Repo, oids: string[]): Promise<Map<string, Buffer>> {
  const blobs = new Map<string, Buffer>();
  const unique = [...new Set(oids)];
  if (unique.length === 0) return blobs;
  const out = await git(['cat-file', '--batch'], { cwd: repo.root, input: unique.join('\n') + '\n' });
  let at = 0;
  while (at < out.length) {
    const eol = out.indexOf(0x0a, at);
    if (eol < 0) break;
    const header = out.subarray(at, eol).toString('utf8').split(' ');
    at = eol + 1;
    if (header[1] === 'missing' || header.length < 3) continue;
    const size = Number(header[2]);
    blobs.set(header[0], out.subarray(at, at + size));
    at += size + 1;
  }
  return blobs;
}

/**
 * The staged content (stage 0 of the index in use) of a few files, by path: one
 * `git cat-file --batch` reading `:0:<path>` names. null where the index has no such blob.
 */
export function stagedBlobs(repo: Repo, paths: string[]): Promise<Map<string, Buffer | null>> {
  return blobsAt(repo, ':0:', paths);
}

/** A few files of a commit, by path, with one `git cat-file --batch` (`<commit>:<path>`). */
export function commitBlobs(repo: Repo, commit: string, paths: string[]): Promise<Map<string, Buffer | null>> {
  return blobsAt(repo, `${commit}:`, paths);
}

async function blobsAt(repo: Repo, prefix: string, paths: string[]): Promise<Map<string, Buffer | null>> {
  const result = new Map<string, Buffer | null>();
  const asked = paths.filter((p) => !p.includes('\n'));
  for (const p of paths) result.set(p, null);
  if (asked.length === 0) return result;
  const out = await git(['cat-file', '--batch'], { cwd: repo.root, input: asked.map((p) => `${prefix}${p}`).join('\n') + '\n' });
  let at = 0;
  for (const path of asked) {
    const eol = out.indexOf(0x0a, at);
    if (eol < 0) break;
    const header = out.subarray(at, eol).toString('utf8');
    at = eol + 1;
    // `<oid> <type> <size>`, or `<name> missing` / `<name> ambiguous`
    const match = /^[0-9a-f]+ blob (\d+)$/.exec(header);
    if (!match) {
      if (/^[0-9a-f]+ \w+ (\d+)$/.test(header)) at += Number(header.split(' ')[2]) + 1; // not a blob (a submodule)
      continue;
    }
    const size = Number(match[1]);
    result.set(path, out.subarray(at, at + size));
    at += size + 1;
  }
  return result;
}

/** Commits reachable from `tips` but not from `exclude` (for pre-push), oldest first. */
export async function revList(repo: Repo, tips: string[], exclude: string[]): Promise<string[]> {
  const args = ['rev-list', '--reverse', ...tips, ...exclude.map((oid) => `^${oid}`), '--'];
  return (await git(args, { cwd: repo.root })).toString('utf8').split('\n').filter(Boolean);
}

export interface NameStatus {
  status: string;
  path: string;
}

/** `--name-status -z --no-renames` output of diff-index / diff-tree: status letter, then path. */
function parseNameStatus(out: Buffer): NameStatus[] {
  const fields = splitZ(out);
  const result: NameStatus[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) result.push({ status: fields[i][0], path: fields[i + 1] });
  return result;
}

/** What the index in use has that `commit` does not (staged, not committed). */
export async function diffIndexCached(repo: Repo, commit: string, paths: string[]): Promise<NameStatus[]> {
  if (paths.length === 0) return [];
  const out = await git(['diff-index', '--cached', '-z', '--no-renames', '--name-status', commit, '--', ...paths.map(literal)], {
    cwd: repo.root,
  });
  return parseNameStatus(out);
}

/** Files that differ between two commits under the given directories. */
export async function diffTrees(repo: Repo, from: string, to: string, dirs: string[]): Promise<NameStatus[]> {
  if (dirs.length === 0) return [];
  const out = await git(['diff-tree', '-r', '-z', '--no-renames', '--name-status', from, to, '--', ...dirs.map(literal)], {
    cwd: repo.root,
  });
  return parseNameStatus(out);
}

/** Commits on the boundary of `tip --not <excluded>`: the newest commits the other side already has. */
export async function boundary(repo: Repo, tip: string, not: string[]): Promise<string[]> {
  const out = await git(['rev-list', '--boundary', tip, '--not', ...not, '--'], { cwd: repo.root });
  return out
    .toString('utf8')
    .split('\n')
    .filter((line) => line.startsWith('-'))
    .map((line) => line.slice(1));
}

/** The commit an object name peels to, or null (a tag on a tree or blob, an unknown object). */
export async function peelToCommit(repo: Repo, oid: string): Promise<string | null> {
  const result = await gitRaw(['rev-parse', '--verify', '-q', `${oid}^{commit}`], { cwd: repo.root, okCodes: [1, 128] });
  return result.code === 0 ? result.stdout.toString('utf8').trim() : null;
}
