/**
 * The index file read directly, for the one question the hooks ask of it on every commit: which
 * entries lie under the versions directories, and which are named like discovery's candidates.
 * `git ls-files` answers the same, but starting it means a second process reading the whole
 * index beside `git status` (about 125 ms of CPU on a 100,000-file index). Here the file is read
 * in a window, a WebAssembly loop (index-walk.wat) walks the entries, tests each against the
 * query and writes the matches' paths and hex ids, and TypeScript makes entries of those.
 *
 * Only the plain formats are read: versions 2, 3 and 4 of the SHA-1 index, without a split index
 * (`link`) or sparse directories (`sdir`). Anything else, anything that does not add up to the
 * file's length, or a node without WebAssembly, returns null and the caller asks git
 * (`gitindex-format(5)`).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { decodePath, encodePath } from './bytes.js';
import { INDEX_WALK_WASM } from './index-walk-wasm.js';

export interface IndexEntry {
  path: string;
  mode: string;
  oid: string;
  /** The conflict stage, '0'–'3', as `git ls-files -s` prints it. */
  stage: string;
  /** Flagged so that `git status` does not look at the working copy (`git ls-files -v`: h, S). */
  hidden?: Hidden;
}

export type Hidden = 'assume-unchanged' | 'skip-worktree';

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
const DIRC = 0x44495243;

/** The compiled walk (index-walk.wat) and views of its memory; one per process. */
class Walker {
  readonly window: Buffer;
  readonly hits: Int32Array;
  private readonly dirLength: Uint8Array;
  private readonly nameLength: Uint8Array;
  private readonly lists: Uint8Array;
  private readonly memory: Buffer;
  private readonly windowAt: number;
  private readonly hexAt: number;
  private readonly pathsAt: number;
  private readonly exports: Record<string, WebAssembly.Global | ((...args: number[]) => number)>;

  constructor() {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(INDEX_WALK_WASM, 'base64')));
    this.exports = instance.exports as typeof this.exports;
    const memory = (instance.exports.memory as WebAssembly.Memory).buffer;
    const at = (name: string) => (this.exports[name] as WebAssembly.Global).value as number;
    this.window = Buffer.from(memory, at('windowAt'), at('windowSize'));
    this.hits = new Int32Array(memory, at('hitsAt'), (at('windowSize') / 64) * 4);
    this.lists = new Uint8Array(memory, at('listsAt'), at('listsSize'));
    this.memory = Buffer.from(memory);
    this.windowAt = at('windowAt');
    this.hexAt = at('hexAt');
    this.pathsAt = at('pathsAt');
    this.dirLength = new Uint8Array(memory, at('dirLengthAt'), 256);
    this.nameLength = new Uint8Array(memory, at('nameLengthAt'), 256);
  }

  /**
   * The query as the walk reads it: its directories and `/name`s as bytes in two lists, and the
   * tables it rules out nearly every path with (by a path's first byte, the length of the one
   * directory starting so; by its last byte, the length of the one `/name` ending so; 255 for
   * several, 0 for none). False if they do not fit: a directory of 256 bytes or more, or ''.
   */
  setQuery(query: IndexQuery): boolean {
    const dirs = query.dirs.map((dir) => encodePath(dir));
    const names = query.names.map((name) => encodePath(`/${name}`));
    if (dirs.some((bytes) => bytes.length === 0)) return false;
    this.dirLength.fill(0);
    for (const dir of dirs) lengthBy(this.dirLength, dir[0]!, dir.length);
    this.nameLength.fill(0);
    for (const name of names) lengthBy(this.nameLength, name[name.length - 1]!, name.length);
    let at = 0;
    for (const list of [dirs, names]) {
      for (const bytes of list) {
        if (bytes.length > 255 || at + bytes.length + 2 > this.lists.length) return false;
        this.lists[at] = bytes.length;
        this.lists.set(bytes, at + 1);
        at += bytes.length + 1;
      }
      this.lists[at++] = 0;
    }
    return true;
  }

  /** What the path at window offset `at` matches (index-walk.wat's $match): IN_DIRS, NAMED, both or 0. */
  match(at: number, length: number): number {
    return (this.exports.match as (...args: number[]) => number)(this.windowAt + at, length);
  }

  /** Version 4: no path before the first entry. */
  startPaths(): void {
    (this.exports.pathLength as WebAssembly.Global).value = 0;
  }

  /** See index-walk.wat: 0 stopped (the window's end), 2 not an index this walk reads. */
  walk4(p: number, end: number, eof: boolean, left: number): number {
    return (this.exports.walk4 as (...args: number[]) => number)(p, end, eof ? 1 : 0, left);
  }

  /** See index-walk.wat: 0 stopped (the window's end), 1 before a long path, 2 not an index. */
  walk(p: number, end: number, eof: boolean, left: number, version: number): number {
    return (this.exports.walk as (...args: number[]) => number)(p, end, eof ? 1 : 0, left, version);
  }

  get stoppedAt(): number {
    return (this.exports.stoppedAt as WebAssembly.Global).value as number;
  }

  get walked(): number {
    return (this.exports.walked as WebAssembly.Global).value as number;
  }

  get found(): number {
    return (this.exports.found as WebAssembly.Global).value as number;
  }

  /** The last walk's entries' paths: one decode, one split (each path alone if one is not UTF-8). */
  paths(): string[] {
    const length = (this.exports.pathsLength as WebAssembly.Global).value as number;
    const bytes = this.memory.subarray(this.pathsAt, this.pathsAt + length - 1); // the last NUL off
    const text = bytes.toString('utf8');
    // Valid UTF-8 never decodes to U+FFFD unless a name holds one.
    return text.includes('\ufffd') ? splitBytes(bytes) : text.split('\0');
  }

  /** The last walk's entries' blob ids, 40 hex digits each, back to back. */
  oids(): string {
    return this.memory.toString('latin1', this.hexAt, this.hexAt + 40 * this.found);
  }
}

/** A table entry: the one length seen at this byte, or 255 once there are several (or it is 255 or more). */
function lengthBy(table: Uint8Array, byte: number, length: number): void {
  table[byte] = table[byte] === 0 && length < 255 ? length : 255;
}

let walker: Walker | null | undefined;

function theWalker(): Walker | null {
  if (walker === undefined) {
    try {
      walker = new Walker();
    } catch {
      walker = null; // node --jitless has no WebAssembly: git is asked
    }
  }
  return walker;
}

class Reader {
  /** The file offset of buf[0], and of the byte after the last one read. */
  start = 0;
  end = 0;
  constructor(
    readonly fd: number,
    readonly size: number,
    readonly buf: Buffer,
  ) {}

  /** A whole window from `offset` (or to the end of the file), whatever is held now. */
  readAt(offset: number): boolean {
    this.end = this.start; // nothing is held: ensure reads
    return this.ensure(offset, this.buf.length);
  }

  /** Makes bytes [offset, offset + need) readable at buf[offset - start], or as many as the file has. */
  ensure(offset: number, need: number): boolean {
    const want = Math.min(need, this.size - offset);
    if (want <= 0 || want > this.buf.length) return false;
    if (offset >= this.start && offset + want <= this.end) return true;
    let got = 0;
    const length = Math.min(this.buf.length, this.size - offset);
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
  const w = theWalker();
  if (!w) return null;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? { inDirs: [], named: [] } : null;
  }
  try {
    return scan(new Reader(fd, fstatSync(fd).size, w.window), w, query);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function scan(r: Reader, w: Walker, query: IndexQuery): IndexListing | null {
  if (!r.ensure(0, 12)) return null;
  const b = r.buf;
  if (b.readUInt32BE(0) !== DIRC) return null;
  const version = b.readUInt32BE(4);
  if (version < 2 || version > 4) return null;
  const count = b.readUInt32BE(8);
  if (!w.setQuery(query)) return null; // a directory of 256 bytes or more, or the top itself: git
  const hits = new Hits();
  w.startPaths();
  let offset = 12;
  let i = 0;
  while (i < count) {
    // The walk passes every entry it can in the window, and records those that match.
    const code =
      version === 4
        ? w.walk4(offset - r.start, r.end - r.start, r.end === r.size, count - i)
        : w.walk(offset - r.start, r.end - r.start, r.end === r.size, count - i, version);
    if (w.found > 0) {
      const paths = w.paths();
      const oids = w.oids();
      const found = w.hits;
      for (let k = 0; k < paths.length; k += 1) {
        if (!hits.add(paths[k]!, oids.slice(40 * k, 40 * k + 40), b, found[4 * k]!, found[4 * k + 2]!)) return null;
      }
    }
    offset = r.start + w.stoppedAt;
    i += w.walked;
    if (code === 2) return null;
    if (code === 0) {
      // the window's end: the next entries from a window that starts with them
      if (i < count && r.end < r.size && !r.readAt(offset)) return null;
      continue;
    }
    // One entry the walk leaves here: a path of 0xfff bytes or more (versions 2 and 3).
    const p = offset - r.start;
    const extended = (b[p + 60]! & 0x40) !== 0;
    if (extended && version < 3) return null;
    const header = extended ? 64 : 62;
    const at = p + header;
    const nul = b.indexOf(0, at + 0xfff);
    if (nul < 0 || nul >= r.end - r.start) {
      if (r.start === offset || r.end === r.size || !r.readAt(offset)) return null;
      continue; // the same entry again, from the window's start
    }
    const match = w.match(at, nul - at);
    if (match !== 0 && !hits.add(pathAt(b, at, nul - at), b.toString('hex', p + 40, p + 40 + HASH), b, p, match)) return null;
    offset += (header + nul - at + 8) & ~7;
    i += 1;
  }
  // Extensions, each a 4-byte signature and a 32-bit size, then the file's checksum.
  while (offset < r.size - HASH) {
    if (!r.ensure(offset, 8)) return null;
    const at = offset - r.start;
    const signature = b.toString('latin1', at, at + 4);
    if (signature === 'link' || signature === 'sdir') return null;
    offset += 8 + b.readUInt32BE(at + 4);
  }
  return offset === r.size - HASH ? hits.listing : null;
}

/** mode_t as the entry stores it (32 bits, big-endian; its top byte is 0). */
function modeAt(b: Buffer, p: number): number {
  return ((b[p + 26]! << 8) | b[p + 27]!) + (b[p + 25]! << 16);
}

/** The matching entries, as they are found: each decoded once, kept in index order. */
class Hits {
  readonly listing: IndexListing = { inDirs: [], named: [] };
  private readonly modes = new Map<number, string>();

  /**
   * The entry at b[p], its path and blob id decoded, in the lists its match says; false for a
   * sparse directory (git expands those: the caller asks git).
   */
  add(path: string, oid: string, b: Buffer, p: number, match: number): boolean {
    const m = modeAt(b, p);
    if ((m & 0o170000) === 0o040000) return false;
    let mode = this.modes.get(m);
    if (mode === undefined) this.modes.set(m, (mode = m.toString(8).padStart(6, '0')));
    const entry: IndexEntry = { path, mode, oid, stage: STAGES[(b[p + 60]! >> 4) & 3]! };
    // Flags (gitindex-format(5)): 0x8000 assume-valid; extended (v3+) 0x4000 skip-worktree.
    if ((b[p + 60]! & 0x40) !== 0 && (b[p + 62]! & 0x40) !== 0) entry.hidden = 'skip-worktree';
    else if ((b[p + 60]! & 0x80) !== 0) entry.hidden = 'assume-unchanged';
    if (match & IN_DIRS) this.listing.inDirs.push(entry);
    if (match & NAMED) this.listing.named.push(entry);
    return true;
  }
}

const STAGES = ['0', '1', '2', '3'];

/** A path's bytes as a string: UTF-8 where valid (nearly always), decodePath's escapes where not. */
function pathAt(b: Buffer, at: number, length: number): string {
  const text = b.toString('utf8', at, at + length);
  return text.includes('\ufffd') ? decodePath(b.subarray(at, at + length)) : text;
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
