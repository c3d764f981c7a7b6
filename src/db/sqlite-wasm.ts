// The SQLite reader every supported Node has: sql.js (SQLite compiled to WebAssembly, a
// dependency that compiles nothing on install), for a Node without node:sqlite and without a
// better-sqlite3 the user installed. Loaded on first use only.
//
// sql.js opens a copy of the file in memory, so two things a file-backed SQLite does are done
// here first: the database is read whole (up to MAX_BYTES), and a write-ahead log beside it
// (`<file>-wal`, a database in WAL mode whose last commits are not yet checkpointed) is applied
// to that copy as SQLite would read it (https://www.sqlite.org/fileformat2.html#walformat): every
// frame up to the last valid commit frame, a frame being valid while its salts match the log's
// header and its checksum continues the chain. The file on disk is only read.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { SqliteDriver } from './driver.js';
import { DbError } from './url.js';

/** Larger development databases are refused with the way round it, not read into memory. */
export const MAX_BYTES = 512 * 1024 * 1024;

const WAL_HEADER = 32;
const FRAME_HEADER = 24;

/** The database as SQLite would see it with its write-ahead log applied (the copy, never the file). */
export function withWal(db: Buffer, wal: Buffer | null): Buffer {
  if (!wal || wal.length < WAL_HEADER) return db;
  const magic = wal.readUInt32BE(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) return db; // not a log: SQLite ignores it too
  const bigEndian = (magic & 1) === 1;
  const pageSize = wal.readUInt32BE(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return db;
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  let [s0, s1] = checksum(wal, 0, 24, 0, 0, bigEndian);
  if (s0 !== wal.readUInt32BE(24) || s1 !== wal.readUInt32BE(28)) return db;

  const committed: { page: number; at: number }[] = [];
  const pending: { page: number; at: number }[] = [];
  let pages = -1;
  for (let at = WAL_HEADER; at + FRAME_HEADER + pageSize <= wal.length; at += FRAME_HEADER + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    [s0, s1] = checksum(wal, at, 8, s0, s1, bigEndian);
    [s0, s1] = checksum(wal, at + FRAME_HEADER, pageSize, s0, s1, bigEndian);
    if (s0 !== wal.readUInt32BE(at + 16) || s1 !== wal.readUInt32BE(at + 20)) break;
    pending.push({ page: wal.readUInt32BE(at), at: at + FRAME_HEADER });
    const sizeAfterCommit = wal.readUInt32BE(at + 4);
    if (sizeAfterCommit !== 0) {
      committed.push(...pending.splice(0));
      pages = sizeAfterCommit;
    }
  }
  if (pages < 0) return db;
  const out = Buffer.alloc(pages * pageSize);
  db.copy(out, 0, 0, Math.min(db.length, out.length));
  for (const { page, at } of committed) {
    if (page >= 1 && page <= pages) wal.copy(out, (page - 1) * pageSize, at, at + pageSize);
  }
  // Bytes 18 and 19: 2 = WAL mode. The copy has its log applied, so it is read as a plain file.
  out[18] = 1;
  out[19] = 1;
  return out;
}

/** SQLite's WAL checksum over data[at, at+len): 32-bit words in the log's byte order. */
function checksum(data: Buffer, at: number, len: number, s0: number, s1: number, bigEndian: boolean): [number, number] {
  for (let i = at; i < at + len; i += 8) {
    const x0 = bigEndian ? data.readUInt32BE(i) : data.readUInt32LE(i);
    const x1 = bigEndian ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

function readOptional(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

// sql.js's errors carry SQLite's message only; the reader's messages are chosen by code.
const CODES: [RegExp, string][] = [
  [/file is not a database|file is encrypted/i, 'SQLITE_NOTADB'],
  [/database disk image is malformed/i, 'SQLITE_CORRUPT'],
];

function withCode(err: unknown): unknown {
  const message = (err as Error)?.message ?? '';
  const found = CODES.find(([re]) => re.test(message));
  return found ? Object.assign(err as Error, { code: found[1] }) : err;
}

export async function sqlJs(): Promise<SqliteDriver> {
  type SqlJsStatic = import('sql.js').SqlJsStatic;
  const init = createRequire(import.meta.url)('sql.js') as (config?: object) => Promise<SqlJsStatic>;
  const SQL = await init();
  return {
    name: 'sql.js',
    open(file) {
      const main = readFileSync(file);
      if (main.length > MAX_BYTES) {
        throw new DbError(
          'other',
          `the SQLite file is ${Math.round(main.length / 1024 / 1024)} MB, more than this Node.js (${process.version}, no node:sqlite) reads into memory; run on Node.js 22.13 or later, or install better-sqlite3 beside alembic-guard`,
        );
      }
      let db: InstanceType<SqlJsStatic['Database']>;
      try {
        db = new SQL.Database(withWal(main, readOptional(`${file}-wal`)));
      } catch (err) {
        throw withCode(err);
      }
      return {
        rows(sql) {
          try {
            return db.exec(sql).flatMap((result) => result.values);
          } catch (err) {
            throw withCode(err);
          }
        },
        close: () => db.close(),
      };
    },
  };
}
