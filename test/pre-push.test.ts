import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  alembicEnv,
  CLI,
  cleanupAll,
  INCIDENT,
  incidentRepo,
  makeExecutable,
  makeRepo,
  migration,
  run,
  tempDir,
  testEnv,
  type TestRepo,
} from './helpers/repo.js';

afterAll(cleanupAll);

const V = 'backend/alembic/versions';
const file = (name: string) => `${V}/${name}.py`;
const ZERO = '0'.repeat(40);

/** A bare remote with main pushed, and the pre-push hook running this build. */
function withRemote(repo: TestRepo): { repo: TestRepo; remote: string } {
  const remote = join(tempDir('ag-remote-'), 'origin.git');
  run('git', ['init', '-q', '--bare', remote]);
  repo.git(['remote', 'add', 'origin', remote]);
  repo.git(['push', '-q', 'origin', 'main']);
  const hook = join(repo.dir, '.git/hooks/pre-push');
  writeFileSync(hook, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" pre-push "$@"\n`);
  makeExecutable(hook);
  return { repo, remote };
}

function sha(repo: TestRepo, rev: string): string {
  return repo.git(['rev-parse', rev]).stdout.trim();
}

function prePush(repo: TestRepo, lines: string[], format = 'json') {
  const result = repo.cli(['pre-push', 'origin', 'file:///remote', '--format', format], { input: lines.map((l) => `${l}\n`).join('') });
  return { ...result, report: format === 'json' && result.stdout ? JSON.parse(result.stdout) : null };
}

describe('pre-push through a real git push', () => {
  it('refuses to push HEAD while 009–014 sit uncommitted on disk, naming the six files', () => {
    const { repo } = withRemote(incidentRepo());
    repo.write('app.py', 'print(1)\n').add('app.py').commit('app');
    const before = repo.snapshot();
    const pushed = repo.git(['push', 'origin', 'main'], { allowFail: true });
    expect(pushed.code).not.toBe(0);
    for (const name of INCIDENT.slice(8)) expect(pushed.stdout + pushed.stderr).toContain(file(name));
    expect(pushed.stdout + pushed.stderr).toContain('push blocked');
    expect(repo.snapshot()).toBe(before);
    // The complete push passes.
    repo.add(V).commit('migrations');
    expect(repo.git(['push', '-q', 'origin', 'main']).code).toBe(0);
  });

  it('a delete-only push passes', () => {
    const { repo } = withRemote(makeRepo(alembicEnv('backend', 3), { commit: true }));
    repo.git(['push', '-q', 'origin', 'main:old']);
    repo.write(file('999_on_disk'), migration('999_on_disk', INCIDENT[2])); // left behind, but nothing is pushed
    expect(repo.git(['push', 'origin', '--delete', 'old']).code).toBe(0);
  });

  it('refuses a branch whose tree lacks a parent revision, naming the revision and file', () => {
    const { repo } = withRemote(makeRepo(alembicEnv('backend', 8), { commit: true }));
    repo.git(['checkout', '-q', '-b', 'hole']);
    repo.write(file(INCIDENT[9]), migration(INCIDENT[9], INCIDENT[8])).add(V).commit('hole');
    const pushed = repo.git(['push', 'origin', 'hole'], { allowFail: true });
    expect(pushed.code).not.toBe(0);
    expect(pushed.stdout + pushed.stderr).toContain(INCIDENT[8]);
    expect(pushed.stdout + pushed.stderr).toContain(file(INCIDENT[9]));
  });

  it('refuses a branch with two heads, naming both', () => {
    const { repo } = withRemote(makeRepo(alembicEnv('backend', 8), { commit: true }));
    repo.git(['checkout', '-q', '-b', 'two']);
    repo.write(`${V}/009_a.py`, migration('009_a', INCIDENT[7])).write(`${V}/009_b.py`, migration('009_b', INCIDENT[7])).add(V).commit('two');
    const pushed = repo.git(['push', 'origin', 'two'], { allowFail: true });
    expect(pushed.code).not.toBe(0);
    expect(pushed.stdout + pushed.stderr).toContain('009_a');
    expect(pushed.stdout + pushed.stderr).toContain('009_b');
    expect(pushed.stdout + pushed.stderr).toContain("alembic merge -m 'merge heads' heads");
  });

  it('pushes a tag and HEAD:other through the hook', () => {
    const { repo } = withRemote(makeRepo(alembicEnv('backend', 3), { commit: true }));
    repo.git(['tag', '-a', '-m', 'v1', 'v1']);
    expect(repo.git(['push', '-q', 'origin', 'v1']).code).toBe(0);
    expect(repo.git(['push', '-q', 'origin', 'HEAD:other']).code).toBe(0);
    repo.write(file(INCIDENT[3]), migration(INCIDENT[3], INCIDENT[2]));
    expect(repo.git(['push', 'origin', 'HEAD:third'], { allowFail: true }).code).not.toBe(0);
  });
});

describe('pre-push with crafted stdin', () => {
  it('skips deletions (all-zero local sha) and reads nothing else', () => {
    const repo = incidentRepo();
    const { code, report } = prePush(repo, [`(delete) ${ZERO} refs/heads/gone ${sha(repo, 'HEAD')}`]);
    expect(code).toBe(0);
    expect(report.findings).toEqual([]);
  });

  it('reports untracked, ignored, staged-but-uncommitted and modified-but-uncommitted separately', () => {
    const { repo } = withRemote(makeRepo(alembicEnv('backend', 8), { commit: true }));
    repo.write('.gitignore', '*_links.py\n').add('.gitignore').commit('ignore');
    repo.write(file(INCIDENT[8]), migration(INCIDENT[8], INCIDENT[7])); // untracked
    repo.write(file(INCIDENT[12]), migration(INCIDENT[12], INCIDENT[11])); // ignored
    repo.write(file(INCIDENT[1]), `${repo.read(file(INCIDENT[1]))}# staged\n`).add(file(INCIDENT[1]));
    repo.write(file(INCIDENT[2]), `${repo.read(file(INCIDENT[2]))}# modified\n`);
    const head = sha(repo, 'HEAD');
    const { code, report } = prePush(repo, [`refs/heads/main ${head} refs/heads/main ${sha(repo, 'origin/main')}`]);
    expect(code).toBe(1);
    const kinds = Object.fromEntries(report.findings.map((f: { path: string; kind: string }) => [f.path, f.kind]));
    expect(kinds[file(INCIDENT[8])]).toBe('untracked');
    expect(kinds[file(INCIDENT[12])]).toBe('ignored');
    expect(kinds[file(INCIDENT[1])]).toBe('staged-uncommitted');
    expect(kinds[file(INCIDENT[2])]).toBe('modified-uncommitted');
    const text = prePush(repo, [`refs/heads/main ${head} refs/heads/main ${sha(repo, 'origin/main')}`], 'text').stdout;
    expect(text).toContain(`git commit ${file(INCIDENT[1])}`);
    expect(text).toContain(`git add ${file(INCIDENT[2])}`);
  });

  it('a pushed branch that is not checked out is judged by its tree only', () => {
    const { repo } = withRemote(makeRepo(alembicEnv('backend', 8), { commit: true }));
    repo.git(['branch', 'side']);
    repo.write(file(INCIDENT[8]), migration(INCIDENT[8], INCIDENT[7])); // on disk only: irrelevant to 'side'…
    repo.add(V).commit('main moves on'); // …and now committed on main, so HEAD != side
    repo.write(file(INCIDENT[9]), migration(INCIDENT[9], INCIDENT[8])); // left behind on main's disk
    const { code, report } = prePush(repo, [`refs/heads/side ${sha(repo, 'side')} refs/heads/side ${ZERO}`]);
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
  });

  it('checks two refs in one push: a good one and a broken one', () => {
    const { repo } = withRemote(makeRepo(alembicEnv('backend', 8), { commit: true }));
    repo.git(['checkout', '-q', '-b', 'broken']);
    repo.write(`${V}/009_a.py`, migration('009_a', 'missing_rev')).add(V).commit('broken');
    repo.git(['checkout', '-q', 'main']);
    const { code, report } = prePush(repo, [
      `refs/heads/main ${sha(repo, 'main')} refs/heads/main ${sha(repo, 'origin/main')}`,
      `refs/heads/broken ${sha(repo, 'broken')} refs/heads/broken ${ZERO}`,
    ]);
    expect(code).toBe(1);
    expect(report.findings.map((f: { problem?: string }) => f.problem)).toContain('missing-parent');
  });

  it('judges every pushed commit that changes migrations, not only the tip', () => {
    const { repo } = withRemote(makeRepo(alembicEnv('backend', 8), { commit: true }));
    repo.write(`${V}/009_a.py`, migration('009_a', 'missing_rev')).add(V).commit('broken in the middle');
    const broken = sha(repo, 'HEAD');
    repo.write(`${V}/009_a.py`, migration('009_a', INCIDENT[7])).add(V).commit('mended at the tip');
    repo.write('app.py', 'print(1)\n').add('app.py').commit('no migration');
    const { code, report } = prePush(repo, [`refs/heads/main ${sha(repo, 'HEAD')} refs/heads/main ${sha(repo, 'origin/main')}`]);
    expect(code).toBe(1);
    const graph = report.findings.filter((f: { kind: string }) => f.kind === 'graph');
    expect(graph.map((f: { problem: string }) => f.problem)).toEqual(['missing-parent']);
    expect(JSON.stringify(graph)).toContain(broken.slice(0, 12));
    // Through a real push too; the tip alone holds together.
    expect(repo.git(['push', 'origin', 'main'], { allowFail: true }).code).not.toBe(0);
    expect(repo.cli(['graph', '--rev', 'HEAD']).code).toBe(0);
  });

  it('a push of many refs starts as many git processes as a push of one', () => {
    const { repo } = withRemote(makeRepo(alembicEnv('backend', 8), { commit: true }));
    const lines: string[] = [];
    const tags: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      repo.git(['commit', '-q', '--allow-empty', '-m', `app ${i}`]);
      const commit = sha(repo, 'HEAD');
      tags.push(`create refs/tags/t${i} ${commit}\n`);
      lines.push(`refs/tags/t${i} ${commit} refs/tags/t${i} ${ZERO}`);
    }
    repo.git(['update-ref', '--stdin'], { input: tags.join('') });
    repo.git(['checkout', '-q', '--detach', 'main~12']); // HEAD is none of the pushed commits
    const gitProcesses = (refs: string[]) => {
      const trace = join(tempDir('ag-trace-'), 'trace');
      const result = repo.cli(['pre-push', 'origin', 'file:///remote', '--format', 'json'], {
        input: refs.map((l) => `${l}\n`).join(''),
        env: { GIT_TRACE: trace },
      });
      expect(result.code).toBe(0);
      return readFileSync(trace, 'utf8')
        .split('\n')
        .filter((l) => l.includes('trace: built-in: git')).length;
    };
    gitProcesses(lines.slice(0, 1)); // the first run parses and fills the cache
    expect(gitProcesses(lines)).toBe(gitProcesses(lines.slice(0, 1)));
    // And a broken commit among them is still found.
    repo.git(['checkout', '-q', 'main']);
    repo.write(`${V}/009_a.py`, migration('009_a', 'missing_rev')).add(V).commit('broken');
    const { code, report } = prePush(repo, [...lines, `refs/tags/broken ${sha(repo, 'HEAD')} refs/tags/broken ${ZERO}`]);
    expect(code).toBe(1);
    expect(report.findings.map((f: { problem?: string }) => f.problem)).toContain('missing-parent');
  }, 180_000);

  it('warns (by default) or blocks (by configuration) when a pushed commit edits a migration the remote has', () => {
    const { repo } = withRemote(makeRepo(alembicEnv('backend', 8), { commit: true }));
    const remoteSha = sha(repo, 'origin/main');
    repo
      .write(file(INCIDENT[3]), `${repo.read(file(INCIDENT[3]))}# silently changed\n`)
      .add(V)
      .commit('edit applied migration');
    repo.git(['rm', '-q', file(INCIDENT[7])]);
    repo.write(file(INCIDENT[7]).replace('008', '008b'), migration(INCIDENT[7], INCIDENT[6])).add(V).commit('rename');
    const line = `refs/heads/main ${sha(repo, 'HEAD')} refs/heads/main ${remoteSha}`;
    const first = prePush(repo, [line]);
    const report = first.report;
    let code = first.code;
    const changed = report.findings.filter((f: { kind: string }) => f.kind === 'changed-pushed-migration');
    expect(changed.map((f: { path: string; change: string }) => [f.path, f.change]).sort()).toEqual([
      [file(INCIDENT[3]), 'modified'],
      [file(INCIDENT[7]), 'deleted'],
    ]);
    expect(changed[0].severity).toBe('warning');
    expect(code).toBe(0);
    repo.write('.alembic-guard.json', JSON.stringify({ changedMigrations: 'block' }));
    ({ code } = prePush(repo, [line]));
    expect(code).toBe(1);
    // A new branch is compared with what the remote already has (its tracking refs).
    ({ code } = prePush(repo, [`refs/heads/feature ${sha(repo, 'HEAD')} refs/heads/feature ${ZERO}`]));
    expect(code).toBe(1);
  });

  it('bypass works for pre-push and is logged with the hook name', () => {
    const repo = incidentRepo();
    const result = repo.cli(['pre-push', 'origin', 'x'], {
      input: `refs/heads/main ${sha(repo, 'HEAD')} refs/heads/main ${ZERO}\n`,
      env: { ALEMBIC_GUARD_SKIP: 'deploy freeze' },
    });
    expect(result.code).toBe(0);
    expect(repo.read('.git/alembic-guard/bypass.log')).toContain('"hook":"pre-push"');
  });

  it('a malformed ref line is an error (exit 2), not a pass', () => {
    const repo = incidentRepo();
    const result = repo.cli(['pre-push', 'origin', 'x'], { input: 'garbage\n' });
    expect(result.code).toBe(2);
  });
});

it('testEnv isolates the global git config', () => {
  expect(testEnv().GIT_CONFIG_GLOBAL).toContain('ag-home-');
});

describe('pre-push under the pre-commit framework (refs in PRE_COMMIT_* variables, nothing on stdin)', () => {
  it('judges the pushed commit the framework names, and the working tree when it is HEAD', () => {
    const { repo } = withRemote(incidentRepo());
    const remoteSha = sha(repo, 'HEAD');
    repo.write('app.py', 'print(1)\n').add('app.py').commit('app');
    const env = {
      PRE_COMMIT_FROM_REF: remoteSha,
      PRE_COMMIT_TO_REF: sha(repo, 'HEAD'),
      PRE_COMMIT_REMOTE_NAME: 'origin',
      PRE_COMMIT_REMOTE_URL: 'file:///remote',
      PRE_COMMIT_LOCAL_BRANCH: 'refs/heads/main',
      PRE_COMMIT_REMOTE_BRANCH: 'refs/heads/main',
    };
    const blocked = repo.cli(['pre-push', '--format', 'json'], { env, input: '' });
    expect(blocked.code).toBe(1);
    const paths = JSON.parse(blocked.stdout).findings.map((f: { path: string }) => f.path);
    expect(paths).toEqual(INCIDENT.slice(8).map(file));
    repo.add(V).commit('migrations');
    const passed = repo.cli(['pre-push', '--format', 'json'], { env: { ...env, PRE_COMMIT_TO_REF: sha(repo, 'HEAD') }, input: '' });
    expect(passed.code, passed.stderr).toBe(0);
  });

  it('first push to an empty remote: no FROM/TO range, so the pushed branch is judged as a new branch, with the working tree', () => {
    // pre-commit runs push hooks on all files and sets only the branch variables when the push
    // carries the root commit (hook_impl.py `_pre_push_ns`).
    const repo = incidentRepo();
    const env = {
      PRE_COMMIT: '1',
      PRE_COMMIT_REMOTE_NAME: 'origin',
      PRE_COMMIT_REMOTE_URL: 'file:///remote',
      PRE_COMMIT_LOCAL_BRANCH: 'refs/heads/main',
      PRE_COMMIT_REMOTE_BRANCH: 'refs/heads/main',
    };
    const blocked = repo.cli(['pre-push', '--format', 'json'], { env, input: '' });
    expect(blocked.code, blocked.stdout + blocked.stderr).toBe(1);
    const paths = JSON.parse(blocked.stdout).findings.map((f: { path: string }) => f.path);
    expect(paths).toEqual(INCIDENT.slice(8).map(file));
    // Only PRE_COMMIT=1 (pre-commit run --hook-stage push by hand): HEAD is the pushed commit.
    expect(repo.cli(['pre-push', '--format', 'json'], { env: { PRE_COMMIT: '1' }, input: '' }).code).toBe(1);
    repo.add(V).commit('migrations');
    const passed = repo.cli(['pre-push', '--format', 'json'], { env, input: '' });
    expect(passed.code, passed.stderr).toBe(0);
  });
});

describe('the fix for a file left on disk says the whole way: add, commit, push again', () => {
  it('untracked migrations under a real git push', () => {
    const { repo } = withRemote(incidentRepo());
    repo.write('app.py', 'print(1)\n').add('app.py').commit('app');
    const pushed = repo.git(['push', 'origin', 'main'], { allowFail: true });
    expect(pushed.code).not.toBe(0);
    const out = pushed.stdout + pushed.stderr;
    expect(out).toContain(`git add ${file(INCIDENT[8])} && git commit   then push again`);
    expect(out).toMatch(/All at once: git add .* && git commit {3}then push again/);
    expect(out).not.toMatch(/→ git add \S+$/m); // never the add alone
  });
});
