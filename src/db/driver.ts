/** What the database layer hands a driver (postgres.ts, sqlite.ts) and what a driver answers. */
import type { DbTarget } from './url.js';

/** What a driver is given. `scrub` makes any text safe to show (raw URL -> redacted, secrets -> ***). */
export interface DriverRequest {
  target: DbTarget;
  /** `"schema"."table"` or `"table"`, already validated and quoted. */
  relation: string;
  /** For messages: schema.table as the user named it. */
  relationName: string;
  timeoutMs: number;
  scrub: (text: string) => string;
}

/** Rows of version_num, or null when the table (or its schema) does not exist. */
export type DriverResult = string[] | null;

/** What verify needs of a driver: the rows of one query, and closing. */
export interface SqliteHandle {
  rows(sql: string): unknown[][];
  close(): void;
}

export interface SqliteDriver {
  name: 'node:sqlite' | 'better-sqlite3' | 'sql.js';
  open(file: string, timeoutMs: number): SqliteHandle;
}
