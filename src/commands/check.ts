import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sameList, type WatchHint, WatchHints } from '../alembic/cache.js';
import { CANDIDATE_NAMES, candidatePaths } from '../alembic/discover.js';
import { classify, type Environment, overlaps } from '../alembic/environment.js';
import { compareConfig, isConfigFile } from '../alembic/settings.js';
import { cachedSummaries, describeSource, gitlinksAbove, isBlob, loadSummaries, type Source } from '../alembic/sources.js';
import type { Finding } from '../findings.js';
import { type BlobEntry, indexEntries, indexListing, stagedBlobs } from '../git/objects.js';
import type { Repo } from '../git/repo.js';
import { ignoreSources, status, type StatusEntry, type StatusListing, statusListing } from '../git/status.js';
import { keepQuietNote } from '../hooks/quiet-commit.js';
import type { IndexEntry, IndexListing } from '../git/index-file.js';
import { HEADLINES } from '../report/messages.js';
import { takeEarlyStatus } from '../early.js';
import type { Report } from '../report/verdict.js';
import { ShownWarnings } from '../shown-warnings.js';
import { openWorkspace, watchedPaths, type Workspace } from '../workspace.js';
import { envFileFindings, graphFindings, ignoreFilter, setupFindings } from './shared.js';

/**
 * pre-commit: nothing Alembic needs may stay behind in the working tree, and the graph of what
 * the commit will contain (the index in use, GIT_INDEX_FILE included) must hold together.
 */
export async function check(cwd: string, whileGitWorks?: () => void, options: { remember?: boolean } = {}): Promise<Report> {
  // `git status` is most of a check's time, and discovery reads the whole index. Both start as
  // soon as the repository is known, on what this working tree watched last time: one
  // `git ls-files -s` for discovery's candidates and those versions directories, one status.
  // The guess is kept only if discovery finds exactly the same paths.
  let early: { hint: WatchHint; listing: Promise<StagedListing>; status: Promise<StatusListing> } | undefined;
  let named: Promise<BlobEntry[]> | undefined;
  let allNamed: Promise<IndexEntry[]> | undefined; // every stage: the quiet-commit note's
  let hints: WatchHints | undefined;
  const ws = await openWorkspace(cwd, (repo) => {
    hints = new WatchHints(repo.commonDir);
    const hint = hints.get(repo.root);
    // status first: the longer of the two, and starting a process takes node several ms.
    // The launcher may have started this very status before the bundle loaded (early.ts).
    const statusEarly = hint
      ? (takeEarlyStatus(repo.root, hint.paths)?.catch(() => statusListing(repo, hint.paths)) ?? statusListing(repo, hint.paths))
      : undefined;
    statusEarly?.catch(() => undefined); // asked again below if the guess is discarded
    const listing = stagedListing(repo, hint?.versions ?? []);
    listing.catch(() => undefined); // with configured locations, discovery never asks
    named = listing.then((l) => l.named);
    allNamed = listing.then((l) => l.raw.named);
    named.catch(() => undefined);
    if (hint && statusEarly) early = { hint, listing, status: statusEarly };
    return { tracked: listing.then((l) => l.candidates) };
  });
  whileGitWorks?.(); // status and the index listing are running
  const findings: Finding[] = setupFindings(ws);
  const environments = ws.discovery.environments;
  const paths = watchedPaths(ws.discovery);
  const versions = environments.flatMap((env) => env.versions);
  const guess = early && sameList(early.hint.paths, paths) && sameList(early.hint.versions, versions) ? early : undefined;
  const statusDone = guess ? guess.status : statusListing(ws.repo, paths);
  statusDone.catch(() => undefined); // awaited below, unless the listing fails first
  const inDirs = guess ? (await guess.listing).raw.inDirs : (await indexListing(ws.repo, { dirs: versions, names: [] })).inDirs;
  const staged = inDirs.filter((entry) => entry.stage === '0');
  // The listing is done before status: look the graphs up in the cache meanwhile.
  const cached = cachedSummaries(ws.repo, environments, staged);
  const listed = await statusDone;
  const entries = [...listed.entries];
  // A submodule holding a versions directory: git status on the gitlink says whether it has
  // commits, changes or untracked files beyond the commit the index records.
  const links = [...staged.filter((e) => e.mode === '160000'), ...(await gitlinksAbove(ws.repo, versions, staged, { kind: 'index' }))];
  if (links.length > 0) {
    const linked = new Set(links.map((g) => g.path));
    const states = await status(ws.repo, [...linked], { submodules: true });
    entries.splice(0, entries.length, ...entries.filter((e) => !linked.has(e.path)), ...states);
  }
  hints?.update(ws.repo.root, { paths, versions });
  // `git add -N` puts an empty placeholder in the index: the file is reported as unstaged, and
  // the placeholder is not a script of the commit.
  const intentToAdd = new Set(entries.filter((e) => e.kind === 'changed' && e.x === '.' && e.y === 'A').map((e) => e.path));
  const index = staged.filter((e) => !intentToAdd.has(e.path));
  const keep = await ignoreFilter(ws.config);
  findings.push(...(await worktreeFindings(ws, environments, entries, index, keep)));
  findings.push(...(await hiddenEdits(ws, environments, [...index, ...(named ? await named : [])], keep)));
  const dirty = new Set(entries.filter((e) => e.kind !== 'changed' || e.y !== '.').map((e) => e.path));
  const source: Source = { kind: 'index', entries: index, dirty };
  // The env files' verdicts (a Python of their own, when one changed) while the graph is loaded
  // (the migrations' Python); a failure is still raised below, where it is awaited.
  const envFindings = named?.then((files) =>
    envFileFindings(
      ws.repo,
      environments,
      files.filter((e) => keep(e.path)),
      describeSource(source),
    ),
  );
  envFindings?.catch(() => undefined);
  // The cached answers were looked up with any `git add -N` placeholders among the scripts.
  const summaries = cached && intentToAdd.size === 0 ? cached : await loadSummaries(ws.repo, environments, source);
  const graphs = graphFindings(summaries, source, keep);
  if (envFindings) findings.push(...(await envFindings));
  if (graphs.some((f) => f.kind === 'parse-warning')) markRepeated(ws, graphs, entries, index, options.remember ?? true);
  findings.push(...graphs);
  if (options.remember ?? true) {
    const clean = allNamed !== undefined && links.length === 0 && findings.every((f) => f.kind === 'parse-warning' && f.repeated);
    keepQuietNote({
      repo: ws.repo,
      listing: { inDirs, named: allNamed ? await allNamed : [] },
      dirs: versions,
      names: CANDIDATE_NAMES,
      status: listed,
      clean,
      say: `✔ alembic-guard: ${HEADLINES.check.passed}`,
    });
  }
  return { command: 'check', workspace: ws, findings };
}

/**
 * A parse warning about a file this commit does not change was shown when that version of the
 * file was first checked: mark it repeated (text and GitHub output leave it out; JSON keeps it).
 * A file the commit adds or changes shows its warnings every time.
 */
function markRepeated(ws: Workspace, findings: Finding[], entries: StatusEntry[], index: BlobEntry[], remember: boolean): void {
  const changed = new Set(entries.filter((e) => e.kind === 'changed' && e.x !== '.').map((e) => e.path));
  const oids = new Map(index.map((e) => [e.path, e.oid]));
  const shown = new ShownWarnings(ws.repo.commonDir);
  for (const finding of findings) {
    if (finding.kind !== 'parse-warning') continue;
    const oid = oids.get(finding.path);
    if (oid === undefined) continue;
    const key = ShownWarnings.key(oid, finding.path, finding.line, finding.message);
    if (!changed.has(finding.path) && shown.has(key)) finding.repeated = true;
    else if (remember) shown.add(key);
  }
  shown.save();
}

/** Untracked, ignored, unstaged and conflicted files, from one `git status` of the watched paths. */
export async function worktreeFindings(
  ws: Workspace,
  environments: Environment[],
  entries: StatusEntry[],
  index: BlobEntry[],
  keep: (path: string) => boolean,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const ignored: Extract<Finding, { kind: 'ignored' }>[] = [];
  const configEdits: Extract<Finding, { kind: 'unstaged' }>[] = [];
  // During `git commit <paths>` git commits a temporary index built from HEAD and <paths>; a
  // migration staged in the main index but not named is left out, and must be called that.
  const leftOut = await leftOutOfCommit(ws, environments, index);
  for (const entry of entries) {
    if (entry.kind === 'changed' && entry.indexMode === '160000') {
      // A submodule at, in or around a versions directory: Alembic reads its checked-out files,
      // and the commit records only its commit. New commits, changes or untracked files in it
      // are left behind as surely as an unstaged file.
      const environment = environments.find((env) => env.versions.some((dir) => overlaps(entry.path, dir)));
      if (environment && entry.y !== '.' && keep(entry.path)) {
        findings.push({
          kind: 'unstaged',
          severity: 'error',
          environment: environment.name,
          path: entry.path,
          role: 'migration',
          change: 'submodule',
          staged: entry.x !== '.',
        });
      }
      continue;
    }
    const hit = classify(environments, entry.path);
    if (!hit || !keep(entry.path)) continue;
    const base = { severity: 'error' as const, environment: hit.environment.name, path: entry.path, role: hit.role };
    const problem = entry.kind !== 'changed' || entry.y !== '.';
    if (problem && leftOut.has(entry.path)) {
      findings.push({ kind: 'left-out', ...base });
      continue;
    }
    switch (entry.kind) {
      case 'untracked':
        findings.push({ kind: 'untracked', ...base });
        break;
      case 'ignored': {
        // Teams ignore alembic.ini on purpose: it holds the database URL. It stays local, and
        // `git add -f` would commit the password (doctor mentions it once, as information).
        if (hit.role === 'env-file' && isConfigFile(entry.path)) break;
        const finding = { kind: 'ignored' as const, ...base, ignoredBy: null };
        ignored.push(finding);
        findings.push(finding);
        break;
      }
      case 'unmerged':
        findings.push({ kind: 'unmerged', ...base });
        break;
      case 'changed':
        if (entry.y === '.') break;
        if (entry.y === 'M' && hit.role === 'env-file' && isConfigFile(entry.path)) {
          configEdits.push({ kind: 'unstaged', ...base, change: 'modified', staged: entry.x !== '.' });
          break;
        }
        findings.push({
          kind: 'unstaged',
          ...base,
          change: entry.y === 'D' ? 'deleted' : entry.y === 'T' ? 'type-changed' : entry.y === 'A' ? 'intent-to-add' : 'modified',
          staged: entry.x !== '.',
        });
        break;
    }
  }
  // A local edit of alembic.ini (the URL) is routine: only a change to what decides the scripts
  // Alembic loads leaves the commit's migrations behind.
  if (configEdits.length > 0) findings.push(...(await loadingChanges(ws, configEdits)));
  if (ignored.length > 0) {
    const sources = await ignoreSources(
      ws.repo,
      ignored.map((f) => f.path),
    );
    for (const finding of ignored) finding.ignoredBy = sources.get(finding.path) ?? null;
  }
  return findings;
}

/**
 * Edits `git status` does not show: a migration or environment file flagged assume-unchanged or
 * skip-worktree is not compared with the index by git, so an edit on disk would stay behind
 * unseen. Each such file is compared here (its bytes against the staged blob id); an edit blocks
 * as unstaged, naming the flag. A config file's local edits count only when they change which
 * scripts Alembic loads (a URL kept out of commits with assume-unchanged is routine).
 */
export async function hiddenEdits(ws: Workspace, environments: Environment[], entries: BlobEntry[], keep: (path: string) => boolean): Promise<Finding[]> {
  const hidden = entries.filter((e) => e.hidden !== undefined && e.mode !== '160000' && e.mode !== '120000');
  if (hidden.length === 0) return [];
  const findings: Finding[] = [];
  const configEdits: Extract<Finding, { kind: 'unstaged' }>[] = [];
  for (const entry of hidden) {
    const hit = classify(environments, entry.path);
    if (!hit || !keep(entry.path)) continue;
    let content: Buffer;
    try {
      content = readFileSync(join(ws.repo.root, entry.path));
    } catch {
      continue; // not on disk (a sparse checkout): the commit keeps the staged version, nothing is left behind
    }
    if (isBlob(content, entry.oid)) continue;
    const finding = {
      kind: 'unstaged' as const,
      severity: 'error' as const,
      environment: hit.environment.name,
      path: entry.path,
      role: hit.role,
      change: 'modified' as const,
      staged: false,
      hidden: entry.hidden,
    };
    if (hit.role === 'env-file' && isConfigFile(entry.path)) configEdits.push(finding);
    else findings.push(finding);
  }
  if (configEdits.length > 0) findings.push(...(await loadingChanges(ws, configEdits)));
  return findings;
}

/** The unstaged config-file edits that change which scripts Alembic loads, each saying what changed. */
async function loadingChanges(ws: Workspace, edits: Extract<Finding, { kind: 'unstaged' }>[]): Promise<Finding[]> {
  const staged = await stagedBlobs(
    ws.repo,
    edits.map((f) => f.path),
  );
  const result: Finding[] = [];
  for (const finding of edits) {
    const before = staged.get(finding.path);
    let after: string | null = null;
    try {
      after = readFileSync(join(ws.repo.root, finding.path), 'utf8');
    } catch {
      // gone since git status looked: judged as a change
    }
    if (before === null || before === undefined || after === null) {
      result.push(finding);
      continue;
    }
    const change = await compareConfig(finding.path, before.toString('utf8'), after);
    if (change.loading.length > 0) result.push({ ...finding, settings: change });
  }
  return result;
}

interface StagedListing {
  /** Tracked files named like discovery's candidates (any conflict stage). */
  candidates: string[];
  /** Their stage-0 entries. */
  named: BlobEntry[];
  /** The listing as the index holds it (every stage). */
  raw: IndexListing;
}

async function stagedListing(repo: Repo, versions: string[]): Promise<StagedListing> {
  const listing = await indexListing(repo, { dirs: versions, names: CANDIDATE_NAMES });
  // The directory itself is listed when it is a submodule (a gitlink).
  return {
    candidates: candidatePaths(listing),
    named: listing.named.filter((entry) => entry.stage === '0'),
    raw: listing,
  };
}

async function leftOutOfCommit(ws: Workspace, environments: Environment[], index: BlobEntry[]): Promise<Set<string>> {
  const { repo } = ws;
  if (repo.indexFile === repo.mainIndexFile) return new Set();
  const main = await indexEntries(
    repo,
    environments.flatMap((env) => env.versions),
    repo.mainIndexFile,
  );
  const inCommit = new Map(index.map((e) => [e.path, e.oid]));
  return new Set(main.filter((e) => inCommit.get(e.path) !== e.oid).map((e) => e.path));
}
