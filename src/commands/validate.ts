import { isAbsolute, relative, resolve, sep } from 'node:path';
import { classify } from '../alembic/environment.js';
import { loadSummaries, type Source } from '../alembic/sources.js';
import type { Finding } from '../findings.js';
import type { Report } from '../report/verdict.js';
import { openWorkspace } from '../workspace.js';
import { graphFindings, ignoreFilter } from './shared.js';

/**
 * lint-staged entry: `alembic-guard validate FILE…` parses the named staged migrations and checks
 * the staged graph of their environments. lint-staged hides unstaged edits while it runs, so the
 * index is the only honest source here (and `check` must run before lint-staged).
 */
export async function validate(cwd: string, files: string[]): Promise<Report> {
  const ws = await openWorkspace(cwd);
  const named = new Set(
    files.map((file) => {
      const abs = isAbsolute(file) ? file : resolve(cwd, file);
      return relative(ws.repo.root, abs).split(sep).join('/');
    }),
  );
  const environments = ws.discovery.environments.filter((env) => [...named].some((path) => classify([env], path)?.role === 'migration'));
  const keep = await ignoreFilter(ws.config);
  const source: Source = { kind: 'index' };
  const findings: Finding[] = graphFindings(await loadSummaries(ws.repo, environments, source), source, keep).filter(
    (f) =>
      (f.kind === 'graph' && (f.problem.paths.some((p) => named.has(p)) || f.problem.kind === 'multiple-heads')) ||
      ((f.kind === 'parse-warning' || f.kind === 'unparsable') && named.has(f.path)),
  );
  return { command: 'validate', workspace: ws, findings };
}
