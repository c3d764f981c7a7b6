/**
 * install across modes and over time: merges (pre-merge-commit), switching modes, hooks a person
 * edited, a package.json in a sub-folder, package.json written the way it was, and doctor's
 * verdict on the next commit. Real git, real husky (the packed package), real `git merge`.
 */
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOOK_NAMES } from '../src/hooks/table.js';
import { detectPackageManager } from '../src/package-manager.js';
import { linkNodeModules, packProject, type Packed } from './helpers/pack.js';
import { alembicEnv, cleanupAll, INCIDENT, makeRepo, migration, run, tempDir, testEnv, type RunResult, TestRepo } from './helpers/repo.js';

let packed: Packed;
beforeAll(() => {
  packed = packProject();
});
afterAll(cleanupAll);

const LEFT = `alembic/versions/${INCIDENT[8]}.py`;

function project(options: { pkgDir?: string | null; pkg?: string; link?: boolean } = {}): TestRepo {
  const files: Record<string, string> = { ...alembicEnv(''), 'app/models.py': 'v1\n', '.gitignore': 'node_modules\n' };
  const pkgDir = options.pkgDir === undefined ? '' : options.pkgDir;
  if (pkgDir !== null) files[join(pkgDir, 'package.json')] = options.pkg ?? '{\n  "name": "app",\n  "version": "1.0.0",\n  "private": true\n}\n';
  const repo = makeRepo(files, { commit: true });
  if (pkgDir !== null && options.link !== false) linkNodeModules(packed, join(repo.dir, pkgDir));
  return repo;
}

/** The packed CLI, run in `cwd` (relative to the repository). */
function guard(repo: TestRepo, args: string[], cwd = '', env: Record<string, string> = {}): RunResult {
  return run(process.execPath, [join(packed.nodeModules, 'alembic-guard/dist/cli.js'), ...args], { cwd: join(repo.dir, cwd), env: testEnv(env) });
}

function leaveBehind(repo: TestRepo, version = 2): void {
  repo.write(LEFT, migration(INCIDENT[8], INCIDENT[7]));
  repo.write('app/models.py', `v${version}\n`);
}

function commitAll(repo: TestRepo, message: string, env: Record<string, string> = {}): RunResult {
  return run('git', ['commit', '-am', message], { cwd: repo.dir, env: testEnv(env) });
}

/** Two branches that each add a migration on top of 008: merged, the graph has two heads. */
function divergingBranches(repo: TestRepo): void {
  repo.git(['checkout', '-q', '-b', 'feature']);
  repo.write('alembic/versions/f1_feature.py', migration('f1', INCIDENT[7])).add('alembic/versions/f1_feature.py');
  repo.git(['commit', '-q', '-m', 'feature migration']);
  repo.git(['checkout', '-q', 'main']);
  repo.write('alembic/versions/m1_main.py', migration('m1', INCIDENT[7])).add('alembic/versions/m1_main.py');
  repo.git(['commit', '-q', '-m', 'main migration']);
}

function merge(repo: TestRepo): RunResult {
  return repo.git(['merge', '--no-edit', 'feature'], { allowFail: true });
}

describe('merges (pre-merge-commit)', () => {
  it('plain git hooks: a real git merge joining two new migrations is refused with the fix; the merge commit is not made', () => {
    const repo = project({ pkgDir: null });
    expect(guard(repo, ['install']).code).toBe(0);
    expect(existsSync(join(repo.dir, '.git/hooks/pre-merge-commit'))).toBe(true);
    divergingBranches(repo);
    const before = repo.git(['rev-parse', 'HEAD']).stdout;
    const blocked = merge(repo);
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toMatch(/alembic merge -m 'merge heads' heads/);
    expect(blocked.stderr).toContain('down_revision');
    expect(repo.git(['rev-parse', 'HEAD']).stdout).toBe(before);
    // What the fix says: a merge revision joining both heads, then the merge commits.
    repo.write('alembic/versions/mm_merge.py', migration('mm', ['m1', 'f1'])).add('alembic/versions/mm_merge.py');
    const done = run('git', ['commit', '--no-edit'], { cwd: repo.dir, env: testEnv() });
    expect(done.code, done.stderr).toBe(0);
    expect(repo.git(['rev-list', '--parents', '-n1', 'HEAD']).stdout.trim().split(' ')).toHaveLength(3);
  });

  it('husky: .husky/pre-merge-commit runs the guard on the merge git prepared', () => {
    const repo = project();
    expect(guard(repo, ['install']).code).toBe(0);
    expect(repo.read('.husky/pre-merge-commit')).toContain('"$alembic_guard" check');
    expect(existsSync(join(repo.dir, '.husky/_/pre-merge-commit'))).toBe(true);
    repo.add('.husky', 'package.json').commit('husky');
    divergingBranches(repo);
    const blocked = merge(repo);
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain('alembic merge');
    // A merge that adds no second head goes through.
    repo.git(['merge', '--abort']);
    repo.git(['checkout', '-q', '-b', 'docs', 'HEAD~1']);
    repo.write('README.md', 'docs\n').add('README.md');
    repo.git(['commit', '-q', '-m', 'docs']);
    repo.git(['checkout', '-q', 'main']);
    const clean = repo.git(['merge', '--no-edit', 'docs'], { allowFail: true });
    expect(clean.code, clean.stderr).toBe(0);
  });
});

describe('branch switches (post-checkout)', () => {
  it('husky, package.json in web/: runs node on a switch, never fails the checkout, and the lines after the block run', () => {
    const repo = project({ pkgDir: 'web' });
    expect(guard(repo, ['install'], 'web').code).toBe(0);
    const hook = repo.read('web/.husky/post-checkout');
    expect(hook).toContain('"$alembic_guard" post-checkout "$@" || :');
    repo.write('web/.husky/post-checkout', `${hook}echo "their own line ran" >&2\n`);
    // A development database on a port nobody listens on: the hook runs node, which says so in one line.
    repo.write('.alembic-guard.json', JSON.stringify({ database: { devUrl: 'postgresql://app:S3cr3t@127.0.0.1:1/dev' } }));
    repo.add('.').commit('husky');
    repo.git(['checkout', '-q', '-b', 'traces']);
    repo.write(LEFT, migration(INCIDENT[8], INCIDENT[7])).add(LEFT).commit('009');
    const back = repo.git(['checkout', 'main']);
    expect(back.code).toBe(0);
    expect(back.stderr).toContain('alembic-guard: post-checkout could not check the development database');
    expect(back.stderr).not.toContain('S3cr3t');
    expect(back.stderr).toContain('their own line ran');
    // No CLI to be found (before the clone's install): silent, and the checkout still succeeds.
    rmSync(join(repo.dir, 'web/node_modules'), { recursive: true });
    const bare = run('git', ['checkout', 'traces'], { cwd: repo.dir, env: testEnv({ PATH: '/usr/bin:/bin' }) });
    expect(bare.code).toBe(0);
    expect(bare.stderr).not.toContain('alembic-guard');
    expect(bare.stderr).toContain('their own line ran');
  });
});

describe('modes', () => {
  it('a plain install keeps the installed mode; an explicit --mode switches in one step, and back', () => {
    const repo = project();
    const pkgBefore = repo.read('package.json');
    expect(guard(repo, ['install', '--mode', 'git']).code).toBe(0);
    const again = guard(repo, ['install']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('git mode as installed');
    expect(again.stdout).not.toMatch(/✔/); // nothing changed
    expect(repo.read('package.json')).toBe(pkgBefore);

    const toHusky = guard(repo, ['install', '--mode', 'husky']);
    expect(toHusky.code, toHusky.stderr).toBe(0);
    for (const name of HOOK_NAMES) expect(existsSync(join(repo.dir, '.git/hooks', name))).toBe(false);
    expect(repo.git(['config', 'core.hooksPath']).stdout.trim()).toBe('.husky/_');
    leaveBehind(repo);
    expect(commitAll(repo, 'models').code).not.toBe(0);

    const toGit = guard(repo, ['install', '--mode', 'git']);
    expect(toGit.code, toGit.stderr).toBe(0);
    expect(repo.git(['config', 'core.hooksPath'], { allowFail: true }).code).toBe(1);
    expect(existsSync(join(repo.dir, '.husky'))).toBe(false);
    expect(repo.read('package.json')).toBe(pkgBefore);
    expect(commitAll(repo, 'models').code).not.toBe(0);
    expect(guard(repo, ['uninstall']).code).toBe(0);
    expect(commitAll(repo, 'models').code).toBe(0);
  });
});

describe('hooks a person edited', () => {
  it('plain hooks: re-install keeps added lines; uninstall refuses with the diff, --force removes', () => {
    const repo = project({ pkgDir: null });
    guard(repo, ['install']);
    const hook = join(repo.dir, '.git/hooks/pre-commit');
    writeFileSync(hook, `${readFileSync(hook, 'utf8')}echo mine >> .git/mine\n`);
    const edited = readFileSync(hook, 'utf8');
    const again = guard(repo, ['install']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('with your edits, kept');
    expect(readFileSync(hook, 'utf8')).toBe(edited);
    repo.write('app/models.py', 'v2\n');
    expect(commitAll(repo, 'models').code).toBe(0);
    expect(repo.read('.git/mine')).toBe('mine\n');

    const refused = guard(repo, ['uninstall']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('+echo mine >> .git/mine');
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(hook, 'utf8')).toBe(edited);
    expect(guard(repo, ['uninstall', '--force']).code).toBe(0);
    expect(existsSync(hook)).toBe(false);
  });

  it('husky: lines outside the block stay; an edit inside it makes install and uninstall refuse with the diff', () => {
    const repo = project();
    guard(repo, ['install']);
    const file = join(repo.dir, '.husky/pre-commit');
    const ours = readFileSync(file, 'utf8');
    writeFileSync(file, `${ours}npx lint-staged\n`);
    expect(guard(repo, ['install']).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(`${ours}npx lint-staged\n`);

    const inside = ours.replace('\tALEMBIC_GUARD_NOTE=1 "$alembic_guard" check', '\techo before >&2\n\tALEMBIC_GUARD_NOTE=1 "$alembic_guard" check');
    writeFileSync(file, `${inside}npx lint-staged\n`);
    const refused = guard(repo, ['install']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('+\techo before >&2');
    expect(readFileSync(file, 'utf8')).toBe(`${inside}npx lint-staged\n`);
    const refusedOut = guard(repo, ['uninstall']);
    expect(refusedOut.code).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe(`${inside}npx lint-staged\n`);
    expect(guard(repo, ['install', '--force']).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(`${ours}npx lint-staged\n`);
    expect(guard(repo, ['uninstall']).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('npx lint-staged\n');
  });
});

describe('a package.json in a sub-folder', () => {
  for (const cwd of ['', 'web']) {
    it(`run from ${cwd || 'the top'}: husky mode with web/package.json, saying why; the hook is the same`, () => {
      const repo = project({ pkgDir: 'web' });
      const result = guard(repo, ['install'], cwd);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('web/package.json, the only package.json in the repository');
      expect(repo.git(['config', 'core.hooksPath']).stdout.trim()).toBe('web/.husky/_');
      expect(result.stdout).toContain(cwd ? 'Next: npm install' : 'Next: cd web && npm install');
      leaveBehind(repo);
      const blocked = commitAll(repo, 'models');
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toContain(LEFT);
    });
  }

  it('before the install in web/ has run: falls back to alembic-guard on PATH, else refuses saying how to install', () => {
    const repo = project({ pkgDir: 'web', link: false });
    expect(guard(repo, ['install']).code).toBe(0); // as `npx alembic-guard install` would
    leaveBehind(repo);
    const refused = commitAll(repo, 'models');
    expect(refused.code).not.toBe(0); // git commit says 1 whatever the hook's code (2 here)
    expect(refused.stderr).toContain('not installed in this clone');
    expect(refused.stderr).toContain('run cd web && npm install');

    const globalBin = tempDir('ag-global-');
    symlinkSync(join(packed.nodeModules, 'alembic-guard/dist/cli.js'), join(globalBin, 'alembic-guard'));
    const path = `${globalBin}:${process.env.PATH}`;
    const viaGlobal = commitAll(repo, 'models', { PATH: path });
    expect(viaGlobal.code).toBe(1);
    expect(viaGlobal.stderr).toContain(LEFT);
    const doctor = guard(repo, ['doctor'], '', { PATH: path });
    expect(doctor.stdout).toContain('falls back to alembic-guard on PATH');
  });

  it('refuses to guess between two package.json files side by side, unless run in one of them', () => {
    const repo = project({ pkgDir: null });
    for (const dir of ['web', 'docs']) repo.write(`${dir}/package.json`, '{ "name": "x" }\n');
    repo.add().commit('two packages');
    const refused = guard(repo, ['install']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('docs/package.json, web/package.json');
    const chosen = guard(repo, ['install'], 'docs');
    expect(chosen.code, chosen.stderr).toBe(0);
    expect(chosen.stdout).toContain('docs/package.json, the one above the current folder');
  });
});

describe('package.json', () => {
  it('gets both devDependencies and the prepare script, written with its BOM, tabs and CRLF', () => {
    const original = '\ufeff{\r\n\t"name": "app",\r\n\t"devDependencies": {\r\n\t\t"eslint": "^9.0.0"\r\n\t}\r\n}\r\n';
    const repo = project({ pkg: original });
    const result = guard(repo, ['install']);
    expect(result.code, result.stderr).toBe(0);
    const text = repo.read('package.json');
    const version = JSON.parse(readFileSync(join(packed.nodeModules, 'alembic-guard/package.json'), 'utf8')).version;
    expect(text).toBe(
      `\ufeff{\r\n\t"name": "app",\r\n\t"devDependencies": {\r\n\t\t"alembic-guard": "^${version}",\r\n\t\t"eslint": "^9.0.0",\r\n\t\t"husky": "^9.1.7"\r\n\t},\r\n\t"scripts": {\r\n\t\t"prepare": "husky"\r\n\t}\r\n}\r\n`,
    );
    expect(result.stdout).toContain('Next: npm install');
    expect(result.stdout).toContain('package-lock.json');
    expect(guard(repo, ['uninstall']).code).toBe(0);
    expect(repo.read('package.json')).toBe(original);
  });

  it('speaks the package manager: packageManager field first, then the lockfile; Yarn 2+ gets postinstall and its linker is read', () => {
    // [files, package.json fields, name, setup script, Plug'n'Play, environment]
    const cases: [Record<string, string>, object, string, string, boolean, Record<string, string>?][] = [
      [{}, { packageManager: 'pnpm@9.15.0' }, 'pnpm', 'prepare', false],
      [{ 'pnpm-lock.yaml': '' }, {}, 'pnpm', 'prepare', false],
      [{ 'yarn.lock': '# yarn lockfile v1\n' }, {}, 'yarn', 'prepare', false],
      [{ 'yarn.lock': '__metadata:\n  version: 8\n' }, {}, 'yarn', 'postinstall', true],
      [{ 'yarn.lock': '', '.yarnrc.yml': 'nodeLinker: node-modules\n' }, {}, 'yarn', 'postinstall', false],
      [{ 'yarn.lock': '', '.yarnrc.yml': 'enableTelemetry: false\nnodeLinker: "pnpm" # links\n' }, {}, 'yarn', 'postinstall', false],
      [{ 'yarn.lock': '', '.yarnrc.yml': "nodeLinker: 'pnp'\n" }, {}, 'yarn', 'postinstall', true],
      [{ 'package-lock.json': '{}' }, { packageManager: 'yarn@4.5.0' }, 'yarn', 'postinstall', true],
      [{ 'package-lock.json': '{}' }, { packageManager: 'yarn@4.5.0' }, 'yarn', 'postinstall', false, { YARN_NODE_LINKER: 'node-modules' }],
      [{ 'bun.lockb': '' }, {}, 'bun', 'prepare', false],
      [{ 'bun.lock': '{}' }, {}, 'bun', 'prepare', false],
      [{}, {}, 'npm', 'prepare', false],
    ];
    for (const [files, pkg, name, script, plugAndPlay, env] of cases) {
      const dir = tempDir('ag-pm-');
      for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
      const pm = detectPackageManager(dir, dir, pkg as Record<string, unknown>, env ?? {});
      expect([pm.name, pm.setupScript, pm.plugAndPlay], JSON.stringify(files)).toEqual([name, script, plugAndPlay]);
    }
    expect(detectPackageManager(tempDir('ag-pm-'), tempDir('ag-pm-'), { packageManager: 'bun@1.2.0' }, {}).lockfile).toBe('bun.lock');
    const repo = project({ pkg: '{\n  "name": "app",\n  "packageManager": "pnpm@9.15.0"\n}\n' });
    const result = guard(repo, ['install']);
    expect(result.stdout).toContain('Next: pnpm install');
    expect(result.stdout).toContain('pnpm-lock.yaml');
    expect(repo.read('.husky/pre-commit')).toContain('run pnpm install');
  });

  it("Yarn 2+ with Plug'n'Play: refuses in one line naming nodeLinker and the plain-hooks way, and writes nothing", () => {
    const pkg = '{\n  "name": "app",\n  "packageManager": "yarn@4.18.1"\n}\n';
    const repo = project({ pkg });
    const before = repo.snapshot();
    const refused = guard(repo, ['install']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('add "nodeLinker: node-modules" to .yarnrc.yml and run yarn install');
    expect(refused.stderr).toContain('alembic-guard install --mode git');
    expect(repo.snapshot()).toBe(before);
    expect(repo.git(['config', '--get', 'core.hooksPath'], { allowFail: true }).stdout).toBe('');
    // With node_modules (the linker Yarn is told to use), the husky set-up goes ahead.
    repo.write('.yarnrc.yml', 'nodeLinker: node-modules\n');
    const installed = guard(repo, ['install']);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain('Next: yarn install');
    expect(JSON.parse(repo.read('package.json')).scripts).toEqual({ postinstall: 'husky' });
  });
});

describe('doctor', () => {
  it('says the next commit would be blocked, and why, when it would', () => {
    const repo = project({ pkgDir: null });
    guard(repo, ['install']);
    expect(guard(repo, ['doctor']).stdout).toContain('✔ The next commit would pass the check');
    leaveBehind(repo);
    const doctor = guard(repo, ['doctor']);
    expect(doctor.stdout).toContain('✔ The guard will run on the next commit');
    expect(doctor.stdout).toContain(`✖ The next commit would be blocked: untracked migration: ${LEFT}`);
    expect(JSON.parse(guard(repo, ['doctor', '--format', 'json']).stdout).nextCommit).toEqual({
      blocked: true,
      reasons: [`untracked migration: ${LEFT}`],
    });
    expect(commitAll(repo, 'models').code).toBe(1);
  });

  it('never puts ✔ beside a hook whose CLI cannot be found', () => {
    const repo = project({ pkgDir: 'web', link: false });
    guard(repo, ['install']);
    const doctor = guard(repo, ['doctor'], '', { PATH: '/usr/bin:/bin' });
    expect(doctor.code).toBe(1);
    const line = doctor.stdout.split('\n').find((l) => l.includes('pre-commit: husky'))!;
    expect(line).toMatch(/^\s+✖ pre-commit: .*cannot be found/);
    expect(doctor.stdout).toContain('→ cd web && npm install');
  });
});
