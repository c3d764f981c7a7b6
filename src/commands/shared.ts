import type { GraphSummary } from '../alembic/cache.js';
import type { Environment } from '../alembic/environment.js';
import type { GraphProblem } from '../alembic/graph.js';
import { describeSource, type Source } from '../alembic/sources.js';
import type { GuardConfig } from '../config.js';
import type { ParsedScript } from '../alembic/script.js';
import type { Finding } from '../findings.js';
import type { BlobEntry } from '../git/objects.js';
import type { Repo } from '../git/repo.js';
import type { Workspace } from '../workspace.js';
import { importPackage } from '../packages.js';

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
export function graphFindings(graphs: { environment: Environment; graph: GraphSummary }[], source: Source, keep: (path: string) => boolean): Finding[] {
  const findings: Finding[] = [];
  const label = describeSource(source);
  for (const { environment, graph } of graphs) {
    for (const problem of graph.problems) {
      if (problem.paths.length > 0 && problem.paths.every((p) => !keep(p))) continue;
      if (problem.kind === 'syntax-error') {
        findings.push(unparsable(environment, label, problem));
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

/**
 * Environment files Alembic cannot read, as unparsable findings: env.py that Python cannot
 * compile (Alembic imports it before any migration, so every command stops), and an alembic.ini
 * or pyproject.toml still holding git's conflict markers. Verdicts are kept by blob id and
 * interpreter (compile.ts): an env file not changed since asks nothing.
 */
export async function envFileFindings(repo: Repo, environments: Environment[], entries: BlobEntry[], label: string): Promise<Finding[]> {
  const owner = new Map<string, Environment>();
  for (const env of environments) for (const file of env.envFiles) if (/(^|\/)(env\.py|alembic\.ini|pyproject\.toml)$/.test(file)) owner.set(file, env);
  const mine = entries.filter((e) => owner.has(e.path) && e.mode !== '160000' && e.mode !== '120000');
  if (mine.length === 0) return [];
  const { choosePython, judge } = await import('../alembic/compile.js');
  const files = mine.map((entry) => ({
    entry,
    script: { path: entry.path, revision: null, downRevisions: [], dependsOn: [], branchLabels: [], warnings: [] } as ParsedScript,
  }));
  await judge(repo, choosePython(repo.root, [...new Set(mine.map((e) => owner.get(e.path)!.scriptDir ?? ''))]), files, 'compile-env.json');
  const refused = files.filter((f) => f.script.error !== undefined);
  if (refused.length === 0) return [];
  const { scriptProblem } = await import('../alembic/graph.js');
  return refused.map(({ entry, script }) => unparsable(owner.get(entry.path)!, label, scriptProblem(script)));
}

/** A file Python cannot compile, as its finding (a graph's syntax-error problem, or an env file's). */
function unparsable(environment: Environment, source: string, problem: GraphProblem): Finding {
  const finding: Finding = {
    kind: 'unparsable',
    severity: 'error',
    environment: environment.name,
    source,
    path: problem.paths[0]!,
    message: problem.message,
    cause: problem.cause ?? 'syntax',
  };
  if (problem.line !== undefined) finding.line = problem.line;
  return finding;
}

/** A predicate that is false for paths matched by the configuration's `ignore` globs. */
export async function ignoreFilter(config: GuardConfig): Promise<(path: string) => boolean> {
  if (config.ignore.length === 0) return () => true;
  const { default: picomatch } = await importPackage<{ default: typeof import('picomatch') }>('picomatch');
  const isIgnored = picomatch(config.ignore, { dot: true });
  return (path) => !isIgnored(path);
}
