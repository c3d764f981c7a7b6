import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMigrationPath } from '../alembic/environment.js';
import type { ParsedScript } from '../alembic/script.js';
import type { CommandResult, LocateCommandOptions } from '../command.js';
import { GuardError } from '../errors.js';
import { catFile, NOT_IN_CLONE } from '../git/objects.js';
import {
  addedBy,
  cloneCompleteness,
  commitCount,
  commitInfo,
  diffMany,
  grepTree,
  OTHER_WORKTREE_ENV,
  pickaxe,
  type RawChange,
  type RefTip,
  refTips,
  stashEntries,
  type StashEntry,
  type Worktree,
  worktrees,
} from '../git/places.js';
import { headCommit } from '../git/repo.js';
import { safeRealpath } from '../paths.js';
import { status } from '../git/status.js';
import type { Finding } from '../findings.js';
import type { LocatedQuery, LocateResult, Place, PlaceKind, RevisedBy, Searched } from '../located.js';
import type { Workspace } from '../workspace.js';

/**
 * "Where is revision X?" Every place git can see is asked, in this order: the working trees
 * (this one and the others of `git worktree list`), the index, HEAD, branches, remote-tracking
 * branches, tags, the stash, and — for a revision found in none of those — the history behind
 * every ref. Git narrows (grep, tree differences, pickaxe); the static parser decides what each
 * candidate file defines. Nothing here writes: see src/git/places.ts.
 */

interface Candidate {
  kind: PlaceKind;
  path: string;
  worktree: string | null;
  refs: string[];
  /** Where the bytes are: a file on disk or an object name for cat-file. */
  file?: string;
  object?: string;
  commit?: string;
  tip?: string;
  lastHad?: string;
  stashPart?: Place['stashPart'];
  /** Blob id, once known. */
  oid?: string;
  /** A ref's file that HEAD has no file at the path of. */
  headLacks?: boolean;
}

interface Parsed {
  candidate: Candidate;
  script: ParsedScript;
}

export interface LocateOptions {
  /** Where paths in fixes are relative to (the directory locate was started in). */
  from: string;
  /** Search history for revisions no live place has (default true). */
  history?: boolean;
}

// Alembic's partial lookup (alembic/script/revision.py, RevisionMap._revision_for_ident): when no
// revision has the exact id, revisions longer than 3 characters that start with it match.
function matchesQuery(revision: string, query: string): boolean {
  return revision === query || (revision.length > 3 && revision.startsWith(query));
}

/**
 * Where each query is, in phases: the places to read (candidates: working trees, HEAD, refs,
 * the stash), what they define (parsed), the history for what none has, the commits behind each
 * place, and the answer per query.
 */
export async function locateRevisions(ws: Workspace, queries: string[], options: LocateOptions): Promise<LocateResult> {
  const { repo } = ws;
  const dirs = [...new Set(ws.discovery.environments.flatMap((env) => env.versions))];
  if (dirs.length === 0)
    throw new GuardError('no Alembic versions directory found here: nothing to search (run `alembic-guard doctor` to see what was looked for)');
  const needles = [...new Set(queries)];
  const from = (path: string) => relative(options.from, path) || '.';

  const [head, trees, tips, stash, clone] = await Promise.all([headCommit(repo), worktrees(repo), refTips(repo), stashEntries(repo), cloneCompleteness(repo)]);
  const liveTrees = trees.filter((wt) => !wt.bare);
  const here = safeRealpath(repo.root);
  const thisTree = liveTrees.find((wt) => safeRealpath(wt.path) === here) ?? null;
  const candidates = await liveCandidates(repo, dirs, needles, { head, liveTrees, thisTree, tips, stash, from });

  // Read every candidate; only those holding a needle are parsed.
  const parsedLive = await parseCandidates(repo, candidates, needles);
  const found = (query: string) => parsedLive.some((p) => p.script.revision !== null && matchesQuery(p.script.revision, query));
  // History: only for revisions no live place has (it answers "where did it go?").
  const missing = options.history === false ? [] : needles.filter((q) => !found(q));
  const history = missing.length > 0 ? await searchHistory(repo, missing, dirs) : { parsed: [], commits: null, notInClone: false };
  const parsed = [...parsedLive, ...history.parsed];

  const places = await placesOf(repo, parsed, needles, head);
  const count = (kind: RefTip['kind']) => tips.filter((t) => t.kind === kind).length;
  return {
    queries: needles.map((query) => locatedQuery(query, parsed, places)),
    searched: {
      worktrees: liveTrees.length,
      index: true,
      head: head !== null,
      branches: count('branch'),
      remotes: count('remote'),
      tags: count('tag'),
      stash: stash.length,
      commits: history.notInClone ? null : history.commits,
      versions: dirs,
      ...(history.notInClone || NOT_IN_CLONE.size > 0 ? { notInClone: true } : {}),
    },
    clone,
  };
}

interface LivePlaces {
  head: string | null;
  liveTrees: Worktree[];
  thisTree: Worktree | null;
  tips: RefTip[];
  stash: StashEntry[];
  /** A path as the person who ran locate names it. */
  from: (path: string) => string;
}

/**
 * Every file a live place holds in the versions directories, in the search order: the working
 * trees (this one first), HEAD, the refs and other worktrees' HEADs, the stash. The working trees,
 * HEAD and the tree differences are asked of git at once.
 */
async function liveCandidates(repo: Workspace['repo'], dirs: string[], needles: string[], places: LivePlaces): Promise<Candidate[]> {
  const { head } = places;
  const byCommit = commitsOfTips(places);
  const tipCommits = [...byCommit.keys()].filter((commit) => commit !== head);
  const stash = stashDiffs(places.stash);
  const refLines = tipCommits.map((commit) => (head ? `${commit} ${head}` : commit));
  // HEAD: a text search of its tree; refs and other worktrees' HEADs: their differences from HEAD.
  const [onDisk, headPaths, diffs] = await Promise.all([
    Promise.all(places.liveTrees.map((wt) => worktreeCandidates(repo, dirs, wt, wt === places.thisTree, places.from))),
    head ? grepTree(repo, head, needles, dirs) : Promise.resolve([]),
    diffMany(repo, [...refLines, ...stash.lines], dirs),
  ]);
  // This working tree first, then the others in `git worktree list` order.
  const at = places.thisTree ? places.liveTrees.indexOf(places.thisTree) : -1;
  const candidates: Candidate[] = [...(at >= 0 ? onDisk[at]! : []), ...onDisk.filter((_, n) => n !== at).flat()];
  for (const path of headPaths.filter(isMigrationPath))
    candidates.push({ kind: 'head', path, worktree: null, refs: ['HEAD'], object: `${head}:${path}`, commit: head! });
  for (const commit of tipCommits) candidates.push(...refCandidates(commit, byCommit.get(commit)!, diffs.get(commit) ?? []));
  for (const [commit, part] of stash.parts) candidates.push(...stashCandidates(part, diffs.get(commit) ?? []));
  return candidates;
}

/** A working tree's untracked, ignored and modified files on disk, and the staged files of its index. */
async function worktreeCandidates(
  repo: Workspace['repo'],
  dirs: string[],
  wt: Worktree,
  current: boolean,
  from: (path: string) => string,
): Promise<Candidate[]> {
  const entries = await status(repo, dirs, current ? {} : { cwd: wt.path, env: OTHER_WORKTREE_ENV }).catch(() => []);
  const worktree = current ? null : from(wt.path);
  const candidates: Candidate[] = [];
  for (const entry of entries) {
    if (!isMigrationPath(entry.path)) continue;
    if (entry.kind === 'untracked' || entry.kind === 'ignored') {
      candidates.push({ kind: entry.kind, path: entry.path, worktree, refs: [], file: join(wt.path, entry.path) });
    } else if (entry.kind === 'changed') {
      if (entry.y !== '.' && entry.y !== 'D') candidates.push({ kind: 'modified', path: entry.path, worktree, refs: [], file: join(wt.path, entry.path) });
      if (entry.x !== '.' && entry.x !== 'D' && entry.indexMode !== '160000') {
        candidates.push({ kind: 'staged', path: entry.path, worktree, refs: [], object: entry.indexOid, oid: entry.indexOid });
      }
    }
  }
  return candidates;
}

interface TipsAt {
  tips: RefTip[];
  worktrees: string[];
}

/** The refs pointing at each commit, and the other worktrees whose detached HEAD is there. */
function commitsOfTips({ tips, liveTrees, thisTree, from }: LivePlaces): Map<string, TipsAt> {
  const byCommit = new Map<string, TipsAt>();
  for (const tip of tips) {
    if (!byCommit.has(tip.commit)) byCommit.set(tip.commit, { tips: [], worktrees: [] });
    byCommit.get(tip.commit)!.tips.push(tip);
  }
  for (const wt of liveTrees) {
    if (!wt.head || wt.branch || wt === thisTree) continue;
    if (!byCommit.has(wt.head)) byCommit.set(wt.head, { tips: [], worktrees: [] });
    byCommit.get(wt.head)!.worktrees.push(from(wt.path));
  }
  return byCommit;
}

/** One part of a stash entry: its name (`stash@{n}`), which part, and the entry's commit. */
interface StashPart {
  name: string;
  part: Place['stashPart'];
  commit: string;
}

/** The tree differences that show each stash entry's parts (tracked, index, untracked), and which part each commit is. */
function stashDiffs(stash: StashEntry[]): { lines: string[]; parts: Map<string, StashPart> } {
  const lines: string[] = [];
  const parts = new Map<string, StashPart>();
  for (const entry of stash) {
    const name = `stash@{${entry.index}}`;
    const [base, index, untracked] = entry.parents;
    if (base) {
      lines.push(`${entry.commit} ${base}`);
      parts.set(entry.commit, { name, part: 'tracked', commit: entry.commit });
    }
    if (index && base) {
      lines.push(`${index} ${base}`);
      parts.set(index, { name, part: 'index', commit: entry.commit });
    }
    if (untracked) {
      lines.push(untracked);
      parts.set(untracked, { name, part: 'untracked', commit: entry.commit });
    }
  }
  return { lines, parts };
}

/** The migrations a ref's commit changes from HEAD, as places of that ref (branch before remote before tag). */
function refCandidates(commit: string, at: TipsAt, changes: RawChange[]): Candidate[] {
  const kind: PlaceKind = at.tips.some((t) => t.kind === 'branch')
    ? 'branch'
    : at.tips.some((t) => t.kind === 'remote')
      ? 'remote'
      : at.tips.length
        ? 'tag'
        : 'worktree-head';
  const refs = orderRefs(at.tips).map((t) => t.name);
  return changes
    .filter((change) => change.newOid && isMigrationPath(change.path))
    .map((change) => ({
      kind,
      path: change.path,
      worktree: kind === 'worktree-head' ? at.worktrees[0]! : null,
      refs,
      object: change.newOid!,
      oid: change.newOid!,
      tip: commit,
      commit,
      headLacks: change.status === 'A',
    }));
}

/** The migrations a stash entry's part changes from its base, as places of that entry. */
function stashCandidates(part: StashPart, changes: RawChange[]): Candidate[] {
  return changes
    .filter((change) => change.newOid && isMigrationPath(change.path))
    .map((change) => ({
      kind: 'stash',
      path: change.path,
      worktree: null,
      refs: [part.name],
      object: change.newOid!,
      oid: change.newOid!,
      commit: part.commit,
      stashPart: part.part,
    }));
}

/** The history behind every ref, for revisions no live place has: each file as it was before the commit that deleted it or took the id out. */
async function searchHistory(
  repo: Workspace['repo'],
  missing: string[],
  dirs: string[],
): Promise<{ parsed: Parsed[]; commits: number | null; notInClone: boolean }> {
  const [searched, commits] = await Promise.all([pickaxe(repo, missing, dirs), commitCount(repo)]);
  const history: Candidate[] = [];
  const seen = new Set<string>();
  for (const change of searched ?? []) {
    if (!change.oldOid || !isMigrationPath(change.path) || change.parents.length === 0) continue;
    const key = `${change.path}\0${change.oldOid}`;
    if (seen.has(key)) continue; // newest first: the latest deletion of this content
    seen.add(key);
    history.push({
      kind: 'history',
      path: change.path,
      worktree: null,
      refs: [],
      object: change.oldOid,
      oid: change.oldOid,
      commit: change.commit,
      lastHad: change.parents[0],
    });
  }
  return { parsed: await parseCandidates(repo, history, missing), commits, notInClone: searched === null };
}

/**
 * Each parsed file as a place: its commit (for a ref's file HEAD lacks, the commit that added it
 * there), the commit that last had a deleted one, and whether HEAD has the same blob.
 */
async function placesOf(repo: Workspace['repo'], parsed: Parsed[], needles: string[], head: string | null): Promise<Map<Parsed, Place>> {
  const headBlobs = new Map<string, string>();
  for (const p of parsed) if (p.candidate.kind === 'head' && p.candidate.oid) headBlobs.set(p.candidate.path, p.candidate.oid);
  const adders = new Map<Candidate, string | null>();
  await Promise.all(
    parsed
      .filter((p) => p.candidate.tip && ['branch', 'remote'].includes(p.candidate.kind) && headBlobs.get(p.candidate.path) !== p.candidate.oid)
      .filter((p) => p.script.revision !== null && needles.some((q) => matchesQuery(p.script.revision!, q)))
      // Where HEAD has no such path, the newest commit on the ref that added it is the answer, and
      // git need not walk HEAD's history to leave it out (20 ms instead of 80 in the bench).
      .map(async (p) =>
        adders.set(p.candidate, await addedBy(repo, p.candidate.tip!, p.candidate.headLacks ? null : head, p.candidate.path).catch(() => null)),
      ),
  );
  const info = await commitInfo(repo, [
    ...parsed.flatMap((p) => [p.candidate.commit ?? '', p.candidate.lastHad ?? '']),
    ...[...adders.values()].map((c) => c ?? ''),
  ]);
  const places = new Map<Parsed, Place>();
  for (const p of parsed) {
    const c = p.candidate;
    const commit = adders.get(c) ?? c.commit;
    places.set(p, {
      kind: c.kind,
      path: c.path,
      worktree: c.worktree,
      refs: c.refs,
      commit: commit ? (info.get(commit) ?? null) : null,
      lastHad: c.lastHad ? (info.get(c.lastHad) ?? null) : null,
      ...(c.stashPart ? { stashPart: c.stashPart } : {}),
      inHead: c.kind === 'head' || (c.oid !== undefined && headBlobs.get(c.path) === c.oid),
    });
  }
  return places;
}

/** One query's answer: the revisions it names (exact ids before Alembic's partial matches), their places, and the files that revise them. */
function locatedQuery(query: string, parsed: Parsed[], places: Map<Parsed, Place>): LocatedQuery {
  const revisedByOf = (p: Parsed): RevisedBy => ({
    revision: p.script.revision,
    path: p.candidate.path,
    kind: p.candidate.kind,
    refs: p.candidate.refs,
    worktree: p.candidate.worktree,
  });
  const names = (p: Parsed, id: string) => p.script.downRevisions.includes(id) || p.script.dependsOn.includes(id);
  const defining = parsed.filter((p) => p.script.revision !== null && matchesQuery(p.script.revision, query));
  const exact = defining.filter((p) => p.script.revision === query);
  const chosen = exact.length > 0 ? exact : defining;
  const ids = [...new Set(chosen.map((p) => p.script.revision!))].sort();
  const revisions = ids.map((revision) => {
    const mine = chosen.filter((p) => p.script.revision === revision);
    return {
      revision,
      places: mine.map((p) => places.get(p)!),
      revisedBy: dedupe(parsed.filter((p) => names(p, revision)).map(revisedByOf)),
      inHead: mine.some((p) => p.candidate.kind === 'head'),
    };
  });
  return { query, revisions, revisedBy: revisions.length ? [] : dedupe(parsed.filter((p) => names(p, query)).map(revisedByOf)) };
}

/** Branches before remote-tracking branches before tags, as the search order reads. */
function orderRefs(tips: RefTip[]): RefTip[] {
  const rank = { branch: 0, remote: 1, tag: 2 };
  return [...tips].sort((a, b) => rank[a.kind] - rank[b.kind] || (a.name < b.name ? -1 : 1));
}

function dedupe(list: RevisedBy[]): RevisedBy[] {
  const seen = new Set<string>();
  return list.filter((r) => {
    const key = `${r.kind}\0${r.path}\0${r.refs.join(',')}\0${r.worktree}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Reads each candidate (disk or one cat-file batch), keeps those holding a needle, parses them. */
async function parseCandidates(repo: Workspace['repo'], candidates: Candidate[], needles: string[]): Promise<Parsed[]> {
  if (candidates.length === 0) return [];
  const objects = candidates.filter((c) => c.object);
  const read = await catFile(repo, [...new Set(objects.map((c) => c.object!))]);
  const byName = new Map<string, { oid: string; content: Buffer }>();
  [...new Set(objects.map((c) => c.object!))].forEach((name, i) => {
    const object = read[i];
    if (object) byName.set(name, object);
  });
  const { parseScript } = await import('../alembic/script.js');
  const parsed: Parsed[] = [];
  const scripts = new Map<string, ParsedScript>();
  for (const candidate of candidates) {
    let content: Buffer | null = null;
    if (candidate.file) {
      try {
        content = readFileSync(candidate.file);
      } catch {
        content = null;
      }
    } else if (candidate.object) {
      const object = byName.get(candidate.object);
      if (object) {
        content = object.content;
        candidate.oid = object.oid;
      }
    }
    if (!content || !needles.some((n) => content!.includes(n))) continue;
    const key = candidate.oid ? `${candidate.path}\0${candidate.oid}` : null;
    let script = key ? scripts.get(key) : undefined;
    if (!script) {
      script = parseScript(candidate.path, content);
      if (key) scripts.set(key, script);
    }
    parsed.push({ candidate, script });
  }
  return parsed;
}

/** `alembic-guard locate REV…` (or the database's revisions this checkout does not define). */
export async function locate(options: LocateCommandOptions, args: string[]): Promise<CommandResult> {
  const { openWorkspace } = await import('../workspace.js');
  const ws = await openWorkspace(options.cwd);
  const queries = [...args];
  let database: { target: string; revisions: string[] } | null = null;
  const explicit = options['db-url'] !== undefined || options['db-url-env'] !== undefined;
  if (explicit) {
    const { databaseUrl, readDatabase, undefinedRevisions } = await import('./database.js');
    const url = databaseUrl(options, undefined)!;
    const applied = await readDatabase(ws, url);
    const unknown = applied.state === 'ok' ? await undefinedRevisions(ws, applied.revisions) : [];
    database = { target: applied.target, revisions: unknown };
    queries.push(...unknown.filter((r) => !queries.includes(r)));
  }
  if (queries.length === 0 && !database) throw new GuardError('locate needs a revision (alembic-guard locate REV…) or --db-url / --db-url-env');
  for (const query of queries) {
    if (query === '' || /[\0\n]/.test(query)) throw new GuardError(`locate: not a revision id: ${JSON.stringify(query)}`);
  }
  const { renderLocate, renderLocateJson } = await import('../report/locate.js');
  if (queries.length === 0) {
    const result: LocateResult = { queries: [], searched: emptySearched(), clone: { shallow: false, remotes: [] } };
    return {
      text:
        options.format === 'json' ? renderLocateJson(result, database, ws.repo.root, options.cwd) : renderLocate(result, database, ws.repo.root, options.cwd),
      exitCode: 0,
    };
  }
  const result = await locateRevisions(ws, queries, { from: options.cwd });
  const exitCode = result.queries.every((q) => q.revisions.length > 0) ? 0 : 1;
  return {
    text: options.format === 'json' ? renderLocateJson(result, database, ws.repo.root, options.cwd) : renderLocate(result, database, ws.repo.root, options.cwd),
    exitCode,
  };
}

/**
 * verify: add to each database-ahead finding where this clone's refs, stash and history define
 * its revision. A failed search leaves the finding as it was (it blocks either way).
 */
export async function locateAhead(ws: Workspace, findings: Extract<Finding, { kind: 'database-ahead' }>[], from: string): Promise<void> {
  const { completingFetch } = await import('../report/messages.js');
  let result: LocateResult;
  try {
    result = await locateRevisions(ws, [...new Set(findings.map((f) => f.revision))], { from });
  } catch {
    return;
  }
  const fetch = completingFetch(result.clone);
  for (const finding of findings) {
    const query = result.queries.find((q) => q.query === finding.revision);
    const places = query?.revisions.find((r) => r.revision === finding.revision)?.places ?? [];
    finding.located = { places, shallow: result.clone.shallow, fetch };
  }
}

function emptySearched(): Searched {
  return { worktrees: 0, index: false, head: false, branches: 0, remotes: 0, tags: 0, stash: 0, commits: null, versions: [] };
}
