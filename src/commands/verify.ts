import { ancestors } from '../alembic/ancestry.js';
import { type EnvironmentGraph, loadGraphs, type Source } from '../alembic/sources.js';
import type { CliOptions } from '../cli.js';
import { GuardError } from '../errors.js';
import type { Finding } from '../findings.js';
import { indexEntries } from '../git/objects.js';
import { headCommit, resolveCommit } from '../git/repo.js';
import { status } from '../git/status.js';
import type { Report } from '../report/report.js';
import { openWorkspace, watchedPaths } from '../workspace.js';
import { worktreeFindings } from './check.js';
import { databaseUrl } from './database.js';
import { graphFindings, ignoreFilter, setupFindings } from './shared.js';

/**
 * CI's last line: the committed tree's graph, the checkout's leftovers, and — given a database —
 * that the database holds no revision the commit does not define (the incident: the database
 * at 014 while the repository ends at 008).
 */
export async function verify(options: CliOptions): Promise<Report> {
  const ws = await openWorkspace(options.cwd);
  const commit = options.rev ? await resolveCommit(ws.repo, options.rev) : await headCommit(ws.repo);
  if (!commit) throw new GuardError('verify needs a commit, and this repository has none yet');
  const findings: Finding[] = setupFindings(ws);
  const keep = await ignoreFilter(ws.config);
  const environments = ws.discovery.environments;

  const source: Source = { kind: 'commit', commit };
  const graphs = await loadGraphs(ws.repo, environments, source);
  findings.push(...graphFindings(graphs, source, keep));

  const [entries, index] = await Promise.all([
    status(ws.repo, watchedPaths(ws.discovery)),
    indexEntries(ws.repo, environments.flatMap((env) => env.versions)),
  ]);
  findings.push(...(await worktreeFindings(ws, environments, entries, index, keep)));

  const facts: Record<string, unknown> = { commit, database: null };
  const url = databaseUrl(options, ws.config.database.urlEnv);
  if (url) {
    const { readAppliedRevisions, isDbError } = await import('../db/index.js');
    const applied = await readAppliedRevisions(url, {
      table: ws.config.database.versionTable,
      schema: ws.config.database.schema,
    }).catch((error: unknown) => {
      // Driver failures (auth, DNS, refused, TLS, no database) are environment errors: exit 2,
      // one line, already redacted by the db layer.
      throw isDbError(error) ? new GuardError(error.message) : error;
    });
    const table = ws.config.database.schema
      ? `${ws.config.database.schema}.${ws.config.database.versionTable}`
      : ws.config.database.versionTable;
    facts.database = { target: applied.target, state: applied.state, revisions: applied.state === 'ok' ? applied.revisions : [] };
    if (applied.state === 'no-table') {
      findings.push({
        kind: 'database-untracked',
        severity: ws.config.database.requireTable ? 'error' : 'info',
        database: applied.target,
        table,
      });
    } else {
      findings.push(...compareDatabase(graphs, applied.revisions, applied.target));
      // Where the clone has what the database is at: loaded only when the database is ahead.
      const ahead = findings.filter((f) => f.kind === 'database-ahead');
      if (ahead.length > 0) await (await import('./locate.js')).locateAhead(ws, ahead, options.cwd);
    }
  }
  return { command: 'verify', workspace: ws, findings, facts };
}

/** Each applied revision against the committed graphs: unknown → ahead (error); else how far behind. */
export function compareDatabase(graphs: EnvironmentGraph[], applied: string[], target: string): Finding[] {
  const findings: Finding[] = [];
  for (const revision of applied) {
    const home = graphs.find((g) => g.graph.revisions.some((r) => r.revision === revision));
    if (!home) {
      const heads = graphs.flatMap((g) =>
        g.graph.heads.map((h) => ({ revision: h, path: g.graph.revisions.find((r) => r.revision === h)?.path ?? '' })),
      );
      findings.push({ kind: 'database-ahead', severity: 'error', environment: graphs.length === 1 ? graphs[0].environment.name : null, database: target, revision, heads });
      continue;
    }
    const below = ancestors(home.graph, revision);
    let related = false;
    for (const head of home.graph.heads) {
      const above = ancestors(home.graph, head);
      if (!above.has(revision)) continue;
      related = true;
      const ahead = [...above].filter((id) => !below.has(id)).length;
      findings.push(
        ahead === 0
          ? { kind: 'database-current', severity: 'info', environment: home.environment.name, database: target, revision }
          : { kind: 'database-behind', severity: 'info', environment: home.environment.name, database: target, revision, head, ahead },
      );
    }
    if (!related) {
      findings.push({ kind: 'database-current', severity: 'info', environment: home.environment.name, database: target, revision });
    }
  }
  return findings;
}
