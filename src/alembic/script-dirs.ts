/**
 * The last resort of discovery: directories of committed Alembic revision scripts with no
 * alembic.ini, pyproject table or env.py anywhere in the repository. Plugin repositories are
 * shaped this way (indico-plugins: `<plugin>/indico_<plugin>/migrations/*.py`, loaded by the host
 * application's env.py, which lives in another repository). Without this, such a repository has
 * "no Alembic environment" and a migration left behind in it passes unseen.
 *
 * Only runs when nothing else was found, so a repository with a real environment pays nothing.
 * A directory counts when one of its scripts binds both `revision` and `down_revision` at module
 * level: Django's `migrations/0001_initial.py` (a `class Migration`) never does.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { listFiles, type Repo } from '../git/repo.js';
import { isMigrationPath } from './environment.js';

/** Folder names under which Alembic projects keep revision scripts. */
const PATHSPECS = ['*migrations/*.py', '*migration/*.py', '*versions/*.py', '*alembic/*.py'];
const FOLDER = /(^|\/)(migrations?|versions|alembic)$/;
const REVISION = /^revision\s*(?::[^=\n]*)?=\s*['"]/m;
const DOWN_REVISION = /^down_revision\s*(?::[^=\n]*)?=/m;
/** How many scripts of one folder are read before it is judged not to hold revisions. */
const SAMPLE = 3;

/** Repo-relative folders that directly hold committed Alembic revision scripts, sorted. */
export async function revisionScriptDirs(repo: Repo): Promise<string[]> {
  const byDir = new Map<string, string[]>();
  for (const path of await listFiles(repo, PATHSPECS)) {
    if (!isMigrationPath(path)) continue;
    const dir = posix.dirname(path);
    if (!FOLDER.test(dir)) continue;
    const files = byDir.get(dir);
    if (files) files.push(path);
    else byDir.set(dir, [path]);
  }
  const found: string[] = [];
  for (const [dir, files] of byDir) {
    if (files.slice(0, SAMPLE).some((file) => looksLikeRevision(join(repo.root, file)))) found.push(dir);
  }
  return found.sort();
}

function looksLikeRevision(abs: string): boolean {
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch {
    return false;
  }
  return REVISION.test(text) && DOWN_REVISION.test(text);
}
