/**
 * SQLite in the tests. Fixture databases are written by the sqlite3 command-line shell (Debian's
 * sqlite3, installed by .ci/run), so the tests need no driver of their own. What `verify` reads
 * them with is the guard's own choice: node:sqlite where this Node has it, else better-sqlite3,
 * which alembic-guard does not install (so that installing it compiles nothing) and .ci/run
 * installs on a Node without node:sqlite.
 */
import { createRequire } from 'node:module';
import { run } from './repo.js';

/** A SQLite database at `file` made by running `sql`. */
export function sqliteFile(file: string, sql: string): void {
  const made = run('sqlite3', ['-bail', file], { input: sql });
  if (made.code !== 0) throw new Error(`sqlite3 ${file} failed: ${made.stderr}`);
}

/** The driver `verify` will find from this project, as the guard looks for it; null for none. */
export function sqliteDriver(): 'node:sqlite' | 'better-sqlite3' | null {
  const builtin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (builtin?.('node:sqlite')) return 'node:sqlite';
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => { close(): void };
    new Database(':memory:').close();
    return 'better-sqlite3';
  } catch {
    return null;
  }
}

export const SQLITE_DRIVER = sqliteDriver();
if (!SQLITE_DRIVER) {
  const why = `no SQLite driver: Node ${process.version} has no node:sqlite and better-sqlite3 is not installed (npm install --no-save better-sqlite3@12, as .ci/run does)`;
  if (process.env.CI) throw new Error(why);
  console.warn(`skipping the tests that read SQLite: ${why}`);
}
