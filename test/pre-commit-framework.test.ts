// The pre-commit framework (https://pre-commit.com) installing alembic-guard from this repository
// as a user's .pre-commit-config.yaml names it: a tagged revision of a git repository holding
// this project's files, `pre-commit try-repo` and `pre-commit install`, then real commits and
// pushes. Debian's pre-commit (3.0.4 on bookworm; .ci/run installs it) by default; set
// AG_TEST_PRE_COMMIT to a colon-separated list of other pre-commit executables to try them too
// (pre-commit 4.x installs node hooks with `npm install -g git+file://…`, 3.x with npm pack).
// The hook environment's npm install reads the npm cache of this machine and the npm registry.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linkNodeModules, packProject } from './helpers/pack.js';
import { cleanupAll, INCIDENT, incidentRepo, networkEnv, PROJECT, run, tempDir, testEnv, type TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

const V = 'backend/alembic/versions';
const LEFT = INCIDENT.slice(8).map((name) => `${V}/${name}.py`);

const executables = ['pre-commit', ...(process.env.AG_TEST_PRE_COMMIT ?? '').split(':').filter(Boolean)];
const found = executables.filter((exe) => run('sh', ['-c', 'command -v "$1"', 'sh', exe]).code === 0);
if (!found.includes('pre-commit')) {
  if (process.env.CI) throw new Error('pre-commit is missing: CI must install it (apt-get install pre-commit)');
  console.warn('pre-commit-framework.test.ts: pre-commit not found, skipping (apt-get install pre-commit)');
}

/** A git repository holding this project's tracked files as they are now, tagged v0.1.0. */
function hookRepository(): string {
  const dir = join(tempDir('ag-hook-repo-'), 'alembic-guard');
  mkdirSync(dir);
  const tracked = run('git', ['ls-files', '-z'], { cwd: PROJECT }).stdout.split('\0').filter(Boolean);
  for (const file of tracked) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      copyFileSync(join(PROJECT, file), join(dir, file));
    } catch {
      // deleted in the working tree and not yet committed: not part of it
    }
  }
  const env = testEnv();
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'alembic-guard'],
    ['tag', 'v0.1.0'],
  ]) {
    const result = run('git', args, { cwd: dir, env });
    if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  }
  return dir;
}

it.skipIf(found.length > 0)('pre-commit is not installed here', () => undefined);

describe.each(found)('%s', (exe) => {
  const home = tempDir('ag-pre-commit-home-');
  // The real npm cache (the test HOME is a fresh folder); pre-commit hands npm this environment.
  const env = {
    ...networkEnv(),
    PRE_COMMIT_HOME: home,
    npm_config_cache: process.env.npm_config_cache || join(homedir(), '.npm'),
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  const pc = (repo: TestRepo, args: string[]) => run(exe, args, { cwd: repo.dir, env: testEnv(env) });

  it('try-repo and a config at a tagged revision install it; a real commit and a first push are refused while migrations sit on disk', () => {
    const version = run(exe, ['--version'], { env: testEnv(env) }).stdout.trim();
    const hooks = hookRepository();
    const repo = incidentRepo();

    // try-repo at the tag: this installs the hook environment (reused below: same repo and rev).
    const started = Date.now();
    const tried = pc(repo, ['try-repo', hooks, 'alembic-guard', '--ref', 'v0.1.0', '--all-files']);
    console.log(`${version}: hook environment installed and run by try-repo in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(tried.code, tried.stdout + tried.stderr).toBe(1);
    for (const path of LEFT) expect(tried.stdout).toContain(path);

    writeFileSync(
      join(repo.dir, '.pre-commit-config.yaml'),
      [
        'repos:',
        `  - repo: ${hooks}`,
        '    rev: v0.1.0',
        '    hooks:',
        '      - id: alembic-guard',
        '      - id: alembic-guard-push',
        '      - id: alembic-guard-bypass-trailer',
        '',
      ].join('\n'),
    );
    repo.add('.pre-commit-config.yaml').git(['commit', '-q', '--no-verify', '-m', 'pre-commit config']);
    const installed = pc(repo, ['install', '--hook-type', 'pre-commit', '--hook-type', 'pre-push', '--hook-type', 'commit-msg']);
    expect(installed.code, installed.stdout + installed.stderr).toBe(0);

    // git commit: refused, naming the six files and the skips that work under the framework.
    repo.write('backend/app.py', 'print(1)\n').add('backend/app.py');
    const blocked = repo.git(['commit', '-m', 'app'], { allowFail: true, env });
    expect(blocked.code, blocked.stdout + blocked.stderr).not.toBe(0);
    for (const path of LEFT) expect(blocked.stdout + blocked.stderr).toContain(path);
    expect(blocked.stdout + blocked.stderr).toContain('SKIP=alembic-guard git commit');
    expect(blocked.stdout + blocked.stderr).not.toContain('HUSKY=0');

    // The bypass: through, and the commit says so in its message (the reason redacted).
    const bypassed = repo.git(['commit', '-q', '-m', 'app without its migrations'], { allowFail: true, env: { ...env, ALEMBIC_GUARD_SKIP: REASON } });
    expect(bypassed.code, bypassed.stdout + bypassed.stderr).toBe(0);
    expect(repo.git(['log', '-1', '--format=%B']).stdout).toBe(`app without its migrations\n\n${TRAILER}\n\n`);

    // The first push to an empty remote: the framework gives no range; the push is still judged.
    const remote = join(tempDir('ag-remote-'), 'origin.git');
    run('git', ['init', '-q', '--bare', remote]);
    repo.git(['remote', 'add', 'origin', remote]);
    const refused = repo.git(['push', 'origin', 'main'], { allowFail: true, env });
    expect(refused.code, refused.stdout + refused.stderr).not.toBe(0);
    for (const path of LEFT) expect(refused.stdout + refused.stderr).toContain(path);
    expect(run('git', ['--git-dir', remote, 'rev-parse', '--verify', '-q', 'refs/heads/main']).code).not.toBe(0);

    // Committed, the same commit and push go through.
    repo.add(V);
    const passed = repo.git(['commit', '-m', 'the migrations'], { allowFail: true, env });
    expect(passed.code, passed.stdout + passed.stderr).toBe(0);
    expect(repo.git(['log', '-1', '--format=%B']).stdout).toBe('the migrations\n\n');
    const pushed = repo.git(['push', 'origin', 'main'], { allowFail: true, env });
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
  }, 900_000);
});

const REASON = 'INC-42, see postgresql://ops:hunter2@db.internal/prod';
const TRAILER = 'Alembic-Guard-Bypass: INC-42, see postgresql://ops:***@db.internal/prod';

// The snippet docs/install.md gives for `repo: local`: no hook environment to build (the first
// run of a `language: node` hook builds one from the repository, over a minute), the project's
// own alembic-guard from node_modules. Stage names as pre-commit 3.0 knows them.
export const LOCAL_CONFIG = [
  '# `pre-commit install` installs these hook types (commit-msg: the bypass trailer)',
  'default_install_hook_types: [pre-commit, pre-push, commit-msg]',
  'repos:',
  '  - repo: local',
  '    hooks:',
  '      - id: alembic-guard',
  '        name: alembic-guard',
  '        entry: node_modules/.bin/alembic-guard check',
  '        language: system',
  '        pass_filenames: false',
  '        always_run: true',
  '        stages: [commit]',
  '      - id: alembic-guard-push',
  '        name: alembic-guard (push)',
  '        entry: node_modules/.bin/alembic-guard pre-push',
  '        language: system',
  '        pass_filenames: false',
  '        always_run: true',
  '        stages: [push]',
  '      - id: alembic-guard-bypass-trailer',
  '        name: alembic-guard (bypass trailer)',
  `        entry: sh -c '[ -z "\${ALEMBIC_GUARD_SKIP:-}" ] || [ "$ALEMBIC_GUARD_SKIP" = 0 ] || exec node_modules/.bin/alembic-guard commit-msg "$1"' alembic-guard`,
  '        language: system',
  '        always_run: true',
  '        stages: [commit-msg]',
  '',
].join('\n');

describe.each(found)('repo: local, language: system (as docs/install.md gives it), %s', (exe) => {
  it('works as pasted: the commit leaving migrations behind is refused, and passes once they are added', () => {
    const packed = packProject();
    const repo = incidentRepo();
    linkNodeModules(packed, repo.dir);
    repo.write('.gitignore', 'node_modules\n').write('.pre-commit-config.yaml', LOCAL_CONFIG).add('.gitignore', '.pre-commit-config.yaml');
    repo.git(['commit', '-q', '--no-verify', '-m', 'pre-commit config']);
    const env = { PRE_COMMIT_HOME: tempDir('ag-pre-commit-home-') };
    // No --hook-type: default_install_hook_types in the config says which.
    const installed = run(exe, ['install'], { cwd: repo.dir, env: testEnv(env) });
    expect(installed.code, installed.stdout + installed.stderr).toBe(0);
    expect(installed.stdout).toContain('commit-msg');
    repo.git(['checkout', '-q', '-b', 'feature']);
    repo.write('backend/app.py', 'print(1)\n').add('backend/app.py');
    const started = Date.now();
    const blocked = repo.git(['commit', '-m', 'app'], { allowFail: true, env });
    console.log(`${exe} (repo: local, language: system): a blocked commit in ${Date.now() - started} ms`);
    expect(blocked.code, blocked.stdout + blocked.stderr).not.toBe(0);
    for (const path of LEFT) expect(blocked.stdout + blocked.stderr).toContain(path);

    // The bypass: through, and the commit says so in its message; verify --base lists it.
    const bypassed = repo.git(['commit', '-m', 'app'], { allowFail: true, env: { ...env, ALEMBIC_GUARD_SKIP: REASON } });
    expect(bypassed.code, bypassed.stdout + bypassed.stderr).toBe(0);
    expect(repo.git(['log', '-1', '--format=%B']).stdout).toBe(`app\n\n${TRAILER}\n\n`);
    const bypassedCommit = repo.git(['rev-parse', 'HEAD']).stdout.trim();

    repo.add(V);
    const passed = repo.git(['commit', '-m', 'its migrations'], { allowFail: true, env });
    expect(passed.code, passed.stdout + passed.stderr).toBe(0);
    expect(repo.git(['log', '-1', '--format=%B']).stdout).toBe('its migrations\n\n');
    const verified = repo.cli(['verify', '--format', 'json', '--base', 'main']);
    const bypassedFindings = (JSON.parse(verified.stdout) as { findings: { kind: string; commit: string }[] }).findings.filter(
      (f) => f.kind === 'bypassed-commit',
    );
    expect(bypassedFindings.map((f) => f.commit)).toEqual([bypassedCommit]);
  }, 300_000);
});
