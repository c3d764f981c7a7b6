import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BlobEntry } from '../git/objects.js';
import type { GraphOptions, RevisionGraph } from './graph.js';
import type { ParsedScript } from './script.js';
import { CODE_STAMP } from './stamp.js';

// What the hooks remember between runs, in <git common dir>/alembic-guard/cache/ (beside the
// bypass log): never in the working tree, the index or refs. Everything is keyed by git blob ids,
// which name exact bytes, so an entry cannot go stale; only new code can change an answer, and
// each file records a hash of the modules that computed it (./stamp.js, written by the build).
// ALEMBIC_GUARD_CACHE=0 turns it off; trouble reading or writing it only costs time.
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

/** A store of key → value in one JSON file, written atomically and only when changed. */
class Store<T> {
  readonly entries: Map<string, T>;
  private changed = false;

  private readonly file: string | null;

  /** `<common dir>/alembic-guard/cache/<name>`; none while the cache is off or running from sources. */
  constructor(commonDir: string, name: string) {
    this.file = process.env.ALEMBIC_GUARD_CACHE !== '0' && CODE_STAMP !== null ? join(commonDir, 'alembic-guard', 'cache', name) : null;
    this.entries = new Map();
    if (this.file === null) return;
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as { stamp: string; entries: Record<string, T> };
      if (data.stamp === CODE_STAMP && data.entries && typeof data.entries === 'object') this.entries = new Map(Object.entries(data.entries));
    } catch {
      // missing or damaged: start over
    }
  }

  get enabled(): boolean {
    return this.file !== null;
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
      writeFileSync(tmp, JSON.stringify({ stamp: CODE_STAMP, entries: Object.fromEntries(keep(this.entries)) }));
      renameSync(tmp, this.file);
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing was written
      }
    }
  }
}

export class ParseCache {
  private readonly store: Store<ParseEntry>;
  private readonly used = new Set<string>();

  constructor(commonDir: string) {
    this.store = new Store(commonDir, 'parse-cache.json');
  }

  get(oid: string, path: string): ParsedScript | undefined {
    if (!this.store.enabled) return undefined;
    const key = `${oid}:${basename(path)}`;
    const entry = this.store.entries.get(key);
    if (!validEntry(entry)) return undefined; // absent, or not ours
    this.used.add(key);
    const [revision, downRevisions, dependsOn, branchLabels, warnings, error, labelSource] = entry;
    const parsed: ParsedScript = { path, revision, downRevisions, dependsOn, branchLabels, warnings };
    if (error) parsed.error = error;
    if (labelSource) parsed.labelSource = labelSource;
    return parsed;
  }

  set(oid: string, parsed: ParsedScript): void {
    const key = `${oid}:${basename(parsed.path)}`;
    const { revision, downRevisions, dependsOn, branchLabels, warnings, error, labelSource } = parsed;
    const entry: ParseEntry = [revision, downRevisions, dependsOn, branchLabels, warnings];
    if (error || labelSource) entry.push(error ?? null);
    if (labelSource) entry.push(labelSource);
    this.store.set(key, entry);
    this.used.add(key);
  }

  save(): void {
    // Past the limit, keep what this run used: the scripts of the trees being committed.
    this.store.save((entries) => (entries.size > MAX_PARSED ? [...entries].filter(([key]) => this.used.has(key)) : entries));
  }
}

export class GraphCache {
  private readonly store: Store<GraphSummary>;

  constructor(commonDir: string) {
    this.store = new Store(commonDir, 'graph-cache.json');
  }

  /** The key of an environment's scripts: every path and blob id, and the options. */
  static key(entries: BlobEntry[], options: GraphOptions): string {
    let text = `${options.allowMultipleHeads ? 'heads:any' : 'heads:one'} loading:${options.loading ?? 'recursive'}\n`;
    for (const entry of entries) text += `${entry.oid} ${entry.path}\0`;
    return createHash('sha1').update(text).digest('hex');
  }

  get(key: string): GraphSummary | undefined {
    const summary = this.store.entries.get(key);
    const valid = summary && Array.isArray(summary.problems) && Array.isArray(summary.warnings) && Array.isArray(summary.heads);
    return valid ? summary : undefined;
  }

  set(key: string, summary: GraphSummary): void {
    this.store.set(key, { problems: summary.problems, warnings: summary.warnings, heads: summary.heads });
  }

  save(): void {
    this.store.save((entries) => [...entries].slice(-MAX_GRAPHS));
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
    return validHint(this.store.entries.get(hintKey(root)));
  }

  /** Records the hint for this working tree when it differs from the stored one. */
  update(root: string, hint: WatchHint): void {
    const key = hintKey(root);
    const old = validHint(this.store.entries.get(key));
    if (old && sameList(old.paths, hint.paths) && sameList(old.versions, hint.versions)) return;
    this.store.set(key, hint);
    this.store.save((entries) => [...entries].slice(-MAX_HINTS));
  }
}

/**
 * A working tree, and the state of the files that can configure the guard at its top: editing
 * the configuration makes another guess, and switching back finds the old one.
 */
function hintKey(root: string): string {
  const parts = [root];
  for (const name of ['.alembic-guard.json', 'package.json', 'pyproject.toml']) {
    const st = statSync(join(root, name), { throwIfNoEntry: false });
    parts.push(st ? `${st.size}:${st.mtimeMs}` : '-');
  }
  return parts.join('\0');
}

function validEntry(entry: ParseEntry | undefined): entry is ParseEntry {
  return (
    Array.isArray(entry) &&
    (entry[0] === null || typeof entry[0] === 'string') &&
    Array.isArray(entry[1]) &&
    Array.isArray(entry[2]) &&
    Array.isArray(entry[3]) &&
    Array.isArray(entry[4])
  );
}

function validHint(hint: WatchHint | undefined): WatchHint | undefined {
  return hint && Array.isArray(hint.paths) && Array.isArray(hint.versions) ? hint : undefined;
}

export function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
