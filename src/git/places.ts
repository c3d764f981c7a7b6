/**
 * Where else git keeps files: the other worktrees, the refs, the stash, and the history behind
 * them. `locate` asks these for candidates (git narrows by text or by tree difference; the
 * parser decides what a candidate defines). Every call here only reads: `git worktree list`,
 * `git stash list`, `for-each-ref`, `grep`, `diff-tree`, `log` and `rev-parse` never write refs,
 * the index or the stash.
 */
import { availableParallelism } from 'node:os';
import type { Repo } from './repo.js';
import { GitCommandError, git, gitRaw, splitZ } from './run.js';
import { literal } from './status.js';

/** One worktree of the repository, as `git worktree list --porcelain -z` describes it. */
export interface Worktree {
  /** Absolute path of its top level. */
  path: string;
  /** Its HEAD commit, or null (unborn branch, bare entry). */
  head: string | null;
  /** Its branch (refs/heads/…), or null when detached. */
  branch: string | null;
  bare: boolean;
}

export async function worktrees(repo: Repo): Promise<Worktree[]> {
  // -z (git 2.36) keeps any path exact; older git answers lines.
  const z = await gitRaw(['worktree', 'list', '--porcelain', '-z'], { cwd: repo.root, okCodes: [128, 129] });
  const fields = z.code === 0 ? splitZ(z.stdout) : (await git(['worktree', 'list', '--porcelain'], { cwd: repo.root })).toString('utf8').split('\n');
  const list: Worktree[] = [];
  let current: Worktree | null = null;
  for (const field of fields) {
    if (field === '') {
      current = null;
      continue;
    }
    const space = field.indexOf(' ');
    const key = space < 0 ? field : field.slice(0, space);
    const value = space < 0 ? '' : field.slice(space + 1);
    if (key === 'worktree') {
      current = { path: value, head: null, branch: null, bare: false };
      list.push(current);
    } else if (current && key === 'HEAD') {
      current.head = ZERO.test(value) ? null : value;
    } else if (current && key === 'branch') {
      current.branch = value;
    } else if (current && key === 'bare') {
      current.bare = true;
    }
  }
  return list;
}

/** The environment for git run inside another worktree: nothing of this one's hook variables. */
export const OTHER_WORKTREE_ENV: NodeJS.ProcessEnv = {
  GIT_DIR: undefined,
  GIT_WORK_TREE: undefined,
  GIT_INDEX_FILE: undefined,
  GIT_PREFIX: undefined,
};

export type RefKind = 'branch' | 'remote' | 'tag';

export interface RefTip {
  /** Full ref name (refs/heads/main). */
  ref: string;
  /** The name people type (main, origin/main, v1.0). */
  name: string;
  kind: RefKind;
  /** The commit it points at, tags peeled. */
  commit: string;
}

/** Local branches, remote-tracking branches and tags that point at commits (symbolic refs left out). */
export async function refTips(repo: Repo): Promise<RefTip[]> {
  const format = '%(objectname)%00%(objecttype)%00%(*objectname)%00%(*objecttype)%00%(symref)%00%(refname)%00%(refname:short)';
  const out = await git(['for-each-ref', `--format=${format}`, 'refs/heads', 'refs/remotes', 'refs/tags'], { cwd: repo.root });
  const tips: RefTip[] = [];
  for (const line of out.toString('utf8').split('\n')) {
    if (!line) continue;
    const [oid, type, peeled, peeledType, symref, ref, name] = line.split('\0');
    if (symref) continue; // refs/remotes/origin/HEAD names another ref, listed on its own
    const commit = type === 'commit' ? oid : peeledType === 'commit' ? peeled : null;
    if (!commit) continue;
    const kind: RefKind = ref.startsWith('refs/heads/') ? 'branch' : ref.startsWith('refs/remotes/') ? 'remote' : 'tag';
    tips.push({ ref, name, kind, commit });
  }
  return tips;
}

/** Paths under `dirs` of a tree-ish whose content holds any of the needles (`git grep -F`). */
export async function grepTree(repo: Repo, treeish: string, needles: string[], dirs: string[]): Promise<string[]> {
  if (needles.length === 0 || dirs.length === 0) return [];
  const args = ['grep', '-z', '-l', '-F', '-I', ...needles.flatMap((n) => ['-e', n]), treeish, '--', ...dirs.map(literal)];
  const result = await gitRaw(args, { cwd: repo.root, okCodes: [1] });
  const prefix = `${treeish}:`;
  return splitZ(result.stdout).map((entry) => (entry.startsWith(prefix) ? entry.slice(prefix.length) : entry));
}

export interface RawChange {
  status: string;
  path: string;
  oldOid: string;
  newOid: string;
}

const ZERO = /^0+$/;

/** A `--raw -z` record (`:<old mode> <new mode> <old oid> <new oid> <status>`) and its path; a null id as ''. */
function rawChange(record: string, path: string): RawChange {
  const [, , oldOid, newOid, status] = record.slice(1).split(' ');
  return { status: status[0], path, oldOid: ZERO.test(oldOid) ? '' : oldOid, newOid: ZERO.test(newOid) ? '' : newOid };
}

/**
 * One `git diff-tree --stdin` for many pairs: each line is `<commit> <base>` (the changes from
 * base to commit) or `<commit>` alone (against its parents; a root commit as all additions).
 * Answers are keyed by the first commit of each line.
 */
export async function diffMany(repo: Repo, lines: string[], dirs: string[]): Promise<Map<string, RawChange[]>> {
  const changes = new Map<string, RawChange[]>();
  if (lines.length === 0 || dirs.length === 0) return changes;
  // Reading the trees is the cost (a versions directory of 5,000 files is a 100 KB tree, for each
  // tip): many lines are shared among a few processes, one per CPU, at most four.
  const share = Math.min(availableParallelism(), 4, Math.ceil(lines.length / 32));
  // Dealt round-robin: refs sorted by name tend to sit near each other in history, and so in cost.
  const parts = await Promise.all(
    Array.from({ length: share }, (_, i) =>
      diffPart(
        repo,
        lines.filter((_line, n) => n % share === i),
        dirs,
      ),
    ),
  );
  for (const part of parts) for (const [commit, list] of part) changes.set(commit, list);
  return changes;
}

async function diffPart(repo: Repo, lines: string[], dirs: string[]): Promise<Map<string, RawChange[]>> {
  const changes = new Map<string, RawChange[]>();
  // --diff-filter=d: files the base has and the tip lacks say nothing about the tip, and a tip
  // forked long ago lacks thousands of them.
  const out = await git(['diff-tree', '--stdin', '--root', '-r', '-z', '--no-renames', '--no-abbrev', '--diff-filter=d', '--', ...dirs.map(literal)], {
    cwd: repo.root,
    input: lines.join('\n') + '\n',
  });
  let current: RawChange[] | null = null;
  const fields = splitZ(out);
  for (let i = 0; i < fields.length; i += 1) {
    const field = fields[i];
    if (field.startsWith(':')) {
      current?.push(rawChange(field, fields[++i]));
    } else {
      current = [];
      changes.set(field.trim(), current);
    }
  }
  return changes;
}

export interface StashEntry {
  /** n of stash@{n}. */
  index: number;
  commit: string;
  /** The stash commit's parents: HEAD when stashing, the index, and (git stash -u/-a) the untracked files. */
  parents: string[];
}

/** The stash, newest first (`git stash list`, which only reads the reflog of refs/stash). */
export async function stashEntries(repo: Repo): Promise<StashEntry[]> {
  const result = await gitRaw(['stash', 'list', '--format=%H%x00%P'], { cwd: repo.root, okCodes: [1, 128] });
  if (result.code !== 0) return [];
  return result.stdout
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line, index) => {
      const [commit, parents] = line.split('\0');
      return { index, commit, parents: parents ? parents.split(' ') : [] };
    });
}

export interface HistoryChange extends RawChange {
  commit: string;
  parents: string[];
}

/**
 * Commits of every ref but the stash whose changes under `dirs` add or remove one of the needles
 * (git's pickaxe, `-S`), newest first, each with the changed files that matched.
 */
/** null: a partial clone, whose history's blobs are not here (never fetched). */
export async function pickaxe(repo: Repo, needles: string[], dirs: string[]): Promise<HistoryChange[] | null> {
  if (needles.length === 0 || dirs.length === 0) return [];
  const search = needles.length === 1 ? [`-S${needles[0]}`] : ['--pickaxe-regex', `-S(${needles.map(escapeRegex).join('|')})`];
  // The pickaxe reads every blob of the history: a partial clone lacks them, and they are never
  // fetched (run.ts). The history search is then not made, and the result says so.
  const out = await git(
    // --full-history --sparse: no history simplification. The pickaxe is the only filter, so the
    // answer is every commit whose change matches (a deletion on a side branch of a merge too),
    // and git skips the per-commit test of whether the paths changed: 1.3 s instead of 1.8 s in
    // the bench's 20,000 commits.
    [
      'log',
      '--exclude=refs/stash',
      '--all',
      ...search,
      '--full-history',
      '--sparse',
      '--format=%x01%H %P',
      '--raw',
      '--no-renames',
      '--no-abbrev',
      '-z',
      '--',
      ...dirs.map(literal),
    ],
    { cwd: repo.root },
  ).catch((error: unknown) => {
    if (error instanceof GitCommandError && error.notInClone) return null;
    throw error;
  });
  if (out === null) return null;
  const changes: HistoryChange[] = [];
  let commit = '';
  let parents: string[] = [];
  const fields = splitZ(out);
  for (let i = 0; i < fields.length; i += 1) {
    const field = fields[i].replace(/^\n/, '');
    if (field.startsWith('\x01')) {
      [commit, ...parents] = field.slice(1).split(' ').filter(Boolean);
    } else if (field.startsWith(':')) {
      changes.push({ commit, parents, ...rawChange(field, fields[++i]) });
    }
  }
  return changes;
}

/** POSIX extended regular expression for a literal string (pickaxe's regex flavour). */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface CommitInfo {
  id: string;
  short: string;
  subject: string;
  author: string;
  /** Author date, ISO 8601. */
  date: string;
}

/** Short id, subject, author and date of each commit, in one `git log --no-walk`. */
export async function commitInfo(repo: Repo, commits: string[]): Promise<Map<string, CommitInfo>> {
  const info = new Map<string, CommitInfo>();
  const unique = [...new Set(commits)].filter(Boolean);
  if (unique.length === 0) return info;
  const out = await git(['log', '--no-walk=unsorted', '--format=%H%x00%h%x00%s%x00%an%x00%aI%x00', ...unique, '--'], { cwd: repo.root });
  const fields = out.toString('utf8').split('\0');
  for (let i = 0; i + 4 < fields.length; i += 5) {
    const id = fields[i].trim();
    info.set(id, { id, short: fields[i + 1], subject: fields[i + 2], author: fields[i + 3], date: fields[i + 4] });
  }
  return info;
}

/** The newest commit reachable from `tip` but not from `exclude` that added `path`, or null. */
export async function addedBy(repo: Repo, tip: string, exclude: string | null, path: string): Promise<string | null> {
  const args = ['log', '-1', '--format=%H', '--diff-filter=A', '--no-renames', tip, ...(exclude ? [`^${exclude}`] : []), '--', literal(path)];
  const out = (await git(args, { cwd: repo.root })).toString('utf8').trim();
  return out || null;
}

/** Whether HEAD (or `commit`) has `ancestor` in its history. */
export async function isAncestor(repo: Repo, ancestor: string, commit: string): Promise<boolean> {
  const result = await gitRaw(['merge-base', '--is-ancestor', ancestor, commit], { cwd: repo.root, okCodes: [1, 128] });
  return result.code === 0;
}

export interface CloneCompleteness {
  shallow: boolean;
  /** Each remote and whether its fetch refspecs take every branch. */
  remotes: { name: string; allBranches: boolean }[];
}

/** Whether this clone can see everything its remotes have: shallow, or fetching only some branches. */
export async function cloneCompleteness(repo: Repo): Promise<CloneCompleteness> {
  const [shallow, config] = await Promise.all([
    git(['rev-parse', '--is-shallow-repository'], { cwd: repo.root }),
    gitRaw(['config', '-z', '--get-regexp', '^remote\\..*\\.(fetch|url)$'], { cwd: repo.root, okCodes: [1] }),
  ]);
  const remotes = new Map<string, boolean>();
  for (const entry of splitZ(config.stdout)) {
    const newline = entry.indexOf('\n');
    const key = newline < 0 ? entry : entry.slice(0, newline);
    const value = newline < 0 ? '' : entry.slice(newline + 1);
    const match = /^remote\.(.+)\.(fetch|url)$/.exec(key);
    if (!match) continue;
    const name = match[1];
    if (!remotes.has(name)) remotes.set(name, false);
    if (match[2] === 'fetch' && /^\+?refs\/heads\/\*:/.test(value)) remotes.set(name, true);
  }
  return {
    shallow: shallow.toString('utf8').trim() === 'true',
    remotes: [...remotes].map(([name, allBranches]) => ({ name, allBranches })),
  };
}

/** How many commits the history search covered (every ref but the stash). */
export async function commitCount(repo: Repo): Promise<number> {
  const out = await gitRaw(['rev-list', '--count', '--exclude=refs/stash', '--all'], { cwd: repo.root, okCodes: [128] });
  return Number(out.stdout.toString('utf8').trim()) || 0;
}
