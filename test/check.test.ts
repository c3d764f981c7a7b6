import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alembicEnv, CLI, cleanupAll, INCIDENT, incidentRepo, makeExecutable, makeRepo, migration, run, testEnv, type TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

const V = 'backend/alembic/versions';
const file = (name: string) => `${V}/${name}.py`;

function json(repo: TestRepo, env: Record<string, string> = {}) {
  const result = repo.cli(['check', '--format', 'json'], { env });
  return {
    ...result,
    report: JSON.parse(result.stdout) as {
      ok: boolean;
      findings: {
        kind: string;
        path: string | null;
        fix: string | null;
        problem?: string;
        paths: string[];
        severity: string;
        ignoredBy?: { source: string; line: number; pattern: string };
      }[];
    },
  };
}

function committed(upTo = 8): TestRepo {
  return makeRepo(alembicEnv('backend', upTo), { commit: true });
}

/** A pre-commit hook that runs this build of alembic-guard, as the installed hooks do. */
function withHook(repo: TestRepo): TestRepo {
  const hook = join(repo.dir, '.git/hooks/pre-commit');
  writeFileSync(hook, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" check\n`);
  makeExecutable(hook);
  return repo;
}

describe('the incident: 001–008 committed, 009–014 only on disk', () => {
  it('blocks, naming the six files and the git add that fixes each', () => {
    const repo = incidentRepo();
    const before = repo.snapshot();
    const result = repo.cli(['check']);
    expect(result.code).toBe(1);
    for (const name of INCIDENT.slice(8)) {
      expect(result.stdout).toContain(`git add ${file(name)}`);
    }
    for (const name of INCIDENT.slice(0, 8)) expect(result.stdout).not.toContain(file(name));
    expect(result.stdout).toContain('ALEMBIC_GUARD_SKIP');
    expect(repo.snapshot()).toBe(before);
  });

  it('passes once the files are staged, and the staged graph is whole', () => {
    const repo = incidentRepo();
    repo.add(V);
    const result = repo.cli(['check']);
    expect(result.stdout).toContain('✔');
    expect(result.code).toBe(0);
  });

  it('a real git commit through the hook is refused, then accepted after git add', () => {
    const repo = withHook(incidentRepo());
    const refused = repo.git(['commit', '-q', '-m', 'try'], { allowFail: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toContain('009_create_memory_pins');
    repo.add(V);
    expect(repo.git(['commit', '-q', '-m', 'add migrations']).code).toBe(0);
  });
});

describe('what counts as left behind', () => {
  it('reports an untracked migration in a subdirectory of versions (Alembic can recurse)', () => {
    const repo = committed();
    repo.write(`${V}/2024/009_x.py`, migration('009_x', INCIDENT[7]));
    const { code, report } = json(repo);
    expect(code).toBe(1);
    expect(report.findings.map((f) => [f.kind, f.path])).toEqual([['untracked', `${V}/2024/009_x.py`]]);
  });

  it('does not count __init__, emacs lock files, __pycache__ or non-Python files', () => {
    const repo = committed();
    repo.write(`${V}/__init__.py`, '').write(`${V}/__init__x.py`, '').write(`${V}/.#009_x.py`, 'lock');
    repo.write(`${V}/__pycache__/009_x.py`, '').write(`${V}/README.md`, 'notes').write(`${V}/009.pyc`, 'x');
    expect(json(repo).report.findings).toEqual([]);
    expect(repo.cli(['check']).code).toBe(0);
  });

  it('reports a migration added with `git add -N` as unstaged, and does not judge its empty placeholder', () => {
    const repo = committed();
    repo.write(file(INCIDENT[8]), migration(INCIDENT[8], INCIDENT[7]));
    repo.git(['add', '-N', file(INCIDENT[8])]);
    const { code, report } = json(repo);
    expect(code).toBe(1);
    expect(report.findings.map((f) => [f.kind, f.path, f.fix])).toEqual([['unstaged', file(INCIDENT[8]), `git add ${file(INCIDENT[8])}`]]);
    expect(repo.cli(['check']).stdout).toContain('git add -N');
  });

  it('accepts staged new migrations', () => {
    const repo = committed();
    repo.write(file(INCIDENT[8]), migration(INCIDENT[8], INCIDENT[7])).add(file(INCIDENT[8]));
    expect(repo.cli(['check']).code).toBe(0);
  });

  it('reports an unstaged edit, a partially staged file and an unstaged deletion, each with its fix', () => {
    const repo = committed();
    repo.write(file(INCIDENT[1]), `${repo.read(file(INCIDENT[1]))}\n# edit\n`);
    repo.write(file(INCIDENT[2]), `${repo.read(file(INCIDENT[2]))}\n# staged\n`).add(file(INCIDENT[2]));
    repo.write(file(INCIDENT[2]), `${repo.read(file(INCIDENT[2]))}\n# and more\n`);
    repo.remove(file(INCIDENT[3]));
    const { code, report } = json(repo);
    expect(code).toBe(1);
    const unstaged = report.findings.filter((f) => f.kind === 'unstaged');
    expect(unstaged.map((f) => f.path).sort()).toEqual([file(INCIDENT[1]), file(INCIDENT[2]), file(INCIDENT[3])]);
    const text = repo.cli(['check']).stdout;
    expect(text).toContain(`${file(INCIDENT[2])}  (partially staged)`);
    expect(text).toContain(`git rm ${file(INCIDENT[3])}`);
    expect(text).toContain(`git add ${file(INCIDENT[1])}`);
  });

  it('reports ignored migrations with the pattern and file that ignore them (.gitignore, info/exclude, core.excludesFile)', () => {
    const repo = committed();
    repo.write('.gitignore', 'node_modules/\n*_pins.py\n').add('.gitignore').commit('ignore');
    repo.write(file(INCIDENT[8]), migration(INCIDENT[8], INCIDENT[7]));
    repo.write('.git/info/exclude', '# local\n010_*\n');
    repo.write(file(INCIDENT[9]), migration(INCIDENT[9], INCIDENT[8]));
    repo.write('global-ignore', '011_pin_indexes.py\n');
    repo.git(['config', 'core.excludesFile', join(repo.dir, 'global-ignore')]);
    repo.write(file(INCIDENT[10]), migration(INCIDENT[10], INCIDENT[9]));
    const { code, report } = json(repo);
    expect(code).toBe(1);
    const ignored = Object.fromEntries(report.findings.filter((f) => f.kind === 'ignored').map((f) => [f.path, f.ignoredBy]));
    expect(ignored[file(INCIDENT[8])]).toEqual({ source: '.gitignore', line: 2, pattern: '*_pins.py' });
    expect(ignored[file(INCIDENT[9])]).toEqual({ source: '.git/info/exclude', line: 2, pattern: '010_*' });
    expect(ignored[file(INCIDENT[10])]?.pattern).toBe('011_pin_indexes.py');
    expect(repo.cli(['check']).stdout).toContain(`git add -f ${file(INCIDENT[8])}`);
  });

  it('reports a whole ignored versions directory file by file', () => {
    const repo = committed();
    repo.write('.gitignore', 'backend/alembic/versions/2025/\n').add('.gitignore').commit('ignore');
    repo.write(`${V}/2025/009_a.py`, migration('009_a', INCIDENT[7]));
    const { report } = json(repo);
    expect(report.findings.map((f) => [f.kind, f.path])).toEqual([['ignored', `${V}/2025/009_a.py`]]);
  });

  it('reports environment files: env.py untracked, script.py.mako modified; an ignored alembic.ini stays local (test/env-files)', () => {
    const repo = makeRepo(alembicEnv('backend', 3));
    repo.write('.gitignore', 'backend/alembic.ini\n');
    repo.add(V, 'backend/alembic/script.py.mako', '.gitignore').commit('partial');
    repo.write('backend/alembic/script.py.mako', 'changed\n');
    const { report } = json(repo);
    const kinds = Object.fromEntries(report.findings.map((f) => [f.path, f.kind]));
    expect(kinds['backend/alembic/env.py']).toBe('untracked');
    expect(kinds['backend/alembic/script.py.mako']).toBe('unstaged');
    expect(kinds['backend/alembic.ini']).toBeUndefined();
  });

  it('reports an unresolved merge conflict in a migration', () => {
    const repo = committed(2);
    repo.git(['checkout', '-q', '-b', 'other']);
    repo
      .write(file(INCIDENT[1]), `${repo.read(file(INCIDENT[1]))}\n# other\n`)
      .add()
      .commit('other');
    repo.git(['checkout', '-q', 'main']);
    repo
      .write(file(INCIDENT[1]), `${repo.read(file(INCIDENT[1]))}\n# main\n`)
      .add()
      .commit('main');
    repo.git(['merge', 'other'], { allowFail: true });
    const { code, report } = json(repo);
    expect(code).toBe(1);
    expect(report.findings.map((f) => f.kind)).toContain('unmerged');
  });
});

describe('the index of the commit actually being made (GIT_INDEX_FILE)', () => {
  it('git commit -a: an untracked migration still blocks; tracked edits are taken in', () => {
    const repo = withHook(committed());
    repo.write(file(INCIDENT[1]), `${repo.read(file(INCIDENT[1]))}\n# edit\n`);
    expect(repo.git(['commit', '-q', '-am', 'edit']).code).toBe(0);
    repo.write(file(INCIDENT[8]), migration(INCIDENT[8], INCIDENT[7]));
    const refused = repo.git(['commit', '-q', '-am', 'x'], { allowFail: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(file(INCIDENT[8]));
  });

  it('git commit <other path>: a migration staged in the main index but left out is reported', () => {
    const repo = withHook(committed());
    repo.write('README.md', 'hello\n');
    repo.write(file(INCIDENT[8]), migration(INCIDENT[8], INCIDENT[7])).add(file(INCIDENT[8]), 'README.md');
    repo.write('README.md', 'hello again\n');
    const refused = repo.git(['commit', '-q', '-m', 'readme only', 'README.md'], { allowFail: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Left out of this commit');
    expect(refused.stderr).toContain(file(INCIDENT[8]));
    expect(repo.git(['commit', '-q', '-m', 'both', 'README.md', file(INCIDENT[8])]).code).toBe(0);
  });

  it('git commit <paths>: an edited migration staged in the main index but not named is reported', () => {
    const repo = withHook(committed());
    repo.write(file(INCIDENT[7]), `${repo.read(file(INCIDENT[7]))}\n# tweak\n`).add(file(INCIDENT[7]));
    repo.write('notes.txt', 'x\n').add('notes.txt');
    const refused = repo.git(['commit', '-q', '-m', 'notes', 'notes.txt'], { allowFail: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(file(INCIDENT[7]));
  });
});

describe('the staged revision graph', () => {
  it('blocks a missing parent, naming the file (and the file-name hint)', () => {
    const repo = committed();
    repo.write(file(INCIDENT[9]), migration(INCIDENT[9], INCIDENT[8])).add(V);
    const { code, report } = json(repo);
    expect(code).toBe(1);
    const problem = report.findings.find((f) => f.kind === 'graph');
    expect(problem?.problem).toBe('missing-parent');
    expect(problem?.paths).toContain(file(INCIDENT[9]));
  });

  it('blocks a duplicate revision id, naming both files', () => {
    const repo = committed();
    repo.write(`${V}/009_copy.py`, migration(INCIDENT[7], INCIDENT[6])).add(V);
    const problem = json(repo).report.findings.find((f) => f.kind === 'graph');
    expect(problem?.problem).toBe('duplicate-revision');
    expect(problem?.paths.sort()).toEqual([`${V}/009_copy.py`, file(INCIDENT[7])].sort());
  });

  it('blocks two heads with the merge command; allowMultipleHeads lets them through', () => {
    const repo = committed();
    repo.write(`${V}/009_a.py`, migration('009_a', INCIDENT[7])).write(`${V}/009_b.py`, migration('009_b', INCIDENT[7])).add(V);
    const { code, report } = json(repo);
    expect(code).toBe(1);
    const heads = report.findings.find((f) => f.kind === 'graph');
    expect(heads?.problem).toBe('multiple-heads');
    expect(heads?.paths.sort()).toEqual([`${V}/009_a.py`, `${V}/009_b.py`]);
    expect(heads?.fix).toBe(
      "cd backend && alembic merge -m 'merge heads' heads   (then git add the new migration); or, where no database has applied them yet, re-point one head's down_revision at the other head's revision",
    );
    repo.write('.alembic-guard.json', JSON.stringify({ allowMultipleHeads: true }));
    expect(repo.cli(['check']).code).toBe(0);
  });

  it('gives the merge command as each kind of environment runs it', () => {
    const twoHeads = (dir: string) => ({
      [`${dir}/versions/001_a.py`]: migration('001_a', null),
      [`${dir}/versions/002_b.py`]: migration('002_b', '001_a'),
      [`${dir}/versions/002_c.py`]: migration('002_c', '001_a'),
      [`${dir}/env.py`]: 'from alembic import context\n',
    });
    const repo = makeRepo({
      'alembic.ini': '[alembic]\nscript_location = alembic\n',
      ...twoHeads('alembic'),
      'services/billing/alembic.ini': '[DEFAULT]\n[billing]\nscript_location = %(here)s/db\n',
      ...twoHeads('services/billing/db'),
      'api/migrations/alembic.ini': '[alembic]\n# Flask-Migrate\n',
      ...twoHeads('api/migrations'),
      'worker/db_migrations/alembic.ini': '[alembic]\n',
      ...twoHeads('worker/db_migrations'),
    });
    repo.add();
    const fixes = json(repo)
      .report.findings.filter((f) => f.problem === 'multiple-heads')
      .map((f) => f.fix!.split('   ')[0])
      .sort();
    expect(fixes).toEqual([
      "alembic merge -m 'merge heads' heads",
      "cd api && flask db merge -m 'merge heads' heads",
      "cd services/billing && alembic -n billing merge -m 'merge heads' heads",
      "cd worker && flask db merge -d db_migrations -m 'merge heads' heads",
    ]);
  });

  it('judges the staged content, not the working tree', () => {
    const repo = committed();
    // Staged: a broken parent. Working copy: fixed but not staged → still blocked for both reasons.
    repo.write(`${V}/009_a.py`, migration('009_a', 'nope')).add(V);
    repo.write(`${V}/009_a.py`, migration('009_a', INCIDENT[7]));
    const kinds = json(repo).report.findings.map((f) => f.problem ?? f.kind);
    expect(kinds).toContain('missing-parent');
    expect(kinds).toContain('unstaged');
  });
});

describe('bypass', () => {
  it('ALEMBIC_GUARD_SKIP lets a blocked commit through, warns loudly and logs one JSON line', () => {
    const repo = withHook(incidentRepo());
    const before = repo.snapshot();
    const result = repo.cli(['check'], { env: { ALEMBIC_GUARD_SKIP: 'hotfix for INC-42' } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('ALEMBIC_GUARD_SKIP is set');
    expect(result.stderr).toContain('009_create_memory_pins');
    const log = readFileSync(join(repo.dir, '.git/alembic-guard/bypass.log'), 'utf8').trim().split('\n');
    expect(log).toHaveLength(1);
    const entry = JSON.parse(log[0]);
    expect(entry).toMatchObject({ hook: 'check', user: 'test@example.com', reason: 'hotfix for INC-42' });
    expect(entry.paths).toHaveLength(6);
    expect(Date.parse(entry.time)).not.toBeNaN();
    expect(repo.snapshot()).toBe(before); // the log lives in the git dir, outside what we promise to keep
    const committedAnyway = repo.git(['commit', '-q', '--allow-empty', '-m', 'x'], { env: { ALEMBIC_GUARD_SKIP: 'again' } });
    expect(committedAnyway.code).toBe(0);
  });

  it('a database URL in the reason is redacted in the log and on screen', () => {
    const repo = incidentRepo();
    const reason = 'db was postgresql://app:p@ss:w/rd-SECRET@db.internal:5432/app password=hunter22';
    for (const format of ['text', 'json', 'github']) {
      const result = repo.cli(['check', '--format', format], { env: { ALEMBIC_GUARD_SKIP: reason } });
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).not.toMatch(/SECRET|p@ss|rd-|hunter22/);
    }
    const log = readFileSync(join(repo.dir, '.git/alembic-guard/bypass.log'), 'utf8');
    expect(log).not.toMatch(/SECRET|p@ss|rd-|hunter22/);
    expect(JSON.parse(log.split('\n')[0]).reason).toBe('db was postgresql://***@db.internal:5432/app password=***');
  });

  it('ALEMBIC_GUARD_SKIP=0 or empty does not bypass', () => {
    const repo = incidentRepo();
    expect(repo.cli(['check'], { env: { ALEMBIC_GUARD_SKIP: '0' } }).code).toBe(1);
    expect(repo.cli(['check'], { env: { ALEMBIC_GUARD_SKIP: '' } }).code).toBe(1);
  });

  it('logs nothing when there was nothing to bypass', () => {
    const repo = committed();
    expect(repo.cli(['check'], { env: { ALEMBIC_GUARD_SKIP: 'x' } }).code).toBe(0);
    expect(repo.exists('.git/alembic-guard/bypass.log')).toBe(false);
  });
});

describe('output formats', () => {
  it('json: stable schema with lists always lists', () => {
    const { report } = json(incidentRepo());
    expect(report).toMatchObject({ schemaVersion: 1, command: 'check', ok: false, exitCode: 1, bypassed: null });
    const f = report.findings[0] as Record<string, unknown>;
    expect(Object.keys(f)).toEqual(expect.arrayContaining(['kind', 'severity', 'environment', 'path', 'paths', 'message', 'fix']));
    expect(f.fix).toBe(`git add ${file(INCIDENT[8])}`);
  });

  it('github: one ::error annotation per file, with the fix', () => {
    const result = incidentRepo().cli(['check', '--format', 'github']);
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(lines).toHaveLength(6);
    expect(lines[0]).toContain(`file=${file(INCIDENT[8])}`);
    expect(lines[0]).toContain('%0AFix: git add');
  });

  it('honours NO_COLOR and FORCE_COLOR', () => {
    const repo = incidentRepo();
    expect(repo.cli(['check']).stdout).not.toContain('\u001b[');
    expect(repo.cli(['check'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } }).stdout).toContain('\u001b[');
  });
});

describe('errors exit 2 with one line', () => {
  it('outside a git repository', () => {
    const repo = committed();
    const result = repo.cli(['check'], { cwd: join(repo.dir, '..') });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('not a git repository');
  });

  it('git missing from PATH', () => {
    const result = committed().cli(['check'], { env: { PATH: '/nonexistent' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('git is not installed');
  });

  it('invalid configuration names the file and the key', () => {
    const repo = committed();
    repo.write('.alembic-guard.json', JSON.stringify({ locations: 'backend/alembic/versions' }));
    let result = repo.cli(['check']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('.alembic-guard.json');
    expect(result.stderr).toContain('"locations"');
    repo.remove('.alembic-guard.json').write('package.json', JSON.stringify({ name: 'x', 'alembic-guard': { ignored: [] } }));
    result = repo.cli(['check']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('package.json "alembic-guard"');
    expect(result.stderr).toContain('"ignored"');
    repo.remove('package.json').write('pyproject.toml', '[tool.alembic-guard]\nallowMultipleHeads = "yes"\n');
    result = repo.cli(['check']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pyproject.toml [tool.alembic-guard]');
    expect(result.stderr).toContain('allowMultipleHeads');
    repo.write('.alembic-guard.json', '{ not json');
    expect(repo.cli(['check']).code).toBe(2);
  });

  it('an unknown command or option', () => {
    const repo = committed();
    expect(repo.cli(['chek']).code).toBe(2);
    expect(repo.cli(['check', '--nope']).code).toBe(2);
    expect(repo.cli(['check', '--format', 'xml']).code).toBe(2);
  });
});

describe('configuration overrides discovery', () => {
  it('locations replaces discovery; ignore globs silence files', () => {
    const repo = makeRepo({ 'db/revs/001_a.py': migration('001_a', null), 'db/other/x.py': '' }, { commit: true });
    repo.write('db/revs/002_b.py', migration('002_b', '001_a'));
    expect(repo.cli(['check']).code).toBe(0); // no env file, and a folder name discovery does not guess
    repo.write('.alembic-guard.json', JSON.stringify({ locations: ['db/revs'] }));
    const { code, report } = json(repo);
    expect(code).toBe(1);
    expect(report.findings.map((f) => f.path)).toEqual(['db/revs/002_b.py']);
    repo.write('.alembic-guard.json', JSON.stringify({ locations: ['db/revs'], ignore: ['db/revs/002_*'] }));
    expect(repo.cli(['check']).code).toBe(0);
  });

  it('reads [tool.alembic-guard] from pyproject.toml and the package.json key', () => {
    const repo = makeRepo({ 'db/migrations/001_a.py': migration('001_a', null) }, { commit: true });
    repo.write('db/migrations/002_b.py', migration('002_b', '001_a'));
    repo.write('pyproject.toml', '[tool.alembic-guard]\nlocations = ["db/migrations"]\n');
    expect(repo.cli(['check']).code).toBe(1);
    repo.remove('pyproject.toml').write('package.json', JSON.stringify({ 'alembic-guard': { locations: ['db/migrations'] } }));
    expect(repo.cli(['check']).code).toBe(1);
  });
});

describe('read-only', () => {
  it('leaves index bytes, HEAD, refs, stash and working files untouched in every state', () => {
    const repo = committed();
    repo.write(file(INCIDENT[1]), `${repo.read(file(INCIDENT[1]))}\n# edit\n`);
    repo.git(['stash']);
    repo.write(file(INCIDENT[2]), `${repo.read(file(INCIDENT[2]))}\n# staged\n`).add(V);
    repo.write(file(INCIDENT[3]), `${repo.read(file(INCIDENT[3]))}\n# unstaged\n`);
    repo.write(file(INCIDENT[8]), migration(INCIDENT[8], INCIDENT[7]));
    // Make the index stat-dirty so that a status with optional locks would rewrite it.
    const touched = join(repo.dir, file(INCIDENT[4]));
    writeFileSync(touched, readFileSync(touched));
    const before = repo.snapshot();
    for (const args of [['check'], ['check', '--format', 'json'], ['graph'], ['graph', '--worktree'], ['validate', file(INCIDENT[2])]]) {
      repo.cli(args);
      expect(repo.snapshot()).toBe(before);
    }
  });
});

describe('output into a pipe that closes early', () => {
  it("graph --json | head: no EPIPE crash, and the exit code is still the command's own", async () => {
    const { spawn } = await import('node:child_process');
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    for (let i = 8; i < 1500; i += 1) repo.write(`${V}/${String(i).padStart(4, '0')}_m.py`, migration(`r${i}`, i === 8 ? INCIDENT[7] : `r${i - 1}`));
    repo.add(V);
    const child = spawn(process.execPath, [CLI, 'graph', '--json'], { cwd: repo.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy()); // read one chunk, then hang up
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('paths as they work from the directory the command was typed in (as git status shows them)', () => {
  it('git commit from backend/: the hook names app-relative paths, and the printed git add works there', () => {
    const repo = withHook(incidentRepo());
    repo.write('backend/app.py', 'print(1)\n').add('backend/app.py');
    const backend = join(repo.dir, 'backend');
    const blocked = run('git', ['commit', '-m', 'app'], { cwd: backend, env: testEnv() });
    expect(blocked.code).not.toBe(0);
    const out = blocked.stdout + blocked.stderr;
    expect(out).toContain(`git add alembic/versions/${INCIDENT[8]}.py`);
    expect(out).not.toContain(`git add ${file(INCIDENT[8])}`);
    // Every printed git add, pasted where the commit was typed, stages its file.
    const adds = [...out.matchAll(/→ (git add \S+)$/gm)].map((m) => m[1]);
    expect(adds).toHaveLength(6);
    for (const add of adds) expect(run('sh', ['-c', add], { cwd: backend, env: testEnv() }).code, add).toBe(0);
    expect(run('git', ['commit', '-q', '-m', 'app and migrations'], { cwd: backend, env: testEnv() }).code).toBe(0);
  });

  it('run by hand from backend/: the same; from the top: repository paths; JSON: repository paths always', () => {
    const repo = incidentRepo();
    const backend = join(repo.dir, 'backend');
    const below = repo.cli(['check'], { cwd: backend });
    expect(below.code).toBe(1);
    expect(below.stdout + below.stderr).toContain(`git add alembic/versions/${INCIDENT[8]}.py`);
    const top = repo.cli(['check']);
    expect(top.stdout + top.stderr).toContain(`git add ${file(INCIDENT[8])}`);
    const asJson = repo.cli(['check', '--format', 'json'], { cwd: backend });
    expect(JSON.parse(asJson.stdout).findings[0].path).toBe(file(INCIDENT[8]));
    expect(JSON.parse(asJson.stdout).findings[0].fix).toBe(`git add ${file(INCIDENT[8])}`);
    // From a sibling folder: up and over.
    repo.write('docs/readme.md', 'x\n');
    const docs = repo.cli(['check'], { cwd: join(repo.dir, 'docs') });
    expect(docs.stdout + docs.stderr).toContain(`git add ../backend/alembic/versions/${INCIDENT[8]}.py`);
  });
});

describe('the bypass lines name only the skips that work for the hook runner in use', () => {
  it('husky: HUSKY=0; plain git hooks and the pre-commit framework: no HUSKY=0, the framework its SKIP', () => {
    const repo = incidentRepo();
    const text = (env: Record<string, string>) => {
      const r = repo.cli(['check'], { env });
      expect(r.code).toBe(1);
      return r.stdout + r.stderr;
    };
    const plain = text({});
    expect(plain).toContain('git commit --no-verify skips every hook and logs nothing');
    expect(plain).not.toContain('HUSKY=0');
    expect(plain).not.toContain('SKIP=alembic-guard');
    // husky 9 runs .husky/pre-commit with node_modules/.bin first on PATH (.husky/_/h).
    const husky = text({ PATH: `node_modules/.bin:${process.env.PATH}` });
    expect(husky).toContain('HUSKY=0');
    const framework = text({ PRE_COMMIT: '1' });
    expect(framework).not.toContain('HUSKY=0');
    expect(framework).toContain('SKIP=alembic-guard git commit');
    expect(framework).toContain('ALEMBIC_GUARD_SKIP="<why>" git commit');
  });
});

describe('edits git status does not show', () => {
  it('a migration flagged skip-worktree or assume-unchanged and edited on disk blocks as unstaged, naming the flag', () => {
    for (const flag of ['skip-worktree', 'assume-unchanged'] as const) {
      const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
      const path = `backend/alembic/versions/${INCIDENT[2]}.py`;
      repo.git(['update-index', `--${flag}`, path]);
      repo.write(path, `${repo.read(path)}\n# an edit\n`);
      expect(repo.git(['status', '--porcelain']).stdout).toBe(''); // git sees nothing
      const before = repo.snapshot();
      const result = repo.cli(['check']);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`${path}  (modified, marked ${flag}: git status does not show it)`);
      expect(result.stdout).toContain(`git update-index --no-${flag} ${path} && git add ${path}`);
      expect(repo.snapshot()).toBe(before);
      // The printed command, run, clears the way.
      expect(run('sh', ['-c', `git update-index --no-${flag} ${path} && git add ${path}`], { cwd: repo.dir, env: testEnv() }).code).toBe(0);
      expect(repo.cli(['check']).code).toBe(0);
    }
  });

  it('an alembic.ini kept assume-unchanged for a local database URL is not an edit that blocks', () => {
    const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
    repo.git(['update-index', '--assume-unchanged', 'backend/alembic.ini']);
    repo.write('backend/alembic.ini', repo.read('backend/alembic.ini').replace('driver://user:pass@localhost/dbname', 'postgresql://me:secret@localhost/dev'));
    expect(repo.cli(['check']).code).toBe(0);
    // A sparse checkout leaves skip-worktree files off disk: nothing is left behind.
    const path = `backend/alembic/versions/${INCIDENT[1]}.py`;
    repo.git(['update-index', '--skip-worktree', path]);
    repo.remove(path);
    expect(repo.cli(['check']).code).toBe(0);
  });
});
