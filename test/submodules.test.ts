// A versions directory that is a git submodule, or lies in one (issue 13, item 8). Our index and
// commits record only the submodule's commit; Alembic reads its checked-out files. The guard
// reads the recorded commit from the submodule's objects (check: the commit the index records;
// pre-push, verify, graph --rev: the commit the tree records), blocks on what the submodule has
// beyond it, and warns, naming the submodule, when its objects are not here.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alembicEnv, cleanupAll, ENV_PY, MAKO, makeRepo, migration, run, tempDir, testEnv, TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

const ALLOW = ['-c', 'protocol.file.allow=always'];

interface Json {
  exitCode: number;
  findings: { kind: string; severity: string; path: string | null; paths: string[]; problem?: string; message: string }[];
}

function json(repo: TestRepo, args: string[]): { code: number; json: Json } {
  const result = repo.cli([...args, '--format', 'json'], { env: { ALEMBIC_GUARD_CACHE: '0' } });
  expect(result.stderr).toBe('');
  return { code: result.code, json: JSON.parse(result.stdout) as Json };
}

/** A superproject whose `alembic/versions` is a submodule holding the given scripts. */
function versionsSubmodule(scripts: Record<string, string>): { sup: TestRepo; versions: TestRepo; origin: TestRepo } {
  const origin = makeRepo(scripts, { commit: true });
  const sup = makeRepo({ 'alembic.ini': alembicEnv('', 0)['alembic.ini']!, 'alembic/env.py': ENV_PY, 'alembic/script.py.mako': MAKO }, { commit: true });
  sup.git([...ALLOW, 'submodule', 'add', '-q', origin.dir, 'alembic/versions']);
  sup.commit('versions as a submodule');
  return { sup, versions: new TestRepo(join(sup.dir, 'alembic/versions')), origin };
}

const BROKEN = { '001_initial.py': migration('001_initial', null), '002_users.py': migration('002_users', 'nope') };
const GOOD = { '001_initial.py': migration('001_initial', null), '002_users.py': migration('002_users', '001_initial') };

describe('a versions directory that is a submodule', () => {
  it('check, graph --rev and verify read its scripts: a broken graph in it blocks', () => {
    const { sup } = versionsSubmodule(BROKEN);
    const checked = json(sup, ['check']);
    expect(checked.code).toBe(1);
    expect(checked.json.findings).toContainEqual(
      expect.objectContaining({ kind: 'graph', problem: 'missing-parent', paths: ['alembic/versions/002_users.py'] }),
    );
    const graph = sup.cli(['graph', '--rev', 'HEAD', '--json'], { env: { ALEMBIC_GUARD_CACHE: '0' } });
    expect(graph.code).toBe(1);
    expect(
      JSON.parse(graph.stdout)
        .environments[0].revisions.map((r: { revision: string }) => r.revision)
        .sort(),
    ).toEqual(['001_initial', '002_users']);
    expect(json(sup, ['verify', '--rev', 'HEAD']).code).toBe(1);
  });

  it('a good graph in it passes, with the cache as without', () => {
    const { sup } = versionsSubmodule(GOOD);
    expect(json(sup, ['check'])).toMatchObject({ code: 0, json: { findings: [] } });
    expect(sup.cli(['check', '--format', 'json']).code).toBe(0);
    expect(sup.cli(['check', '--format', 'json']).code).toBe(0);
  });

  it('the commit the index records is what check judges; new commits in the submodule block until recorded', () => {
    const { sup, versions } = versionsSubmodule(GOOD);
    versions.write('003_broken.py', migration('003_broken', 'nope')).add('003_broken.py').commit('broken');
    const before = json(sup, ['check']);
    expect(before.code).toBe(1);
    expect(before.json.findings.map((f) => [f.kind, f.path])).toEqual([['unstaged', 'alembic/versions']]);
    sup.add('alembic/versions');
    const recorded = json(sup, ['check']);
    expect(recorded.json.findings).toContainEqual(
      expect.objectContaining({ kind: 'graph', problem: 'missing-parent', paths: ['alembic/versions/003_broken.py'] }),
    );
  });

  it('not checked out (a clone without --recurse-submodules): a warning naming the submodule, never a silent pass', () => {
    const { sup } = versionsSubmodule(BROKEN);
    const clone = new TestRepo(join(tempDir(), 'clone'));
    run('git', ['clone', '-q', sup.dir, clone.dir], { env: testEnv() });
    for (const args of [['check'], ['verify', '--rev', 'HEAD']]) {
      const result = json(clone, args);
      expect(result.json.findings).toContainEqual(
        expect.objectContaining({
          kind: 'graph',
          severity: 'warning',
          problem: 'submodule-unread',
          message: expect.stringContaining('alembic/versions is a git submodule'),
        }),
      );
    }
  });

  it('a commit the submodule does not have: a warning naming it', () => {
    const { sup, versions } = versionsSubmodule(GOOD);
    // Record a commit id the submodule's objects do not hold.
    const missing = 'deadbeef'.repeat(5);
    sup.git(['update-index', '--cacheinfo', `160000,${missing},alembic/versions`]);
    sup.git(['commit', '-q', '--no-verify', '-m', 'unknown submodule commit']);
    expect(versions.exists('001_initial.py')).toBe(true);
    const result = json(sup, ['verify', '--rev', 'HEAD']);
    expect(result.json.findings).toContainEqual(
      expect.objectContaining({ kind: 'graph', problem: 'submodule-unread', message: expect.stringContaining('recorded commit is not in its objects') }),
    );
  });
});

describe('a versions directory inside a submodule', () => {
  it('configured into a submodule: its broken graph blocks, its untracked migration blocks', () => {
    const origin = makeRepo(
      { 'versions/001_initial.py': migration('001_initial', null), 'versions/002_users.py': migration('002_users', 'nope') },
      { commit: true },
    );
    const sup = makeRepo({ '.alembic-guard.json': JSON.stringify({ locations: ['vendor/db/versions'] }) }, { commit: true });
    sup.git([...ALLOW, 'submodule', 'add', '-q', origin.dir, 'vendor/db']);
    sup.commit('submodule');
    const checked = json(sup, ['check']);
    expect(checked.json.findings).toContainEqual(
      expect.objectContaining({ kind: 'graph', problem: 'missing-parent', paths: ['vendor/db/versions/002_users.py'] }),
    );
    expect(json(sup, ['verify', '--rev', 'HEAD']).code).toBe(1);
    new TestRepo(join(sup.dir, 'vendor/db')).write('versions/002_users.py', migration('002_users', '001_initial'));
    expect(json(sup, ['check']).json.findings.map((f) => [f.kind, f.path])).toContainEqual(['unstaged', 'vendor/db']);
  });
});
