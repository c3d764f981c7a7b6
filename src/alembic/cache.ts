import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILES, isObject } from '../config.js';
import type { BlobEntry } from '../git/objects.js';
import type { GraphProblemKind, RevisionGraph } from './graph.js';
import type { ParsedScript } from './script.js';
import { CODE_STAMP } from './stamp.js';

// What the hooks remember between runs, in <git common dir>/alembic-guard/cache/ (beside the
// bypass log): never in the working tree, the index or refs. Everything is keyed by git blob ids,
// which name exact bytes, so an entry cannot go stale; only new code can change an answer, and
// each file records a hash of the modules that computed it (./stamp.js, written by the build).
// ALEMBIC_GUARD_CACHE=0 turns it off; trouble reading or writing it only costs time: only regular
// files are opened (a FIFO planted there would block a read), and every entry is checked for the
// shape its reader relies on before use (a damaged one is a miss, never a crash).
// An answer is only as true as its key: a parsed script is stored under the id of the bytes that
// were parsed (sources.ts checks a working copy against its blob id), and a graph answer under
// every blob, path and mode of the environment plus every setting the graph rules read.
//
// - parse cache: blob id + file name → the parsed header of one script (names matter for legacy
//   `<hex>.py` scripts and for names Alembic skips);
// - graph cache: every (path, blob id) of one environment → its graph's problems and warnings,
//   so a commit that touches no migration rebuilds nothing.

/** What the commit hooks need of a graph. */
export type GraphSummary = Pick<RevisionGraph, 'problems' | 'warnings' | 'heads'>;

type ParseEntry = [
  revision: string | null,
  downRevisions: string[],
  dependsOn: string[],
  branchLabels: string[],
  warnings: ParsedScript['warnings'],
  error?: ParsedScript['error'] | null,
  labelSource?: ParsedScript['labelSource'],
];

const MAX_PARSED = 50_000;
const MAX_GRAPHS = 64; // one small answer per set of migrations checked (branches, rebases)
const MAX_HINTS = 16;
const MAX_FILE_BYTES = 256 * 1024 * 1024;

const OPEN = new Map<string, Store<unknown>>();

/** A store of key → value in one JSON file, written atomically and only when changed. */
class Store<T> {
  /**
   * The file's entries as JSON.parse made them: looked up as they are, turned into an ordered
   * Map only when something is set (10,000 answers are read in 3 ms, made a Map in 18).
   */
  private read: Record<string, T> | null = null;
  private map: Map<string, T> | null = null;
  private changed = false;

  private readonly file: string | null;

  /** Keys this process read or wrote: what a store past its limit keeps. */
  readonly used = new Set<string>();

  /**
   * One store per file and process: `verify --base` reads three trees, and each would otherwise
   * read and parse the same 5,000-entry file again.
   */
  static open<T>(commonDir: string, name: string): Store<T> {
    const key = `${commonDir}\0${name}`;
    let store = OPEN.get(key) as Store<T> | undefined;
    if (!store) OPEN.set(key, (store = new Store<T>(commonDir, name)));
    return store;
  }

  /** `<common dir>/alembic-guard/cache/<name>`; none while the cache is off or running from sources. */
  constructor(commonDir: string, name: string) {
    this.file = process.env.ALEMBIC_GUARD_CACHE !== '0' && CODE_STAMP !== null ? join(commonDir, 'alembic-guard', 'cache', name) : null;
    if (this.file === null) return;
    try {
      const text = readRegularFile(this.file);
      const data = text === null ? null : (JSON.parse(text) as { stamp: unknown; entries: unknown });
      if (data && data.stamp === CODE_STAMP && isObject(data.entries)) this.read = data.entries as Record<string, T>;
    } catch {
      // missing or damaged: start over
    }
  }

  get enabled(): boolean {
    return this.file !== null;
  }

  get(key: string): T | undefined {
    if (this.map !== null) return this.map.get(key);
    return this.read !== null && Object.hasOwn(this.read, key) ? this.read[key] : undefined;
  }

  /** Every entry, oldest first. */
  get entries(): Map<string, T> {
    this.map ??= new Map(this.read === null ? [] : Object.entries(this.read));
    this.read = null;
    return this.map;
  }

  /** Sets the value; the key moves last, so that a limit on save keeps the newest. */
  set(key: string, value: T): void {
    if (this.file === null) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    this.changed = true;
  }

  save(keep: (entries: Map<string, T>) => Iterable<[string, T]> = (e) => e): void {
    if (this.file === null || !this.changed) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      try {
        unlinkSync(tmp); // left by a run that died: 'wx' below neither follows nor reuses it
      } catch {
        // the usual case: no such file
      }
      writeFileSync(tmp, JSON.stringify({ stamp: CODE_STAMP, entries: Object.fromEntries(keep(this.entries)) }), { flag: 'wx' });
      renameSync(tmp, this.file);
      this.changed = false;
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing was written
      }
    }
  }
}

/**
 * Nearly every script is a revision, its down revisions and nothing else: that is stored as one
 * string, `=revision\ndown…` (10,000 of them parse in half the time of as many nested arrays).
 */
type StoredParse = ParseEntry | string;

function compact(parsed: ParsedScript): string | null {
  const { revision, downRevisions, dependsOn, branchLabels, warnings, error, labelSource } = parsed;
  if (revision === null || dependsOn.length || branchLabels.length || warnings.length || error || labelSource) return null;
  const ids = [revision, ...downRevisions];
  return ids.every((id) => id !== '' && !id.includes('\n')) ? `=${ids.join('\n')}` : null;
}

/** The ids of a compact entry (`=revision\ndown…`), or null for a string of another shape. */
function compactIds(entry: string): string[] | null {
  if (!entry.startsWith('=')) return null;
  const ids = entry.slice(1).split('\n');
  return ids.every((id) => id !== '') ? ids : null;
}

/** A parse answer's key: the blob and the file's name (a git path: `/`-separated, no trailing slash). */
function parseKey(oid: string, path: string): string {
  return `${oid}:${path.slice(path.lastIndexOf('/') + 1)}`;
}

export class ParseCache {
  private readonly store: Store<StoredParse>;

  constructor(commonDir: string) {
    this.store = Store.open(commonDir, 'parse-cache.json');
  }

  get(oid: string, path: string): ParsedScript | undefined {
    if (!this.store.enabled) return undefined;
    const key = parseKey(oid, path);
    const entry = this.store.get(key);
    if (typeof entry === 'string') {
      const ids = compactIds(entry);
      if (ids === null) return undefined; // not ours
      this.store.used.add(key);
      const [revision, ...downRevisions] = ids;
      return { path, revision, downRevisions, dependsOn: [], branchLabels: [], warnings: [] };
    }
    if (!validEntry(entry)) return undefined; // absent, or not ours
    this.store.used.add(key);
    const [revision, downRevisions, dependsOn, branchLabels, warnings, error, labelSource] = entry;
    const parsed: ParsedScript = { path, revision, downRevisions, dependsOn, branchLabels, warnings };
    if (error) parsed.error = error;
    if (labelSource) parsed.labelSource = labelSource;
    return parsed;
  }

  set(oid: string, parsed: ParsedScript): void {
    const key = parseKey(oid, parsed.path);
    const short = compact(parsed);
    if (short !== null) {
      this.store.set(key, short);
      this.store.used.add(key);
      return;
    }
    const { revision, downRevisions, dependsOn, branchLabels, warnings, error, labelSource } = parsed;
    const entry: ParseEntry = [revision, downRevisions, dependsOn, branchLabels, warnings];
    if (error || labelSource) entry.push(error ?? null);
    if (labelSource) entry.push(labelSource);
    this.store.set(key, entry);
    this.store.used.add(key);
  }

  save(): void {
    // Past the limit, keep what this run used: the scripts of the trees being committed.
    this.store.save((entries) => (entries.size > MAX_PARSED ? [...entries].filter(([key]) => this.store.used.has(key)) : entries));
  }
}

export class GraphCache {
  private readonly store: Store<GraphSummary>;

  constructor(commonDir: string) {
    this.store = Store.open(commonDir, 'graph-cache.json');
  }

  /**
   * The key of an environment's answer: every path, mode and blob id of its scripts, and every
   * setting the graph builder is given (versions directories, options), whatever they are.
   */
  static key(entries: BlobEntry[], settings: object): string {
    // `<settings>\n<count>\n`, the modes joined by spaces, the blob ids by spaces and the paths by
    // NULs (none of them holds its separator): three joins, which run in V8's own code, and four
    // updates. A loop writing 5,000 entries one field at a time cost a clean check 15 ms more.
    return createHash('sha1')
      .update(`${JSON.stringify(settings)}\n${entries.length}\n`)
      .update(`${entries.map((e) => e.mode).join(' ')}\n`)
      .update(`${entries.map((e) => e.oid).join(' ')}\n`)
      .update(entries.map((e) => e.path).join('\0'), 'utf8')
      .digest('hex');
  }

  get(key: string): GraphSummary | undefined {
    const summary = this.store.get(key);
    return validSummary(summary) ? summary : undefined;
  }

  set(key: string, summary: GraphSummary): void {
    this.store.set(key, { problems: summary.problems, warnings: summary.warnings, heads: summary.heads });
  }

  save(): void {
    this.store.save((entries) => [...entries].slice(-MAX_GRAPHS));
  }
}

/**
 * Python's verdicts (compile.ts): key → 0 when the static reader's verdict stands, else the
 * error that replaces it. The key names the Python that judged (its path, size and time), the
 * blob and the file name, so another interpreter, or another file, is asked afresh.
 */
export class CompileCache {
  private readonly store: Store<NonNullable<ParsedScript['error']> | 0>;

  constructor(commonDir: string, name = 'compile-cache.json') {
    this.store = Store.open(commonDir, name);
  }

  /** null: the static verdict stands; undefined: not known. */
  get(key: string): NonNullable<ParsedScript['error']> | null | undefined {
    const verdict = this.store.get(key);
    if (verdict === 0) {
      this.store.used.add(key);
      return null;
    }
    if (!validError(verdict)) return undefined;
    this.store.used.add(key);
    return verdict;
  }

  set(key: string, error: ParsedScript['error'] | null): void {
    this.store.set(key, error ?? 0);
    this.store.used.add(key);
  }

  save(): void {
    this.store.save((entries) => (entries.size > MAX_PARSED ? [...entries].filter(([key]) => this.store.used.has(key)) : entries));
  }
}

/**
 * What `check` asked git about last time in this working tree (watched paths and versions
 * directories), so it can start `git status` while discovery runs. Only a guess: check compares
 * it with what discovery finds and asks again when they differ.
 */
export interface WatchHint {
  paths: string[];
  versions: string[];
}

export class WatchHints {
  private readonly store: Store<WatchHint>;

  constructor(commonDir: string) {
    this.store = new Store(commonDir, 'watch.json');
  }

  get(root: string): WatchHint | undefined {
    return validHint(this.store.get(hintKey(root)));
  }

  /** Records the hint for this working tree when it differs from the stored one. */
  update(root: string, hint: WatchHint): void {
    const key = hintKey(root);
    const old = validHint(this.store.get(key));
    if (old && sameList(old.paths, hint.paths) && sameList(old.versions, hint.versions)) return;
    this.store.set(key, hint);
    this.store.save((entries) => [...entries].slice(-MAX_HINTS));
  }
}

/**
 * In a working tree with very many top-level folders, what discovery's sweep of them found
 * (untracked candidate files where `alembic init` and `flask db init` put them), remembered until
 * the top level changes: its mtime moves whenever an entry is added, removed or renamed there.
 */
export interface TopLevelSweep {
  /** The working tree's top folder's mtime (ns) when the sweep began. */
  mtime: string;
  found: string[];
}

export class TopLevelSweeps {
  private readonly store: Store<TopLevelSweep>;

  constructor(commonDir: string) {
    this.store = new Store(commonDir, 'top-level.json');
  }

  get(root: string, mtime: string): string[] | undefined {
    const sweep = this.store.get(root);
    return isObject(sweep) && sweep.mtime === mtime && strings(sweep.found) ? sweep.found : undefined;
  }

  set(root: string, sweep: TopLevelSweep): void {
    this.store.set(root, sweep);
    this.store.save((entries) => [...entries].slice(-MAX_HINTS));
  }
}

/**
 * A working tree, and the state of the files that can configure the guard at its top: editing
 * the configuration makes another guess, and switching back finds the old one.
 */
function hintKey(root: string): string {
  const parts = [root];
  for (const name of CONFIG_FILES) {
    const st = statSync(join(root, name), { throwIfNoEntry: false });
    parts.push(st ? `${st.size}:${st.mtimeMs}` : '-');
  }
  return parts.join('\0');
}

/**
 * The cache file's text, when it is a regular file: opened without following a link and without
 * blocking (a FIFO or a device planted in the cache directory would hang a read), then checked.
 */
function readRegularFile(file: string): string | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    return st.isFile() && st.size <= MAX_FILE_BYTES ? readFileSync(fd, 'utf8') : null;
  } finally {
    closeSync(fd);
  }
}

// Shapes, checked on every read: the stamp says which code wrote a file, not that it is intact.

const PROBLEM_KINDS: Record<GraphProblemKind, true> = {
  'duplicate-revision': true,
  'missing-parent': true,
  'missing-dependency': true,
  cycle: true,
  'illegal-id': true,
  'duplicate-label': true,
  'multiple-heads': true,
  'not-a-migration': true,
  'unreadable-script': true,
  'syntax-error': true,
  'not-loaded': true,
  'submodule-unread': true,
};
const ERROR_KINDS: Record<NonNullable<ParsedScript['error']>['kind'], true> = {
  'not-a-migration': true,
  'not-utf8': true,
  'too-large': true,
  unreadable: true,
  syntax: true,
  conflict: true,
  header: true,
  'not-static': true,
};

function strings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isLine(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function own(kinds: object, kind: unknown): boolean {
  return typeof kind === 'string' && Object.hasOwn(kinds, kind);
}

function validError(error: unknown): error is NonNullable<ParsedScript['error']> {
  return isObject(error) && own(ERROR_KINDS, error.kind) && typeof error.message === 'string' && (error.line === undefined || isLine(error.line));
}

function validEntry(entry: unknown): entry is ParseEntry {
  if (!Array.isArray(entry) || entry.length < 5 || entry.length > 7) return false;
  const [revision, down, deps, labels, warnings, error, labelSource] = entry as unknown[];
  return (
    (revision === null || typeof revision === 'string') &&
    strings(down) &&
    strings(deps) &&
    strings(labels) &&
    Array.isArray(warnings) &&
    warnings.every((w) => isObject(w) && isLine(w.line) && typeof w.message === 'string') &&
    (error === undefined ||
      error === null || // written before a labelSource
      validError(error)) &&
    (labelSource === undefined ||
      (isObject(labelSource) && isLine(labelSource.line) && typeof labelSource.expression === 'string' && strings(labelSource.imports)))
  );
}

function validSummary(summary: unknown): summary is GraphSummary {
  return (
    isObject(summary) &&
    strings(summary.heads) &&
    Array.isArray(summary.problems) &&
    summary.problems.every(
      (p) =>
        isObject(p) &&
        own(PROBLEM_KINDS, p.kind) &&
        typeof p.message === 'string' &&
        strings(p.paths) &&
        strings(p.revisions) &&
        (p.line === undefined || isLine(p.line)) &&
        (p.cause === undefined || p.cause === 'syntax' || p.cause === 'conflict' || p.cause === 'encoding') &&
        (p.severity === 'error' || p.severity === 'warning'),
    ) &&
    Array.isArray(summary.warnings) &&
    summary.warnings.every((w) => isObject(w) && typeof w.path === 'string' && isLine(w.line) && typeof w.message === 'string')
  );
}

function validHint(hint: unknown): WatchHint | undefined {
  return isObject(hint) && strings(hint.paths) && strings(hint.versions) ? (hint as unknown as WatchHint) : undefined;
}

export function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
