import { discover } from './alembic/discover.js';
import type { Discovery } from './alembic/environment.js';
import { type GuardConfig, loadConfig } from './config.js';
import { openRepo, type Repo } from './git/repo.js';

/** What every command starts from: the repository, its configuration and its environments. */
export interface Workspace {
  repo: Repo;
  config: GuardConfig;
  discovery: Discovery;
}

/** `onRepo` runs as soon as the repository is known, to start work that does not need the rest. */
export async function openWorkspace(cwd: string, onRepo?: (repo: Repo) => void): Promise<Workspace> {
  const repo = await openRepo(cwd);
  onRepo?.(repo);
  const config = await loadConfig(repo.root);
  const discovery = await discover(repo, config);
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
