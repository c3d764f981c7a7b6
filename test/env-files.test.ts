// alembic.ini kept local on purpose: ignored (it holds the database URL), or with a URL edited
// and not staged. Neither leaves a migration behind; only a change to what decides the scripts
// Alembic loads does, and its fix never stages the password.
import { afterAll, describe, expect, it } from 'vitest';
import { alembicEnv, cleanupAll, INCIDENT, makeRepo, migration, type TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

const V = 'backend/alembic/versions';
const INI = 'backend/alembic.ini';

interface Json {
  ok: boolean;
  findings: { kind: string; path: string | null; fix: string | null; settings?: { loading: string[]; other: string[] } }[];
}
const json = (repo: TestRepo, args = ['check']) => JSON.parse(repo.cli([...args, '--format', 'json']).stdout) as Json;

describe('an alembic.ini that git ignores on purpose', () => {
  const ignoredIni = () => {
    const repo = makeRepo(alembicEnv('backend', 8));
    repo.write('.gitignore', `${INI}\n`);
    repo.add('.gitignore', 'backend/alembic').commit('initial');
    return repo;
  };

  it('blocks no commit and never suggests git add -f for it', () => {
    const repo = ignoredIni();
    const result = repo.cli(['check']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('add -f');
    expect(json(repo).findings).toEqual([]);
  });

  it('still finds the environment through it, and still blocks the incident (and ignored migrations)', () => {
    const repo = ignoredIni();
    repo.write(`${V}/${INCIDENT[8]}.py`, migration(INCIDENT[8], INCIDENT[7]));
    repo.write('.git/info/exclude', `${V}/${INCIDENT[9]}.py\n`).write(`${V}/${INCIDENT[9]}.py`, migration(INCIDENT[9], INCIDENT[8]));
    const result = json(repo);
    expect(result.findings.map((f) => [f.kind, f.path])).toEqual([
      ['untracked', `${V}/${INCIDENT[8]}.py`],
      ['ignored', `${V}/${INCIDENT[9]}.py`],
    ]);
  });

  it('doctor says once, as information, that it stays local', () => {
    const result = ignoredIni().cli(['doctor']);
    expect(result.stdout).toMatch(/ℹ backend\/alembic\.ini is ignored by git \(\.gitignore:1: backend\/alembic\.ini\): it stays on this machine/);
    expect(result.stdout).not.toContain('add -f');
  });
});

describe('local edits of alembic.ini, not staged', () => {
  const committed = () => makeRepo(alembicEnv('backend', 8), { commit: true });
  const edit = (repo: TestRepo, from: string, to: string) => repo.write(INI, repo.read(INI).replace(from, to));
  const URL = 'sqlalchemy.url = driver://user:pass@localhost/dbname';
  const LOCAL = 'sqlalchemy.url = postgresql://me:s3cret@localhost/mine';

  it('a changed sqlalchemy.url blocks nothing (doctor notes it)', () => {
    const repo = edit(committed(), URL, LOCAL);
    const result = repo.cli(['check']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('alembic.ini');
    expect(repo.cli(['doctor']).stdout).toContain(
      `${INI} has local changes that are not staged ([alembic] sqlalchemy.url): they do not change which scripts Alembic loads`,
    );
  });

  it('logging, comments and other keys block nothing either; a partially staged file neither', () => {
    const repo = committed();
    edit(repo, '[loggers]\nkeys = root', '[loggers]\nkeys = root,sqlalchemy\n# local\n');
    repo.add(INI);
    edit(repo, URL, LOCAL);
    expect(repo.cli(['check']).code).toBe(0);
  });

  it('a changed script_location blocks, naming the setting; alone it is staged with git add', () => {
    const repo = edit(
      committed(),
      'script_location = %(here)s/alembic',
      'script_location = %(here)s/alembic\nversion_locations = %(here)s/alembic/versions %(here)s/more',
    );
    const result = json(repo);
    expect(result.ok).toBe(false);
    expect(result.findings).toEqual([
      expect.objectContaining({
        kind: 'unstaged',
        path: INI,
        settings: { loading: ['[alembic] version_locations'], other: [] },
        fix: expect.stringContaining(`git add ${INI}`),
      }),
    ]);
    expect(repo.cli(['check']).stdout).toContain(`${INI}  (modified: [alembic] version_locations, environment file)`);
  });

  it('with the URL changed too, the fix stages only the lines that matter and never the whole file', () => {
    const repo = edit(edit(committed(), URL, LOCAL), '[loggers]', '[alembic:extra]\nscript_location = %(here)s/alembic\n\n[loggers]');
    const result = repo.cli(['check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`git add -p ${INI}`);
    expect(result.stdout).toContain('leave [alembic] sqlalchemy.url unstaged');
    expect(result.stdout).not.toMatch(new RegExp(`git add ${INI.replace('.', '\\.')}`));
    expect(result.stdout).not.toContain('git restore');
    expect(result.stdout).not.toContain('s3cret');
    const finding = json(repo).findings[0]!;
    expect(finding.settings).toEqual({ loading: ['the set of sections', '[alembic:extra] script_location'], other: ['[alembic] sqlalchemy.url'] });
  });

  it('pyproject.toml [tool.alembic]: other tables and keys block nothing; script_location does', () => {
    const repo = makeRepo(
      {
        'pyproject.toml': '[project]\nname = "app"\n\n[tool.alembic]\nscript_location = "%(here)s/migrations"\n',
        'migrations/env.py': 'from alembic import context\n',
        'migrations/script.py.mako': '',
        [`migrations/versions/${INCIDENT[0]}.py`]: migration(INCIDENT[0], null),
      },
      { commit: true },
    );
    repo.write('pyproject.toml', repo.read('pyproject.toml').replace('name = "app"', 'name = "app"\nversion = "2"'));
    expect(repo.cli(['check']).code).toBe(0);
    repo.write('pyproject.toml', repo.read('pyproject.toml').replace('/migrations"', '/migrations"\nrecursive_version_locations = true'));
    const finding = json(repo).findings[0]!;
    expect(finding).toMatchObject({
      kind: 'unstaged',
      path: 'pyproject.toml',
      settings: { loading: ['[tool.alembic] recursive_version_locations'], other: ['[project]'] },
    });
    expect(finding.fix).toContain('git add -p pyproject.toml');
  });
});
