// Local means local: in a partial clone (--filter=blob:none) the guard reads only the objects
// that are here. A blob that is not is "not in this clone", never fetched: with a remote that
// accepts connections and never answers, nothing hangs and nothing connects.
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alembicEnv, CLI, cleanupAll, INCIDENT, makeRepo, migration, tempDir, testEnv } from './helpers/repo.js';

afterAll(cleanupAll);

const V = 'backend/alembic/versions';
let server: net.Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  // Accepts, and never says a word: a remote a lazy fetch would wait on for ever.
  server = net.createServer(() => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function partialClone(): string {
  const origin = makeRepo(alembicEnv('backend', 3), { commit: true });
  origin.git(['config', 'uploadpack.allowFilter', 'true']);
  origin.git(['checkout', '-q', '-b', 'feature']);
  origin.write(`${V}/004_feature.py`, migration('004_feature', INCIDENT[2])).add().commit('a migration on a branch');
  origin.git(['checkout', '-q', 'main']);
  const clone = join(tempDir('ag-partial-'), 'clone');
  const made = spawnSync('git', ['clone', '-q', '--filter=blob:none', `file://${origin.dir}`, clone], { env: testEnv(), encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
  spawnSync('git', ['remote', 'set-url', 'origin', `git://127.0.0.1:${port}/never`], { cwd: clone, env: testEnv() });
  return clone;
}

function cli(cwd: string, args: string[], input?: string) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, env: testEnv(), encoding: 'utf8', input, timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, timedOut: result.error !== undefined };
}

describe('a partial clone whose remote never answers', () => {
  it('locate and graph --rev say "not in this clone", exit 1, and never connect', () => {
    const clone = partialClone();
    const located = cli(clone, ['locate', '004_feature']);
    expect(located.timedOut).toBe(false);
    expect(located.code).toBe(1);
    expect(located.stdout).toContain('not in this clone (a partial clone) were not read, and nothing was fetched');
    expect(located.stderr).toBe('');
    const graph = cli(clone, ['graph', '--rev', 'origin/feature']);
    expect(graph.timedOut).toBe(false);
    expect(graph.code).toBe(1);
    expect(graph.stdout).toContain(`${V}/004_feature.py cannot be read as a migration: not in this clone`);
    expect(graph.stderr).not.toMatch(/fatal|lazy fetching/);
    // The checkout itself is whole: the hooks' own checks pass.
    expect(cli(clone, ['check']).code).toBe(0);
    expect(cli(clone, ['verify']).code).toBe(0);
  });

  it('pre-push of a commit whose migrations are not here says so, without fetching', () => {
    const clone = partialClone();
    const tip = spawnSync('git', ['rev-parse', 'origin/feature'], { cwd: clone, encoding: 'utf8' }).stdout.trim();
    const pushed = cli(clone, ['pre-push', 'origin', `git://127.0.0.1:${port}/never`], `refs/heads/feature ${tip} refs/heads/feature ${'0'.repeat(40)}\n`);
    expect(pushed.timedOut).toBe(false);
    expect(pushed.stdout + pushed.stderr).toContain('not in this clone');
    expect(pushed.stderr).not.toMatch(/lazy fetching/);
  });

  it('connected to nothing', async () => {
    await new Promise((resolve) => setTimeout(resolve, 100)); // let any pending accept be seen
    expect(connections).toBe(0);
  });
});
