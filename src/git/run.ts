import { isUtf8 } from 'node:buffer';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { GuardError } from '../errors.js';
import { decodePath } from './bytes.js';

/**
 * Every git process alembic-guard starts goes through here.
 *
 * - The environment is inherited whole: in a pre-commit hook git sets GIT_INDEX_FILE to the
 *   temporary index of `git commit -a` / `git commit <paths>`, and that index is the truth about
 *   what is being committed. (simple-git's `.env()` replaces the environment, which drops it.)
 * - GIT_OPTIONAL_LOCKS=0: `git status` would otherwise refresh and rewrite the index; the guard
 *   must never write to the index (see git(1), "--no-optional-locks").
 * - child_process instead of simple-git: importing simple-git alone costs ~30 ms on this
 *   machine, which is most of the hook's time budget (npm run bench measures both).
 */
const baseEnv: NodeJS.ProcessEnv = (() => {
  // Local means local: in a partial clone (--filter=blob:none) a read of a blob that is not here
  // would fetch it from the remote (and hang on one that never answers). GIT_NO_LAZY_FETCH turns
  // that off, and protocol.allow=never (GLOBAL_ARGS) refuses every transport to a git that lacks it.
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C', GIT_NO_LAZY_FETCH: '1' };
  // A relative GIT_INDEX_FILE is relative to the hook's cwd; we may run git elsewhere.
  if (env.GIT_INDEX_FILE && !isAbsolute(env.GIT_INDEX_FILE)) {
    env.GIT_INDEX_FILE = resolve(process.cwd(), env.GIT_INDEX_FILE);
  }
  return env;
})();

export interface GitOptions {
  cwd: string;
  input?: string | Buffer;
  /** Exit codes that are answers rather than failures (e.g. 1 from check-ignore). */
  okCodes?: number[];
  env?: NodeJS.ProcessEnv;
}

export interface GitResult {
  stdout: Buffer;
  code: number;
}

const GLOBAL_ARGS = ['-c', 'core.quotePath=false', '-c', 'submodule.recurse=false', '-c', 'protocol.allow=never', '--no-optional-locks'];

/**
 * While set (merge-tree.ts, for `verify --base`), every git process writes new objects to a
 * scratch directory and reads the repository's objects as alternates: git's own merge writes
 * trees and blobs, and none of them may land in the repository.
 */
let objectOverlay: NodeJS.ProcessEnv | null = null;

export function setObjectOverlay(env: NodeJS.ProcessEnv | null): void {
  objectOverlay = env;
}

export function gitRaw(args: string[], options: GitOptions): Promise<GitResult> {
  return new Promise((resolvePromise, reject) => {
    let child;
    try {
      child = spawn('git', [...GLOBAL_ARGS, ...args], {
        cwd: options.cwd,
        env: options.env || objectOverlay ? { ...baseEnv, ...objectOverlay, ...options.env } : baseEnv,
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      reject(new GuardError(`cannot run git: ${(error as Error).message}`));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      // spawn says ENOENT both for a missing program and for a missing working directory.
      const reason =
        error.code !== 'ENOENT'
          ? `cannot run git: ${error.message}`
          : existsSync(options.cwd)
            ? 'git is not installed or not on PATH'
            : `cannot run git in ${options.cwd}: no such directory`;
      reject(new GuardError(reason));
    });
    child.on('close', (code) => {
      const status = code ?? 1;
      if (status === 0 || options.okCodes?.includes(status)) {
        resolvePromise({ stdout: Buffer.concat(out), code: status });
      } else {
        const message = Buffer.concat(err).toString('utf8').trim().split('\n')[0] || `exit code ${status}`;
        reject(new GitCommandError(args, status, message));
      }
    });
    if (options.input !== undefined) {
      child.stdin!.on('error', () => {}); // git may exit before reading everything
      child.stdin!.end(options.input);
    }
  });
}

export class GitCommandError extends GuardError {
  readonly args: string[];
  readonly status: number;
  readonly stderr: string;
  /** Git wanted to fetch an object a partial clone does not hold, and was not let. */
  get notInClone(): boolean {
    return /lazy fetching disabled|could not fetch .* from promisor remote|transport '[^']*' not allowed/.test(this.stderr);
  }

  constructor(args: string[], status: number, stderr: string) {
    super(`git ${args[0]} failed: ${stderr}`);
    this.args = args;
    this.status = status;
    this.stderr = stderr;
  }
}

export async function git(args: string[], options: GitOptions): Promise<Buffer> {
  return (await gitRaw(args, options)).stdout;
}

/**
 * Split NUL-terminated output (`-z`) into records. Paths are bytes and need not be UTF-8: each
 * record is decoded losslessly (src/git/bytes.ts), so two names that differ only in bytes that
 * are not UTF-8 stay two names, and encodePath gives git the same bytes back.
 */
export function splitZ(buffer: Buffer): string[] {
  if (isUtf8(buffer)) {
    // Nearly always: one decode and one split.
    const parts = buffer.toString('utf8').split('\0');
    if (parts[parts.length - 1] === '') parts.pop();
    return parts;
  }
  const parts: string[] = [];
  let at = 0;
  while (at < buffer.length) {
    let end = buffer.indexOf(0, at);
    if (end < 0) end = buffer.length;
    parts.push(decodePath(buffer.subarray(at, end)));
    at = end + 1;
  }
  return parts;
}
