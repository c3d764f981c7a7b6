/**
 * A bypass leaves a trail in the history: a commit made with ALEMBIC_GUARD_SKIP carries an
 * `Alembic-Guard-Bypass: <reason>` trailer (the reason redacted), written by the commit-msg hook,
 * and `verify --base` in CI lists it. Real `git commit`, `git merge` and `git commit --amend` in
 * temporary repositories, with plain git hooks and with husky (the pre-commit framework's route is
 * in test/pre-commit-framework.test.ts).
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkNodeModules, packProject, type Packed } from './helpers/pack.js';
import { alembicEnv, cleanupAll, INCIDENT, makeRepo, migration, run, tempDir, testEnv, type RunResult, type TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

const REASON = 'prod is down, INC-42, see postgresql://ops:hunter2@db.internal:5432/prod';
const TRAILER = 'Alembic-Guard-Bypass: prod is down, INC-42, see postgresql://ops:***@db.internal:5432/prod';
const LEFT = `alembic/versions/${INCIDENT[8]}.py`;
const SKIP = { ALEMBIC_GUARD_SKIP: REASON };

function project(pkg = false): TestRepo {
  const files: Record<string, string> = { ...alembicEnv(''), 'app/models.py': 'v1\n', '.gitignore': 'node_modules\n' };
  if (pkg) files['package.json'] = `${JSON.stringify({ name: 'app', version: '1.0.0', private: true }, null, 2)}\n`;
  return makeRepo(files, { commit: true });
}

function commit(repo: TestRepo, args: string[], env: Record<string, string> = {}): RunResult {
  return run('git', ['commit', ...args], { cwd: repo.dir, env: testEnv(env) });
}

function message(repo: TestRepo, rev = 'HEAD'): string {
  // %B is the message as committed; log ends the record with one more newline.
  return repo.git(['log', '-1', '--format=%B', rev]).stdout.replace(/\n$/, '');
}

function trailers(repo: TestRepo, rev = 'HEAD'): string[] {
  return repo.git(['log', '-1', '--format=%(trailers:key=Alembic-Guard-Bypass)', rev]).stdout.split('\n').filter(Boolean);
}

function bypassedInVerify(repo: TestRepo, base: string): { commit: string; reason: string }[] {
  const result = repo.cli(['verify', '--format', 'json', '--base', base]);
  const json = JSON.parse(result.stdout) as { findings: { kind: string; commit: string; reason: string }[] };
  return json.findings.filter((f) => f.kind === 'bypassed-commit');
}

/** A commit the guard blocks (a migration left untracked), made with the bypass. */
function bypassedCommit(repo: TestRepo, subject: string, n: number): RunResult {
  repo.write(LEFT, migration(INCIDENT[8], INCIDENT[7]));
  repo.write('app/models.py', `v${n}\n`);
  return commit(repo, ['-am', subject], SKIP);
}

function headOf(repo: TestRepo): string {
  return repo.git(['rev-parse', 'HEAD']).stdout.trim();
}

describe('plain git hooks', () => {
  it('a bypassed commit carries the trailer with the reason redacted; a normal one none; an amend keeps one; verify --base lists it', () => {
    const repo = project();
    const installed = repo.cli(['install', '--mode', 'git']);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain('.git/hooks/commit-msg: written');
    repo.git(['checkout', '-q', '-b', 'hotfix']);

    const bypassed = bypassedCommit(repo, 'hotfix', 2);
    expect(bypassed.code, bypassed.stderr).toBe(0);
    expect(trailers(repo)).toEqual([TRAILER]);
    expect(message(repo)).toBe(`hotfix\n\n${TRAILER}\n`);
    expect(message(repo)).not.toContain('hunter2');
    expect(bypassed.stderr).toContain(`carries ${TRAILER}`);
    const hotfix = headOf(repo);

    // --amend with the bypass again: the same trailer is not added twice. (A committer date of its
    // own: an amend in the same second would otherwise make the very same commit.)
    const amended = commit(repo, ['--amend', '--no-edit'], { ...SKIP, GIT_COMMITTER_DATE: '2030-01-01T00:00:00Z' });
    expect(amended.code, amended.stderr).toBe(0);
    expect(trailers(repo)).toEqual([TRAILER]);
    const amendedHead = headOf(repo);
    expect(amendedHead).not.toBe(hotfix);

    // A normal commit (nothing left behind, no variable): no trailer. ALEMBIC_GUARD_SKIP=0 is "off".
    repo.add(LEFT);
    repo.write('app/models.py', 'v3\n');
    expect(commit(repo, ['-am', 'normal']).code).toBe(0);
    expect(message(repo)).toBe('normal\n');
    repo.write('app/models.py', 'v4\n');
    expect(commit(repo, ['-am', 'zero'], { ALEMBIC_GUARD_SKIP: '0' }).code).toBe(0);
    expect(message(repo)).toBe('zero\n');

    const listed = bypassedInVerify(repo, 'main');
    expect(listed).toEqual([
      expect.objectContaining({ kind: 'bypassed-commit', commit: amendedHead, subject: 'hotfix', reason: TRAILER.slice('Alembic-Guard-Bypass: '.length) }),
    ]);
    expect(repo.cli(['verify', '--base', 'main']).stdout).toContain(amendedHead.slice(0, 12));
  });

  it('a merge made with the bypass (two heads let through) carries the trailer too', () => {
    const repo = project();
    expect(repo.cli(['install', '--mode', 'git']).code).toBe(0);
    repo.git(['checkout', '-q', '-b', 'side']);
    repo.write('alembic/versions/009_side.py', migration('009_side', INCIDENT[7])).add('.').commit('side');
    repo.git(['checkout', '-q', 'main']);
    repo.write('alembic/versions/009_main.py', migration('009_main', INCIDENT[7])).add('.').commit('main');
    const refused = run('git', ['merge', '--no-edit', 'side'], { cwd: repo.dir, env: testEnv() });
    expect(refused.code, refused.stdout + refused.stderr).not.toBe(0);
    repo.git(['merge', '--abort']);

    const merged = run('git', ['merge', '--no-edit', 'side'], { cwd: repo.dir, env: testEnv(SKIP) });
    expect(merged.code, merged.stderr).toBe(0);
    // git writes MERGE_MSG without a final newline: the trailer still goes in a paragraph of its own.
    expect(message(repo)).toBe(`Merge branch 'side'\n\n${TRAILER}\n`);
    expect(trailers(repo)).toEqual([TRAILER]);
  });

  it("an -m message with a paragraph and the user's own commit-msg hook: theirs runs after, both trailers kept; uninstall puts theirs back", () => {
    const repo = project();
    const theirs = '#!/bin/sh\nprintf \'%s\\n\' "Signed-off-by: Test <test@example.com>" >> "$1"\n';
    repo.write('.git/hooks/commit-msg', theirs);
    chmodSync(join(repo.dir, '.git/hooks/commit-msg'), 0o755);
    const installed = repo.cli(['install', '--mode', 'git']);
    expect(installed.stdout).toContain('kept as commit-msg.alembic-guard-user');

    const bypassed = (() => {
      repo.write(LEFT, migration(INCIDENT[8], INCIDENT[7])).write('app/models.py', 'v2\n');
      return commit(repo, ['-a', '-m', 'hotfix', '-m', 'The body says why.'], SKIP);
    })();
    expect(bypassed.code, bypassed.stderr).toBe(0);
    expect(message(repo)).toBe(`hotfix\n\nThe body says why.\n\n${TRAILER}\nSigned-off-by: Test <test@example.com>\n`);

    // Without the variable their hook still runs, and ours adds nothing.
    repo.add(LEFT).write('app/models.py', 'v3\n');
    expect(commit(repo, ['-am', 'normal']).code).toBe(0);
    expect(message(repo)).toBe('normal\nSigned-off-by: Test <test@example.com>\n');

    const doctor = repo.cli(['doctor']);
    expect(doctor.stdout).toMatch(/✔ commit-msg: plain hook written by alembic-guard/);
    expect(doctor.stdout).toContain('your earlier commit-msg hook runs after the guard');

    expect(repo.cli(['uninstall']).code).toBe(0);
    expect(repo.read('.git/hooks/commit-msg')).toBe(theirs);
  });

  it('re-installing over an older install (no commit-msg hook) adds it; uninstall removes it; doctor warns while it is missing', () => {
    const repo = project();
    expect(repo.cli(['install', '--mode', 'git']).code).toBe(0);
    // What an install of an earlier version left: four hooks, no commit-msg, not in the record.
    repo.remove('.git/hooks/commit-msg');
    const recordFile = join(repo.dir, '.git/alembic-guard/install.json');
    const record = JSON.parse(readFileSync(recordFile, 'utf8')) as { written: Record<string, string> };
    for (const file of Object.keys(record.written)) if (file.endsWith('commit-msg')) delete record.written[file];
    writeFileSync(recordFile, `${JSON.stringify(record, null, 2)}\n`);

    const doctor = repo.cli(['doctor']);
    expect(doctor.stdout).toContain('no commit-msg hook');
    expect(doctor.stdout).toContain('carries no Alembic-Guard-Bypass trailer');

    const again = repo.cli(['install']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('.git/hooks/commit-msg: written');
    expect(again.stdout).toContain('.git/hooks/pre-commit: already runs the guard');
    expect(bypassedCommit(repo, 'hotfix', 2).code).toBe(0);
    expect(trailers(repo)).toEqual([TRAILER]);

    const removed = repo.cli(['uninstall']);
    expect(removed.stdout).toContain('.git/hooks/commit-msg: removed');
    expect(repo.exists('.git/hooks/commit-msg')).toBe(false);
  });

  it('without the variable the hook starts no node: one sh test on the hot path', () => {
    const repo = project();
    expect(repo.cli(['install', '--mode', 'git']).code).toBe(0);
    // The hook as installed, with a "node" that leaves a mark when it is started.
    const mark = join(tempDir('ag-node-mark-'), 'started');
    const fakeNode = join(tempDir('ag-fake-node-'), 'node');
    writeFileSync(fakeNode, `#!/bin/sh\necho started >> '${mark}'\n`);
    chmodSync(fakeNode, 0o755);
    const hook = join(repo.dir, '.git/hooks/commit-msg');
    const text = repo.read('.git/hooks/commit-msg').replace(/^alembic_guard_node=.*$/m, `alembic_guard_node='${fakeNode}'`);
    writeFileSync(hook, text);
    const msg = join(repo.dir, '.git/MSG');
    writeFileSync(msg, 'subject\n');
    const times = (env: Record<string, string>, n: number): number => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < n; i += 1) expect(run('sh', [hook, msg], { cwd: repo.dir, env: testEnv(env) }).code).toBe(0);
      return Number(process.hrtime.bigint() - started) / 1e6 / n;
    };
    const quiet = times({}, 20);
    expect(() => readFileSync(mark)).toThrow();
    const each = (cmd: string, args: string[]): number => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 20; i += 1) run(cmd, args, { cwd: repo.dir, env: testEnv() });
      return Number(process.hrtime.bigint() - started) / 1e6 / 20;
    };
    const empty = each('sh', ['-c', ':']);
    const node = each(process.execPath, ['-e', '0']);
    console.log(`commit-msg hook without ALEMBIC_GUARD_SKIP: ${quiet.toFixed(1)} ms a run; sh -c : ${empty.toFixed(1)} ms; node -e 0 ${node.toFixed(1)} ms`);
    times(SKIP, 1);
    expect(readFileSync(mark, 'utf8')).toBe('started\n');
  });
});

describe('husky', () => {
  let packed: Packed;
  beforeAll(() => {
    packed = packProject();
  });

  it('.husky/commit-msg gets the block: a bypassed commit carries the trailer, a normal one none; an older install upgrades; uninstall removes it', () => {
    const repo = project(true);
    linkNodeModules(packed, repo.dir);
    const cli = (args: string[]) => run(join(repo.dir, 'node_modules/.bin/alembic-guard'), args, { cwd: repo.dir, env: testEnv() });
    const installed = cli(['install']);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain('.husky/commit-msg: created; it runs the guard');
    expect(installed.stdout).toContain('.husky/commit-msg');

    const bypassed = bypassedCommit(repo, 'hotfix', 2);
    expect(bypassed.code, bypassed.stderr).toBe(0);
    expect(message(repo)).toBe(`hotfix\n\n${TRAILER}\n`);
    repo.add(LEFT).write('app/models.py', 'v3\n');
    expect(commit(repo, ['-am', 'normal']).code).toBe(0);
    expect(message(repo)).toBe('normal\n');
    expect(cli(['doctor']).stdout).toMatch(/✔ commit-msg: husky → \.husky\/commit-msg; runs node_modules\/\.bin\/alembic-guard commit-msg/);

    // An install of an earlier version: no .husky/commit-msg, none in the record.
    repo.remove('.husky/commit-msg');
    const recordFile = join(repo.dir, '.git/alembic-guard/install.json');
    const record = JSON.parse(readFileSync(recordFile, 'utf8')) as { written: Record<string, string>; created: string[] };
    for (const file of Object.keys(record.written)) if (file.endsWith('commit-msg')) delete record.written[file];
    record.created = record.created.filter((file) => !file.endsWith('commit-msg'));
    writeFileSync(recordFile, `${JSON.stringify(record, null, 2)}\n`);
    const again = cli(['install']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('.husky/commit-msg: created; it runs the guard');
    expect(again.stdout).toContain('.husky/pre-commit: already runs the guard');

    const removed = cli(['uninstall']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(repo.exists('.husky/commit-msg')).toBe(false);
  });
});
