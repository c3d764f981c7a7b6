/**
 * The quiet commit (src/hooks/quiet-commit.ts, hooks/quiet-commit.sh): the pre-commit hook starts
 * no node while nothing the last passing check judged has changed — and starts it, and blocks,
 * for every way a migration can be left behind or the graph broken. Real `git commit` through the
 * installed hooks (plain git hooks from a private copy of the package, husky from the packed one);
 * a node that writes a line to a log before it runs tells the two paths apart.
 */
import { cpSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONVENTIONAL, NOT_PROJECTS } from '../src/alembic/discover.js';
import { STATUS_ARGS } from '../src/git/status.js';
import { CHANGING_VARIABLES, QUIET_HEADER, QUIET_NOTE } from '../src/hooks/quiet-commit.js';
import { linkNodeModules, packProject, type Packed } from './helpers/pack.js';
import { alembicEnv, cleanupAll, INCIDENT, makeRepo, migration, PROJECT, run, tempDir, testEnv, type TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

const V = 'alembic/versions';
const PASS = '✔ alembic-guard: migrations are committed and the revision graph holds';

/** A developer's machine: CI's variables (set where this suite runs in CI) would send every hook to node. */
const devEnv = (extra: Record<string, string> = {}) => testEnv({ CI: undefined, GITHUB_ACTIONS: undefined, ...extra });

/** A node that notes each start in a log, then runs the real one. */
function loggedNode(): { node: string; bin: string; starts: () => number } {
  const bin = tempDir('ag-node-bin-');
  const log = join(bin, 'starts.log');
  writeFileSync(log, '');
  const node = join(bin, 'node');
  writeFileSync(node, `#!/bin/sh\necho start >> '${log}'\nexec '${process.execPath}' "$@"\n`, { mode: 0o755 });
  return { node, bin, starts: () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length };
}

/** This package as a folder of its own (dist/, hooks/, package.json), its dependencies linked. */
function privatePackage(): string {
  const dir = join(tempDir('ag-pkg-'), 'alembic-guard');
  mkdirSync(dir);
  for (const part of ['dist', 'hooks', 'package.json']) cpSync(join(PROJECT, part), join(dir, part), { recursive: true });
  symlinkSync(join(PROJECT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

interface Attempt {
  code: number;
  out: string;
  /** node started by the hook for this commit */
  node: boolean;
}

/** A project committed with 001–008 and app/models.py, its hooks installed, commits made through them. */
class Project {
  private edits = 0;
  constructor(
    readonly repo: TestRepo,
    private readonly starts: () => number,
    private readonly env: Record<string, string> = {},
  ) {}

  /** Changes app/models.py, stages it, and commits through the hooks. */
  commit(extra: Record<string, string> = {}, args: string[] = []): Attempt {
    this.edits += 1;
    this.repo.write('app/models.py', `v${this.edits}\n`).add('app/models.py');
    const before = this.starts();
    const result = run('git', ['commit', '-q', '-m', `edit ${this.edits}`, ...args], { cwd: this.repo.dir, env: devEnv({ ...this.env, ...extra }) });
    return { code: result.code, out: `${result.stdout}${result.stderr}`, node: this.starts() > before };
  }
}

function plainProject(): { project: Project; pkg: string; starts: () => number } {
  const pkg = privatePackage();
  const { node, starts } = loggedNode();
  const repo = makeRepo({ ...alembicEnv(''), 'app/models.py': 'v0\n' }, { commit: true });
  expect(run(process.execPath, [join(pkg, 'dist/cli.js'), 'install'], { cwd: repo.dir, env: testEnv() }).code).toBe(0);
  const hook = join(repo.dir, '.git/hooks/pre-commit');
  writeFileSync(hook, readFileSync(hook, 'utf8').replace(/^alembic_guard_node=.*$/m, `alembic_guard_node='${node}'`));
  return { project: new Project(repo, starts), pkg, starts };
}

/**
 * The first commit writes the note (node), the next (or, after a migration was staged, the one
 * after) goes without node. The top folder's mtime is
 * set back ten seconds first, as if it had last changed a while ago: a note is only written for a
 * top folder that changed more than a second before the check began (the shell's -nt may compare
 * whole seconds), so a test that has just made the repository would otherwise wait.
 */
function settle(project: Project): void {
  const past = Date.now() / 1000 - 10;
  utimesSync(project.repo.dir, past, past);
  const first = project.commit();
  expect(first.code, first.out).toBe(0);
  // A commit that adds a migration changes what git status says of it (staged, then committed):
  // the commit after it starts node once more.
  let quiet = project.commit();
  if (quiet.node) quiet = project.commit();
  expect(quiet, quiet.out).toMatchObject({ code: 0, node: false });
  expect(quiet.out.trim()).toBe(PASS);
}

/** A commit that node judges and refuses, naming what. */
function blocked(project: Project, says: string, extra: Record<string, string> = {}, args: string[] = []): void {
  const attempt = project.commit(extra, args);
  expect(attempt.node, attempt.out).toBe(true);
  expect(attempt.code, attempt.out).toBe(1);
  expect(attempt.out).toContain(says);
}

describe('plain git hooks', () => {
  it('a commit touching no migration starts no node; each way of leaving one behind starts it and is refused', () => {
    const { project } = plainProject();
    const { repo } = project;
    settle(project);

    // An untracked migration (the incident).
    repo.write(`${V}/${INCIDENT[8]}.py`, migration(INCIDENT[8], INCIDENT[7]));
    blocked(project, `${V}/${INCIDENT[8]}.py`);
    repo.add(`${V}/${INCIDENT[8]}.py`);
    settle(project); // staged: node judges the new graph, then the note holds again

    // An unstaged edit of a committed migration.
    repo.write(`${V}/${INCIDENT[0]}.py`, `${repo.read(`${V}/${INCIDENT[0]}.py`)}# edited\n`);
    blocked(project, `${V}/${INCIDENT[0]}.py`);
    repo.git(['checkout', '--', `${V}/${INCIDENT[0]}.py`]);
    settle(project);

    // Staged: a migration holding a merge's conflict markers; a second head.
    repo.write(`${V}/${INCIDENT[9]}.py`, `<<<<<<< HEAD\n${migration(INCIDENT[9], INCIDENT[8])}=======\n>>>>>>> other\n`).add(`${V}/${INCIDENT[9]}.py`);
    blocked(project, `${V}/${INCIDENT[9]}.py`);
    repo.write(`${V}/${INCIDENT[9]}.py`, migration(INCIDENT[9], INCIDENT[7])).add(`${V}/${INCIDENT[9]}.py`);
    blocked(project, 'heads');
    repo.git(['rm', '-q', '--cached', `${V}/${INCIDENT[9]}.py`]);
    repo.remove(`${V}/${INCIDENT[9]}.py`);
    settle(project);

    // `git commit -a` with a tracked migration edited into a second head.
    repo.write(`${V}/${INCIDENT[8]}.py`, migration(INCIDENT[8], INCIDENT[6]));
    blocked(project, 'heads', {}, ['-a']);
    repo.git(['checkout', '--', `${V}/${INCIDENT[8]}.py`]);
    settle(project);

    // A new environment: in a new top-level folder, and in one that was there (app/).
    repo.write('svc/alembic.ini', '[alembic]\nscript_location = alembic\n').write('svc/alembic/env.py', 'x = 1\n');
    blocked(project, 'svc/alembic.ini');
    repo.remove('svc');
    settle(project);
    repo.write('app/alembic.ini', '[alembic]\nscript_location = alembic\n').write('app/alembic/env.py', 'x = 1\n');
    blocked(project, 'app/alembic.ini');
    repo.remove('app/alembic.ini').remove('app/alembic');
    settle(project);
  });

  it('node runs again for a new configuration, a file discovery read, the variables, and a new build', () => {
    const { project, pkg } = plainProject();
    const { repo } = project;
    repo.write('pyproject.toml', '[project]\nname = "app"\n').add('pyproject.toml').commit('pyproject');
    settle(project);

    // pyproject.toml is read (configuration, discovery) but not watched: its bytes are in the note.
    repo.write('pyproject.toml', '[project]\nname = "app"\n\n[tool.alembic-guard]\nignore = ["alembic/versions/*_trace_*.py"]\n');
    const edited = project.commit();
    expect(edited, edited.out).toMatchObject({ code: 0, node: true });
    expect(project.commit()).toMatchObject({ code: 0, node: false });
    repo.write('.alembic-guard.json', '{}\n');
    expect(project.commit()).toMatchObject({ code: 0, node: true });
    repo.remove('.alembic-guard.json');
    settle(project);

    for (const name of CHANGING_VARIABLES) {
      const value = name === 'ALEMBIC_GUARD_PYTHON' ? '/usr/bin/python3' : name === 'ALEMBIC_GUARD_CACHE' ? 'off' : 'testing';
      const attempt = project.commit({ [name]: value });
      expect(attempt.node, `${name}: ${attempt.out}`).toBe(true);
      expect(attempt.code, attempt.out).toBe(0);
    }
    expect(project.commit()).toMatchObject({ code: 0, node: false });

    writeFileSync(join(pkg, 'dist/stamp'), 'another build\n');
    expect(project.commit()).toMatchObject({ code: 0, node: true });
    expect(project.commit()).toMatchObject({ code: 0, node: false });
  });

  it('the quiet hook changes nothing: index, HEAD, refs, working files and the note itself', () => {
    const { project } = plainProject();
    const { repo } = project;
    settle(project);
    repo.write('app/models.py', 'staged\n').add('app/models.py');
    const note = join(repo.dir, '.git', QUIET_NOTE);
    const before = `${repo.snapshot()}\n${readFileSync(note, 'utf8')}`;
    const hook = run('sh', ['.git/hooks/pre-commit'], { cwd: repo.dir, env: devEnv() });
    expect(hook.code, hook.stderr).toBe(0);
    expect(hook.stdout.trim()).toBe(PASS);
    expect(`${repo.snapshot()}\n${readFileSync(note, 'utf8')}`).toBe(before);
  });

  it('agrees with a check without caches in every state of a random walk', () => {
    const { project, starts } = plainProject();
    const { repo } = project;
    const base = repo.git(['rev-parse', 'HEAD']).stdout.trim();
    // A small generator (no dependency): the same walk on every run.
    let seed = 20261204;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const steps: (() => void)[] = [
      () => repo.write(`${V}/${INCIDENT[8]}.py`, migration(INCIDENT[8], INCIDENT[7])),
      () => repo.write(`${V}/${INCIDENT[9]}.py`, migration(INCIDENT[9], INCIDENT[next(2) + 6])),
      () => repo.git(['add', '-A', V]),
      () => repo.git(['reset', '-q', '--', V]),
      () => repo.write(`${V}/${INCIDENT[next(8)]}.py`, `# edited ${next(1000)}\n`),
      () => repo.git(['checkout', '--', V]),
      () => repo.git(['clean', '-fdq', '--', V]),
      () => repo.write('svc/alembic.ini', '[alembic]\nscript_location = alembic\n'),
      () => repo.remove('svc'),
      () =>
        repo.write('alembic.ini', repo.read('alembic.ini').replace(/script_location = .*/, `script_location = %(here)s/${next(2) ? 'alembic' : 'elsewhere'}`)),
      () => repo.git(['checkout', '--', 'alembic.ini']),
      () => repo.git(['commit', '-q', '--no-verify', '-m', 'as it is']),
      // Back to the committed project, twice as likely: most other steps leave something behind.
      ...[1, 2].map(() => () => {
        repo.git(['reset', '-q', '--hard', base]);
        repo.git(['clean', '-fdq']);
      }),
    ];
    let quiet = 0;
    for (let i = 0; i < 24; i += 1) {
      steps[next(steps.length)]!();
      const past = Date.now() / 1000 - 10;
      utimesSync(repo.dir, past, past);
      const reference = repo.cli(['check'], { env: { ALEMBIC_GUARD_CACHE: 'off' } });
      // Twice: the first run may write the note, the second may go by it.
      for (const attempt of ['first', 'second']) {
        const before = starts();
        const hook = run('sh', ['.git/hooks/pre-commit'], { cwd: repo.dir, env: devEnv() });
        if (starts() === before) quiet += 1;
        expect(hook.code, `step ${i}, ${attempt} run: ${hook.stdout}${hook.stderr}\nreference: ${reference.stdout}`).toBe(reference.code);
      }
    }
    expect(quiet).toBeGreaterThan(0);
  });
});

describe('husky', () => {
  let packed: Packed;
  beforeAll(() => {
    packed = packProject();
  });

  it('the block goes without node while the note holds, and runs it for a left-behind migration', () => {
    const { bin, starts } = loggedNode();
    const repo = makeRepo(
      { ...alembicEnv(''), 'app/models.py': 'v0\n', 'package.json': '{ "name": "app", "private": true }\n', '.gitignore': 'node_modules\n' },
      { commit: true },
    );
    linkNodeModules(packed, repo.dir);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const installed = run(join(repo.dir, 'node_modules/.bin/alembic-guard'), ['install'], { cwd: repo.dir, env: testEnv(env) });
    expect(installed.code, installed.stderr).toBe(0);
    const project = new Project(repo, starts, env);
    settle(project);
    repo.write(`${V}/${INCIDENT[8]}.py`, migration(INCIDENT[8], INCIDENT[7]));
    blocked(project, `${V}/${INCIDENT[8]}.py`);
  });
});

describe('hooks/quiet-commit.sh', () => {
  it('repeats the lists the note is written with', () => {
    const sh = readFileSync(join(PROJECT, 'hooks/quiet-commit.sh'), 'utf8');
    expect(sh).toContain(`for alembic_guard_file in ${CONVENTIONAL.join(' ')}; do`);
    expect(sh).toContain(`case $alembic_guard_dir in ${[...NOT_PROJECTS].join('|')} | '*') continue ;; esac`);
    expect(sh).toContain(`git ${STATUS_ARGS.join(' ')} --ignore-submodules=all -- "$@"`);
    expect(sh).toContain(`[ -z "${CHANGING_VARIABLES.map((name) => `\${${name}:-}`).join('')}" ]`);
    expect(sh).toContain(`alembic_guard_note=.git/${QUIET_NOTE}`);
    expect(sh).toContain(`'${QUIET_HEADER}' | `);
    expect(run('sh', ['-n', join(PROJECT, 'hooks/quiet-commit.sh')]).code).toBe(0);
  });
});
