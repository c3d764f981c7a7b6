import { discover } from './alembic/discover.js';
import type { Discovery } from './alembic/environment.js';
import { type GuardConfig, loadConfig } from './config.js';
import { openRepo, type Repo } from './git/repo.js';
import { recordReadsFor } from './worktree-reads.js';

/** What every command starts from: the repository, its configuration and its environments. */
export interface Workspace {
  repo: Repo;
  config: GuardConfig;
  discovery: Discovery;
}

/** Work a command starts as soon as the repository is known, before configuration and discovery. */
export interface EarlyStart {
  /** Discovery's tracked candidate files, when the command lists them along with other paths. */
  tracked?: Promise<string[]>;
}

export async function openWorkspace(cwd: string, start?: (repo: Repo) => EarlyStart): Promise<Workspace> {
  const repo = await openRepo(cwd);
  recordReadsFor(repo.root); // what configuration and discovery read from the working tree
  const early = start?.(repo);
  const config = await loadConfig(repo.root);
  const discovery = await discover(repo, config, early?.tracked);
  return { repo, config, discovery };
}

/** Every path the working-tree checks look at: versions directories and environment files. */
export function watchedPaths(discovery: Discovery): string[] {
  const paths = new Set<string>();
  for (const env of discovery.environments) {
    for (const dir of env.versions) paths.add(dir);
    for (const file of env.envFiles) paths.add(file);
  }
  return [...paths];
}
