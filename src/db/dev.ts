// Which database is the developer's own: the one post-checkout and doctor may read. Configured
// (database.devUrl / devUrlEnv) wins; otherwise a literal sqlalchemy.url in an alembic.ini, and
// only when it is local — a SQLite file, localhost or a unix socket. A remote host is read only
// when configured: a checkout must never reach out to a shared or production server unasked.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { Environment } from '../alembic/environment.js';
import { iniValue, parseIni } from '../alembic/ini.js';
import { CONFIG_FILES, type GuardConfig } from '../config.js';
import { parseDbUrl } from './url.js';

export interface DevDatabase {
  url: string;
  /** The URL as it may be shown (password and secrets hidden). */
  redacted: string;
  /** Where it was configured, for messages: "database.devUrl in .alembic-guard.json". */
  from: string;
  /** The environment whose alembic.ini names it, when it came from there. */
  environment: Environment | null;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);

export function devDatabase(root: string, config: GuardConfig, environments: Environment[]): DevDatabase | null {
  const source = config.source ?? 'the configuration';
  if (config.database.devUrl) return make(config.database.devUrl, `database.devUrl in ${source}`, null);
  if (config.database.devUrlEnv) {
    const value = process.env[config.database.devUrlEnv];
    return value ? make(value, `$${config.database.devUrlEnv} (database.devUrlEnv in ${source})`, null) : null;
  }
  for (const environment of environments) {
    const ini = iniOf(environment);
    if (!ini) continue;
    const url = iniUrl(join(root, ini.file), ini.section);
    if (url && isLocal(url)) return make(url, `sqlalchemy.url in ${ini.file} [${ini.section}]`, environment);
  }
  return null;
}

/**
 * Every file whose content devDatabase's answer depends on (besides environment variables): the
 * configuration, each environment's alembic.ini, and an alembic.ini at the top, which may appear.
 */
export function devDatabaseFiles(environments: Environment[]): string[] {
  return [...new Set([...CONFIG_FILES, 'alembic.ini', ...environments.flatMap((environment) => iniOf(environment)?.file ?? [])])];
}

/** The alembic.ini and section an environment was found through ("backend/alembic.ini [alembic]"). */
function iniOf(environment: Environment): { file: string; section: string } | null {
  const match = /^(.*alembic\.ini) \[(.+)\]$/.exec(environment.source);
  return match ? { file: match[1], section: match[2] } : null;
}

function make(url: string, from: string, environment: Environment | null): DevDatabase | null {
  try {
    return { url, redacted: parseDbUrl(url).redacted, from, environment };
  } catch {
    return null;
  }
}

/** A literal sqlalchemy.url (no interpolation left, no env-var templating), SQLite paths made absolute. */
function iniUrl(file: string, section: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const here = dirname(file);
  const value = iniValue(parseIni(text), section, 'sqlalchemy.url', { here })?.trim();
  if (!value || /%\(|\$\{|\$[A-Za-z_]/.test(value)) return null;
  // Alembic runs from the ini's folder (see Environment.runner): a relative SQLite path is from there.
  const sqlite = /^(sqlite(?:\+\w+)?:\/\/\/)([^?]*)(\?.*)?$/.exec(value);
  if (sqlite && sqlite[2] !== '' && sqlite[2] !== ':memory:' && !isAbsolute(sqlite[2])) {
    return `${sqlite[1]}${join(here, sqlite[2])}${sqlite[3] ?? ''}`;
  }
  return value;
}

function isLocal(url: string): boolean {
  let target;
  try {
    target = parseDbUrl(url);
  } catch {
    return false; // alembic init's placeholder, driver://user:pass@localhost/dbname, ends here
  }
  if (target.kind === 'sqlite') return target.sqlite !== undefined && target.sqlite.path !== ':memory:' && target.sqlite.path !== '';
  const host = target.postgres?.host ?? process.env.PGHOST ?? 'localhost';
  return LOCAL_HOSTS.has(host) || host.startsWith('/');
}
