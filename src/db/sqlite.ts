// SQLite reader for alembic_version, through the first of three drivers this Node has: Node's own
// node:sqlite (22.13+ and 23.4+; 22.5–22.12 only behind --experimental-sqlite), a better-sqlite3
// the user installed beside alembic-guard, else sql.js (sqlite-wasm.ts), SQLite in WebAssembly,
// installed with alembic-guard and compiling nothing, so every supported Node reads SQLite with
// the default install. Each loads on first use only. The file is opened read-only and must
// exist: verify never creates or changes a database.
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type { DriverRequest, DriverResult, SqliteDriver, SqliteHandle } from './driver.js';
import { DbError, isDbError } from './url.js';
import { importPackage } from '../packages.js';

// node:sqlite's error codes are SQLite's numbers (errcode); better-sqlite3's are the names.
const SQLITE_NAMES: Record<number, string> = { 5: 'SQLITE_BUSY', 6: 'SQLITE_LOCKED', 14: 'SQLITE_CANTOPEN', 26: 'SQLITE_NOTADB' };

/** The part of node:sqlite used here (@types/node 20 has no declarations for it). */
interface NodeSqlite {
  DatabaseSync: new (
    path: string,
    options?: { readOnly?: boolean; timeout?: number },
  ) => {
    prepare(sql: string): { all(): Record<string, unknown>[] };
    close(): void;
  };
}

// A variable, so neither tsc nor a bundler tries to resolve a module Node 20 does not have.
const NODE_SQLITE = 'node:sqlite';

async function nodeSqlite(): Promise<SqliteDriver | null> {
  let mod: NodeSqlite;
  // Node 22 and 23 print an ExperimentalWarning for node:sqlite on first load; verify's output
  // is for people and CI logs, so that one warning is held back.
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning?.message;
    if (/SQLite is an experimental feature/i.test(String(text))) return;
    return (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    mod = await importPackage<NodeSqlite>(NODE_SQLITE);
  } catch {
    return null; // Node 20, or 22.5–22.12 without --experimental-sqlite
  } finally {
    process.emitWarning = emit;
  }
  return {
    name: 'node:sqlite',
    open(file, timeoutMs) {
      // readOnly (22.12+) and timeout (22.16+) are ignored by older versions, which still only read.
      const db = new mod.DatabaseSync(file, { readOnly: true, timeout: timeoutMs });
      return {
        rows: (sql) =>
          db
            .prepare(sql)
            .all()
            .map((row) => Object.values(row)),
        close: () => db.close(),
      };
    },
  };
}

function betterSqlite3(): SqliteDriver | null {
  let Database: typeof BetterSqlite3;
  try {
    // require, not import: better-sqlite3 is CommonJS, and require also honours NODE_PATH.
    Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  } catch (err) {
    if ((err as { code?: string } | null)?.code === 'MODULE_NOT_FOUND') return null;
    throw err;
  }
  return {
    name: 'better-sqlite3',
    open(file, timeoutMs) {
      // timeout is SQLite's busy timeout: how long to wait for a writer's lock.
      const db = new Database(file, { readonly: true, fileMustExist: true, timeout: timeoutMs });
      return {
        rows: (sql) => db.prepare(sql).raw(true).all() as unknown[][],
        close: () => db.close(),
      };
    },
  };
}

async function loadDriver(): Promise<SqliteDriver> {
  return (await nodeSqlite()) ?? betterSqlite3() ?? (await import('./sqlite-wasm.js')).sqlJs();
}

function sqliteCode(err: unknown): string | undefined {
  const { code, errcode } = (err ?? {}) as { code?: unknown; errcode?: unknown };
  if (typeof errcode === 'number') return SQLITE_NAMES[errcode & 0xff] ?? `SQLITE_${errcode}`;
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

  const driver = await loadDriver();
  let db: SqliteHandle;
  try {
    db = driver.open(file, req.timeoutMs);
  } catch (err) {
    throw openError(err, req);
  }
  try {
    return db.rows(`SELECT version_num FROM ${req.relation}`).map((row) => String(row[0]));
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
  if (isDbError(err)) return err;
  const message = req.scrub((err as Error)?.message ?? String(err));
  const code = sqliteCode(err);
  // The native addon loads on first use: a build for another Node version fails here.
  if (/bindings|NODE_MODULE_VERSION|compiled against|better_sqlite3\.node|ERR_DLOPEN_FAILED/i.test(`${message} ${code ?? ''}`)) {
    return new DbError(
      'driver-missing',
      `cannot load better-sqlite3's native module: ${message} (run: npm rebuild better-sqlite3, or reinstall it for this Node.js)`,
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
