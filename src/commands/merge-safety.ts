/**
 * Merge safety, for `verify --base` and pre-push: the graph of the tree git would make by merging
 * the branch into its base, judged against both sides (alembic/merge.ts). Only git objects are
 * read; git's merge writes its objects to a scratch directory (git/merge-tree.ts).
 */
import type { Environment } from '../alembic/environment.js';
import { BYPASS_TRAILER } from '../bypass.js';
import { type MergeFacts, mergeConflicts, mergeProblems } from '../alembic/merge.js';
import { type EnvironmentGraph, loadBaseGraphs, loadGraphs } from '../alembic/sources.js';
import type { Finding, Severity } from '../findings.js';
import { commitTrailers, diffTrees, objectIds } from '../git/objects.js';
import { mergeBase, mergeTree, withScratchObjects } from '../git/merge-tree.js';
import { GuardError } from '../errors.js';
import { type Repo, resolveCommit } from '../git/repo.js';

export interface MergeCheck {
  /** The base as the user named it (`main`, `origin/main`). */
  ref: string;
  baseCommit: string;
  headCommit: string;
  /** The branch's own graphs, when the caller has them already. */
  headGraphs?: EnvironmentGraph[];
  keep: (path: string) => boolean;
  /** Severity of a merge-graph problem (pre-push warns unless configured to block). */
  severity?: Severity;
  /** Severity of an edit of a migration the base has (a warning unless --strict). */
  editSeverity?: Severity;
}

export async function mergeFindings(repo: Repo, environments: Environment[], check: MergeCheck): Promise<{ findings: Finding[]; facts: MergeFacts }> {
  const { ref, baseCommit, headCommit, keep } = check;
  const versions = environments.flatMap((env) => env.versions);
  return withScratchObjects(repo, async () => {
    const [result, common] = await Promise.all([mergeTree(repo, baseCommit, headCommit), mergeBase(repo, baseCommit, headCommit)]);
    // The merge's versions directories are often exactly one side's (the base added no migration
    // since the branch forked, or the branch none): that side's graph is the merge's, not built again.
    const trees = await objectIds(
      repo,
      [result.tree, baseCommit, headCommit].flatMap((c) => versions.map((dir) => `${c}:${dir}`)),
    );
    const sameAs = (commit: string) => versions.every((dir) => trees.get(`${result.tree}:${dir}`) === trees.get(`${commit}:${dir}`));
    const [base, head] = await Promise.all([
      loadBaseGraphs(repo, environments, { kind: 'commit', commit: baseCommit, label: ref }),
      check.headGraphs ?? loadGraphs(repo, environments, { kind: 'commit', commit: headCommit }),
    ]);
    const merged = sameAs(headCommit)
      ? head
      : sameAs(baseCommit)
        ? base
        : await loadGraphs(repo, environments, { kind: 'commit', commit: result.tree, label: `the merge into ${ref}` });
    const findings: Finding[] = [];
    const conflicted = mergeConflicts(environments, result.conflicts).filter((c) => keep(c.path));
    for (const c of conflicted) {
      findings.push({ kind: 'merge-conflict', severity: 'error', environment: c.environment.name, path: c.path, role: c.role, base: ref });
    }
    const sides = environments.map((environment, i) => ({ environment, base: base[i]!.graph, branch: head[i]!.graph, merged: merged[i]!.graph }));
    for (const p of mergeProblems(sides, new Set(conflicted.map((c) => c.path)))) {
      if (p.problem.paths.length > 0 && p.problem.paths.every((path) => !keep(path))) continue;
      const finding: Finding = {
        kind: 'merge-graph',
        severity: check.severity ?? 'error',
        environment: p.environment.name,
        base: ref,
        problem: p.problem,
        branch: p.branch,
        baseHeads: p.baseHeads,
      };
      if (p.environment.runner) finding.runner = p.environment.runner;
      if (p.repoint) finding.repoint = p.repoint;
      findings.push(finding);
    }
    // Edits of what the base already has: the branch's own changes since it forked.
    if (common !== null) {
      const inBase = new Map(base.flatMap((g) => g.scripts.map((s) => [s.path, g.environment] as const)));
      for (const change of await diffTrees(repo, common, headCommit, versions)) {
        const environment = inBase.get(change.path);
        if (!environment || !keep(change.path) || (change.status !== 'M' && change.status !== 'D')) continue;
        findings.push({
          kind: 'base-migration-changed',
          severity: check.editSeverity ?? 'warning',
          environment: environment.name,
          path: change.path,
          change: change.status === 'M' ? 'modified' : 'deleted',
          base: ref,
        });
      }
    }
    const added: Record<string, string[]> = {};
    environments.forEach((environment, i) => {
      const before = new Set(base[i]!.graph.revisions.map((r) => r.revision));
      added[environment.name] = merged[i]!.graph.revisions.map((r) => r.revision).filter((id) => !before.has(id));
    });
    return { findings, facts: { ref, commit: baseCommit, mergeBase: common, merged, base, added, conflicts: result.conflicts } };
  });
}

/** The commit `--base REF` names; an unknown REF is one line naming the option (exit 2). */
export async function resolveBase(repo: Repo, ref: string): Promise<string> {
  return resolveCommit(repo, ref).catch((error: unknown) => {
    throw error instanceof GuardError ? new GuardError(`--base ${ref}: ${error.message}`) : error;
  });
}

/** The branch's commits that went through on the guard's bypass, from the trailer the hook adds. */
export async function bypassedCommits(repo: Repo, baseCommit: string, headCommit: string): Promise<Finding[]> {
  const commits = await commitTrailers(repo, `${baseCommit}..${headCommit}`, BYPASS_TRAILER);
  return commits.map((c) => ({ kind: 'bypassed-commit', severity: 'warning', commit: c.commit, subject: c.subject, reason: c.value }));
}
