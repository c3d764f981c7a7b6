// Merge safety: two pull requests that each add a migration on the same parent. Each branch has
// one head; the merge has two. `verify --base` judges the tree git would make by merging, before
// the merge, with real git (merge-tree --write-tree), and pre-push warns on a real `git push`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alembicEnv, cleanupAll, INCIDENT, makeExecutable, makeRepo, migration, PROJECT, run, tempDir, testEnv, type TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

const V = 'backend/alembic/versions';
const PARENT = INCIDENT[2];

interface Json {
  ok: boolean;
  exitCode: number;
  findings: Record<string, unknown>[];
  base?: { ref: string; commit: string; added: Record<string, string[]>; conflicts: string[] };
}

/** Every file under .git/objects: the guard's merge must not add one. */
function objects(repo: TestRepo): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      if (name.isDirectory()) walk(join(dir, name.name));
      else out.push(join(dir, name.name));
    }
  };
  walk(join(repo.dir, '.git/objects'));
  return out.sort();
}

/** main at 001–003; branch `pr2` adds 004_pr2 on 003; main then merges `pr1`, which added 004_pr1 on 003. */
function racingBranches(): TestRepo {
  const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
  repo.git(['checkout', '-q', '-b', 'pr1']);
  repo.write(`${V}/004_pr1.py`, migration('004_pr1', PARENT)).add().commit('pr1: a migration');
  repo.git(['checkout', '-q', 'main']);
  repo.git(['checkout', '-q', '-b', 'pr2']);
  repo.write(`${V}/004_pr2.py`, migration('004_pr2', PARENT)).add().commit('pr2: another migration');
  repo.git(['checkout', '-q', 'main']);
  repo.git(['merge', '-q', '--no-ff', '-m', 'merge pr1', 'pr1']);
  repo.git(['checkout', '-q', 'pr2']);
  return repo;
}

function verify(repo: TestRepo, args: string[], env: Record<string, string> = {}): { code: number; json: Json; stderr: string } {
  const result = repo.cli(['verify', '--format', 'json', ...args], { env });
  return { code: result.code, json: result.stdout ? (JSON.parse(result.stdout) as Json) : ({} as Json), stderr: result.stderr };
}

describe('verify --base: the merge result judged before the merge', () => {
  it('blocks two heads after the merge, naming both heads and both fixes; nothing is written', () => {
    const repo = racingBranches();
    // Each side alone is fine: that is why every single-tree check passes.
    expect(repo.cli(['verify']).code).toBe(0);
    const before = repo.snapshot();
    const stored = objects(repo);
    const { code, json } = verify(repo, ['--base', 'main']);
    expect(code).toBe(1);
    const merge = json.findings.find((f) => f.kind === 'merge-graph')!;
    expect(merge).toMatchObject({
      severity: 'error',
      problem: 'multiple-heads',
      base: 'main',
      branch: [{ revision: '004_pr2', path: `${V}/004_pr2.py` }],
      baseHeads: [{ revision: '004_pr1', path: `${V}/004_pr1.py` }],
      repoint: { path: `${V}/004_pr2.py`, revision: '004_pr2', from: PARENT, to: '004_pr1' },
    });
    expect(merge.fix).toContain(`git rebase main, then in ${V}/004_pr2.py change down_revision = '${PARENT}' to '004_pr1'`);
    expect(merge.fix).toContain("git merge main && cd backend && alembic merge -m 'merge main' 004_pr1 004_pr2");
    expect(json.base).toMatchObject({ ref: 'main', added: { 'backend/alembic': ['004_pr2'] }, conflicts: [] });
    // Read-only: work tree, index, refs, stash, and not one object more.
    expect(repo.snapshot()).toBe(before);
    expect(objects(repo)).toEqual(stored);
    const text = repo.cli(['verify', '--base', 'main']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("the merge would have two heads (backend/alembic, merging into main): the branch's 004_pr2");
  });

  it('passes once rebased and re-pointed, and once the base is merged in with a merge revision', () => {
    const repo = racingBranches();
    repo.git(['rebase', '-q', 'main']);
    repo.write(`${V}/004_pr2.py`, migration('004_pr2', '004_pr1')).add().commit('re-point');
    expect(verify(repo, ['--base', 'main']).code).toBe(0);

    const merged = racingBranches();
    merged.git(['merge', '-q', '--no-ff', '-m', 'merge main', 'main']);
    merged
      .write(`${V}/005_merge.py`, migration('005_merge', ['004_pr1', '004_pr2']))
      .add()
      .commit('merge heads');
    const { code, json } = verify(merged, ['--base', 'main']);
    expect(code).toBe(0);
    expect(json.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('names a migration git cannot merge (both sides edited it), exit 1', () => {
    const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
    const path = `${V}/${INCIDENT[2]}.py`;
    repo.git(['checkout', '-q', '-b', 'feature']);
    repo.write(path, repo.read(path).replace('op.execute("SELECT 1")', 'op.execute("SELECT 2")')).add().commit('feature edit');
    repo.git(['checkout', '-q', 'main']);
    repo.write(path, repo.read(path).replace('op.execute("SELECT 1")', 'op.execute("SELECT 3")')).add().commit('main edit');
    repo.git(['checkout', '-q', 'feature']);
    const before = repo.snapshot();
    const { code, json } = verify(repo, ['--base', 'main']);
    expect(code).toBe(1);
    expect(json.findings).toContainEqual(expect.objectContaining({ kind: 'merge-conflict', path, role: 'migration', base: 'main' }));
    // The conflict is named once, not also as a file Python cannot compile.
    expect(json.findings.filter((f) => f.kind === 'merge-graph')).toEqual([]);
    expect(repo.snapshot()).toBe(before);
  });

  it('reports an edit of a migration the base already has: a warning, an error with --strict or baseEdits', () => {
    const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
    const path = `${V}/${INCIDENT[1]}.py`;
    repo.git(['checkout', '-q', '-b', 'feature']);
    repo.write(path, repo.read(path).replace('op.execute("SELECT 1")', 'op.execute("SELECT 9")')).add().commit('edit an applied migration');
    const warned = verify(repo, ['--base', 'main']);
    expect(warned.code).toBe(0);
    expect(warned.json.findings).toContainEqual(expect.objectContaining({ kind: 'base-migration-changed', severity: 'warning', path, change: 'modified' }));
    expect(verify(repo, ['--base', 'main', '--strict']).code).toBe(1);
    repo
      .write('.alembic-guard.json', JSON.stringify({ baseEdits: 'block' }))
      .add()
      .commit('config');
    expect(verify(repo, ['--base', 'main']).code).toBe(1);
    repo.git(['rm', '-q', path]);
    repo.commit('delete it');
    expect(verify(repo, ['--base', 'main']).json.findings).toContainEqual(expect.objectContaining({ kind: 'base-migration-changed', change: 'deleted', path }));
  });

  it('an unknown base exits 2 with one line', () => {
    const repo = racingBranches();
    const result = repo.cli(['verify', '--base', 'no-such-branch']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('--base no-such-branch: unknown revision');
  });

  it('labelled branches (expand/contract): one new head on each branch passes; two on one branch block', () => {
    const files = alembicEnv('backend', 1);
    files[`${V}/e1.py`] = migration('e1', INCIDENT[0], { labels: 'expand' });
    files[`${V}/c1.py`] = migration('c1', INCIDENT[0], { labels: 'contract' });
    const repo = makeRepo(files, { commit: true });
    repo.git(['checkout', '-q', '-b', 'feature']);
    repo.write(`${V}/e2.py`, migration('e2', 'e1')).add().commit('expand');
    repo.git(['checkout', '-q', 'main']);
    repo.write(`${V}/c2.py`, migration('c2', 'c1')).add().commit('contract on main');
    repo.git(['checkout', '-q', 'feature']);
    expect(verify(repo, ['--base', 'main']).code).toBe(0);
    repo.git(['checkout', '-q', 'main']);
    repo.write(`${V}/e3.py`, migration('e3', 'e1')).add().commit('another expand on main');
    repo.git(['checkout', '-q', 'feature']);
    const { code, json } = verify(repo, ['--base', 'main']);
    expect(code).toBe(1);
    expect(json.findings).toContainEqual(
      expect.objectContaining({ kind: 'merge-graph', problem: 'multiple-heads', branch: [{ revision: 'e2', path: `${V}/e2.py` }] }),
    );
  });

  it("alternative version trees (prefect's shape) and depends_on pass", () => {
    const env = alembicEnv('backend', 0);
    const P = 'backend/alembic/versions/postgresql';
    const S = 'backend/alembic/versions/sqlite';
    for (const dir of [P, S]) {
      env[`${dir}/001_a.py`] = migration('001_a', null);
      env[`${dir}/002_b.py`] = migration('002_b', '001_a');
    }
    env['backend/alembic.ini'] = env['backend/alembic.ini']!.replace('[alembic]\n', '[alembic]\nrecursive_version_locations = true\n');
    const repo = makeRepo(env, { commit: true });
    repo.git(['checkout', '-q', '-b', 'feature']);
    for (const dir of [P, S]) repo.write(`${dir}/003_c.py`, migration('003_c', '002_b', { depends: '001_a' }));
    repo.add().commit('a migration in both trees');
    repo.git(['checkout', '-q', 'main']);
    repo.write('README.md', 'docs\n').add().commit('unrelated');
    repo.git(['checkout', '-q', 'feature']);
    const { code, json } = verify(repo, ['--base', 'main']);
    expect(json.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(code).toBe(0);
  });

  it("a project's own history: --base an older commit passes on a clean checkout", () => {
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    for (let i = 8; i < 12; i++)
      repo
        .write(`${V}/${INCIDENT[i]}.py`, migration(INCIDENT[i], INCIDENT[i - 1]))
        .add()
        .commit(`migration ${i}`);
    const older = repo.git(['rev-parse', 'HEAD~3']).stdout.trim();
    expect(verify(repo, ['--base', older]).code).toBe(0);
    expect(verify(repo, ['--base', 'HEAD']).code).toBe(0);
  });

  it('--format github: annotations on the branch file, a job summary with the heads and a mermaid picture', () => {
    const repo = racingBranches();
    const summary = join(tempDir('ag-summary-'), 'summary.md');
    const result = repo.cli(['verify', '--base', 'main', '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: 'true' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`::error file=${V}/004_pr2.py,title=alembic-guard%3A merge-graph::`);
    const text = readFileSync(summary, 'utf8');
    expect(text).toContain('alembic-guard verify: verify failed');
    expect(text).toContain('| backend/alembic | `004_pr1` | `004_pr1`, `004_pr2` | `004_pr2` |');
    expect(text).toContain('```mermaid\nflowchart BT');
    expect(text).toMatch(/r\d+\["004_pr2 \(head, new\)"\]/);
  });

  it("action.yml's step runs verify --base against the pull request's base", () => {
    const repo = racingBranches();
    const action = readFileSync(join(PROJECT, 'action.yml'), 'utf8');
    expect(action).toContain('run: bash "$GITHUB_ACTION_PATH/scripts/github-action.sh"');
    expect(action).toContain('ALEMBIC_GUARD_BASE: ${{ inputs.base || github.base_ref }}');
    const summary = join(tempDir('ag-summary-'), 'summary.md');
    const env = testEnv({
      GITHUB_ACTION_PATH: PROJECT,
      ALEMBIC_GUARD_BASE: 'main',
      ALEMBIC_GUARD_CLI: join(PROJECT, 'dist/cli.js'),
      GITHUB_STEP_SUMMARY: summary,
    });
    const result = run('bash', [join(PROJECT, 'scripts/github-action.sh')], { cwd: repo.dir, env });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('::error file=');
    expect(readFileSync(summary, 'utf8')).toContain('heads after the merge');
  });
});

describe('graph --format mermaid | dot', () => {
  it('draws the merge with --base, the new revision marked; dot the same graph', () => {
    const repo = racingBranches();
    const picture = repo.cli(['graph', '--format', 'mermaid', '--base', 'main']);
    expect(picture.code).toBe(1);
    expect(picture.stdout.startsWith('flowchart BT\n')).toBe(true);
    expect(picture.stdout).toMatch(/\["004_pr2 \(head, new\)"\]/);
    expect(picture.stdout).toMatch(/\["004_pr1 \(head\)"\]/);
    const dot = repo.cli(['graph', '--format', 'dot']);
    expect(dot.code).toBe(0);
    expect(dot.stdout).toContain('digraph alembic {');
    expect(dot.stdout).toContain(`"0:${PARENT}" -> "0:004_pr2";`);
    expect(repo.cli(['check', '--format', 'mermaid']).code).toBe(2);
  });

  it('cuts a big graph to heads, branch and merge points, saying how much was left out', () => {
    const files = alembicEnv('backend', 0);
    let down: string | null = null;
    for (let i = 0; i < 200; i++) {
      const id = `r${String(i).padStart(3, '0')}`;
      files[`${V}/${id}.py`] = migration(id, down);
      down = id;
    }
    files[`${V}/side.py`] = migration('side', 'r100');
    files[`${V}/join.py`] = migration('join', ['r199', 'side']);
    const repo = makeRepo(files, { commit: true });
    const out = repo.cli(['graph', '--format', 'mermaid']).stdout;
    expect(out).toMatch(/\{\{"join \(head, merge\)"\}\}/);
    expect(out).toContain('["r100"]');
    expect(out).toMatch(/-\. "\d+ revisions" \.->/);
    expect(out).toMatch(/revisions left out/);
    expect(out.split('\n').length).toBeLessThan(40);
  });
});

describe('pre-push: a branch that would give the default branch two heads', () => {
  it('warns on a real git push, names the other head and the fix, and the push goes through', () => {
    const repo = racingBranches();
    const remote = tempDir('ag-remote-');
    run('git', ['init', '-q', '--bare', '-b', 'main', remote], { env: testEnv() });
    repo.git(['remote', 'add', 'origin', remote]);
    repo.git(['push', '-q', 'origin', 'main']);
    repo.git(['remote', 'set-head', 'origin', 'main']);
    repo.write('.git/hooks/pre-push', `#!/bin/sh\nexec "${process.execPath}" "${join(PROJECT, 'dist/cli.js')}" pre-push "$@"\n`);
    makeExecutable(join(repo.dir, '.git/hooks/pre-push'));
    const before = objects(repo);
    const push = repo.git(['push', 'origin', 'pr2'], { allowFail: true });
    expect(push.code, push.stderr).toBe(0);
    const said = push.stdout + push.stderr;
    expect(said).toContain("the merge would have two heads (backend/alembic, merging into origin/main): the branch's 004_pr2");
    expect(said).toContain('git rebase origin/main');
    expect(repo.git(['ls-remote', remote, 'refs/heads/pr2']).stdout).toContain('refs/heads/pr2');
    expect(objects(repo)).toEqual(before);
    // Configured to block, it blocks.
    repo.write('.alembic-guard.json', JSON.stringify({ mergeHeads: 'block' }));
    repo.write(`${V}/005_more.py`, migration('005_more', '004_pr2')).add().commit('more');
    expect(repo.git(['push', 'origin', 'pr2'], { allowFail: true }).code).not.toBe(0);
  });
});
