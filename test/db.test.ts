// The database layer of `verify`, against a real PostgreSQL server (one per file) and real
// SQLite files. Secrets: every failure path is checked for the password, in all its spellings.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbError, parseDbUrl, readAppliedRevisions, redactText, redactUrl, type AppliedRevisions } from '../src/db/index.js';
import { sqlJs, withWal } from '../src/db/sqlite-wasm.js';
import { hasPostgres, startPostgres, type PostgresServer } from './helpers/postgres.js';
import { SQLITE_DRIVER, SQLITE_SHELL, sqliteFile } from './helpers/sqlite.js';

const PG_AVAILABLE = hasPostgres();
if (!PG_AVAILABLE && !process.env.CI) {
  console.warn('db.test.ts: PostgreSQL binaries not found, skipping the PostgreSQL tests (apt-get install postgresql)');
}

const APP_PASSWORD = 'S3cr3t-p4ss!word';
// `@` and a literal `%40`: the URL must carry them as %40 and %2540.
const AT_PASSWORD = 'Sp3c!al@p%40ss:/?#';
// An unencoded `@` in a password makes the URL ambiguous: it is refused, and hidden up to the last `@`.
const RAW_AT_PASSWORD = 'raw@pass-w0rd';

const enc = encodeURIComponent;

/** Every spelling of a secret that must never be shown. */
function spellings(secret: string): string[] {
  return [secret, enc(secret), secret.replace(/%/g, '%25').replace(/@/g, '%40')];
}

function expectNoSecret(text: string, secrets: string[]): void {
  for (const secret of secrets) for (const form of spellings(secret)) expect(text).not.toContain(form);
}

async function failure(promise: Promise<unknown>): Promise<DbError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(DbError);
    const e = err as DbError;
    expect(e.message).not.toMatch(/[\r\n]/);
    return e;
  }
  throw new Error('expected a DbError, got a result');
}

function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A loopback port with nothing listening on it. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

// -------------------------------------------------------------------------------------------
// URL forms

describe('parseDbUrl', () => {
  const cases: Array<{ url: string; expect: Record<string, unknown>; ignored?: string[] }> = [
    {
      url: 'postgresql://app:pw@db.example.com:5433/appdb',
      expect: { host: 'db.example.com', port: 5433, user: 'app', password: 'pw', database: 'appdb' },
    },
    { url: 'postgres://app@localhost/appdb', expect: { host: 'localhost', user: 'app', database: 'appdb', password: undefined } },
    { url: 'postgresql+psycopg2://app:pw@h/db', expect: { host: 'h', user: 'app', password: 'pw', database: 'db' } },
    { url: 'postgresql+psycopg://app:pw@h:6543/db', expect: { host: 'h', port: 6543, database: 'db' } },
    {
      url: 'postgresql+asyncpg://app:pw@h/db?ssl=require&prepared_statement_cache_size=0',
      expect: { host: 'h', sslmode: 'require' },
      ignored: ['prepared_statement_cache_size'],
    },
    { url: 'postgresql+pg8000://app:pw@h/db', expect: { host: 'h', user: 'app', database: 'db' } },
    {
      url: 'postgresql://app:pw@h/db?sslmode=verify-full&connect_timeout=5&application_name=ci%20job&options=-c%20search_path%3Dapp',
      expect: { sslmode: 'verify-full', connectTimeoutMs: 5000, applicationName: 'ci job', options: '-c search_path=app' },
    },
    { url: 'postgresql://h/db?sslmode=require', expect: { sslmode: 'require' } },
    { url: 'postgresql://h/db?sslmode=disable', expect: { sslmode: 'disable' } },
    {
      url: 'postgresql+asyncpg://app:pw@h/db?async_fallback=true&sslmode=prefer',
      expect: { sslmode: 'prefer' },
      ignored: ['async_fallback'],
    },
    { url: 'postgresql://app:pw@/appdb?host=/var/run/postgresql', expect: { host: '/var/run/postgresql', database: 'appdb' } },
    { url: 'postgresql://%2Fvar%2Frun%2Fpostgresql:5433/appdb', expect: { host: '/var/run/postgresql', port: 5433 } },
    { url: 'postgresql://app:pw@[::1]:5432/appdb', expect: { host: '::1', port: 5432 } },
    { url: 'postgresql://app:pw@[2001:db8::1]/appdb', expect: { host: '2001:db8::1', port: undefined } },
    {
      url: `postgresql://us%40er:${enc(AT_PASSWORD)}@h/db`,
      expect: { user: 'us@er', password: AT_PASSWORD, host: 'h' },
    },
    { url: 'postgresql://app:a/b%3Fc@h:5432/db', expect: { user: 'app', password: 'a/b?c', host: 'h', port: 5432, database: 'db' } },
    { url: 'postgresql://app:123/45@h/db', expect: { user: 'app', password: '123/45', host: 'h', database: 'db' } },
    // SQLAlchemy reads `h:5432/db?application_name=me@x` as user h, password `5432/db?…`, so an
    // `@` in a query value is written %40 (unencoded, it is refused below).
    { url: 'postgresql://h:5432/db?application_name=me%40x', expect: { host: 'h', port: 5432, applicationName: 'me@x' } },
    {
      url: 'postgresql://h/db?user=app&password=pw&port=6000&dbname=other',
      expect: { host: 'h', user: 'app', password: 'pw', port: 6000, database: 'other' },
    },
    { url: '  postgresql://app:pw@h/db\n', expect: { host: 'h', database: 'db' } },
  ];

  it.each(cases)('$url', ({ url, expect: want, ignored }) => {
    const t = parseDbUrl(url);
    expect(t.kind).toBe('postgres');
    for (const [k, v] of Object.entries(want)) expect(t.postgres?.[k as keyof typeof t.postgres], k).toEqual(v);
    if (ignored) expect(t.ignoredParams).toEqual(ignored);
  });

  it('reads SQLite URLs as SQLAlchemy does', () => {
    expect(parseDbUrl('sqlite:///relative.db').sqlite?.path).toBe(path.resolve(process.cwd(), 'relative.db'));
    expect(parseDbUrl('sqlite:///sub/dir/app.db').sqlite?.path).toBe(path.resolve(process.cwd(), 'sub/dir/app.db'));
    expect(parseDbUrl('sqlite:////srv/app/app.db').sqlite?.path).toBe('/srv/app/app.db');
    expect(parseDbUrl('sqlite+pysqlite:////srv/app.db').sqlite?.path).toBe('/srv/app.db');
    expect(parseDbUrl('sqlite+aiosqlite:///app.db').kind).toBe('sqlite');
    expect(parseDbUrl('sqlite:///file:app.db?mode=ro&uri=true').sqlite?.path).toBe(path.resolve('app.db'));
  });

  const bad: Array<[string, DbError['reason']]> = [
    ['sqlite:///:memory:', 'unsupported'],
    ['sqlite://', 'unsupported'],
    ['sqlite:///', 'unsupported'],
    ['sqlite://host/app.db', 'malformed'],
    ['sqlite+pysqlcipher://:key@/app.db', 'unsupported'],
    [`mysql+pymysql://app:${APP_PASSWORD}@h/db`, 'unsupported'],
    ['postgresql://h:99999/db', 'malformed'],
    ['postgresql://h:0/db', 'malformed'],
    ['postgresql://h1:5432,h2:5432/db', 'unsupported'],
    ['postgresql://h/db?sslmode=sometimes', 'malformed'],
    ['postgresql://h/db?connect_timeout=soon', 'malformed'],
    ['postgresql://::1/db', 'malformed'],
    ['host=localhost dbname=app password=pw', 'malformed'],
    ['just some text', 'malformed'],
    [`postgresql://app:${RAW_AT_PASSWORD}@h/db`, 'malformed'],
    ['postgresql://u:p@h:5432/db?application_name=me@x', 'malformed'],
    ['postgresql://h/db?password=pw@evil.example', 'malformed'],
    ['postgresql://app:a/b?c@h:5432/db', 'malformed'],
    ['', 'malformed'],
  ];

  it.each(bad)('refuses %s (%s)', (url, reason) => {
    let caught: unknown;
    try {
      parseDbUrl(url);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DbError);
    const e = caught as DbError;
    expect(e.reason).toBe(reason);
    expect(e.message).not.toMatch(/[\r\n]/);
    expect(e.message).not.toContain(APP_PASSWORD);
    expect(e.message).not.toMatch(/password=pw\b/);
  });

  it('keeps secrets out of console.log and JSON', () => {
    const t = parseDbUrl(`postgresql://app:${enc(APP_PASSWORD)}@h/db?sslpassword=${enc(APP_PASSWORD)}`);
    expect(t.postgres?.password).toBe(APP_PASSWORD);
    expect(t.postgres?.sslpassword).toBe(APP_PASSWORD);
    expect(t.secrets).toContain(APP_PASSWORD);
    expectNoSecret(JSON.stringify(t), [APP_PASSWORD]);
    expectNoSecret(inspect(t, { depth: 5 }), [APP_PASSWORD]);
  });
});

// -------------------------------------------------------------------------------------------
// Redaction

describe('redaction', () => {
  const cases: Array<[string, string]> = [
    ['postgresql://user:secret@host:5432/db?sslmode=require&password=secret2', 'postgresql://user:***@host:5432/db?sslmode=require&password=***'],
    ['postgres://app:pw@localhost/appdb', 'postgres://app:***@localhost/appdb'],
    ['postgresql+psycopg2://app:pw@h/db', 'postgresql+psycopg2://app:***@h/db'],
    ['postgresql+psycopg://app:pw@h/db', 'postgresql+psycopg://app:***@h/db'],
    ['postgresql+asyncpg://app:pw@h/db?async_fallback=true', 'postgresql+asyncpg://app:***@h/db?async_fallback=true'],
    ['postgresql+pg8000://app:pw@h/db', 'postgresql+pg8000://app:***@h/db'],
    ['postgresql://app:pw@/appdb?host=/var/run/postgresql', 'postgresql://app:***@/appdb?host=/var/run/postgresql'],
    ['postgresql://app:pw@[::1]:5432/appdb', 'postgresql://app:***@[::1]:5432/appdb'],
    [`postgresql://us%40er:${enc(AT_PASSWORD)}@h/db`, 'postgresql://us%40er:***@h/db'],
    [`postgresql://app:${RAW_AT_PASSWORD}@h/db`, 'postgresql://***@h/db'],
    ['postgresql://app:a/b?c@h/db', 'postgresql://app:***@h/db'],
    // Digits and a slash look like host:port/path; SQLAlchemy reads a password, and so do we.
    ['postgresql://app:123/45@h/db', 'postgresql://app:***@h/db'],
    ['postgresql://app@h/db', 'postgresql://app@h/db'],
    ['postgresql://h/db', 'postgresql://h/db'],
    ['postgresql://app:@h/db', 'postgresql://app:@h/db'],
    [
      'postgresql://h/db?user=app&Password=a&pass=b&pwd=c&token=d&secret=e&sslpassword=f&API_KEY=g&sslmode=require',
      'postgresql://h/db?user=app&Password=***&pass=***&pwd=***&token=***&secret=***&sslpassword=***&API_KEY=***&sslmode=require',
    ],
    ['sqlite:///app.db', 'sqlite:///app.db'],
    ['sqlite:////srv/app.db', 'sqlite:////srv/app.db'],
    ['sqlite+pysqlite:///app.db', 'sqlite+pysqlite:///app.db'],
    ['mysql://root:hunter22@db/app', 'mysql://root:***@db/app'],
    ['postgresql:app:pw@h/db', '***@h/db'],
  ];

  it.each(cases)('redactUrl(%s)', (url, want) => {
    expect(redactUrl(url)).toBe(want);
    expect(parseDbUrlRedacted(url)).toSatisfy((r: string | undefined) => r === undefined || r === want);
  });

  it('scrubs URLs, keyword pairs and given secrets from any text', () => {
    const text = `error: connect to postgresql://app:${APP_PASSWORD}@h/db failed; password=${APP_PASSWORD} "password": "x1y2z3"`;
    const out = redactText(text, [APP_PASSWORD]);
    expectNoSecret(out, [APP_PASSWORD, 'x1y2z3']);
    expect(out).toContain('postgresql://app:***@h/db');
    expect(out).toContain('password=***');

    expect(redactText(`token=abc123 and api_key='k e y'`)).toBe(`token=*** and api_key=***`);
    expect(redactText(`the word ${AT_PASSWORD} and ${enc(AT_PASSWORD)}`, [AT_PASSWORD])).toBe('the word *** and ***');
    // Short secrets only where they stand alone, not inside other words or numbers.
    expect(redactText('port 5432, pw 54', ['54'])).toBe('port 5432, pw ***');
  });

  it('hides the rest of a password cut short by a space', () => {
    expect(redactUrl('postgresql://app:pa ss@h/db')).not.toContain('pa');
    expect(redactText('postgresql://app:pa ss@h/db', ['pa ss'])).not.toMatch(/pa|ss@/);
  });
});

function parseDbUrlRedacted(url: string): string | undefined {
  try {
    return parseDbUrl(url).redacted;
  } catch {
    return undefined;
  }
}

// -------------------------------------------------------------------------------------------
// An unencoded `@` (issue 13): hidden up to the last `@`, refused, never resolved or connected to

/** A loopback listener that counts the connections it is offered. */
async function listener(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const sockets: net.Socket[] = [];
  const srv = net.createServer((socket) => {
    count += 1;
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    port: (srv.address() as net.AddressInfo).port,
    connections: () => count,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

describe('an unencoded @ in a URL', () => {
  // Every character parsers split URLs on, in every position of a password.
  const pieces = ['@', '/', '?', '#', ':', 'SECRET', '127.0.0.1', 'x'];
  const passwords: string[] = [];
  for (const a of pieces) for (const b of pieces) for (const c of ['@', '/', '?', '#', ':']) passwords.push(`${a}${c}${b}`, `${c}${a}${b}${c}`);
  passwords.push('p@ss:w/rd-SECRET', 'Zq@127.0.0.1:1/SECRETtail', 'a@b@c', '@@', 'pa?ss#wo/rd', 'a:b:c');

  it('hides everything up to the last @, whatever the password holds', () => {
    for (const password of passwords) {
      const url = `postgresql://app:${password}@db.example.com:5432/appdb?sslmode=require`;
      const shown = redactUrl(url);
      expect(
        ['postgresql://app:***@db.example.com:5432/appdb?sslmode=require', 'postgresql://***@db.example.com:5432/appdb?sslmode=require'],
        password,
      ).toContain(shown);
      expect(redactText(`cannot connect to ${url}: refused`)).toBe(`cannot connect to ${shown}: refused`);
    }
  });

  it('parses a password with / and : and one @, and refuses more than one @ (or a ? or # before it) with a redacted message', () => {
    for (const password of passwords) {
      const url = `postgresql://app:${password}@db.example.com:5432/appdb`;
      if (!/[@?#]/.test(password)) {
        expect(parseDbUrl(url).postgres, password).toMatchObject({ user: 'app', password, host: 'db.example.com', port: 5432, database: 'appdb' });
        continue;
      }
      let caught: unknown;
      try {
        parseDbUrl(url);
      } catch (err) {
        caught = err;
      }
      expect(caught, password).toBeInstanceOf(DbError);
      expect((caught as DbError).reason).toBe('malformed');
      expect((caught as DbError).message).toMatch(/^malformed database URL postgresql:\/\/(app:)?\*\*\*@db\.example\.com:5432\/appdb: .*%40/);
    }
  });

  it('refuses a user name that parsers read differently (no host is taken from a password)', () => {
    for (const url of [
      'postgresql://h/db?password=pw@evil.invalid',
      'postgresql:///db?password=pw@evil.invalid',
      'postgresql://a/b:pw@h/db',
      'postgresql://a#b:pw@h/db',
    ]) {
      expect(() => parseDbUrl(url), url).toThrow(/malformed database URL postgresql:\/\/\*\*\*@/);
    }
    // An @ inside a SQLite path is part of the path (no authority), and still hidden in output.
    expect(parseDbUrl('sqlite:////srv/a@b/app.db').sqlite?.path).toBe('/srv/a@b/app.db');
  });

  it('connects to no host named in the password', async () => {
    const server = await listener();
    try {
      const urls = [
        `postgresql://app:Zq@127.0.0.1:${server.port}/SECRETtail@127.0.0.1:5432/appdb`,
        `postgresql://app:p@ss@127.0.0.1:${server.port}/appdb`,
        `postgresql://app:x@127.0.0.1:${server.port}@nonexistent.invalid/appdb`,
        `postgresql+asyncpg://127.0.0.1:${server.port}/appdb?password=a@b`,
        `postgresql://127.0.0.1:${server.port}/appdb?password=x@127.0.0.1`,
      ];
      for (const url of urls) {
        const e = await failure(readAppliedRevisions(url, { timeoutMs: 2000 }));
        expect(e.reason, url).toBe('malformed');
        expect(e.message).not.toMatch(/SECRET|Zq|ss@|p@|a@b|x@/);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(server.connections()).toBe(0);
    } finally {
      await server.close();
    }
  });
});

// -------------------------------------------------------------------------------------------
// SQLite

describe.skipIf(!SQLITE_SHELL)(`SQLite (through ${SQLITE_DRIVER})`, () => {
  let dir: string;
  const file = (name: string): string => path.join(dir, name);
  const url = (name: string): string => `sqlite:///${file(name)}`; // absolute path: four slashes

  beforeAll(() => {
    dir = tmpDir('ag-sqlite-');
    const make = (name: string, sql: string): void => sqliteFile(file(name), sql);
    make('one.db', `CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); INSERT INTO alembic_version VALUES ('ae1027a6acf');`);
    make(
      'branches.db',
      `CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
       INSERT INTO alembic_version VALUES ('3fa1e2b1c0d9'), ('27c6a30d7c24');`,
    );
    make('notable.db', 'CREATE TABLE users (id INTEGER PRIMARY KEY);');
    make('empty.db', 'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);');
    make('custom.db', `CREATE TABLE "Db_Versions" (version_num VARCHAR(32) NOT NULL); INSERT INTO "Db_Versions" VALUES ('c0ffee');`);
    fs.writeFileSync(file('garbage.db'), 'this is not a database, just text long enough to have a header '.repeat(20));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads one revision, read-only, leaving the file untouched', async () => {
    const before = fs.readFileSync(file('one.db'));
    const r = await readAppliedRevisions(url('one.db'));
    expect(r).toEqual({ state: 'ok', revisions: ['ae1027a6acf'], target: url('one.db') });
    expect(fs.readFileSync(file('one.db')).equals(before)).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('one.db'))).toEqual(['one.db']);
  });

  it('reads a relative path from the current directory', async () => {
    const rel = path.relative(process.cwd(), file('one.db'));
    expect(path.isAbsolute(rel)).toBe(false);
    const r = await readAppliedRevisions(`sqlite+pysqlite:///${rel}`);
    expect(r).toMatchObject({ state: 'ok', revisions: ['ae1027a6acf'] });
  });

  it('returns every row of a branched history, sorted', async () => {
    expect(await readAppliedRevisions(url('branches.db'))).toMatchObject({
      state: 'ok',
      revisions: ['27c6a30d7c24', '3fa1e2b1c0d9'],
    });
  });

  it('reports a missing table, and a schema that is not there', async () => {
    expect(await readAppliedRevisions(url('notable.db'))).toEqual({ state: 'no-table', target: url('notable.db') });
    expect(await readAppliedRevisions(url('one.db'), { schema: 'ghost' })).toMatchObject({ state: 'no-table' });
  });

  it('reads a custom table in the main schema, and an empty table', async () => {
    expect(await readAppliedRevisions(url('custom.db'), { schema: 'main', table: 'Db_Versions' })).toMatchObject({
      state: 'ok',
      revisions: ['c0ffee'],
    });
    expect(await readAppliedRevisions(url('empty.db'))).toMatchObject({ state: 'ok', revisions: [] });
  });

  it('fails on a missing file with no-database, without creating it', async () => {
    const e = await failure(readAppliedRevisions(url('missing.db')));
    expect(e.reason).toBe('no-database');
    expect(e.message).toContain(file('missing.db'));
    expect(fs.existsSync(file('missing.db'))).toBe(false);
  });

  it('fails on a file that is not a database', async () => {
    const e = await failure(readAppliedRevisions(url('garbage.db')));
    expect(e.reason).toBe('other');
    expect(e.message).toMatch(/not a SQLite database/);
  });

  it('refuses unsafe identifiers', async () => {
    for (const opts of [{ table: 'alembic_version; DROP TABLE x' }, { table: 'a"b' }, { schema: 'main.x' }, { table: '' }]) {
      expect((await failure(readAppliedRevisions(url('one.db'), opts))).reason).toBe('malformed');
    }
  });
});

// A development database in WAL mode whose last commits are still only in `<file>-wal`: the
// writer (Python's sqlite3, as SQLAlchemy uses it) exits without the checkpoint that closing does.
function walDatabase(file: string, revisions: string[]): void {
  const script = [
    'import os, sqlite3, sys',
    'c = sqlite3.connect(sys.argv[1])',
    "c.execute('pragma journal_mode=wal')",
    "c.execute('create table alembic_version (version_num varchar(32) not null primary key)')",
    'c.execute("insert into alembic_version values (\'before_the_log\')")',
    'c.commit()',
    "c.execute('pragma wal_checkpoint(TRUNCATE)')",
    ...revisions.map((r) => `c.execute("update alembic_version set version_num = '${r}'"); c.commit()`),
    'os._exit(0)',
  ].join('\n');
  const made = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`python3 failed: ${made.stderr}`);
}

describe.skipIf(!SQLITE_SHELL)('SQLite through sql.js (WebAssembly), the reader every Node has', () => {
  let dir: string;
  beforeAll(() => {
    dir = tmpDir('ag-sqljs-');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function rows(file: string): Promise<unknown[][]> {
    const db = (await sqlJs()).open(file, 1000);
    try {
      return db.rows('SELECT version_num FROM "alembic_version"');
    } finally {
      db.close();
    }
  }

  it('reads a plain file, and names a file that is not a database by its code', async () => {
    const file = path.join(dir, 'plain.db');
    sqliteFile(file, "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); INSERT INTO alembic_version VALUES ('a1'), ('b2');");
    expect((await rows(file)).map(String).sort()).toEqual(['a1', 'b2']);
    const garbage = path.join(dir, 'garbage.db');
    fs.writeFileSync(garbage, 'not a database '.repeat(100));
    await expect(rows(garbage)).rejects.toMatchObject({ code: 'SQLITE_NOTADB' });
  });

  it('applies the write-ahead log as SQLite does: every committed frame, none after a torn one', async () => {
    const file = path.join(dir, 'wal.db');
    walDatabase(file, ['first_in_log', 'last_in_log']);
    const wal = fs.readFileSync(`${file}-wal`);
    expect(wal.length).toBeGreaterThan(32);
    const before = fs.readFileSync(file);
    expect(await rows(file)).toEqual([['last_in_log']]);
    expect(await readAppliedRevisions(`sqlite:///${file}`)).toMatchObject({ state: 'ok', revisions: ['last_in_log'] });
    // Read only: neither file changed.
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readFileSync(`${file}-wal`).equals(wal)).toBe(true);
    // A log whose last frame is torn (a writer killed mid-write) ends at the commit before it.
    const torn = Buffer.from(wal);
    torn[torn.length - 1] ^= 0xff;
    const tornFile = path.join(dir, 'torn.db');
    fs.writeFileSync(tornFile, before);
    fs.writeFileSync(`${tornFile}-wal`, torn);
    expect(await rows(tornFile)).toEqual([['first_in_log']]);
  });

  it('a log that is not a log, or empty, leaves the file as it is', () => {
    const main = Buffer.from('SQLite format 3\0'.padEnd(100, '\0'));
    expect(withWal(main, null)).toBe(main);
    expect(withWal(main, Buffer.alloc(0))).toBe(main);
    expect(withWal(main, Buffer.alloc(64, 7))).toBe(main);
  });
});

describe('lazy drivers', () => {
  it('the entry module imports no driver statically', () => {
    // The git-hook path imports src/db only for types and URL helpers; pg and better-sqlite3
    // must come in through import() inside the driver functions.
    for (const f of ['index.ts', 'url.ts']) {
      const src = fs.readFileSync(new URL(`../src/db/${f}`, import.meta.url), 'utf8');
      expect(src).not.toMatch(/^import[^;]*from\s+'(pg|better-sqlite3|\.\/postgres\.js|\.\/sqlite\.js)'/m);
    }
    for (const f of ['postgres.ts', 'sqlite.ts']) {
      const src = fs.readFileSync(new URL(`../src/db/${f}`, import.meta.url), 'utf8');
      expect(src).not.toMatch(/^import\s+(?!type\b)[^;]*from\s+'(pg|better-sqlite3)'/m);
    }
  });
});

// -------------------------------------------------------------------------------------------
// PostgreSQL

it.runIf(!PG_AVAILABLE && !!process.env.CI)('PostgreSQL is installed in CI', () => {
  throw new Error('CI must run the PostgreSQL tests: install the postgresql package (initdb and postgres were not found)');
});

describe.skipIf(!PG_AVAILABLE)('PostgreSQL', () => {
  let server: PostgresServer;
  let appUrl: string;

  beforeAll(async () => {
    server = await startPostgres();
    const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
    await server.psql(`
      CREATE ROLE app LOGIN PASSWORD ${lit(APP_PASSWORD)};
      CREATE ROLE atuser LOGIN PASSWORD ${lit(AT_PASSWORD)};
      CREATE ROLE rawat LOGIN PASSWORD ${lit(RAW_AT_PASSWORD)};
      CREATE DATABASE app OWNER app;
    `);
    await server.psql(
      `
      SET ROLE app;
      CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
      INSERT INTO alembic_version VALUES ('ae1027a6acf');
      CREATE SCHEMA branchy;
      CREATE TABLE branchy.alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
      INSERT INTO branchy.alembic_version VALUES ('3fa1e2b1c0d9'), ('27c6a30d7c24');
      CREATE SCHEMA ops;
      CREATE TABLE ops."Db_Versions" (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
      INSERT INTO ops."Db_Versions" VALUES ('c0ffee');
      CREATE SCHEMA empty;
      CREATE TABLE empty.alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
      CREATE SCHEMA nothing;
      GRANT USAGE ON SCHEMA public, branchy, ops, empty, nothing TO atuser, rawat;
      GRANT SELECT ON ALL TABLES IN SCHEMA public, branchy, ops, empty TO atuser, rawat;
      `,
      'app',
    );
    appUrl = server.url('app', 'app', APP_PASSWORD);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('reads one revision (sslmode unset: prefer, falling back to plain text)', async () => {
    const r = await readAppliedRevisions(appUrl);
    expect(r).toEqual({ state: 'ok', revisions: ['ae1027a6acf'], target: `postgresql://app:***@127.0.0.1:${server.port}/app` });
  });

  it('reads with sslmode=disable and every SQLAlchemy driver prefix', async () => {
    const rest = appUrl.slice('postgresql://'.length);
    for (const scheme of ['postgresql', 'postgres', 'postgresql+psycopg2', 'postgresql+psycopg', 'postgresql+asyncpg', 'postgresql+pg8000']) {
      const r = await readAppliedRevisions(`${scheme}://${rest}?sslmode=disable&application_name=ag-test&async_fallback=true`);
      expect(r, scheme).toMatchObject({ state: 'ok', revisions: ['ae1027a6acf'] });
    }
  });

  it('returns every row of a branched history, sorted', async () => {
    expect(await readAppliedRevisions(appUrl, { schema: 'branchy' })).toMatchObject({
      state: 'ok',
      revisions: ['27c6a30d7c24', '3fa1e2b1c0d9'],
    });
  });

  it('reads a custom schema and table name', async () => {
    expect(await readAppliedRevisions(appUrl, { schema: 'ops', table: 'Db_Versions' })).toMatchObject({
      state: 'ok',
      revisions: ['c0ffee'],
    });
  });

  it('reads an empty table', async () => {
    expect(await readAppliedRevisions(appUrl, { schema: 'empty' })).toEqual({
      state: 'ok',
      revisions: [],
      target: `postgresql://app:***@127.0.0.1:${server.port}/app`,
    });
  });

  it('reports a missing table and a missing schema as no-table', async () => {
    expect(await readAppliedRevisions(appUrl, { schema: 'nothing' })).toMatchObject({ state: 'no-table' });
    expect(await readAppliedRevisions(appUrl, { schema: 'ghost' })).toMatchObject({ state: 'no-table' });
    expect(await readAppliedRevisions(appUrl, { table: 'not_there' })).toMatchObject({ state: 'no-table' });
    // search_path is honoured when no schema is given
    expect(await readAppliedRevisions(`${appUrl}?options=${enc('-c search_path=nothing')}`)).toMatchObject({ state: 'no-table' });
  });

  it('decodes percent-encoded passwords with @ and %40, and refuses an unencoded @', async () => {
    expect(await readAppliedRevisions(server.url('app', 'atuser', AT_PASSWORD))).toMatchObject({ state: 'ok' });
    const encoded = `postgresql://rawat:${enc(RAW_AT_PASSWORD)}@127.0.0.1:${server.port}/app`;
    expect(await readAppliedRevisions(encoded)).toEqual({
      state: 'ok',
      revisions: ['ae1027a6acf'],
      target: `postgresql://rawat:***@127.0.0.1:${server.port}/app`,
    });
    const e = await failure(readAppliedRevisions(`postgresql://rawat:${RAW_AT_PASSWORD}@127.0.0.1:${server.port}/app`));
    expect(e.reason).toBe('malformed');
    expect(e.message).toContain(`postgresql://***@127.0.0.1:${server.port}/app`);
  });

  it('reads over the unix socket given as ?host=', async () => {
    // The harness' socket dir is private to it; find it through the server itself.
    const dir = await server.psql('SHOW unix_socket_directories');
    const r = await readAppliedRevisions(`postgresql://app:${enc(APP_PASSWORD)}@/app?host=${dir}&port=${server.port}`);
    expect(r).toMatchObject({ state: 'ok', revisions: ['ae1027a6acf'] });
  });

  it('wrong password -> auth', async () => {
    const e = await failure(readAppliedRevisions(server.url('app', 'atuser', APP_PASSWORD)));
    expect(e.reason).toBe('auth');
    expect(e.message).toMatch(/^cannot connect to postgresql:\/\/atuser:\*\*\*@127\.0\.0\.1:\d+\/app: .*password authentication failed/);
    expectNoSecret(e.message, [APP_PASSWORD]);
  });

  it('nothing listening -> refused', async () => {
    const port = await closedPort();
    const e = await failure(readAppliedRevisions(`postgresql://app:${enc(APP_PASSWORD)}@127.0.0.1:${port}/app`));
    expect(e.reason).toBe('refused');
    expect(e.message).toBe(`cannot connect to postgresql://app:***@127.0.0.1:${port}/app: connection refused (is the server running and the port right?)`);
  });

  it('a database that does not exist -> no-database', async () => {
    const e = await failure(readAppliedRevisions(server.url('nope', 'app', APP_PASSWORD)));
    expect(e.reason).toBe('no-database');
    expect(e.message).toMatch(/database "nope" does not exist/);
  });

  it('sslmode=require against a server without TLS -> tls', async () => {
    const e = await failure(readAppliedRevisions(`${appUrl}?sslmode=require`));
    expect(e.reason).toBe('tls');
    expect(e.message).toMatch(/^cannot connect to postgresql:\/\/app:\*\*\*@.*sslmode=require: the server does not support SSL/);
    expectNoSecret(e.message, [APP_PASSWORD]);
  });

  it('an unresolvable host -> dns', async () => {
    const e = await failure(readAppliedRevisions(`postgresql://app:${enc(APP_PASSWORD)}@nonexistent.invalid:5432/app`));
    expect(['dns', 'timeout']).toContain(e.reason); // 'timeout' only where the resolver never answers
    if (e.reason === 'dns') expect(e.message).toMatch(/host "nonexistent\.invalid" not found|cannot resolve host/);
  });

  it('a server that never answers -> timeout, within the limit', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const e = await failure(readAppliedRevisions(`postgresql://app:pw@127.0.0.1:${port}/app`, { timeoutMs: 700 }));
      expect(e.reason).toBe('timeout');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('a locked table -> timeout, not a hang', async () => {
    const locker = new pg.Client({ connectionString: appUrl, ssl: false });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE');
      const e = await failure(readAppliedRevisions(appUrl, { timeoutMs: 1000 }));
      expect(e.reason).toBe('timeout');
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
  });

  it('permission denied on the table -> query', async () => {
    await server.psql("CREATE ROLE nosel LOGIN PASSWORD 'n0-select-here';");
    const e = await failure(readAppliedRevisions(server.url('app', 'nosel', 'n0-select-here')));
    expect(e.reason).toBe('query');
    expect(e.message).toMatch(/permission denied/);
    expectNoSecret(e.message, ['n0-select-here']);
  });

  it('never shows a password, in any message or result', async () => {
    const port = await closedPort();
    const secrets = [APP_PASSWORD, AT_PASSWORD, RAW_AT_PASSWORD];
    const seen: string[] = [];
    const record = async (p: Promise<AppliedRevisions>): Promise<void> => {
      try {
        const r = await p;
        seen.push(JSON.stringify(r), inspect(r));
      } catch (err) {
        const e = err as Error;
        seen.push(e.message, String(e.stack), inspect(e), JSON.stringify(e));
      }
    };
    const urls = [
      appUrl,
      server.url('app', 'atuser', AT_PASSWORD),
      `postgresql://rawat:${RAW_AT_PASSWORD}@127.0.0.1:${server.port}/app`,
      `postgresql://127.0.0.1:${server.port}/app?user=app&password=${enc(APP_PASSWORD)}`,
      server.url('app', 'app', AT_PASSWORD), // wrong password
      server.url('app', 'atuser', APP_PASSWORD), // wrong password
      `postgresql://rawat:${RAW_AT_PASSWORD}x@127.0.0.1:${server.port}/app`, // wrong, unencoded @
      server.url('nope', 'app', APP_PASSWORD),
      server.url('app', 'no_such_user', APP_PASSWORD),
      `${appUrl}?sslmode=require`,
      `${appUrl}?sslmode=verify-full&sslrootcert=/nonexistent/${enc(APP_PASSWORD)}.crt`,
      `postgresql://app:${enc(APP_PASSWORD)}@127.0.0.1:${port}/app`,
      `postgresql://app:${enc(AT_PASSWORD)}@nonexistent.invalid/app`,
      `postgresql+asyncpg://app:${enc(APP_PASSWORD)}@127.0.0.1:${server.port}/app?ssl=bogus`,
      `mysql://app:${enc(APP_PASSWORD)}@127.0.0.1/app`,
      `postgresql://app:${enc(APP_PASSWORD)}@127.0.0.1:notaport/app`,
    ];
    for (const u of urls) {
      await record(readAppliedRevisions(u));
      await record(readAppliedRevisions(u, { table: 'x;y' }));
      await record(readAppliedRevisions(u, { schema: 'ghost' }));
    }
    expect(seen.length).toBeGreaterThan(urls.length * 3);
    for (const text of seen) expectNoSecret(text, secrets);
  });
});
