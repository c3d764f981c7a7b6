// Layouts of real projects (shapes from anitya, pagure, jupyterhub, zou, keystone, weather-forecast
// and a monorepo's backend/alembic.ini): a clean checkout passes, and the printed merge command
// runs as printed, from where the user stands, with real Alembic.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alembicEnv, cleanupAll, ENV_PY, INCIDENT, makeExecutable, makeRepo, migration, run, tempDir, testEnv, type TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

const PYTHON = '/usr/bin/python3';
const HAS_ALEMBIC = run(PYTHON, ['-c', 'import alembic'], {}).code === 0;
if (!HAS_ALEMBIC && process.env.CI) throw new Error('python3-alembic is missing: apt-get install python3-alembic');

/** A PATH where `alembic` is real Alembic (Debian's python3-alembic has no alembic command). */
function alembicOnPath(): string {
  const bin = tempDir('ag-alembic-bin-');
  writeFileSync(join(bin, 'alembic'), `#!/bin/sh\nexec ${PYTHON} -m alembic "$@"\n`);
  makeExecutable(join(bin, 'alembic'));
  return `${bin}:${process.env.PATH}`;
}

interface Json {
  environments: { name: string }[];
  findings: { kind: string; problem?: string; fix?: string; message: string; paths: string[] }[];
}

function check(repo: TestRepo): { code: number; json: Json } {
  const result = repo.cli(['check', '--format', 'json']);
  return { code: result.code, json: JSON.parse(result.stdout) as Json };
}

/** Alembic's own generic script.py.mako, so that `alembic merge` writes a real migration. */
const MAKO = [
  '"""${message}',
  '',
  'Revision ID: ${up_revision}',
  'Revises: ${down_revision | comma,n}',
  '"""',
  'from alembic import op',
  '',
  'revision = ${repr(up_revision)}',
  'down_revision = ${repr(down_revision)}',
  'branch_labels = ${repr(branch_labels)}',
  'depends_on = ${repr(depends_on)}',
  '',
  '',
  'def upgrade():',
  '    ${upgrades if upgrades else "pass"}',
  '',
  '',
  'def downgrade():',
  '    ${downgrades if downgrades else "pass"}',
  '',
].join('\n');

/** Two heads on the last revision, staged (with a real script.py.mako beside versions/); the fix printed for them. */
function twoHeads(repo: TestRepo, versions: string, parent: string): string {
  repo.write(`${versions.replace(/\/versions$/, '')}/script.py.mako`, MAKO);
  repo.write(`${versions}/h1.py`, migration('h1', parent));
  repo.write(`${versions}/h2.py`, migration('h2', parent));
  repo.add(versions);
  const { code, json } = check(repo);
  expect(code).toBe(1);
  return json.findings.find((f) => f.problem === 'multiple-heads')!.fix!;
}

/** Runs the first command of a printed fix (up to the three spaces before the note) in sh, from the top. */
function runFix(repo: TestRepo, fix: string): { code: number; stderr: string } {
  const command = fix.split('   ')[0]!;
  return run('sh', ['-c', command], { cwd: repo.dir, env: testEnv({ PATH: alembicOnPath() }) });
}

describe('layouts', () => {
  it("a packager's sample alembic.ini naming /usr/share/… blocks nothing; doctor says it was set aside", () => {
    const repo = makeRepo(
      { ...alembicEnv('', 3), 'files/alembic.ini': '[alembic]\nscript_location = /usr/share/app/alembic\nsqlalchemy.url = sqlite:////var/tmp/app.sqlite\n' },
      { commit: true },
    );
    const { code, json } = check(repo);
    expect(code).toBe(0);
    expect(json.environments.map((e) => e.name)).toEqual(['alembic']);
    const doctor = repo.cli(['doctor']);
    expect(doctor.stdout).toContain(
      'files/alembic.ini [alembic]: script_location /usr/share/app/alembic is outside the repository, while another environment lives in it',
    );
    // Alone, an environment outside the repository is still an error (nothing could commit it).
    const alone = makeRepo({ 'alembic.ini': '[alembic]\nscript_location = /usr/share/app/alembic\n' }, { commit: true });
    expect(check(alone).code).toBe(1);
  });

  it('a templated script_location ({alembic_dir}, filled in by code) is no environment', () => {
    const files = alembicEnv('jupyterhub', 3);
    files['jupyterhub/alembic.ini'] = '[alembic]\nscript_location = {alembic_dir}\nsqlalchemy.url = {db_url}\n';
    const repo = makeRepo(files, { commit: true });
    const { code, json } = check(repo);
    expect(code).toBe(0);
    expect(json.environments.map((e) => e.name)).toEqual(['jupyterhub/alembic']);
    expect(repo.cli(['graph']).stdout).not.toContain('{alembic_dir}');
    expect(repo.cli(['doctor']).stdout).toContain('script_location {alembic_dir} is a template filled in by code at run time');
  });

  it('Flask-Migrate whose ini says script_location = . is run through flask db', () => {
    const env = 'from flask import current_app\nfrom alembic import context\n\nconfig = context.config\n';
    const repo = makeRepo(
      {
        'app/migrations/alembic.ini': '[alembic]\nscript_location = .\n',
        'app/migrations/env.py': env,
        'app/migrations/script.py.mako': '',
        'app/migrations/versions/a1.py': migration('a1', null),
      },
      { commit: true },
    );
    const fix = twoHeads(repo, 'app/migrations/versions', 'a1');
    expect(fix.startsWith("cd app && flask db merge -m 'merge heads' heads")).toBe(true);
    expect(fix).toContain('FLASK_APP');
  });

  it('many files in a folder Alembic does not load (a squashed legacy history) are one warning with a count', () => {
    const repo = makeRepo(alembicEnv('', 2), { commit: true });
    for (let i = 0; i < 40; i++) repo.write(`alembic/versions/legacy/l${i}.py`, migration(`l${i}`, i === 0 ? null : `l${i - 1}`));
    repo.add().commit('legacy');
    const result = repo.cli(['check']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('40 files in alembic/versions/legacy/ define revisions');
    expect(result.stdout).toContain('… and 35 more');
    expect(result.stdout.split('\n').length).toBeLessThan(20);
  });
});

describe.skipIf(!HAS_ALEMBIC)('the printed merge command runs as printed (real Alembic)', () => {
  it('alembic.ini at the top', () => {
    const repo = makeRepo(alembicEnv('', 3), { commit: true });
    const fix = twoHeads(repo, 'alembic/versions', INCIDENT[2]);
    expect(fix.startsWith("alembic merge -m 'merge heads' heads")).toBe(true);
    const ran = runFix(repo, fix);
    expect(ran.code, ran.stderr).toBe(0);
    repo.add('alembic');
    expect(check(repo).code).toBe(0);
  });

  it('alembic.ini in backend/ (cd backend)', () => {
    const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
    const fix = twoHeads(repo, 'backend/alembic/versions', INCIDENT[2]);
    expect(fix.startsWith("cd backend && alembic merge -m 'merge heads' heads")).toBe(true);
    expect(runFix(repo, fix).code).toBe(0);
    repo.add('backend');
    expect(check(repo).code).toBe(0);
  });

  it('backend/alembic.ini whose script_location is written from the top (alembic -c backend/alembic.ini)', () => {
    const files = alembicEnv('backend', 3);
    files['backend/alembic.ini'] = '[alembic]\nscript_location = backend/alembic\nsqlalchemy.url = sqlite://\n';
    const repo = makeRepo(files, { commit: true });
    expect(check(repo).json.environments.map((e) => e.name)).toEqual(['backend/alembic']);
    const fix = twoHeads(repo, 'backend/alembic/versions', INCIDENT[2]);
    expect(fix.startsWith("alembic -c backend/alembic.ini merge -m 'merge heads' heads")).toBe(true);
    const ran = runFix(repo, fix);
    expect(ran.code, ran.stderr).toBe(0);
    repo.add('backend');
    expect(check(repo).code).toBe(0);
  });

  it('no alembic.ini names the environment (configured in code): the hand-written merge, which then passes', () => {
    const repo = makeRepo(
      { 'app/db/migration/env.py': ENV_PY, 'app/db/migration/script.py.mako': '', 'app/db/migration/versions/a1.py': migration('a1', null) },
      { commit: true },
    );
    const fix = twoHeads(repo, 'app/db/migration/versions', 'a1');
    expect(fix).toContain('no alembic.ini or pyproject.toml here names this environment');
    expect(fix).toContain(
      "add the merge migration by hand: a new file in app/db/migration/versions/ with revision = '<a new id>', down_revision = ('h1', 'h2')",
    );
    repo.write('app/db/migration/versions/m1.py', migration('m1', ['h1', 'h2'])).add('app');
    expect(check(repo).code).toBe(0);
  });

  it("the project's Python sets version_locations (keystone): no plain alembic merge that would join nothing", () => {
    const files = alembicEnv('pkg/sql', 1);
    files['pkg/sql/upgrades.py'] = "config.set_main_option('version_locations', os.pathsep.join(version_paths))\n";
    const repo = makeRepo(files, { commit: true });
    const fix = twoHeads(repo, 'pkg/sql/alembic/versions/2026.1/expand', INCIDENT[0]);
    expect(fix).toContain("this project's Python sets version_locations, so a plain alembic merge does not see these heads");
    expect(fix).toContain('add the merge migration by hand');
  });
});
