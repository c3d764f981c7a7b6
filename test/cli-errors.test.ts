// One-line reasons that say what really went wrong, and exit codes that cannot be mistaken for
// "blocked" (issue 13, items 14 and 15).
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alembicEnv, CLI, cleanupAll, incidentRepo, makeRepo, migration, run, testEnv, INCIDENT } from './helpers/repo.js';

afterAll(cleanupAll);

describe('output failures', () => {
  it('a report that cannot be written (> /dev/full) exits 2 with one line on stderr, for every command', () => {
    const repo = incidentRepo();
    const full = openSync('/dev/full', 'w');
    try {
      for (const args of [['check'], ['check', '--format', 'json'], ['check', '--format', 'github'], ['graph'], ['doctor'], ['--help']]) {
        const result = run(process.execPath, [CLI, ...args], { cwd: repo.dir, env: testEnv(), stdio: ['ignore', full, 'pipe'] });
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr.trim().split('\n'), args.join(' ')).toEqual(['alembic-guard: cannot write the output: ENOSPC']);
      }
    } finally {
      closeSync(full);
    }
  });
});

describe('one-liners that say what is wrong', () => {
  it('--cwd naming no directory says so, not that git is missing', () => {
    const result = run(process.execPath, [CLI, 'check', '--cwd', '/nonexistent/dir']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('alembic-guard: --cwd /nonexistent/dir: no such directory\n');
    const file = run(process.execPath, [CLI, 'check', '--cwd', CLI]);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('not a directory');
  });

  it('a bypass whose log cannot be written still goes through, and says that nothing was logged', () => {
    const repo = incidentRepo();
    // A file where the log directory should be: no write can succeed, even as root.
    writeFileSync(join(repo.dir, '.git/alembic-guard'), 'in the way\n');
    const text = repo.cli(['check'], { env: { ALEMBIC_GUARD_SKIP: 'hotfix' } });
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/Nothing was logged: cannot write .*\.git\/alembic-guard\/bypass\.log \(E[A-Z]+\)/);
    expect(text.stderr).not.toContain('Logged to');
    const json = JSON.parse(repo.cli(['check', '--format', 'json'], { env: { ALEMBIC_GUARD_SKIP: 'hotfix' } }).stdout);
    expect(json.bypassed).toMatchObject({ reason: 'hotfix', logFile: null, logError: expect.stringContaining('Nothing was logged') });
    const github = repo.cli(['check', '--format', 'github'], { env: { ALEMBIC_GUARD_SKIP: 'hotfix' } });
    expect(github.stdout).toMatch(/^::warning title=alembic-guard%3A bypass::Nothing was logged/m);
    expect(readFileSync(join(repo.dir, '.git/alembic-guard'), 'utf8')).toBe('in the way\n');
  });

  it('--rev takes what git takes: :/message, tags, ancestry', () => {
    const V = 'backend/alembic/versions';
    const repo = makeRepo(alembicEnv('backend', 2), { commit: true });
    repo.write(`${V}/${INCIDENT[2]}.py`, migration(INCIDENT[2], INCIDENT[1])).add().commit('third: sessions');
    repo.git(['tag', '-a', '-m', 'v1', 'v1', 'HEAD~1']);
    const heads = (rev: string) => {
      const result = repo.cli(['graph', '--json', '--rev', rev]);
      expect(result.code, `${rev}: ${result.stderr}`).toBe(0);
      return JSON.parse(result.stdout).environments[0].heads;
    };
    expect(JSON.stringify(heads(':/third'))).toContain(INCIDENT[2]);
    expect(JSON.stringify(heads(':/initial'))).toContain(INCIDENT[1]);
    expect(JSON.stringify(heads('v1'))).toContain(INCIDENT[1]);
    expect(JSON.stringify(heads('HEAD^{/initial}'))).toContain(INCIDENT[1]);
    expect(repo.cli(['verify', '--rev', ':/third']).code).toBe(0);
    const unknown = repo.cli(['graph', '--rev', ':/no such message']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('alembic-guard: unknown revision: :/no such message\n');
  });
});
