import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GuardError } from '../errors.js';
import { GitCommandError, git, gitRaw, splitZ } from './run.js';

export interface Repo {
  /** Absolute path of the working tree's top level. */
  root: string;
  /** Absolute path of this worktree's git dir (.git, or .git/worktrees/NAME). */
  gitDir: string;
  /** Absolute path of the directory shared by all worktrees (hooks, config, our log). */
  commonDir: string;
  /** The index the current operation uses (GIT_INDEX_FILE during `git commit -a` / `<paths>`). */
  indexFile: string;
  /** The main index of this worktree. */
  mainIndexFile: string;
}

export async function openRepo(cwd: string): Promise<Repo> {
  const here = mainWorktreeRepo(cwd);
  if (here) return here;
  let out: string[];
  try {
    out = (await git(['rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-common-dir'], { cwd })).toString('utf8').split('\n');
  } catch (error) {
    if (error instanceof GitCommandError) {
      if (/not a git repository/i.test(error.stderr)) {
        throw new GuardError(`not a git repository: ${cwd}`);
      }
      if (/must be run in a work tree|--show-toplevel/i.test(error.stderr)) {
        throw new GuardError(`not inside a git working tree (bare repository?): ${cwd}`);
      }
    }
    throw error;
  }
  const [root, gitDir, common] = out;
  if (!root) throw new GuardError(`not inside a git working tree: ${cwd}`);
  const commonDir = resolve(root, common);
  return withIndex(cwd, root, gitDir, existsSync(commonDir) ? commonDir : resolve(cwd, common));
}

/** The repository when cwd is the top of a main worktree git needs no asking about, else null. */
export function mainWorktreeRepo(cwd: string): Repo | null {
  const here = topLevelHere(cwd);
  return here && withIndex(cwd, here.root, here.gitDir, here.gitDir);
}

function withIndex(cwd: string, root: string, gitDir: string, commonDir: string): Repo {
  const mainIndexFile = join(gitDir, 'index');
  const env = process.env.GIT_INDEX_FILE;
  return { root, gitDir, commonDir, indexFile: env ? resolve(process.cwd(), env) : mainIndexFile, mainIndexFile };
}

/**
 * The answer `git rev-parse --show-toplevel --absolute-git-dir --git-common-dir` would give, without
 * starting git, in the one case where it is certain: the directory holds a `.git` directory (the
 * main worktree, where git runs every hook) and nothing redirects git. A `.git` file (a linked
 * worktree, a submodule), GIT_DIR / GIT_WORK_TREE / GIT_COMMON_DIR, core.worktree, core.bare = true
 * or an [include] that might set them: git is asked (setup_git_directory in git's setup.c reads exactly these).
 */
function topLevelHere(cwd: string): { root: string; gitDir: string } | null {
  const env = process.env;
  if (env.GIT_DIR || env.GIT_WORK_TREE || env.GIT_COMMON_DIR || /worktree|bare/i.test(env.GIT_CONFIG_PARAMETERS ?? '')) return null;
  if (Object.keys(env).some((key) => key.startsWith('GIT_CONFIG_KEY_') && /worktree|bare/i.test(env[key] ?? ''))) return null;
  try {
    const root = realpathSync(cwd);
    const gitDir = join(root, '.git');
    if (!statSync(gitDir, { throwIfNoEntry: false })?.isDirectory()) return null;
    if (!statSync(join(gitDir, 'HEAD'), { throwIfNoEntry: false })?.isFile()) return null;
    if (statSync(join(gitDir, 'commondir'), { throwIfNoEntry: false })) return null;
    const config = readFileSync(join(gitDir, 'config'), 'utf8');
    if (/^\s*worktree\s*=|^\s*bare\s*=\s*true|^\s*path\s*=/im.test(config)) return null; // path: an [include]
    return { root, gitDir };
  } catch {
    return null;
  }
}

/** The commit HEAD points to, or null in a repository with no commits yet. */
export async function headCommit(repo: Repo): Promise<string | null> {
  const result = await gitRaw(['rev-parse', '--verify', '-q', 'HEAD^{commit}'], { cwd: repo.root, okCodes: [1] });
  return result.code === 0 ? result.stdout.toString('utf8').trim() : null;
}

export async function resolveCommit(repo: Repo, rev: string): Promise<string> {
  // Resolve first, peel second: `${rev}^{commit}` would change what some revisions mean
  // (`:/fix typo` searches for the message "fix typo^{commit}").
  const named = await gitRaw(['rev-parse', '--verify', '-q', '--end-of-options', rev], { cwd: repo.root, okCodes: [1, 128] });
  const oid = named.code === 0 ? named.stdout.toString('utf8').trim() : '';
  const peeled = oid ? await gitRaw(['rev-parse', '--verify', '-q', `${oid}^{commit}`], { cwd: repo.root, okCodes: [1, 128] }) : null;
  if (!peeled || peeled.code !== 0) throw new GuardError(`unknown revision: ${rev}${oid ? ' (it does not name a commit)' : ''}`);
  return peeled.stdout.toString('utf8').trim();
}

/**
 * The remote's default branch as last fetched: what `refs/remotes/<remote>/HEAD` points at, else
 * its main or master. Never asks the remote.
 */
export async function remoteDefaultBranch(repo: Repo, remote: string): Promise<{ branch: string; ref: string; commit: string } | null> {
  const head = await gitRaw(['symbolic-ref', '-q', `refs/remotes/${remote}/HEAD`], { cwd: repo.root, okCodes: [1, 128] });
  const target = head.code === 0 ? head.stdout.toString('utf8').trim() : '';
  const prefix = `refs/remotes/${remote}/`;
  const candidates = target.startsWith(prefix) ? [target.slice(prefix.length)] : ['main', 'master'];
  for (const branch of candidates) {
    const found = await gitRaw(['rev-parse', '--verify', '-q', `${prefix}${branch}^{commit}`], { cwd: repo.root, okCodes: [1, 128] });
    if (found.code === 0) return { branch, ref: `${remote}/${branch}`, commit: found.stdout.toString('utf8').trim() };
  }
  return null;
}

/** Whether any ref starts with `prefix` (e.g. `refs/remotes/origin/`). */
export async function hasRefs(repo: Repo, prefix: string): Promise<boolean> {
  return (await git(['for-each-ref', '--count=1', '--format=x', prefix], { cwd: repo.root })).length > 0;
}

export async function configValue(repo: Repo, key: string): Promise<string | null> {
  const result = await gitRaw(['config', '--get', key], { cwd: repo.root, okCodes: [1] });
  return result.code === 0 ? result.stdout.toString('utf8').trim() : null;
}

/** Tracked files (in the index in use) matching pathspecs. */
export async function listFiles(repo: Repo, pathspecs: string[]): Promise<string[]> {
  return [...new Set(splitZ(await git(['ls-files', '-z', '--cached', '--', ...pathspecs], { cwd: repo.root })))];
}

export { splitZ };
