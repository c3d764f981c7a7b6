// verify with several environments, each recording its revisions in its own table (ckan's
// plugins: `<plugin>_alembic_version`, set in env.py's context.configure()). Every table is read
// and compared with its own environment's migrations, and the report says which table it read.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresForFile } from './helpers/postgres.js';
import { cleanupAll, makeRepo, migration, tempDir, type TestRepo } from './helpers/repo.js';
import { sqliteFile } from './helpers/sqlite.js';

const PASSWORD = 'T4bles-p4ss';
const PG = postgresForFile(PASSWORD);
const pgAvailable = PG.available;
let dbCounter = 0;

afterAll(cleanupAll);

const INI = '[alembic]\nscript_location = %(here)s\nsqlalchemy.url = postgresql://ckan_default:pass@localhost/ckan_default\n\n[loggers]\nkeys = root\n';
const CORE_ENV = 'from alembic import context\n\ndef run_migrations_online():\n    context.configure(connection=connection, target_metadata=None)\n';
/** env.py as a plugin writes it: the table passed to both configure() calls. */
const pluginEnv = (table: string) =>
  [
    '# -*- coding: utf-8 -*-',
    'from alembic import context',
    '',
    `VERSION_TABLE = u"${table}"`,
    '',
    'def run_migrations_offline():',
    '    context.configure(',
    '        url=url, target_metadata=target_metadata, literal_binds=True,',
    `        version_table=u'${table}',  # one of ckan's plugins`,
    '    )',
    '',
    'def run_migrations_online():',
    '    with connectable.connect() as connection:',
    '        context.configure(connection=connection, version_table=VERSION_TABLE)',
    '',
  ].join('\n');
/** ckan's own shape: the table computed from the folder name when env.py runs. */
const COMPUTED_ENV = [
  'import os',
  'from alembic import context',
  'name = os.path.basename(os.path.dirname(__file__))',
  '',
  'def run_migrations_online():',
  '    context.configure(',
  '        connection=connection,',
  "        version_table=u'{}_alembic_version'.format(name),",
  '    )',
  '',
].join('\n');

/** ckan's layout: core in ckan/migration, each plugin in ckanext/<p>/migration/<p>. */
function ckanLike(pluginEnvPy = pluginEnv('activity_alembic_version')): TestRepo {
  const files: Record<string, string> = {
    'ckan/migration/alembic.ini': INI,
    'ckan/migration/env.py': CORE_ENV,
    'ckan/migration/versions/001_core.py': migration('c001', null),
    'ckan/migration/versions/002_core.py': migration('c002', 'c001'),
    'ckanext/activity/migration/activity/alembic.ini': INI,
    'ckanext/activity/migration/activity/env.py': pluginEnvPy,
    'ckanext/activity/migration/activity/versions/a1_activity.py': migration('a001', null),
    'ckanext/activity/migration/activity/versions/a2_activity.py': migration('a002', 'a001'),
  };
  return makeRepo(files, { commit: true });
}

async function database(tables: Record<string, string[]>, schema?: string): Promise<string> {
  const name = `tables_${++dbCounter}`;
  await PG.server().psql(`CREATE DATABASE ${name} OWNER app`);
  if (schema) await PG.server().psql(`CREATE SCHEMA ${schema} AUTHORIZATION app`, name);
  for (const [table, revisions] of Object.entries(tables)) {
    const q = schema ? `${schema}.${table}` : table;
    await PG.server().psql(`CREATE TABLE ${q} (version_num varchar(32) NOT NULL PRIMARY KEY); ALTER TABLE ${q} OWNER TO app`, name);
    for (const r of revisions) await PG.server().psql(`INSERT INTO ${q} VALUES ('${r}')`, name);
  }
  return PG.server().url(name, 'app', PASSWORD);
}

interface Report {
  findings: {
    kind: string;
    severity: string;
    environment: string | null;
    table?: string;
    revision?: string;
    environments?: string[];
    revisions?: string[] | null;
    path?: string;
    line?: number;
  }[];
  database: { tables: { table: string; schema: string | null; environments: string[]; state: string; revisions: string[] }[] };
}
function verify(repo: TestRepo, url: string) {
  const result = repo.cli(['verify', '--db-url', url, '--format', 'json']);
  return { code: result.code, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
}

const CORE = 'ckan/migration';
const ACTIVITY = 'ckanext/activity/migration/activity';

describe.skipIf(!pgAvailable)("verify reads each environment's version table (PostgreSQL)", () => {
  it('a plugin table holding an unknown revision fails, naming the table; the core table is read too', async () => {
    const repo = ckanLike();
    const url = await database({ alembic_version: ['c002'], activity_alembic_version: ['a999_unknown'] });
    const { code, report } = verify(repo, url);
    expect(code).toBe(1);
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([
      expect.objectContaining({ kind: 'database-ahead', revision: 'a999_unknown', table: 'activity_alembic_version', environment: ACTIVITY }),
    ]);
    expect(report.findings).toContainEqual(
      expect.objectContaining({ kind: 'database-current', revision: 'c002', table: 'alembic_version', environment: CORE }),
    );
    expect(report.database.tables).toEqual([
      { table: 'alembic_version', schema: null, environments: [CORE], state: 'ok', revisions: ['c002'] },
      { table: 'activity_alembic_version', schema: null, environments: [ACTIVITY], state: 'ok', revisions: ['a999_unknown'] },
    ]);
    const text = repo.cli(['verify', '--db-url', url]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('(table activity_alembic_version) is at a999_unknown');
    expect(text.stdout).toContain('Version tables read');
    expect(text.stdout).toContain(`activity_alembic_version for ${ACTIVITY}: at a999_unknown`);
    expect(text.stdout + text.stderr).not.toContain(PASSWORD);
  });

  it('each table at its own head passes; a plugin revision is not looked for in the core table', async () => {
    const repo = ckanLike();
    const { code, report } = verify(repo, await database({ alembic_version: ['c002'], activity_alembic_version: ['a001'] }));
    expect(code).toBe(0);
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'database-behind', revision: 'a001', table: 'activity_alembic_version' }));
    // the core revision in the plugin's table would be ahead of the plugin
    const crossed = verify(repo, await database({ alembic_version: ['c002'], activity_alembic_version: ['c002'] }));
    expect(crossed.code).toBe(1);
    expect(crossed.report.findings).toContainEqual(expect.objectContaining({ kind: 'database-ahead', table: 'activity_alembic_version', revision: 'c002' }));
  });

  it('a plugin whose table is not there yet is information, with the table named', async () => {
    const { code, report } = verify(ckanLike(), await database({ alembic_version: ['c002'] }));
    expect(code).toBe(0);
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'database-untracked', table: 'activity_alembic_version', severity: 'info' }));
  });

  it("ckan's real shape, '{}_alembic_version'.format(<the folder's name>), is read without running env.py", async () => {
    const repo = ckanLike(COMPUTED_ENV);
    const { code, report } = verify(repo, await database({ alembic_version: ['c002'], activity_alembic_version: ['a999_unknown'] }));
    expect(code).toBe(1);
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'database-ahead', revision: 'a999_unknown', table: 'activity_alembic_version' }));
    expect(report.findings.map((f) => f.kind)).not.toContain('version-table-unknown');
  });

  it('a table env.py computes from anything else is a warning naming env.py and its line, and the table read', async () => {
    const repo = ckanLike(COMPUTED_ENV.replace("'{}_alembic_version'.format(name)", 'settings.version_table()'));
    const { code, report } = verify(repo, await database({ alembic_version: ['c002'] }));
    expect(code).toBe(0);
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        kind: 'version-table-unknown',
        severity: 'warning',
        environment: ACTIVITY,
        path: `${ACTIVITY}/env.py`,
        line: 8,
        table: 'alembic_version',
      }),
    );
  });

  it('environments[].versionTable and .schema in the configuration name the table', async () => {
    const repo = ckanLike(COMPUTED_ENV);
    repo
      .write(
        '.alembic-guard.json',
        JSON.stringify({
          environments: [
            { name: 'core', versions: [`${CORE}/versions`] },
            { name: 'activity', versions: [`${ACTIVITY}/versions`], versionTable: 'activity_alembic_version', schema: 'plugins' },
          ],
        }),
      )
      .add('.alembic-guard.json')
      .commit('config');
    const url = await database({ alembic_version: ['c002'] });
    await PG.server().psql(
      "CREATE SCHEMA plugins AUTHORIZATION app; CREATE TABLE plugins.activity_alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY); ALTER TABLE plugins.activity_alembic_version OWNER TO app; INSERT INTO plugins.activity_alembic_version VALUES ('a777')",
      `tables_${dbCounter}`,
    );
    const { code, report } = verify(repo, url);
    expect(code).toBe(1);
    expect(report.findings).toContainEqual(
      expect.objectContaining({ kind: 'database-ahead', environment: 'activity', table: 'plugins.activity_alembic_version', revision: 'a777' }),
    );
    expect(report.findings.map((f) => f.kind)).not.toContain('version-table-unknown');
    expect(report.database.tables.map((t) => [t.schema, t.table, t.environments])).toEqual([
      [null, 'alembic_version', ['core']],
      ['plugins', 'activity_alembic_version', ['activity']],
    ]);
  });
});

describe("verify reads each environment's version table (SQLite)", () => {
  it('reads the plugin table named in env.py', () => {
    const repo = ckanLike();
    const file = join(tempDir('ag-sqlite-'), 'ckan.db');
    sqliteFile(
      file,
      [
        ['alembic_version', 'c002'],
        ['activity_alembic_version', 'a555'],
      ]
        .map(([table, revision]) => `CREATE TABLE ${table} (version_num VARCHAR(32) NOT NULL PRIMARY KEY); INSERT INTO ${table} VALUES ('${revision}');`)
        .join('\n'),
    );
    const { code, report } = verify(repo, `sqlite:///${file}`);
    expect(code).toBe(1);
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'database-ahead', table: 'activity_alembic_version', revision: 'a555' }));
  });

  it('rejects a versionTable that is not a plain identifier, naming the key', () => {
    const repo = ckanLike();
    repo.write('.alembic-guard.json', JSON.stringify({ environments: [{ versions: [`${CORE}/versions`], versionTable: 'x; drop' }] }));
    const result = repo.cli(['verify']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"environments[0].versionTable"');
  });
});

describe('versionTableSettings: the static reading of env.py', async () => {
  const { versionTableSettings } = await import('../src/alembic/env-py.js');
  it.each([
    ['context.configure(connection=c, version_table="t1")', 't1'],
    ["context.configure(\n    connection=c,\n    version_table=u'plug_alembic_version',  # note\n)", 'plug_alembic_version'],
    ["TABLE = 'from_constant'\ndef run():\n    context.configure(version_table=TABLE)", 'from_constant'],
    ["context.configure(version_table='a' 'b')", 'ab'],
  ])('reads a literal: %j', (text, table) => {
    expect(versionTableSettings(text).table?.value).toBe(table);
  });

  it('reads version_table_schema, and nothing from comments, strings or other calls', () => {
    const text = [
      '# context.configure(version_table="commented")',
      'doc = "context.configure(version_table=\'in a string\')"',
      'other.setup(version_table="not configure")',
      'context.configure(version_table_schema="ops", version_table="t")',
    ].join('\n');
    expect(versionTableSettings(text)).toEqual({
      table: { value: 't', line: 4, source: '"t"' },
      schema: { value: 'ops', line: 4, source: '"ops"' },
    });
  });

  it.each([
    ["context.configure(version_table='{}_v'.format(name))", "'{}_v'.format(name)"],
    ['context.configure(version_table=f"{name}_v")', 'f"{name}_v"'],
    ['context.configure(version_table=settings.TABLE)', 'settings.TABLE'],
    ["context.configure(version_table='a')\ncontext.configure(version_table='b')", "'a' / 'b'"],
  ])('says when it is computed: %j', (text, source) => {
    expect(versionTableSettings(text).table).toMatchObject({ value: null, source });
  });

  it("reads ckan's table from the folder name, and str.format with literal arguments", () => {
    const ckan = "import os\nname = os.path.basename(os.path.dirname(__file__))\ncontext.configure(version_table=u'{}_alembic_version'.format(name))";
    expect(versionTableSettings(ckan, 'activity').table?.value).toBe('activity_alembic_version');
    expect(versionTableSettings(ckan).table?.value).toBeNull();
    expect(versionTableSettings("P = 'x'\ncontext.configure(version_table='{0}_{{v}}_{0}'.format(P))").table?.value).toBe('x_{v}_x');
    expect(versionTableSettings("context.configure(version_table='{}_{0}'.format('a', 'b'))").table?.value).toBeNull();
  });

  it('no keyword: nothing (Alembic uses alembic_version)', () => {
    expect(versionTableSettings('context.configure(connection=c)\n')).toEqual({});
  });
});
