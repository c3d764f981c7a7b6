/**
 * SQLite in the tests. Fixture databases are written by the sqlite3 command-line shell (Debian's
 * sqlite3, installed by .ci/run), so the tests need no driver of their own. What `verify` reads
 * them with is the guard's own choice: node:sqlite where this Node has it, else a better-sqlite3
 * the user installed, else sql.js (WebAssembly), which alembic-guard installs: every supported
 * Node reads SQLite with the default install.
 */
import { createRequire } from 'node:module';
import { run } from './repo.js';

/** A SQLite database at `file` made by running `sql`. */
export function sqliteFile(file: string, sql: string): void {
  const made = run('sqlite3', ['-bail', file], { input: sql });
  if (made.code !== 0) throw new Error(`sqlite3 ${file} failed: ${made.stderr}`);
}

/** The driver `verify` will find from this project, as the guard looks for it. */
export function sqliteDriver(): 'node:sqlite' | 'better-sqlite3' | 'sql.js' {
  const builtin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (builtin?.('node:sqlite')) return 'node:sqlite';
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => { close(): void };
    new Database(':memory:').close();
    return 'better-sqlite3';
  } catch {
    return 'sql.js';
  }
}

export const SQLITE_DRIVER = sqliteDriver();

/** Whether the sqlite3 shell that writes the fixtures is here (Debian's sqlite3). */
export const SQLITE_SHELL = (() => {
  try {
    return run('sqlite3', ['-version']).code === 0;
  } catch {
    return false;
  }
})();
if (!SQLITE_SHELL) {
  const why = 'the sqlite3 command-line shell is not installed (apt-get install sqlite3), so no SQLite fixture can be written';
  if (process.env.CI) throw new Error(why);
  console.warn(`skipping the tests that read SQLite: ${why}`);
}
