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
  type RefTip,
  refTips,
  stashEntries,
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

export async function locateRevisions(ws: Workspace, queries: string[], options: LocateOptions): Promise<LocateResult> {
  const { repo } = ws;
  const dirs = [...new Set(ws.discovery.environments.flatMap((env) => env.versions))];
  if (dirs.length === 0)
    throw new GuardError('no Alembic versions directory found here: nothing to search (run `alembic-guard doctor` to see what was looked for)');
  const needles = [...new Set(queries)];
  const from = (path: string) => relative(options.from, path) || '.';

  const [head, trees, tips, stash, clone] = await Promise.all([headCommit(repo), worktrees(repo), refTips(repo), stashEntries(repo), cloneCompleteness(repo)]);
  // Working trees, HEAD, and the refs and the stash are asked at once; their candidates are put
  // back in the search order below.
  const onDisk: Candidate[][] = [];
  // Working trees: untracked, ignored and modified files on disk; staged files of their index.
  const liveTrees = trees.filter((wt) => !wt.bare);
  const here = safeRealpath(repo.root);
  const thisTree = liveTrees.find((wt) => safeRealpath(wt.path) === here);
  const askTrees = Promise.all(
    liveTrees.map(async (wt, n) => {
      const current = wt === thisTree;
      const entries = await status(repo, dirs, current ? {} : { cwd: wt.path, env: OTHER_WORKTREE_ENV }).catch(() => []);
      const worktree = current ? null : from(wt.path);
      const candidates: Candidate[] = (onDisk[current ? 0 : n + 1] = []);
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
    }),
  );

  // HEAD: a text search of its tree; refs and other worktrees' HEADs: their differences from HEAD.
  const askHead = head ? grepTree(repo, head, needles, dirs) : Promise.resolve([]);
  const byCommit = new Map<string, { tips: RefTip[]; worktrees: string[] }>();
  for (const tip of tips) {
    if (!byCommit.has(tip.commit)) byCommit.set(tip.commit, { tips: [], worktrees: [] });
    byCommit.get(tip.commit)!.tips.push(tip);
  }
  for (const wt of liveTrees) {
    if (!wt.head || wt.branch || wt === thisTree) continue;
    if (!byCommit.has(wt.head)) byCommit.set(wt.head, { tips: [], worktrees: [] });
    byCommit.get(wt.head)!.worktrees.push(from(wt.path));
  }
  const tipCommits = [...byCommit.keys()].filter((commit) => commit !== head);
  const stashLines: string[] = [];
  const stashParts = new Map<string, { name: string; part: Place['stashPart']; commit: string }>();
  for (const entry of stash) {
    const name = `stash@{${entry.index}}`;
    const [base, index, untracked] = entry.parents;
    if (base) {
      stashLines.push(`${entry.commit} ${base}`);
      stashParts.set(entry.commit, { name, part: 'tracked', commit: entry.commit });
    }
    if (index && base) {
      stashLines.push(`${index} ${base}`);
      stashParts.set(index, { name, part: 'index', commit: entry.commit });
    }
    if (untracked) {
      stashLines.push(untracked);
      stashParts.set(untracked, { name, part: 'untracked', commit: entry.commit });
    }
  }
  const refLines = tipCommits.map((commit) => (head ? `${commit} ${head}` : commit));
  const [, headPaths, diffs] = await Promise.all([askTrees, askHead, diffMany(repo, [...refLines, ...stashLines], dirs)]);
  const candidates: Candidate[] = onDisk.flat();
  for (const path of headPaths.filter(isMigrationPath))
    candidates.push({ kind: 'head', path, worktree: null, refs: ['HEAD'], object: `${head}:${path}`, commit: head! });
  for (const commit of tipCommits) {
    const at = byCommit.get(commit)!;
    const kind: PlaceKind = at.tips.some((t) => t.kind === 'branch')
      ? 'branch'
      : at.tips.some((t) => t.kind === 'remote')
        ? 'remote'
        : at.tips.length
          ? 'tag'
          : 'worktree-head';
    const refs = orderRefs(at.tips).map((t) => t.name);
    for (const change of diffs.get(commit) ?? []) {
      if (!change.newOid || !isMigrationPath(change.path)) continue;
      candidates.push({
        kind,
        path: change.path,
        worktree: kind === 'worktree-head' ? at.worktrees[0] : null,
        refs,
        object: change.newOid,
        oid: change.newOid,
        tip: commit,
        commit,
        headLacks: change.status === 'A',
      });
    }
  }
  for (const [commit, part] of stashParts) {
    for (const change of diffs.get(commit) ?? []) {
      if (!change.newOid || !isMigrationPath(change.path)) continue;
      candidates.push({
        kind: 'stash',
        path: change.path,
        worktree: null,
        refs: [part.name],
        object: change.newOid,
        oid: change.newOid,
        commit: part.commit,
        stashPart: part.part,
      });
    }
  }

  // Read every candidate; only those holding a needle are parsed.
  const parsedLive = await parseCandidates(repo, candidates, needles);
  const found = (query: string) => parsedLive.some((p) => p.script.revision !== null && matchesQuery(p.script.revision, query));

  // History: only for revisions no live place has (it answers "where did it go?").
  const missing = options.history === false ? [] : needles.filter((q) => !found(q));
  let commits: number | null = null;
  let notInClone = false;
  const parsedHistory: Parsed[] = [];
  if (missing.length > 0) {
    const [searched, count] = await Promise.all([pickaxe(repo, missing, dirs), commitCount(repo)]);
    commits = count;
    if (searched === null) notInClone = true;
    const changes = searched ?? [];
    const history: Candidate[] = [];
    const seen = new Set<string>();
    for (const change of changes) {
      // The file as it was before a commit that deleted it or took the id out of it.
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
    parsedHistory.push(...(await parseCandidates(repo, history, missing)));
  }
  const parsed = [...parsedLive, ...parsedHistory];

  // Which files HEAD has, by path and blob: a place HEAD has is marked.
  const headBlobs = new Map<string, string>();
  for (const p of parsed) if (p.candidate.kind === 'head' && p.candidate.oid) headBlobs.set(p.candidate.path, p.candidate.oid);

  // Commit details, and for refs whose file HEAD lacks, the commit that added it there.
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

  const toPlace = (p: Parsed): Place => {
    const c = p.candidate;
    const commit = adders.get(c) ?? c.commit;
    return {
      kind: c.kind,
      path: c.path,
      worktree: c.worktree,
      refs: c.refs,
      commit: commit ? (info.get(commit) ?? null) : null,
      lastHad: c.lastHad ? (info.get(c.lastHad) ?? null) : null,
      ...(c.stashPart ? { stashPart: c.stashPart } : {}),
      inHead: c.kind === 'head' || (c.oid !== undefined && headBlobs.get(c.path) === c.oid),
    };
  };
  const revisedByOf = (p: Parsed): RevisedBy => ({
    revision: p.script.revision,
    path: p.candidate.path,
    kind: p.candidate.kind,
    refs: p.candidate.refs,
    worktree: p.candidate.worktree,
  });
  const names = (p: Parsed, id: string) => p.script.downRevisions.includes(id) || p.script.dependsOn.includes(id);

  const located: LocatedQuery[] = needles.map((query) => {
    const defining = parsed.filter((p) => p.script.revision !== null && matchesQuery(p.script.revision, query));
    const exact = defining.filter((p) => p.script.revision === query);
    const chosen = exact.length > 0 ? exact : defining;
    const ids = [...new Set(chosen.map((p) => p.script.revision!))].sort();
    const revisions = ids.map((revision) => {
      const mine = chosen.filter((p) => p.script.revision === revision);
      const inHead = mine.some((p) => p.candidate.kind === 'head');
      const places = mine.map(toPlace);
      return { revision, places, revisedBy: dedupe(parsed.filter((p) => names(p, revision)).map(revisedByOf)), inHead };
    });
    return { query, revisions, revisedBy: revisions.length ? [] : dedupe(parsed.filter((p) => names(p, query)).map(revisedByOf)) };
  });

  const count = (kind: RefTip['kind']) => tips.filter((t) => t.kind === kind).length;
  return {
    queries: located,
    searched: {
      worktrees: liveTrees.length,
      index: true,
      head: head !== null,
      branches: count('branch'),
      remotes: count('remote'),
      tags: count('tag'),
      stash: stash.length,
      commits: notInClone ? null : commits,
      versions: dirs,
      ...(notInClone || NOT_IN_CLONE.size > 0 ? { notInClone: true } : {}),
    },
    clone,
  };
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
