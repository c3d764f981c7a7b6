// The hooks read the index file themselves (issue 11): every format git writes must give exactly
// what `git ls-files -s` gives, and every form the reader does not know must go to git instead.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePath } from '../src/git/bytes.js';
import { type IndexEntry, type IndexQuery, readIndex } from '../src/git/index-file.js';
import { indexListing } from '../src/git/objects.js';
import { openRepo } from '../src/git/repo.js';
// @ts-expect-error: a build script in plain JavaScript, no types
import { compileWalk, walkSource } from '../scripts/wasm.mjs';
import { alembicEnv, CLI, cleanupAll, makeRepo, migration, PROJECT, run, tempDir, testEnv, TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

const V = 'alembic/versions';
const QUERY: IndexQuery = { dirs: [V, 'other/versions'], names: ['alembic.ini', 'pyproject.toml', 'env.py'] };

/** What git lists for the query, split the way the reader splits it. */
function gitAnswer(repo: TestRepo, query: IndexQuery, env: Record<string, string> = {}): { inDirs: IndexEntry[]; named: IndexEntry[] } {
  // -v tags each entry: h assume-unchanged, S (or s) skip-worktree, as the reader reads the flags.
  const out = spawnSync('git', ['ls-files', '-z', '-s', '-v'], { cwd: repo.dir, env: testEnv(env), maxBuffer: 1 << 28 }).stdout as Buffer;
  const all: IndexEntry[] = [];
  let at = 0;
  while (at < out.length) {
    const end = out.indexOf(0, at);
    const tag = String.fromCharCode(out[at]!);
    const record = out.subarray(at + 2, end);
    const tab = record.indexOf(0x09);
    const [mode, oid, stage] = record.subarray(0, tab).toString('latin1').split(' ');
    const entry: IndexEntry = { path: decodePath(record.subarray(tab + 1)), mode: mode!, oid: oid!, stage: stage! };
    if (tag === 'S' || tag === 's') entry.hidden = 'skip-worktree';
    else if (tag !== tag.toUpperCase()) entry.hidden = 'assume-unchanged';
    all.push(entry);
    at = end + 1;
  }
  const under = (path: string) => query.dirs.some((dir) => path === dir || path.startsWith(`${dir}/`));
  const named = (path: string) => query.names.some((name) => path === name || path.endsWith(`/${name}`));
  return { inDirs: all.filter((e) => under(e.path)), named: all.filter((e) => named(e.path)) };
}

const BLOB = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'; // the empty blob
const COMMIT = '1111111111111111111111111111111111111111';

/** Every kind of entry the reader meets: modes, stages, flags, names near the query's. */
function varied(): TestRepo {
  const repo = makeRepo(
    {
      'alembic.ini': '[alembic]\nscript_location = alembic\n',
      'alembic/env.py': 'x = 1\n',
      'alembic/myenv.py': 'x = 1\n', // ends like env.py, is not
      'pkg/pyproject.toml': '[tool]\n',
      [`${V}/001_a.py`]: migration('001_a', null),
      [`${V}/002_b.py`]: migration('002_b', '001_a'),
      [`${V}/sub/003_c.py`]: migration('003_c', '002_b'),
      'alembic/versions2/x.py': 'x = 1\n', // the directory's name is a prefix of this one's
      'alembic/versionsx': 'x\n',
      'other/versions/a.py': 'a = 1\n',
      'zzz/alembic.ini': '[alembic]\n',
    },
    { commit: true },
  );
  repo.write(`${V}/run.sh`, '#!/bin/sh\n');
  repo.git(['add', '--chmod=+x', `${V}/run.sh`]);
  repo.git(['update-index', '--add', '--cacheinfo', `160000,${COMMIT},${V}/linked`]);
  repo.git(['update-index', '--add', '--cacheinfo', `120000,${BLOB},${V}/link.py`]);
  // a conflict: stages 1–3 of one migration
  repo.git(['update-index', '--index-info'], { input: [1, 2, 3].map((stage) => `100644 ${BLOB} ${stage}\t${V}/004_conflict.py\n`).join('') });
  repo.write(`${V}/005_new.py`, migration('005_new', '003_c'));
  repo.git(['add', '-N', `${V}/005_new.py`]); // intent to add: an extended flag (version 3)
  repo.git(['update-index', '--skip-worktree', `${V}/002_b.py`]);
  repo.git(['update-index', '--assume-unchanged', 'alembic.ini']);
  // a name that is not UTF-8
  const raw = Buffer.concat([Buffer.from(`${V}/006_`), Buffer.from([0xff, 0xfe]), Buffer.from('.py')]);
  const added = spawnSync('git', ['update-index', '--add', '-z', '--index-info'], {
    cwd: repo.dir,
    env: testEnv(),
    input: Buffer.concat([Buffer.from(`100644 ${BLOB} 0\t`), raw, Buffer.from([0])]),
  });
  expect(added.status).toBe(0);
  return repo;
}

describe('the index file, read directly', () => {
  for (const version of [2, 3, 4]) {
    it(`gives what git ls-files -s gives, index version ${version}`, async () => {
      const repo = varied();
      repo.git(['update-index', '--index-version', String(version)]);
      const read = readIndex(join(repo.dir, '.git/index'), QUERY);
      expect(read).not.toBeNull();
      expect(read).toEqual(gitAnswer(repo, QUERY));
      expect(read!.inDirs.some((e) => e.stage === '3' && e.path === `${V}/004_conflict.py`)).toBe(true);
      expect(read!.inDirs.find((e) => e.path === `${V}/linked`)?.mode).toBe('160000');
      expect(read!.named.map((e) => e.path)).toEqual(['alembic.ini', 'alembic/env.py', 'pkg/pyproject.toml', 'zzz/alembic.ini']);
    });
  }

  it('passes over the extensions git writes: cache tree, untracked cache, end of entries', async () => {
    const repo = varied(); // its first commit left a cache tree
    repo.git(['-c', 'core.untrackedCache=true', 'status', '--porcelain']); // writes UNTR
    const records = ['-c', 'index.recordEndOfIndexEntries=true', '-c', 'index.recordOffsetTable=true', '-c', 'index.threads=2'];
    repo.git([...records, 'update-index', '--add', '--cacheinfo', `100644,${BLOB},${V}/007_written.py`]); // a change: the index is written
    const index = readFileSync(join(repo.dir, '.git/index'));
    expect(['TREE', 'UNTR', 'EOIE'].filter((signature) => !index.includes(Buffer.from(signature)))).toEqual([]);
    const read = readIndex(join(repo.dir, '.git/index'), QUERY);
    expect(read).not.toBeNull();
    expect(read).toEqual(gitAnswer(repo, QUERY));
  });

  it('reads paths longer than the 12 bits of an entry’s flags (and names that are not UTF-8)', async () => {
    const repo = varied();
    const long = `${V}/${'d'.repeat(200)}/`.repeat(1) + `${'e'.repeat(250)}/`.repeat(18) + 'long.py';
    expect(long.length).toBeGreaterThan(0xfff);
    repo.git(['update-index', '--add', '--cacheinfo', `100644,${BLOB},${long}`]);
    for (const version of [2, 4]) {
      repo.git(['update-index', '--index-version', String(version)]);
      const read = readIndex(join(repo.dir, '.git/index'), QUERY);
      expect(read).toEqual(gitAnswer(repo, QUERY));
      expect(read!.inDirs.some((e) => e.path === long)).toBe(true);
      expect(read!.inDirs.some((e) => e.path.includes('\udcff'))).toBe(true);
    }
  });

  it('reads an index larger than its window, long paths at any offset, in versions 2 and 4', async () => {
    const repo = varied();
    const lines: string[] = [];
    for (let i = 0; i < 4000; i += 1) {
      const dir = i % 3 === 0 ? V : i % 3 === 1 ? 'web/src' : 'alembic/versions2';
      const long = i % 5 === 0 ? `${'p'.repeat(200)}/`.repeat(20 + (i % 41)) : '';
      lines.push(`100644 ${BLOB} 0\t${dir}/${long}${String(i).padStart(5, '0')}_file_${i}.py\n`);
      if (i % 500 === 0) lines.push(`100644 ${BLOB} 0\tweb/pkg${i}/env.py\n`);
    }
    // and 12,000 names that share no prefix, so that a version-4 index (which stores each path
    // as a cut of the one before) spans several windows too
    for (let i = 0; i < 12000; i += 1) {
      const name = createHash('sha1').update(String(i)).digest('hex');
      lines.push(`100644 ${BLOB} 0\t${i % 4 === 0 ? `${V}/${name}` : `web/${name.slice(0, 2)}/${name}`}.py\n`);
    }
    repo.git(['update-index', '--add', '--index-info'], { input: lines.join('') });
    for (const version of [2, 4]) {
      repo.git(['update-index', '--index-version', String(version)]);
      expect(statSync(join(repo.dir, '.git/index')).size).toBeGreaterThan(3 * 256 * 1024);
      const read = readIndex(join(repo.dir, '.git/index'), QUERY);
      expect(read).not.toBeNull();
      expect(read).toEqual(gitAnswer(repo, QUERY));
      expect(read!.inDirs.length).toBeGreaterThan(1334 + 3000);
    }
  });

  it('reads the temporary index of `git commit <paths>` when named, and a missing index as empty', async () => {
    const repo = varied();
    const other = join(repo.dir, '.git/other-index');
    repo.git(['read-tree', 'HEAD'], { env: { GIT_INDEX_FILE: other } });
    expect(readIndex(other, QUERY)).toEqual(gitAnswer(repo, QUERY, { GIT_INDEX_FILE: other }));
    expect(readIndex(join(repo.dir, '.git/no-such-index'), QUERY)).toEqual({ inDirs: [], named: [] });
  });

  it('leaves a split index, a sparse index and a SHA-256 index to git, which gives the same answer', async () => {
    const split = varied();
    split.git(['update-index', '--split-index']);
    split.write(`${V}/007_g.py`, migration('007_g', '003_c')).add(`${V}/007_g.py`);
    expect(readIndex(join(split.dir, '.git/index'), QUERY)).toBeNull();
    expect(await indexListing(await openRepo(split.dir), QUERY)).toEqual(gitAnswer(split, QUERY));
    expect((await indexListing(await openRepo(split.dir), QUERY)).inDirs.some((e) => e.path === `${V}/007_g.py`)).toBe(true);

    const sparse = makeRepo(
      { 'alembic.ini': '[alembic]\n', [`${V}/001_a.py`]: migration('001_a', null), 'web/a.js': 'a\n', 'web/env.py': 'x\n' },
      { commit: true },
    );
    sparse.git(['sparse-checkout', 'set', '--cone', 'alembic']);
    sparse.git(['sparse-checkout', 'reapply', '--sparse-index']);
    expect(readIndex(join(sparse.dir, '.git/index'), QUERY)).toBeNull();
    const listed = await indexListing(await openRepo(sparse.dir), QUERY);
    expect(listed).toEqual(gitAnswer(sparse, QUERY));
    expect(listed.named.map((e) => e.path)).toContain('web/env.py'); // git expands the sparse directory

    const sha256 = new TestRepo(tempDir('ag-sha256-'));
    sha256.git(['init', '-q', '--object-format=sha256']);
    sha256.write('alembic.ini', '[alembic]\n').write(`${V}/001_a.py`, migration('001_a', null)).add();
    expect(readIndex(join(sha256.dir, '.git/index'), QUERY)).toBeNull();
    expect(await indexListing(await openRepo(sha256.dir), QUERY)).toEqual(gitAnswer(sha256, QUERY));
  });

  it('walks with the WebAssembly that index-walk.wat compiles to (`npm run wasm` after an edit)', async () => {
    const committed = readFileSync(join(PROJECT, 'src/git/index-walk-wasm.ts'), 'utf8');
    expect(committed).toBe(walkSource(await compileWalk()));
  });

  it('asks git where node has no WebAssembly (node --jitless), and blocks the same', () => {
    const repo = makeRepo(alembicEnv('', 3), { commit: true });
    repo.write(`${V}/004_d.py`, migration('004_d', '003_c'));
    const plain = repo.cli(['check', '--format', 'json']);
    const jitless = run(process.execPath, ['--jitless', CLI, 'check', '--format', 'json'], { cwd: repo.dir, env: testEnv() });
    expect(jitless.stderr).not.toContain('WebAssembly');
    expect(jitless.code).toBe(1);
    expect(plain.code).toBe(1);
    expect(JSON.parse(jitless.stdout).findings).toEqual(JSON.parse(plain.stdout).findings);
  });
});
