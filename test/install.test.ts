/**
 * install / uninstall, both ways (husky and plain git hooks), judged by what a person sees: a real
 * `git commit` / `git push` refused while a migration is left behind, and let through once it is
 * added. husky runs from the packed package (test/helpers/pack.ts), as it would for a user.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_BEGIN, BLOCK_END, huskyBlock, withBlock, withoutBlock } from '../src/hooks/husky.js';
import { embeddedRunner, isPlainHook, renderPlainHook } from '../src/hooks/plain.js';
import { HOOK_NAMES } from '../src/hooks/table.js';
import { linkNodeModules, packProject, type Packed } from './helpers/pack.js';
import {
  alembicEnv,
  CLI,
  cleanupAll,
  INCIDENT,
  makeRepo,
  migration,
  PROJECT,
  run,
  teammateClone,
  tempDir,
  testEnv,
  type RunResult,
  TestRepo,
} from './helpers/repo.js';

let packed: Packed;
beforeAll(() => {
  packed = packProject();
});
afterAll(cleanupAll);

const LEFT = `alembic/versions/${INCIDENT[8]}.py`;
/** How a block at the top reaches the CLI, with npm as the package manager. */
const TOP_BIN = { local: 'node_modules/.bin/alembic-guard', install: 'npm install' };

/** A committed Alembic project (001–008) with app/models.py, optionally with a package.json. */
function project(options: { dir?: string; pkgDir?: string; pkg?: object | null; bins?: Record<string, string> } = {}): TestRepo {
  const files: Record<string, string> = { ...alembicEnv(''), 'app/models.py': 'v1\n', '.gitignore': 'node_modules\n' };
  const pkgDir = options.pkgDir ?? '';
  if (options.pkg !== null) {
    files[join(pkgDir, 'package.json')] = `${JSON.stringify(options.pkg ?? { name: 'app', version: '1.0.0', private: true }, null, 2)}\n`;
  }
  const repo = makeRepo(files, { commit: true, dir: options.dir });
  if (options.pkg !== null) linkNodeModules(packed, join(repo.dir, pkgDir), options.bins);
  return repo;
}

/** The packed CLI, from the folder of the package.json (as `npx alembic-guard` would run it). */
function packedCli(repo: TestRepo, args: string[], pkgDir = '', env: Record<string, string> = {}): RunResult {
  return run(join(repo.dir, pkgDir, 'node_modules/.bin/alembic-guard'), args, { cwd: join(repo.dir, pkgDir), env: testEnv(env) });
}

/** The incident: a new migration on disk, never added, and a tracked file changed with it. */
function leaveBehind(repo: TestRepo, version = 2): void {
  repo.write(LEFT, migration(INCIDENT[8], INCIDENT[7]));
  repo.write('app/models.py', `v${version}\n`);
}

function commitAll(repo: TestRepo, message: string, env: Record<string, string> = {}, cwd?: string): RunResult {
  return run('git', ['commit', '-am', message], { cwd: cwd ?? repo.dir, env: testEnv(env) });
}

function head(repo: TestRepo, cwd?: string): string {
  return run('git', ['rev-parse', 'HEAD'], { cwd: cwd ?? repo.dir }).stdout.trim();
}

/** Bytes and modes of everything install may touch, and the repository's own config. */
function state(repo: TestRepo, paths: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string) => {
    const abs = join(repo.dir, rel);
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isSymbolicLink()) out[rel] = `link ${readlinkSync(abs)}`;
    else if (st.isDirectory()) for (const name of readdirSync(abs)) visit(join(rel, name));
    else out[rel] = `${(st.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(abs)).digest('hex')}`;
  };
  for (const rel of ['.git/hooks', '.git/alembic-guard', '.husky', 'package.json', ...paths]) visit(rel);
  out['git config'] = repo.git(['config', '--local', '--list']).stdout;
  return out;
}

function bareRemote(repo: TestRepo): string {
  const remote = join(tempDir('ag-remote-'), 'remote.git');
  run('git', ['init', '-q', '--bare', remote]);
  repo.git(['remote', 'add', 'origin', remote]);
  return remote;
}

describe('the husky block', () => {
  it('goes first (after a #! line), is replaced in place, and comes out byte for byte', () => {
    const block = huskyBlock('pre-commit', TOP_BIN);
    for (const original of ['', 'npx lint-staged\n', 'npx lint-staged', '#!/usr/bin/env sh\n. "$(dirname -- "$0")/_/husky.sh"\n\nnpx lint-staged\n']) {
      const added = withBlock(original, block);
      expect(withBlock(added, block)).toBe(added);
      expect(withoutBlock(added)).toBe(original);
      const lines = added.split('\n');
      expect(lines[original.startsWith('#!') ? 1 : 0]).toContain(BLOCK_BEGIN);
      expect(lines).toContain(BLOCK_END);
    }
    expect(withBlock('npx lint-staged\n', block).indexOf('alembic-guard check')).toBeLessThan(withBlock('npx lint-staged\n', block).indexOf('npx lint-staged'));
  });
});

describe('plain git hooks', () => {
  it('names node and the CLI quoted for sh, whatever the path holds', () => {
    const dir = tempDir('ag-quote-');
    const weird = join(dir, `we $ird "dq" 'sq' \`bt\` \\ x`);
    mkdirSync(weird);
    const out = join(dir, 'argv.json');
    const cli = join(weird, 'cli.js');
    writeFileSync(cli, `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.argv.slice(2)));\n`);
    const text = renderPlainHook('pre-commit', { node: process.execPath, cli });
    expect(isPlainHook(text)).toBe(true);
    expect(embeddedRunner(text)).toEqual({ node: process.execPath, cli });
    const hook = join(dir, 'pre-commit');
    writeFileSync(hook, text, { mode: 0o755 });
    const result = run(hook, [], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(['check']);
  });

  it('refuses a real commit with an untracked migration and lets it through once added', () => {
    const repo = project({ pkg: null });
    const installed = repo.cli(['install']);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain('plain git hooks in .git/hooks');
    expect(statSync(join(repo.dir, '.git/hooks/pre-commit')).mode & 0o111).not.toBe(0);
    const hook = repo.read('.git/hooks/pre-commit');
    expect(embeddedRunner(hook)).toEqual({ node: process.execPath, cli: CLI });

    leaveBehind(repo);
    const before = head(repo);
    const blocked = commitAll(repo, 'models');
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain(LEFT);
    expect(blocked.stderr).not.toContain('HUSKY=0'); // means nothing to a plain git hook
    expect(head(repo)).toBe(before);

    repo.add(LEFT);
    const passed = commitAll(repo, 'models');
    expect(passed.code, passed.stderr).toBe(0);
    expect(repo.git(['show', '--name-only', '--format=', 'HEAD']).stdout).toContain(LEFT);
  });

  it('keeps a hook that was there: it runs after the guard, can still block, and comes back byte for byte', () => {
    const repo = project({ pkg: null });
    const marker = join(repo.dir, '.git', 'user-hook-ran');
    const userHook = join(repo.dir, '.git/hooks/pre-commit');
    writeFileSync(userHook, `#!/bin/sh\necho "ran $#" >> '${marker}'\nexit "\${USER_HOOK_EXIT:-0}"\n`);
    chmodSync(userHook, 0o750);
    const before = state(repo);

    expect(repo.cli(['install']).stdout).toContain('kept as pre-commit.alembic-guard-user');
    expect(statSync(`${userHook}.alembic-guard-user`).mode & 0o777).toBe(0o750);

    repo.write('app/models.py', 'v2\n');
    expect(commitAll(repo, 'clean').code).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('ran 0\n');

    repo.write('app/models.py', 'v3\n');
    const refused = commitAll(repo, 'user says no', { USER_HOOK_EXIT: '1' });
    expect(refused.code).not.toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('ran 0\nran 0\n');

    // The guard runs first: a left-behind migration stops the commit before the user's hook.
    leaveBehind(repo, 4);
    expect(commitAll(repo, 'left behind').code).not.toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('ran 0\nran 0\n');

    expect(repo.exists('.git/alembic-guard/cache')).toBe(true); // the hooks ran and remembered
    const removed = repo.cli(['uninstall']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('your hook put back');
    expect(removed.stdout).toContain("removed (the hooks' cache)");
    expect(state(repo)).toEqual(before);
  });

  it('changes nothing when run twice, and uninstall leaves the hooks folder as it was', () => {
    const repo = project({ pkg: null });
    const before = state(repo);
    repo.cli(['install']);
    const once = state(repo);
    const again = repo.cli(['install']);
    expect(again.stdout).toContain('already runs the guard');
    expect(state(repo)).toEqual(once);
    expect(JSON.parse(repo.cli(['install', '--format', 'json']).stdout)).toMatchObject({ command: 'install', mode: 'git', changed: false });
    repo.cli(['uninstall']);
    expect(state(repo)).toEqual(before);
    expect(repo.cli(['uninstall']).stdout).toContain('nothing to remove');
  });

  it('works in a path with spaces, $ and quotes', () => {
    const dir = join(tempDir('ag-odd-'), `my repo $HOME 'q' "d"`);
    const repo = project({ pkg: null, dir });
    expect(repo.cli(['install']).code).toBe(0);
    leaveBehind(repo);
    expect(commitAll(repo, 'models').code).not.toBe(0);
    repo.add(LEFT);
    expect(commitAll(repo, 'models').code).toBe(0);
  });

  it('protects a linked worktree (the hooks folder is shared)', () => {
    const repo = project({ pkg: null });
    repo.cli(['install']);
    const wt = join(tempDir('ag-wt-'), 'wt');
    repo.git(['worktree', 'add', '-q', '-b', 'feature', wt]);
    const other = new TestRepo(wt);
    leaveBehind(other);
    const before = head(repo, wt);
    const blocked = commitAll(other, 'in the worktree');
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain(LEFT);
    expect(head(repo, wt)).toBe(before);
    // The hook runs there; doctor marks the commit it would block (the migration left behind), exit 1.
    const doctor = other.cli(['doctor']);
    expect(doctor.stdout).toContain('The guard will run on the next commit in this worktree.');
    expect(doctor.stdout).toContain('✖ The next commit would be blocked');
    expect(doctor.code).toBe(1);
  });

  it('checks a real git push, and hands the ref lines to the pre-push hook it kept', () => {
    const repo = project({ pkg: null });
    const seen = join(repo.dir, '.git', 'user-pre-push');
    writeFileSync(join(repo.dir, '.git/hooks/pre-push'), `#!/bin/sh\necho "$1 $(cat)" >> '${seen}'\n`, { mode: 0o755 });
    bareRemote(repo);
    repo.cli(['install']);
    const first = repo.git(['push', '-q', 'origin', 'main'], { allowFail: true });
    expect(first.code, first.stderr).toBe(0);
    expect(readFileSync(seen, 'utf8')).toMatch(/^origin refs\/heads\/main [0-9a-f]{40} refs\/heads\/main 0{40}\n$/);

    leaveBehind(repo);
    repo.git(['commit', '-q', '--no-verify', '-am', 'models without their migration']);
    const blocked = repo.git(['push', '-q', 'origin', 'main'], { allowFail: true });
    expect(blocked.code).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toContain(LEFT); // a pre-push hook's stdout is git's
    expect(readFileSync(seen, 'utf8').split('\n').length).toBe(2); // the guard stopped it first

    repo.add(LEFT).commit('the migration');
    const passed = repo.git(['push', '-q', 'origin', 'main'], { allowFail: true });
    expect(passed.code, passed.stderr).toBe(0);
  });

  it('fails loudly when the CLI cannot be found', () => {
    const repo = project({ pkg: null });
    repo.cli(['install']);
    const hook = join(repo.dir, '.git/hooks/pre-commit');
    writeFileSync(hook, renderPlainHook('pre-commit', { node: '/nonexistent/node', cli: '/nonexistent/dist/cli.js' }), { mode: 0o755 });
    // A PATH with git and the few tools a hook uses, and no node, npx or alembic-guard.
    const bin = tempDir('ag-bin-');
    for (const tool of ['git', 'dirname', 'cat']) {
      const found = run('sh', ['-c', `command -v ${tool}`]).stdout.trim();
      writeFileSync(join(bin, tool), `#!/bin/sh\nexec ${found} "$@"\n`, { mode: 0o755 });
    }
    repo.write('app/models.py', 'v2\n');
    const result = run('/bin/sh', ['-c', 'git commit -am "no cli"'], { cwd: repo.dir, env: testEnv({ PATH: bin }) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('cannot find the alembic-guard CLI');
    expect(result.stderr).toContain('alembic-guard install');
  });

  it('will not write into a core.hooksPath shared by every repository', () => {
    const repo = project({ pkg: null });
    const shared = tempDir('ag-global-hooks-');
    const result = repo.cli(['install'], { env: { GIT_CONFIG_PARAMETERS: `'core.hookspath'='${shared}'` } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('core.hooksPath');
    expect(readdirSync(shared)).toEqual([]);
  });
});

describe('husky', () => {
  it('sets husky up in a repository with package.json: first command, prepare, core.hooksPath; uninstall undoes it', () => {
    const repo = project({ pkg: { name: 'app', version: '1.0.0', private: true, scripts: { test: 'vitest' } } });
    const before = state(repo);
    const pkgBefore = repo.read('package.json');
    const installed = packedCli(repo, ['install']);
    expect(installed.code, installed.stderr).toBe(0);
    expect(repo.git(['config', 'core.hooksPath']).stdout.trim()).toBe('.husky/_');
    for (const name of HOOK_NAMES) expect(repo.read(`.husky/${name}`)).toBe(huskyBlock(name, TOP_BIN));
    expect(JSON.parse(repo.read('package.json')).scripts).toEqual({ test: 'vitest', prepare: 'husky' });
    expect(existsSync(join(repo.dir, '.husky/_/h'))).toBe(true);

    leaveBehind(repo);
    const blocked = commitAll(repo, 'models');
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain(LEFT);
    expect(blocked.stderr).toContain('HUSKY=0'); // husky's own skip, named under husky
    repo.add(LEFT);
    const passed = commitAll(repo, 'models');
    expect(passed.code, passed.stderr).toBe(0);

    const removed = packedCli(repo, ['uninstall']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(repo.read('package.json')).toBe(pkgBefore);
    expect(state(repo)).toEqual(before);
  });

  it('puts the guard before lint-staged in an existing .husky/pre-commit, keeps theirs, and takes only its own block out', () => {
    const ran = 'lint-staged-ran';
    const repo = project({
      pkg: { name: 'app', version: '1.0.0', private: true, scripts: { prepare: 'husky' } },
      bins: { 'lint-staged': `#!/bin/sh\necho yes >> ${ran}\n` },
    });
    repo.write('.husky/pre-commit', 'npx lint-staged\n').add('.husky/pre-commit').commit('husky');
    expect(run(join(repo.dir, 'node_modules/.bin/husky'), [], { cwd: repo.dir }).code).toBe(0); // npm install's prepare
    const before = state(repo);

    expect(packedCli(repo, ['install']).code).toBe(0);
    const hook = repo.read('.husky/pre-commit');
    expect(hook.indexOf('alembic-guard check')).toBeLessThan(hook.indexOf('npx lint-staged'));
    expect(hook.endsWith('npx lint-staged\n')).toBe(true);
    expect(JSON.parse(repo.read('package.json')).scripts).toEqual({ prepare: 'husky' });

    leaveBehind(repo);
    expect(commitAll(repo, 'models').code).not.toBe(0);
    expect(repo.exists(ran)).toBe(false);
    repo.add(LEFT);
    expect(commitAll(repo, 'models').code).toBe(0);
    expect(repo.read(ran)).toBe('yes\n');

    packedCli(repo, ['uninstall']);
    expect(repo.read('.husky/pre-commit')).toBe('npx lint-staged\n');
    expect(repo.git(['config', 'core.hooksPath']).stdout.trim()).toBe('.husky/_'); // husky was there before
    const after = state(repo);
    delete after[ran];
    expect(after).toEqual(before);
  });

  it('keeps an existing prepare script and adds husky after it; uninstall puts back the exact bytes', () => {
    const repo = project();
    repo.write('package.json', '{\n\t"name": "app",\n\t"scripts": { "prepare": "npm run build" },\n\t"version": "1.0.0"\n}');
    repo.add('package.json').commit('tabs');
    const pkgBefore = repo.read('package.json');
    packedCli(repo, ['install']);
    expect(JSON.parse(repo.read('package.json')).scripts.prepare).toBe('npm run build && husky');
    packedCli(repo, ['install']);
    expect(JSON.parse(repo.read('package.json')).scripts.prepare).toBe('npm run build && husky');
    packedCli(repo, ['uninstall']);
    expect(repo.read('package.json')).toBe(pkgBefore);
  });

  it('changes nothing when run twice (byte-identical files)', () => {
    const repo = project();
    packedCli(repo, ['install']);
    const once = state(repo, ['.husky/_']);
    const again = packedCli(repo, ['install']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already runs the guard');
    expect(state(repo, ['.husky/_'])).toEqual(once);
  });

  it('works with the package.json in a sub-folder (frontend/), running the hook at the top', () => {
    const repo = project({ pkgDir: 'frontend' });
    const before = state(repo, ['frontend/package.json', 'frontend/.husky']);
    const installed = packedCli(repo, ['install'], 'frontend');
    expect(installed.code, installed.stderr).toBe(0);
    expect(repo.git(['config', 'core.hooksPath']).stdout.trim()).toBe('frontend/.husky/_');
    expect(JSON.parse(repo.read('frontend/package.json')).scripts.prepare).toBe('cd .. && husky frontend/.husky');
    expect(repo.read('frontend/.husky/pre-commit')).toContain('alembic_guard=frontend/node_modules/.bin/alembic-guard\n');

    // The prepare script works as npm runs it.
    repo.git(['config', '--unset', 'core.hooksPath']);
    const prepare = run('npm', ['run', '--silent', 'prepare'], { cwd: join(repo.dir, 'frontend'), env: testEnv({ npm_config_update_notifier: 'false' }) });
    expect(prepare.code, prepare.stderr).toBe(0);
    expect(repo.git(['config', 'core.hooksPath']).stdout.trim()).toBe('frontend/.husky/_');

    leaveBehind(repo);
    const blocked = commitAll(repo, 'models');
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain(LEFT);
    repo.add(LEFT);
    expect(commitAll(repo, 'models').code).toBe(0);

    packedCli(repo, ['uninstall'], 'frontend');
    expect(state(repo, ['frontend/package.json', 'frontend/.husky'])).toEqual(before);
  });

  it('works in a path with spaces, $ and quotes', () => {
    const dir = join(tempDir('ag-odd-'), `my repo $HOME 'q'`);
    const repo = project({ dir, pkgDir: 'web app' });
    expect(packedCli(repo, ['install'], 'web app').code).toBe(0);
    expect(JSON.parse(repo.read('web app/package.json')).scripts.prepare).toBe(`cd .. && husky 'web app/.husky'`);
    const doctor = packedCli(repo, ['doctor'], 'web app');
    expect(doctor.code, doctor.stdout).toBe(0);
    expect(doctor.stdout).toContain('runs web app/node_modules/.bin/alembic-guard check');
    leaveBehind(repo);
    expect(commitAll(repo, 'models').code).not.toBe(0);
    repo.add(LEFT);
    const passed = commitAll(repo, 'models');
    expect(passed.code, passed.stderr).toBe(0);
  });

  it('checks a real git push and hands the ref lines back to the lines after its block', () => {
    const repo = project();
    bareRemote(repo);
    packedCli(repo, ['install']);
    repo.write('.husky/pre-push', `${repo.read('.husky/pre-push')}echo "$1 $(cat)" >> .git/later-line\n`);
    repo.add('.husky', 'package.json').commit('husky');
    const first = repo.git(['push', '-q', 'origin', 'main'], { allowFail: true });
    expect(first.code, first.stderr).toBe(0);
    expect(repo.read('.git/later-line')).toMatch(/^origin refs\/heads\/main [0-9a-f]{40} refs\/heads\/main 0{40}\n$/);

    leaveBehind(repo);
    repo.git(['commit', '-q', '--no-verify', '-am', 'models without their migration']);
    const blocked = repo.git(['push', '-q', 'origin', 'main'], { allowFail: true });
    expect(blocked.code).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toContain(LEFT); // a pre-push hook's stdout is git's

    repo.add(LEFT).commit('the migration');
    expect(repo.git(['push', '-q', 'origin', 'main'], { allowFail: true }).code).toBe(0);
  });

  it('stops before touching anything when husky refuses (HUSKY=0)', () => {
    const repo = project();
    const before = state(repo);
    const result = packedCli(repo, ['install'], '', { HUSKY: '0' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('HUSKY=0');
    expect(state(repo)).toEqual(before);
  });

  it('refuses modes it does not know, and husky without a package.json', () => {
    const repo = project({ pkg: null });
    expect(repo.cli(['install', '--mode', 'lefthook']).code).toBe(2);
    const husky = repo.cli(['install', '--mode', 'husky']);
    expect(husky.code).toBe(2);
    expect(husky.stderr).toContain('--mode git');
  });
});

describe('the package as published', () => {
  it('ships the hook templates and the pre-commit framework hooks', () => {
    const root = join(packed.nodeModules, 'alembic-guard');
    for (const file of ['hooks/hook', '.pre-commit-hooks.yaml', 'dist/cli.js']) {
      expect(existsSync(join(root, file)), file).toBe(true);
    }
    const yaml = readFileSync(join(root, '.pre-commit-hooks.yaml'), 'utf8');
    const hooks = yaml.split(/^- /m).slice(1);
    expect(hooks).toHaveLength(5);
    const [commit, push, merge, checkout, trailer] = hooks;
    expect(commit).toMatch(/^id: alembic-guard\n/);
    expect(commit).toMatch(/^\s+entry: alembic-guard check$/m);
    // pre-commit 3.0 knows only the old stage names; 3.2 and later map them to pre-commit/pre-push.
    expect(commit).toMatch(/^\s+stages: \[commit\]$/m);
    expect(push).toMatch(/^id: alembic-guard-push\n/);
    expect(push).toMatch(/^\s+entry: alembic-guard pre-push$/m);
    expect(push).toMatch(/^\s+stages: \[push\]$/m);
    // `git merge` runs pre-merge-commit, not pre-commit: the merge result is checked too.
    expect(merge).toMatch(/^id: alembic-guard-merge\n/);
    expect(merge).toMatch(/^\s+entry: alembic-guard check$/m);
    expect(merge).toMatch(/^\s+stages: \[merge-commit\]$/m);
    // After a branch switch: warns about the development database, never blocks.
    expect(checkout).toMatch(/^id: alembic-guard-checkout\n/);
    expect(checkout).toMatch(/^\s+entry: alembic-guard post-checkout$/m);
    expect(checkout).toMatch(/^\s+stages: \[post-checkout\]$/m);
    // commit-msg, given the message file: node starts only when ALEMBIC_GUARD_SKIP is set.
    expect(trailer).toMatch(/^id: alembic-guard-bypass-trailer\n/);
    expect(trailer).toMatch(
      /^\s+entry: sh -c '\[ -z "\$\{ALEMBIC_GUARD_SKIP:-\}" \] \|\| \[ "\$ALEMBIC_GUARD_SKIP" = 0 \] \|\| exec alembic-guard commit-msg "\$1"' \S+$/m,
    );
    expect(trailer).toMatch(/^\s+stages: \[commit-msg\]$/m);
    expect(trailer).not.toMatch(/pass_filenames/);
    for (const hook of hooks) {
      expect(hook).toMatch(/^\s+language: node$/m);
      expect(hook).toMatch(/^\s+always_run: true$/m);
      if (hook !== trailer) expect(hook).toMatch(/^\s+pass_filenames: false$/m);
      expect(hook).toMatch(/^\s+minimum_pre_commit_version: '3\.0\.0'$/m);
    }
  });

  it('keeps the templates runnable as they are (LF endings, fallbacks when not filled in)', () => {
    const text = readFileSync(join(PROJECT, 'hooks', 'hook'), 'utf8');
    expect(text.startsWith('#!/bin/sh\n')).toBe(true);
    expect(text).not.toContain('\r');
    expect(run('sh', ['-n', join(PROJECT, 'hooks', 'hook')]).code).toBe(0);
    expect(embeddedRunner(text)).toEqual({ node: null, cli: null });
  });
});

describe('two lockfiles', () => {
  it("npm's package-lock.json beside bun.lock: install names bun, and says to remove npm's and add the bun way", () => {
    const repo = project();
    repo.write('bun.lock', '{\n  "lockfileVersion": 1,\n  "workspaces": {}\n}\n').write('package-lock.json', '{"lockfileVersion": 3}\n');
    const result = packedCli(repo, ['install']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Package manager: bun (bun.lock)');
    expect(result.stdout).toContain('package-lock.json sits beside bun.lock: npm wrote it');
    expect(result.stdout).toContain('rm package-lock.json && bun add -d alembic-guard');
    expect(result.stdout).toContain('Next: bun install');
  });

  it('plain git hooks print the one line teammates run, and name CI as the net', () => {
    const repo = project({ pkg: null });
    const result = repo.cli(['install']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Teammates run, once in each fresh clone: npx --yes alembic-guard install');
  });

  it("plain git hooks: a teammate's fresh clone commits unguarded until its one install; then a left-behind migration is refused and the staged one passes", () => {
    const origin = project({ pkg: null });
    expect(origin.cli(['install']).code).toBe(0);
    const clone = teammateClone(origin);
    // Plain hooks live in .git/hooks, which a clone does not copy: CI's verify is the net here.
    leaveBehind(clone);
    expect(commitAll(clone, 'unguarded').code).toBe(0);
    clone.git(['reset', '-q', '--soft', 'HEAD~1']);
    const doctor = clone.cli(['doctor']);
    // doctor says so first, under its heading line.
    expect(doctor.stdout.split('\n')[1]).toContain('✖ This clone has no alembic-guard hook: commits here are not checked');
    expect(clone.cli(['install']).code).toBe(0);
    const blocked = commitAll(clone, 'models');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(LEFT);
    clone.add(LEFT);
    const passed = commitAll(clone, 'models and migration');
    expect(passed.code, passed.stderr).toBe(0);
  });
});
