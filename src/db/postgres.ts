// PostgreSQL reader for alembic_version, on node-pg (imported here, on first use only).
// libpq semantics are kept where Alembic users rely on them: sslmode (default `prefer`, which
// falls back to plain text when the server has no TLS), unix socket directories as hosts,
// PG* environment variables (node-pg reads them the same way).
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import { existsSync } from 'node:fs';
import type { Client, ClientConfig, QueryArrayConfig, QueryArrayResult } from 'pg';
import type { DriverRequest, DriverResult } from './driver.js';
import { DbError, isDbError, type PostgresParams, type SslMode } from './url.js';
import { importPackage } from '../packages.js';

type PgModule = typeof import('pg');

async function loadPg(): Promise<PgModule['default']> {
  try {
    return (await importPackage<PgModule>('pg')).default;
  } catch {
    throw new DbError('driver-missing', 'cannot load the PostgreSQL driver "pg" (run: npm install pg)');
  }
}

const SSL_MODES: readonly string[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

function effectiveSslMode(p: PostgresParams): SslMode {
  if (p.sslmode) return p.sslmode;
  const env = process.env.PGSSLMODE?.toLowerCase();
  if (env && SSL_MODES.includes(env)) return env as SslMode;
  if (env === 'no-verify') return 'require';
  return 'prefer';
}

async function readPem(file: string, what: string, req: DriverRequest): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DbError(
      'tls',
      `cannot connect to ${req.target.redacted}: cannot read ${what} file ${req.scrub(file)} (${code ?? 'error'}; check the ${what} parameter)`,
      code,
    );
  }
}

/** node TLS options for one libpq sslmode (mode is require, verify-ca or verify-full). */
async function tlsOptions(mode: SslMode, p: PostgresParams, req: DriverRequest): Promise<ConnectionOptions> {
  const tls: ConnectionOptions = {};
  // libpq `require` encrypts without checking the certificate; verify-ca checks the chain but
  // not the host name; verify-full checks both.
  if (mode === 'require' || mode === 'prefer' || mode === 'allow') {
    tls.rejectUnauthorized = false;
  } else {
    tls.rejectUnauthorized = true;
    if (mode === 'verify-ca') tls.checkServerIdentity = () => undefined;
    // `sslrootcert=system` (libpq 16) is Node's default CA store.
    if (p.sslrootcert && p.sslrootcert !== 'system') tls.ca = await readPem(p.sslrootcert, 'sslrootcert', req);
  }
  if (p.sslcert) tls.cert = await readPem(p.sslcert, 'sslcert', req);
  if (p.sslkey) tls.key = await readPem(p.sslkey, 'sslkey', req);
  if (p.sslpassword) tls.passphrase = p.sslpassword;
  return tls;
}

interface Attempt {
  ssl: false | ConnectionOptions;
  /** Try the next attempt when this one fails with such an error (libpq prefer / allow). */
  fallBackIf?: (err: unknown) => boolean;
}

const NO_SSL_MESSAGE = 'The server does not support SSL connections';

async function plan(p: PostgresParams, mode: SslMode, req: DriverRequest): Promise<Attempt[]> {
  // libpq never uses TLS over a unix socket.
  if (p.host?.startsWith('/') || mode === 'disable') return [{ ssl: false }];
  if (mode === 'prefer') {
    return [{ ssl: await tlsOptions('prefer', p, req), fallBackIf: (e) => errorMessage(e) === NO_SSL_MESSAGE }, { ssl: false }];
  }
  if (mode === 'allow') {
    // Plain first; TLS only when the server turns plain connections away (pg_hba hostssl).
    return [{ ssl: false, fallBackIf: (e) => errorCode(e) === '28000' }, { ssl: await tlsOptions('allow', p, req) }];
  }
  return [{ ssl: await tlsOptions(mode, p, req) }];
}

// Where libpq builds look for the server socket when the URL names no host: Debian's
// /var/run/postgresql, upstream's /tmp. node-pg would go to localhost:5432 over TCP instead.
const DEFAULT_SOCKET_DIRS = ['/var/run/postgresql', '/tmp'];

function withDefaultHost(p: PostgresParams): PostgresParams {
  if (p.host || process.env.PGHOST) return p;
  const port = p.port ?? (Number(process.env.PGPORT) || 5432);
  const dir = DEFAULT_SOCKET_DIRS.find((d) => existsSync(`${d}/.s.PGSQL.${port}`));
  if (!dir) return p;
  const copy: PostgresParams = { ...p, host: dir };
  // The spread drops non-enumerable fields; carry the secrets over the same way.
  for (const key of ['password', 'sslpassword'] as const) {
    if (p[key] !== undefined) Object.defineProperty(copy, key, { value: p[key], enumerable: false });
  }
  return copy;
}

export async function readPostgres(req: DriverRequest): Promise<DriverResult> {
  const given = req.target.postgres;
  if (!given) throw new DbError('other', `cannot read ${req.target.redacted}: not a PostgreSQL URL`);
  const p = withDefaultHost(given);
  const pg = await loadPg();
  const mode = effectiveSslMode(p);
  const deadline = Date.now() + req.timeoutMs;
  const attempts = await plan(p, mode, req);

  for (let i = 0; i < attempts.length; i++) {
    const attempt = attempts[i]!;
    try {
      return await readOnce(pg, p, attempt.ssl, deadline, req);
    } catch (err) {
      if (isDbError(err)) throw err;
      if (i < attempts.length - 1 && attempt.fallBackIf?.(err) && Date.now() < deadline) continue;
      throw toDbError(err, p, mode, req);
    }
  }
  /* c8 ignore next */
  throw new DbError('other', `cannot connect to ${req.target.redacted}`);
}

class QueryPhaseError extends Error {
  constructor(readonly inner: unknown) {
    super(errorMessage(inner));
  }
}

async function readOnce(
  pg: PgModule['default'],
  p: PostgresParams,
  ssl: false | ConnectionOptions,
  deadline: number,
  req: DriverRequest,
): Promise<DriverResult> {
  const remaining = (): number => Math.max(1, deadline - Date.now());
  const connectMs = Math.min(remaining(), p.connectTimeoutMs ?? Infinity);
  const config: ClientConfig = {
    host: p.host,
    port: p.port,
    user: p.user,
    database: p.database,
    ssl,
    connectionTimeoutMillis: connectMs,
    // No statement_timeout startup parameter: PgBouncer refuses unknown ones. The server-side
    // limit is set with SET LOCAL below instead.
    query_timeout: remaining(),
    application_name: p.applicationName,
    fallback_application_name: 'alembic-guard',
    options: p.options,
    keepAlive: false,
  };
  if (p.password !== undefined) config.password = p.password;
  const client = new pg.Client(config);
  // After connect, errors surface through the pending query; without a listener an 'error'
  // event (the server going away) would crash the process.
  client.on('error', () => {});
  // The whole exchange is bounded, even if something below ignores its own timeouts.
  let expired = false;
  const guard = setTimeout(() => {
    expired = true;
    destroy(client);
  }, remaining() + 250);
  guard.unref();
  try {
    await client.connect();
    try {
      // One round trip, in a read-only transaction (we never write), with a server-side limit so
      // a migration holding a lock cannot keep a backend waiting after we gave up.
      // node-pg reads a per-query query_timeout; @types/pg does not declare it.
      const query: QueryArrayConfig & { query_timeout: number } = {
        text: `BEGIN READ ONLY; SET LOCAL statement_timeout = ${Math.ceil(remaining())}; ` + `SELECT version_num FROM ${req.relation}; COMMIT`,
        rowMode: 'array',
        query_timeout: remaining(),
      };
      const results = (await client.query<unknown[]>(query)) as unknown as QueryArrayResult | QueryArrayResult[];
      const select = (Array.isArray(results) ? results : [results]).find((r) => r.command === 'SELECT');
      return (select?.rows ?? []).map((row) => String(row[0]));
    } catch (err) {
      const code = errorCode(err);
      // 42P01 undefined_table, 3F000 invalid_schema_name: nothing recorded yet.
      if (code === '42P01' || code === '3F000') return null;
      throw new QueryPhaseError(err);
    }
  } catch (err) {
    if (expired) {
      throw new DbError(
        'timeout',
        `cannot read ${req.relationName} from ${req.target.redacted}: no answer within ${formatSeconds(req.timeoutMs)} (check the host, the port, the network and the server load)`,
      );
    }
    throw err;
  } finally {
    clearTimeout(guard);
    await close(client);
  }
}

/** Ends the client without ever keeping the process alive or waiting long. */
async function close(client: Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.end().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 500);
        timer.unref();
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
    destroy(client);
  }
}

function destroy(client: Client): void {
  try {
    (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream?.destroy?.();
  } catch {
    // already gone
  }
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function errorCode(err: unknown): string | undefined {
  const e = err instanceof QueryPhaseError ? err.inner : err;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const TLS_CODE_RE = /^(ERR_TLS_|ERR_SSL_|ERR_OSSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|EPROTO$)/;

function toDbError(err: unknown, p: PostgresParams, mode: SslMode, req: DriverRequest): DbError {
  const inQuery = err instanceof QueryPhaseError;
  const inner = inQuery ? err.inner : err;
  const code = errorCode(inner);
  const raw = req.scrub(errorMessage(inner));
  const where = req.target.redacted;
  const connect = (reason: ConstructorParameters<typeof DbError>[0], what: string, hint: string): DbError =>
    new DbError(reason, `cannot connect to ${where}: ${what} (${hint})`, code);
  const host = p.host ?? process.env.PGHOST ?? 'localhost';
  const seconds = formatSeconds(req.timeoutMs);

  if (inQuery) {
    if (code === '57014') {
      return new DbError('timeout', `cannot read ${req.relationName} from ${where}: no answer within ${seconds} (is a migration holding a lock on it?)`, code);
    }
    if (raw === 'Query read timeout') {
      return new DbError('timeout', `cannot read ${req.relationName} from ${where}: no answer within ${seconds} (check the network and the server load)`, code);
    }
    if (code === '42501') {
      return new DbError('query', `cannot read ${req.relationName} from ${where}: ${raw} (grant SELECT on it to this user)`, code);
    }
    return new DbError('query', `cannot read ${req.relationName} from ${where}: ${raw}`, code);
  }

  switch (code) {
    case '28P01':
      return connect('auth', raw, 'check the user name and password in the URL');
    case '28000':
      return connect('auth', raw, 'check the user name, and that pg_hba.conf lets this host and sslmode connect');
    case '3D000':
      return connect('no-database', raw, 'check the database name at the end of the URL');
    case 'ECONNREFUSED':
      return connect('refused', 'connection refused', 'is the server running and the port right?');
    case 'ENOENT':
      if (host.startsWith('/'))
        return connect('refused', `no server socket in ${req.scrub(host)}`, 'is the server running, and is this its socket directory and port?');
      break;
    case 'ENOTFOUND':
    case 'EAI_NONAME':
      return connect('dns', `host "${req.scrub(host)}" not found`, 'check the host name in the URL');
    case 'EAI_AGAIN':
      return connect('dns', `cannot resolve host "${req.scrub(host)}" right now`, 'check the host name and the DNS of this machine');
    case 'ETIMEDOUT':
      return connect('timeout', `no answer within ${seconds}`, 'check the host, the port and any firewall in between');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return connect('other', `host "${req.scrub(host)}" is unreachable`, 'check the host and the network route to it');
    case 'ECONNRESET':
      return connect('other', 'the server closed the connection', `check sslmode (now ${mode}) and the server log`);
    case '53300':
      return connect('other', raw, 'the server has no free connection slots; try again later');
    case '57P03':
      return connect('other', raw, 'the server is starting up or shutting down; try again');
  }
  if (/timeout expired|connection timeout/i.test(raw)) {
    return connect('timeout', `no answer within ${seconds}`, 'check the host, the port and any firewall in between');
  }
  if (raw === NO_SSL_MESSAGE) {
    return connect(
      'tls',
      `the server does not support SSL, but the URL asks for sslmode=${mode}`,
      'enable SSL on the server, or use sslmode=prefer or disable if plain text is acceptable',
    );
  }
  if (raw === 'There was an error establishing an SSL connection' || (code !== undefined && TLS_CODE_RE.test(code))) {
    return connect('tls', `TLS failed: ${raw}`, `check sslmode (now ${mode}) and sslrootcert`);
  }
  if (/client password must be a string/i.test(raw)) {
    return connect('auth', 'the server asks for a password and the URL has none', 'add it as user:password@host, or set PGPASSWORD');
  }
  return connect('other', raw, 'check the URL and that the server accepts connections from here');
}
