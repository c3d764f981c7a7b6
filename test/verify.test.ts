import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresForFile } from './helpers/postgres.js';
import { SQLITE_DRIVER, SQLITE_SHELL, sqliteFile } from './helpers/sqlite.js';
import { alembicEnv, cleanupAll, INCIDENT, incidentRepo, makeRepo, migration, PROJECT, run, tempDir, testEnv, TestRepo } from './helpers/repo.js';

const V = 'backend/alembic/versions';
const PASSWORD = 'S3cr3t-p4ss!word';
const PG = postgresForFile(PASSWORD);
const pgAvailable = PG.available;
let dbCounter = 0;

afterAll(cleanupAll);

/** A fresh database owned by `app`, with alembic_version holding `revisions` (null: no table). */
async function database(revisions: string[] | null, table = 'alembic_version', schema?: string): Promise<string> {
  const name = `verify_${++dbCounter}`;
  await PG.server().psql(`CREATE DATABASE ${name} OWNER app`);
  const qualified = schema ? `${schema}.${table}` : table;
  if (schema) await PG.server().psql(`CREATE SCHEMA ${schema} AUTHORIZATION app`, name);
  if (revisions) {
    await PG.server().psql(`CREATE TABLE ${qualified} (version_num varchar(32) NOT NULL PRIMARY KEY); ALTER TABLE ${qualified} OWNER TO app`, name);
    for (const r of revisions) await PG.server().psql(`INSERT INTO ${qualified} VALUES ('${r}')`, name);
  }
  return PG.server().url(name, 'app', PASSWORD);
}

/** What CI sees: a fresh clone of the repository. */
function ciClone(repo: TestRepo): TestRepo {
  const dir = join(tempDir('ag-ci-'), 'checkout');
  run('git', ['clone', '-q', repo.dir, dir]);
  return new TestRepo(dir);
}

function verify(repo: TestRepo, url: string, extra: string[] = []) {
  const result = repo.cli(['verify', '--format', 'json', ...extra], { env: { DATABASE_URL: url } });
  return { ...result, report: result.stdout ? JSON.parse(result.stdout) : null };
}

describe.skipIf(!pgAvailable)('verify against a real PostgreSQL server', () => {
  it('the incident: a clean clone at 008 against a database at 014 fails naming both and the fix; passes once committed', async () => {
    const laptop = incidentRepo();
    const url = await database([INCIDENT[13]]);
    const ci = ciClone(laptop);
    const text = ci.cli(['verify', '--db-url-env', 'DATABASE_URL'], { env: { DATABASE_URL: url } });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('is at 014_trace_mismatches');
    expect(text.stdout).toContain('end at 008_search_index');
    expect(text.stdout).toContain('untracked files in the versions directory');
    expect(text.stdout + text.stderr).not.toContain(PASSWORD);
    const { report } = verify(ci, url, ['--db-url-env', 'DATABASE_URL']);
    expect(report.findings[0]).toMatchObject({ kind: 'database-ahead', revision: INCIDENT[13] });
    expect(report.database.target).toContain('***');

    laptop.add(V).commit('the six files');
    const fixed = ciClone(laptop);
    const after = fixed.cli(['verify', '--db-url', url]);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('014_trace_mismatches');
  });

  it('the incident, located: a branch of the clone has 014 → where and "merge it"; no branch has it → "never pushed"', async () => {
    const laptop = incidentRepo();
    const url = await database([INCIDENT[13]]);
    const unpushed = ciClone(laptop).cli(['verify', '--db-url-env', 'DATABASE_URL'], { env: { DATABASE_URL: url } });
    expect(unpushed.code).toBe(1);
    expect(unpushed.stdout).toContain('it is on no branch of this clone: it was never pushed');
    expect(unpushed.stdout).toContain('`alembic-guard locate 014_trace_mismatches` on their machine finds it');

    laptop.git(['checkout', '-q', '-b', 'feature/traces']);
    laptop.add(V).commit('the six files');
    laptop.git(['checkout', '-q', 'main']);
    const result = verify(ciClone(laptop), url, ['--db-url-env', 'DATABASE_URL']);
    expect(result.code).toBe(1);
    const ahead = result.report.findings.find((f: { kind: string }) => f.kind === 'database-ahead');
    expect(ahead.message).toMatch(
      /it is defined on origin\/feature\/traces at [0-9a-f]{7,} by Test \("the six files"\) \(backend\/alembic\/versions\/014_trace_mismatches.py\), not merged into this commit/,
    );
    expect(ahead.fix).toBe('merge it: git merge origin/feature/traces   (then push)');
    expect(ahead.located.places[0]).toMatchObject({ kind: 'remote', refs: ['origin/feature/traces'], path: `${V}/014_trace_mismatches.py` });
  });

  it('a database behind head is information (exit 0) with the count', async () => {
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    const { code, report } = verify(repo, await database([INCIDENT[4]]), ['--db-url-env', 'DATABASE_URL']);
    expect(code).toBe(0);
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'database-behind', ahead: 3, head: INCIDENT[7] }));
  });

  it('at head: exit 0', async () => {
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    const { code, report } = verify(repo, await database([INCIDENT[7]]), ['--db-url-env', 'DATABASE_URL']);
    expect(code).toBe(0);
    expect(report.findings.map((f: { kind: string }) => f.kind)).toEqual(['database-current', 'database-read']);
  });

  it('two branches: each row is checked', async () => {
    const files = alembicEnv('backend', 3);
    files[`${V}/004_a.py`] = migration('004_a', INCIDENT[2], { labels: 'a' });
    files[`${V}/004_b.py`] = migration('004_b', INCIDENT[2], { labels: 'b' });
    files[`${V}/005_b.py`] = migration('005_b', '004_b');
    const repo = makeRepo(files, { commit: true });
    repo
      .write('.alembic-guard.json', JSON.stringify({ allowMultipleHeads: true, database: { urlEnv: 'DATABASE_URL' } }))
      .add()
      .commit('cfg');
    let result = verify(repo, await database(['004_a', '004_b']));
    expect(result.code).toBe(0);
    expect(result.report.findings).toContainEqual(expect.objectContaining({ kind: 'database-behind', revision: '004_b', head: '005_b', ahead: 1 }));
    result = verify(repo, await database(['004_a', '009_unknown']));
    expect(result.code).toBe(1);
    expect(result.report.findings.filter((f: { kind: string }) => f.kind === 'database-ahead').map((f: { revision: string }) => f.revision)).toEqual([
      '009_unknown',
    ]);
  });

  it('a missing table is "not under Alembic": exit 0, or 1 with requireTable', async () => {
    const repo = makeRepo(alembicEnv('backend', 2), { commit: true });
    const url = await database(null);
    let result = verify(repo, url, ['--db-url-env', 'DATABASE_URL']);
    expect(result.code).toBe(0);
    expect(result.report.findings[0].kind).toBe('database-untracked');
    repo
      .write('.alembic-guard.json', JSON.stringify({ database: { requireTable: true } }))
      .add()
      .commit('cfg');
    result = verify(repo, url, ['--db-url-env', 'DATABASE_URL']);
    expect(result.code).toBe(1);
  });

  it('a schema-qualified, renamed version table from configuration', async () => {
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    repo
      .write('.alembic-guard.json', JSON.stringify({ database: { schema: 'ops', versionTable: 'schema_rev', urlEnv: 'DATABASE_URL' } }))
      .add()
      .commit('cfg');
    const { code, report } = verify(repo, await database([INCIDENT[10]], 'schema_rev', 'ops'));
    expect(code).toBe(1);
    expect(report.findings[0]).toMatchObject({ kind: 'database-ahead', revision: INCIDENT[10] });
  });

  it('a wrong password exits 2 with one line, and no password appears', async () => {
    const repo = makeRepo(alembicEnv('backend', 2), { commit: true });
    const good = await database([INCIDENT[1]]);
    const bad = good.replace(encodeURIComponent(PASSWORD), 'Wr0ng-Pa55w0rd');
    for (const format of ['text', 'json', 'github']) {
      const result = repo.cli(['verify', '--db-url', bad, '--format', format]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stdout + result.stderr).not.toContain('Wr0ng-Pa55w0rd');
    }
  });

  it('the password never appears in any output of any outcome', async () => {
    const repo = incidentRepo();
    const url = await database([INCIDENT[13]]);
    const outputs: string[] = [];
    for (const format of ['text', 'json', 'github']) {
      for (const args of [
        ['--db-url', url],
        ['--db-url-env', 'DATABASE_URL'],
      ]) {
        const result = repo.cli(['verify', '--format', format, ...args], { env: { DATABASE_URL: url } });
        expect(result.code).toBe(1);
        outputs.push(result.stdout, result.stderr);
      }
    }
    for (const output of outputs) {
      expect(output).not.toContain(PASSWORD);
      expect(output).not.toContain(encodeURIComponent(PASSWORD));
    }
  }, 180_000); // six CLI runs against a real server: slow on a loaded machine, never asserted
});

describe('verify without a server', () => {
  it('nothing listening exits 2 with one redacted line', () => {
    const repo = makeRepo(alembicEnv('backend', 2), { commit: true });
    const result = repo.cli(['verify', '--db-url', `postgresql://app:${PASSWORD}@127.0.0.1:1/app`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('refused');
    expect(result.stderr).not.toContain(PASSWORD);
  });

  it('--db-url-env naming an unset variable exits 2', () => {
    const result = makeRepo(alembicEnv('backend', 2), { commit: true }).cli(['verify', '--db-url-env', 'NOPE_URL']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('NOPE_URL');
  });

  it('a repository with no commits exits 2', () => {
    expect(makeRepo(alembicEnv('backend', 2)).cli(['verify']).code).toBe(2);
  });

  it('checks the committed tree (--rev) and the checkout', () => {
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    repo.write(`${V}/009_a.py`, migration('009_a', INCIDENT[7])).write(`${V}/009_b.py`, migration('009_b', INCIDENT[7])).add().commit('two heads');
    expect(repo.cli(['verify']).code).toBe(1);
    expect(repo.cli(['verify', '--rev', 'HEAD~1']).code).toBe(0);
    repo.write(`${V}/010_generated.py`, migration('010_generated', '009_a'));
    const result = repo.cli(['verify', '--rev', 'HEAD~1', '--format', 'json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).findings.map((f: { kind: string }) => f.kind)).toEqual(['untracked']);
  });

  it('ignores ALEMBIC_GUARD_SKIP: CI is the last line', () => {
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    repo.write(`${V}/009_x.py`, migration('009_x', INCIDENT[7]));
    expect(repo.cli(['verify'], { env: { ALEMBIC_GUARD_SKIP: 'please' } }).code).toBe(1);
  });
});

describe.skipIf(!SQLITE_SHELL)(`verify against real SQLite files (through ${SQLITE_DRIVER})`, () => {
  function sqlite(path: string, revisions: string[] | null): void {
    const rows = (revisions ?? []).map((r) => `INSERT INTO alembic_version VALUES ('${r}');`).join('\n');
    sqliteFile(
      path,
      revisions ? `CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);\n${rows}\n` : 'PRAGMA user_version = 0; VACUUM;',
    );
  }

  it('sqlite:///relative.db (from the working directory) and sqlite:////absolute.db', () => {
    const laptop = incidentRepo();
    const ci = ciClone(laptop);
    sqlite(join(ci.dir, 'app.db'), [INCIDENT[13]]);
    const relative = ci.cli(['verify', '--db-url', 'sqlite:///app.db']);
    expect(relative.code).toBe(1);
    expect(relative.stdout).toContain('014_trace_mismatches');
    const abs = join(tempDir('ag-sqlite-'), 'abs.db');
    sqlite(abs, [INCIDENT[5]]);
    const behind = ci.cli(['verify', '--db-url', `sqlite:///${abs}`, '--format', 'json']);
    expect(behind.code).toBe(0);
    expect(JSON.parse(behind.stdout).findings).toContainEqual(expect.objectContaining({ kind: 'database-behind', ahead: 2 }));
  });

  it('a shallow CI clone says it is too shallow to know, and the fetch that makes it know', () => {
    const laptop = incidentRepo();
    laptop.git(['checkout', '-q', '-b', 'feature/traces']);
    laptop.add(V).commit('the six files');
    laptop.git(['checkout', '-q', 'main']);
    const dir = join(tempDir('ag-ci-'), 'checkout');
    run('git', ['clone', '-q', '--depth', '1', `file://${laptop.dir}`, dir]);
    const ci = new TestRepo(dir);
    sqlite(join(ci.dir, 'app.db'), [INCIDENT[13]]);
    const result = ci.cli(['verify', '--db-url', 'sqlite:///app.db']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "this clone is too shallow to know where it is defined (git fetch --unshallow origin '+refs/heads/*:refs/remotes/origin/*', then verify again)",
    );
  });

  it('a missing table and a missing file', () => {
    const repo = makeRepo(alembicEnv('backend', 2), { commit: true });
    const dir = tempDir('ag-sqlite-');
    sqlite(join(dir, 'empty.db'), null);
    expect(repo.cli(['verify', '--db-url', `sqlite:///${join(dir, 'empty.db')}`]).code).toBe(0);
    const missing = repo.cli(['verify', '--db-url', `sqlite:///${join(dir, 'nope.db')}`]);
    expect(missing.code).toBe(2);
    expect(repo.exists('nope.db')).toBe(false);
  });
});

describe('an unencoded @ in a database URL (issue 13)', () => {
  /** A loopback listener that counts the connections it is offered (the CLI must make none). */
  async function listener() {
    let count = 0;
    const net = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const srv = net.createServer((s) => {
      count += 1;
      sockets.push(s);
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    return {
      port: (srv.address() as import('node:net').AddressInfo).port,
      connections: async () => {
        await new Promise((resolve) => setTimeout(resolve, 100)); // let queued connections be accepted
        return count;
      },
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          srv.close(() => resolve());
        }),
    };
  }

  it('is refused (exit 2, one line, hidden up to the last @) by every route and format, with no connection', async () => {
    const server = await listener();
    try {
      const repo = makeRepo(alembicEnv('backend', 2), { commit: true });
      repo
        .write('.alembic-guard.json', JSON.stringify({ database: { urlEnv: 'APP_DB' } }))
        .add()
        .commit('cfg');
      const urls = [
        `postgresql://app:p@ss:w/rd-SECRET@127.0.0.1:${server.port}/appdb`,
        `postgresql://app:Zq@127.0.0.1:${server.port}/SECRETtail@127.0.0.1:5432/appdb`,
        `postgresql+psycopg2://app:Zq#SECRET@127.0.0.1:${server.port}/appdb`,
      ];
      for (const [i, url] of urls.entries()) {
        const hidden = `postgresql${url.startsWith('postgresql+') ? '+psycopg2' : ''}://${url.includes('#') ? 'app:' : ''}***@${url.slice(url.lastIndexOf('@') + 1)}`;
        // Every format once, every route once (each CLI run costs a node start).
        const runs =
          i > 0
            ? [['text', 0]]
            : ([
                ['text', 0],
                ['json', 0],
                ['github', 0],
                ['text', 1],
                ['json', 2],
              ] as const);
        for (const [format, route] of runs) {
          {
            const [args, env] = (
              [
                [['--db-url', url], {}],
                [['--db-url-env', 'DATABASE_URL'], { DATABASE_URL: url }],
                [[], { APP_DB: url }],
              ] as const
            )[route];
            const result = repo.cli(['verify', '--format', format, ...args], { env });
            expect(result.code, `${format} ${args.join(' ')}`).toBe(2);
            expect(result.stderr.trim().split('\n')).toHaveLength(1);
            expect(result.stderr).toContain(`malformed database URL ${hidden}`);
            expect(result.stdout + result.stderr).not.toMatch(/SECRET|Zq|p@ss|rd-/);
          }
        }
      }
      expect(await server.connections()).toBe(0);
    } finally {
      await server.close();
    }
  }, 180_000);
});

describe('SQLite with the default install (better-sqlite3 absent)', () => {
  // alembic-guard as installed where better-sqlite3 is not (it never is, unless the user adds it): this build's files in a node_modules
  // folder beside every other dependency of this project but better-sqlite3. Node resolves
  // modules from the real path of the importing file, so this is exactly what an installation
  // without it sees.
  function installedWithoutBetterSqlite3(): string {
    const root = tempDir('ag-no-driver-');
    const modules = join(root, 'node_modules');
    const self = join(modules, 'alembic-guard');
    mkdirSync(self, { recursive: true });
    for (const entry of ['package.json', 'dist', 'hooks']) cpSync(join(PROJECT, entry), join(self, entry), { recursive: true });
    for (const name of readdirSync(join(PROJECT, 'node_modules'))) {
      if (name === 'better-sqlite3' || name === 'alembic-guard' || name.startsWith('.')) continue;
      symlinkSync(join(PROJECT, 'node_modules', name), join(modules, name));
    }
    return join(self, 'dist/cli.js');
  }

  it.skipIf(!SQLITE_SHELL)('verify on SQLite reads it on every supported Node with the default install: node:sqlite, else sql.js', () => {
    const cli = installedWithoutBetterSqlite3();
    const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
    const file = join(repo.dir, 'app.db');
    sqliteFile(file, `CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); INSERT INTO alembic_version VALUES ('${INCIDENT[2]}');`);
    const result = run(process.execPath, [cli, 'verify', '--db-url', `sqlite:///${file}`], { cwd: repo.dir, env: testEnv() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/ExperimentalWarning/);
    // The database ahead of the code is caught through the same driver.
    sqliteFile(file, `UPDATE alembic_version SET version_num = '${INCIDENT[5]}';`);
    const ahead = run(process.execPath, [cli, 'verify', '--db-url', `sqlite:///${file}`], { cwd: repo.dir, env: testEnv() });
    expect(ahead.code, ahead.stdout + ahead.stderr).toBe(1);
    expect(ahead.stdout).toContain(INCIDENT[5]);
  });
});
