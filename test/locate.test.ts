/**
 * `alembic-guard locate`: every place git can see, each in a real repository — another worktree's
 * untracked file, a `git stash -u` entry, a remote-tracking branch only, a tag, a file deleted in
 * history, and nowhere at all in a shallow clone. Each run also keeps the read-only promise.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteFile } from './helpers/sqlite.js';
import { alembicEnv, cleanupAll, INCIDENT, makeRepo, migration, run, tempDir, TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

const V = 'backend/alembic/versions';
const file = (i: number) => `${V}/${INCIDENT[i]}.py`;
const write = (repo: TestRepo, i: number) => repo.write(file(i), migration(INCIDENT[i], INCIDENT[i - 1]));

/** main at 008, and 009 committed only on `branch`; main checked out again. */
function onBranchOnly(branch: string, subject: string): TestRepo {
  const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
  repo.git(['checkout', '-q', '-b', branch]);
  write(repo, 8).add().commit(subject);
  repo.git(['checkout', '-q', 'main']);
  return repo;
}

interface JsonPlace {
  kind: string;
  path: string;
  worktree: string | null;
  refs: string[];
  commit: { short: string; subject: string; author: string } | null;
  lastHad: { short: string } | null;
  stashPart?: string;
  inHead: boolean;
  what: string;
  fix: string | null;
}

interface JsonLocate {
  ok: boolean;
  exitCode: number;
  searched: Record<string, unknown>;
  clone: { shallow: boolean; fetch: string | null };
  database: { target: string; revisions: string[] } | null;
  revisions: {
    query: string;
    found: boolean;
    revisions: { revision: string; inHead: boolean; places: JsonPlace[]; revisedBy: { revision: string; path: string }[] }[];
    fetch: string | null;
    message: string | null;
  }[];
}

function locate(repo: TestRepo, args: string[], cwd?: string): { code: number; json: JsonLocate; stderr: string } {
  const before = repo.snapshot();
  const result = repo.cli(['locate', '--format', 'json', ...args], { cwd });
  expect(repo.snapshot()).toBe(before);
  return { code: result.code, json: result.stdout ? JSON.parse(result.stdout) : null, stderr: result.stderr };
}

function places(json: JsonLocate, query: string): JsonPlace[] {
  return json.revisions.find((r) => r.query === query)!.revisions.flatMap((r) => r.places);
}

describe('locate: each place', () => {
  it('an untracked file in another worktree: found there, with git -C <worktree> add', () => {
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    const other = join(tempDir('ag-wt-'), 'other');
    repo.git(['worktree', 'add', '-q', '-b', 'pins', other]);
    write(new TestRepo(other), 8);
    const { code, json } = locate(repo, [INCIDENT[8]]);
    expect(code).toBe(0);
    const [place] = places(json, INCIDENT[8]);
    expect(place.kind).toBe('untracked');
    expect(place.worktree).toMatch(/other$/);
    expect(place.fix).toBe(`git -C ${place.worktree} add ${file(8)} && git -C ${place.worktree} commit`);
    // Text says the same.
    const text = repo.cli(['locate', INCIDENT[8]]);
    expect(text.stdout).toContain(`untracked in worktree ${place.worktree}: ${file(8)}`);
  });

  it('this worktree: untracked, ignored, staged, and HEAD', () => {
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    write(repo, 8);
    repo.write('.gitignore', `${V}/010_*\n`);
    write(repo, 9);
    repo.write(file(11), migration(INCIDENT[11], INCIDENT[10])).add(file(11));
    const { code, json } = locate(repo, [INCIDENT[8], INCIDENT[9], INCIDENT[11], INCIDENT[7]]);
    expect(code).toBe(0);
    expect(places(json, INCIDENT[8]).map((p) => [p.kind, p.fix])).toEqual([['untracked', `git add ${file(8)} && git commit`]]);
    expect(places(json, INCIDENT[9]).map((p) => [p.kind, p.fix])).toEqual([['ignored', `git add -f ${file(9)} && git commit`]]);
    expect(places(json, INCIDENT[11]).map((p) => [p.kind, p.fix])).toEqual([['staged', 'git commit']]);
    const head = json.revisions.find((r) => r.query === INCIDENT[7])!.revisions[0];
    expect(head.inHead).toBe(true);
    expect(head.places.map((p) => [p.kind, p.inHead, p.fix])).toEqual([['head', true, null]]);
  });

  it('a stash made with -u: the untracked part of stash@{n}, with git stash apply', () => {
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    write(repo, 8);
    repo.git(['stash', 'push', '-u', '-q', '-m', 'pins']);
    repo.write('notes.txt', 'x').git(['stash', 'push', '-u', '-q', '-m', 'later']);
    const { code, json } = locate(repo, [INCIDENT[8]]);
    expect(code).toBe(0);
    const [place] = places(json, INCIDENT[8]);
    expect(place).toMatchObject({ kind: 'stash', refs: ['stash@{1}'], stashPart: 'untracked', fix: "git stash apply 'stash@{1}'" });
    expect(json.searched.stash).toBe(2);
  });

  it('a tracked change in the stash (git stash without -u)', () => {
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    write(repo, 8).add(file(8));
    repo.git(['stash', 'push', '-q']);
    const [place] = places(locate(repo, [INCIDENT[8]]).json, INCIDENT[8]);
    expect(place).toMatchObject({ kind: 'stash', refs: ['stash@{0}'], fix: "git stash apply 'stash@{0}'" });
  });

  it('only on a remote-tracking branch: merge origin/<branch>, with the commit that added it', () => {
    const upstream = onBranchOnly('feature/traces', 'add memory pins');
    const dir = join(tempDir('ag-clone-'), 'clone');
    run('git', ['clone', '-q', upstream.dir, dir]);
    const clone = new TestRepo(dir);
    const { code, json } = locate(clone, [INCIDENT[8]]);
    expect(code).toBe(0);
    const [place] = places(json, INCIDENT[8]);
    expect(place).toMatchObject({ kind: 'remote', refs: ['origin/feature/traces'], inHead: false, fix: 'git merge origin/feature/traces' });
    expect(place.commit).toMatchObject({ subject: 'add memory pins', author: 'Test' });
  });

  it('a tag: git checkout <tag> -- <path> (from a subdirectory, the path is relative to it)', () => {
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    write(repo, 8).add().commit('pins');
    repo.git(['tag', '-a', '-m', 'release', 'v1.0']);
    repo.git(['reset', '-q', '--hard', 'HEAD~1']);
    const { json } = locate(repo, [INCIDENT[8]], join(repo.dir, 'backend'));
    const [place] = places(json, INCIDENT[8]);
    expect(place).toMatchObject({ kind: 'tag', refs: ['v1.0'], fix: `git checkout v1.0 -- alembic/versions/${INCIDENT[8]}.py` });
  });

  it('deleted in history: the last commit that had it and the commit that deleted it', () => {
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    write(repo, 8).add().commit('add pins');
    const had = repo.git(['rev-parse', '--short', 'HEAD']).stdout.trim();
    repo.git(['rm', '-q', file(8)]);
    repo.commit('drop pins');
    const { code, json } = locate(repo, [INCIDENT[8]]);
    expect(code).toBe(0);
    const [place] = places(json, INCIDENT[8]);
    expect(place.kind).toBe('history');
    expect(place.commit!.subject).toBe('drop pins');
    expect(place.lastHad!.short).toBe(had);
    expect(place.fix).toBe(`git checkout ${had} -- ${file(8)}`);
    expect(json.searched.commits).toBe(3);
  });

  it('nowhere in a shallow clone: says what was searched and the git fetch that completes it; exit 1', () => {
    const upstream = onBranchOnly('feature/traces', 'pins');
    upstream.write('README', 'x').add().commit('two');
    const dir = join(tempDir('ag-shallow-'), 'clone');
    run('git', ['clone', '-q', '--depth', '1', `file://${upstream.dir}`, dir]);
    const clone = new TestRepo(dir);
    const { code, json } = locate(clone, [INCIDENT[8]]);
    expect(code).toBe(1);
    const query = json.revisions[0];
    expect(query.found).toBe(false);
    expect(query.message).toContain(
      'searched 1 working tree, the index, HEAD, 1 branch, 1 remote-tracking branch, 0 tags, 0 stash entries, the history of every ref (1 commit)',
    );
    expect(json.clone.shallow).toBe(true);
    // --depth implies --single-branch: the refspec fetches every branch again.
    expect(query.fetch).toBe("git fetch --unshallow origin '+refs/heads/*:refs/remotes/origin/*'");
    const text = clone.cli(['locate', INCIDENT[8]]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('found nowhere');
    expect(text.stdout).toContain('this clone is shallow');
    // Running the printed command completes the search.
    clone.git(['fetch', '-q', '--unshallow', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
    expect(locate(clone, [INCIDENT[8]]).code).toBe(0);
  });

  it('a unique prefix resolves as Alembic does; several revisions, one missing: exit 1; revised-by', () => {
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    write(repo, 8);
    write(repo, 9);
    const { code, json } = locate(repo, ['009_cr', INCIDENT[8], 'nope_404']);
    expect(code).toBe(1);
    expect(json.revisions[0].revisions.map((r) => r.revision)).toEqual([INCIDENT[8]]);
    expect(json.revisions[1].revisions[0].revisedBy.map((r) => r.revision)).toEqual([INCIDENT[9]]);
    expect(json.revisions[2].found).toBe(false);
  });

  it('--db-url: the database revisions this checkout does not define (real SQLite)', () => {
    const repo = onBranchOnly('pins', 'pins');
    const db = join(tempDir('ag-db-'), 'dev.db');
    sqliteFile(db, `CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL); INSERT INTO alembic_version VALUES ('${INCIDENT[8]}');`);
    const { code, json } = locate(repo, ['--db-url', `sqlite:///${db}`]);
    expect(code).toBe(0);
    expect(json.database!.revisions).toEqual([INCIDENT[8]]);
    expect(places(json, INCIDENT[8])[0]).toMatchObject({ kind: 'branch', refs: ['pins'], fix: 'git merge pins' });
  });

  it('usage errors exit 2', () => {
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    expect(repo.cli(['locate']).code).toBe(2);
    expect(repo.cli(['locate', 'x', '--format', 'github']).code).toBe(2);
    const none = makeRepo({ README: 'x' }, { commit: true });
    expect(none.cli(['locate', 'abc']).code).toBe(2);
  });
});
