/**
 * Discovery with no alembic-guard configuration: every way a real project tells Alembic where its
 * migrations live. Each case ends the same way — a migration left untracked in the discovered
 * versions directory blocks `check` (exit 1) and is named — which proves discovery feeds the check.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SWEEP_LIMIT } from '../src/alembic/discover.js';
import { alembicEnv, cleanupAll, ENV_PY, incidentRepo, MAKO, makeRepo, migration, type TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

interface JsonEnvironment {
  name: string;
  source: string;
  scriptDir: string | null;
  versions: string[];
  envFiles: string[];
}

interface JsonFinding {
  kind: string;
  severity: string;
  environment: string | null;
  path: string | null;
  role?: string;
  location?: string;
  source?: string;
  problem?: string;
}

interface CheckJson {
  ok: boolean;
  exitCode: number;
  environments: JsonEnvironment[];
  findings: JsonFinding[];
}

function check(repo: TestRepo): { code: number; json: CheckJson } {
  const result = repo.cli(['check', '--format', 'json']);
  expect(result.stderr, 'check wrote to stderr').toBe('');
  const json = JSON.parse(result.stdout) as CheckJson;
  expect(json.exitCode).toBe(result.code);
  return { code: result.code, json };
}

/** kind + path (+ environment) of every finding, sorted, for exact comparisons. */
function fileFindings(json: CheckJson): { kind: string; path: string | null; environment: string | null }[] {
  return json.findings
    .map((f) => ({ kind: f.kind, path: f.path, environment: f.environment }))
    .sort((a, b) => `${a.kind} ${a.path}`.localeCompare(`${b.kind} ${b.path}`));
}

/** A committed environment (script dir + files), then one untracked migration in `versionsDir`. */
function leftBehind(repo: TestRepo, versionsDir: string, name = '002_left_behind', down = '001_first'): string {
  const path = `${versionsDir}/${name}.py`;
  repo.write(path, migration(name, down));
  return path;
}

function expectBlockedOn(repo: TestRepo, path: string, environment: string): CheckJson {
  const { code, json } = check(repo);
  expect(code).toBe(1);
  expect(fileFindings(json)).toEqual([{ kind: 'untracked', path, environment }]);
  return json;
}

const first = migration('001_first', null);

describe('alembic.ini', () => {
  it('script_location = %(here)s/alembic in a subdirectory: <script_location>/versions', () => {
    const repo = incidentRepo('backend');
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(json.environments).toEqual([
      {
        name: 'backend/alembic',
        source: 'backend/alembic.ini [alembic]',
        scriptDir: 'backend/alembic',
        versions: ['backend/alembic/versions'],
        envFiles: ['backend/alembic/env.py', 'backend/alembic/script.py.mako', 'backend/alembic.ini'],
        allowMultipleHeads: false,
      },
    ]);
    expect(json.findings.map((f) => f.path)).toEqual([
      'backend/alembic/versions/009_create_memory_pins.py',
      'backend/alembic/versions/010_add_pin_owner.py',
      'backend/alembic/versions/011_pin_indexes.py',
      'backend/alembic/versions/012_traces.py',
      'backend/alembic/versions/013_trace_links.py',
      'backend/alembic/versions/014_trace_mismatches.py',
    ]);
    expect(new Set(json.findings.map((f) => `${f.kind} ${f.environment} ${f.role}`))).toEqual(new Set(['untracked backend/alembic migration']));
  });

  it('script_location inherited from [DEFAULT] (logging sections inherit it too): one environment, named by [alembic]', () => {
    const repo = makeRepo(
      {
        'alembic.ini': [
          '[DEFAULT]',
          'script_location = %(here)s/db',
          '',
          '[loggers]',
          'keys = root',
          '',
          '[handlers]',
          'keys = console',
          '',
          '[alembic]',
          'sqlalchemy.url = sqlite:///app.db',
          '',
        ].join('\n'),
        'db/env.py': ENV_PY,
        'db/versions/001_first.py': first,
      },
      { commit: true },
    );
    const path = leftBehind(repo, 'db/versions');
    const json = expectBlockedOn(repo, path, 'db');
    expect(json.environments).toHaveLength(1);
    expect(json.environments[0]).toMatchObject({ name: 'db', source: 'alembic.ini [alembic]', versions: ['db/versions'] });
  });

  it("a relative script_location is taken from the ini file's directory", () => {
    const repo = makeRepo(
      {
        'services/api/alembic.ini': '[alembic]\nscript_location = migrations\n',
        'services/api/migrations/env.py': ENV_PY,
        'services/api/migrations/versions/001_first.py': first,
        // A decoy at the repository root with the same relative name: it must not be chosen.
        'migrations/README': 'not alembic\n',
      },
      { commit: true },
    );
    const path = leftBehind(repo, 'services/api/migrations/versions');
    const json = expectBlockedOn(repo, path, 'services/api/migrations');
    expect(json.environments.map((e) => e.versions)).toEqual([['services/api/migrations/versions']]);
  });

  it('a second named section ([db2]) is its own environment, named after the section', () => {
    const repo = makeRepo(
      {
        'alembic.ini': ['[alembic]', 'script_location = %(here)s/main_db', '', '[db2]', 'script_location = %(here)s/second_db', ''].join('\n'),
        'main_db/env.py': ENV_PY,
        'main_db/versions/001_first.py': first,
        'second_db/env.py': ENV_PY,
        'second_db/versions/001_first.py': first,
      },
      { commit: true },
    );
    const path = leftBehind(repo, 'second_db/versions');
    const json = expectBlockedOn(repo, path, 'second_db [db2]');
    expect(json.environments.map((e) => [e.name, e.source, e.versions])).toEqual([
      ['main_db', 'alembic.ini [alembic]', ['main_db/versions']],
      ['second_db [db2]', 'alembic.ini [db2]', ['second_db/versions']],
    ]);
  });

  it('the Alembic 1.16 template (path_separator = os, version_locations commented out): <script_location>/versions', () => {
    const repo = makeRepo(
      {
        'alembic.ini': [
          '# A generic, single database configuration.',
          '',
          '[alembic]',
          '# path to migration scripts.',
          'script_location = %(here)s/alembic',
          '',
          'prepend_sys_path = .',
          '',
          '# version_locations = %(here)s/bar:%(here)s/bat:%(here)s/alembic/versions',
          'path_separator = os',
          '',
          'sqlalchemy.url = driver://user:pass@localhost/dbname',
          '',
        ].join('\n'),
        'alembic/env.py': ENV_PY,
        'alembic/script.py.mako': MAKO,
        'alembic/versions/001_first.py': first,
      },
      { commit: true },
    );
    const path = leftBehind(repo, 'alembic/versions');
    const json = expectBlockedOn(repo, path, 'alembic');
    expect(json.environments[0].versions).toEqual(['alembic/versions']);
  });

  describe('version_locations', () => {
    // Each case names versions directories v1 and v2 (relative to the ini's directory) and
    // leaves the untracked migration in v2: Alembic uses exactly these, not <script>/versions.
    const cases: { name: string; lines: string[] }[] = [
      { name: 'path_separator = os (":" here)', lines: ['path_separator = os', 'version_locations = %(here)s/v1:%(here)s/v2'] },
      { name: 'path_separator = space', lines: ['path_separator = space', 'version_locations = %(here)s/v1 %(here)s/v2'] },
      {
        name: 'path_separator = newline, on continuation lines',
        lines: ['path_separator = newline', 'version_locations =', '    %(here)s/v1', '    %(here)s/v2'],
      },
      { name: 'path_separator = :', lines: ['path_separator = :', 'version_locations = v1:v2'] },
      { name: 'path_separator = ;', lines: ['path_separator = ;', 'version_locations = %(here)s/v1;%(here)s/v2'] },
      { name: 'the legacy version_path_separator = ;', lines: ['version_path_separator = ;', 'version_locations = v1;v2'] },
      { name: 'the legacy version_path_separator = os', lines: ['version_path_separator = os', 'version_locations = v1:v2'] },
      { name: 'path_separator wins over version_path_separator', lines: ['path_separator = ;', 'version_path_separator = space', 'version_locations = v1;v2'] },
      { name: 'no separator: the legacy comma rule', lines: ['version_locations = %(here)s/v1, %(here)s/v2'] },
      { name: 'no separator: the legacy space rule', lines: ['version_locations = %(here)s/v1   %(here)s/v2'] },
      { name: 'no separator, continuation lines', lines: ['version_locations = %(here)s/v1,', '    %(here)s/v2'] },
      { name: 'separator set in [DEFAULT]', lines: ['version_locations = v1;v2'] },
    ];
    for (const { name, lines } of cases) {
      it(name, () => {
        const defaults = name.includes('[DEFAULT]') ? '[DEFAULT]\npath_separator = ;\n\n' : '';
        const repo = makeRepo(
          {
            'db/alembic.ini': `${defaults}[alembic]\nscript_location = %(here)s/scripts\n${lines.join('\n')}\n`,
            'db/scripts/env.py': ENV_PY,
            'db/v1/001_first.py': first,
            'db/v2/.keep': '',
          },
          { commit: true },
        );
        const path = leftBehind(repo, 'db/v2');
        const json = expectBlockedOn(repo, path, 'db/scripts');
        expect(json.environments.map((e) => e.versions)).toEqual([['db/v1', 'db/v2']]);
      });
    }

    it('a path separator that is not used leaves one location (spaces kept inside the path)', () => {
      const repo = makeRepo(
        {
          'alembic.ini': '[alembic]\nscript_location = %(here)s/alembic\npath_separator = os\nversion_locations = %(here)s/my versions\n',
          'alembic/env.py': ENV_PY,
          'my versions/001_first.py': first,
        },
        { commit: true },
      );
      const path = leftBehind(repo, 'my versions');
      const json = expectBlockedOn(repo, path, 'alembic');
      expect(json.environments[0].versions).toEqual(['my versions']);
    });
  });
});

describe('pyproject.toml [tool.alembic]', () => {
  it('script_location and version_locations as a list', () => {
    const repo = makeRepo(
      {
        'pyproject.toml': [
          '[project]',
          'name = "app"',
          '',
          '[tool.alembic]',
          'script_location = "%(here)s/alembic"',
          'version_locations = ["%(here)s/alembic/versions", "%(here)s/plugins/billing/versions"]',
          '',
        ].join('\n'),
        // Alembic 1.16's pyproject template keeps alembic.ini for the URL and logging only.
        'alembic.ini': '[alembic]\nsqlalchemy.url = sqlite:///app.db\n\n[loggers]\nkeys = root\n',
        'alembic/env.py': ENV_PY,
        'alembic/script.py.mako': MAKO,
        'alembic/versions/001_first.py': first,
        'plugins/billing/versions/.keep': '',
      },
      { commit: true },
    );
    const path = leftBehind(repo, 'plugins/billing/versions');
    const json = expectBlockedOn(repo, path, 'alembic');
    expect(json.environments).toHaveLength(1);
    expect(json.environments[0]).toMatchObject({
      source: 'pyproject.toml [tool.alembic]',
      versions: ['alembic/versions', 'plugins/billing/versions'],
    });
    expect(json.environments[0].envFiles).toContain('pyproject.toml');
  });

  it('alembic.ini and pyproject.toml naming the same environment: one environment carrying both files', () => {
    const repo = makeRepo(
      {
        ...alembicEnv('', 1),
        'pyproject.toml': '[tool.alembic]\nscript_location = "%(here)s/alembic"\n',
      },
      { commit: true },
    );
    const path = leftBehind(repo, 'alembic/versions', '002_users', '001_initial');
    const json = expectBlockedOn(repo, path, 'alembic');
    expect(json.environments).toHaveLength(1);
    expect(json.environments[0].envFiles).toEqual(expect.arrayContaining(['alembic.ini', 'pyproject.toml']));
  });

  it('a relative script_location in a subdirectory pyproject, no version_locations: <script_location>/versions', () => {
    const repo = makeRepo(
      {
        'backend/pyproject.toml': '[tool.alembic]\nscript_location = "migrations"\n',
        'backend/migrations/env.py': ENV_PY,
        'backend/migrations/versions/001_first.py': first,
      },
      { commit: true },
    );
    const path = leftBehind(repo, 'backend/migrations/versions');
    const json = expectBlockedOn(repo, path, 'backend/migrations');
    expect(json.environments.map((e) => [e.source, e.versions])).toEqual([['backend/pyproject.toml [tool.alembic]', ['backend/migrations/versions']]]);
  });
});

describe('Flask-Migrate', () => {
  const flaskIni = [
    '# A generic, single database configuration.',
    '',
    '[alembic]',
    '# template used to generate migration files',
    '# file_template = %%(rev)s_%%(slug)s',
    '',
    "# set to 'true' to run the environment during",
    "# the 'revision' command, regardless of autogenerate",
    '# revision_environment = false',
    '',
    '',
    '# Logging configuration',
    '[loggers]',
    'keys = root,sqlalchemy,alembic,flask_migrate',
    '',
  ].join('\n');

  for (const base of ['', 'app/']) {
    it(`${base}migrations/alembic.ini with no script_location means the ini's own directory`, () => {
      const repo = makeRepo(
        {
          [`${base}migrations/alembic.ini`]: flaskIni,
          [`${base}migrations/env.py`]: ENV_PY,
          [`${base}migrations/script.py.mako`]: MAKO,
          [`${base}migrations/README`]: 'Single-database configuration for Flask.\n',
          [`${base}migrations/versions/001_first.py`]: first,
        },
        { commit: true },
      );
      const path = leftBehind(repo, `${base}migrations/versions`);
      const json = expectBlockedOn(repo, path, `${base}migrations`);
      expect(json.environments).toEqual([
        expect.objectContaining({
          name: `${base}migrations`,
          source: `${base}migrations/alembic.ini (Flask-Migrate)`,
          scriptDir: `${base}migrations`,
          versions: [`${base}migrations/versions`],
        }),
      ]);
      expect(json.environments[0].envFiles).toContain(`${base}migrations/alembic.ini`);
    });
  }
});

describe('configured in Python code (env.py beside versions/, no ini)', () => {
  it('openstack/neutron layout: a package directory with env.py and versions/', () => {
    const scriptDir = 'neutron/db/migration/alembic_migrations';
    const repo = makeRepo(
      {
        'neutron/db/migration/__init__.py': '',
        'neutron/db/migration/cli.py': 'from alembic.config import Config\n',
        [`${scriptDir}/__init__.py`]: '',
        [`${scriptDir}/env.py`]: ENV_PY,
        [`${scriptDir}/script.py.mako`]: MAKO,
        [`${scriptDir}/versions/001_first.py`]: first,
      },
      { commit: true },
    );
    const path = leftBehind(repo, `${scriptDir}/versions`);
    const json = expectBlockedOn(repo, path, scriptDir);
    expect(json.environments).toEqual([
      expect.objectContaining({ scriptDir, versions: [`${scriptDir}/versions`], source: `${scriptDir}/env.py (env.py beside versions/)` }),
    ]);
  });

  it('an env.py with no versions/ beside it is not an environment', () => {
    const repo = makeRepo({ 'tools/env.py': 'import os\n', 'tools/versions.txt': '1\n' }, { commit: true });
    repo.write('tools/new.py', 'x = 1\n');
    const { code, json } = check(repo);
    expect(code).toBe(0);
    expect(json.environments).toEqual([]);
    expect(json.findings).toEqual([]);
  });
});

describe('script_location = package:path', () => {
  const cases: { location: string; dir: string }[] = [
    { location: 'myapp:migrations', dir: 'myapp/migrations' },
    { location: 'myapp:migrations', dir: 'src/myapp/migrations' },
    { location: 'myapp.db:alembic', dir: 'myapp/db/alembic' },
    // Alembic splits on every colon (alembic/util/pyfiles.py, coerce_resource_to_filename).
    { location: 'myapp:db:migrations', dir: 'myapp/db/migrations' },
  ];
  for (const { location, dir } of cases) {
    it(`${location} resolves to ${dir}`, () => {
      const repo = makeRepo(
        {
          'alembic.ini': `[alembic]\nscript_location = ${location}\n`,
          [`${dir}/env.py`]: ENV_PY,
          [`${dir}/versions/001_first.py`]: first,
        },
        { commit: true },
      );
      const path = leftBehind(repo, `${dir}/versions`);
      const json = expectBlockedOn(repo, path, dir);
      expect(json.environments).toEqual([expect.objectContaining({ source: 'alembic.ini [alembic]', scriptDir: dir, versions: [`${dir}/versions`] })]);
      expect(json.environments[0].envFiles).toContain('alembic.ini');
    });
  }

  const PREFECT = 'src/prefect/server/database';
  /** PrefectHQ/prefect's layout: its real alembic.ini, env.py choosing versions/<dialect> in code. */
  function prefectRepo(dialects: string[]): TestRepo {
    const files: Record<string, string> = {
      'src/prefect/__init__.py': '',
      [`${PREFECT}/alembic.ini`]: [
        '[alembic]',
        'script_location = prefect:server:database:_migrations',
        '',
        'prepend_sys_path = .',
        'revision_environment = true',
        '',
        'file_template = %%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d%%(second).2d_%%(rev)s_%%(slug)s',
        '',
      ].join('\n'),
      // prefect's env.py: `context.script.version_locations = [db_interface.orm.versions_dir]`
      [`${PREFECT}/_migrations/env.py`]: `${ENV_PY}context.script.version_locations = [versions_dir_for(dialect)]\n`,
      [`${PREFECT}/_migrations/script.py.mako`]: MAKO,
    };
    for (const dialect of dialects) {
      files[`${PREFECT}/_migrations/versions/${dialect}/2022_01_20_${dialect}_initial.py`] = migration(`${dialect}_1`, null);
    }
    return makeRepo(files, { commit: true });
  }

  it('prefect: script_location = prefect:server:database:_migrations resolves under src/ (no unresolved warning)', () => {
    const repo = prefectRepo(['postgresql']);
    const path = `${PREFECT}/_migrations/versions/postgresql/2022_02_13_block_data.py`;
    repo.write(path, migration('postgresql_2', 'postgresql_1'));
    const json = expectBlockedOn(repo, path, `${PREFECT}/_migrations`);
    expect(json.environments).toEqual([expect.objectContaining({ source: `${PREFECT}/alembic.ini [alembic]`, versions: [`${PREFECT}/_migrations/versions`] })]);
  });

  // prefect's env.py points Alembic at versions/postgresql OR versions/sqlite at run time: two
  // chains that never refer to each other are two graphs, not two heads. Subdirectories that do
  // refer to each other (openstack/neutron, a folder a year) stay one graph.
  it('prefect: a clean repository with one chain per dialect passes (versions/postgresql and versions/sqlite are separate graphs)', () => {
    const repo = prefectRepo(['postgresql', 'sqlite']);
    expect(check(repo)).toMatchObject({ code: 0, json: { findings: [] } });
  });

  it('prefect: each dialect is still judged on its own (two heads in one of them block)', () => {
    const repo = prefectRepo(['postgresql', 'sqlite']);
    const v = `${PREFECT}/_migrations/versions/sqlite`;
    repo.write(`${v}/2022_02_01_a.py`, migration('sqlite_2a', 'sqlite_1')).write(`${v}/2022_02_01_b.py`, migration('sqlite_2b', 'sqlite_1'));
    repo.add();
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(json.findings.map((f) => [f.problem, f.paths])).toEqual([['multiple-heads', [`${v}/2022_02_01_a.py`, `${v}/2022_02_01_b.py`]]]);
  });

  it('subdirectories that refer to each other stay one graph: a fork across them is two heads', () => {
    const ini = { 'alembic.ini': '[alembic]\nscript_location = alembic\nrecursive_version_locations = true\n' };
    const repo = makeRepo(
      { ...alembicEnv('', 0), ...ini, 'alembic/versions/2023/001_a.py': migration('a1', null), 'alembic/versions/2024/002_b.py': migration('b2', 'a1') },
      { commit: true },
    );
    expect(check(repo).code).toBe(0);
    repo.write('alembic/versions/2024/003_c.py', migration('c3', 'a1')).add();
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(json.findings.map((f) => f.problem)).toEqual(['multiple-heads']);
  });

  it('a package that is not in the repository is an unresolved-location warning (exit 0)', () => {
    const repo = makeRepo({ 'alembic.ini': '[alembic]\nscript_location = somelib:migrations\n', 'README.md': '# app\n' }, { commit: true });
    const { code, json } = check(repo);
    expect(code).toBe(0);
    expect(json.environments).toEqual([]);
    expect(json.findings).toEqual([
      expect.objectContaining({
        kind: 'unresolved-location',
        severity: 'warning',
        source: 'alembic.ini [alembic]',
        location: 'somelib:migrations',
      }),
    ]);
  });

  it('an unresolved section does not hide a resolvable one; the left-behind migration still blocks', () => {
    const repo = makeRepo(
      {
        'alembic.ini': '[alembic]\nscript_location = %(here)s/alembic\n\n[plugin]\nscript_location = somelib:migrations\n',
        'alembic/env.py': ENV_PY,
        'alembic/versions/001_first.py': first,
      },
      { commit: true },
    );
    const path = leftBehind(repo, 'alembic/versions');
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(fileFindings(json)).toEqual([
      { kind: 'unresolved-location', path: null, environment: null },
      { kind: 'untracked', path, environment: 'alembic' },
    ]);
  });
});

describe('files git does not track yet', () => {
  it('an ignored root alembic.ini (it holds the database URL) is discovered, and stays local without a finding', () => {
    const files = alembicEnv('', 1);
    const repo = makeRepo({ ...files, '.gitignore': 'alembic.ini\n' });
    repo.add('.gitignore', 'alembic/env.py', 'alembic/script.py.mako', 'alembic/versions').commit('env, ini ignored');
    const path = 'alembic/versions/002_users.py';
    repo.write(path, migration('002_users', '001_initial'));
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(json.environments).toEqual([expect.objectContaining({ name: 'alembic', versions: ['alembic/versions'] })]);
    expect(json.environments[0].envFiles).toContain('alembic.ini');
    expect(json.findings.map((f) => [f.kind, f.path, f.role])).toEqual([['untracked', path, 'migration']]);
  });

  it('an ignored migrations/alembic.ini of Flask-Migrate is discovered too', () => {
    const repo = makeRepo({
      '.gitignore': 'migrations/alembic.ini\n',
      'migrations/alembic.ini': '[alembic]\n\n[loggers]\nkeys = root\n',
      'migrations/env.py': ENV_PY,
      'migrations/versions/001_first.py': first,
    });
    repo.add().commit('flask env');
    const path = leftBehind(repo, 'migrations/versions');
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(fileFindings(json)).toEqual([{ kind: 'untracked', path, environment: 'migrations' }]);
  });

  it('an ignored alembic.ini in a subdirectory, beside the script directory, is discovered too', () => {
    const repo = makeRepo({ ...alembicEnv('backend', 1), '.gitignore': 'alembic.ini\n' });
    repo.add().commit('env, ini ignored');
    expect(repo.git(['ls-files', 'backend/alembic.ini']).stdout).toBe('');
    const path = leftBehind(repo, 'backend/alembic/versions', '002_users', '001_initial');
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(json.environments).toEqual([expect.objectContaining({ name: 'backend/alembic', source: 'backend/alembic.ini [alembic]' })]);
    expect(fileFindings(json)).toEqual([{ kind: 'untracked', path, environment: 'backend/alembic' }]);
  });

  it('right after `alembic init` (nothing added): the environment is discovered and its files reported untracked', () => {
    const repo = makeRepo({ 'README.md': '# app\n' }, { commit: true });
    for (const [path, content] of Object.entries(alembicEnv('', 0))) repo.write(path, content);
    repo.write('alembic/README', 'Generic single-database configuration.\n');
    const path = 'alembic/versions/001_initial.py';
    repo.write(path, migration('001_initial', null));
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(json.environments).toEqual([expect.objectContaining({ name: 'alembic', versions: ['alembic/versions'] })]);
    expect(json.findings.map((f) => [f.kind, f.path, f.role]).sort()).toEqual([
      ['untracked', 'alembic.ini', 'env-file'],
      ['untracked', 'alembic/env.py', 'env-file'],
      ['untracked', 'alembic/script.py.mako', 'env-file'],
      ['untracked', path, 'migration'],
    ]);
    repo.add();
    expect(check(repo).code).toBe(0);
  });

  it('right after `alembic init` in a top-level folder (backend/) or `flask db init`: found where those commands put them', () => {
    const repo = makeRepo({ 'README.md': '# app\n', 'frontend/package.json': '{}\n' }, { commit: true });
    for (const [path, content] of Object.entries(alembicEnv('backend', 0))) repo.write(path, content);
    repo.write('backend/alembic/versions/001_initial.py', migration('001_initial', null));
    repo.write('api/migrations/alembic.ini', '[alembic]\n');
    repo.write('api/migrations/env.py', ENV_PY);
    repo.write('api/migrations/versions/001_api.py', migration('001_api', null));
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(json.environments.map((e) => e.name).sort()).toEqual(['api/migrations', 'backend/alembic']);
    expect(fileFindings(json).filter((f) => f.path?.includes('/versions/'))).toEqual([
      { kind: 'untracked', path: 'api/migrations/versions/001_api.py', environment: 'api/migrations' },
      { kind: 'untracked', path: 'backend/alembic/versions/001_initial.py', environment: 'backend/alembic' },
    ]);
  });

  it(`past ${SWEEP_LIMIT} top-level folders, the sweep is remembered until the top level changes`, () => {
    const repo = makeRepo({ ...alembicEnv('backend', 2) }, { commit: true });
    for (let i = 0; i <= SWEEP_LIMIT; i += 1) mkdirSync(join(repo.dir, `pkg${String(i).padStart(4, '0')}`));
    expect(check(repo).code).toBe(0); // the sweep: nothing found, and remembered
    // Inside a folder that was there: the top level has not changed, so the sweep is not redone.
    repo.write('pkg0007/alembic.ini', '[alembic]\nscript_location = alembic\n');
    repo.write('pkg0007/alembic/env.py', ENV_PY);
    repo.write('pkg0007/alembic/versions/001_pkg.py', migration('001_pkg', null));
    expect(check(repo).json.environments.map((e) => e.name)).toEqual(['backend/alembic']);
    // Anything new at the top (here a folder `alembic init` made): swept again, and found.
    repo.write('service/alembic.ini', '[alembic]\nscript_location = alembic\n');
    repo.write('service/alembic/env.py', ENV_PY);
    const { code, json } = check(repo);
    expect(json.environments.map((e) => e.name).sort()).toEqual(['backend/alembic', 'pkg0007/alembic', 'service/alembic']);
    expect(code).toBe(1);
    // With fewer folders there is no memory: every check sweeps, inside existing folders too.
    const small = makeRepo({ ...alembicEnv('backend', 2), 'tools/README.md': 'tools\n' }, { commit: true });
    expect(check(small).code).toBe(0);
    small.write('tools/alembic.ini', '[alembic]\nscript_location = alembic\n');
    small.write('tools/alembic/env.py', ENV_PY);
    expect(
      check(small)
        .json.environments.map((e) => e.name)
        .sort(),
    ).toEqual(['backend/alembic', 'tools/alembic']);
  });

  it('an untracked copy that git ignores (a build output) is not an environment', () => {
    const repo = makeRepo({ 'README.md': '# app\n', '.gitignore': 'out/\n' }, { commit: true });
    repo.write('out/alembic/env.py', ENV_PY);
    repo.write('out/alembic/versions/001_initial.py', migration('001_initial', null));
    const { code, json } = check(repo);
    expect(json.environments).toEqual([]);
    expect(code).toBe(0);
  });
});

describe('what counts as a migration in a versions directory', () => {
  it('*.py, in subdirectories too; not __init__*, .#* lock files, __pycache__/ or other extensions', () => {
    const repo = makeRepo(
      { ...alembicEnv('', 1), 'alembic.ini': '[alembic]\nscript_location = alembic\nrecursive_version_locations = true\n' },
      { commit: true },
    );
    const v = 'alembic/versions';
    repo.write(`${v}/2024/002_users.py`, migration('002_users', '001_initial'));
    repo.write(`${v}/__init__.py`, '');
    repo.write(`${v}/__init__backup.py`, 'revision = "x"\n');
    repo.write(`${v}/__pycache__/001_initial.cpython-312.pyc`, Buffer.from([0x6f, 0x0d, 0x0d, 0x0a]));
    repo.write(`${v}/__pycache__/stray.py`, 'revision = "y"\n');
    repo.write(`${v}/2024/__pycache__/nested.py`, 'revision = "z"\n');
    repo.write(`${v}/notes.txt`, 'remember\n');
    repo.write(`${v}/README`, 'versions\n');
    repo.write(`${v}/003_old.py.bak`, 'revision = "w"\n');
    repo.write(`${v}/003_old.pyc`, 'compiled\n');
    // Emacs lock files are dangling symlinks named .#<file>.
    symlinkSync('user@host.12345:1700000000', join(repo.dir, `${v}/.#003_draft.py`));
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(fileFindings(json)).toEqual([{ kind: 'untracked', path: `${v}/2024/002_users.py`, environment: 'alembic' }]);
    repo.add(`${v}/2024/002_users.py`);
    expect(check(repo)).toMatchObject({ code: 0, json: { findings: [] } });
  });

  it('migrations with any name are migrations (Alembic loads every *.py), including ones in nested directories', () => {
    const repo = makeRepo(alembicEnv('', 1), { commit: true });
    const path = 'alembic/versions/a/b/c/helper.py';
    repo.write(path, migration('002_helper', '001_initial'));
    expectBlockedOn(repo, path, 'alembic');
  });
});

describe('revision scripts with no environment file in the repository (a plugin repository)', () => {
  it("indico-plugins layout: each plugin's migrations folder is its own environment", () => {
    const repo = makeRepo(
      {
        'citadel/indico_citadel/__init__.py': '',
        'citadel/indico_citadel/migrations/.no-header': '',
        'citadel/indico_citadel/migrations/20210330_1742_001_first.py': first,
        'livesync/indico_livesync/migrations/.no-header': '',
        'livesync/indico_livesync/migrations/20170630_1557_a1_create.py': migration('a1', null),
        'livesync/indico_livesync/migrations/20201023_1224_a2_more.py': migration('a2', 'a1'),
      },
      { commit: true },
    );
    const path = leftBehind(repo, 'citadel/indico_citadel/migrations');
    const json = expectBlockedOn(repo, path, 'citadel/indico_citadel/migrations');
    expect(json.environments.map((e) => [e.name, e.scriptDir, e.versions])).toEqual([
      ['citadel/indico_citadel/migrations', null, ['citadel/indico_citadel/migrations']],
      ['livesync/indico_livesync/migrations', null, ['livesync/indico_livesync/migrations']],
    ]);
    expect(json.environments[0].source).toContain('no alembic.ini or env.py in this repository');
    repo.git(['add', '--', path]);
    expect(check(repo).code).toBe(0);
  });

  it('Django migrations (a class Migration, no revision variables) are not Alembic', () => {
    const repo = makeRepo(
      {
        'shop/migrations/__init__.py': '',
        'shop/migrations/0001_initial.py':
          'from django.db import migrations\n\nclass Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n',
      },
      { commit: true },
    );
    repo.write('shop/migrations/0002_more.py', 'from django.db import migrations\n');
    const { code, json } = check(repo);
    expect(code).toBe(0);
    expect(json.environments).toEqual([]);
  });

  it('is not used when the repository has an environment of its own', () => {
    const repo = makeRepo({ ...alembicEnv('', 1), 'plugin/migrations/p1_first.py': migration('p1', null) }, { commit: true });
    const { json } = check(repo);
    expect(json.environments.map((e) => e.name)).toEqual(['alembic']);
  });
});
