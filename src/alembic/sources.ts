import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { noteOpaque } from '../worktree-reads.js';
import { join } from 'node:path';
import { allStages, type BlobEntry, indexEntries, NOT_IN_CLONE, readBlobs, submoduleEntries, treeEntries } from '../git/objects.js';
import { literal } from '../git/status.js';
import type { Repo } from '../git/repo.js';
import { type Environment, isAtOrUnder, isMigrationPath, isUnder, type Loading, overlaps } from './environment.js';
import { GraphCache, type GraphSummary, ParseCache } from './cache.js';
import type { GraphOptions, GraphProblem, RevisionGraph } from './graph.js';
import { setsVersionLocations } from './locations.js';
import { choosePython, judge, type Judged, type Python } from './compile.js';
import type { ParsedScript } from './script.js';
import { importPackage } from '../packages.js';

// The parser and the graph builder load only when an answer is not in the cache: a commit that
// touches no migration never compiles them.
const parser = () => import('./script.js');
const grapher = () => import('./graph.js');

/** Scripts parsed and judged in this process, by interpreter, blob and path (parseEntries). */
const JUDGED_HERE = new Map<string, ParsedScript>();

/** A script whose blob a partial clone does not hold: the guard reads only what is here. */
export const NOT_IN_CLONE_MESSAGE =
  "not in this clone: a partial clone (--filter) without this file's content, and alembic-guard never fetches (git fetch, or git cat-file -p on it, brings it)";

/** Where migrations are read from. Every command goes through the same parse → graph path. */
export type Source =
  | { kind: 'index'; entries?: BlobEntry[]; dirty?: Set<string> }
  | { kind: 'commit'; commit: string; /** How the report names it (a merge result's tree). */ label?: string }
  | { kind: 'worktree' };

export interface EnvironmentGraph {
  environment: Environment;
  scripts: ParsedScript[];
  graph: RevisionGraph;
}

export function describeSource(source: Source): string {
  if (source.kind === 'commit') return source.label ?? `commit ${source.commit.slice(0, 12)}`;
  return source.kind === 'index' ? 'the staged content (index)' : 'the working tree';
}

export async function loadGraphs(repo: Repo, environments: Environment[], source: Source): Promise<EnvironmentGraph[]> {
  const dirs = environments.flatMap((env) => env.versions);
  const [{ parseScript }, { buildEnvironmentGraph }] = await Promise.all([parser(), grapher()]);
  let parsed: ParsedScript[];
  let unread: Unread[] = [];
  if (source.kind === 'worktree') {
    const files: Judged[] = [...(await readWorktree(repo, dirs))].map(([path, content]) => ({
      entry: { path, mode: '100644', oid: createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex') },
      script: parseScript(path, content),
      content,
    }));
    await judge(repo, choosePython(repo.root, dirs), files);
    parsed = files.map((f) => f.script);
  } else {
    const [entries, notRead] = await sourceEntries(repo, dirs, source);
    parsed = await parseEntries(repo, entries, source, choosePython(repo.root, dirs));
    unread = notRead;
  }
  const scripts = await withLabels(repo, source, parsed);
  return environments.map((environment) => {
    const mine = scripts.filter((script) => inEnvironment(environment, script.path));
    const options = graphOptions(repo, environment, mine);
    const graph = buildEnvironmentGraph(mine, environment.versions, options);
    return { environment, scripts: mine, graph: withUnread(graph, environment, unread) };
  });
}

/**
 * What the hooks need of each environment's graph (its problems, warnings and heads), from the
 * graph cache when the environment's scripts are the same blobs as in an earlier run: a commit
 * that touches no migration parses and builds nothing.
 */
export async function loadSummaries(
  repo: Repo,
  environments: Environment[],
  source: Exclude<Source, { kind: 'worktree' }>,
): Promise<{ environment: Environment; graph: GraphSummary }[]> {
  const dirs = environments.flatMap((env) => env.versions);
  const [entries, unread] = await sourceEntries(repo, dirs, source);
  const cache = new GraphCache(repo.commonDir);
  const python = choosePython(repo.root, dirs);
  const result = [];
  for (const environment of environments) {
    const mine = entriesOf(environments, environment, entries);
    const options = graphOptions(repo, environment, mine);
    // Python's verdicts are part of the answer: another interpreter is another key.
    const key = GraphCache.key(mine, { versions: environment.versions, options, python: python?.id ?? null });
    let graph = cache.get(key);
    if (graph === undefined) {
      const { buildEnvironmentGraph } = await grapher();
      const parsed = await parseEntries(repo, mine, source, python);
      const scripts = await withLabels(repo, source, parsed);
      graph = buildEnvironmentGraph(scripts, environment.versions, options);
      // A graph that read another file (a module holding label constants) is not keyed by that
      // file's blob: it is built again next time rather than remembered.
      if (!parsed.some((script) => script.labelSource !== undefined)) cache.set(key, graph);
    }
    result.push({ environment, graph: withUnread(graph, environment, unread) });
  }
  cache.save();
  return result;
}

/**
 * Each environment's scripts and graph, the graph taken from the graph cache when it holds the
 * answer for these blobs (its heads and problems; its revisions are the scripts'), built
 * otherwise: a merge check's base, whose graph is the same from one pull request's run to the next.
 */
export async function loadBaseGraphs(repo: Repo, environments: Environment[], source: Extract<Source, { kind: 'commit' }>): Promise<EnvironmentGraph[]> {
  const dirs = environments.flatMap((env) => env.versions);
  const [entries, unread] = await sourceEntries(repo, dirs, source);
  const python = choosePython(repo.root, dirs);
  const scripts = await withLabels(repo, source, await parseEntries(repo, entries, source, python));
  const cache = new GraphCache(repo.commonDir);
  const result: EnvironmentGraph[] = [];
  for (const environment of environments) {
    const mine = entriesOf(environments, environment, entries);
    const options = graphOptions(repo, environment, mine);
    const key = GraphCache.key(mine, { versions: environment.versions, options, python: python?.id ?? null });
    const own = scripts.filter((script) => inEnvironment(environment, script.path));
    const summary = cache.get(key);
    let graph: RevisionGraph;
    if (summary !== undefined) {
      const revisions = own.flatMap((s) =>
        s.revision === null
          ? []
          : [{ revision: s.revision, downRevisions: s.downRevisions, dependsOn: s.dependsOn, branchLabels: s.branchLabels, path: s.path }],
      );
      graph = { revisions, heads: summary.heads, bases: [], problems: summary.problems, warnings: summary.warnings };
    } else {
      graph = (await grapher()).buildEnvironmentGraph(own, environment.versions, options);
      if (!own.some((script) => script.labelSource !== undefined)) cache.set(key, graph);
    }
    result.push({ environment, scripts: own, graph: withUnread(graph, environment, unread) });
  }
  cache.save();
  return result;
}

/**
 * The summaries the graph cache holds for exactly these staged entries, or null unless it holds
 * one for every environment. No git, no parsing: check asks while `git status` still runs.
 */
export function cachedSummaries(repo: Repo, environments: Environment[], staged: BlobEntry[]): { environment: Environment; graph: GraphSummary }[] | null {
  // A submodule's scripts are not in our index: loadSummaries reads them from the submodule.
  if (staged.some((entry) => entry.mode === '160000')) return null;
  const entries = staged.filter(isScript);
  const cache = new GraphCache(repo.commonDir);
  const python = choosePython(
    repo.root,
    environments.flatMap((env) => env.versions),
  );
  const result = [];
  for (const environment of environments) {
    const mine = entriesOf(environments, environment, entries);
    if (mine.length === 0) return null; // maybe a versions directory inside a submodule
    const graph = cache.get(
      GraphCache.key(mine, { versions: environment.versions, options: graphOptions(repo, environment, mine), python: python?.id ?? null }),
    );
    if (graph === undefined) return null;
    result.push({ environment, graph });
  }
  return result;
}

/** Scripts with branch_labels written through imported constants resolved (labels.ts, loaded only then). */
async function withLabels(repo: Repo, source: Source, scripts: ParsedScript[]): Promise<ParsedScript[]> {
  if (!scripts.some((script) => script.labelSource !== undefined)) return scripts;
  noteOpaque('branch labels read from imported modules');
  const { resolveLabels } = await import('./labels.js');
  return resolveLabels(repo, source.kind === 'commit' ? source : { kind: source.kind }, scripts);
}

/**
 * How an environment's graph is built: its heads setting and which of its files Alembic loads.
 * With the versions directories, everything the graph rules read besides the scripts: the graph
 * cache's key covers all of it (issue 13: listing two sub-folders instead of their parent
 * changes the answer with the same blobs), whatever is added here.
 */
function graphOptions(repo: Repo, environment: Environment, scripts: { path: string }[]): GraphOptions {
  return { allowMultipleHeads: environment.allowMultipleHeads, loading: loadingOf(repo, environment, scripts) };
}

/**
 * Which files Alembic loads: what the configuration says, else only the versions directories
 * themselves, unless the project's code sets version_locations. Only an environment with files
 * in subdirectories needs to know, and only then are its Python files read.
 */
function loadingOf(repo: Repo, environment: Environment, scripts: { path: string }[]): Loading {
  if (environment.loading !== undefined) return environment.loading;
  if (!scripts.some(({ path }) => !directlyIn(path, environment.versions))) return 'flat';
  noteOpaque('version_locations looked for in the project code');
  return setsVersionLocations(repo.root, environment) ? 'code' : 'flat';
}

/** Whether a path is a file directly in one of the directories, not in a subdirectory of it. */
function directlyIn(path: string, dirs: string[]): boolean {
  for (const dir of dirs) if (!path.includes('/', dir === '' ? 0 : dir.length + 1) && isUnder(path, dir)) return true;
  return false;
}

function entriesOf(environments: Environment[], environment: Environment, entries: BlobEntry[]): BlobEntry[] {
  // One environment (the usual case): git listed only its directories.
  return environments.length === 1 ? entries : entries.filter((entry) => inEnvironment(environment, entry.path));
}

/** A migration script, as Alembic would load it; submodules (160000) hold none. */
function isScript(entry: BlobEntry): boolean {
  return isMigrationPath(entry.path) && entry.mode !== '160000';
}

function inEnvironment(environment: Environment, path: string): boolean {
  return environment.versions.some((dir) => isUnder(path, dir));
}

/** A submodule whose scripts could not be read, and why. */
interface Unread {
  path: string;
  why: 'not-checked-out' | 'objects-missing';
}

/**
 * The migration scripts a commit or the index records: path, mode and blob id, in path order;
 * and the submodules at, under or above a versions directory whose scripts could not be read.
 *
 * A versions directory (or a folder in it, or a folder holding it) may be a git submodule: our
 * index and trees then hold one gitlink (mode 160000, the recorded commit), not the scripts.
 * Alembic reads the checked-out files, so the guard reads the recorded commit's tree from the
 * submodule's own objects. `check` reads the commit recorded in the index; what the submodule
 * has beyond it (new commits, changes, untracked files) shows in git status on the gitlink.
 */
async function sourceEntries(repo: Repo, dirs: string[], source: Exclude<Source, { kind: 'worktree' }>): Promise<[BlobEntry[], Unread[]]> {
  if (dirs.length === 0) return [[], []];
  let entries = source.kind === 'commit' ? await treeEntries(repo, source.commit, dirs) : (source.entries ?? (await indexEntries(repo, dirs)));
  const gitlinks = [...entries.filter((entry) => entry.mode === '160000'), ...(await gitlinksAbove(repo, dirs, entries, source))];
  if (gitlinks.length === 0) return [entries.filter(isScript), []];
  const unread: Unread[] = [];
  const more: BlobEntry[] = [];
  for (const gitlink of gitlinks) {
    const rels = dirs.flatMap((dir) => (isUnder(dir, gitlink.path) ? [dir.slice(gitlink.path.length + 1)] : isAtOrUnder(gitlink.path, dir) ? [''] : []));
    const found = await submoduleEntries(repo, gitlink, rels);
    if (typeof found === 'string') unread.push({ path: gitlink.path, why: found });
    else more.push(...found);
  }
  entries = [...entries, ...more].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return [entries.filter(isScript), unread];
}

/**
 * Submodules that hold a versions directory (`vendor/db` holding `vendor/db/versions`). Our
 * index and trees list nothing under such a directory, so only a directory without entries is
 * looked up: the usual repository pays nothing.
 */
export async function gitlinksAbove(repo: Repo, dirs: string[], entries: BlobEntry[], source: Exclude<Source, { kind: 'worktree' }>): Promise<BlobEntry[]> {
  const empty = dirs.filter((dir) => dir !== '' && !entries.some((entry) => isAtOrUnder(entry.path, dir)));
  const parents = [
    ...new Set(
      empty.flatMap((dir) =>
        dir
          .split('/')
          .slice(0, -1)
          .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
      ),
    ),
  ];
  if (parents.length === 0) return [];
  const found =
    source.kind === 'commit'
      ? await treeEntries(repo, source.commit, parents, false)
      : (await allStages(repo, parents.map(literal))).filter((entry) => entry.stage === '0');
  return found.filter((entry) => entry.mode === '160000' && parents.includes(entry.path));
}

/** The graph, with a warning for each submodule of the environment whose scripts were not read. */
function withUnread<G extends GraphSummary>(graph: G, environment: Environment, unread: Unread[]): G {
  const mine = unread.filter((u) => environment.versions.some((dir) => overlaps(u.path, dir)));
  if (mine.length === 0) return graph;
  const problems: GraphProblem[] = mine.map((u) => ({
    kind: 'submodule-unread',
    severity: 'warning',
    paths: [u.path],
    revisions: [],
    message:
      u.why === 'not-checked-out'
        ? `${u.path} is a git submodule that is not checked out here, so its migrations were not checked (git submodule update --init ${u.path})`
        : `${u.path} is a git submodule whose recorded commit is not in its objects here, so its migrations were not checked (git submodule update ${u.path})`,
  }));
  return { ...graph, problems: [...graph.problems, ...problems] };
}

/**
 * Parsed scripts of blob entries, each with Python's verdict folded in (compile.ts). A script
 * parsed once under its blob id is never parsed again; the parse cache keeps the static reading
 * only, and Python's verdicts are kept apart, under the Python that gave them.
 */
async function parseEntries(repo: Repo, entries: BlobEntry[], source: Source, python: Python | null): Promise<ParsedScript[]> {
  if (entries.length === 0) return [];
  // The same blob at the same path, judged by the same Python, is the same script: a merge check
  // reads three trees that share nearly every file, and each is parsed and judged once.
  const memoKey = (entry: BlobEntry) => (entry.objects === undefined ? `${python?.id ?? ''}\0${entry.oid}\0${entry.path}` : null);
  const known = entries.map((entry) => {
    const key = memoKey(entry);
    return key === null ? undefined : JUDGED_HERE.get(key);
  });
  if (known.every((script) => script !== undefined)) return known as ParsedScript[];
  if (known.some((script) => script !== undefined)) {
    const fresh = await parseEntries(
      repo,
      entries.filter((_, i) => known[i] === undefined),
      source,
      python,
    );
    const byPath = new Map(fresh.map((script) => [script.path, script]));
    return entries.flatMap((entry, i) => known[i] ?? byPath.get(entry.path) ?? []);
  }
  const cache = new ParseCache(repo.commonDir);
  const parsed = new Map<string, Judged>();
  const misses = entries.filter((entry) => {
    const hit = cache.get(entry.oid, entry.path);
    if (hit) parsed.set(entry.path, { entry, script: hit });
    return !hit;
  });
  if (misses.length > 0) {
    const { parseScript } = await parser();
    const remember = (entry: BlobEntry, content: Buffer) => {
      const script = parseScript(entry.path, content);
      cache.set(entry.oid, script);
      parsed.set(entry.path, { entry, script, content });
    };
    const fromObjects: BlobEntry[] = [];
    for (const entry of misses) {
      // The index source reads files whose working copy git reports as unchanged from disk,
      // without inflating objects, but only when the bytes are the blob's: git status trusts an
      // entry marked assume-unchanged or skip-worktree, and compares through clean filters,
      // working-tree-encoding and eol conversion. Anything else is read from the object store.
      const clean = source.kind === 'index' && source.dirty && !source.dirty.has(entry.path) && entry.mode !== '120000';
      const content = clean ? readOrNull(join(repo.root, entry.path)) : null;
      if (content && isBlob(content, entry.oid)) remember(entry, content);
      else fromObjects.push(entry);
    }
    // Each from the repository that holds it: ours, or a submodule's.
    for (const objects of new Set(fromObjects.map((e) => e.objects))) {
      const group = fromObjects.filter((e) => e.objects === objects);
      const blobs = await readBlobs(
        objects === undefined ? repo : { ...repo, root: objects },
        group.map((e) => e.oid),
      );
      for (const entry of group) {
        const blob = blobs.get(entry.oid);
        if (blob) remember(entry, blob);
        else if (NOT_IN_CLONE.has(entry.oid)) {
          // Never fetched (run.ts): said, and not cached, so a later fetch is read.
          const script: ParsedScript = {
            path: entry.path,
            revision: null,
            downRevisions: [],
            dependsOn: [],
            branchLabels: [],
            warnings: [],
            error: { kind: 'unreadable', message: NOT_IN_CLONE_MESSAGE },
          };
          parsed.set(entry.path, { entry, script });
        }
      }
    }
    cache.save();
  }
  const judged = entries.flatMap((entry) => parsed.get(entry.path) ?? []);
  // A submodule's scripts are judged where their bytes were read (a blob of its own objects).
  await judge(
    repo,
    python,
    judged.filter((j) => j.entry.objects === undefined || j.content !== undefined),
  );
  for (const j of judged) {
    const key = memoKey(j.entry);
    if (key !== null && j.script.error?.message !== NOT_IN_CLONE_MESSAGE) JUDGED_HERE.set(key, j.script);
  }
  return judged.map((j) => j.script);
}

/** Migration files of the working tree, path → content. */
async function readWorktree(repo: Repo, dirs: string[]): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  // fast-glob is loaded only here: the hooks never read the working tree this way.
  const { default: fg } = await importPackage<{ default: typeof import('fast-glob') }>('fast-glob');
  const found = await fg(
    dirs.map((dir) => `${fg.escapePath(dir === '' ? '.' : dir)}/**/*.py`),
    { cwd: repo.root, dot: true, onlyFiles: true, followSymbolicLinks: true, ignore: ['**/__pycache__/**'] },
  );
  for (const path of found.map((p) => p.replace(/^\.\//, '')).filter(isMigrationPath)) {
    const content = readOrNull(join(repo.root, path));
    if (content) files.set(path, content);
  }
  return files;
}

/**
 * Whether `content` is the blob `oid`: git's object id is the hash of `blob <size>\0<bytes>`,
 * SHA-1 (40 hex digits) or SHA-256 in a repository with objectFormat=sha256 (64).
 */
export function isBlob(content: Buffer, oid: string): boolean {
  const algorithm = oid.length === 64 ? 'sha256' : oid.length === 40 ? 'sha1' : null;
  if (algorithm === null) return false;
  return createHash(algorithm).update(`blob ${content.length}\0`).update(content).digest('hex') === oid;
}

function readOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}
