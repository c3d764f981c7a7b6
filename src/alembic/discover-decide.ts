import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import type { GuardConfig } from '../config.js';
import { GuardError } from '../errors.js';
import type { AlembicRunner, Discovery, Environment, Unresolved } from './environment.js';
import { iniValue, InterpolationError, parseIni, sectionsWithScriptLocation } from './ini.js';

const SAY_MISSING_LOCATION = 'no such directory in the working tree; fix the path in the configuration (it is relative to the repository root)';

/**
 * The file system as deciding the environments sees it, by absolute path: the working tree
 * (LIVE_FILES), or literal data in a test.
 */
export interface FileView {
  /** The file's text (UTF-8), or undefined when it cannot be read. */
  read(path: string): string | undefined;
  isFile(path: string): boolean;
  isDirectory(path: string): boolean;
  exists(path: string): boolean;
  /** The path with symbolic links resolved, or the path itself when that fails. */
  realpath(path: string): string;
}

/** A pyproject.toml's `[tool.alembic]` table. */
export type PyprojectTable = Record<string, unknown>;

/**
 * What discovery needs from git and the file system, gathered before anything is decided
 * (discover.ts, `gather`); a test writes one as literal data.
 */
export interface DiscoverySnapshot {
  /** The repository's top level, absolute. */
  root: string;
  /** The tracked candidate files (named like CANDIDATE_NAMES), as the index lists them. */
  tracked: string[];
  /** The untracked probes (where `alembic init` and Flask-Migrate put files) that are files on disk. */
  probed: string[];
  /** Of the probed files git was asked about (askedIgnored), those it ignores; null when git would not say: none of them counts. */
  ignored: ReadonlySet<string> | null;
  /** The `[tool.alembic]` table of each candidate pyproject.toml that has one, or the error reading it raised. */
  pyproject: ReadonlyMap<string, PyprojectTable | Error>;
  /** Folders of committed revision scripts (script-dirs.ts): gathered only when needsRevisionDirs says so. */
  revisionDirs?: string[];
  /** Everything else: the files the candidates name, read as deciding reaches them. */
  files: FileView;
}

/**
 * Whether git is asked if it ignores an untracked candidate. An untracked env.py or
 * pyproject.toml that git ignores (a build copy) is not an environment; an ignored alembic.ini
 * is, since teams ignore it for the credentials it holds.
 */
export function askedIgnored(path: string): boolean {
  return !path.endsWith('alembic.ini');
}

/** The candidate files, sorted: the tracked ones, and the probed ones git does not ignore. */
export function candidatesOf(snapshot: Pick<DiscoverySnapshot, 'tracked' | 'probed' | 'ignored'>): string[] {
  const { tracked, probed, ignored } = snapshot;
  return [...tracked, ...probed.filter((p) => !askedIgnored(p) || (ignored !== null && !ignored.has(p)))].sort();
}

/** The environments the candidate files name: every alembic.ini first, then pyproject.toml, then env.py. */
export function scanCandidates(snapshot: DiscoverySnapshot, config: GuardConfig): Context {
  const ctx = new Context(snapshot.root, config, snapshot.files);
  const candidates = candidatesOf(snapshot);
  for (const file of candidates) if (file.endsWith('alembic.ini')) ctx.fromIni(file);
  for (const file of candidates) if (file.endsWith('pyproject.toml')) ctx.fromPyproject(file, snapshot.pyproject.get(file));
  for (const file of candidates) if (file.endsWith('env.py')) ctx.fromEnvPy(file);
  return ctx;
}

/** Whether the candidates found nothing at all, so that the revision-script folders are the last resort. */
export function needsRevisionDirs(found: Context): boolean {
  return found.environments.length === 0 && found.unresolved.length === 0;
}

/** What was found, with the revision-script folders when the candidates found nothing. */
export function settle(found: Context, revisionDirs: readonly string[]): Discovery {
  if (needsRevisionDirs(found)) for (const dir of revisionDirs) found.fromRevisionDir(dir);
  return found.result('discovered', true);
}

/** The environments of a repository without configuration, from its snapshot alone. */
export function decideDiscovered(snapshot: DiscoverySnapshot, config: GuardConfig): Discovery {
  return settle(scanCandidates(snapshot, config), snapshot.revisionDirs ?? []);
}

/** The environments the configuration names (`environments` or `locations`). */
export function decideConfigured(root: string, config: GuardConfig, files: FileView): Discovery {
  const ctx = new Context(root, config, files);
  ctx.fromConfig();
  return ctx.result(config.source ?? 'configuration', false);
}

export class Context {
  readonly environments: Environment[] = [];
  readonly unresolved: Unresolved[] = [];
  private readonly realRoot: string;

  constructor(
    private readonly root: string,
    private readonly config: GuardConfig,
    private readonly files: FileView,
  ) {
    this.realRoot = files.realpath(root);
  }

  readonly skipped: Unresolved[] = [];

  /**
   * The environments found. A discovered one (not configured) whose script_location is outside
   * the repository is set aside while another environment lives in it: a sample alembic.ini for
   * packagers (/usr/share/app/alembic) that no runner of this repository uses.
   */
  result(origin: string, discovered: boolean): Discovery {
    let environments = this.environments;
    const outside = (env: Environment) => env.versions.length === 0 && env.outside.length > 0;
    if (discovered && environments.some((env) => !outside(env))) {
      environments = environments.filter((env) => {
        if (!outside(env)) return true;
        this.skipped.push({
          source: env.source,
          location: env.outside.join(', '),
          reason: `script_location ${env.outside.join(', ')} is outside the repository, while another environment lives in it (a sample for packagers?): not checked`,
        });
        return false;
      });
    }
    return { environments, unresolved: this.unresolved, skipped: this.skipped, origin };
  }

  fromConfig(): void {
    const source = this.config.source ?? 'configuration';
    const groups = this.config.environments ?? (this.config.locations ?? []).map((location) => ({ versions: [location] }));
    for (const group of groups as NonNullable<GuardConfig['environments']>) {
      const versions: string[] = [];
      const outside: string[] = [];
      for (const location of group.versions) {
        const rel = this.toRepoPath(resolve(this.root, location));
        if (rel === null) outside.push(location);
        else versions.push(rel);
        // A typo here would watch nothing and pass every commit: say so (check warns, doctor fails).
        if (rel !== null && !this.files.isDirectory(join(this.root, rel))) {
          this.unresolved.push({ source, location, reason: SAY_MISSING_LOCATION, missing: true });
        }
      }
      // The script directory is the versions directory's parent when env.py lives there.
      const parent = versions.length ? posix.dirname(versions[0]) : null;
      const scriptDir = parent !== null && this.files.exists(join(this.root, parent, 'env.py')) ? normal(parent) : null;
      this.add({
        name: group.name ?? versions[0] ?? group.versions[0],
        scriptDir,
        versions,
        envFiles: scriptDir !== null ? scriptFiles(scriptDir) : [],
        source,
        allowMultipleHeads: group.allowMultipleHeads ?? this.allowsHeads(group.name ?? versions[0]),
        outside,
        // The user named these directories: every file below them counts.
        loading: 'recursive',
        runner: group.mergeCommand !== undefined ? { cwd: '', command: ['alembic'], options: [], merge: group.mergeCommand } : undefined,
        ...(group.versionTable || group.schema ? { versionTable: { table: group.versionTable, schema: group.schema } } : {}),
      });
    }
  }

  fromIni(file: string): void {
    try {
      this.readIni(file);
    } catch (error) {
      // configparser would raise here, and Alembic with it: say where, and stop (exit 2).
      if (error instanceof InterpolationError) throw new GuardError(`${file} [${error.section}] ${error.key}: ${error.message}`);
      throw error;
    }
  }

  private readIni(file: string): void {
    const text = this.files.read(join(this.root, file));
    if (text === undefined) return;
    const sections = parseIni(text);
    const iniDir = dirname(join(this.root, file));
    const here = { here: iniDir };
    // [alembic] first: with script_location in [DEFAULT], every section (logging ones included)
    // inherits it and the twins merge into the first one seen, which must be the one Alembic reads.
    const named = sectionsWithScriptLocation(sections).sort((a, b) => Number(b === 'alembic') - Number(a === 'alembic'));
    if (named.length === 0) {
      // Flask-Migrate: migrations/alembic.ini has no script_location; the app passes the
      // ini's own directory in code.
      if (this.files.exists(join(iniDir, 'env.py'))) {
        const scriptDir = normal(posix.dirname(file));
        this.addScriptDir(scriptDir, [`${prefix(scriptDir)}versions`], file, `${file} (Flask-Migrate)`, [], undefined, this.flaskRunner(scriptDir));
      }
      return;
    }
    for (const section of named) {
      const source = `${file} [${section}]`;
      const location = iniValue(sections, section, 'script_location', here)!.trim();
      if (isTemplated(location)) {
        this.skipped.push({ source, location, reason: `script_location ${location} is a template filled in by code at run time: not an environment` });
        continue;
      }
      let scriptAbs = this.resolveLocation(location, iniDir, source);
      if (scriptAbs === null) continue;
      // Alembic resolves a relative script_location from the working directory: `cd backend &&
      // alembic` when it names a folder beside the ini, `alembic -c backend/alembic.ini` from the
      // top when it names one from there (script_location = backend/alembic).
      const fromTop =
        !isAbsolute(location) && !this.files.isDirectory(scriptAbs) && iniDir !== this.root && this.files.isDirectory(resolve(this.root, location));
      if (fromTop) scriptAbs = resolve(this.root, location);
      const scriptDir = this.toRepoPath(scriptAbs);
      const versionsRaw = iniValue(sections, section, 'version_locations', here);
      const separator = iniValue(sections, section, 'path_separator', here) ?? iniValue(sections, section, 'version_path_separator', here);
      const locations = versionsRaw ? splitVersionLocations(versionsRaw, separator) : null;
      if (scriptDir === null) {
        this.add({ name: location, scriptDir: null, versions: [], envFiles: [file], source, allowMultipleHeads: false, outside: [location] });
        continue;
      }
      const versions = locations ?? [join(scriptAbs, 'versions')];
      // Alembic reads ./alembic.ini and resolves a script_location without %(here)s from the
      // working directory: run it where the ini is, or from the top with -c.
      const named = section === 'alembic' ? [] : ['-n', section];
      // A Flask-Migrate project runs `flask db`, whatever its ini says (`script_location = .`).
      const runner =
        isFlaskEnv(this.files.read(join(scriptAbs, 'env.py'))) && section === 'alembic'
          ? this.flaskRunner(scriptDir)
          : fromTop
            ? { cwd: '', command: ['alembic', '-c', file, ...named], options: [] }
            : { cwd: normal(posix.dirname(file)), command: ['alembic', ...named], options: [] };
      const recursive = asBool(iniValue(sections, section, 'recursive_version_locations', here));
      const base = fromTop ? this.root : iniDir;
      this.addScriptDir(
        scriptDir,
        versions.map((v) => resolve(base, v)),
        file,
        source,
        [],
        section === 'alembic' ? undefined : section,
        runner,
        recursive,
      );
    }
  }

  /** A pyproject.toml's [tool.alembic] table as gathered (undefined: none), or the error reading it raised. */
  fromPyproject(file: string, table: PyprojectTable | Error | undefined): void {
    if (table instanceof Error) throw table;
    const abs = join(this.root, file);
    if (!table || typeof table.script_location !== 'string') return;
    const dir = dirname(abs);
    const here = (value: string) => value.replaceAll('%(here)s', dir);
    const source = `${file} [tool.alembic]`;
    if (isTemplated(table.script_location)) {
      this.skipped.push({
        source,
        location: table.script_location,
        reason: `script_location ${table.script_location} is a template filled in by code at run time: not an environment`,
      });
      return;
    }
    const scriptAbs = this.resolveLocation(here(table.script_location), dir, source);
    if (scriptAbs === null) return;
    const scriptDir = this.toRepoPath(scriptAbs);
    if (scriptDir === null) {
      this.add({
        name: table.script_location,
        scriptDir: null,
        versions: [],
        envFiles: [file],
        source,
        allowMultipleHeads: false,
        outside: [table.script_location],
      });
      return;
    }
    const list = Array.isArray(table.version_locations)
      ? table.version_locations.filter((v): v is string => typeof v === 'string')
      : typeof table.version_locations === 'string'
        ? splitVersionLocations(table.version_locations, undefined)
        : null;
    const versions = (list ?? [join(scriptAbs, 'versions')]).map((v) => resolve(dir, here(v)));
    const recursive =
      table.recursive_version_locations === true ||
      asBool(typeof table.recursive_version_locations === 'string' ? table.recursive_version_locations : undefined);
    this.addScriptDir(scriptDir, versions, file, source, [], undefined, { cwd: normal(posix.dirname(file)), command: ['alembic'], options: [] }, recursive);
  }

  fromEnvPy(file: string): void {
    // Environments configured in Python code (openstack/neutron, prefect): env.py beside versions/.
    const scriptDir = normal(posix.dirname(file));
    if (this.environments.some((env) => env.scriptDir === scriptDir)) return;
    if (!this.files.isDirectory(join(this.root, scriptDir, 'versions'))) return;
    this.addScriptDir(scriptDir, [`${prefix(scriptDir)}versions`], null, `${file} (env.py beside versions/)`, []);
  }

  /** A folder of revision scripts whose env.py lives in another repository (a plugin's migrations). */
  fromRevisionDir(dir: string): void {
    const source = `${dir} (revision scripts; no alembic.ini or env.py in this repository)`;
    this.add({ name: dir, scriptDir: null, versions: [dir], envFiles: [], source, allowMultipleHeads: this.allowsHeads(dir), outside: [] });
  }

  /** `flask db` from the app's folder, which looks for ./migrations unless told otherwise (`-d`). */
  private flaskRunner(scriptDir: string): AlembicRunner {
    const dir = posix.basename(scriptDir);
    const cwd = normal(posix.dirname(scriptDir));
    const runner: AlembicRunner = { cwd, command: ['flask', 'db'], options: dir === 'migrations' ? [] : ['-d', dir] };
    // redash and lemur run Flask-Migrate through their own manage.py (`manage.py db upgrade`).
    if (this.files.isFile(join(this.root, cwd, 'manage.py'))) runner.wrapper = 'python manage.py db';
    return runner;
  }

  /** Adds an environment rooted at a script directory; versions are absolute or repo-relative. */
  private addScriptDir(
    scriptDir: string,
    versionPaths: string[],
    configFile: string | null,
    source: string,
    outside: string[],
    section?: string,
    runner?: AlembicRunner,
    recursive = false,
  ): void {
    const versions: string[] = [];
    for (const path of versionPaths) {
      const rel = this.toRepoPath(resolve(this.root, path));
      if (rel === null) outside.push(path);
      else versions.push(rel);
    }
    const envFiles = scriptFiles(scriptDir);
    if (configFile) envFiles.push(configFile);
    const name = section ? `${scriptDir || '.'} [${section}]` : scriptDir || '.';
    const environment: Environment = { name, scriptDir, versions, envFiles, source, allowMultipleHeads: this.allowsHeads(name), outside, runner };
    if (recursive) environment.loading = 'recursive';
    this.add(environment);
  }

  private add(environment: Environment): void {
    environment.versions = [...new Set(environment.versions)];
    const merge = this.mergeCommand(environment.name);
    if (merge !== undefined && environment.runner?.merge === undefined) {
      environment.runner = { ...(environment.runner ?? { cwd: '', command: ['alembic'], options: [] }), merge };
    }
    const key = environment.versions.slice().sort().join('\n');
    const twin = this.environments.find((env) => env.versions.slice().sort().join('\n') === key && key !== '');
    if (twin) {
      // The same environment named by two files (alembic.ini and pyproject.toml, or sections
      // that inherit script_location from [DEFAULT]): keep one, with both config files.
      for (const file of environment.envFiles) if (!twin.envFiles.includes(file)) twin.envFiles.push(file);
      return;
    }
    this.environments.push(environment);
  }

  private mergeCommand(name: string): string | undefined {
    const merge = this.config.mergeCommand;
    return typeof merge === 'string' ? merge : merge?.[name];
  }

  private allowsHeads(name: string | undefined): boolean {
    const allow = this.config.allowMultipleHeads;
    return allow === true || (Array.isArray(allow) && name !== undefined && allow.includes(name));
  }

  /** script_location: a path (relative to the config file's directory) or `package:path`. */
  private resolveLocation(location: string, baseDir: string, source: string): string | null {
    const pkg = /^([A-Za-z_][\w.]*):(.*)$/.exec(location);
    if (pkg && !isAbsolute(location)) {
      // Alembic splits on every colon: the first token is the package, the rest are path parts
      // (prefect: "prefect:server:database:_migrations"; alembic/util/pyfiles.py,
      // coerce_resource_to_filename).
      const sub = join(...pkg[1].split('.'), ...pkg[2].split(':'));
      for (const base of [baseDir, join(baseDir, 'src'), this.root, join(this.root, 'src')]) {
        if (this.files.isDirectory(join(base, sub))) return join(base, sub);
      }
      this.unresolved.push({
        source,
        location,
        reason: `the package path "${location}" matches no directory of the repository; set "locations" in the alembic-guard configuration`,
      });
      return null;
    }
    return resolve(baseDir, location);
  }

  /** Repo-relative POSIX path of an absolute path (following symlinks), or null when outside. */
  private toRepoPath(abs: string): string | null {
    const inside = (base: string, path: string): string | null => {
      const rel = relative(base, path);
      if (rel === '') return '';
      if (rel.startsWith('..') || isAbsolute(rel)) return null;
      return rel.split(sep).join('/');
    };
    if (this.files.exists(abs)) {
      // A symlinked versions directory: git tracks the files at the link's target.
      const real = this.files.realpath(abs);
      return inside(this.realRoot, real);
    }
    return inside(this.root, abs) ?? inside(this.realRoot, abs);
  }
}

/**
 * Alembic's rules for version_locations: with path_separator / version_path_separator set
 * (os, space, newline, ":" or ";") split on it; otherwise the legacy rule splits on commas and
 * spaces (alembic/script/base.py, ScriptDirectory.from_config).
 */
export function splitVersionLocations(value: string, separator: string | undefined): string[] {
  const sep = separator?.trim();
  let parts: string[];
  if (sep === undefined || sep === '') parts = value.split(/, *| +|\n/);
  else if (sep === 'os') parts = value.split(process.platform === 'win32' ? ';' : ':');
  else if (sep === 'space') parts = value.split(' ');
  else if (sep === 'newline') parts = value.split('\n');
  else if (sep === ':' || sep === ';') parts = value.split(sep);
  else parts = value.split(/, *| +|\n/);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Flask-Migrate's env.py (its text, if it could be read): it takes the database from the Flask app (`current_app`). */
function isFlaskEnv(text: string | undefined): boolean {
  return text !== undefined && /\bcurrent_app\b|^\s*(?:from|import) flask(?:_migrate)?\b/m.test(text);
}

/** A script_location that code fills in before Alembic reads it: `{alembic_dir}`, `${DIR}`. */
function isTemplated(location: string): boolean {
  return /\{[A-Za-z_][\w.]*\}|\$\{?[A-Za-z_]/.test(location);
}

/** Alembic's util.asbool, as it reads recursive_version_locations. */
function asBool(value: string | undefined): boolean {
  return value !== undefined && ['true', 'yes', 'on', 'y', 't', '1'].includes(value.trim().toLowerCase());
}

function scriptFiles(scriptDir: string): string[] {
  return [`${prefix(scriptDir)}env.py`, `${prefix(scriptDir)}script.py.mako`];
}

function prefix(dir: string): string {
  return dir === '' || dir === '.' ? '' : `${dir}/`;
}

function normal(dir: string): string {
  return dir === '.' ? '' : dir;
}
