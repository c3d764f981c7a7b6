/**
 * The index file read directly, for the one question the hooks ask of it on every commit: which
 * entries lie under the versions directories, and which are named like discovery's candidates.
 * `git ls-files` answers the same, but starting it means a second process reading the whole
 * index beside `git status` (about 125 ms of CPU on a 100,000-file index, where this reads it in
 * a small window, ~4 ms of I/O, and decodes only the entries asked for).
 *
 * Only the plain formats are read: versions 2, 3 and 4 of the SHA-1 index, without a split index
 * (`link`) or sparse directories (`sdir`). Anything else, or anything that does not add up to
 * the file's length, returns null and the caller asks git (`gitindex-format(5)`).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { decodePath, encodePath } from './bytes.js';

export interface IndexEntry {
  path: string;
  mode: string;
  oid: string;
  /** The conflict stage, '0'–'3', as `git ls-files -s` prints it. */
  stage: string;
}

/** The entries a query matched, in index order: at or under its directories, and named so. */
export interface IndexListing {
  inDirs: IndexEntry[];
  named: IndexEntry[];
}

const IN_DIRS = 1;
const NAMED = 2;

export interface IndexQuery {
  /** Directories: entries at (a gitlink) or under them. */
  dirs: string[];
  /** File names: entries named so at any depth. */
  names: string[];
}

const HASH = 20; // SHA-1; a SHA-256 index does not add up below and is left to git
const WINDOW = 256 * 1024;
const ENTRY = 64 + 0x1000 + 8; // the most an entry takes whose path length its flags hold
const DIRC = 0x44495243;

class Reader {
  readonly buf = Buffer.allocUnsafe(WINDOW);
  /** The file offset of buf[0], and of the byte after the last one read. */
  start = 0;
  end = 0;
  constructor(
    readonly fd: number,
    readonly size: number,
  ) {}

  /** For a path that runs past the window: a whole window from the entry's start, if that reads more. */
  startAt(offset: number): boolean {
    if (this.start === offset || this.end === this.size) return false;
    this.end = this.start; // nothing is held: ensure reads
    return this.ensure(offset, WINDOW);
  }

  /** Makes bytes [offset, offset + need) readable at buf[offset - start], or as many as the file has. */
  ensure(offset: number, need: number): boolean {
    const want = Math.min(need, this.size - offset);
    if (want <= 0 || want > WINDOW) return false;
    if (offset >= this.start && offset + want <= this.end) return true;
    let got = 0;
    const length = Math.min(WINDOW, this.size - offset);
    while (got < length) {
      const n = readSync(this.fd, this.buf, got, length - got, offset + got);
      if (n === 0) return false; // the file shrank: not the file fstat described
      got += n;
    }
    this.start = offset;
    this.end = offset + got;
    return true;
  }
}

/**
 * The entries of an index file matching the query, in index order, or null when this file is
 * not one this reader can vouch for. A missing file is an empty index, as git treats it.
 */
export function readIndex(file: string, query: IndexQuery): IndexListing | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? { inDirs: [], named: [] } : null;
  }
  try {
    return scan(new Reader(fd, fstatSync(fd).size), query);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function scan(r: Reader, query: IndexQuery): IndexListing | null {
  if (!r.ensure(0, 12)) return null;
  const b = r.buf;
  if (b.readUInt32BE(0) !== DIRC) return null;
  const version = b.readUInt32BE(4);
  if (version < 2 || version > 4) return null;
  const count = b.readUInt32BE(8);
  const dirs = query.dirs.map((dir) => encodePath(dir));
  const names = query.names.map((name) => encodePath(`/${name}`));
  // Nearly every entry is ruled out by its first byte (no directory starts so) and its last (no
  // name ends so) before any comparison: one table lookup each.
  const firsts = new Uint8Array(256);
  for (const dir of dirs) firsts[dir[0]!] = 1;
  const lasts = new Uint8Array(256);
  for (const name of names) lasts[name[name.length - 1]!] = 1;
  // What matches is gathered as bytes and decoded at the end in one call each: paths NUL-separated,
  // blob ids back to back (a call into C++ per entry would cost more than the walk).
  const hits = new Hits();
  // Version 4 stores each path as a cut from the one before plus a new tail.
  const path = Buffer.allocUnsafe(64 * 1024);
  let pathLength = 0;
  let offset = 12;
  for (let i = 0; i < count; i += 1) {
    // an entry: 62 or 64 bytes, a path (at most 0xfff bytes unless NUL-ended), padding
    if (offset + ENTRY > r.end && r.end < r.size && !r.ensure(offset, ENTRY)) return null;
    const p = offset - r.start;
    const flags = (b[p + 60]! << 8) | b[p + 61]!;
    let header = 62;
    if (flags & 0x4000) {
      if (version < 3) return null;
      header = 64;
    }
    let at: number; // where the path's bytes start in b
    let length: number;
    let next: number; // the file offset of the next entry
    if (version === 4) {
      let q = p + header;
      // git's varint: 7 bits a byte, high bit "more", each continuation adds one
      let strip = b[q]! & 0x7f;
      while (b[q]! & 0x80) {
        q += 1;
        strip = ((strip + 1) << 7) | (b[q]! & 0x7f);
      }
      q += 1;
      const nul = b.indexOf(0, q);
      if (nul < 0 || nul >= r.end - r.start) {
        if (!r.startAt(offset)) return null;
        i -= 1; // the same entry again, from the window's start
        continue;
      }
      if (strip > pathLength) return null;
      pathLength -= strip;
      if (pathLength + (nul - q) > path.length) return null;
      b.copy(path, pathLength, q, nul);
      pathLength += nul - q;
      at = -1;
      length = pathLength;
      next = offset + (nul + 1 - p);
    } else {
      at = p + header;
      length = flags & 0xfff;
      if (length === 0xfff) {
        const nul = b.indexOf(0, at);
        if (nul < 0 || nul >= r.end - r.start) {
          if (!r.startAt(offset)) return null;
          i -= 1; // the same entry again, from the window's start
          continue;
        }
        length = nul - at;
      }
      if (at + length >= r.end - r.start || b[at + length] !== 0) return null; // 1–8 NULs pad it
      next = offset + ((header + length + 8) & ~7);
    }
    const bytes = at < 0 ? path : b;
    const from = at < 0 ? 0 : at;
    const match = length > 0 && (firsts[bytes[from]!] === 1 || lasts[bytes[from + length - 1]!] === 1) ? matches(bytes, from, length, dirs, names) : 0;
    if (match !== 0) {
      const mode = ((b[p + 26]! << 8) | b[p + 27]!) + (b[p + 25]! << 16); // mode_t's top byte is 0
      if ((mode & 0o170000) === 0o040000) return null; // a sparse directory: git expands it
      hits.add(bytes, from, length, b, p + 40, mode, (flags >> 12) & 3, match);
    }
    offset = next;
  }
  // Extensions, each a 4-byte signature and a 32-bit size, then the file's checksum.
  while (offset < r.size - HASH) {
    if (!r.ensure(offset, 8)) return null;
    const at = offset - r.start;
    const signature = b.toString('latin1', at, at + 4);
    if (signature === 'link' || signature === 'sdir') return null;
    offset += 8 + b.readUInt32BE(at + 4);
  }
  return offset === r.size - HASH ? hits.listing() : null;
}

class Hits {
  paths = Buffer.allocUnsafe(64 * 1024);
  pathsLength = 0;
  oids = Buffer.allocUnsafe(64 * HASH);
  modes: number[] = [];
  stages: number[] = [];
  matches: number[] = [];

  add(path: Buffer, at: number, length: number, oid: Buffer, oidAt: number, mode: number, stage: number, match: number): void {
    const n = this.modes.length;
    if (this.pathsLength + length + 1 > this.paths.length) this.paths = grown(this.paths, this.pathsLength + length + 1);
    if ((n + 1) * HASH > this.oids.length) this.oids = grown(this.oids, (n + 1) * HASH);
    const paths = this.paths;
    const to = this.pathsLength;
    for (let k = 0; k < length; k += 1) paths[to + k] = path[at + k]!;
    paths[to + length] = 0;
    this.pathsLength += length + 1;
    const oids = this.oids;
    for (let k = 0; k < HASH; k += 1) oids[n * HASH + k] = oid[oidAt + k]!;
    this.modes.push(mode);
    this.stages.push(stage);
    this.matches.push(match);
  }

  listing(): IndexListing {
    const n = this.modes.length;
    const listing: IndexListing = { inDirs: [], named: [] };
    if (n === 0) return listing;
    const text = this.paths.toString('utf8', 0, this.pathsLength - 1);
    // Valid UTF-8 never decodes to U+FFFD unless the name holds one: then each path is decoded alone.
    const paths = text.includes('\ufffd') ? splitBytes(this.paths.subarray(0, this.pathsLength - 1)) : text.split('\0');
    const hex = this.oids.toString('hex', 0, n * HASH);
    const modes = new Map<number, string>();

    for (let i = 0; i < n; i += 1) {
      const m = this.modes[i]!;
      let mode = modes.get(m);
      if (mode === undefined) modes.set(m, (mode = m.toString(8).padStart(6, '0')));
      const entry = { path: paths[i]!, mode, oid: hex.slice(i * HASH * 2, (i + 1) * HASH * 2), stage: STAGES[this.stages[i]!]! };
      const match = this.matches[i]!;
      if (match & IN_DIRS) listing.inDirs.push(entry);
      if (match & NAMED) listing.named.push(entry);
    }
    return listing;
  }
}

const STAGES = ['0', '1', '2', '3'];

function grown(b: Buffer<ArrayBuffer>, need: number): Buffer<ArrayBuffer> {
  const bigger = Buffer.allocUnsafe(Math.max(need, b.length * 2));
  b.copy(bigger);
  return bigger;
}

function splitBytes(b: Buffer): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nul = b.indexOf(0, start);
    out.push(decodePath(b.subarray(start, nul < 0 ? b.length : nul)));
    if (nul < 0) return out;
    start = nul + 1;
  }
}

/**
 * Whether the path b[at, at + length) is at or under one of `dirs` or ends in one of `names`
 * (each held as `/name`). Called for every entry: the first and last bytes rule out nearly all
 * before a byte loop runs, and no call into C++ (Buffer#compare) is made per entry.
 */
function matches(b: Buffer, at: number, length: number, dirs: Buffer[], names: Buffer[]): number {
  let found = 0;
  const first = b[at];
  for (let d = 0; d < dirs.length; d += 1) {
    const dir = dirs[d]!;
    const n = dir.length;
    if (dir[0] !== first || length < n || (length > n && b[at + n] !== 0x2f)) continue;
    if (sameBytes(b, at, dir, 0, n)) {
      found = IN_DIRS;
      break;
    }
  }
  const last = b[at + length - 1];
  for (let k = 0; k < names.length; k += 1) {
    const name = names[k]!;
    const n = name.length;
    if (name[n - 1] !== last) continue;
    if ((length >= n && sameBytes(b, at + length - n, name, 0, n)) || (length === n - 1 && sameBytes(b, at, name, 1, n - 1))) {
      return found | NAMED; // `/name` at the end, or the whole path at the top (no slash)
    }
  }
  return found;
}

/** Whether a[i, i + n) and b[j, j + n) hold the same bytes, compared from the end (names differ there). */
function sameBytes(a: Buffer, i: number, b: Buffer, j: number, n: number): boolean {
  for (let k = n - 1; k >= 0; k -= 1) if (a[i + k] !== b[j + k]) return false;
  return true;
}
