/**
 * Which parse warnings the pre-commit hook has already shown, per file version, so that a
 * warning about an upstream migration the user never touches (neutron's constants) is said once
 * and not on every commit. `graph` and `doctor`-style listings, JSON and `verify` show them all.
 *
 * One small JSON file, `<git common dir>/alembic-guard/shown-warnings.json`, beside the cache and
 * the bypass log (never in the working tree): `{"version":1,"shown":["<hash>",…]}`, each hash
 * naming blob id + path + line + message. Anything else found there is ignored and replaced;
 * trouble reading or writing it only means a warning is shown again. ALEMBIC_GUARD_CACHE=0 turns
 * it off, like the cache.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = 1;
const MAX_KEYS = 2000; // far more warnings than a project has; the oldest go first
const KEY = /^[0-9a-f]{24}$/;

export class ShownWarnings {
  private readonly file: string | null;
  private readonly keys: Set<string>;
  private changed = false;

  constructor(commonDir: string) {
    this.file = process.env.ALEMBIC_GUARD_CACHE === '0' ? null : join(commonDir, 'alembic-guard', 'shown-warnings.json');
    this.keys = new Set(this.file === null ? [] : read(this.file));
  }

  /** The key of one warning about one version (blob id) of one file. */
  static key(oid: string, path: string, line: number, message: string): string {
    return createHash('sha1').update(`${oid}\0${path}\0${line}\0${message}`).digest('hex').slice(0, 24);
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (this.file === null || this.keys.has(key)) return;
    this.keys.add(key);
    this.changed = true;
  }

  save(): void {
    if (this.file === null || !this.changed) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      writeFileSync(tmp, JSON.stringify({ version: VERSION, shown: [...this.keys].slice(-MAX_KEYS) }));
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

function read(file: string): string[] {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof data !== 'object' || data === null) return [];
    const { version, shown } = data as { version?: unknown; shown?: unknown };
    if (version !== VERSION || !Array.isArray(shown)) return [];
    return shown.filter((k): k is string => typeof k === 'string' && KEY.test(k)).slice(-MAX_KEYS);
  } catch {
    return []; // missing or damaged: start over
  }
}
