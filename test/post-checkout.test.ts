/**
 * The post-checkout hook: after a real `git checkout`, a warning when the development database
 * (real SQLite, real PostgreSQL) is at a revision the new checkout does not define — never a
 * block, nothing when there is nothing to say, and never a remote database that was not
 * configured. Also doctor's line about the development database.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteFile } from './helpers/sqlite.js';
import { hasPostgres, type PostgresServer, startPostgres } from './helpers/postgres.js';
import { alembicEnv, cleanupAll, INCIDENT, makeExecutable, makeRepo, migration, TestRepo } from './helpers/repo.js';

const V = 'backend/alembic/versions';
const pgAvailable = hasPostgres();
// Locally the PostgreSQL case is skipped without a server; CI must run it.
if (!pgAvailable && process.env.CI) throw new Error('PostgreSQL binaries are missing: CI must install postgresql (post-checkout.test.ts)');
let pg: PostgresServer | undefined;

beforeAll(async () => {
  if (pgAvailable) pg = await startPostgres();
}, 60_000);

afterAll(async () => {
  await pg?.stop();
  cleanupAll();
});

const INI = (url: string) => `[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = ${url}\n`;

/** main at 008; feature/traces adds 009–014 (committed); the plain hook installed as install writes it. */
function project(url: string): TestRepo {
  const repo = makeRepo({ ...alembicEnv('backend', 8), 'backend/alembic.ini': INI(url), '.gitignore': '*.db\n' }, { commit: true });
  repo.git(['checkout', '-q', '-b', 'feature/traces']);
  for (let i = 8; i < 14; i += 1) repo.write(`${V}/${INCIDENT[i]}.py`, migration(INCIDENT[i], INCIDENT[i - 1]));
  repo.add().commit('traces');
  const installed = repo.cli(['install']);
  expect(installed.code, installed.stderr).toBe(0);
  expect(existsSync(join(repo.dir, '.git/hooks/post-checkout'))).toBe(true);
  return repo;
}

function sqliteAt(path: string, revision: string | null): void {
  sqliteFile(
    path,
    `CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL); DELETE FROM alembic_version;${revision ? ` INSERT INTO alembic_version VALUES ('${revision}');` : ''}`,
  );
}

describe('post-checkout', () => {
  it('SQLite from a literal sqlalchemy.url: warns after switching away from the branch that defines 014', () => {
    const repo = project('sqlite:///dev.db');
    sqliteAt(join(repo.dir, 'backend/dev.db'), INCIDENT[13]);
    const result = repo.git(['checkout', 'main']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`is at ${INCIDENT[13]}, which this checkout does not define`);
    expect(result.stderr).toContain(`it is in feature/traces (the branch you just left): ${V}/${INCIDENT[13]}.py`);
    const steps = result.stderr
      .slice(result.stderr.indexOf('to get back in step:'))
      .split('\n')
      .slice(1, 5)
      .map((l) => l.trim());
    expect(steps).toEqual([
      'git checkout feature/traces',
      `cd backend && alembic downgrade ${INCIDENT[7]}`,
      'git checkout main',
      'cd backend && alembic upgrade head',
    ]);
    // Back on the branch that defines it: nothing to say. A new branch at the same commit: nothing run.
    expect(repo.git(['checkout', 'feature/traces']).stderr).not.toContain('alembic-guard');
    expect(repo.git(['checkout', '-b', 'more']).stderr).not.toContain('alembic-guard');
    // A file checkout is not a switch.
    repo.git(['checkout', 'main']);
    expect(repo.git(['checkout', 'feature/traces', '--', `${V}/${INCIDENT[8]}.py`]).stderr).not.toContain('alembic-guard');
  });

  it('says nothing when the database is at a revision this checkout defines, or none is configured', () => {
    const repo = project('sqlite:///dev.db');
    sqliteAt(join(repo.dir, 'backend/dev.db'), INCIDENT[7]);
    expect(repo.git(['checkout', '-q', 'main']).stderr).toBe('');
    const placeholder = project('driver://user:pass@localhost/dbname');
    expect(placeholder.git(['checkout', '-q', 'main']).stderr).toBe('');
  });

  it('starts node only when it may have something to say: the idle note, and what makes it stale', () => {
    const repo = project('driver://user:pass@localhost/dbname');
    const hook = join(repo.dir, '.git/hooks/post-checkout');
    const note = join(repo.dir, '.git/alembic-guard/post-checkout-idle');
    const real = readFileSync(hook, 'utf8');
    // The hook's runner, swapped for one that notes each start and then runs the real CLI.
    const starts = join(repo.dir, '.git/starts');
    const spy = join(repo.dir, '.git/spy.sh');
    const node = /^alembic_guard_node=(.*)$/m.exec(real)![1];
    const cli = /^alembic_guard_cli=(.*)$/m.exec(real)![1];
    writeFileSync(spy, `echo start >>'${starts}'\nexec ${node} ${cli} "$@"\n`);
    makeExecutable(spy);
    writeFileSync(
      hook,
      real.replace(/^alembic_guard_node=.*$/m, 'alembic_guard_node=/bin/sh').replace(/^alembic_guard_cli=.*$/m, `alembic_guard_cli='${spy}'`),
    );
    const count = () => (existsSync(starts) ? readFileSync(starts, 'utf8').split('\n').length - 1 : 0);

    expect(repo.git(['checkout', '-q', 'main']).stderr).toBe('');
    expect(count()).toBe(1); // no note yet: node decides, and leaves the note
    expect(readFileSync(note, 'utf8')).toBe('-.alembic-guard.json\n-package.json\n-pyproject.toml\n-alembic.ini\nbackend/alembic.ini\n');
    expect(repo.git(['checkout', '-q', 'feature/traces']).stderr).toBe('');
    expect(repo.git(['checkout', '-q', 'main']).stderr).toBe('');
    expect(count()).toBe(1); // migrations differ, the configuration does not: quiet, no node

    // A local edit of a file the note names: node again, which finds the database now.
    sqliteAt(join(repo.dir, 'backend/dev.db'), INCIDENT[13]);
    repo.write('backend/alembic.ini', INI('sqlite:///dev.db'));
    const warned = repo.git(['checkout', '-q', 'feature/traces']);
    expect(count()).toBe(2);
    expect(existsSync(note)).toBe(false); // a database: no note, node runs on each switch
    expect(repo.git(['checkout', '-q', 'main']).stderr).toContain(`is at ${INCIDENT[13]}`);
    expect(count()).toBe(3);
    expect(warned.code).toBe(0);

    // A configuration file that appears: node again.
    repo.git(['checkout', '-q', '--', 'backend/alembic.ini']);
    repo.git(['checkout', '-q', 'feature/traces']);
    expect(existsSync(note)).toBe(true);
    const before = count();
    repo.write('.alembic-guard.json', '{}\n');
    repo.git(['checkout', '-q', 'main']);
    expect(count()).toBe(before + 1);

    // A branch that brings an .ini of its own (a new environment): node again.
    repo.git(['checkout', '-q', '-b', 'service']);
    repo.write('service/alembic.ini', INI('sqlite:///service.db'));
    repo.add().commit('service');
    repo.git(['checkout', '-q', 'main']);
    repo.git(['checkout', '-q', 'feature/traces']);
    const settled = count();
    repo.git(['checkout', '-q', 'service']);
    expect(count()).toBe(settled + 1);
    // A file checkout, or a new branch at the same commit: never node.
    repo.git(['checkout', '-q', 'main', '--', '.gitignore']);
    repo.git(['checkout', '-q', '-b', 'same']);
    expect(count()).toBe(settled + 1);
    // uninstall takes the note with the hook (back on main, where no database is configured).
    expect(existsSync(note)).toBe(false); // service/alembic.ini names a local SQLite file
    repo.git(['checkout', '-q', 'main']);
    expect(existsSync(note)).toBe(true);
    expect(repo.cli(['uninstall']).code).toBe(0);
    expect(existsSync(note)).toBe(false);
    expect(existsSync(hook)).toBe(false);
  });

  it('never reads a remote host named only in alembic.ini', () => {
    // 10.255.255.1 is not routable: reading it would time out and warn.
    const repo = project('postgresql://app:pw@10.255.255.1:5432/prod');
    const started = Date.now();
    expect(repo.git(['checkout', '-q', 'main']).stderr).toBe('');
    expect(Date.now() - started).toBeLessThan(60_000); // sanity only; timings are not asserted
  });

  it('an unreadable configured database is one redacted line of warning, and the checkout succeeds', () => {
    const repo = project('driver://x');
    repo.write('.alembic-guard.json', JSON.stringify({ database: { devUrl: 'postgresql://app:S3cr3t-dev@127.0.0.1:1/dev' } }));
    const result = repo.git(['checkout', '-q', 'main']);
    expect(result.code).toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('post-checkout could not check the development database');
    expect(result.stderr).not.toContain('S3cr3t-dev');
  });

  it.skipIf(!pgAvailable)('PostgreSQL from database.devUrlEnv: warns with the password hidden', async () => {
    await pg!.psql(`CREATE ROLE dev LOGIN PASSWORD 'S3cr3t-pg'`);
    await pg!.psql('CREATE DATABASE devdb OWNER dev');
    await pg!.psql(
      `CREATE TABLE alembic_version (version_num varchar(32) NOT NULL); ALTER TABLE alembic_version OWNER TO dev; INSERT INTO alembic_version VALUES ('${INCIDENT[11]}')`,
      'devdb',
    );
    const url = pg!.url('devdb', 'dev', 'S3cr3t-pg');
    const repo = project('driver://x');
    repo.write('.alembic-guard.json', JSON.stringify({ database: { devUrlEnv: 'DEV_DATABASE_URL' } }));
    const result = repo.git(['checkout', 'main'], { env: { DEV_DATABASE_URL: url } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`is at ${INCIDENT[11]}, which this checkout does not define`);
    expect(result.stderr).toContain('feature/traces (the branch you just left)');
    expect(result.stderr).toContain(`alembic downgrade ${INCIDENT[7]}`);
    expect(result.stderr).not.toContain('S3cr3t-pg');
    const doctor = repo.cli(['doctor'], { env: { DEV_DATABASE_URL: url } });
    expect(doctor.stdout).toContain(`at ${INCIDENT[11]}; ${INCIDENT[11]} is not defined by this checkout`);
    expect(doctor.stdout).not.toContain('S3cr3t-pg');
  });

  it('doctor lists the development database and where it stands', () => {
    const repo = project('sqlite:///dev.db');
    sqliteAt(join(repo.dir, 'backend/dev.db'), INCIDENT[13]);
    const doctor = repo.cli(['doctor', '--format', 'json']);
    expect(JSON.parse(doctor.stdout).developmentDatabase).toMatchObject({
      from: 'sqlalchemy.url in backend/alembic.ini [alembic]',
      state: { revisions: [INCIDENT[13]], unknown: [] },
    });
    repo.git(['checkout', '-q', 'main']);
    expect(repo.cli(['doctor']).stdout).toContain(
      `Development database\n  development database: sqlite:///${join(repo.dir, 'backend/dev.db')} (sqlalchemy.url in backend/alembic.ini [alembic]): at ${INCIDENT[13]}; ${INCIDENT[13]} is not defined by this checkout`,
    );
    const none = makeRepo(alembicEnv('backend', 2), { commit: true });
    expect(JSON.parse(none.cli(['doctor', '--format', 'json']).stdout).developmentDatabase).toBeNull();
  });
});
