// dist/cli.js loads the bundle through V8's code cache (src/launch.ts): the cache is written
// once, read when it is this user's own file, and any trouble with it costs only the compile.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alembicEnv, cleanupAll, CLI, incidentRepo, INCIDENT, makeRepo, migration, run, testEnv } from './helpers/repo.js';

afterAll(cleanupAll);

// Node 22.1+ keeps its own cache (module.enableCompileCache); this file's cache is for older Nodes.
const ownCache = !(await import('node:module')).enableCompileCache;

function cacheHome(): { env: NodeJS.ProcessEnv; dir: string } {
  const home = mkdtempSync(join(tmpdir(), 'ag-cache-home-'));
  return { env: testEnv({ XDG_CACHE_HOME: home }), dir: join(home, 'alembic-guard') };
}

describe.skipIf(!ownCache)('the code cache (Node < 22.1)', () => {
  it('is written by the first run, used by the next, and the verdicts are the same', () => {
    const repo = incidentRepo();
    const { env, dir } = cacheHome();
    const first = run(process.execPath, [CLI, 'check'], { cwd: repo.dir, env });
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^v8-[0-9a-f]{16}-${process.version.replace(/\./g, '\\.')}-${process.arch}-check\\.cache$`));
    const stamp = readFileSync(join(dir, files[0]));
    const second = run(process.execPath, [CLI, 'check'], { cwd: repo.dir, env });
    expect(second.code).toBe(1);
    expect(second).toEqual(first);
    expect(readFileSync(join(dir, files[0]))).toEqual(stamp); // read, not written again
    // Other commands keep their own: a check never starts from what an install compiled.
    run(process.execPath, [CLI, '--version'], { env });
    expect(readdirSync(dir).sort()).toEqual([files[0].replace(/-check\.cache$/, '-cli.cache'), files[0]].sort());
  });

  it('a damaged cache file is refused by V8 and replaced; the run is unharmed', () => {
    const repo = incidentRepo();
    const { env, dir } = cacheHome();
    run(process.execPath, [CLI, 'check'], { cwd: repo.dir, env });
    const [name] = readdirSync(dir);
    writeFileSync(join(dir, name), Buffer.alloc(4096, 7), { mode: 0o600 });
    const result = run(process.execPath, [CLI, 'check'], { cwd: repo.dir, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    expect(readFileSync(join(dir, name)).subarray(0, 16)).not.toEqual(Buffer.alloc(16, 7));
  });

  it('a cache file others may write is not read, and is replaced by one only this user may write', () => {
    const { env, dir } = cacheHome();
    run(process.execPath, [CLI, '--version'], { env });
    const [name] = readdirSync(dir);
    writeFileSync(join(dir, name), Buffer.alloc(4096, 7));
    chmodSync(join(dir, name), 0o666);
    const result = run(process.execPath, [CLI, '--version'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
  });

  it('ALEMBIC_GUARD_CACHE=0 writes none; an unwritable cache folder changes nothing', () => {
    const { env, dir } = cacheHome();
    expect(run(process.execPath, [CLI, '--version'], { env: { ...env, ALEMBIC_GUARD_CACHE: '0' } }).code).toBe(0);
    expect(existsSync(dir)).toBe(false);
    mkdirSync(join(dir, '..'), { recursive: true });
    writeFileSync(dir, 'a file where the folder should be\n');
    const result = run(process.execPath, [CLI, '--version'], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});

describe("check's git status, started by the launcher before the bundle loads (early.ts)", () => {
  /** The git commands one run started, from git's own trace. */
  function gitCommands(repo: ReturnType<typeof incidentRepo>, args: string[]): { code: number; stdout: string; commands: string[] } {
    const trace = join(mkdtempSync(join(tmpdir(), 'ag-trace-')), 'trace.json');
    const result = repo.cli(args, { env: { GIT_TRACE2_EVENT: trace } });
    const commands = readFileSync(trace, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { event: string; sid: string; argv?: string[] })
      .filter((e) => e.event === 'start' && !e.sid.includes('/'))
      .map((e) => e.argv!.filter((a) => !a.startsWith('-') && !a.includes('=')).slice(1, 2)[0] ?? '');
    return { code: result.code, stdout: result.stdout, commands };
  }

  it('is the one status of a check whose watched paths are as last time', () => {
    const repo = incidentRepo();
    expect(repo.cli(['check']).code).toBe(1); // records the watch hint
    const again = gitCommands(repo, ['check']);
    expect(again.code).toBe(1);
    expect(again.commands.filter((c) => c === 'status')).toHaveLength(1);
    expect(again.stdout).toContain('014_trace_mismatches');
  });

  it("is dropped when discovery watches other paths now, and the verdict is the new paths' own", () => {
    const repo = makeRepo(alembicEnv('backend', 2), { commit: true });
    expect(repo.cli(['check']).code).toBe(0);
    // The project moves its migrations: the hint names the old folder, discovery the new one.
    repo
      .write('backend/alembic.ini', '[alembic]\nscript_location = %(here)s/alembic\nversion_locations = %(here)s/alembic/versions %(here)s/alembic/more\n')
      .add()
      .commit('more');
    repo.write('backend/alembic/more/0003_left_behind.py', migration('0003', INCIDENT[1]));
    const moved = gitCommands(repo, ['check']);
    expect(moved.commands.filter((c) => c === 'status')).toHaveLength(2); // the early one, unused
    expect(moved.code).toBe(1);
    expect(moved.stdout).toContain('0003_left_behind.py');
    // … and the next check starts the right one.
    expect(gitCommands(repo, ['check']).commands.filter((c) => c === 'status')).toHaveLength(1);
  });

  it('is not started for --cwd, another command, or a repository git has to be asked about', () => {
    const repo = incidentRepo();
    repo.cli(['check']);
    const elsewhere = gitCommands(repo, ['check', '--cwd', join(repo.dir, 'backend')]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.commands.filter((c) => c === 'status')).toHaveLength(1);
  });
});
