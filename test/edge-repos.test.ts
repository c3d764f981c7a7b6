/**
 * Repositories of every shape (lint-staged's integration fixtures, named for what they test):
 * no commits yet, detached HEAD, a linked worktree, submodules, hostile file names, symlinked
 * versions directories, CRLF files and monorepos. Every `check` here also keeps the read-only
 * promise: the repository's snapshot (index bytes, HEAD, refs, stash, working files) is unchanged.
 */
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alembicEnv, cleanupAll, ENV_PY, MAKO, makeRepo, migration, run, tempDir, TestRepo, testEnv } from './helpers/repo.js';

afterAll(cleanupAll);

interface JsonFinding {
  kind: string;
  severity: string;
  environment: string | null;
  path: string | null;
  paths: string[];
  role?: string;
  location?: string;
  problem?: string;
  fix: string | null;
}

interface CheckJson {
  exitCode: number;
  environments: { name: string; source: string; scriptDir: string | null; versions: string[]; envFiles: string[] }[];
  findings: JsonFinding[];
}

/** `check --format json`, asserting the repository (and `also`) are byte-for-byte untouched. */
function check(repo: TestRepo, options: { cwd?: string; also?: TestRepo[] } = {}): { code: number; json: CheckJson } {
  const watched = [repo, ...(options.also ?? [])];
  const before = watched.map((r) => r.snapshot());
  const result = repo.cli(['check', '--format', 'json'], { cwd: options.cwd });
  expect(result.stderr, 'check wrote to stderr').toBe('');
  expect(
    watched.map((r) => r.snapshot()),
    'check changed the repository',
  ).toEqual(before);
  const json = JSON.parse(result.stdout) as CheckJson;
  expect(json.exitCode).toBe(result.code);
  return { code: result.code, json };
}

function checkText(repo: TestRepo): { code: number; stdout: string } {
  const result = repo.cli(['check']);
  expect(result.stderr).toBe('');
  return { code: result.code, stdout: result.stdout };
}

const kindsAndPaths = (json: CheckJson) => json.findings.map((f) => [f.kind, f.path]);

/** `alembic init` in `base`, 001–`upTo` committed. */
function committedEnv(base = '', upTo = 2): TestRepo {
  return makeRepo(alembicEnv(base, upTo), { commit: true });
}

describe('a repository with no commits yet', () => {
  it('reports every untracked migration and env file; after git add, check passes', () => {
    const repo = makeRepo(alembicEnv('', 3));
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(json.findings.map((f) => [f.kind, f.path, f.role]).sort()).toEqual([
      ['untracked', 'alembic.ini', 'env-file'],
      ['untracked', 'alembic/env.py', 'env-file'],
      ['untracked', 'alembic/script.py.mako', 'env-file'],
      ['untracked', 'alembic/versions/001_initial.py', 'migration'],
      ['untracked', 'alembic/versions/002_users.py', 'migration'],
      ['untracked', 'alembic/versions/003_sessions.py', 'migration'],
    ]);
    repo.add();
    expect(check(repo)).toMatchObject({ code: 0, json: { findings: [] } });
  });

  it('the staged graph is judged with no HEAD: a staged fork is multiple heads', () => {
    const repo = makeRepo(alembicEnv('', 2));
    repo.write('alembic/versions/003_fork.py', migration('003_fork', '001_initial'));
    repo.add();
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(json.findings.map((f) => [f.kind, f.problem])).toEqual([['graph', 'multiple-heads']]);
  });
});

describe('detached HEAD', () => {
  it('works like a branch: an untracked migration blocks, staging it passes', () => {
    const repo = committedEnv('backend', 2);
    repo.write('backend/alembic/versions/003_sessions.py', migration('003_sessions', '002_users')).add().commit('three');
    repo.git(['checkout', '-q', '--detach', 'HEAD~1']);
    expect(repo.git(['symbolic-ref', '-q', 'HEAD'], { allowFail: true }).code).not.toBe(0);
    const path = 'backend/alembic/versions/003_other.py';
    repo.write(path, migration('003_other', '002_users'));
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(kindsAndPaths(json)).toEqual([['untracked', path]]);
    repo.add(path);
    expect(check(repo)).toMatchObject({ code: 0, json: { findings: [] } });
  });
});

describe('a linked worktree (git worktree add)', () => {
  it('check inside the worktree judges that worktree only; the main worktree judges itself', () => {
    const main = committedEnv('', 2);
    const wtDir = join(tempDir('ag-wt-'), 'feature');
    main.git(['worktree', 'add', '-q', '-b', 'feature', wtDir]);
    const wt = new TestRepo(wtDir);
    const inWorktree = 'alembic/versions/003_feature.py';
    const inMain = 'alembic/versions/003_main.py';
    wt.write(inWorktree, migration('003_feature', '002_users'));
    main.write(inMain, migration('003_main', '002_users'));

    const fromWorktree = check(wt, { also: [main] });
    expect(fromWorktree.code).toBe(1);
    expect(kindsAndPaths(fromWorktree.json)).toEqual([['untracked', inWorktree]]);

    // Started in a subdirectory of the worktree: the same repository root.
    const fromSubdir = check(wt, { cwd: join(wtDir, 'alembic/versions'), also: [main] });
    expect(kindsAndPaths(fromSubdir.json)).toEqual([['untracked', inWorktree]]);

    const fromMain = check(main, { also: [wt] });
    expect(kindsAndPaths(fromMain.json)).toEqual([['untracked', inMain]]);

    // Staging in the worktree uses the worktree's own index: it passes, main still blocks.
    wt.add(inWorktree);
    expect(check(wt, { also: [main] })).toMatchObject({ code: 0, json: { findings: [] } });
    expect(check(main, { also: [wt] }).code).toBe(1);
  });

  it('a worktree on a detached HEAD with a staged broken graph is judged by its own index', () => {
    const main = committedEnv('', 2);
    const wtDir = join(tempDir('ag-wt-'), 'detached');
    main.git(['worktree', 'add', '-q', '--detach', wtDir, 'HEAD']);
    const wt = new TestRepo(wtDir);
    wt.write('alembic/versions/003_orphan.py', migration('003_orphan', 'no_such_parent')).add();
    const { code, json } = check(wt, { also: [main] });
    expect(code).toBe(1);
    // (the orphan is also a second head; what matters is that the worktree's index was read)
    expect(json.findings.map((f) => [f.kind, f.problem, f.paths])).toContainEqual(['graph', 'missing-parent', ['alembic/versions/003_orphan.py']]);
    expect(check(main, { also: [wt] })).toMatchObject({ code: 0, json: { findings: [] } });
  });
});

describe('where the repository lives and how check is started', () => {
  it('a repository path with spaces, unicode and a quote, reached through a symlink, with a worktree nested inside it', () => {
    const dir = join(tempDir('ag-path-'), "my projects é 'q'");
    const repo = makeRepo(
      {
        'alembic.ini': '[alembic]\nscript_location = %(here)s/alembic\npath_separator = os\nversion_locations = %(here)s/alembic/versions:%(here)s/extra\n',
        'alembic/env.py': ENV_PY,
        'alembic/versions/001_initial.py': migration('001_initial', null),
        'extra/.keep': '',
      },
      { commit: true, dir },
    );
    const link = join(tempDir('ag-link-'), 'app');
    symlinkSync(dir, link);
    // A linked worktree inside the main checkout (a common .worktrees/ layout), not ignored.
    repo.git(['worktree', 'add', '-q', '-b', 'feature', '.worktrees/feature']);
    const wt = new TestRepo(join(dir, '.worktrees/feature'));
    wt.write('extra/002_in_worktree.py', migration('002_in_worktree', '001_initial'));
    const path = 'extra/002_users.py';
    repo.write(path, migration('002_users', '001_initial'));

    const viaLink = check(repo, { cwd: link, also: [wt] });
    expect(viaLink.code).toBe(1);
    expect(viaLink.json.environments.map((e) => e.versions)).toEqual([['alembic/versions', 'extra']]);
    expect(kindsAndPaths(viaLink.json)).toEqual([['untracked', path]]);
    expect(kindsAndPaths(check(wt, { also: [repo] }).json)).toEqual([['untracked', 'extra/002_in_worktree.py']]);
  });
});

describe('submodules', () => {
  /** A child repository with an Alembic environment, added to a fresh superproject at `at`. */
  function withSubmodule(at: string, superFiles: Record<string, string> = {}): { sup: TestRepo; sub: TestRepo } {
    const child = committedEnv('', 2);
    const sup = makeRepo({ 'README.md': '# super\n', ...superFiles }, { commit: true });
    sup.git(['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', child.dir, at]);
    sup.commit('add submodule');
    return { sup, sub: new TestRepo(join(sup.dir, at)) };
  }

  it('superproject: the submodule belongs to its own check — no crash, no environment found, exit 0', () => {
    const { sup, sub } = withSubmodule('vendor/db');
    sub.write('alembic/versions/003_sessions.py', migration('003_sessions', '002_users'));
    const { code, json } = check(sup);
    expect(code).toBe(0);
    expect(json.environments).toEqual([]);
    expect(json.findings).toEqual([]);
  });

  it("inside the submodule: check judges the submodule's files, paths relative to the submodule", () => {
    const { sup, sub } = withSubmodule('vendor/db');
    const path = 'alembic/versions/003_sessions.py';
    sub.write(path, migration('003_sessions', '002_users'));
    const { code, json } = check(sub, { also: [sup] });
    expect(code).toBe(1);
    expect(json.environments.map((e) => e.versions)).toEqual([['alembic/versions']]);
    expect(kindsAndPaths(json)).toEqual([['untracked', path]]);
    const fromDeeper = check(sub, { cwd: join(sub.dir, 'alembic'), also: [sup] });
    expect(kindsAndPaths(fromDeeper.json)).toEqual([['untracked', path]]);
    sub.add(path);
    expect(check(sub, { also: [sup] })).toMatchObject({ code: 0, json: { findings: [] } });
  });

  it('superproject whose alembic.ini points into a submodule: a migration left untracked in the submodule blocks (issue 13)', () => {
    const { sup, sub } = withSubmodule('db');
    sup.write('alembic.ini', '[alembic]\nscript_location = %(here)s/db/alembic\n').add('alembic.ini').commit('ini');
    expect(check(sup)).toMatchObject({ code: 0, json: { findings: [] } });
    sub.write('alembic/versions/003_sessions.py', migration('003_sessions', '002_users'));
    const { code, json } = check(sup);
    expect(code).toBe(1);
    expect(json.environments.map((e) => e.versions)).toEqual([['db/alembic/versions']]);
    expect(kindsAndPaths(json)).toEqual([['unstaged', 'db']]);
  });

  it('superproject whose versions directory is itself a submodule: the gitlink is not a migration, a migration left in it blocks (issue 13)', () => {
    const versions = makeRepo({ '001_initial.py': migration('001_initial', null) }, { commit: true });
    const sup = makeRepo({ 'alembic.ini': alembicEnv('', 0)['alembic.ini'], 'alembic/env.py': ENV_PY, 'alembic/script.py.mako': MAKO }, { commit: true });
    sup.git(['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', versions.dir, 'alembic/versions']);
    sup.commit('versions as a submodule');
    expect(check(sup)).toMatchObject({ code: 0, json: { findings: [] } });
    new TestRepo(join(sup.dir, 'alembic/versions')).write('002_users.py', migration('002_users', '001_initial'));
    const { code, json } = check(sup);
    expect(code).toBe(1);
    expect(kindsAndPaths(json)).toEqual([['unstaged', 'alembic/versions']]);
  });
});

describe('file names with spaces, quotes, unicode, a leading dash and a newline', () => {
  const NAMES = [
    '003 with spaces.py',
    "004_it's.py",
    '005_say "hi".py',
    '006_café_日本.py',
    '-x.py',
    '007_new\nline.py',
    '008_$(touch PWNED)_`touch PWNED2`_\\n.py',
    '009\ttab.py',
  ];

  /** Committed env (001–002, plus a versions dir whose own name starts with a dash), then the hostile names untracked. */
  function hostileRepo(): { repo: TestRepo; paths: string[] } {
    const repo = makeRepo({ ...alembicEnv('', 2), '-db/env.py': ENV_PY, '-db/versions/001_a.py': migration('a1', null) }, { commit: true });
    const paths = NAMES.map((name) => `alembic/versions/${name}`);
    paths.forEach((path, i) => repo.write(path, migration(`r${i + 3}`, i === 0 ? '002_users' : `r${i + 2}`)));
    // A path that itself starts with a dash: the fix command must put `--` before it.
    paths.push('-db/versions/002_b.py');
    repo.write('-db/versions/002_b.py', migration('a2', 'a1'));
    return { repo, paths };
  }

  it('each is reported with its exact path in JSON', () => {
    const { repo, paths } = hostileRepo();
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(json.findings.map((f) => f.path).sort()).toEqual([...paths].sort());
    expect(new Set(json.findings.map((f) => f.kind))).toEqual(new Set(['untracked']));
    const dash = json.findings.find((f) => f.path === '-db/versions/002_b.py')!;
    expect(dash.environment).toBe('-db');
    expect(dash.fix).toBe('git add -- -db/versions/002_b.py');
  });

  it('every printed per-file `git add …` is a valid shell command that adds exactly its file', () => {
    const { repo, paths } = hostileRepo();
    const { code, stdout } = checkText(repo);
    expect(code).toBe(1);
    // "      → git add …" up to the next list line ("    x"), the "All at once" line or a blank line.
    const commands = [...stdout.matchAll(/ → (git add [\s\S]*?)(?=\n {4}\S|\n\n)/g)].map((m) => m[1]);
    expect(commands).toHaveLength(paths.length);
    // Names with control characters are written $'…' (bash, zsh, POSIX.1-2024 sh; not dash 0.5.12).
    for (const command of commands) {
      expect(command).not.toMatch(/[\x00-\x1f]/);
      const result = run('bash', ['-c', command], { cwd: repo.dir, env: testEnv() });
      expect(result, command).toMatchObject({ code: 0, stderr: '' });
    }
    const staged = repo.git(['diff', '--cached', '--name-only', '-z']).stdout.split('\0').filter(Boolean);
    expect(staged.sort()).toEqual([...paths].sort());
    expect(repo.exists('PWNED') || repo.exists('PWNED2')).toBe(false);
    expect(check(repo)).toMatchObject({ code: 0, json: { findings: [] } });
  });

  it('the printed "All at once" command adds them all; then check exits 0', () => {
    const { repo, paths } = hostileRepo();
    const { stdout } = checkText(repo);
    const all = /All at once: (git add [\s\S]*?)\n\n/.exec(stdout);
    expect(all).not.toBeNull();
    const result = run('bash', ['-c', all![1]], { cwd: repo.dir, env: testEnv() });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const staged = repo.git(['diff', '--cached', '--name-only', '-z']).stdout.split('\0').filter(Boolean);
    expect(staged.sort()).toEqual([...paths].sort());
    expect(repo.exists('PWNED') || repo.exists('PWNED2')).toBe(false);
    expect(check(repo)).toMatchObject({ code: 0, json: { findings: [] } });
  });

  it('hostile names that are committed and then modified are reported as unstaged with the exact path', () => {
    const { repo, paths } = hostileRepo();
    repo.add().commit('all');
    const target = paths[5]; // the newline
    repo.write(target, `${repo.read(target)}# edited\n`);
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(kindsAndPaths(json)).toEqual([['unstaged', target]]);
  });
});

describe('a symlinked versions directory', () => {
  it('alembic/versions -> ../shared_versions: files at the target are checked, reported by their real path', () => {
    const repo = makeRepo({
      'alembic.ini': alembicEnv('', 0)['alembic.ini'],
      'alembic/env.py': ENV_PY,
      'shared_versions/001_initial.py': migration('001_initial', null),
    });
    symlinkSync('../shared_versions', join(repo.dir, 'alembic/versions'));
    repo.add().commit('env with a linked versions directory');
    const path = 'shared_versions/002_users.py';
    repo.write(path, migration('002_users', '001_initial'));
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(json.environments.map((e) => e.versions)).toEqual([['shared_versions']]);
    expect(kindsAndPaths(json)).toEqual([['untracked', path]]);
    repo.add(path);
    expect(check(repo)).toMatchObject({ code: 0, json: { findings: [] } });
    // The graph is read at the target too: a fork staged there is two heads.
    repo.write('shared_versions/002_fork.py', migration('002_fork', '001_initial')).add();
    expect(check(repo).json.findings.map((f) => f.problem)).toEqual(['multiple-heads']);
  });

  it('a versions symlink pointing outside the repository is an outside-repository finding (exit 1)', () => {
    const outside = tempDir('ag-outside-');
    mkdirSync(join(outside, 'versions'));
    writeFileSync(join(outside, 'versions/001_initial.py'), migration('001_initial', null));
    const repo = makeRepo({ 'alembic.ini': alembicEnv('', 0)['alembic.ini'], 'alembic/env.py': ENV_PY });
    symlinkSync(join(outside, 'versions'), join(repo.dir, 'alembic/versions'));
    repo.add().commit('env with versions outside');
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(json.findings.map((f) => [f.kind, f.environment])).toEqual([['outside-repository', 'alembic']]);
    expect(json.environments[0].versions).toEqual([]);
  });
});

describe('CRLF files', () => {
  const crlf = (text: string) => text.replace(/\r?\n/g, '\r\n');

  function crlfRepo(autocrlf: boolean): TestRepo {
    const repo = makeRepo();
    if (autocrlf) repo.git(['config', 'core.autocrlf', 'true']);
    for (const [path, content] of Object.entries(alembicEnv('', 2))) repo.write(path, crlf(content));
    repo.add().commit('crlf env');
    return repo;
  }

  for (const autocrlf of [false, true]) {
    const label = autocrlf ? 'with core.autocrlf=true' : 'stored as CRLF';
    it(`${label}: a CRLF alembic.ini is discovered and staged CRLF migrations pass`, () => {
      const repo = crlfRepo(autocrlf);
      const { json } = check(repo);
      expect(json.environments.map((e) => e.versions)).toEqual([['alembic/versions']]);
      const path = 'alembic/versions/003_sessions.py';
      repo.write(path, crlf(migration('003_sessions', '002_users', { typed: true })));
      expect(kindsAndPaths(check(repo).json)).toEqual([['untracked', path]]);
      repo.add(path);
      expect(check(repo)).toMatchObject({ code: 0, json: { findings: [] } });
    });

    it(`${label}: the graph is parsed from CRLF files (a fork is two heads, a missing parent is named)`, () => {
      const repo = crlfRepo(autocrlf);
      repo.write('alembic/versions/003_a.py', crlf(migration('003_a', '002_users')));
      repo.write('alembic/versions/003_b.py', crlf(migration('003_b', '002_users', { typed: true })));
      repo.add();
      let { code, json } = check(repo);
      expect(code).toBe(1);
      expect(json.findings.map((f) => [f.kind, f.problem])).toEqual([['graph', 'multiple-heads']]);
      repo.write('alembic/versions/004_merge.py', crlf(migration('004_merge', ['003_a', '003_b'])));
      repo.write('alembic/versions/005_orphan.py', crlf(migration('005_orphan', 'nope')));
      repo.add();
      ({ code, json } = check(repo));
      expect(code).toBe(1);
      // The merge resolved the fork; the orphan is named (its cut chain's second head is not
      // reported: "alembic merge heads" would be the wrong advice).
      expect(json.findings.map((f) => [f.kind, f.problem, f.paths])).toEqual([['graph', 'missing-parent', ['alembic/versions/005_orphan.py']]]);
    });
  }
});

describe('a monorepo with several Alembic environments', () => {
  function monorepo(): TestRepo {
    return makeRepo(
      {
        ...alembicEnv('services/a', 2),
        'services/b/alembic.ini': '[alembic]\nscript_location = migrations\n',
        'services/b/migrations/env.py': ENV_PY,
        'services/b/migrations/versions/001_initial.py': migration('001_initial', null),
        'services/b/migrations/versions/002_users.py': migration('002_users', '001_initial'),
        'apps/web/migrations/alembic.ini': '[alembic]\n\n[loggers]\nkeys = root\n',
        'apps/web/migrations/env.py': ENV_PY,
        'apps/web/migrations/versions/001_initial.py': migration('001_initial', null),
      },
      { commit: true },
    );
  }

  it('findings carry the environment they belong to', () => {
    const repo = monorepo();
    repo.write('services/a/alembic/versions/003_x.py', migration('003_x', '002_users'));
    repo.write('services/b/migrations/versions/003_y.py', migration('003_y', '002_users'));
    repo.write('apps/web/migrations/versions/002_z.py', migration('002_z', '001_initial'));
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(json.environments.map((e) => e.name).sort()).toEqual(['apps/web/migrations', 'services/a/alembic', 'services/b/migrations']);
    expect(json.findings.map((f) => [f.kind, f.environment, f.path]).sort()).toEqual([
      ['untracked', 'apps/web/migrations', 'apps/web/migrations/versions/002_z.py'],
      ['untracked', 'services/a/alembic', 'services/a/alembic/versions/003_x.py'],
      ['untracked', 'services/b/migrations', 'services/b/migrations/versions/003_y.py'],
    ]);
  });

  it('a revision id reused across environments is not a duplicate; within one environment it is', () => {
    const repo = monorepo();
    expect(check(repo)).toMatchObject({ code: 0, json: { findings: [] } });
    repo.write('services/b/migrations/versions/001_copy.py', migration('001_initial', null)).add();
    const { code, json } = check(repo);
    expect(code).toBe(1);
    expect(json.findings.map((f) => [f.kind, f.problem, f.environment])).toEqual(
      expect.arrayContaining([['graph', 'duplicate-revision', 'services/b/migrations']]),
    );
    expect(json.findings.every((f) => f.environment === 'services/b/migrations')).toBe(true);
  });

  it('a left-behind env file is reported for its own environment', () => {
    const repo = monorepo();
    repo.write('services/b/migrations/script.py.mako', MAKO);
    const { json } = check(repo);
    expect(json.findings.map((f) => [f.kind, f.environment, f.path, f.role])).toEqual([
      ['untracked', 'services/b/migrations', 'services/b/migrations/script.py.mako', 'env-file'],
    ]);
  });
});

describe('the read-only promise', () => {
  it('a stale index (files touched after git add) is not refreshed by check, though plain git status would rewrite it', () => {
    const repo = makeRepo(alembicEnv('', 3));
    repo.add();
    const future = new Date(Date.now() + 60_000);
    for (const name of ['001_initial', '002_users', '003_sessions']) {
      utimesSync(join(repo.dir, `alembic/versions/${name}.py`), future, future);
    }
    repo.write('alembic/versions/004_projects.py', migration('004_projects', '003_sessions'));
    const { code, json } = check(repo); // asserts the snapshot (index bytes included) is unchanged
    expect(code).toBe(1);
    expect(kindsAndPaths(json)).toEqual([['untracked', 'alembic/versions/004_projects.py']]);
    // The control: the same situation is one a normal `git status` refreshes (writes) the index for.
    const before = repo.snapshot();
    repo.git(['status', '--porcelain']);
    expect(repo.snapshot()).not.toEqual(before);
  });
});
