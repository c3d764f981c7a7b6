// Database URLs as Alembic users write them: SQLAlchemy URLs (`postgresql+psycopg2://`,
// `sqlite:///app.db`) and libpq URIs (`postgres://…?sslmode=require`). Parsing and redaction
// share one splitter, so whatever the parser takes for a password is what redaction hides.
import path from 'node:path';

export type DbKind = 'postgres' | 'sqlite';

export type DbErrorReason = 'auth' | 'dns' | 'refused' | 'timeout' | 'tls' | 'no-database' | 'unsupported' | 'malformed' | 'driver-missing' | 'query' | 'other';

/**
 * A database failure a person can act on. The message is one line, already redacted, and says
 * what failed and what to check. `code` keeps the driver's code (SQLSTATE, errno) for logs.
 */
export class DbError extends Error {
  readonly reason: DbErrorReason;
  readonly code: string | undefined;
  constructor(reason: DbErrorReason, message: string, code?: string) {
    // Belt and braces: callers redact with the real secrets; this catches URL credentials and
    // password=… pairs a caller forgot, and keeps the message on one line.
    super(oneLine(redactText(message)));
    this.name = 'DbError';
    this.reason = reason;
    this.code = code;
  }
}

const REASONS: ReadonlySet<string> = new Set<DbErrorReason>([
  'auth',
  'dns',
  'refused',
  'timeout',
  'tls',
  'no-database',
  'unsupported',
  'malformed',
  'driver-missing',
  'query',
  'other',
]);

/** instanceof, and also a DbError from another copy of this module (bundlers, test module resets). */
export function isDbError(err: unknown): err is DbError {
  if (err instanceof DbError) return true;
  const e = err as { name?: unknown; reason?: unknown } | null;
  return err instanceof Error && e?.name === 'DbError' && typeof e.reason === 'string' && REASONS.has(e.reason);
}

/** libpq's sslmode values, plus node-pg's `no-verify` (treated as `require`). */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface PostgresParams {
  /** Host name, IP address (IPv6 without brackets) or unix socket directory (starts with `/`). Unset: PGHOST or localhost. */
  host?: string;
  port?: number;
  user?: string;
  /** Not enumerable, so it does not show up in console.log / JSON.stringify. */
  password?: string;
  database?: string;
  /** Unset: PGSSLMODE, else `prefer`, as libpq. */
  sslmode?: SslMode;
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
  /** Not enumerable. */
  sslpassword?: string;
  /** From `connect_timeout` (seconds in the URL). */
  connectTimeoutMs?: number;
  options?: string;
  applicationName?: string;
}

export interface SqliteParams {
  /** Absolute path; a relative URL path is resolved from process.cwd(), as SQLAlchemy does. */
  path: string;
}

export interface DbTarget {
  kind: DbKind;
  /** The URL with the password and password-like query values replaced by `***`. */
  redacted: string;
  /** Strings to scrub from any text shown to people (passwords, raw and percent-encoded). Not enumerable. */
  secrets: string[];
  /** Query parameters we do not use (SQLAlchemy- or driver-only, such as `async_fallback`). */
  ignoredParams: string[];
  postgres?: PostgresParams;
  sqlite?: SqliteParams;
}

const SECRET_MASK = '***';
const SQLALCHEMY_PG_DRIVERS_NOTE = 'postgresql://, postgres://, postgresql+<driver>://';
const SSL_MODES: readonly string[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** Query keys whose values are secrets (case-insensitive). */
export function isSecretParam(key: string): boolean {
  const k = key.toLowerCase();
  return (
    k === 'pass' ||
    k === 'pwd' ||
    k === 'api_key' ||
    k === 'apikey' ||
    k.includes('password') ||
    k.includes('passwd') ||
    k.includes('secret') ||
    k.includes('token')
  );
}

// ---------------------------------------------------------------------------------------------
// Splitting

interface UrlParts {
  scheme: string;
  /** Text between `://` and the host, without the trailing `@`; undefined when there is none. */
  userinfo: string | undefined;
  /** host[:port] as written (brackets kept). */
  hostport: string;
  /** After the first `/` following the host, up to `?`; undefined when there is no `/`. */
  path: string | undefined;
  /** After the first `?`; undefined when there is none. */
  query: string | undefined;
}

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([\s\S]*)$/;
const HOSTPORT_RE = /^(?:\[[0-9A-Fa-f:.%A-Za-z]*\]|[^\s:/?@[\]]*)(?::[0-9]*)?$/;
/** A user name that every URL parser reads the same way: no delimiter in it. */
const PLAIN_USER_RE = /^[^:/?#@]*$/;

/**
 * Splits `scheme://[userinfo@]hostport[/path][?query]`.
 *
 * The userinfo runs to the LAST `@` of the whole URL. Parsers disagree about an unencoded `@`,
 * `/`, `?` or `#` in a password (libpq stops at the first `@` or `/`, SQLAlchemy's pattern at
 * the first `@`, WHATWG URL takes the last `@` of the authority), so the one reading that can
 * never show part of a password is "everything up to the last `@` is userinfo". parseDbUrl
 * refuses the URLs on which the parsers disagree (more than one `@`, a delimiter in the user
 * name) before anything is resolved or connected to.
 *
 * `pathOnly`: SQLite's `sqlite:////srv/a@b/app.db` has no authority at all (SQLAlchemy's
 * pattern needs the `@` before any `/`), so an `@` after a leading `/` belongs to the path.
 * Redaction never uses this: it hides up to the last `@` whatever the scheme.
 */
function splitUrl(url: string, pathOnly = false): UrlParts | undefined {
  const m = SCHEME_RE.exec(url);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;

  let userinfo: string | undefined;
  let afterUser = rest;
  const at = pathOnly && rest.startsWith('/') ? -1 : rest.lastIndexOf('@');
  if (at >= 0) {
    userinfo = rest.slice(0, at);
    afterUser = rest.slice(at + 1);
  }
  const delim = firstIndexOf(afterUser, ['/', '?'], 0);
  const hostport = afterUser.slice(0, delim);
  const tail = afterUser.slice(delim);
  const q = tail.indexOf('?');
  const pathPart = q >= 0 ? tail.slice(0, q) : tail;
  return {
    scheme,
    userinfo,
    hostport,
    path: pathPart.startsWith('/') ? pathPart.slice(1) : undefined,
    query: q >= 0 ? tail.slice(q + 1) : undefined,
  };
}

/** How many unencoded `@` the text holds (a percent-encoded one, `%40`, is not counted). */
function countAt(text: string): number {
  let n = 0;
  for (const c of text) if (c === '@') n += 1;
  return n;
}

function firstIndexOf(s: string, chars: string[], from: number): number {
  let best = s.length;
  for (const c of chars) {
    const i = s.indexOf(c, from);
    if (i >= 0 && i < best) best = i;
  }
  return best;
}

/** Percent-decoding that, like Python's `unquote`, leaves malformed escapes as they are. */
function percentDecode(s: string, plusIsSpace = false): string {
  const text = plusIsSpace ? s.replace(/\+/g, ' ') : s;
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

interface QueryParam {
  key: string;
  value: string;
  rawValue: string;
}

function parseQuery(query: string | undefined): QueryParam[] {
  if (!query) return [];
  const out: QueryParam[] = [];
  for (const piece of query.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const rawKey = eq >= 0 ? piece.slice(0, eq) : piece;
    const rawValue = eq >= 0 ? piece.slice(eq + 1) : '';
    // SQLAlchemy reads the query with parse_qsl, so `+` is a space.
    out.push({ key: percentDecode(rawKey, true), value: percentDecode(rawValue, true), rawValue });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Redaction

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((piece) => {
      const eq = piece.indexOf('=');
      if (eq < 0) return piece;
      const key = percentDecode(piece.slice(0, eq), true);
      return isSecretParam(key) && eq < piece.length - 1 ? `${piece.slice(0, eq + 1)}${SECRET_MASK}` : piece;
    })
    .join('&');
}

/**
 * `postgresql://user:***@host:5432/db?sslmode=require&password=***`. Everything but the
 * secrets is kept as written. Text that is not a URL loses everything before its last `@` and
 * is scrubbed with redactText.
 */
export function redactUrl(url: string): string {
  const parts = splitUrl(url.trim());
  if (!parts) {
    // Not a URL (`postgresql:user:pw@host`, say): whatever comes before an `@` may be a password.
    const at = url.lastIndexOf('@');
    return redactText(at >= 0 ? `${SECRET_MASK}${url.slice(at)}` : url);
  }
  const m = SCHEME_RE.exec(url.trim())!;
  let out = `${m[1]}://`;
  if (parts.userinfo !== undefined) out += `${redactUserinfo(parts.userinfo, countAt(url) === 1)}@`;
  if (parts.userinfo === undefined && !HOSTPORT_RE.test(parts.hostport) && parts.hostport.includes(':')) {
    // `scheme://user:pa` cut short (a password with a space, say): hide what follows the colon.
    out += `${parts.hostport.slice(0, parts.hostport.indexOf(':'))}:${SECRET_MASK}`;
  } else {
    out += parts.hostport;
  }
  if (parts.path !== undefined) out += `/${parts.path}`;
  if (parts.query !== undefined) out += `?${redactQuery(parts.query)}`;
  return out;
}

/**
 * `user:***`, or `***` alone: the user name is kept only when the URL has one `@` and the name
 * holds no delimiter, so that no parser could read any of it as part of a password.
 */
function redactUserinfo(userinfo: string, oneAt: boolean): string {
  const colon = userinfo.indexOf(':');
  const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
  if (!oneAt || !PLAIN_USER_RE.test(user)) return SECRET_MASK;
  return colon >= 0 && colon < userinfo.length - 1 ? `${user}:${SECRET_MASK}` : userinfo;
}

const URL_IN_TEXT_RE = /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s'"<>`]+/g;
// conninfo (`password=x`, `password='x y'`) and JSON-ish (`"password": "x"`) pairs.
const KEYWORD_SECRET_RE =
  /\b([A-Za-z_]*(?:password|passwd|secret|token)[A-Za-z_]*|pass|pwd|api_?key)(\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&;,'"]+)/gi;
const JSON_SECRET_RE = /("[A-Za-z_]*(?:password|passwd|secret|token)[A-Za-z_]*"|"pass"|"pwd"|"api_?key")(\s*:\s*)("(?:[^"\\]|\\.)*")/gi;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms a secret takes in text: as is, and percent-encoded as in a URL. */
function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  forms.add(encodeURIComponent(secret));
  forms.add(encodeURIComponent(secret).replace(/%20/g, '+'));
  forms.add(secret.replace(/%/g, '%25').replace(/@/g, '%40'));
  return [...forms].filter((f) => f.length > 0);
}

/**
 * Scrubs URL credentials, password-like `key=value` pairs and the given secrets from any text
 * (driver errors included). Secrets of four or more characters are removed wherever they
 * appear; shorter ones only where they stand as a word, so a one-character password does not
 * wipe out every digit of a port number.
 */
export function redactText(text: string, secrets: string[] = []): string {
  let out = text;
  const forms = [...new Set(secrets.filter((s) => s.length > 0).flatMap(secretForms))].sort((a, b) => b.length - a.length);
  for (const form of forms) {
    if (form.length >= 4) {
      out = out.split(form).join(SECRET_MASK);
    } else {
      out = out.replace(new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(form)}(?![A-Za-z0-9])`, 'g'), SECRET_MASK);
    }
  }
  out = out.replace(URL_IN_TEXT_RE, (u) => redactUrl(u));
  out = out.replace(KEYWORD_SECRET_RE, (_m, key: string, sep: string) => `${key}${sep}${SECRET_MASK}`);
  out = out.replace(JSON_SECRET_RE, (_m, key: string, sep: string) => `${key}${sep}"${SECRET_MASK}"`);
  return out;
}

/** One line, whitespace collapsed, bounded. */
export function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 600 ? `${flat.slice(0, 597)}...` : flat;
}

// ---------------------------------------------------------------------------------------------
// Parsing

function malformed(redacted: string, why: string): DbError {
  return new DbError('malformed', `malformed database URL ${redacted}: ${why}`);
}

function hidden<T extends object, K extends string>(obj: T, key: K, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: false, writable: true, configurable: true });
}

/**
 * Parses a PostgreSQL or SQLite URL. Throws DbError `unsupported` for other databases and for
 * an in-memory SQLite database (nothing to check), `malformed` for anything unreadable.
 */
export function parseDbUrl(url: string): DbTarget {
  const text = url.trim();
  const redacted = redactUrl(text);
  const parts = splitUrl(text);
  if (!parts) {
    // Not echoed: a value that is not a URL may be anything, a bare password included.
    const why = /^\s*\w+\s*=/.test(text) ? 'keyword=value connection strings are not supported' : 'it is not a URL';
    throw new DbError('malformed', `malformed database URL: ${why} (expected postgresql://user:password@host:5432/db or sqlite:///path/to/app.db)`);
  }
  const [base, driver] = splitScheme(parts.scheme);
  if (base === 'postgresql' || base === 'postgres') return parsePostgres(parts, redacted, text);
  if (base === 'sqlite') {
    if (driver === 'pysqlcipher') {
      throw new DbError('unsupported', `cannot read ${redacted}: encrypted SQLite (sqlite+pysqlcipher) is not supported`);
    }
    return parseSqlite(splitUrl(text, true)!, redacted);
  }
  throw new DbError(
    'unsupported',
    `unsupported database URL scheme "${parts.scheme}" in ${redacted}: verify reads PostgreSQL (${SQLALCHEMY_PG_DRIVERS_NOTE}) and SQLite (sqlite:///path)`,
  );
}

function splitScheme(scheme: string): [string, string | undefined] {
  const plus = scheme.indexOf('+');
  return plus < 0 ? [scheme, undefined] : [scheme.slice(0, plus), scheme.slice(plus + 1)];
}

function parsePostgres(parts: UrlParts, redacted: string, raw: string): DbTarget {
  const pg: PostgresParams = {};
  const secrets: string[] = [];
  const ignoredParams: string[] = [];

  // libpq, node-pg and SQLAlchemy split such URLs differently, and one of them would take a
  // host from the password: refuse before anything is resolved or connected to.
  if (countAt(raw) > 1) {
    throw malformed(redacted, 'it holds more than one "@"; write an @ inside the password (or anywhere else) as %40');
  }
  // With `?` or `#` before the `@`, libpq and WHATWG URL read the `@` as part of a query value or
  // a fragment (`h:5432/db?password=x@y`): the "host" after it may be a piece of a password.
  if (parts.userinfo !== undefined && (!PLAIN_USER_RE.test(parts.userinfo.split(':')[0]!) || /[?#]/.test(parts.userinfo))) {
    throw malformed(redacted, 'the part before "@" is not plain user:password; write / ? # and @ in a user name or password as %2F %3F %23 %40');
  }

  if (parts.userinfo !== undefined) {
    const colon = parts.userinfo.indexOf(':');
    const rawUser = colon >= 0 ? parts.userinfo.slice(0, colon) : parts.userinfo;
    if (rawUser) pg.user = percentDecode(rawUser);
    if (colon >= 0) {
      const rawPassword = parts.userinfo.slice(colon + 1);
      if (rawPassword) {
        hidden(pg, 'password', percentDecode(rawPassword));
        secrets.push(pg.password!, rawPassword);
      }
    }
  }

  const hp = parts.hostport;
  if (hp !== '') {
    if (hp.includes(',')) {
      throw new DbError('unsupported', `cannot use ${redacted}: several hosts in one URL are not supported; give one host`);
    }
    if (!HOSTPORT_RE.test(hp)) {
      throw malformed(redacted, `cannot read host and port from "${redactText(hp, secrets)}" (put IPv6 addresses in brackets: [::1]:5432)`);
    }
    let hostText = hp;
    let portText: string | undefined;
    if (hp.startsWith('[')) {
      const close = hp.indexOf(']');
      hostText = hp.slice(1, close);
      if (hp.length > close + 1) portText = hp.slice(close + 2);
    } else {
      const colon = hp.indexOf(':');
      if (colon >= 0) {
        hostText = hp.slice(0, colon);
        portText = hp.slice(colon + 1);
      }
    }
    // libpq accepts a percent-encoded socket directory in the host position.
    if (hostText) pg.host = percentDecode(hostText);
    if (portText) pg.port = parsePort(portText, redacted);
  }

  if (parts.path !== undefined && parts.path !== '') pg.database = percentDecode(parts.path);

  // libpq lets query parameters override the parts before them.
  for (const { key, value, rawValue } of parseQuery(parts.query)) {
    if (isSecretParam(key) && value) secrets.push(value, rawValue);
    switch (key) {
      case 'host':
        if (!value) break;
        if (value.includes(',')) {
          throw new DbError('unsupported', `cannot use ${redacted}: several hosts in one URL are not supported; give one host`);
        }
        pg.host = value;
        break;
      case 'hostaddr':
        if (value) pg.host = value;
        break;
      case 'port':
        if (value) pg.port = parsePort(value, redacted);
        break;
      case 'dbname':
        if (value) pg.database = value;
        break;
      case 'user':
        if (value) pg.user = value;
        break;
      case 'password':
        if (value) hidden(pg, 'password', value);
        break;
      case 'sslmode':
      case 'ssl': // asyncpg spells it `ssl` (SQLAlchemy passes the query through to asyncpg.connect)
        if (value) pg.sslmode = parseSslMode(key, value, redacted);
        break;
      case 'sslrootcert':
      case 'sslcert':
      case 'sslkey':
        if (value) pg[key] = value;
        break;
      case 'sslpassword':
        if (value) hidden(pg, 'sslpassword', value);
        break;
      case 'connect_timeout': {
        if (!value) break;
        const seconds = Number(value);
        if (!/^\s*-?\d+\s*$/.test(value) || !Number.isFinite(seconds)) {
          throw malformed(redacted, `connect_timeout must be a whole number of seconds, not "${value}"`);
        }
        // libpq: zero or negative means wait forever; we cap it later anyway.
        if (seconds > 0) pg.connectTimeoutMs = Math.max(seconds, 2) * 1000;
        break;
      }
      case 'options':
        if (value) pg.options = value;
        break;
      case 'application_name':
        if (value) pg.applicationName = value;
        break;
      default:
        ignoredParams.push(key);
    }
  }

  const allSecrets = uniqueSecrets([...secrets, raw !== redacted ? raw : '']);
  // A password may turn up elsewhere in the URL too (a file name, say): mask it there as well.
  const target: DbTarget = { kind: 'postgres', redacted: redactText(redacted, allSecrets), secrets: [], ignoredParams, postgres: pg };
  hidden(target, 'secrets', allSecrets);
  return target;
}

function uniqueSecrets(list: string[]): string[] {
  return [...new Set(list.filter((s) => s.length > 0))];
}

function parsePort(text: string, redacted: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw malformed(redacted, `port must be a number from 1 to 65535, not "${text}"`);
  }
  return Number(text);
}

function parseSslMode(key: string, value: string, redacted: string): SslMode {
  const v = value.toLowerCase();
  if (SSL_MODES.includes(v)) return v as SslMode;
  if (v === 'no-verify') return 'require';
  if (key === 'ssl') {
    // asyncpg: ssl=true is a default SSLContext, which checks the certificate and host name.
    if (v === 'true' || v === '1') return 'verify-full';
    if (v === 'false' || v === '0') return 'disable';
  }
  throw malformed(redacted, `${key} must be one of ${SSL_MODES.join(', ')}, not "${value}"`);
}

function parseSqlite(parts: UrlParts, redacted: string): DbTarget {
  // SQLAlchemy: sqlite://<nohost>/<path>; `sqlite://` alone is an in-memory database.
  if (parts.userinfo !== undefined || parts.hostport !== '') {
    throw malformed(
      redacted,
      'a SQLite URL has three slashes before a relative path (sqlite:///app.db) and four before an absolute one (sqlite:////srv/app.db)',
    );
  }
  let file = parts.path ?? '';
  const query = parseQuery(parts.query);
  const uriMode = query.some((p) => p.key === 'uri' && ['true', '1'].includes(p.value.toLowerCase()));
  if (uriMode && file.startsWith('file:')) file = file.slice('file:'.length);
  if (file === '' || file === ':memory:' || file.startsWith(':memory:')) {
    throw new DbError('unsupported', `${redacted} is an in-memory SQLite database, which holds nothing to check (point the URL at the database file)`);
  }
  const ignoredParams = query.map((p) => p.key);
  const secrets = uniqueSecrets(query.filter((p) => isSecretParam(p.key)).flatMap((p) => [p.value, p.rawValue]));
  const target: DbTarget = {
    kind: 'sqlite',
    redacted: redactText(redacted, secrets),
    secrets: [],
    ignoredParams,
    sqlite: { path: path.resolve(process.cwd(), file) },
  };
  hidden(target, 'secrets', secrets);
  return target;
}
