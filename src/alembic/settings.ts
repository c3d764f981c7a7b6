/**
 * Which lines of an environment's configuration file decide the scripts Alembic loads, so that a
 * local edit of everything else (`sqlalchemy.url`, logging) is not a file "left behind".
 *
 * Teams keep alembic.ini out of commits, or edit its URL locally, because it holds credentials;
 * staging such a file to please a hook would commit the password. Only a change to what decides
 * which revision scripts exist can make the commit's migrations disagree with the ones on disk.
 */
import { parseIni } from './ini.js';
import { importPackage } from '../packages.js';

// alembic/script/base.py, ScriptDirectory.from_config: where the scripts are, how the list is
// split, whether subdirectories count, `sourceless` (.pyc) and the import path env.py runs with.
export const LOADING_KEYS = [
  'script_location',
  'version_locations',
  'version_path_separator',
  'path_separator',
  'recursive_version_locations',
  'sourceless',
  'prepend_sys_path',
] as const;

/** An environment's configuration file (alembic.ini, pyproject.toml), not its env.py or template. */
export function isConfigFile(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.endsWith('.ini') || base === 'pyproject.toml';
}

export interface ConfigChange {
  /** What changed among the settings that decide the scripts ("[alembic] script_location", "the set of sections"). */
  loading: string[];
  /** Every other setting that changed ("[alembic] sqlalchemy.url"): may hold a password. */
  other: string[];
}

/** The difference between the staged and the working-tree text of a configuration file. */
export async function compareConfig(path: string, staged: string, worktree: string): Promise<ConfigChange> {
  return path.endsWith('.toml') ? compareToml(staged, worktree) : compareIni(staged, worktree);
}

function compareIni(before: string, after: string): ConfigChange {
  const a = parseIni(before);
  const b = parseIni(after);
  const change: ConfigChange = { loading: [], other: [] };
  const names = [...new Set([...a.keys(), ...b.keys()])];
  if (names.some((name) => !a.has(name) || !b.has(name))) change.loading.push('the set of sections');
  const loading = new Set<string>(LOADING_KEYS);
  for (const section of names) {
    const x = a.get(section) ?? new Map<string, string>();
    const y = b.get(section) ?? new Map<string, string>();
    for (const key of new Set([...x.keys(), ...y.keys()])) {
      if (x.get(key) === y.get(key)) continue;
      // A value in [DEFAULT] reaches every section: where it decides scripts, it is a loading change.
      (loading.has(key) ? change.loading : change.other).push(`[${section}] ${key}`);
    }
  }
  return change;
}

async function compareToml(before: string, after: string): Promise<ConfigChange> {
  const { parse } = await importPackage<typeof import('smol-toml')>('smol-toml');
  const read = (text: string): Record<string, unknown> | null => {
    try {
      return parse(text) as Record<string, unknown>;
    } catch {
      return null;
    }
  };
  const a = read(before);
  const b = read(after);
  // Text that is not TOML decides nothing we can name: judge it as a change to what loads.
  if (a === null || b === null) return { loading: ['[tool.alembic]'], other: [] };
  const change: ConfigChange = { loading: [], other: [] };
  const loading = new Set<string>(LOADING_KEYS);
  const table = (doc: Record<string, unknown>) => (doc.tool as Record<string, unknown> | undefined)?.alembic as Record<string, unknown> | undefined;
  const ta = table(a) ?? {};
  const tb = table(b) ?? {};
  if ((table(a) === undefined) !== (table(b) === undefined)) change.loading.push('[tool.alembic]');
  for (const key of new Set([...Object.keys(ta), ...Object.keys(tb)])) {
    if (same(ta[key], tb[key])) continue;
    (loading.has(key) ? change.loading : change.other).push(`[tool.alembic] ${key}`);
  }
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (key === 'tool') {
      const tools = new Set([...Object.keys(a.tool ?? {}), ...Object.keys(b.tool ?? {})]);
      for (const tool of tools) {
        if (tool !== 'alembic' && !same((a.tool as Record<string, unknown>)?.[tool], (b.tool as Record<string, unknown>)?.[tool]))
          change.other.push(`[tool.${tool}]`);
      }
    } else if (!same(a[key], b[key])) {
      change.other.push(`[${key}]`);
    }
  }
  return change;
}

function same(x: unknown, y: unknown): boolean {
  return JSON.stringify(x) === JSON.stringify(y);
}
