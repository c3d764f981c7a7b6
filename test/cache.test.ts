// The hooks' cache (<git common dir>/alembic-guard/cache/): parsed scripts by blob id, graph
// answers by the set of blobs, and the paths `git status` looked at last time. A cache may only
// ever save time: every answer must be the one a run without it gives.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alembicEnv, cleanupAll, makeRepo, migration, type TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

const V = 'backend/alembic/versions';
const CACHE = '.git/alembic-guard/cache';

function check(repo: TestRepo, env: Record<string, string> = {}) {
  const result = repo.cli(['check', '--format', 'json'], { env });
  const report = JSON.parse(result.stdout) as { findings: { kind: string; path: string | null; problem?: string }[] };
  return { code: result.code, findings: report.findings.map((f) => `${f.kind} ${f.problem ?? ''} ${f.path ?? ''}`.trim()).sort() };
}

/** The same check with the cache as it is, and with it turned off: they must agree. */
function agreed(repo: TestRepo) {
  const cached = check(repo);
  expect(check(repo, { ALEMBIC_GUARD_CACHE: '0' })).toEqual(cached);
  return cached;
}

describe('the cache', () => {
  it('lives under the git common directory, and only there', () => {
    const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
    const before = repo.snapshot();
    expect(check(repo).code).toBe(0);
    expect(readdirSync(join(repo.dir, CACHE)).sort()).toEqual(['compile-cache.json', 'compile-env.json', 'graph-cache.json', 'parse-cache.json', 'watch.json']);
    expect(repo.snapshot()).toBe(before);
  });

  it('is not written with ALEMBIC_GUARD_CACHE=0', () => {
    const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
    expect(check(repo, { ALEMBIC_GUARD_CACHE: '0' }).code).toBe(0);
    expect(existsSync(join(repo.dir, CACHE))).toBe(false);
  });

  it('sees a staged edit that breaks the graph, and its undoing', () => {
    const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
    expect(agreed(repo).code).toBe(0);
    const path = `${V}/003_sessions.py`;
    const original = repo.read(path);
    repo.write(path, migration('003_sessions', 'nope')).add(path);
    const broken = agreed(repo);
    expect(broken.code).toBe(1);
    expect(broken.findings).toContainEqual(expect.stringMatching(/^graph missing-parent/));
    repo.write(path, original).add(path);
    expect(agreed(repo).code).toBe(0);
  });

  it('keeps answers per file name: the same bytes under a legacy <hex>.py name are another script', () => {
    const repo = makeRepo({ ...alembicEnv('backend', 1), [`${V}/notes.py`]: 'print("no revision here")\n' }, { commit: true });
    expect(agreed(repo)).toEqual({ code: 1, findings: [expect.stringMatching(/^graph not-a-migration/)] });
    // Alembic reads a file without `revision` named <lowercase hex>.py as that revision.
    repo.git(['mv', `${V}/notes.py`, `${V}/abc123.py`]);
    const after = agreed(repo);
    expect(after.findings.some((f) => f.startsWith('graph not-a-migration'))).toBe(false);
  });

  it('survives a damaged or foreign cache file', () => {
    const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
    check(repo);
    for (const name of readdirSync(join(repo.dir, CACHE))) writeFileSync(join(repo.dir, CACHE, name), '{"stamp": "x", "entries": {"a": 1}');
    expect(agreed(repo).code).toBe(0);
    for (const name of readdirSync(join(repo.dir, CACHE))) writeFileSync(join(repo.dir, CACHE, name), '{"stamp": "other-build", "entries": {}}');
    repo.write(`${V}/004_untracked.py`, migration('004_untracked', '003_sessions'));
    expect(agreed(repo).findings).toEqual([`untracked  ${V}/004_untracked.py`]);
  });

  it('ignores entries of the right stamp but the wrong shape', async () => {
    const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
    check(repo);
    const { readFileSync } = await import('node:fs');
    for (const name of readdirSync(join(repo.dir, CACHE))) {
      const file = join(repo.dir, CACHE, name);
      const data = JSON.parse(readFileSync(file, 'utf8')) as { stamp: string; entries: Record<string, unknown> };
      for (const key of Object.keys(data.entries)) data.entries[key] = 1;
      writeFileSync(file, JSON.stringify(data));
    }
    repo.write(`${V}/004_untracked.py`, migration('004_untracked', '003_sessions'));
    expect(agreed(repo).findings).toEqual([`untracked  ${V}/004_untracked.py`]);
    // Parsed scripts with fields of the wrong type, and a graph answer that must be rebuilt.
    const parse = join(repo.dir, CACHE, 'parse-cache.json');
    const data = JSON.parse(readFileSync(parse, 'utf8')) as { stamp: string; entries: Record<string, unknown> };
    for (const key of Object.keys(data.entries)) data.entries[key] = [1, 2, 3, 4, 5];
    writeFileSync(parse, JSON.stringify(data));
    writeFileSync(join(repo.dir, CACHE, 'graph-cache.json'), '{}');
    expect(agreed(repo).findings).toEqual([`untracked  ${V}/004_untracked.py`]);
  });

  it('follows discovery when a new environment appears: what git status looked at last time is only a guess', () => {
    const repo = makeRepo(alembicEnv('backend', 2), { commit: true });
    expect(check(repo).code).toBe(0); // remembers backend/alembic's paths
    repo.write('worker/alembic.ini', '[alembic]\nscript_location = %(here)s/migrations\n');
    repo.write('worker/migrations/env.py', 'from alembic import context\n');
    repo.write('worker/migrations/versions/001_w.py', migration('w001', null));
    repo.add('worker/alembic.ini', 'worker/migrations/env.py');
    expect(agreed(repo)).toEqual({ code: 1, findings: ['untracked  worker/migrations/versions/001_w.py'] });
  });

  it('is shared by linked worktrees, each with its own answer', () => {
    const repo = makeRepo(alembicEnv('backend', 2), { commit: true });
    const other = join(repo.dir, '..', `${repo.dir.split('/').pop()}-wt`);
    repo.git(['worktree', 'add', '-q', '-b', 'side', other]);
    repo.write(`${V}/003_here.py`, migration('003_here', '002_users'));
    expect(check(repo).findings).toEqual([`untracked  ${V}/003_here.py`]);
    const wt = repo.cli(['check', '--format', 'json'], { cwd: other });
    expect(wt.code).toBe(0);
    expect(check(repo).findings).toEqual([`untracked  ${V}/003_here.py`]);
  });
});
