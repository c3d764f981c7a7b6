// Hints for a reference that names nothing: a file name instead of an id (`009` for
// 009_create_pins.py, or the whole stem), or an abbreviated id. Built lazily: only a missing
// parent or dependency asks.

import { isAlembicScriptName, type ParsedScript } from './script.js';

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class Hints {
  private byName: Map<string, ParsedScript> | null = null;
  private sortedIds: string[] | null = null;

  constructor(
    private readonly scripts: ParsedScript[],
    private readonly ids: string[],
  ) {}

  explain(ref: string, field: string): string {
    if (ref === '') return '';
    const file = this.fileFor(ref);
    if (file !== undefined) {
      const use = file.revision !== null ? `; use its revision id "${file.revision}"` : '';
      return `; it matches the file name ${file.path}, not a revision id${use}`;
    }
    const full = this.idStartingWith(ref);
    if (full !== undefined) return `; ${field} must be the full id, perhaps "${full}"`;
    return '';
  }

  private fileFor(ref: string): ParsedScript | undefined {
    if (this.byName === null) {
      // The file name and its stem first; then each prefix of a stem that ends just before a
      // separator (`009` of 009_create_pins), kept only when a single file has it.
      const byName = new Map<string, ParsedScript>();
      const byPrefix = new Map<string, ParsedScript | null>();
      for (const s of this.scripts) {
        if (!isAlembicScriptName(s.path)) continue;
        const base = s.path.slice(s.path.lastIndexOf('/') + 1);
        const stem = base.endsWith('.py') ? base.slice(0, -3) : base;
        if (!byName.has(base)) byName.set(base, s);
        if (!byName.has(stem)) byName.set(stem, s);
        for (let i = 1; i < stem.length; i++) {
          if (/[A-Za-z0-9]/.test(stem[i]!)) continue;
          const key = stem.slice(0, i);
          const seen = byPrefix.get(key);
          byPrefix.set(key, seen === undefined || seen === s ? s : null);
        }
      }
      for (const [key, s] of byPrefix) if (s !== null && !byName.has(key)) byName.set(key, s);
      this.byName = byName;
    }
    return this.byName.get(ref);
  }

  private idStartingWith(ref: string): string | undefined {
    if (ref.length < 3) return undefined;
    if (this.sortedIds === null) this.sortedIds = [...this.ids].sort(compare);
    const ids = this.sortedIds;
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid]! < ref) lo = mid + 1;
      else hi = mid;
    }
    const first = ids[lo];
    if (first === undefined || !first.startsWith(ref)) return undefined;
    const second = ids[lo + 1];
    return second !== undefined && second.startsWith(ref) ? undefined : first;
  }
}
