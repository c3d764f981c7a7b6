/** An Alembic environment as the guard sees it: one revision graph and the files it is made of. */
export interface Environment {
  /** Display name: the script directory (e.g. "backend/alembic"), or the configured name. */
  name: string;
  /** Repo-relative POSIX path of the script directory (env.py's home), or null when unknown. */
  scriptDir: string | null;
  /** Repo-relative versions directories; one graph spans all of them. */
  versions: string[];
  /** Repo-relative environment files: env.py, script.py.mako and the config file naming them. */
  envFiles: string[];
  /** Where this environment was found, e.g. "backend/alembic.ini [alembic]". */
  source: string;
  allowMultipleHeads: boolean;
  /** Configured locations that lie outside the repository (no commit can hold them). */
  outside: string[];
  /** How a person runs Alembic's commands for this environment, when the config file says. */
  runner?: AlembicRunner;
  /**
   * Which files Alembic loads, when the configuration says: 'recursive' for
   * recursive_version_locations = true, or for versions directories named in alembic-guard's own
   * configuration. Unset: only the versions directories themselves, unless the project's code
   * sets version_locations (sources.ts decides).
   */
  loading?: Loading;
  /** Configured (environments[].versionTable / .schema): the table its revisions are recorded in. */
  versionTable?: { table?: string; schema?: string };
}

/**
 * Which files Alembic loads from a versions directory. Alembic lists only the directory itself
 * unless `recursive_version_locations` is true (Alembic >= 1.10, ScriptDirectory._load_revisions
 * walks the tree then); projects that set version_locations in their own Python code (prefect's
 * env.py, neutron's cli.py) load subdirectories the configuration does not name.
 * - flat: only files directly in a versions directory; a migration in a subdirectory is not loaded;
 * - recursive: every file below a versions directory;
 * - code: the project's code chooses; every subdirectory is taken to be loaded.
 */
export type Loading = 'flat' | 'recursive' | 'code';

/** `cd <cwd> && <command> <subcommand> <options…> <arguments…>`, from the repository root. */
export interface AlembicRunner {
  /** Repo-relative directory to run from ('' for the root). */
  cwd: string;
  /** The program and its global options, one word each: `alembic -n db2`, `flask db`. */
  command: string[];
  /** Options every subcommand needs (Flask-Migrate's `-d DIR`). */
  options: string[];
  /** The configured command that merges heads (`mergeCommand`), shown as written. */
  merge?: string;
  /** The project's own CLI around Alembic, when it looks wrapped (`python manage.py db`). */
  wrapper?: string;
}

/** A configured location the guard could not map to a directory of the repository. */
export interface Unresolved {
  source: string;
  location: string;
  reason: string;
  /** A configured location that names no directory (doctor: an error; check: a warning). */
  missing?: boolean;
}

export interface Discovery {
  environments: Environment[];
  unresolved: Unresolved[];
  /**
   * Config files found and not taken as environments: a templated script_location (filled in by
   * code at run time), a sample whose script_location is outside the repository while another
   * environment lives inside it (doctor lists them).
   */
  skipped: Unresolved[];
  /** Where the environments came from: "discovered" or the configuration's source. */
  origin: string;
}

/** What Alembic loads as a migration: *.py, not __init__*, not emacs lock files, not __pycache__. */
export function isMigrationPath(path: string): boolean {
  if (!path.endsWith('.py')) return false;
  const base = path.lastIndexOf('/') + 1; // runs for every file of every commit: no split
  if (path.startsWith('__init__', base) || path.startsWith('.#', base)) return false;
  return !path.startsWith('__pycache__/') && !path.includes('/__pycache__/');
}

/** The environment a path belongs to, and whether it is a migration or an environment file. */
export function classify(environments: Environment[], path: string): { environment: Environment; role: 'migration' | 'env-file' } | null {
  for (const environment of environments) {
    if (environment.envFiles.includes(path)) return { environment, role: 'env-file' };
  }
  for (const environment of environments) {
    for (const dir of environment.versions) {
      if (isUnder(path, dir)) return isMigrationPath(path) ? { environment, role: 'migration' } : null;
    }
  }
  return null;
}

export function isUnder(path: string, dir: string): boolean {
  if (dir === '') return true;
  // Called for every listed path: no `${dir}/` is built per call.
  if (dir.endsWith('/')) return path.startsWith(dir);
  return path.length > dir.length && path.charCodeAt(dir.length) === 0x2f && path.startsWith(dir);
}

/** The path is the directory itself (a submodule's gitlink, say) or inside it. */
export function isAtOrUnder(path: string, dir: string): boolean {
  return path === dir || isUnder(path, dir);
}

/** One holds the other: a submodule at, in or around a versions directory. */
export function overlaps(path: string, dir: string): boolean {
  return isAtOrUnder(path, dir) || isUnder(dir, path);
}
