/**
 * What this process learned from the working tree outside git: the files it read (configuration,
 * alembic.ini, pyproject.toml, env.py) and the paths it found absent, present or a folder. A
 * passing pre-commit check hands this to the quiet-commit note (hooks/quiet-commit.ts): the next
 * commit's hook goes without node only while every one of these is as it was. Whatever cannot be
 * put that way (a path outside the repository, a symbolic link on the way) marks the reads opaque,
 * and no note is written.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { safeRealpath } from './paths.js';

export type Seen =
  /** Read whole: the blob id of its bytes, as `git hash-object --no-filters` says it. */
  { kind: 'file'; bytes: Buffer } | { kind: 'absent' } | { kind: 'is-file' } | { kind: 'dir' } | { kind: 'exists' };

export interface TopLevelSweep {
  /** The root folder's mtime when discovery looked at its folders, in nanoseconds. */
  rootMtimeNs: bigint;
  /** True when every top-level folder was looked into this time (not a remembered sweep). */
  swept: boolean;
  /** The conventional files the sweep found (repository paths). */
  found: string[];
}

class WorktreeReads {
  root: string | null = null;
  realRoot: string | null = null;
  readonly seen = new Map<string, Seen>();
  sweep: TopLevelSweep | null = null;
  opaque: string | null = null;

  /** A repository path for an absolute one, or null (and opaque) outside the repository. */
  private rel(path: string): string | null {
    if (this.root === null) return null;
    const rel = relative(this.root, path);
    if (rel === '' || rel.startsWith('..') || rel.includes('\n')) {
      this.opaque ??= `outside the repository: ${path}`;
      return null;
    }
    return sep === '/' ? rel : rel.split(sep).join('/');
  }

  note(path: string, seen: Seen): void {
    const rel = this.rel(path);
    if (rel === null) return;
    const before = this.seen.get(rel);
    // A file first stat'ed, then read: the read says more.
    if (before === undefined || before.kind !== 'file') this.seen.set(rel, seen);
  }
}

const READS = new WorktreeReads();

/** Starts the record for this repository (openRepo's root); what came before is dropped. */
export function recordReadsFor(root: string): void {
  READS.root = root;
  READS.realRoot = null;
  READS.seen.clear();
  READS.sweep = null;
  READS.opaque = null;
}

/** The record so far. */
export function worktreeReads(): Readonly<Pick<WorktreeReads, 'root' | 'seen' | 'sweep' | 'opaque'>> {
  return READS;
}

/** A file's bytes, or null when it cannot be read (recorded either way). */
export function readRecorded(path: string): Buffer | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    READS.note(path, { kind: 'absent' });
    return null;
  }
  READS.note(path, { kind: 'file', bytes });
  return bytes;
}

/** Bytes read elsewhere (config.ts, which tells a missing file from an unreadable one). */
export function noteRead(path: string, bytes: Buffer): void {
  READS.note(path, { kind: 'file', bytes });
}

/** What a stat of the path said, recorded: 'file', 'dir', something else, or absent. */
export function statRecorded(path: string): 'file' | 'dir' | 'other' | 'absent' {
  let kind: 'file' | 'dir' | 'other' | 'absent';
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    kind = st === undefined ? 'absent' : st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  } catch {
    kind = 'absent';
  }
  READS.note(path, kind === 'absent' ? { kind: 'absent' } : kind === 'file' ? { kind: 'is-file' } : kind === 'dir' ? { kind: 'dir' } : { kind: 'exists' });
  return kind;
}

/** A realpath that leads somewhere else than the path itself inside the repository: no note. */
export function noteRealpath(path: string, real: string): void {
  if (READS.root === null || path === READS.root) return;
  READS.realRoot ??= safeRealpath(READS.root);
  if (relative(READS.root, path) !== relative(READS.realRoot, real)) READS.opaque ??= `a symbolic link: ${path}`;
}

/** Something was read that the note cannot look at again cheaply: no note this time. */
export function noteOpaque(why: string): void {
  READS.opaque ??= why;
}

export function noteSweep(sweep: TopLevelSweep): void {
  READS.sweep = sweep;
}

/** The blob id git gives these bytes (sha1, or sha256 in a repository of that format). */
export function blobId(bytes: Buffer, algorithm: 'sha1' | 'sha256'): string {
  return createHash(algorithm).update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}
