/**
 * The one thing started before the bundle loads: for `check`, the `git status` the last check of
 * this working tree asked for (its watch hint). git's status is most of a check's time; started
 * here, it runs while node reads and links the rest of the guard instead of after. check takes it
 * (takeEarlyStatus) only for the same working tree and exactly the paths discovery then watches;
 * otherwise it is dropped and check asks git itself.
 *
 * Only the plain case: the main worktree of a repository whose `.git` is right here, which is
 * where git runs every hook (openRepo's own shortcut decides, so both agree on the root).
 */
import { WatchHints } from './alembic/cache.js';
import { mainWorktreeRepo } from './git/repo.js';
import { type StatusListing, statusListing } from './git/status.js';

const EARLY = Symbol.for('alembic-guard.early-status');

interface EarlyStatus {
  root: string;
  paths: string[];
  listing: Promise<StatusListing>;
}

type Holder = { [EARLY]?: EarlyStatus };

/** Called by the launcher with the command line: starts the status when the command is `check`. */
export function startEarlyStatus(argv: string[]): void {
  if (argv[0] !== 'check' || argv.some((arg) => arg === '--cwd' || arg.startsWith('--cwd='))) return;
  try {
    const repo = mainWorktreeRepo(process.cwd());
    const hint = repo && new WatchHints(repo.commonDir).get(repo.root);
    if (!repo || !hint || hint.paths.length === 0) return;
    const listing = statusListing(repo, hint.paths);
    listing.catch(() => undefined); // check asks again if this one failed
    (globalThis as Holder)[EARLY] = { root: repo.root, paths: hint.paths, listing };
  } catch {
    // anything odd: check starts its own status
  }
}

/** The early status, when it was started for this working tree and these paths (taken once). */
export function takeEarlyStatus(root: string, paths: string[]): Promise<StatusListing> | undefined {
  const early = (globalThis as Holder)[EARLY];
  delete (globalThis as Holder)[EARLY];
  if (!early || early.root !== root || early.paths.length !== paths.length || early.paths.some((p, i) => p !== paths[i])) return undefined;
  return early.listing;
}
