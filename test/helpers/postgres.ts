// A real, throwaway PostgreSQL server for tests: initdb into a temp dir, password (SCRAM) auth
// on TCP, trust on its private unix socket (for psql), listening on a free loopback port.
// initdb and postgres refuse to run as root, so under root (CI containers) they run as the
// `postgres` user through runuser, and the temp dirs are handed to that user.
import { afterAll, beforeAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface PostgresServer {
  port: number;
  host: '127.0.0.1';
  superuser: string;
  /** postgresql://user:password@127.0.0.1:port/db, user and password percent-encoded. Default: the superuser. */
  url(db: string, user?: string, password?: string): string;
  /** Runs SQL as the superuser over the unix socket; resolves psql's unaligned, tuples-only output. */
  psql(sql: string, db?: string): Promise<string>;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
  psql: string;
  pgIsready: string | undefined;
}

const READY_TIMEOUT_MS = 30_000;
const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function candidateBinDirs(): string[] {
  const dirs: string[] = [];
  if (process.env.PG_BINDIR) dirs.push(process.env.PG_BINDIR);
  // Debian/Ubuntu keep initdb and postgres out of PATH, one directory per major version.
  try {
    const versions = fs
      .readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) dirs.push(`/usr/lib/postgresql/${v}/bin`);
  } catch {
    // not Debian-like
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) dirs.push(dir);
  return dirs;
}

function findBinaries(): Binaries | undefined {
  for (const dir of candidateBinDirs()) {
    const initdb = path.join(dir, 'initdb');
    const postgres = path.join(dir, 'postgres');
    if (!isExecutable(initdb) || !isExecutable(postgres)) continue;
    const psql = [path.join(dir, 'psql'), '/usr/bin/psql'].find(isExecutable);
    if (!psql) continue;
    const pgIsready = [path.join(dir, 'pg_isready'), '/usr/bin/pg_isready'].find(isExecutable);
    return { initdb, postgres, psql, pgIsready };
  }
  return undefined;
}

function postgresAccount(): { uid: number; gid: number } | undefined {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === 'postgres') return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    // no /etc/passwd
  }
  return undefined;
}

const RUNUSER = '/usr/sbin/runuser';
function runuserPath(): string | undefined {
  return [RUNUSER, '/sbin/runuser', '/usr/bin/runuser'].find(isExecutable);
}

/** True when a server can be started here (binaries found; as root, also the postgres user and runuser). */
export function hasPostgres(): boolean {
  if (!findBinaries()) return false;
  if (isRoot()) return postgresAccount() !== undefined && runuserPath() !== undefined;
  return true;
}

/** The environment for child processes, without PG* variables that would redirect them. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  env.LC_ALL = 'C';
  env.LANG = 'C';
  return env;
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: cleanEnv(),
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (child.stdin) {
      // A child that exits without reading its input would otherwise raise EPIPE here.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    }
  });
}

/** [cmd, args] running `bin` as the postgres user when we are root. */
function asPostgres(bin: string, args: string[]): [string, string[]] {
  if (!isRoot()) return [bin, args];
  return [runuserPath() ?? RUNUSER, ['-u', 'postgres', '--', bin, ...args]];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function readPostmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function tryKill(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bins = findBinaries();
  if (!bins) throw new Error('PostgreSQL binaries not found (apt-get install postgresql, or set PG_BINDIR)');
  const account = isRoot() ? postgresAccount() : undefined;
  if (isRoot() && (!account || !runuserPath())) {
    throw new Error('running as root: need the postgres user and runuser to start PostgreSQL');
  }

  const superuser = 'postgres';
  const superPassword = randomBytes(12).toString('hex');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ag-pg-'));
  const dataDir = path.join(tmp, 'data');
  const sockDir = path.join(tmp, 'sock');
  const pwFile = path.join(tmp, 'pwfile');
  fs.mkdirSync(sockDir);
  fs.writeFileSync(pwFile, `${superPassword}\n`, { mode: 0o600 });
  if (account) {
    for (const p of [tmp, sockDir, pwFile]) fs.chownSync(p, account.uid, account.gid);
  }

  const cleanupDir = (): void => fs.rmSync(tmp, { recursive: true, force: true });
  let child: ChildProcess | undefined;
  // A crashed test run must not leave a server behind.
  const onExit = (): void => {
    tryKill(readPostmasterPid(dataDir), 'SIGKILL');
    if (child?.pid) tryKill(child.pid, 'SIGKILL');
    try {
      cleanupDir();
    } catch {
      // best effort
    }
  };
  process.once('exit', onExit);

  try {
    const [initCmd, initArgs] = asPostgres(bins.initdb, [
      '-D',
      dataDir,
      '-U',
      superuser,
      `--pwfile=${pwFile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--no-locale',
      '--no-sync',
    ]);
    const init = await run(initCmd, initArgs, { cwd: tmp, timeoutMs: 120_000 });
    if (init.code !== 0) throw new Error(`initdb failed (${init.code ?? init.signal}): ${init.stderr || init.stdout}`);
    fs.rmSync(pwFile, { force: true });

    let port = 0;
    let log = '';
    for (let tries = 0; ; tries++) {
      port = await freePort();
      log = '';
      const [cmd, args] = asPostgres(bins.postgres, [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-k',
        sockDir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=40',
        '-c',
        'shared_buffers=16MB',
      ]);
      const proc = spawn(cmd, args, { cwd: tmp, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      const keep = (d: string): void => {
        log = (log + d).slice(-8000);
      };
      proc.stdout!.setEncoding('utf8').on('data', keep);
      proc.stderr!.setEncoding('utf8').on('data', keep);
      const ready = await waitReady(bins, port, sockDir, proc);
      if (ready) break;
      await waitForExit(proc, 5_000);
      // Someone took the port between freePort() and bind(): try another one.
      if (tries < 2 && /could not bind|address already in use|could not create any TCP/i.test(log)) continue;
      throw new Error(`PostgreSQL did not become ready within ${READY_TIMEOUT_MS / 1000} s: ${log}`);
    }

    const server: PostgresServer = {
      port,
      host: '127.0.0.1',
      superuser,
      url(db: string, user = superuser, password = superPassword): string {
        const enc = encodeURIComponent;
        return `postgresql://${enc(user)}:${enc(password)}@127.0.0.1:${port}/${enc(db)}`;
      },
      async psql(sql: string, db = 'postgres'): Promise<string> {
        const r = await run(
          bins.psql,
          ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', sockDir, '-p', String(port), '-U', superuser, '-d', db, '-f', '-'],
          { cwd: tmp, input: sql, timeoutMs: 60_000 },
        );
        if (r.code !== 0) throw new Error(`psql failed (${r.code ?? r.signal}): ${r.stderr.trim()}`);
        return r.stdout.replace(/\n+$/, '');
      },
      async stop(): Promise<void> {
        // SIGINT to the postmaster itself is a fast shutdown. Under runuser the spawned child is
        // runuser, which would turn our signal into SIGTERM (a smart shutdown), so read the pid.
        const pid = readPostmasterPid(dataDir);
        if (pid !== undefined) tryKill(pid, 'SIGINT');
        else if (child?.pid) tryKill(child.pid, 'SIGINT');
        if (child && !(await waitForExit(child, 15_000))) {
          tryKill(readPostmasterPid(dataDir), 'SIGKILL');
          if (child.pid) tryKill(child.pid, 'SIGKILL');
          await waitForExit(child, 5_000);
        }
        process.removeListener('exit', onExit);
        cleanupDir();
      },
    };
    return server;
  } catch (err) {
    onExit();
    process.removeListener('exit', onExit);
    throw err;
  }
}

async function waitReady(bins: Binaries, port: number, sockDir: string, proc: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) return false;
    // TCP on 127.0.0.1 is what the tests use, so that is what we wait for.
    const r = bins.pgIsready
      ? await run(bins.pgIsready, ['-q', '-h', '127.0.0.1', '-p', String(port), '-t', '2'], { timeoutMs: 5_000 })
      : await run(bins.psql, ['-X', '-q', '-h', sockDir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', 'select 1'], {
          timeoutMs: 5_000,
        });
    if (r.code === 0) return true;
    await sleep(100);
  }
  return false;
}

/**
 * A PostgreSQL server for one test file, with a login role `app` (the given password), started
 * before its tests and stopped after them. CI must have PostgreSQL: there its absence fails the
 * file instead of skipping its tests. `server()` is the running server (inside a test).
 */
export function postgresForFile(password: string): { available: boolean; server: () => PostgresServer } {
  const available = hasPostgres();
  if (!available && process.env.CI) throw new Error('PostgreSQL binaries are missing: CI must install postgresql');
  let running: PostgresServer | undefined;
  beforeAll(async () => {
    if (!available) return;
    running = await startPostgres();
    await running.psql(`CREATE ROLE app LOGIN PASSWORD '${password}'`);
  }, 60_000);
  afterAll(async () => {
    await running?.stop();
  });
  return {
    available,
    server: () => {
      if (!running) throw new Error('PostgreSQL is not running');
      return running;
    },
  };
}
