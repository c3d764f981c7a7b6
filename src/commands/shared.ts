import { CompileCache, type GraphSummary } from '../alembic/cache.js';
import type { Environment } from '../alembic/environment.js';
import { describeSource, type Source } from '../alembic/sources.js';
import type { GuardConfig } from '../config.js';
import type { ParsedScript } from '../alembic/script.js';
import type { Finding } from '../findings.js';
import { type BlobEntry, readBlobs } from '../git/objects.js';
import type { Repo } from '../git/repo.js';
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
        const finding: Finding = { kind: 'unparsable', severity: 'error', environment: environment.name, source: label, path: problem.paths[0]!, message: problem.message, cause: problem.cause ?? 'syntax' };
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

/**
 * env.py files Python cannot compile, as unparsable findings: Alembic imports env.py before any
 * migration, so a syntax error there stops every command. Verdicts are kept by blob id; only an
 * env.py not seen before is read and handed to Python (compile.ts).
 */
export async function envFileFindings(repo: Repo, environments: Environment[], entries: BlobEntry[], label: string): Promise<Finding[]> {
  const owner = new Map<string, Environment>();
  for (const env of environments) for (const file of env.envFiles) if (file === 'env.py' || file.endsWith('/env.py')) owner.set(file, env);
  const mine = entries.filter((e) => owner.has(e.path) && e.mode !== '160000' && e.mode !== '120000');
  if (mine.length === 0) return [];
  const cache = new CompileCache(repo.commonDir);
  const verdicts = new Map(mine.map((e) => [e.oid, cache.get(e.oid)]));
  const misses = mine.filter((e) => verdicts.get(e.oid) === undefined);
  if (misses.length > 0) {
    const blobs = await readBlobs(repo, misses.map((e) => e.oid));
    const files = misses.flatMap((e) => {
      const content = blobs.get(e.oid);
      return content ? [{ oid: e.oid, content, script: { path: e.path, revision: null, downRevisions: [], dependsOn: [], branchLabels: [], warnings: [] } as ParsedScript }] : [];
    });
    await (await import('../alembic/compile.js')).judgeCompiles(repo.root, files);
    for (const { oid, script } of files) {
      verdicts.set(oid, script.error ?? null);
      cache.set(oid, script.error);
    }
    cache.save();
  }
  const findings: Finding[] = [];
  for (const entry of mine) {
    const error = verdicts.get(entry.oid);
    if (!error) continue;
    const cause = error.kind === 'conflict' ? 'conflict' : error.kind === 'not-utf8' ? 'encoding' : 'syntax';
    const at = error.line !== undefined ? ` (line ${error.line})` : '';
    const finding: Finding = { kind: 'unparsable', severity: 'error', environment: owner.get(entry.path)!.name, source: label, path: entry.path, message: `${entry.path} cannot be parsed${at}: ${error.message}`, cause };
    if (error.line !== undefined) finding.line = error.line;
    findings.push(finding);
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
