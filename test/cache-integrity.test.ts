// The cache may only save time (issue 13, items 5–7): what it holds for a blob id is what those
// bytes parse to, a graph answer is keyed by everything the graph rules read, and whatever is
// found in the cache directory (damaged entries, FIFOs, links) is at worst a miss.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alembicEnv, CLI, cleanupAll, makeRepo, migration, run, testEnv, type TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

const V = 'backend/alembic/versions';
const CACHE = '.git/alembic-guard/cache';

function answer(repo: TestRepo, args: string[], env: Record<string, string> = {}) {
  const result = repo.cli([...args, '--format', 'json'], { env });
  expect(result.stderr).not.toMatch(/internal error/);
  const report = JSON.parse(result.stdout) as { findings: { kind: string; path: string | null; problem?: string }[] };
  return { code: result.code, findings: report.findings.map((f) => `${f.kind} ${f.problem ?? ''} ${f.path ?? ''}`.trim()).sort() };
}

/** check with the cache as it is, and with it off: they must agree. */
function agreed(repo: TestRepo, args = ['check']) {
  const cached = answer(repo, args);
  expect(answer(repo, args, { ALEMBIC_GUARD_CACHE: '0' })).toEqual(cached);
  return cached;
}

function graphOf(repo: TestRepo, rev: string, env: Record<string, string> = {}) {
  const result = repo.cli(['graph', '--rev', rev, '--json'], { env });
  expect(result.stderr).not.toMatch(/internal error/);
  const data = JSON.parse(result.stdout) as { environments: { heads: string[]; problems: { kind: string }[] }[] };
  return { code: result.code, graphs: data.environments.map((e) => ({ heads: e.heads, problems: e.problems.map((p) => p.kind) })) };
}

describe('the parse cache holds what the blob says (item 5)', () => {
  const BROKEN = migration('003_sessions', 'nope');
  const path = `${V}/003_sessions.py`;

  // Each way leaves a working copy that git status calls unchanged while its bytes are not the
  // staged blob's: the index entry is trusted (assume-unchanged, skip-worktree), or git converts
  // between the two (a clean filter, working-tree-encoding).
  const ways: [string, (repo: TestRepo) => void][] = [
    [
      'assume-unchanged',
      (repo) => {
        const oid = repo.git(['hash-object', '-w', '--stdin'], { input: BROKEN }).stdout.trim();
        repo.git(['update-index', '--cacheinfo', `100644,${oid},${path}`]);
        repo.git(['update-index', '--assume-unchanged', path]);
      },
    ],
    [
      'skip-worktree',
      (repo) => {
        const oid = repo.git(['hash-object', '-w', '--stdin'], { input: BROKEN }).stdout.trim();
        repo.git(['update-index', '--cacheinfo', `100644,${oid},${path}`]);
        repo.git(['update-index', '--skip-worktree', path]);
      },
    ],
    [
      'a clean filter',
      (repo) => {
        repo.git(['config', 'filter.rewrite.clean', 'sed -e s/002_users/nope/']);
        repo.git(['config', 'filter.rewrite.smudge', 'cat']);
        repo.write('.gitattributes', '*.py filter=rewrite\n').add('.gitattributes', path);
        repo.git(['add', '--renormalize', '--', path]);
      },
    ],
  ];

  for (const [name, poison] of ways) {
    it(`checks the staged blob, not a working copy git trusts (${name})`, () => {
      const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
      poison(repo);
      // git status sees no unstaged change: the working copy is taken to be the staged blob.
      expect(repo.git(['diff', '--name-only', '--', path]).stdout).toBe('');
      const staged = agreed(repo);
      expect(staged.code).toBe(1);
      expect(staged.findings).toContainEqual(expect.stringMatching(/^graph missing-parent/));
      // Committed anyway: the commit's graph, as a fresh clone reads it, is broken here too.
      repo.commit('poisoned');
      expect(graphOf(repo, 'HEAD')).toEqual(graphOf(repo, 'HEAD', { ALEMBIC_GUARD_CACHE: '0' }));
      expect(graphOf(repo, 'HEAD').code).toBe(1);
    });
  }

  it('checks the staged blob when git re-encodes the working copy (working-tree-encoding)', () => {
    // The working copies are UTF-16 (with a BOM); git stores them as UTF-8 blobs.
    const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const files: Record<string, string | Buffer> = alembicEnv('backend', 3);
    for (const name of Object.keys(files)) if (name.startsWith(V)) files[name] = utf16(files[name] as string);
    const repo = makeRepo({ ...files, '.gitattributes': `${V}/*.py working-tree-encoding=UTF-16\n` });
    repo.add().commit('initial');
    expect(repo.git(['cat-file', 'blob', `HEAD:${path}`]).stdout).toBe(migration('003_sessions', '002_users'));
    expect(agreed(repo)).toEqual({ code: 0, findings: [] });
    expect(graphOf(repo, 'HEAD')).toEqual({ code: 0, graphs: [{ heads: ['003_sessions'], problems: [] }] });
  });
});

describe('a graph answer is keyed by everything it depends on (item 6)', () => {
  /** Two chains in versions/a and versions/b: one graph per subdirectory when the parent is listed. */
  function twoChains(): TestRepo {
    const repo = makeRepo(alembicEnv('backend', 0), { commit: false });
    repo.write(`${V}/a/a1.py`, migration('a1', null)).write(`${V}/a/a2.py`, migration('a2', 'a1'));
    repo.write(`${V}/b/b1.py`, migration('b1', null)).write(`${V}/b/b2.py`, migration('b2', 'b1'));
    repo.write('backend/alembic.ini', iniWith('%(here)s/alembic/versions'));
    return repo.add().commit('two chains');
  }
  const iniWith = (locations: string) => `[alembic]\nscript_location = %(here)s/alembic\nversion_locations = ${locations}\n`;

  it('a change of version_locations (the parent, or its sub-folders one by one) is a new answer', () => {
    const repo = twoChains();
    expect(agreed(repo).code).toBe(0);
    repo.write('backend/alembic.ini', iniWith('%(here)s/alembic/versions/a %(here)s/alembic/versions/b')).add('backend/alembic.ini');
    const split = agreed(repo);
    expect(split.findings).toContainEqual(expect.stringMatching(/^graph multiple-heads/));
    repo.write('backend/alembic.ini', iniWith('%(here)s/alembic/versions')).add('backend/alembic.ini');
    expect(agreed(repo).code).toBe(0);
  });

  it('a property: for random edits of migrations and configuration, the cached answer is the uncached one', () => {
    const seed = Number(process.env.CACHE_PROPERTY_SEED ?? 5);
    const steps = Number(process.env.CACHE_PROPERTY_STEPS ?? 16);
    let state = seed >>> 0;
    const rnd = (n: number) => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (((t ^ (t >>> 14)) >>> 0) % n) as number;
    };
    const pick = <T>(items: T[]): T => items[rnd(items.length)]!;
    const repo = twoChains();
    const revs = new Map<string, string>([
      ['a1', 'a'],
      ['a2', 'a'],
      ['b1', 'b'],
      ['b2', 'b'],
    ]);
    let next = 3;
    const layouts = [
      '%(here)s/alembic/versions',
      '%(here)s/alembic/versions/a %(here)s/alembic/versions/b',
      '%(here)s/alembic/versions/a',
      '%(here)s/alembic/versions/b, %(here)s/alembic/versions/a',
    ];
    const log: string[] = [];
    const tips: Record<string, string> = { a: 'a2', b: 'b2' };
    const edits: (() => string)[] = [
      () => {
        // The common case: a new migration on top of one chain.
        const dir = pick(['a', 'b']);
        const rev = `r${next++}`;
        const file = `${V}/${dir}/${rev}.py`;
        const parent = tips[dir]!;
        repo.write(file, migration(rev, parent)).add(file);
        revs.set(rev, dir);
        tips[dir] = rev;
        return `append ${file} ← ${parent}`;
      },
      () => {
        const dir = pick(['a', 'b', 'a', 'b', '']);
        const rev = `r${next++}`;
        const parent = pick([...revs.keys(), 'nope', null]);
        revs.set(rev, dir);
        const file = `${V}/${dir ? `${dir}/` : ''}${rev}.py`;
        repo.write(file, migration(rev, parent)).add(file);
        return `add ${file} ← ${parent}`;
      },
      () => {
        const rev = pick([...revs.keys()]);
        const dir = revs.get(rev)!;
        const file = `${V}/${dir ? `${dir}/` : ''}${rev}.py`;
        const parent = pick([...revs.keys(), 'nope', null].filter((r) => r !== rev));
        repo.write(file, migration(rev, parent)).add(file);
        return `re-parent ${rev} ← ${parent}`;
      },
      () => {
        const rev = pick([...revs.keys()]);
        const dir = revs.get(rev)!;
        const to = pick(['a', 'b', ''].filter((d) => d !== dir));
        mkdirSync(join(repo.dir, V, to), { recursive: true });
        repo.git(['mv', `${V}/${dir ? `${dir}/` : ''}${rev}.py`, `${V}/${to ? `${to}/` : ''}${rev}.py`]);
        revs.set(rev, to);
        return `move ${rev} to ${to || '.'}`;
      },
      () => {
        if (revs.size <= 1) return 'nothing to remove';
        const rev = pick([...revs.keys()]);
        const dir = revs.get(rev)!;
        repo.git(['rm', '-q', '-f', '--', `${V}/${dir ? `${dir}/` : ''}${rev}.py`]);
        revs.delete(rev);
        return `remove ${rev}`;
      },
      () => {
        const layout = pick(layouts);
        repo.write('backend/alembic.ini', iniWith(layout)).add('backend/alembic.ini');
        return `version_locations = ${layout}`;
      },
      () => {
        const allow = pick([true, false, ['backend/alembic'], null]);
        if (allow === null) repo.remove('.alembic-guard.json');
        else repo.write('.alembic-guard.json', JSON.stringify({ allowMultipleHeads: allow }));
        return `allowMultipleHeads ${JSON.stringify(allow)}`;
      },
      () => {
        const locations = pick([[`${V}`], [`${V}/a`, `${V}/b`], null]);
        if (locations === null) repo.remove('.alembic-guard.json');
        else repo.write('.alembic-guard.json', JSON.stringify({ locations }));
        return `locations ${JSON.stringify(locations)}`;
      },
    ];
    // Configuration edits change no blob: those are the steps a blob-keyed answer gets wrong.
    const weighted = [...edits, edits[0]!, edits[0]!, edits[5]!, edits[5]!, edits[5]!, edits[7]!];
    for (let step = 0; step < steps; step += 1) {
      log.push(pick(weighted)());
      const cached = answer(repo, ['check']);
      const fresh = answer(repo, ['check'], { ALEMBIC_GUARD_CACHE: '0' });
      expect({ seed, steps: log, answer: cached }).toEqual({ seed, steps: log, answer: fresh });
    }
  }, 300_000);
});

describe('whatever is in the cache directory is at worst a miss (item 7)', () => {
  /** A repository whose cache files exist, and their stamp. */
  function primed(): { repo: TestRepo; stamp: string } {
    const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
    answer(repo, ['check']);
    const stamp = (JSON.parse(readFileSync(join(repo.dir, CACHE, 'graph-cache.json'), 'utf8')) as { stamp: string }).stamp;
    return { repo, stamp };
  }

  /** Replaces every entry of a cache file (keys kept, so lookups find them) with `value`. */
  function corrupt(repo: TestRepo, name: string, value: (old: unknown) => unknown): void {
    const file = join(repo.dir, CACHE, name);
    const data = JSON.parse(readFileSync(file, 'utf8')) as { stamp: string; entries: Record<string, unknown> };
    for (const key of Object.keys(data.entries)) data.entries[key] = value(data.entries[key]);
    writeFileSync(file, JSON.stringify(data));
  }

  const graphShapes: [string, (old: unknown) => unknown][] = [
    ['problems [1, null]', (old) => ({ ...(old as object), problems: [1, null] })],
    ['a problem without paths', (old) => ({ ...(old as object), problems: [{ kind: 'missing-parent', message: 'm', severity: 'error' }] })],
    ['a problem of an unknown kind', (old) => ({ ...(old as object), problems: [{ kind: 'x', message: 'm', paths: [], revisions: [], severity: 'error' }] })],
    ['paths as a string', (old) => ({ ...(old as object), problems: [{ kind: 'cycle', message: 'm', paths: 'abc', revisions: [], severity: 'error' }] })],
    ['warnings [null]', (old) => ({ ...(old as object), warnings: [null] })],
    ['a warning without a line', (old) => ({ ...(old as object), warnings: [{ path: `${V}/x.py`, message: 'm' }] })],
    ['heads [1]', (old) => ({ ...(old as object), heads: [1] })],
    ['the entry a string', () => 'entries'],
  ];
  for (const [name, shape] of graphShapes) {
    it(`a graph answer with ${name}`, () => {
      const { repo } = primed();
      corrupt(repo, 'graph-cache.json', shape);
      expect(agreed(repo)).toEqual({ code: 0, findings: [] });
      repo.write(`${V}/003_sessions.py`, migration('003_sessions', 'nope')).add(`${V}/003_sessions.py`);
      answer(repo, ['check']);
      corrupt(repo, 'graph-cache.json', shape);
      expect(agreed(repo).findings).toContainEqual(expect.stringMatching(/^graph missing-parent/));
    });
  }

  const parseShapes: [string, (old: unknown) => unknown][] = [
    ['ids that are not strings', (old) => [(old as unknown[])[0], [1, null], [], [], []]],
    ['warnings [1, null]', (old) => [(old as unknown[])[0], [], [], [], [1, null]]],
    ['an error of the wrong shape', (old) => [...(old as unknown[]).slice(0, 5), { kind: 7 }]],
    ['an error that is a string', (old) => [...(old as unknown[]).slice(0, 5), 'syntax']],
    ['a revision that is a number', () => [3, [], [], [], []]],
    // The compact form, `=revision\ndown…`: anything else that is a string is not ours.
    ['a string that is not the compact form', () => 'abc'],
    ['a compact entry with an empty id', () => '=\n'],
  ];
  for (const [name, shape] of parseShapes) {
    it(`a parsed script with ${name}`, () => {
      const { repo } = primed();
      corrupt(repo, 'parse-cache.json', shape);
      rmSync(join(repo.dir, CACHE, 'graph-cache.json'));
      expect(agreed(repo)).toEqual({ code: 0, findings: [] });
    });
  }

  it('entries that are not an object, and hints of the wrong shape', () => {
    const { repo, stamp } = primed();
    for (const entries of ['entries', [1, 2], null, 7]) {
      for (const name of ['graph-cache.json', 'parse-cache.json', 'watch.json']) {
        writeFileSync(join(repo.dir, CACHE, name), JSON.stringify({ stamp, entries }));
      }
      expect(agreed(repo)).toEqual({ code: 0, findings: [] });
    }
    primed();
    corrupt(repo, 'watch.json', () => ({ paths: [1, null], versions: 'x' }));
    expect(agreed(repo)).toEqual({ code: 0, findings: [] });
    corrupt(repo, 'watch.json', () => ({ paths: [], versions: [7] }));
    expect(agreed(repo)).toEqual({ code: 0, findings: [] });
  }, 240_000);

  it('never opens anything but a regular file there: a FIFO, a link, a directory', () => {
    const { repo } = primed();
    const cache = join(repo.dir, CACHE);
    const files = readdirSync(cache);
    const plant = (kind: string) => {
      for (const name of files) {
        const file = join(cache, name);
        rmSync(file, { recursive: true, force: true });
        if (kind === 'fifo') expect(spawnSync('mkfifo', [file]).status).toBe(0);
        else if (kind === 'link to a fifo') {
          expect(spawnSync('mkfifo', [`${file}.fifo`]).status).toBe(0);
          symlinkSync(`${file}.fifo`, file);
        } else mkdirSync(file);
      }
    };
    for (const kind of ['fifo', 'link to a fifo', 'directory']) {
      plant(kind);
      const result = run(process.execPath, [CLI, 'check', '--format', 'json'], { cwd: repo.dir, env: testEnv(), timeout: 30_000 });
      expect({ kind, code: result.code, stderr: result.stderr }).toEqual({ kind, code: 0, stderr: '' });
    }
  }, 120_000);
});
