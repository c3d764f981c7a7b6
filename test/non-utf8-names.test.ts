// File names are bytes: names that are not UTF-8 stay distinct through git's output, the graph
// and the report, and the printed fix names the real file (issue 13, item 10).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePath, encodePath } from '../src/git/bytes.js';
import { shellQuote, showName } from '../src/report/quote.js';
import { cleanupAll, ENV_PY, MAKO, makeRepo, migration, testEnv, type TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

const V = 'alembic/versions';
/** `alembic/versions/<prefix><byte>.py` as bytes. */
const rawName = (prefix: string, byte: number): Buffer => Buffer.concat([Buffer.from(`${V}/${prefix}`), Buffer.from([byte]), Buffer.from('.py')]);

function base(): TestRepo {
  return makeRepo(
    {
      'alembic.ini': '[alembic]\nscript_location = alembic\n',
      'alembic/env.py': ENV_PY,
      'alembic/script.py.mako': MAKO,
      [`${V}/001_a.py`]: migration('001_a', null),
    },
    { commit: true },
  );
}

function writeRaw(repo: TestRepo, name: Buffer, content: string): void {
  writeFileSync(Buffer.concat([Buffer.from(`${repo.dir}/`), name]), content);
}

/** Staged paths as bytes (hex), straight from git. */
function stagedBytes(repo: TestRepo): string[] {
  const out = spawnSync('git', ['diff', '--cached', '--name-only', '-z'], { cwd: repo.dir, env: testEnv() }).stdout as Buffer;
  const names: string[] = [];
  let at = 0;
  while (at < out.length) {
    const end = out.indexOf(0, at);
    names.push(out.subarray(at, end).toString('hex'));
    at = end + 1;
  }
  return names.sort();
}

describe('the codec', () => {
  it('round-trips any bytes, and keeps valid UTF-8 as it is', () => {
    const samples = [
      Buffer.from('café/ü.py'),
      Buffer.from([0x61, 0xff, 0xfe, 0x62]),
      Buffer.from([0xc3]),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from([0xe2, 0x82]),
      Buffer.from('😀'),
      Buffer.from([0xf0, 0x9f, 0x98]),
    ];
    for (const bytes of samples) expect(encodePath(decodePath(bytes)).equals(bytes), bytes.toString('hex')).toBe(true);
    for (let b = 0; b < 256; b += 1) {
      const bytes = Buffer.from([0x78, b, 0x79]);
      expect(encodePath(decodePath(bytes)).equals(bytes)).toBe(true);
    }
    expect(decodePath(Buffer.from('café'))).toBe('café');
    expect(decodePath(Buffer.from([0xff]))).not.toBe(decodePath(Buffer.from([0xfe])));
    expect(shellQuote(decodePath(Buffer.from('caf\xe9.py', 'latin1')))).toBe("$'caf\\xe9.py'");
    expect(showName(decodePath(Buffer.from('caf\xe9.py', 'latin1')))).toBe('"caf\\351.py"');
  });
});

describe('names that are not UTF-8', () => {
  it('two names differing only in such bytes are two files: the missing parent is found, no false duplicate', () => {
    const repo = base();
    writeRaw(repo, rawName('002_', 0xff), migration('002_b', '001_a'));
    writeRaw(repo, rawName('002_', 0xfe), migration('003_c', 'no_such_parent'));
    repo.add();
    const result = repo.cli(['check', '--format', 'json']);
    const problems = (JSON.parse(result.stdout).findings as { problem?: string }[]).map((f) => f.problem).filter(Boolean);
    expect(problems).toContain('missing-parent');
    expect(problems).not.toContain('duplicate-revision');
    expect(result.code).toBe(1);
  });

  it('the printed git add, pasted into bash, stages the exact file', () => {
    const repo = base();
    const ff = rawName('002_', 0xff);
    const e9 = rawName('003_caf', 0xe9);
    writeRaw(repo, ff, migration('002_b', '001_a'));
    writeRaw(repo, e9, migration('003_c', '002_b'));
    const text = repo.cli(['check']);
    expect(text.code).toBe(1);
    expect(text.stdout).not.toContain('\ufffd');
    expect(text.stdout).toContain(`"${V}/002_\\377.py"`);
    const commands = text.stdout
      .split('\n')
      .filter((l) => l.startsWith('      → git add'))
      .map((l) => l.slice('      → '.length));
    expect(commands).toEqual([`git add $'${V}/002_\\xff.py'`, `git add $'${V}/003_caf\\xe9.py'`]);
    for (const command of commands) {
      const ran = spawnSync('bash', ['-c', command], { cwd: repo.dir, env: testEnv(), encoding: 'utf8' });
      expect(ran.status, ran.stderr).toBe(0);
    }
    expect(stagedBytes(repo)).toEqual([ff.toString('hex'), e9.toString('hex')].sort());
    // Once staged, the commit passes.
    expect(repo.cli(['check']).code).toBe(0);
  });

  it('an ignored file with such a name is named by check-ignore too', () => {
    const repo = base();
    repo.write('.gitignore', '*.py[cod]\n002_?.py\n').add('.gitignore').commit('ignore');
    writeRaw(repo, rawName('002_', 0xff), migration('002_b', '001_a'));
    const result = repo.cli(['check', '--format', 'json']);
    const ignored = (JSON.parse(result.stdout).findings as { kind: string; ignoredBy: { pattern: string } | null }[]).find((f) => f.kind === 'ignored');
    expect(ignored?.ignoredBy?.pattern).toBe('002_?.py'); // one byte: the real name, not U+FFFD's three
  });
});
