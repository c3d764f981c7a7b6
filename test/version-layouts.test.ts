/**
 * How real projects lay out their versions directories, each made from the *shape* of one
 * (issue 9): prefect's alternative trees per dialect, neutron's labelled expand/contract branches
 * under `<release>/<branch>/` with labels from a constant module, a copy Alembic never loads in
 * `versions/archive/`, and merge advice that runs in the project (Flask-Migrate, a wrapping
 * manage.py, a configured mergeCommand). Each clean shape passes; the incident still blocks.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAll, ENV_PY, MAKO, makeRepo, migration, type TestRepo } from './helpers/repo.js';

/** The fix for two heads ends with the advice to join them by hand (issue 10, item 9). */
const REPOINT = "; or, where no database has applied them yet, re-point one head's down_revision at the other head's revision";

afterAll(cleanupAll);

interface Finding {
  kind: string;
  severity: string;
  problem?: string;
  path?: string;
  paths?: string[];
  message: string;
  fix?: string;
}

function check(repo: TestRepo): { code: number; findings: Finding[] } {
  const result = repo.cli(['check', '--format', 'json']);
  expect(result.stderr, 'check wrote to stderr').toBe('');
  return { code: result.code, findings: (JSON.parse(result.stdout) as { findings: Finding[] }).findings };
}

interface GraphEnv {
  name: string;
  layout: { loading: string; rule: string; groups: string[] } | null;
  heads: string[];
  revisions: { revision: string; branch_labels: string[]; path: string }[];
  problems: { kind: string; severity: string; message: string }[];
  warnings: unknown[];
}

function graphJson(repo: TestRepo): { code: number; environments: GraphEnv[] } {
  const result = repo.cli(['graph', '--json']);
  return { code: result.code, environments: (JSON.parse(result.stdout) as { environments: GraphEnv[] }).environments };
}

// ---------------------------------------------------------------------------------------------
// prefect: src/prefect/server/database/{alembic.ini,_migrations/{env.py,versions/{postgresql,sqlite}}}

const PREFECT = 'src/prefect/server/database';
const PV = `${PREFECT}/_migrations/versions`;

function prefectRepo(): TestRepo {
  const files: Record<string, string> = {
    [`${PREFECT}/alembic.ini`]: '[alembic]\nscript_location = prefect:server:database:_migrations\nprepend_sys_path = .\npath_separator = os\n',
    [`${PREFECT}/_migrations/env.py`]: `${ENV_PY}context.script.version_locations = [db_interface.orm.versions_dir]\n`,
    [`${PREFECT}/_migrations/script.py.mako`]: MAKO,
  };
  // The same migration per dialect under one id, then each dialect's own.
  for (const dialect of ['postgresql', 'sqlite']) {
    files[`${PV}/${dialect}/2021_01_20_25f4b90a7a42_initial.py`] = migration('25f4b90a7a42', null);
    files[`${PV}/${dialect}/2022_02_13_5f376def75c3_block_data.py`] = migration('5f376def75c3', '25f4b90a7a42');
    files[`${PV}/${dialect}/2022_03_01_${dialect}_only.py`] = migration(`${dialect}_3`, '5f376def75c3');
  }
  return makeRepo(files, { commit: true });
}

describe('prefect: alternative version trees that share revision ids', () => {
  it('a clean checkout passes check and graph; graph and doctor say the trees are alternatives', () => {
    const repo = prefectRepo();
    expect(check(repo)).toEqual({ code: 0, findings: [] });
    const graph = graphJson(repo);
    expect(graph.code).toBe(0);
    expect(graph.environments[0]!.layout).toEqual({ loading: 'code', rule: 'alternatives', groups: [`${PV}/postgresql`, `${PV}/sqlite`] });
    expect(graph.environments[0]!.heads).toEqual(['postgresql_3', 'sqlite_3']);
    expect(repo.cli(['graph']).stdout).toContain('are alternative version trees');
    const doctor = repo.cli(['doctor', '--format', 'json']);
    const envs = (JSON.parse(doctor.stdout) as { environments: { layout: { rule: string } | null }[] }).environments;
    expect(envs.map((e) => e.layout?.rule)).toEqual(['alternatives']);
    expect(repo.cli(['doctor']).stdout).toContain('are alternative version trees');
  });

  it('the incident (two untracked migrations on a head) is still blocked, and passes once staged', () => {
    const repo = prefectRepo();
    const a = `${PV}/sqlite/2022_04_01_aaaa_next.py`;
    const b = `${PV}/sqlite/2022_04_02_bbbb_then.py`;
    repo.write(a, migration('aaaa', 'sqlite_3')).write(b, migration('bbbb', 'aaaa'));
    const blocked = check(repo);
    expect(blocked.code).toBe(1);
    expect(blocked.findings.map((f) => [f.kind, f.path])).toEqual([
      ['untracked', a],
      ['untracked', b],
    ]);
    repo.add();
    expect(check(repo)).toEqual({ code: 0, findings: [] });
  });

  it('a shared id whose copy makes one tree a fork stays a duplicate', () => {
    const repo = prefectRepo();
    repo.write(`${PV}/sqlite/2022_05_01_copy.py`, migration('postgresql_3', '5f376def75c3')).add();
    const { code, findings } = check(repo);
    expect(code).toBe(1);
    expect(findings.map((f) => f.problem)).toContain('duplicate-revision');
  });
});

// ---------------------------------------------------------------------------------------------
// neutron: neutron/db/migration/{alembic.ini,cli.py,alembic_migrations/{env.py,versions/...}}

const NEUTRON = 'neutron/db/migration';
const NV = `${NEUTRON}/alembic_migrations/versions`;
const CLI_PY = [
  'import os',
  '',
  "EXPAND_BRANCH = 'expand'",
  "CONTRACT_BRANCH = 'contract'",
  'MIGRATION_BRANCHES = (EXPAND_BRANCH, CONTRACT_BRANCH)',
  '',
  'def _set_version_locations(config):',
  "    config.set_main_option('version_locations', ' '.join(paths))",
  '',
].join('\n');

/** A neutron-style script: labels through `cli.<CONSTANT>`, as neutron writes them. */
function labelled(revision: string, down: string, constant: string): string {
  return migration(revision, down)
    .replace('branch_labels = None', `branch_labels = (cli.${constant},)`)
    .replace('import sqlalchemy as sa', 'import sqlalchemy as sa\n\nfrom neutron.db.migration import cli');
}

function neutronRepo(): TestRepo {
  return makeRepo(
    {
      [`${NEUTRON}/__init__.py`]: '',
      [`${NEUTRON}/alembic.ini`]: '[alembic]\nscript_location = %(here)s/alembic_migrations\nsqlalchemy.url =\npath_separator = space\n',
      [`${NEUTRON}/cli.py`]: CLI_PY,
      [`${NEUTRON}/alembic_migrations/env.py`]: ENV_PY,
      [`${NEUTRON}/alembic_migrations/script.py.mako`]: MAKO,
      [`${NV}/__init__.py`]: '',
      [`${NV}/kilo_initial.py`]: migration('kilo', null),
      [`${NV}/liberty/expand/599c6a226151_neutrodb_ipam.py`]: labelled('599c6a226151', 'kilo', 'EXPAND_BRANCH'),
      [`${NV}/liberty/expand/354db87e3225_nsxv_vdr_metadata.py`]: migration('354db87e3225', '599c6a226151'),
      [`${NV}/liberty/contract/30018084ec99_initial.py`]: labelled('30018084ec99', 'kilo', 'CONTRACT_BRANCH'),
      [`${NV}/mitaka/contract/4ffceebfada_rbac_network.py`]: migration('4ffceebfada', '30018084ec99'),
      [`${NV}/mitaka/expand/0e66c5227a8a_add_desc_to_standard_attr.py`]: migration('0e66c5227a8a', '354db87e3225'),
    },
    { commit: true },
  );
}

describe('neutron: labelled expand/contract branches, labels from a constant module', () => {
  it('a clean checkout passes with no warning: the labels are read from cli.py, one head per branch', () => {
    const repo = neutronRepo();
    expect(check(repo)).toEqual({ code: 0, findings: [] });
    const graph = graphJson(repo);
    expect(graph.code).toBe(0);
    const env = graph.environments[0]!;
    expect(env.warnings).toEqual([]);
    expect(env.problems).toEqual([]);
    expect(env.heads).toEqual(['0e66c5227a8a', '4ffceebfada']);
    expect(env.revisions.filter((r) => r.branch_labels.length > 0).map((r) => [r.revision, r.branch_labels])).toEqual([
      ['30018084ec99', ['contract']],
      ['599c6a226151', ['expand']],
    ]);
    expect(env.layout).toEqual({ loading: 'code', rule: 'one-graph', groups: [] });
    expect(repo.cli(['graph', '--rev', 'HEAD', '--json']).code).toBe(0);
    expect(repo.cli(['graph', '--worktree', '--json']).code).toBe(0);
  });

  it('a constant that is not a plain literal leaves the parse warning', () => {
    const repo = neutronRepo();
    repo.write(`${NEUTRON}/cli.py`, CLI_PY.replace("EXPAND_BRANCH = 'expand'", "EXPAND_BRANCH = 'exp' + 'and'")).add();
    const { findings } = check(repo);
    expect(findings.filter((f) => f.kind === 'parse-warning').map((f) => f.path)).toEqual([`${NV}/liberty/expand/599c6a226151_neutrodb_ipam.py`]);
  });

  it('a second head on the expand branch blocks, with or without allowMultipleHeads, and names the setting', () => {
    for (const allow of [false, true]) {
      const repo = neutronRepo();
      if (allow) repo.write('.alembic-guard.json', JSON.stringify({ allowMultipleHeads: true }));
      repo.write(`${NV}/mitaka/expand/aaaa_fork.py`, migration('aaaa', '354db87e3225')).add();
      const { code, findings } = check(repo);
      expect(code).toBe(1);
      const heads = findings.filter((f) => f.problem === 'multiple-heads');
      expect(heads).toHaveLength(1);
      expect(heads[0]!.message).toContain('the branch "expand" has 2 heads');
      expect(heads[0]!.message).toContain('allowMultipleHeads');
    }
  });

  it('the incident (two untracked migrations on a head) is still blocked, and passes once staged', () => {
    const repo = neutronRepo();
    const a = `${NV}/mitaka/expand/bbbb_next.py`;
    const b = `${NV}/mitaka/expand/cccc_then.py`;
    repo.write(a, migration('bbbb', '0e66c5227a8a')).write(b, migration('cccc', 'bbbb'));
    expect(check(repo).findings.map((f) => [f.kind, f.path])).toEqual([
      ['untracked', a],
      ['untracked', b],
    ]);
    repo.add();
    expect(check(repo)).toEqual({ code: 0, findings: [] });
  });
});

// ---------------------------------------------------------------------------------------------
// recursive_version_locations

describe('recursive_version_locations: what Alembic loads from subdirectories', () => {
  const base = (ini: string) =>
    makeRepo(
      {
        'alembic.ini': `[alembic]\nscript_location = alembic\n${ini}`,
        'alembic/env.py': ENV_PY,
        'alembic/script.py.mako': MAKO,
        'alembic/versions/001_a.py': migration('001_a', null),
        'alembic/versions/002_b.py': migration('002_b', '001_a'),
        'alembic/versions/archive/002_b_old.py': migration('002_b', '001_a'),
      },
      { commit: true },
    );

  it('without it, a copy in versions/archive/ is a warning that Alembic will not load it, not a duplicate', () => {
    const { code, findings } = check(base(''));
    expect(code).toBe(0);
    expect(findings.map((f) => [f.problem, f.severity, f.paths])).toEqual([['not-loaded', 'warning', ['alembic/versions/archive/002_b_old.py']]]);
    expect(findings[0]!.message).toContain('recursive_version_locations');
  });

  it('with it (alembic.ini or [tool.alembic]), the subdirectory is part of the graph', () => {
    expect(check(base('recursive_version_locations = true\n')).findings.map((f) => f.problem)).toEqual(['duplicate-revision']);
    const repo = base('');
    repo
      .remove('alembic.ini')
      .write('pyproject.toml', '[tool.alembic]\nscript_location = "alembic"\nrecursive_version_locations = true\n')
      .add()
      .commit('pyproject');
    expect(check(repo).findings.map((f) => f.problem)).toEqual(['duplicate-revision']);
  });
});

// ---------------------------------------------------------------------------------------------
// Merge advice that runs in the project

describe('merge advice', () => {
  const flask = (extra: Record<string, string> = {}) => {
    const repo = makeRepo(
      {
        'migrations/alembic.ini': '[alembic]\n# Flask-Migrate\n',
        'migrations/env.py': ENV_PY,
        'migrations/versions/001_a.py': migration('001_a', null),
        'migrations/versions/002_b.py': migration('002_b', '001_a'),
        'migrations/versions/002_c.py': migration('002_c', '001_a'),
        ...extra,
      },
      { commit: false },
    );
    repo.add();
    return repo;
  };
  const heads = (repo: TestRepo) => check(repo).findings.find((f) => f.problem === 'multiple-heads')!;

  it('Flask-Migrate: the text does not contradict the command', () => {
    const f = heads(flask());
    expect(f.fix).toBe(
      `flask db merge -m 'merge heads' heads   (with FLASK_APP naming the app, as for any flask db command; then git add the new migration)${REPOINT}`,
    );
    expect(f.message).not.toContain('alembic merge');
  });

  it('a project wrapped in manage.py (redash) gets both forms once', () => {
    const f = heads(flask({ 'manage.py': 'from redash.cli import manager\nmanager()\n' }));
    expect(f.fix).toContain("flask db merge -m 'merge heads' heads");
    expect(f.fix).toContain("python manage.py db merge -m 'merge heads' heads");
    expect(f.fix!.split("'merge heads'").length).toBe(3); // each form once
  });

  it('mergeCommand (per environment or for all) is the command shown; a wrong type exits 2', () => {
    const repo = flask({ 'manage.py': '' });
    repo.write('.alembic-guard.json', JSON.stringify({ mergeCommand: 'python manage.py db merge heads' }));
    expect(heads(repo).fix).toBe(`python manage.py db merge heads   (then git add the new migration)${REPOINT}`);
    repo.write('.alembic-guard.json', JSON.stringify({ environments: [{ versions: ['migrations/versions'], mergeCommand: 'make db-merge' }] }));
    expect(heads(repo).fix).toBe(`make db-merge   (then git add the new migration)${REPOINT}`);
    repo.write('.alembic-guard.json', JSON.stringify({ environments: [{ versions: ['migrations/versions'], mergeCommand: 3 }] }));
    const bad = repo.cli(['check']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('environments[0].mergeCommand');
  });
});
