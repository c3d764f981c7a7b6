import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GuardError } from './errors.js';
import { withoutBom } from './text.js';
import { pyprojectTool } from './toml.js';
import { noteRead, statRecorded } from './worktree-reads.js';

/** alembic-guard's own settings. Every key is optional; discovery fills in the rest. */
export interface GuardConfig {
  /** Where the settings came from, e.g. ".alembic-guard.json" or "pyproject.toml [tool.alembic-guard]". */
  source: string | null;
  /** Versions directories, each its own environment (replaces discovery). */
  locations?: string[];
  /** Environments with several versions directories sharing one graph (replaces discovery). */
  environments?: { name?: string; versions: string[]; allowMultipleHeads?: boolean; mergeCommand?: string; versionTable?: string; schema?: string }[];
  /**
   * The command that merges heads, for projects that wrap Alembic in their own CLI (redash's
   * `python manage.py db merge heads`): one for every environment, or per environment name.
   */
  mergeCommand?: string | Record<string, string>;
  /** Globs (repo-relative) of files the guard never reports. */
  ignore: string[];
  /** true for every environment, or the names of environments allowed several heads. */
  allowMultipleHeads: boolean | string[];
  /** What pre-push does when a pushed commit edits a migration the remote already has. */
  changedMigrations: 'warn' | 'block' | 'off';
  /** What `verify --base` does when the branch edits or deletes a migration the base has (--strict: block). */
  baseEdits: 'warn' | 'block' | 'off';
  /** What pre-push does when merging the pushed branch into the remote's default branch would break its graph. */
  mergeHeads: 'warn' | 'block' | 'off';
  database: {
    urlEnv?: string;
    versionTable: string;
    schema?: string;
    requireTable: boolean;
    /** The development database (post-checkout, doctor): a URL, or the variable that holds one. */
    devUrl?: string;
    devUrlEnv?: string;
  };
}

const DEFAULTS: Omit<GuardConfig, 'source'> = {
  ignore: [],
  allowMultipleHeads: false,
  changedMigrations: 'warn',
  baseEdits: 'warn',
  mergeHeads: 'warn',
  database: { versionTable: 'alembic_version', requireTable: false },
};

const KEYS = new Set(['locations', 'environments', 'ignore', 'allowMultipleHeads', 'mergeCommand', 'changedMigrations', 'baseEdits', 'mergeHeads', 'database']);
const DB_KEYS = new Set(['urlEnv', 'versionTable', 'schema', 'requireTable', 'devUrl', 'devUrlEnv']);
const ENV_KEYS = new Set(['name', 'versions', 'allowMultipleHeads', 'mergeCommand', 'versionTable', 'schema']);
// A table or schema name as verify quotes it (src/db/index.ts accepts nothing else).
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** The files at the top of the working tree that can hold the configuration, in the order they are read. */
export const CONFIG_FILES = ['.alembic-guard.json', 'package.json', 'pyproject.toml'] as const;

/** Looks in order: .alembic-guard.json, package.json "alembic-guard", pyproject.toml [tool.alembic-guard]. */
export async function loadConfig(root: string): Promise<GuardConfig> {
  const json = readJson(join(root, '.alembic-guard.json'), '.alembic-guard.json');
  if (json !== undefined) return validate(json, '.alembic-guard.json');
  const pkg = readJson(join(root, 'package.json'), 'package.json') as Record<string, unknown> | undefined;
  if (pkg && typeof pkg === 'object' && pkg['alembic-guard'] !== undefined) {
    return validate(pkg['alembic-guard'], 'package.json "alembic-guard"');
  }
  const toml = await pyprojectTool(join(root, 'pyproject.toml'), 'alembic-guard', 'pyproject.toml');
  if (toml) return validate(toml, 'pyproject.toml [tool.alembic-guard]');
  return { source: null, ...DEFAULTS, database: { ...DEFAULTS.database } };
}

function readJson(file: string, label: string): unknown {
  // Usually absent: asked without an exception (thrown and caught, it costs more than the read).
  if (statRecorded(file) === 'absent') return undefined;
  let text: string;
  try {
    const bytes = readFileSync(file);
    noteRead(file, bytes);
    text = bytes.toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new GuardError(`${label}: cannot read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(withoutBom(text));
  } catch (error) {
    throw new GuardError(`${label}: invalid JSON: ${(error as Error).message}`);
  }
}

export function validate(raw: unknown, source: string): GuardConfig {
  const fail = (key: string, why: string): never => {
    throw new GuardError(`invalid configuration in ${source}: "${key}" ${why}`);
  };
  if (!isObject(raw)) fail('(root)', 'must be an object/table');
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!KEYS.has(key)) fail(key, `is not a known key (known: ${[...KEYS].join(', ')})`);
  const config: GuardConfig = { source, ...DEFAULTS, database: { ...DEFAULTS.database } };
  if (input.locations !== undefined) config.locations = stringList(input.locations, 'locations', fail, true);
  if (input.ignore !== undefined) config.ignore = stringList(input.ignore, 'ignore', fail, false);
  if (input.environments !== undefined) {
    if (!Array.isArray(input.environments) || input.environments.length === 0) fail('environments', 'must be a non-empty list');
    config.environments = (input.environments as unknown[]).map((env, i) => {
      const key = `environments[${i}]`;
      if (!isObject(env)) fail(key, 'must be an object/table');
      const e = env as Record<string, unknown>;
      for (const k of Object.keys(e)) if (!ENV_KEYS.has(k)) fail(`${key}.${k}`, `is not a known key (known: ${[...ENV_KEYS].join(', ')})`);
      if (e.name !== undefined && typeof e.name !== 'string') fail(`${key}.name`, 'must be a string');
      if (e.allowMultipleHeads !== undefined && typeof e.allowMultipleHeads !== 'boolean') fail(`${key}.allowMultipleHeads`, 'must be true or false');
      if (e.mergeCommand !== undefined) command(e.mergeCommand, `${key}.mergeCommand`, fail);
      for (const k of ['versionTable', 'schema'] as const) {
        if (e[k] !== undefined && (typeof e[k] !== 'string' || !IDENTIFIER.test(e[k] as string))) {
          fail(`${key}.${k}`, 'must be a plain identifier (letters, digits, _)');
        }
      }
      return {
        name: e.name as string | undefined,
        versions: stringList(e.versions, `${key}.versions`, fail, true),
        allowMultipleHeads: e.allowMultipleHeads as boolean | undefined,
        mergeCommand: e.mergeCommand as string | undefined,
        versionTable: e.versionTable as string | undefined,
        schema: e.schema as string | undefined,
      };
    });
  }
  if (input.allowMultipleHeads !== undefined) {
    const v = input.allowMultipleHeads;
    if (typeof v === 'boolean') config.allowMultipleHeads = v;
    else config.allowMultipleHeads = stringList(v, 'allowMultipleHeads', fail, false, 'true, false or a list of environment names');
  }
  if (input.mergeCommand !== undefined) {
    const v = input.mergeCommand;
    if (isObject(v)) {
      for (const [name, cmd] of Object.entries(v as Record<string, unknown>)) command(cmd, `mergeCommand.${name}`, fail);
      config.mergeCommand = v as Record<string, string>;
    } else {
      config.mergeCommand = command(v, 'mergeCommand', fail, 'a command (string) or a table of environment name → command');
    }
  }
  if (input.changedMigrations !== undefined) {
    const v = input.changedMigrations;
    if (v !== 'warn' && v !== 'block' && v !== 'off') fail('changedMigrations', 'must be "warn", "block" or "off"');
    config.changedMigrations = v as GuardConfig['changedMigrations'];
  }
  for (const key of ['baseEdits', 'mergeHeads'] as const) {
    const v = input[key];
    if (v === undefined) continue;
    if (v !== 'warn' && v !== 'block' && v !== 'off') fail(key, 'must be "warn", "block" or "off"');
    config[key] = v as GuardConfig[typeof key];
  }
  if (input.database !== undefined) {
    if (!isObject(input.database)) fail('database', 'must be an object/table');
    const db = input.database as Record<string, unknown>;
    for (const k of Object.keys(db)) if (!DB_KEYS.has(k)) fail(`database.${k}`, `is not a known key (known: ${[...DB_KEYS].join(', ')})`);
    if (db.devUrl !== undefined) {
      if (typeof db.devUrl !== 'string' || db.devUrl.trim() === '') fail('database.devUrl', 'must be a database URL');
      config.database.devUrl = db.devUrl as string;
    }
    for (const k of ['urlEnv', 'versionTable', 'schema', 'devUrlEnv'] as const) {
      if (db[k] === undefined) continue;
      if (typeof db[k] !== 'string' || !IDENTIFIER.test(db[k] as string)) {
        fail(`database.${k}`, 'must be a plain identifier (letters, digits, _)');
      }
      (config.database as Record<string, unknown>)[k] = db[k];
    }
    if (db.requireTable !== undefined) {
      if (typeof db.requireTable !== 'boolean') fail('database.requireTable', 'must be true or false');
      config.database.requireTable = db.requireTable as boolean;
    }
  }
  return config;
}

/** A command line shown to people as written: one line, not empty. */
function command(value: unknown, key: string, fail: (key: string, why: string) => never, expected = 'a command (string)'): string {
  if (typeof value !== 'string' || value.trim() === '') fail(key, `must be ${expected}`);
  if (/[\r\n]/.test(value as string)) fail(key, 'must be one line');
  return (value as string).trim();
}

/** A JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, key: string, fail: (key: string, why: string) => never, nonEmpty: boolean, expected = 'a list of strings'): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) fail(key, `must be ${expected}`);
  if (nonEmpty && (value as string[]).length === 0) fail(key, 'must not be empty');
  return value as string[];
}
