// Configuration files as people write them, broken or odd (issue 13, items 11–13): an
// interpolation bomb in alembic.ini, a UTF-8 BOM in any configuration file, invalid TOML where
// our table could be, a configured location that does not exist. Each is either read as the
// file's own tool reads it, or an exit 2 with one line naming the file (and key or line).
import { afterAll, describe, expect, it } from 'vitest';
import { mayMention } from '../src/toml.js';
import { alembicEnv, cleanupAll, makeRepo, migration, type TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

const V = 'backend/alembic/versions';
const BOM = '\uFEFF';

function check(repo: TestRepo) {
  const result = repo.cli(['check', '--format', 'json'], { env: { ALEMBIC_GUARD_CACHE: '0' } });
  return result;
}

/** A repository whose only environment is found through the given alembic.ini text. */
function withIni(ini: string): TestRepo {
  const files = alembicEnv('backend', 2);
  files['backend/alembic.ini'] = ini;
  return makeRepo(files, { commit: true });
}

describe('%(x)s interpolation in alembic.ini (item 11)', () => {
  const bombs: [string, string, string][] = [
    // name, ini, the key named
    [
      'references that double at every level',
      `[alembic]\nscript_location = %(here)s/alembic\nversion_locations = %(a0)s\n${Array.from({ length: 9 }, (_, i) => `a${i} = %(a${i + 1})s%(a${i + 1})s%(a${i + 1})s%(a${i + 1})s%(a${i + 1})s%(a${i + 1})s%(a${i + 1})s%(a${i + 1})s`).join('\n')}\na9 = ${'x'.repeat(4000)}\n`,
      'version_locations',
    ],
    ['a reference to itself', '[alembic]\nscript_location = %(script_location)s/alembic\n', 'script_location'],
    ['two keys naming each other', '[alembic]\nscript_location = %(here)s/%(a)s\na = %(b)s\nb = %(a)s\n', 'script_location'],
    [
      'eleven levels (configparser allows ten)',
      `[alembic]\nscript_location = %(k1)s\n${Array.from({ length: 10 }, (_, i) => `k${i + 1} = %(k${i + 2})s`).join('\n')}\nk11 = %(here)s/alembic\n`,
      'script_location',
    ],
    [
      'a bomb through [DEFAULT]',
      `[DEFAULT]\nd = %(e)s%(e)s%(e)s%(e)s%(e)s%(e)s%(e)s%(e)s%(e)s%(e)s\ne = %(d)s\n[alembic]\nscript_location = %(d)s\n`,
      'script_location',
    ],
  ];
  for (const [name, ini, key] of bombs) {
    it(`exits 2 naming the file and key: ${name}`, () => {
      const repo = withIni(ini);
      const result = check(repo);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain(`backend/alembic.ini [alembic] ${key}:`);
      expect(result.stderr).not.toMatch(/internal error|Invalid string length/);
    });
  }

  it('ten levels, as configparser allows, still resolve', () => {
    const repo = withIni(
      `[alembic]\nscript_location = %(k1)s\n${Array.from({ length: 8 }, (_, i) => `k${i + 1} = %(k${i + 2})s`).join('\n')}\nk9 = %(here)s/alembic\n`,
    );
    expect(check(repo).code).toBe(0);
    repo.write(`${V}/003_x.py`, migration('003_x', 'nope')).add(`${V}/003_x.py`);
    expect(check(repo).code).toBe(1);
  });
});

describe('a UTF-8 BOM in a configuration file (item 12)', () => {
  const broken = (repo: TestRepo) => repo.write(`${V}/003_x.py`, migration('003_x', '002_users')); // untracked: blocks if watched

  it('.alembic-guard.json and package.json are read as npm reads them', () => {
    for (const [file, text] of [
      ['.alembic-guard.json', `${BOM}{"locations": ["${V}"]}`],
      ['package.json', `${BOM}{"name": "x", "alembic-guard": {"locations": ["${V}"]}}\n`],
    ]) {
      const repo = makeRepo({ ...alembicEnv('backend', 2), [file!]: text! }, { commit: true });
      broken(repo);
      const result = check(repo);
      expect({ file, code: result.code, stderr: result.stderr }).toEqual({ file, code: 1, stderr: '' });
      expect(JSON.parse(result.stdout).configuration?.source ?? JSON.parse(result.stdout).findings[0].kind).toBeTruthy();
    }
  });

  it('pyproject.toml keeps its [tool.alembic-guard] table', () => {
    const repo = makeRepo(
      { ...alembicEnv('backend', 2), 'pyproject.toml': `${BOM}[tool.alembic-guard]\nlocations = ["${V}"]\nignore = ["${V}/003_x.py"]\n` },
      { commit: true },
    );
    broken(repo);
    // The table is read: its ignore glob hides the untracked file.
    expect(check(repo).code).toBe(0);
  });

  it('alembic.ini and pyproject.toml [tool.alembic] with a BOM are found by discovery', () => {
    const files = alembicEnv('backend', 2);
    files['backend/alembic.ini'] = `${BOM}${files['backend/alembic.ini']}`;
    const repo = makeRepo(files, { commit: true });
    broken(repo);
    expect(check(repo).code).toBe(1);
    const py = makeRepo(
      { ...alembicEnv('backend', 2), 'backend/alembic.ini': '', 'backend/pyproject.toml': `${BOM}[tool.alembic]\nscript_location = "alembic"\n` },
      { commit: true },
    );
    broken(py);
    expect(check(py).code).toBe(1);
  });
});

describe('invalid TOML and missing locations (item 13)', () => {
  const cases: [string, string, number][] = [
    ['a header missing its bracket', `[project]\nname = "x"\n\n[tool.alembic-guard\nlocations = ["${V}"]\n`, 4],
    ['a value missing its bracket', `[project]\nname = "x"\n[tool.alembic-guard]\nlocations = ["${V}"\nignore = []\n`, 5],
    ['a doubled bracket', `[tool.alembic-guard]]\nlocations = ["${V}"]\n`, 1],
    ['a quoted header, broken', `[ tool . "alembic-guard" \nlocations = ["${V}"]\n`, 1],
  ];
  for (const [name, text, line] of cases) {
    it(`pyproject.toml with ${name}: exit 2 naming the file and line`, () => {
      const repo = makeRepo({ ...alembicEnv('backend', 2), 'pyproject.toml': text }, { commit: true });
      const result = check(repo);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`pyproject\\.toml:${line}: invalid TOML`));
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    });
  }

  it('broken [tool.alembic] in a discovered pyproject.toml: exit 2 naming it', () => {
    const repo = makeRepo({ ...alembicEnv('backend', 2), 'backend/pyproject.toml': '[tool.alembic\nscript_location = "alembic"\n' }, { commit: true });
    const result = check(repo);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/backend\/pyproject\.toml:1: invalid TOML/);
  });

  it('says yes only where a broken header could be (no parse for every pyproject)', () => {
    expect(mayMention('[tool.alembic-guard\n', 'alembic-guard')).toBe(true);
    expect(mayMention('[project]\ndependencies = ["alembic>=1.8"]\n', 'alembic')).toBe(false);
    expect(mayMention('[tool.alembic-guard]\n', 'alembic')).toBe(false);
    expect(mayMention('# tool alembic\n', 'alembic')).toBe(false);
  });

  it('a configured location that does not exist: a warning in check, an error in doctor', () => {
    const repo = makeRepo(
      { ...alembicEnv('backend', 2), '.alembic-guard.json': JSON.stringify({ locations: [V, 'backend/alembic/verisons'] }) },
      { commit: true },
    );
    const result = check(repo);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { findings: { kind: string; severity: string; location?: string }[] };
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'unresolved-location', severity: 'warning', location: 'backend/alembic/verisons' }));
    const doctor = repo.cli(['doctor', '--format', 'json']);
    const json = JSON.parse(doctor.stdout) as { problems: { severity: string; message: string }[] };
    expect(json.problems).toContainEqual(expect.objectContaining({ severity: 'error', message: expect.stringContaining('backend/alembic/verisons') }));
    expect(doctor.code).not.toBe(0);
  });
});
