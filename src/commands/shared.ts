import type { GraphSummary } from '../alembic/cache.js';
import type { Environment } from '../alembic/environment.js';
import { describeSource, type Source } from '../alembic/sources.js';
import type { GuardConfig } from '../config.js';
import type { Finding } from '../findings.js';
import type { Workspace } from '../workspace.js';

/** Findings about the setup itself: locations outside the repository, unresolvable ones. */
export function setupFindings(ws: Workspace): Finding[] {
  const findings: Finding[] = [];
  for (const env of ws.discovery.environments) {
    for (const location of env.outside) {
      findings.push({ kind: 'outside-repository', severity: 'error', environment: env.name, location });
    }
  }
  for (const u of ws.discovery.unresolved) {
    findings.push({ kind: 'unresolved-location', severity: 'warning', source: u.source, location: u.location, reason: u.reason });
  }
  return findings;
}

/** Graph problems and parser warnings of each environment, as findings. */
export function graphFindings(
  graphs: { environment: Environment; graph: GraphSummary }[],
  source: Source,
  keep: (path: string) => boolean): Finding[] {
  const findings: Finding[] = [];
  const label = describeSource(source);
  for (const { environment, graph } of graphs) {
    for (const problem of graph.problems) {
      if (problem.paths.length > 0 && problem.paths.every((p) => !keep(p))) continue;
      if (problem.kind === 'syntax-error') {
        const finding: Finding = { kind: 'unparsable', severity: 'error', environment: environment.name, source: label, path: problem.paths[0]!, message: problem.message };
        if (problem.line !== undefined) finding.line = problem.line;
        findings.push(finding);
        continue;
      }
      findings.push({ kind: 'graph', severity: problem.severity, environment: environment.name, source: label, problem, runner: environment.runner });
    }
    for (const warning of graph.warnings) {
      if (!keep(warning.path)) continue;
      findings.push({ kind: 'parse-warning', severity: 'warning', environment: environment.name, ...warning });
    }
  }
  return findings;
}

/** A predicate that is false for paths matched by the configuration's `ignore` globs. */
export async function ignoreFilter(config: GuardConfig): Promise<(path: string) => boolean> {
  if (config.ignore.length === 0) return () => true;
  const { default: picomatch } = await import('picomatch');
  const isIgnored = picomatch(config.ignore, { dot: true });
  return (path) => !isIgnored(path);
}
