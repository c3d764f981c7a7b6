import pc from 'picocolors';
import { describeSource, type EnvironmentGraph, loadGraphs, type Source } from '../alembic/sources.js';
import type { CommandResult, GraphOptions } from '../command.js';
import { GuardError } from '../errors.js';
import { headCommit, resolveCommit } from '../git/repo.js';
import { describeLayout, graphFix } from '../report/messages.js';
import { escapeControls, showName } from '../report/quote.js';
import { openWorkspace } from '../workspace.js';

/**
 * `alembic-guard graph [--json] [--rev REV | --index | --worktree]`: heads, bases and every
 * revision with its parents and file. Default source: the index (what the next commit holds).
 * Exit 1 when a graph has a blocking problem, so scripts can use it as a check too.
 */
export async function graph(options: GraphOptions): Promise<CommandResult> {
  const chosen = [options.rev !== undefined, options.index, options.worktree].filter(Boolean).length;
  if (chosen > 1) throw new GuardError('graph takes one of --rev REV, --index, --worktree');
  const ws = await openWorkspace(options.cwd);
  const source: Source = options.rev
    ? { kind: 'commit', commit: await resolveCommit(ws.repo, options.rev) }
    : options.worktree
      ? { kind: 'worktree' }
      : { kind: 'index' };
  let graphs = await loadGraphs(ws.repo, ws.discovery.environments, source);
  let added: Set<string> | undefined;
  if (options.base !== undefined) {
    // The merge of this source's commit into the base, with the revisions it adds marked.
    if (source.kind !== 'commit' && source.kind !== 'index')
      throw new GuardError('graph --base draws a commit merged into the base: use it without --worktree');
    const commit = source.kind === 'commit' ? source.commit : await headCommit(ws.repo);
    if (!commit) throw new GuardError('graph --base needs a commit, and this repository has none yet');
    const { mergeFindings, resolveBase } = await import('./merge-safety.js');
    const baseCommit = await resolveBase(ws.repo, options.base);
    const { facts } = await mergeFindings(ws.repo, ws.discovery.environments, { ref: options.base, baseCommit, headCommit: commit, keep: () => true });
    graphs = facts.merged;
    added = new Set(Object.values(facts.added).flat());
  }
  const failed = graphs.some((g) => g.graph.problems.some((p) => p.severity === 'error'));
  return { text: await render(graphs, source, options, added), exitCode: failed ? 1 : 0 };
}

async function render(graphs: EnvironmentGraph[], source: Source, options: GraphOptions, added: Set<string> | undefined): Promise<string> {
  if (options.format === 'mermaid' || options.format === 'dot') {
    const picture = await import('../report/picture.js');
    const pictures = graphs.map((g) => ({ name: g.environment.name, graph: g.graph }));
    return options.format === 'mermaid' ? picture.mermaid(pictures, { added }) : picture.dot(pictures, { added });
  }
  return options.format === 'json' || options.json ? graphJson(graphs) : graphText(graphs, source);
}

/** The documented, stable shape: lists are always lists, paths repository-relative. */
export function graphJson(graphs: EnvironmentGraph[]): string {
  const environments = graphs.map(({ environment, graph }) => ({
    name: environment.name,
    versions: environment.versions,
    layout: graph.layout ?? null,
    heads: graph.heads,
    bases: graph.bases,
    revisions: graph.revisions.map((r) => ({
      revision: r.revision,
      down_revision: r.downRevisions,
      depends_on: r.dependsOn,
      branch_labels: r.branchLabels,
      path: r.path,
    })),
    problems: graph.problems.map((p) => ({ kind: p.kind, severity: p.severity, message: p.message, paths: p.paths, revisions: p.revisions })),
    warnings: graph.warnings,
  }));
  return `${JSON.stringify({ environments }, null, 2)}\n`;
}

function graphText(graphs: EnvironmentGraph[], source: Source): string {
  if (graphs.length === 0) return 'No Alembic environment found (alembic-guard doctor shows what was looked for).\n';
  const lines: string[] = [];
  for (const { environment, graph } of graphs) {
    const pathOf = new Map(graph.revisions.map((r) => [r.revision, r.path]));
    lines.push(pc.bold(`${showName(environment.name)}`) + pc.dim(`  (${escapeControls(environment.source)}; ${describeSource(source)})`));
    if (graph.layout) lines.push(`  layout: ${describeLayout(graph.layout)}`);
    lines.push(`  heads: ${graph.heads.map((h) => `${pc.green(showName(h))} ${pc.dim(showName(pathOf.get(h) ?? ''))}`).join(', ') || '(none)'}`);
    lines.push(`  bases: ${graph.bases.map(showName).join(', ') || '(none)'}`);
    lines.push(`  revisions (${graph.revisions.length}):`);
    for (const r of graph.revisions) {
      const parents = r.downRevisions.length ? r.downRevisions.map(showName).join(', ') : '(base)';
      const deps = r.dependsOn.length ? ` depends on ${r.dependsOn.map(showName).join(', ')}` : '';
      const labels = r.branchLabels.length ? ` [${r.branchLabels.map(showName).join(', ')}]` : '';
      lines.push(`    ${showName(r.revision)}${labels} ← ${parents}${deps}  ${pc.dim(showName(r.path))}`);
    }
    for (const p of graph.problems) {
      lines.push(`  ${p.severity === 'error' ? pc.red('✖') : pc.yellow('⚠')} ${escapeControls(p.message)}`);
      const fix = graphFix(p, environment.runner);
      if (fix !== null && p.kind === 'multiple-heads') lines.push(`    ${pc.cyan('→')} ${fix}`);
    }
    for (const w of graph.warnings) lines.push(`  ${pc.yellow('⚠')} ${showName(w.path)}:${w.line}: ${escapeControls(w.message)}`);
    lines.push('');
  }
  return `${lines.join('\n')}`;
}
