/**
 * Every word alembic-guard shows to people about a finding: what is wrong, why it matters and the
 * command that fixes it. Text, JSON and GitHub renderings all take their words from here.
 */
import type { AlembicRunner } from '../alembic/environment.js';
import type { GraphLayout } from '../alembic/graph.js';
import type { ConfigChange } from '../alembic/settings.js';
import type { Finding } from '../findings.js';
import type { CommandName } from './report.js';

/** POSIX shell quoting: plain names stay plain; anything else goes in single quotes. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./,:@%+=-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `git <verb> [--] paths…`, with `--` only when a path could be read as an option. */
export function gitCommand(verb: string, paths: string[]): string {
  const dashDash = paths.some((p) => p.startsWith('-')) ? ' --' : '';
  return `git ${verb}${dashDash} ${paths.map(shellQuote).join(' ')}`;
}

export const HEADLINES: Record<CommandName, { blocked: string; passed: string; bypassed: string }> = {
  check: {
    blocked: 'commit blocked: an Alembic migration would be left behind or the revision graph is broken',
    passed: 'migrations are committed and the revision graph holds',
    bypassed: 'ALEMBIC_GUARD_SKIP is set: letting this commit through DESPITE the problems below',
  },
  'pre-push': {
    blocked: 'push blocked: the pushed commit leaves migrations behind or its revision graph is broken',
    passed: 'the pushed commits carry every migration and their graphs hold',
    bypassed: 'ALEMBIC_GUARD_SKIP is set: letting this push through DESPITE the problems below',
  },
  verify: {
    blocked: 'verify failed',
    passed: 'verify passed',
    bypassed: 'verify bypassed',
  },
  validate: {
    blocked: 'validation failed',
    passed: 'staged migrations are valid',
    bypassed: 'ALEMBIC_GUARD_SKIP is set: letting these files through DESPITE the problems below',
  },
};

/** Section titles: one per kind, with the reason it blocks. */
export const GROUP_TITLES: Record<Finding['kind'], string> = {
  untracked: 'Untracked: git does not know these files, so the commit cannot contain them',
  ignored: 'Ignored: an ignore pattern hides these files from git (git add alone refuses them)',
  unstaged: 'Unstaged changes: the commit would contain an older version than the one on disk',
  unmerged: 'Unresolved merge conflicts',
  'left-out': 'Left out of this commit: staged, but `git commit <paths>` commits only the paths it names',
  'staged-uncommitted': 'Staged but not committed: the pushed commit does not contain these changes',
  'modified-uncommitted': 'Changed but not committed: the pushed commit has a different version',
  unparsable: 'Cannot be parsed: Python refuses these files, so Alembic cannot load the environment',
  graph: 'Revision graph problems',
  'parse-warning': 'Values the static parser could not evaluate',
  'outside-repository': 'Versions directories outside the repository: no commit can carry their files',
  'unresolved-location': 'Locations that could not be resolved',
  'changed-pushed-migration': 'Migrations the remote already has were changed: they may already be applied somewhere',
  'database-ahead': 'The database is ahead of the committed migrations',
  'database-behind': 'The database is behind',
  'database-current': 'The database is at head',
  'database-untracked': 'The database is not under Alembic',
  'database-read': 'Version tables read',
  'version-table-unknown': 'Version tables env.py computes when it runs: verify cannot know them without running Python',
};

const ROLE: Record<'migration' | 'env-file', string> = { migration: 'migration', 'env-file': 'environment file' };

/** One sentence: what is wrong with this finding. */
export function describe(f: Finding): string {
  switch (f.kind) {
    case 'untracked':
      return `untracked ${ROLE[f.role]}: ${f.path}`;
    case 'ignored':
      return f.ignoredBy
        ? `ignored ${ROLE[f.role]}: ${f.path} (by ${f.ignoredBy.source}:${f.ignoredBy.line}: ${f.ignoredBy.pattern})`
        : `ignored ${ROLE[f.role]}: ${f.path}`;
    case 'unstaged': {
      const what = f.change === 'deleted' ? 'deleted but the deletion is not staged' : f.change === 'intent-to-add' ? 'added with `git add -N`, its content not staged' : f.change === 'type-changed' ? 'type changed (file/symlink) and not staged' : f.staged ? 'partially staged: it has further unstaged changes' : 'modified and not staged';
      const settings = f.settings ? ` (it changes ${f.settings.loading.join(', ')}, which decides the scripts Alembic loads)` : '';
      return `${ROLE[f.role]} ${what}: ${f.path}${settings}`;
    }
    case 'unmerged':
      return `merge conflict not resolved: ${f.path}`;
    case 'left-out':
      return `staged ${ROLE[f.role]} left out of this commit: ${f.path}`;
    case 'staged-uncommitted':
      return `${ROLE[f.role]} staged but not committed: ${f.path}`;
    case 'modified-uncommitted':
      return `${ROLE[f.role]} changed since the pushed commit: ${f.path}`;
    case 'graph':
      return `${f.problem.message} (${f.environment}, in ${f.source})`;
    case 'unparsable':
      return `${f.message} (${f.environment}, in ${f.source})`;
    case 'parse-warning':
      return `${f.path}:${f.line}: ${f.message}`;
    case 'outside-repository':
      return `versions directory ${f.location} of ${f.environment} is outside the repository`;
    case 'unresolved-location':
      return `${f.source}: cannot resolve ${f.location}: ${f.reason}`;
    case 'changed-pushed-migration':
      return `${f.path} is ${f.change} by ${f.commit.slice(0, 12)}, but ${f.remoteRef} already has it`;
    case 'database-ahead': {
      const heads = f.heads.length ? f.heads.map((h) => `${h.revision} (${h.path})`).join(', ') : 'nothing (no migrations are committed)';
      return `the database ${f.database}${inTable(f.table)} is at ${f.revision}, which no committed migration defines; the repository's migrations end at ${heads}`;
    }
    case 'database-behind':
      return `the database${inTable(f.table)} is at ${f.revision}; head ${f.head} of ${f.environment} is ${f.ahead} revision${f.ahead === 1 ? '' : 's'} ahead (run alembic upgrade head)`;
    case 'database-current':
      return `the database${inTable(f.table)} is at ${f.revision}, a head of ${f.environment}`;
    case 'database-read':
      return `${f.table} for ${f.environments.join(', ')}: ${f.revisions === null ? 'no such table' : f.revisions.length === 0 ? 'empty' : `at ${f.revisions.join(', ')}`}`;
    case 'version-table-unknown':
      return `${f.path}:${f.line}: version_table = ${f.expression} is computed when env.py runs; verify read ${f.table} for ${f.environment}`;
    case 'database-untracked':
      return `the database ${f.database} has no ${f.table} table: it is not under Alembic`;
  }
}

function inTable(table: string | undefined): string {
  return table ? ` (table ${table})` : '';
}

/** The short line the text report lists under a group title (the title already says the kind). */
export function listLine(f: Finding): string {
  switch (f.kind) {
    case 'untracked':
    case 'left-out':
    case 'staged-uncommitted':
    case 'modified-uncommitted':
    case 'unmerged':
      return f.role === 'env-file' ? `${f.path}  (environment file)` : f.path;
    case 'ignored':
      return f.ignoredBy ? `${f.path}  (ignored by ${f.ignoredBy.source}:${f.ignoredBy.line}: ${f.ignoredBy.pattern})` : f.path;
    case 'unstaged': {
      const what = f.change === 'deleted' ? 'deleted, deletion not staged' : f.change === 'intent-to-add' ? 'added with git add -N, content not staged' : f.change === 'type-changed' ? 'type changed' : f.staged ? 'partially staged' : 'modified';
      const settings = f.settings ? `: ${f.settings.loading.join(', ')}` : '';
      return `${f.path}  (${what}${settings}${f.role === 'env-file' ? ', environment file' : ''})`;
    }
    default:
      return describe(f);
  }
}

/** The command (or instruction) that fixes this finding, or null when there is nothing to run. */
export function fix(f: Finding): string | null {
  switch (f.kind) {
    case 'untracked':
      return gitCommand('add', [f.path]);
    case 'ignored':
      return f.ignoredBy
        ? `${gitCommand('add -f', [f.path])}   (and narrow the pattern at ${f.ignoredBy.source}:${f.ignoredBy.line})`
        : gitCommand('add -f', [f.path]);
    case 'unstaged':
      if (f.settings && f.settings.other.length > 0) return stageOnly(f.path, f.settings);
      if (f.change === 'deleted') return `${gitCommand('rm', [f.path])}   (or bring it back: ${gitCommand('restore', [f.path])})`;
      if (f.change === 'intent-to-add') return gitCommand('add', [f.path]);
      return `${gitCommand('add', [f.path])}   (or drop the edits: ${gitCommand('restore', [f.path])})`;
    case 'unmerged':
      return `resolve the conflict, then ${gitCommand('add', [f.path])}`;
    case 'left-out':
      return `commit it too: ${gitCommand('commit', ['<your paths>', f.path]).replace(`'<your paths>'`, '<your paths>')}   (or run git commit without paths)`;
    case 'staged-uncommitted':
      return `${gitCommand('commit', [f.path])}   then push again`;
    case 'modified-uncommitted':
      if (f.settings && f.settings.other.length > 0) return `${stageOnly(f.path, f.settings)}, then git commit and push again`;
      return `${gitCommand('add', [f.path])} && git commit   then push again (or drop the edits: ${gitCommand('restore', [f.path])})`;
    case 'graph':
      return graphFix(f.problem.kind, f.problem.paths, f.runner);
    case 'unparsable':
      return f.line !== undefined
        ? `fix the syntax at ${f.path}:${f.line}   (python -m py_compile ${shellQuote(f.path)} shows Python's own message)`
        : `save ${f.path} as UTF-8, or declare its encoding on its first line (# -*- coding: … -*-)`;
    case 'parse-warning':
      return 'use a literal string, tuple or None so tools can read it without running Python';
    case 'outside-repository':
      return 'move the versions directory into the repository, or set "locations" in the alembic-guard configuration';
    case 'unresolved-location':
      return 'set "locations" in .alembic-guard.json, package.json "alembic-guard" or [tool.alembic-guard]';
    case 'changed-pushed-migration':
      return 'write a new migration instead of editing an applied one (alembic revision -m "…"); revert this change';
    case 'database-ahead':
      return 'commit the migration files that define it: on the machine that ran the upgrade, look for untracked files in the versions directory (git status --untracked-files=all), then git add them, commit and push';
    case 'database-behind':
    case 'database-current':
    case 'database-read':
      return null;
    case 'version-table-unknown':
      return `set "versionTable" (and "schema") for this environment under "environments" in the alembic-guard configuration`;
    case 'database-untracked':
      return 'run alembic upgrade head (or alembic stamp) against this database, or point --db-url at the right one';
  }
}

/**
 * A config file whose unstaged edits include more than the settings that decide the scripts (a
 * URL, a password): never `git add` the whole file, only the lines that matter.
 */
function stageOnly(path: string, settings: ConfigChange): string {
  return `stage only the lines that change ${settings.loading.join(', ')}: ${gitCommand('add -p', [path])}   (leave ${settings.other.join(', ')} unstaged: local values such as a database URL or password must not be committed)`;
}

export function graphFix(kind: string, paths: string[], runner: AlembicRunner | undefined): string | null {
  switch (kind) {
    case 'multiple-heads': {
      if (runner?.merge !== undefined) return `${runner.merge}   (then git add the new migration)`;
      const args = ['-m', 'merge heads', 'heads'];
      const direct = alembicCommand(runner, 'merge', args);
      if (runner?.wrapper === undefined) return `${direct}   (then git add the new migration)`;
      const wrapped = alembicCommand({ ...runner, command: runner.wrapper }, 'merge', args);
      return `${direct}   or, through the project's own CLI: ${wrapped}   (then git add the new migration; "mergeCommand" in the alembic-guard configuration names the one to show)`;
    }
    case 'missing-parent':
    case 'missing-dependency':
      return `commit the migration that defines the missing revision, or correct down_revision/depends_on in ${paths.join(', ')}`;
    case 'duplicate-revision':
      return `give one of ${paths.join(' and ')} a new revision id (alembic revision generates one)`;
    case 'cycle':
      return `break the cycle by correcting down_revision in ${paths.join(', ')}`;
    case 'illegal-id':
      return 'use only letters, digits and underscores in revision ids and branch labels';
    case 'duplicate-label':
      return 'give each branch a distinct branch_labels value';
    case 'not-loaded':
      return `if ${paths.join(', ')} is a migration, move it into the versions directory (or set recursive_version_locations = true); if it is an old copy, move it out of the versions directory`;
    case 'not-a-migration':
      return `add revision/down_revision to ${paths.join(', ')}, or move it out of the versions directory`;
    default:
      return null;
  }
}

/** An Alembic command as a person runs it for this environment: from its folder, with its options. */
export function alembicCommand(runner: AlembicRunner | undefined, subcommand: string, args: string[]): string {
  const { cwd, command, options } = runner ?? { cwd: '', command: 'alembic', options: [] };
  const words = [command, subcommand, ...options.map(shellQuote), ...args.map(shellQuote)].join(' ');
  return cwd ? `cd ${shellQuote(cwd)} && ${words}` : words;
}

/** Which rule judged an environment's files, in one sentence (graph and doctor). */
export function describeLayout(layout: GraphLayout): string {
  const loading =
    layout.loading === 'flat'
      ? 'Alembic loads only the files directly in the versions directories (recursive_version_locations is not set)'
      : layout.loading === 'code'
        ? "subdirectories of the versions directories are taken as loaded: the project's Python code sets version_locations"
        : 'every file below the versions directories is loaded';
  const groups = layout.groups.join(', ');
  const rule =
    layout.rule === 'alternatives'
      ? `${groups} are alternative version trees, each a complete history of its own (env.py picks one at run time), so each is judged as a separate graph and shared ids are not duplicates`
      : layout.rule === 'independent'
        ? `${groups} hold chains that never refer to each other, so each is judged as a separate graph`
        : 'one revision graph';
  return `${rule}; ${loading}`;
}

/** The lines that explain how to get past the guard in an emergency. */
export function bypassHelp(command: CommandName): string[] {
  const verb = command === 'pre-push' ? 'git push' : 'git commit';
  return [
    `Emergency only: ALEMBIC_GUARD_SKIP="<why>" ${verb} …   (lets it through loudly and logs it)`,
    `(${verb} --no-verify and HUSKY=0 skip every hook and log nothing)`,
  ];
}

export const NO_ENVIRONMENT =
  'no Alembic environment found: nothing to check (run `alembic-guard doctor` to see what was looked for)';
