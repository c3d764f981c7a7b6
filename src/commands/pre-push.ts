import type { Readable } from 'node:stream';
import { loadSummaries, type Source } from '../alembic/sources.js';
import { classify } from '../alembic/environment.js';
import { GuardError } from '../errors.js';
import type { Finding } from '../findings.js';
import { boundary, commitsChanging, diffIndexCached, diffTrees, indexEntries, objectIds } from '../git/objects.js';
import { mergeBase } from '../git/merge-tree.js';
import { hasRefs, headCommit, remoteDefaultBranch } from '../git/repo.js';
import { status } from '../git/status.js';
import type { Report } from '../report/verdict.js';
import { openWorkspace, watchedPaths, type Workspace } from '../workspace.js';
import { hiddenEdits, worktreeFindings } from './check.js';
import { graphFindings, ignoreFilter, setupFindings } from './shared.js';

const ZERO = /^0+$/;

export interface PushedRef {
  localRef: string;
  localSha: string;
  remoteRef: string;
  remoteSha: string;
}

/** git's pre-push stdin: `<local ref> SP <local sha> SP <remote ref> SP <remote sha> LF` per ref. */
export function parsePushLines(text: string): PushedRef[] {
  const refs: PushedRef[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const parts = line.trim().split(' ');
    if (parts.length !== 4) throw new GuardError(`pre-push: cannot read the ref line "${line}" (expected 4 fields)`);
    const [localRef, localSha, remoteRef, remoteSha] = parts;
    refs.push({ localRef, localSha, remoteRef, remoteSha });
  }
  return refs;
}

/**
 * pre-push <remote> <url>: every pushed commit must hold together, and when the checked-out HEAD
 * is pushed, nothing Alembic needs may stay behind in the working tree. Reads only local objects.
 */
export async function prePush(cwd: string, args: string[], stdin: Readable): Promise<Report> {
  if (args.length > 2) throw new GuardError('pre-push takes <remote> <url> and reads the refs on stdin');
  let remote = args[0] ?? 'origin';
  let refs = parsePushLines(await readAll(stdin));
  if (refs.length === 0 && underFramework(process.env)) {
    // The pre-commit framework reads git's stdin itself and passes the push on in variables.
    const framework = frameworkRef(process.env);
    remote = framework.remote ?? remote;
    refs = [framework.ref];
  } else if (refs.length === 0 && (stdin as NodeJS.ReadStream).isTTY) {
    throw new GuardError('pre-push reads the pushed refs on stdin, as git passes them; to check a commit by hand run `alembic-guard graph --rev <commit>`');
  }
  const ws = await openWorkspace(cwd);
  const findings: Finding[] = setupFindings(ws);
  const keep = await ignoreFilter(ws.config);
  const dirs = ws.discovery.environments.flatMap((env) => env.versions);
  const pushed = refs.filter((ref) => !ZERO.test(ref.localSha)); // a deletion pushes nothing
  // Git is asked once for all refs, however many a push names (`--tags`, `--mirror`).
  const [head, peeled, tracking] = await Promise.all([
    headCommit(ws.repo),
    objectIds(ws.repo, pushed.flatMap((ref) => [ref.localSha, ...(ZERO.test(ref.remoteSha) ? [] : [ref.remoteSha])]).map(peel)),
    hasRefs(ws.repo, `refs/remotes/${remote}/`),
  ]);
  const commitOf = (oid: string) => peeled.get(peel(oid)) ?? null; // null: a tag on a tree or blob, or not fetched
  const tips = [...new Set(pushed.flatMap((ref) => commitOf(ref.localSha) ?? []))];
  const known = [...new Set(pushed.flatMap((ref) => (ZERO.test(ref.remoteSha) ? [] : (commitOf(ref.remoteSha) ?? []))))];
  // Every pushed commit that changes a versions directory ("each pushed commit", not only the
  // tips): what the remote has is what it told us (remote shas) and its tracking refs. Of a
  // first push, where we know nothing the remote has, only the tips: the whole history would be
  // "pushed", and it was judged commit by commit when it was made.
  const changing = known.length > 0 || tracking ? await commitsChanging(ws.repo, tips, known, [`--remotes=${remote}`], dirs) : [];

  if (head !== null && tips.includes(head)) findings.push(...(await leftBehind(ws, head, keep)));

  // Commits whose versions directories are the same trees hold the same scripts: judged once.
  const judged = [...new Set([...tips, ...changing.map((c) => c.commit)])];
  const trees = await objectIds(
    ws.repo,
    judged.flatMap((commit) => dirs.map((dir) => `${commit}:${dir}`)),
  );
  const seen = new Set<string>();
  for (const commit of judged) {
    const key = dirs.map((dir) => trees.get(`${commit}:${dir}`) ?? '-').join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    const source: Source = { kind: 'commit', commit };
    findings.push(...graphFindings(await loadSummaries(ws.repo, ws.discovery.environments, source), source, keep));
  }

  // A push that changes nothing under the versions directories changes no migration the remote has.
  if (ws.config.changedMigrations !== 'off' && changing.length > 0) {
    const compared = new Set<string>();
    for (const ref of pushed) {
      const commit = commitOf(ref.localSha);
      if (!commit || compared.has(`${commit} ${ref.remoteSha}`)) continue;
      compared.add(`${commit} ${ref.remoteSha}`);
      findings.push(...(await changedPushed(ws, ref, commit, commitOf, remote, keep)));
    }
  }
  if (ws.config.mergeHeads !== 'off' && dirs.length > 0) findings.push(...(await mergeWarnings(ws, remote, pushed, commitOf, keep)));
  return { command: 'pre-push', workspace: ws, findings: dedupe(findings) };
}

/**
 * A branch pushed beside the remote's default branch (as last fetched): would merging it there
 * give two heads, or a conflict in a migration? A warning (mergeHeads: "block" makes it an
 * error), naming the other head and both fixes. Pushing the default branch itself, or a branch
 * whose base has added no migration since it forked, asks nothing more.
 */
/** pre-push judges at most this many merges of pushed branches into the default branch. */
const MAX_MERGE_CHECKS = 16;

async function mergeWarnings(
  ws: Workspace,
  remote: string,
  pushed: PushedRef[],
  commitOf: (oid: string) => string | null,
  keep: (path: string) => boolean,
): Promise<Finding[]> {
  const target = await remoteDefaultBranch(ws.repo, remote);
  if (!target) return [];
  const dirs = ws.discovery.environments.flatMap((env) => env.versions);
  const findings: Finding[] = [];
  const tips = [
    ...new Set(
      pushed
        .filter((ref) => ref.localRef.startsWith('refs/heads/') && ref.remoteRef !== `refs/heads/${target.branch}`)
        .flatMap((ref) => commitOf(ref.localSha) ?? []),
    ),
  ];
  if (tips.length === 0) return [];
  // One batch for every tip: a branch whose versions directories are the base's trees adds no
  // migration, and its merge cannot make a head (a push of 1,000 branches asks git once here).
  const trees = await objectIds(
    ws.repo,
    [target.commit, ...tips].flatMap((c) => dirs.map((dir) => `${c}:${dir}`)),
  );
  const same = (a: string, b: string) => dirs.every((dir) => trees.get(`${a}:${dir}`) === trees.get(`${b}:${dir}`));
  const differing = tips.filter((tip) => !same(tip, target.commit));
  // A warning, bounded: past MAX_MERGE_CHECKS branches in one push the merges are CI's (verify --base).
  for (const tip of differing.slice(0, MAX_MERGE_CHECKS)) {
    const common = await mergeBase(ws.repo, target.commit, tip);
    if (common === target.commit) continue; // the branch already holds the base: nothing to merge
    if (common !== null) {
      const trees = await objectIds(
        ws.repo,
        [common, target.commit].flatMap((c) => dirs.map((dir) => `${c}:${dir}`)),
      );
      if (dirs.every((dir) => trees.get(`${common}:${dir}`) === trees.get(`${target.commit}:${dir}`))) continue;
    }
    const { mergeFindings } = await import('./merge-safety.js');
    const { findings: found } = await mergeFindings(ws.repo, ws.discovery.environments, {
      ref: target.ref,
      baseCommit: target.commit,
      headCommit: tip,
      keep,
      severity: ws.config.mergeHeads === 'block' ? 'error' : 'warning',
    });
    for (const f of found) {
      if (f.kind === 'merge-graph') findings.push(f);
      if (f.kind === 'merge-conflict') findings.push(ws.config.mergeHeads === 'block' ? f : { ...f, severity: 'warning' });
    }
  }
  return findings;
}

const peel = (oid: string) => `${oid}^{commit}`;

/** Working-tree files that the pushed HEAD commit does not carry, each kind with its own fix. */
async function leftBehind(ws: Workspace, commit: string, keep: (path: string) => boolean): Promise<Finding[]> {
  const environments = ws.discovery.environments;
  const paths = watchedPaths(ws.discovery);
  const [entries, index, staged] = await Promise.all([
    status(ws.repo, paths),
    indexEntries(
      ws.repo,
      environments.flatMap((env) => env.versions),
    ),
    diffIndexCached(ws.repo, commit, paths),
  ]);
  const findings: Finding[] = [];
  for (const finding of [...(await worktreeFindings(ws, environments, entries, index, keep)), ...(await hiddenEdits(ws, environments, index, keep))]) {
    if (finding.kind === 'unstaged') {
      const uncommitted: Finding = {
        kind: 'modified-uncommitted',
        severity: 'error',
        environment: finding.environment,
        path: finding.path,
        role: finding.role,
      };
      if (finding.settings) uncommitted.settings = finding.settings;
      findings.push(uncommitted);
    } else {
      findings.push(finding);
    }
  }
  for (const change of staged) {
    const hit = classify(environments, change.path);
    if (!hit || !keep(change.path)) continue;
    findings.push({ kind: 'staged-uncommitted', severity: 'error', environment: hit.environment.name, path: change.path, role: hit.role });
  }
  return findings;
}

/** Migrations the remote already has that this push modifies or deletes. */
async function changedPushed(
  ws: Workspace,
  ref: PushedRef,
  commit: string,
  commitOf: (oid: string) => string | null,
  remote: string,
  keep: (path: string) => boolean,
): Promise<Finding[]> {
  const dirs = ws.discovery.environments.flatMap((env) => env.versions);
  if (dirs.length === 0) return [];
  let bases: string[];
  if (!ZERO.test(ref.remoteSha)) {
    const known = commitOf(ref.remoteSha);
    if (!known) return []; // not fetched: git will refuse a non-fast-forward push anyway
    bases = [known];
  } else {
    // A new branch: compare with the newest commits the remote already has (its tracking refs).
    bases = await boundary(ws.repo, commit, [`--remotes=${remote}`]);
  }
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const base of bases) {
    for (const change of await diffTrees(ws.repo, base, commit, dirs)) {
      if (change.status !== 'M' && change.status !== 'D' && change.status !== 'T') continue;
      const hit = classify(ws.discovery.environments, change.path);
      if (!hit || hit.role !== 'migration' || !keep(change.path) || seen.has(change.path)) continue;
      seen.add(change.path);
      findings.push({
        kind: 'changed-pushed-migration',
        severity: ws.config.changedMigrations === 'block' ? 'error' : 'warning',
        environment: hit.environment.name,
        path: change.path,
        change: change.status === 'D' ? 'deleted' : 'modified',
        commit,
        remoteRef: ZERO.test(ref.remoteSha) ? `${remote} (${shortRef(ref.remoteRef)} is new)` : `${remote}/${shortRef(ref.remoteRef)}`,
      });
    }
  }
  return findings;
}

/**
 * Whether the pre-commit framework runs this push hook: it sets PRE_COMMIT=1 for every hook, and
 * the PRE_COMMIT_* push variables (pre-commit's commands/run.py).
 */
function underFramework(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.PRE_COMMIT_TO_REF || env.PRE_COMMIT_LOCAL_BRANCH || env.PRE_COMMIT === '1');
}

/**
 * The push as the pre-commit framework describes it (PRE_COMMIT_FROM_REF, _TO_REF, …). When the
 * push carries the root commit (the first push to an empty remote) the framework runs its hooks
 * on all files and sets no FROM_REF/TO_REF, only the branch names (pre-commit's
 * commands/hook_impl.py, `_pre_push_ns`): then the pushed commit is the local branch (or HEAD),
 * judged as a new branch, against the working tree when it is HEAD.
 */
export function frameworkRef(env: NodeJS.ProcessEnv): { ref: PushedRef; remote: string | undefined } {
  return {
    remote: env.PRE_COMMIT_REMOTE_NAME || undefined,
    ref: {
      localRef: env.PRE_COMMIT_LOCAL_BRANCH || 'HEAD',
      localSha: env.PRE_COMMIT_TO_REF || env.PRE_COMMIT_LOCAL_BRANCH || 'HEAD',
      remoteRef: env.PRE_COMMIT_REMOTE_BRANCH || env.PRE_COMMIT_LOCAL_BRANCH || 'HEAD',
      // FROM_REF is the remote's commit, or for a new branch the parent of its first new commit.
      remoteSha: env.PRE_COMMIT_FROM_REF || '0'.repeat(40),
    },
  };
}

function shortRef(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

/** The same graph problem found in two pushed commits is one problem. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = f.kind === 'graph' ? `graph ${f.environment} ${f.problem.kind} ${f.problem.message}` : JSON.stringify(f);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function readAll(stream: Readable): Promise<string> {
  if ((stream as NodeJS.ReadStream).isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
