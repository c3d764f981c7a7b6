/**
 * The post-checkout hook: after a real `git checkout`, a warning when the development database
 * (real SQLite, real PostgreSQL) is at a revision the new checkout does not define — never a
 * block, nothing when there is nothing to say, and never a remote database that was not
 * configured. Also doctor's line about the development database.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteFile } from './helpers/sqlite.js';
import { hasPostgres, type PostgresServer, startPostgres } from './helpers/postgres.js';
import { alembicEnv, CLI, cleanupAll, INCIDENT, makeExecutable, makeRepo, migration, PROJECT, TestRepo } from './helpers/repo.js';

const V = 'backend/alembic/versions';
const pgAvailable = hasPostgres();
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
  const hook = readFileSync(join(PROJECT, 'hooks/post-checkout'), 'utf8')
    .replace('@NODE@', process.execPath)
    .replace('@CLI@', CLI);
  const file = join(repo.dir, '.git/hooks/post-checkout');
  writeFileSync(file, hook);
  makeExecutable(file);
  return repo;
}

function sqliteAt(path: string, revision: string | null): void {
  sqliteFile(path, `CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL); DELETE FROM alembic_version;${revision ? ` INSERT INTO alembic_version VALUES ('${revision}');` : ''}`);
}

describe('post-checkout', () => {
  it('SQLite from a literal sqlalchemy.url: warns after switching away from the branch that defines 014', () => {
    const repo = project('sqlite:///dev.db');
    sqliteAt(join(repo.dir, 'backend/dev.db'), INCIDENT[13]);
    const result = repo.git(['checkout', 'main']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`is at ${INCIDENT[13]}, which this checkout does not define`);
    expect(result.stderr).toContain(`it is in feature/traces (the branch you just left): ${V}/${INCIDENT[13]}.py`);
    const steps = result.stderr.slice(result.stderr.indexOf('to get back in step:')).split('\n').slice(1, 5).map((l) => l.trim());
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
    await pg!.psql(`CREATE TABLE alembic_version (version_num varchar(32) NOT NULL); ALTER TABLE alembic_version OWNER TO dev; INSERT INTO alembic_version VALUES ('${INCIDENT[11]}')`, 'devdb');
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
    expect(repo.cli(['doctor']).stdout).toContain(`Development database\n  development database: sqlite:///${join(repo.dir, 'backend/dev.db')} (sqlalchemy.url in backend/alembic.ini [alembic]): at ${INCIDENT[13]}; ${INCIDENT[13]} is not defined by this checkout`);
    const none = makeRepo(alembicEnv('backend', 2), { commit: true });
    expect(JSON.parse(none.cli(['doctor', '--format', 'json']).stdout).developmentDatabase).toBeNull();
  });
});
