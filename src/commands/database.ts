import type { AppliedRevisions } from '../db/index.js';
import type { DatabaseOptions } from '../command.js';
import { GuardError } from '../errors.js';
import type { Workspace } from '../workspace.js';

/** --db-url, else --db-url-env NAME, else configuration database.urlEnv (silently absent is fine). */
export function databaseUrl(options: DatabaseOptions, configured: string | undefined): string | null {
  if (options['db-url'] !== undefined) {
    if (options['db-url'] === '') throw new GuardError('--db-url is empty');
    return options['db-url'];
  }
  const name = options['db-url-env'];
  if (name !== undefined) {
    const value = process.env[name];
    if (!value) throw new GuardError(`--db-url-env ${name}: the environment variable ${name} is not set`);
    return value;
  }
  if (configured && process.env[configured]) return process.env[configured]!;
  return null;
}

/** The database's applied revisions, with the configured version table; driver failures exit 2. */
export async function readDatabase(ws: Workspace, url: string, timeoutMs?: number): Promise<AppliedRevisions> {
  const { readAppliedRevisions, isDbError } = await import('../db/index.js');
  return readAppliedRevisions(url, { table: ws.config.database.versionTable, schema: ws.config.database.schema, timeoutMs }).catch((error: unknown) => {
    // Driver failures (auth, DNS, refused, TLS, no database) are environment errors: exit 2,
    // one line, already redacted by the db layer.
    throw isDbError(error) ? new GuardError(error.message) : error;
  });
}

/** Applied revisions no migration of the working tree defines (what Alembic here cannot locate). */
export async function undefinedRevisions(ws: Workspace, applied: string[]): Promise<string[]> {
  const { loadGraphs } = await import('../alembic/sources.js');
  const graphs = await loadGraphs(ws.repo, ws.discovery.environments, { kind: 'worktree' });
  const defined = new Set(graphs.flatMap((g) => g.graph.revisions.map((r) => r.revision)));
  return applied.filter((revision) => !defined.has(revision));
}

export interface DevDatabaseState {
  database: string;
  from: string;
  state: { revisions: string[]; unknown: string[] } | 'no-table' | { error: string };
}

/** doctor: the development database, when one is configured, and where it stands (never throws). */
export async function devDatabaseState(ws: Workspace, timeoutMs: number): Promise<DevDatabaseState | null> {
  const { devDatabase } = await import('../db/dev.js');
  const dev = devDatabase(ws.repo.root, ws.config, ws.discovery.environments);
  if (!dev) return null;
  try {
    const applied = await readDatabase(ws, dev.url, timeoutMs);
    if (applied.state === 'no-table') return { database: dev.redacted, from: dev.from, state: 'no-table' };
    return { database: dev.redacted, from: dev.from, state: { revisions: applied.revisions, unknown: await undefinedRevisions(ws, applied.revisions) } };
  } catch (error) {
    const { redactText, oneLine } = await import('../db/url.js');
    return { database: dev.redacted, from: dev.from, state: { error: oneLine(redactText(error instanceof Error ? error.message : String(error))) } };
  }
}
