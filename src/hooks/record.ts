/** The record install leaves for uninstall and doctor. */
import { join } from 'node:path';
import type { Repo } from '../git/repo.js';

/** The record install leaves for uninstall: <git common dir>/alembic-guard/install.json. */
export function recordFile(repo: Repo): string {
  return join(repo.commonDir, 'alembic-guard', 'install.json');
}
