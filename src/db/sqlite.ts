// SQLite reader for alembic_version, on better-sqlite3 (an optional dependency, imported here on
// first use only). The file is opened read-only and must exist: verify never creates or
// changes a database.
import { stat } from 'node:fs/promises';
import type BetterSqlite3 from 'better-sqlite3';
import type { DriverRequest, DriverResult } from './index.js';
import { DbError, isDbError } from './url.js';

type DatabaseConstructor = typeof BetterSqlite3;

const INSTALL_HINT = 'npm install better-sqlite3@12';

async function loadSqlite(): Promise<DatabaseConstructor> {
  try {
    return (await import('better-sqlite3')).default;
  } catch {
    throw new DbError(
      'driver-missing',
      `reading a SQLite database needs the optional package better-sqlite3, which is not installed (run: ${INSTALL_HINT})`,
    );
  }
}

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export async function readSqlite(req: DriverRequest): Promise<DriverResult> {
  const file = req.target.sqlite?.path;
  if (!file) throw new DbError('other', `cannot read ${req.target.redacted}: not a SQLite URL`);
  const where = req.target.redacted;
  const shownPath = req.scrub(file);

  try {
    const st = await stat(file);
    if (!st.isFile()) {
      throw new DbError('no-database', `cannot open ${where}: ${shownPath} is not a file (check the path in the URL)`);
    }
  } catch (err) {
    if (isDbError(err)) throw err;
    const code = sqliteCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DbError(
        'no-database',
        `cannot open ${where}: file ${shownPath} does not exist (check the path; a relative path is read from the current directory, ${req.scrub(process.cwd())}, as SQLAlchemy does)`,
        code,
      );
    }
    throw new DbError('other', `cannot open ${where}: ${req.scrub((err as Error).message)}`, code);
  }

  const Database = await loadSqlite();
  let db: BetterSqlite3.Database;
  try {
    // timeout is SQLite's busy timeout: how long to wait for a writer's lock.
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: req.timeoutMs });
  } catch (err) {
    throw openError(err, req);
  }
  try {
    const rows = db.prepare(`SELECT version_num FROM ${req.relation}`).raw(true).all() as unknown[][];
    return rows.map((row) => String(row[0]));
  } catch (err) {
    const message = (err as Error).message ?? '';
    // "no such table: alembic_version"; "unknown database x" for a schema that is not attached.
    if (/^no such table\b|^unknown database\b/i.test(message)) return null;
    throw readError(err, req);
  } finally {
    db.close();
  }
}

function openError(err: unknown, req: DriverRequest): DbError {
  const message = req.scrub((err as Error)?.message ?? String(err));
  const code = sqliteCode(err);
  // The native addon loads on first use: a build for another Node version fails here.
  if (/bindings|NODE_MODULE_VERSION|compiled against|better_sqlite3\.node|ERR_DLOPEN_FAILED/i.test(`${message} ${code ?? ''}`)) {
    return new DbError(
      'driver-missing',
      `cannot load better-sqlite3's native module: ${message} (run: npm rebuild better-sqlite3, or ${INSTALL_HINT})`,
      code,
    );
  }
  if (code === 'SQLITE_CANTOPEN') {
    return new DbError('no-database', `cannot open ${req.target.redacted}: ${message} (check the path and its permissions)`, code);
  }
  return readError(err, req);
}

function readError(err: unknown, req: DriverRequest): DbError {
  const message = req.scrub((err as Error)?.message ?? String(err));
  const code = sqliteCode(err);
  const where = req.target.redacted;
  if (code === 'SQLITE_NOTADB') {
    return new DbError('other', `cannot read ${where}: the file is not a SQLite database (check the path in the URL)`, code);
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new DbError('timeout', `cannot read ${req.relationName} from ${where}: the database stayed locked (is a migration running?)`, code);
  }
  return new DbError('query', `cannot read ${req.relationName} from ${where}: ${message}`, code);
}
