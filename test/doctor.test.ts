/**
 * doctor: what it tells about a clone, and its exit code — 0 when the guard runs on the next
 * commit in this worktree, 1 when it does not. Each answer is checked against a real commit.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPlainHook } from '../src/hooks/plain.js';
import { linkNodeModules, packProject, type Packed } from './helpers/pack.js';
import { alembicEnv, bareToolEnv, cleanupAll, INCIDENT, makeRepo, migration, run, tempDir, testEnv, TestRepo, type RunResult } from './helpers/repo.js';

let packed: Packed;
beforeAll(() => {
  packed = packProject();
});
afterAll(cleanupAll);

const LEFT = `alembic/versions/${INCIDENT[8]}.py`;

function project(pkg = false): TestRepo {
  const files: Record<string, string> = { ...alembicEnv(''), 'app/models.py': 'v1\n', '.gitignore': 'node_modules\n' };
  if (pkg) files['package.json'] = '{\n  "name": "app",\n  "version": "1.0.0",\n  "private": true\n}\n';
  const repo = makeRepo(files, { commit: true });
  if (pkg) linkNodeModules(packed, repo.dir);
  return repo;
}

function leaveBehind(repo: TestRepo, version = 2): void {
  repo.write(LEFT, migration(INCIDENT[8], INCIDENT[7]));
  repo.write('app/models.py', `v${version}\n`);
}

function commitAll(dir: string, message: string): RunResult {
  return run('git', ['commit', '-am', message], { cwd: dir, env: testEnv() });
}

function doctorJson(repo: TestRepo, cwd?: string) {
  const result = repo.cli(['doctor', '--format', 'json'], { cwd });
  return { code: result.code, json: JSON.parse(result.stdout) };
}

describe('doctor', () => {
  it('says a clone without hooks is not protected (exit 1), and how to fix it', () => {
    const repo = project();
    const result = repo.cli(['doctor']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('alembic (from alembic.ini [alembic])');
    expect(result.stdout).toContain('versions: alembic/versions');
    expect(result.stdout).toContain('no pre-commit hook');
    expect(result.stdout).toContain('→ npx alembic-guard install');
    expect(result.stdout).toContain('The guard will NOT run on the next commit');

    const { code, json } = doctorJson(repo);
    expect(code).toBe(1);
    expect(json).toMatchObject({ command: 'doctor', ok: false, exitCode: 1, configuration: null });
    expect(json.environments[0]).toMatchObject({ name: 'alembic', versions: ['alembic/versions'] });
    expect(json.hooks['pre-commit']).toMatchObject({ kind: 'missing', guarded: false });
    expect(json.problems[0]).toMatchObject({ severity: 'error', hook: 'pre-commit' });
  });

  it('says an installed clone is protected (exit 0), with the node and CLI the hooks run', () => {
    const repo = project();
    repo.cli(['install']);
    const result = repo.cli(['doctor']);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain(`✔ pre-commit: plain hook written by alembic-guard; runs ${process.execPath}`);
    expect(result.stdout).toContain('✔ pre-push');
    expect(result.stdout).toContain(`node named in the hooks: ${process.execPath}`);
    expect(result.stdout).toContain('The guard will run on the next commit');
    const { json } = doctorJson(repo);
    expect(json).toMatchObject({ ok: true, installed: { mode: 'git' }, node: { embedded: process.execPath, embeddedExists: true } });
  });

  it('finds a hook git ignores because it is not executable', () => {
    const repo = project();
    repo.cli(['install']);
    chmodSync(join(repo.dir, '.git/hooks/pre-commit'), 0o644);
    const result = repo.cli(['doctor']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('is not executable, so git ignores it');
    expect(result.stdout).toContain('→ chmod +x .git/hooks/pre-commit');
    leaveBehind(repo);
    expect(commitAll(repo.dir, 'unguarded').code).toBe(0); // doctor was right: nothing checked it
  });

  it('finds a hook whose CLI is gone, and one that does not run the guard', () => {
    const repo = project();
    repo.cli(['install']);
    writeFileSync(join(repo.dir, '.git/hooks/pre-commit'), renderPlainHook('pre-commit', { node: process.execPath, cli: '/gone/dist/cli.js' }));
    // Which CLI the hook falls back to depends on PATH: give it one without a global alembic-guard.
    const gone = repo.cli(['doctor'], { env: bareToolEnv() });
    expect(gone.code).toBe(1);
    expect(gone.stdout).toContain('cannot find alembic-guard');
    expect(gone.stdout).toContain('→ npm install -g alembic-guard && alembic-guard install');

    // With one on PATH (as on the machine of anyone who installed it globally), it falls back to that.
    const global = tempDir('ag-global-');
    writeFileSync(join(global, 'alembic-guard'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const fallback = repo.cli(['doctor'], { env: bareToolEnv([global]) });
    expect(fallback.stdout).toContain(`the hook falls back to alembic-guard on PATH (${join(global, 'alembic-guard')})`);

    writeFileSync(join(repo.dir, '.git/hooks/pre-commit'), '#!/bin/sh\nexit 0\n');
    const other = repo.cli(['doctor']);
    expect(other.code).toBe(1);
    expect(other.stdout).toContain('does not run alembic-guard');
  });

  it('reports a configuration error as a reason the guard will not work', () => {
    const repo = project();
    repo.cli(['install']);
    repo.write('.alembic-guard.json', '{ "locatoins": ["x"] }');
    const result = repo.cli(['doctor']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('locatoins');
  });

  it('follows husky: .husky/_ → .husky/pre-commit → node_modules/.bin/alembic-guard', () => {
    const repo = project(true);
    const before = repo.cli(['doctor']);
    expect(before.code).toBe(1);
    run(join(repo.dir, 'node_modules/.bin/alembic-guard'), ['install'], { cwd: repo.dir });
    const result = repo.cli(['doctor']);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain('git runs hooks from .husky/_ (core.hooksPath = .husky/_, local config)');
    expect(result.stdout).toContain('✔ pre-commit: husky → .husky/pre-commit; runs node_modules/.bin/alembic-guard check');
    expect(result.stdout).toContain('husky/init.sh');
  });

  it('a clone without hooks says so first; whatever it marks ✖ exits 1 (the next commit blocked too)', () => {
    const repo = project();
    const bare = repo.cli(['doctor']);
    expect(bare.code).toBe(1);
    const lines = bare.stdout.split('\n');
    expect(lines[1]).toBe('✖ This clone has no alembic-guard hook: commits here are not checked (only CI would catch a left-behind migration).');
    expect(lines[2]).toContain('→ npx alembic-guard install');
    // Installed, with a migration left behind: doctor prints ✖ The next commit would be blocked, and exits 1.
    expect(repo.cli(['install', '--mode', 'git']).code).toBe(0);
    expect(repo.cli(['doctor']).code).toBe(0);
    leaveBehind(repo);
    const blocked = repo.cli(['doctor']);
    expect(blocked.stdout).toContain('✖ The next commit would be blocked');
    expect(blocked.code).toBe(1);
    expect(doctorJson(repo)).toMatchObject({ code: 1, json: { ok: false, exitCode: 1 } });
  });

  it('says which Python judges the migrations, and warns when the chosen one does not run', () => {
    const repo = project();
    const found = doctorJson(repo);
    expect(found.json.python).toMatchObject({ version: expect.stringMatching(/^3\.\d+$/) });
    const broken = repo.cli(['doctor'], { env: { ALEMBIC_GUARD_PYTHON: join(repo.dir, 'no-such-python') } });
    expect(broken.stdout).toContain(`⚠ ${join(repo.dir, 'no-such-python')} does not run as Python 3: only alembic-guard's static reader checks`);
    expect(broken.stdout).toContain('→ set ALEMBIC_GUARD_PYTHON');
  });

  it('with husky, says a fresh linked worktree is NOT protected until npm install (or install) runs there', () => {
    const repo = project(true);
    run(join(repo.dir, 'node_modules/.bin/alembic-guard'), ['install'], { cwd: repo.dir });
    repo.add('.husky', 'package.json').commit('husky');
    const wt = join(tempDir('ag-wt-'), 'wt');
    repo.git(['worktree', 'add', '-q', '-b', 'feature', wt]);
    const other = new TestRepo(wt);

    const result = other.cli(['doctor']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('linked worktree of');
    expect(result.stdout).toContain("husky's .husky/_/ is missing in this worktree");
    expect(result.stdout).toContain('→ npm install   (or: npx alembic-guard install)');
    // doctor is right: git finds no hook there, and a commit leaving a migration behind goes through.
    leaveBehind(other);
    expect(commitAll(wt, 'unguarded').code).toBe(0);

    // What npm install does there: node_modules, then prepare runs husky.
    linkNodeModules(packed, wt);
    expect(run(join(wt, 'node_modules/.bin/alembic-guard'), ['install'], { cwd: wt }).code).toBe(0);
    // Protected now; the migration left behind by the unguarded commit is what it would block (exit 1).
    const protectedNow = other.cli(['doctor']);
    expect(protectedNow.stdout).toContain('The guard will run on the next commit in this worktree.');
    expect(protectedNow.stdout).toContain('✖ The next commit would be blocked');
    expect(protectedNow.code).toBe(1);
    leaveBehind(other, 3);
    const blocked = commitAll(wt, 'guarded');
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain(LEFT);
    expect(readFileSync(join(repo.dir, '.husky/pre-commit'), 'utf8')).toBe(readFileSync(join(wt, '.husky/pre-commit'), 'utf8'));
  });

  it('says when husky is set up but alembic-guard is not installed in node_modules', () => {
    const repo = project(true);
    run(join(repo.dir, 'node_modules/.bin/alembic-guard'), ['install'], { cwd: repo.dir });
    repo.remove('node_modules/.bin/alembic-guard');
    const result = repo.cli(['doctor'], { env: bareToolEnv() });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('which is not installed in this worktree');
    expect(result.stdout).toContain('→ npm install');
  });

  it('is not fooled by the pre-commit framework without an alembic-guard hook', () => {
    const repo = project();
    writeFileSync(join(repo.dir, '.git/hooks/pre-commit'), '#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\nexit 0\n', {
      mode: 0o755,
    });
    expect(repo.cli(['doctor']).stdout).toContain('.pre-commit-config.yaml has no alembic-guard hook');
    repo.write('.pre-commit-config.yaml', 'repos:\n  - repo: https://example.invalid/alembic-guard\n    rev: v0.1.0\n    hooks:\n      - id: alembic-guard\n');
    const result = repo.cli(['doctor']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('only untracked and ignored migrations are caught');
    // The bypass trailer's hook type is the framework's to install.
    expect(result.stdout).toContain('no commit-msg hook');
    expect(result.stdout).toContain('→ pre-commit install --hook-type commit-msg');
    writeFileSync(join(repo.dir, '.git/hooks/commit-msg'), '#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\nexit 0\n', {
      mode: 0o755,
    });
    expect(repo.cli(['doctor']).stdout).toContain('.pre-commit-config.yaml has no alembic-guard-bypass-trailer hook');
  });
});
