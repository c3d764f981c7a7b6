import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Hidden, type IndexListing, type IndexQuery, readIndex } from './index-file.js';
import type { Repo } from './repo.js';
import { GitCommandError, git, gitRaw, splitZ } from './run.js';
import { literal } from './status.js';

/** A file as a source (index or commit) records it: its path, mode and blob id. */
export interface BlobEntry {
  path: string;
  mode: string;
  oid: string;
  /** The working tree of the repository whose objects hold the blob: a submodule's (else ours). */
  objects?: string;
  /** In the index: flagged assume-unchanged or skip-worktree, so `git status` skips its working copy. */
  hidden?: Hidden;
}

/** Entries of the index in use under the given directories (`git ls-files -s`). */
export async function indexEntries(repo: Repo, dirs: string[], indexFile?: string): Promise<BlobEntry[]> {
  if (dirs.length === 0) return [];
  // Conflicted entries (stages 1–3) are left to status.
  return (await indexListing(repo, { dirs, names: [] }, indexFile)).inDirs.filter((e) => e.stage === '0');
}

/**
 * The entries of an index (the one in use unless named) at or under `dirs`, and those named one
 * of `names`, conflict stages included: read from the index file, or from `git ls-files` when
 * the file is in a form the reader leaves to git (a split or sparse index, SHA-256).
 */
export async function indexListing(repo: Repo, query: IndexQuery, indexFile?: string): Promise<IndexListing> {
  const read = readIndex(indexFile ?? repo.indexFile, query);
  if (read) return read;
  const all = await allStages(repo, [...query.names.map((name) => `*${name}`), ...query.dirs.map(literal)], indexFile);
  return {
    inDirs: all.filter((e) => query.dirs.some((dir) => e.path === dir || e.path.startsWith(`${dir}/`))),
    named: all.filter((e) => query.names.some((name) => e.path === name || e.path.endsWith(`/${name}`))),
  };
}

/** Every entry of the index in use matching pathspecs, conflict stages 1–3 included. */
export async function allStages(repo: Repo, pathspecs: string[], indexFile?: string): Promise<(BlobEntry & { stage: string })[]> {
  const out = await git(['ls-files', '-z', '--stage', '-v', '--', ...pathspecs], {
    cwd: repo.root,
    env: indexFile ? { GIT_INDEX_FILE: indexFile } : undefined,
  });
  const entries: (BlobEntry & { stage: string })[] = [];
  for (const tagged of splitZ(out)) {
    // <tag> SP <mode> SP <object> SP <stage> TAB <path>; tag h: assume-unchanged, S or s: skip-worktree
    const tag = tagged[0]!;
    const record = tagged.slice(2);
    const tab = record.indexOf('\t');
    const a = record.indexOf(' ');
    const b = record.indexOf(' ', a + 1);
    const entry: BlobEntry & { stage: string } = {
      path: record.slice(tab + 1),
      mode: record.slice(0, a),
      oid: record.slice(a + 1, b),
      stage: record.slice(b + 1, tab),
    };
    if (tag === 'S' || tag === 's') entry.hidden = 'skip-worktree';
    else if (tag !== tag.toUpperCase()) entry.hidden = 'assume-unchanged';
    entries.push(entry);
  }
  return entries;
}

/**
 * Blob entries of a commit's tree under the given directories (`git ls-tree -r`), and its
 * submodules there (mode 160000, the recorded commit as oid).
 */
export async function treeEntries(repo: Repo, commit: string, dirs: string[], recursive = true): Promise<BlobEntry[]> {
  if (dirs.length === 0) return [];
  const out = await git(['ls-tree', ...(recursive ? ['-r'] : []), '-z', '--full-tree', commit, '--', ...dirs.map(literal)], {
    cwd: repo.root,
  });
  const entries: BlobEntry[] = [];
  for (const record of splitZ(out)) {
    // <mode> SP <type> SP <object> TAB <path>
    const tab = record.indexOf('\t');
    const [mode, type, oid] = record.slice(0, tab).split(' ');
    if (type === 'blob' || type === 'commit') entries.push({ path: record.slice(tab + 1), mode, oid });
  }
  return entries;
}

/**
 * What a submodule's recorded commit holds under `rel` paths (inside the submodule), read from
 * the submodule's own objects: null when it is not checked out here, or lacks that commit.
 */
export async function submoduleEntries(repo: Repo, gitlink: BlobEntry, rels: string[]): Promise<BlobEntry[] | 'not-checked-out' | 'objects-missing'> {
  const cwd = join(repo.root, gitlink.path);
  if (!existsSync(join(cwd, '.git'))) return 'not-checked-out';
  const has = await gitRaw(['cat-file', '-e', `${gitlink.oid}^{commit}`], { cwd, okCodes: [1, 128] }).catch(() => ({ code: 128 }));
  if (has.code !== 0) return 'objects-missing';
  const whole = rels.length === 0 || rels.includes('');
  const out = await git(['ls-tree', '-r', '-z', '--full-tree', gitlink.oid, ...(whole ? [] : ['--', ...rels.map(literal)])], { cwd });
  const entries: BlobEntry[] = [];
  for (const record of splitZ(out)) {
    const tab = record.indexOf('\t');
    const [mode, type, oid] = record.slice(0, tab).split(' ');
    // A submodule of the submodule is not followed (its gitlink stays, and is not a script).
    if (type === 'blob') entries.push({ path: `${gitlink.path}/${record.slice(tab + 1)}`, mode, oid, objects: cwd });
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
  for (const object of await catFile(repo, unique)) if (object) blobs.set(object.oid, object.content);
  return blobs;
}

/**
 * Objects a partial clone does not hold are never fetched (run.ts): each is reported missing,
 * and counted in NOT_IN_CLONE so that a command can say "not in this clone". The names are
 * resolved through trees (which a blobless clone has), and only objects present here are read.
 */
async function catPresent(repo: Repo, names: string[]): Promise<({ oid: string; content: Buffer } | null)[]> {
  const present = new Set((await git(['cat-file', '--batch-check=%(objectname)', '--batch-all-objects'], { cwd: repo.root })).toString('latin1').split('\n'));
  const resolved = await Promise.all(
    names.map(async (name) => {
      if (/^[0-9a-f]{40,64}$/.test(name)) return name;
      const r = await gitRaw(['rev-parse', '--verify', '-q', '--end-of-options', name], { cwd: repo.root, okCodes: [1, 128] });
      return r.code === 0 ? r.stdout.toString('latin1').trim() : null;
    }),
  );
  const here = names.filter((_, i) => resolved[i] !== null && present.has(resolved[i]!));
  for (let i = 0; i < names.length; i++) if (resolved[i] !== null && !present.has(resolved[i]!)) NOT_IN_CLONE.add(resolved[i]!);
  const read = here.length > 0 ? await catFile(repo, here) : [];
  const byName = new Map(here.map((name, i) => [name, read[i] ?? null]));
  return names.map((name) => byName.get(name) ?? null);
}

/** Blob ids this process needed and a partial clone does not hold (never fetched). */
export const NOT_IN_CLONE = new Set<string>();

/**
 * Objects by any name git accepts (`<oid>`, `HEAD:path`, `stash@{0}^3:path`), in the order asked,
 * from one `git cat-file --batch`: null where git answers `<name> missing`.
 */
export async function catFile(repo: Repo, names: string[]): Promise<({ oid: string; content: Buffer } | null)[]> {
  if (names.length === 0) return [];
  let out: Buffer;
  try {
    out = await git(['cat-file', '--batch'], { cwd: repo.root, input: names.join('\n') + '\n' });
  } catch (error) {
    if (!(error instanceof GitCommandError) || !error.notInClone) throw error;
    return catPresent(repo, names);
  }
  const objects: ({ oid: string; content: Buffer } | null)[] = [];
  let at = 0;
  while (at < out.length && objects.length < names.length) {
    const eol = out.indexOf(0x0a, at);
    if (eol < 0) break;
    const header = out.subarray(at, eol).toString('utf8');
    at = eol + 1;
    // `<name> missing` or `<name> ambiguous`: the name may hold spaces, the answer is the last word.
    const fields = header.split(' ');
    const size = Number(fields[fields.length - 1]);
    if (fields.length !== 3 || !Number.isInteger(size) || !/^[0-9a-f]{40,64}$/.test(fields[0])) {
      objects.push(null);
      continue;
    }
    objects.push({ oid: fields[0], content: out.subarray(at, at + size) });
    at += size + 1;
  }
  return objects;
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

/** The commits of `range` whose message has the trailer `key`, newest first, with its value. */
export async function commitTrailers(repo: Repo, range: string, key: string): Promise<{ commit: string; subject: string; value: string }[]> {
  const out = await git(['log', '-z', `--format=%H%x1f%s%x1f%(trailers:key=${key},valueonly,separator=%x20)`, range, '--'], { cwd: repo.root });
  return splitZ(out).flatMap((record) => {
    const [commit = '', subject = '', value = ''] = record.split('\x1f');
    return value.trim() ? [{ commit: commit.trim(), subject, value: value.trim() }] : [];
  });
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
  return (await objectIds(repo, [`${oid}^{commit}`])).get(`${oid}^{commit}`) ?? null;
}

/**
 * The object id each name resolves to (`<rev>^{commit}`, `<commit>:<dir>`, …), or null where it
 * names nothing: one `git cat-file --batch-check` for all of them, however many refs a push has.
 */
export async function objectIds(repo: Repo, names: string[]): Promise<Map<string, string | null>> {
  const unique = [...new Set(names)];
  const ids = new Map<string, string | null>();
  if (unique.length === 0) return ids;
  // -z: names are NUL-terminated (a path may hold a newline); answers stay one per line, in order.
  // %(objectname) alone: a missing name is echoed back as "<name> missing".
  const out = await git(['cat-file', '-z', '--batch-check=%(objectname) %(objecttype)'], { cwd: repo.root, input: unique.join('\0') + '\0' });
  const lines = out.toString('utf8').split('\n');
  unique.forEach((name, i) => {
    const line = lines[i] ?? '';
    ids.set(name, line.endsWith(' missing') || line.endsWith(' ambiguous') || !/^[0-9a-f]{40,64} /.test(line) ? null : line.slice(0, line.indexOf(' ')));
  });
  return ids;
}

export interface PushedCommit {
  commit: string;
  changes: NameStatus[];
}

/**
 * The commits reachable from `tips` and from none of `exclude` (object ids) or `notArgs` (rev-list
 * arguments such as `--remotes=origin`) that change a file under `dirs`, each with its changes
 * against its first parent: one `git log` for every pushed ref at once. History simplification
 * keeps only commits that touch the directories (git-log(1), "History Simplification").
 */
export async function commitsChanging(repo: Repo, tips: string[], exclude: string[], notArgs: string[], dirs: string[]): Promise<PushedCommit[]> {
  if (tips.length === 0 || dirs.length === 0) return [];
  // The object ids go in on stdin (a push may name thousands); git 2.39 reads no options there,
  // and reads stdin's lines without the command line's --not.
  const out = await git(
    ['log', '-z', '--format=%x01%H', '--name-status', '--no-renames', '--diff-merges=first-parent', '--stdin', '--not', ...notArgs, '--', ...dirs.map(literal)],
    { cwd: repo.root, input: [...tips, ...exclude.map((oid) => `^${oid}`)].join('\n') + '\n' },
  );
  const commits: PushedCommit[] = [];
  // Each commit: \x01<sha>, a blank line, then NUL-separated status letters and paths.
  for (const chunk of out.toString('utf8').split('\x01')) {
    if (chunk === '') continue;
    const sha = chunk.slice(0, chunk.search(/[\0\n]|$/));
    const rest = chunk.slice(sha.length).replace(/^[\n\0]+/, '');
    commits.push({ commit: sha, changes: parseNameStatus(Buffer.from(rest, 'utf8')) });
  }
  return commits;
}
