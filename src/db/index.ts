// Reads the revisions Alembic recorded in a database (`alembic_version`). Only `verify` comes
// here; the drivers (and through them `pg` / `better-sqlite3`) are imported on first use, so
// the git-hook path never loads them.
import type { DriverRequest, DriverResult } from './driver.js';
import { DbError, isDbError, oneLine, parseDbUrl, redactText } from './url.js';

export { DbError, isDbError, parseDbUrl, redactText, redactUrl } from './url.js';
export type { DbErrorReason, DbKind, DbTarget } from './url.js';

export interface DbReadOptions {
  /** Alembic's `version_table`; default `alembic_version`. */
  table?: string;
  /** Alembic's `version_table_schema`; unset reads the table through the search path (PostgreSQL) or `main` (SQLite). */
  schema?: string;
  /** Upper bound for connecting and reading, in ms; default and maximum 10000. */
  timeoutMs?: number;
}

export type AppliedRevisions = { state: 'ok'; revisions: string[]; target: string } | { state: 'no-table'; target: string };

export const DEFAULT_VERSION_TABLE = 'alembic_version';
export const MAX_TIMEOUT_MS = 10_000;

const IDENTIFIER_RE = /^[A-Za-z0-9_$]+$/;

function quoteIdentifier(name: string, what: 'table' | 'schema'): string {
  // Only [A-Za-z0-9_$]: no quoting tricks are possible, and the double quotes keep the case
  // exactly as given, which is what SQLAlchemy does for names that need quoting.
  if (!IDENTIFIER_RE.test(name)) {
    throw new DbError('malformed', `invalid version ${what} name "${oneLine(name).slice(0, 80)}": only letters, digits, _ and $ are allowed`);
  }
  return `"${name}"`;
}

function clampTimeout(ms: number | undefined): number {
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return MAX_TIMEOUT_MS;
  return Math.max(1, Math.min(MAX_TIMEOUT_MS, Math.floor(ms)));
}

/**
 * Reads every `version_num` in the version table, sorted (several rows mean branches).
 * Resolves `no-table` when the table or its schema does not exist; throws DbError otherwise.
 * No message, returned or thrown, holds a password.
 */
export async function readAppliedRevisions(url: string, options: DbReadOptions = {}): Promise<AppliedRevisions> {
  const target = parseDbUrl(url);
  const table = options.table ?? DEFAULT_VERSION_TABLE;
  const relation = (options.schema !== undefined ? `${quoteIdentifier(options.schema, 'schema')}.` : '') + quoteIdentifier(table, 'table');
  const relationName = options.schema !== undefined ? `${options.schema}.${table}` : table;

  const raw = url.trim();
  const secrets = [...target.secrets];
  // node-pg falls back to PGPASSWORD as libpq does; keep it out of messages as well.
  if (target.kind === 'postgres' && process.env.PGPASSWORD) secrets.push(process.env.PGPASSWORD);
  const scrub = (text: string): string => oneLine(redactText(raw && raw !== target.redacted ? text.split(raw).join(target.redacted) : text, secrets));

  const request: DriverRequest = {
    target,
    relation,
    relationName,
    timeoutMs: clampTimeout(options.timeoutMs),
    scrub,
  };

  let rows: DriverResult;
  try {
    rows = target.kind === 'postgres' ? await (await import('./postgres.js')).readPostgres(request) : await (await import('./sqlite.js')).readSqlite(request);
  } catch (err) {
    if (isDbError(err)) {
      // Drivers scrub their messages; scrub again with the full secret list to be sure.
      throw new DbError(err.reason, scrub(err.message), err.code);
    }
    const message = err instanceof Error ? err.message : String(err);
    throw new DbError('other', `cannot read ${target.redacted}: ${scrub(message)}`);
  }

  if (rows === null) return { state: 'no-table', target: target.redacted };
  return { state: 'ok', revisions: [...rows].sort(compareStrings), target: target.redacted };
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
