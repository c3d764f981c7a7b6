import { posix } from 'node:path';
import { ancestors } from '../alembic/ancestry.js';
import { type EnvironmentGraph, loadGraphs, type Source } from '../alembic/sources.js';
import type { VerifyOptions } from '../command.js';
import { redactText } from '../db/url.js';
import { GuardError } from '../errors.js';
import type { Finding } from '../findings.js';
import type { Environment } from '../alembic/environment.js';
import { commitBlobs, indexEntries } from '../git/objects.js';
import { headCommit, resolveCommit } from '../git/repo.js';
import { status } from '../git/status.js';
import type { Report } from '../report/verdict.js';
import { openWorkspace, watchedPaths, type Workspace } from '../workspace.js';
import { worktreeFindings } from './check.js';
import { databaseUrl } from './database.js';
import type { MergeFacts } from '../alembic/merge.js';
import { graphFindings, ignoreFilter, setupFindings } from './shared.js';

/**
 * CI's last line: the committed tree's graph, the checkout's leftovers, and — given a database —
 * that the database holds no revision the commit does not define (the incident: the database
 * at 014 while the repository ends at 008).
 */
export async function verify(options: VerifyOptions): Promise<Report> {
  const ws = await openWorkspace(options.cwd);
  const commit = options.rev ? await resolveCommit(ws.repo, options.rev) : await headCommit(ws.repo);
  if (!commit) throw new GuardError('verify needs a commit, and this repository has none yet');
  const findings: Finding[] = setupFindings(ws);
  const keep = await ignoreFilter(ws.config);
  const environments = ws.discovery.environments;
  let mergeFacts: MergeFacts | undefined;

  const source: Source = { kind: 'commit', commit };
  const graphs = await loadGraphs(ws.repo, environments, source);
  findings.push(...graphFindings(graphs, source, keep));

  const [entries, index] = await Promise.all([
    status(ws.repo, watchedPaths(ws.discovery)),
    indexEntries(
      ws.repo,
      environments.flatMap((env) => env.versions),
    ),
  ]);
  findings.push(...(await worktreeFindings(ws, environments, entries, index, keep)));

  const facts: Record<string, unknown> = { commit, database: null };
  if (options.base !== undefined) {
    const { mergeFindings, bypassedCommits, resolveBase } = await import('./merge-safety.js');
    const baseCommit = await resolveBase(ws.repo, options.base);
    const edits = options.strict ? 'block' : ws.config.baseEdits;
    const merge = await mergeFindings(ws.repo, environments, {
      ref: options.base,
      baseCommit,
      headCommit: commit,
      headGraphs: graphs,
      keep,
      editSeverity: edits === 'block' ? 'error' : 'warning',
    });
    findings.push(...merge.findings.filter((f) => f.kind !== 'base-migration-changed' || edits !== 'off'));
    findings.push(...(await bypassedCommits(ws.repo, baseCommit, commit)));
    facts.base = { ref: options.base, commit: baseCommit, mergeBase: merge.facts.mergeBase, added: merge.facts.added, conflicts: merge.facts.conflicts };
    mergeFacts = merge.facts;
  }
  const url = databaseUrl(options, ws.config.database.urlEnv);
  if (url) {
    const { readAppliedRevisions, isDbError } = await import('../db/index.js');
    const tables = await versionTables(ws, commit);
    const read: { table: string; schema: string | null; environments: string[]; state: string; revisions: string[] }[] = [];
    let target = '';
    const groups = groupByTable(tables);
    // No environment: the configured table still holds the database's story (all of it ahead).
    if (groups.length === 0) groups.push({ table: ws.config.database.versionTable, schema: ws.config.database.schema ?? null, members: [] });
    for (const group of groups) {
      const applied = await readAppliedRevisions(url, { table: group.table, schema: group.schema ?? undefined }).catch((error: unknown) => {
        // Driver failures (auth, DNS, refused, TLS, no database) are environment errors: exit 2,
        // one line, already redacted by the db layer.
        throw isDbError(error) ? new GuardError(error.message) : error;
      });
      target = applied.target;
      const table = group.schema ? `${group.schema}.${group.table}` : group.table;
      const names = group.members.map((m) => m.environment.name);
      const revisions = applied.state === 'ok' ? applied.revisions : null;
      read.push({ table: group.table, schema: group.schema, environments: names, state: applied.state, revisions: revisions ?? [] });
      for (const m of group.members) {
        if (m.computed) findings.push({ kind: 'version-table-unknown', severity: 'warning', environment: m.environment.name, table, ...m.computed });
      }
      if (applied.state === 'no-table') {
        findings.push({ kind: 'database-untracked', severity: ws.config.database.requireTable ? 'error' : 'info', database: applied.target, table });
      } else {
        const mine = graphs.filter((g) => group.members.some((m) => m.environment === g.environment));
        findings.push(...compareDatabase(mine, applied.revisions, applied.target, table));
      }
      findings.push({ kind: 'database-read', severity: 'info', database: applied.target, table, environments: names, revisions });
    }
    // Where the clone has what the database is at: loaded only when the database is ahead.
    const ahead = findings.filter((f) => f.kind === 'database-ahead');
    if (ahead.length > 0) await (await import('./locate.js')).locateAhead(ws, ahead, options.cwd);
    const ok = read.filter((r) => r.state === 'ok');
    facts.database = {
      target,
      state: ok.length > 0 ? 'ok' : 'no-table',
      revisions: [...new Set(ok.flatMap((r) => r.revisions))].sort(),
      tables: read,
    };
  }
  return { command: 'verify', workspace: ws, findings, facts, ...(mergeFacts ? { merge: mergeFacts } : {}) };
}

interface TableOf {
  environment: Environment;
  table: string;
  schema: string | null;
  /** env.py computes version_table at run time: where, and the expression. */
  computed?: { path: string; line: number; expression: string };
}

/**
 * The version table of each environment: configured for it (environments[].versionTable), else
 * the literal its env.py passes to context.configure() in the verified commit, else the
 * configuration's database.versionTable (alembic_version).
 */
async function versionTables(ws: Workspace, commit: string): Promise<TableOf[]> {
  const environments = ws.discovery.environments;
  const envPys = environments.map((env) => (env.scriptDir === null ? null : env.scriptDir ? `${env.scriptDir}/env.py` : 'env.py'));
  const wanted = envPys.filter((p, i): p is string => p !== null && !(environments[i]!.versionTable?.table && environments[i]!.versionTable?.schema));
  const blobs = wanted.length > 0 ? await commitBlobs(ws.repo, commit, wanted) : new Map<string, Buffer | null>();
  const { versionTableSettings } = wanted.length > 0 ? await import('../alembic/env-py.js') : { versionTableSettings: null };
  const defaults = ws.config.database;
  return environments.map((environment, i) => {
    const configured = environment.versionTable;
    const path = envPys[i];
    const blob = path ? blobs.get(path) : undefined;
    const folder = path ? posix.basename(posix.dirname(path)) : undefined;
    const fromEnvPy = blob && versionTableSettings ? versionTableSettings(blob.toString('utf8'), folder === '.' ? undefined : folder) : {};
    const result: TableOf = {
      environment,
      table: configured?.table ?? fromEnvPy.table?.value ?? defaults.versionTable,
      schema: configured?.schema ?? fromEnvPy.schema?.value ?? defaults.schema ?? null,
    };
    const unknown =
      !configured?.table && fromEnvPy.table && fromEnvPy.table.value === null
        ? fromEnvPy.table
        : !configured?.schema && fromEnvPy.schema && fromEnvPy.schema.value === null
          ? fromEnvPy.schema
          : undefined;
    if (unknown && path) result.computed = { path, line: unknown.line, expression: redactText(unknown.source) };
    return result;
  });
}

/** Environments that share a version table read it once and are compared together. */
function groupByTable(tables: TableOf[]): { table: string; schema: string | null; members: TableOf[] }[] {
  const groups = new Map<string, { table: string; schema: string | null; members: TableOf[] }>();
  for (const t of tables) {
    const key = `${t.schema ?? ''}\0${t.table}`;
    const group = groups.get(key) ?? { table: t.table, schema: t.schema, members: [] };
    group.members.push(t);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** Each applied revision against the committed graphs: unknown → ahead (error); else how far behind. */
export function compareDatabase(graphs: EnvironmentGraph[], applied: string[], target: string, table?: string): Finding[] {
  const findings: Finding[] = [];
  for (const revision of applied) {
    const home = graphs.find((g) => g.graph.revisions.some((r) => r.revision === revision));
    if (!home) {
      const heads = graphs.flatMap((g) => g.graph.heads.map((h) => ({ revision: h, path: g.graph.revisions.find((r) => r.revision === h)?.path ?? '' })));
      findings.push({
        kind: 'database-ahead',
        severity: 'error',
        environment: graphs.length === 1 ? graphs[0].environment.name : null,
        database: target,
        revision,
        heads,
        table,
      });
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
          ? { kind: 'database-current', severity: 'info', environment: home.environment.name, database: target, revision, table }
          : { kind: 'database-behind', severity: 'info', environment: home.environment.name, database: target, revision, head, ahead, table },
      );
    }
    if (!related) {
      findings.push({ kind: 'database-current', severity: 'info', environment: home.environment.name, database: target, revision, table });
    }
  }
  return findings;
}
