/**
 * Every word alembic-guard shows to people about a finding: what is wrong, why it matters and the
 * command that fixes it. Text, JSON and GitHub renderings all take their words from here.
 */
import type { AlembicRunner } from '../alembic/environment.js';
import type { GraphLayout, GraphProblem } from '../alembic/graph.js';
import type { ConfigChange } from '../alembic/settings.js';
import type { AheadLocation, Finding } from '../findings.js';
import type { CloneCompleteness, CommitInfo, Place, Searched } from '../located.js';
import type { Invoker } from './invoker.js';
import { alembicCommand, gitCommand, pathspecWord, shellPath, shellQuote, showName } from './quote.js';
import type { CommandName } from './verdict.js';

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
  'merge-conflict': 'Merge conflicts with the base: git cannot merge these files of the branch',
  'merge-graph': 'After the merge into the base: revision graph problems neither side has alone',
  'base-migration-changed': 'Migrations the base already has were changed: they may already be applied somewhere',
  'bypassed-commit': "Commits that went through on alembic-guard's bypass",
};

const ROLE: Record<'migration' | 'env-file', string> = { migration: 'migration', 'env-file': 'environment file' };

/** One sentence: what is wrong with this finding. */
export function describe(f: Finding): string {
  switch (f.kind) {
    case 'untracked':
      return `untracked ${ROLE[f.role]}: ${showName(f.path)}`;
    case 'ignored':
      return f.ignoredBy
        ? `ignored ${ROLE[f.role]}: ${showName(f.path)} (by ${showName(f.ignoredBy.source)}:${f.ignoredBy.line}: ${showName(f.ignoredBy.pattern)})`
        : `ignored ${ROLE[f.role]}: ${showName(f.path)}`;
    case 'unstaged': {
      if (f.change === 'submodule') return `submodule holding migrations has commits, changes or untracked files this commit does not record: ${f.path}`;
      const what =
        f.change === 'deleted'
          ? 'deleted but the deletion is not staged'
          : f.change === 'intent-to-add'
            ? 'added with `git add -N`, its content not staged'
            : f.change === 'type-changed'
              ? 'type changed (file/symlink) and not staged'
              : f.staged
                ? 'partially staged: it has further unstaged changes'
                : 'modified and not staged';
      const settings = f.settings ? ` (it changes ${f.settings.loading.join(', ')}, which decides the scripts Alembic loads)` : '';
      const hidden = f.hidden ? ` (marked ${f.hidden}, so git status does not show the edit)` : '';
      return `${ROLE[f.role]} ${what}: ${showName(f.path)}${settings}${hidden}`;
    }
    case 'unmerged':
      return `merge conflict not resolved: ${showName(f.path)}`;
    case 'left-out':
      return `staged ${ROLE[f.role]} left out of this commit: ${showName(f.path)}`;
    case 'staged-uncommitted':
      return `${ROLE[f.role]} staged but not committed: ${showName(f.path)}`;
    case 'modified-uncommitted':
      return `${ROLE[f.role]} changed since the pushed commit: ${showName(f.path)}`;
    case 'graph':
      return `${f.problem.message} (${showName(f.environment)}, in ${showName(f.source)})`;
    case 'unparsable':
      return `${f.message} (${showName(f.environment)}, in ${showName(f.source)})`;
    case 'parse-warning':
      return `${showName(f.path)}:${f.line}: ${f.message}`;
    case 'outside-repository':
      return `versions directory ${showName(f.location)} of ${showName(f.environment)} is outside the repository`;
    case 'unresolved-location':
      return `${showName(f.source)}: cannot resolve ${showName(f.location)}: ${f.reason}`;
    case 'changed-pushed-migration':
      return `${showName(f.path)} is ${f.change} by ${f.commit.slice(0, 12)}, but ${showName(f.remoteRef)} already has it`;
    case 'database-ahead': {
      const heads = f.heads.length ? f.heads.map((h) => `${showName(h.revision)} (${showName(h.path)})`).join(', ') : 'nothing (no migrations are committed)';
      const base = `the database ${showName(f.database)}${inTable(f.table)} is at ${showName(f.revision)}, which no committed migration defines; the repository's migrations end at ${heads}`;
      return f.located ? `${base}; ${aheadWhere(f.revision, f.located)}` : base;
    }
    case 'database-behind':
      return `the database${inTable(f.table)} is at ${showName(f.revision)}; head ${showName(f.head)} of ${showName(f.environment)} is ${f.ahead} revision${f.ahead === 1 ? '' : 's'} ahead (run alembic upgrade head)`;
    case 'database-current':
      return `the database${inTable(f.table)} is at ${showName(f.revision)}, a head of ${showName(f.environment)}`;
    case 'database-read':
      return `${showName(f.table)} for ${f.environments.map(showName).join(', ')}: ${f.revisions === null ? 'no such table' : f.revisions.length === 0 ? 'empty' : `at ${f.revisions.map(showName).join(', ')}`}`;
    case 'version-table-unknown':
      return `${showName(f.path)}:${f.line}: version_table = ${showName(f.expression)} is computed when env.py runs; verify read ${showName(f.table)} for ${showName(f.environment)}`;
    case 'database-untracked':
      return `the database ${showName(f.database)} has no ${showName(f.table)} table: it is not under Alembic`;
    case 'merge-conflict':
      return `git cannot merge the branch's ${ROLE[f.role]} ${showName(f.path)} into ${showName(f.base)}`;
    case 'merge-graph':
      return mergeLine(f);
    case 'base-migration-changed':
      return `${showName(f.path)} is ${f.change} by the branch, but ${showName(f.base)} already has it: a database may have applied it already`;
    case 'bypassed-commit':
      return `${f.commit.slice(0, 12)} ${showName(f.subject)}: committed on alembic-guard's bypass (reason: ${showName(f.reason)})`;
  }
}

const named = (r: { revision: string; path: string }): string => `${showName(r.revision)} (${showName(r.path)})`;

/** What a merge into the base breaks, naming the branch's revisions and the base's heads. */
function mergeLine(f: Extract<Finding, { kind: 'merge-graph' }>): string {
  const where = `${showName(f.environment)}, merging into ${showName(f.base)}`;
  if (f.problem.kind === 'multiple-heads') {
    const branch = f.branch.length ? f.branch.map(named).join(', ') : 'none';
    const base = f.baseHeads.length ? f.baseHeads.map(named).join(', ') : 'none';
    const parent = f.repoint ? `, both on ${showName(f.repoint.from)}` : '';
    return `the merge would have two heads (${where}): the branch's ${branch} and ${showName(f.base)}'s ${base}${parent}`;
  }
  return `${f.problem.message} (${where})`;
}

function inTable(table: string | undefined): string {
  return table ? ` (table ${showName(table)})` : '';
}

/** The short line the text report lists under a group title (the title already says the kind). */
export function listLine(f: Finding): string {
  switch (f.kind) {
    case 'untracked':
    case 'left-out':
    case 'staged-uncommitted':
    case 'modified-uncommitted':
    case 'unmerged':
      return f.role === 'env-file' ? `${showName(f.path)}  (environment file)` : showName(f.path);
    case 'ignored':
      return f.ignoredBy
        ? `${showName(f.path)}  (ignored by ${showName(f.ignoredBy.source)}:${f.ignoredBy.line}: ${showName(f.ignoredBy.pattern)})`
        : showName(f.path);
    case 'unstaged': {
      if (f.change === 'submodule') return `${f.path}  (submodule: commits, changes or untracked files not recorded)`;
      const what =
        f.change === 'deleted'
          ? 'deleted, deletion not staged'
          : f.change === 'intent-to-add'
            ? 'added with git add -N, content not staged'
            : f.change === 'type-changed'
              ? 'type changed'
              : f.staged
                ? 'partially staged'
                : 'modified';
      const settings = f.settings ? `: ${f.settings.loading.join(', ')}` : '';
      const hidden = f.hidden ? `, marked ${f.hidden}: git status does not show it` : '';
      return `${showName(f.path)}  (${what}${settings}${hidden}${f.role === 'env-file' ? ', environment file' : ''})`;
    }
    default:
      return describe(f);
  }
}

/**
 * The command (or instruction) that fixes this finding, or null when there is nothing to run.
 * For a push, a file on disk must be committed too before the push can carry it.
 */
export function fix(f: Finding, command?: CommandName): string | null {
  const thenPush = command === 'pre-push' ? ' && git commit   then push again' : '';
  switch (f.kind) {
    case 'untracked':
      return `${gitCommand('add', [f.path])}${thenPush}`;
    case 'ignored':
      return f.ignoredBy
        ? `${gitCommand('add -f', [f.path])}${thenPush}   (and narrow the pattern at ${showName(f.ignoredBy.source)}:${f.ignoredBy.line})`
        : `${gitCommand('add -f', [f.path])}${thenPush}`;
    case 'unstaged':
      if (f.change === 'submodule')
        return `commit the migrations inside the submodule (git -C ${shellQuote(f.path)} status), then ${gitCommand('add', [f.path])}`;
      // A flag that hides the edit from git status is cleared first: git add skips such a file too.
      if (f.hidden)
        return `${gitCommand(`update-index --no-${f.hidden}`, [f.path])} && ${f.settings && f.settings.other.length > 0 ? stageOnly(f.path, f.settings) : gitCommand('add', [f.path])}`;
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
      return graphFix(f.problem, f.runner);
    case 'unparsable':
      if (f.cause === 'conflict')
        return `resolve the conflict in ${showName(f.path)}${f.line !== undefined ? ` (from line ${f.line})` : ''}: keep the lines you want and delete the <<<<<<<, ======= and >>>>>>> lines, then ${gitCommand('add', [f.path])}`;
      if (f.cause === 'encoding') return `save ${showName(f.path)} as UTF-8, or declare its encoding on its first line (# -*- coding: … -*-)`;
      return `fix the syntax${f.line !== undefined ? ` at ${showName(f.path)}:${f.line}` : ` of ${showName(f.path)}`}   (python3 -m py_compile ${shellPath(f.path)} shows Python's own message)`;
    case 'parse-warning':
      return 'use a literal string, tuple or None so tools can read it without running Python';
    case 'outside-repository':
      return 'move the versions directory into the repository, or set "locations" in the alembic-guard configuration';
    case 'unresolved-location':
      return 'set "locations" in .alembic-guard.json, package.json "alembic-guard" or [tool.alembic-guard]';
    case 'changed-pushed-migration':
      return 'write a new migration instead of editing an applied one (alembic revision -m "…"); revert this change';
    case 'database-ahead': {
      const place = f.located?.places[0];
      if (place) {
        const command = placeFix(place, place.path);
        if (command) return place.kind === 'branch' || place.kind === 'remote' ? `merge it: ${command}   (then push)` : `${command}   (then commit and push)`;
      }
      if (f.located && f.located.shallow && f.located.fetch) return `${f.located.fetch}   then verify again`;
      return `commit the migration files that define it: on the machine that ran the upgrade, \`alembic-guard locate ${shellQuote(f.revision)}\` finds them (or look for untracked files in the versions directory: git status --untracked-files=all), then git add them, commit and push`;
    }
    case 'database-behind':
    case 'database-current':
    case 'database-read':
      return null;
    case 'version-table-unknown':
      return `set "versionTable" (and "schema") for this environment under "environments" in the alembic-guard configuration`;
    case 'database-untracked':
      return 'run alembic upgrade head (or alembic stamp) against this database, or point --db-url at the right one';
    case 'merge-conflict':
      return `${shellQuoted('git merge', f.base)} (or ${shellQuoted('git rebase', f.base)}), resolve the conflict in ${showName(f.path)}, then ${gitCommand('add', [f.path])}`;
    case 'merge-graph':
      return mergeFix(f);
    case 'base-migration-changed':
      return `leave applied migrations as they are and add a new one for the change (alembic revision -m "…"); to undo the edit: ${gitCommand(`restore --source=${shellQuote(f.base)}`, [f.path])}`;
    case 'bypassed-commit':
      return null;
  }
}

function shellQuoted(command: string, word: string): string {
  return `${command} ${shellQuote(word.startsWith('-') ? `./${word}` : word)}`;
}

/** Both ways out of two heads after the merge: rebase and re-point, or a merge revision. */
function mergeFix(f: Extract<Finding, { kind: 'merge-graph' }>): string | null {
  if (f.problem.kind !== 'multiple-heads') return graphFix(f.problem, f.runner);
  const branchHead = f.branch[0]?.revision;
  const baseHead = f.repoint?.to ?? (f.baseHeads.length === 1 ? f.baseHeads[0]!.revision : undefined);
  const ways: string[] = [];
  if (f.repoint) {
    const r = f.repoint;
    ways.push(
      `rebase and re-point: ${shellQuoted('git rebase', f.base)}, then in ${showName(r.path)} change down_revision = ${showName(`'${r.from}'`)} to ${showName(`'${r.to}'`)} (and its "Revises:" line), then git add it and git rebase --continue`,
    );
  }
  if (branchHead !== undefined && baseHead !== undefined) {
    const merge = f.runner?.merge ?? alembicCommand(f.runner, 'merge', ['-m', `merge ${f.base}`, baseHead, branchHead]);
    ways.push(`or merge it in and add a merge revision: ${shellQuoted('git merge', f.base)} && ${merge}   (then git add the new migration and commit)`);
  }
  return ways.length ? ways.join('; ').replace(/^or merge/, 'merge') : graphFix(f.problem, f.runner);
}

/**
 * A config file whose unstaged edits include more than the settings that decide the scripts (a
 * URL, a password): never `git add` the whole file, only the lines that matter.
 */
function stageOnly(path: string, settings: ConfigChange): string {
  return `stage only the lines that change ${settings.loading.join(', ')}: ${gitCommand('add -p', [path])}   (leave ${settings.other.join(', ')} unstaged: local values such as a database URL or password must not be committed)`;
}

export function graphFix(problem: Pick<GraphProblem, 'kind' | 'paths' | 'revisions' | 'codeLoaded'>, runner: AlembicRunner | undefined): string | null {
  const { kind, paths } = problem;
  switch (kind) {
    case 'multiple-heads': {
      // Two new heads that no database has applied can also be joined by hand.
      const repoint = "; or, where no database has applied them yet, re-point one head's down_revision at the other head's revision";
      if (runner?.merge !== undefined) return `${runner.merge}   (then git add the new migration)${repoint}`;
      const byHand = handMerge(problem);
      // Plain alembic would not see these heads: the project's Python chooses the folders it loads.
      if (problem.codeLoaded)
        return `this project's Python sets version_locations, so a plain alembic merge does not see these heads: run the merge through the project's own command, or ${byHand}${repoint}`;
      // Nothing here tells Alembic where this environment is (env.py beside versions/, configured in code).
      if (runner === undefined)
        return `no alembic.ini or pyproject.toml here names this environment, so a plain alembic merge cannot find it: run alembic -c <the project's ini> merge -m "merge heads" heads, or ${byHand}${repoint}`;
      const args = ['-m', 'merge heads', 'heads'];
      const direct = alembicCommand(runner, 'merge', args);
      const flask = runner.command[0] === 'flask' ? 'with FLASK_APP naming the app, as for any flask db command; ' : '';
      if (runner.wrapper === undefined) return `${direct}   (${flask}then git add the new migration)${repoint}`;
      const wrapped = alembicCommand({ ...runner, command: runner.wrapper.split(' ') }, 'merge', args); // our own fixed words
      return `${direct}   or, through the project's own CLI: ${wrapped}   (${flask}then git add the new migration; "mergeCommand" in the alembic-guard configuration names the one to show)${repoint}`;
    }
    case 'missing-parent':
    case 'missing-dependency':
      return `commit the migration that defines the missing revision, or correct down_revision/depends_on in ${paths.map(showName).join(', ')}`;
    case 'duplicate-revision':
      return `give one of ${paths.map(showName).join(' and ')} a new revision id (alembic revision generates one)`;
    case 'cycle':
      return `break the cycle by correcting down_revision in ${paths.map(showName).join(', ')}`;
    case 'illegal-id':
      return 'use only letters, digits and underscores in revision ids and branch labels';
    case 'duplicate-label':
      return 'give each branch a distinct branch_labels value';
    case 'not-loaded':
      return `if ${paths.map(showName).join(', ')} is a migration, move it into the versions directory (or set recursive_version_locations = true); if it is an old copy, move it out of the versions directory`;
    case 'not-a-migration':
      return `add revision/down_revision to ${paths.map(showName).join(', ')}, or move it out of the versions directory`;
    default:
      return null;
  }
}

/** A merge migration written by hand: works whatever runs Alembic, since it is only a file. */
function handMerge(problem: Pick<GraphProblem, 'paths' | 'revisions'>): string {
  const file = problem.paths[0];
  const dir = file && file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
  return `add the merge migration by hand: a new file in ${showName(dir)}/ with revision = '<a new id>', down_revision = (${problem.revisions.map((h) => `'${h}'`).join(', ')}) and empty upgrade() and downgrade()`;
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

/** Several untracked files: one command for all of them (and for a push, the commit after it). */
export function addAll(paths: string[], command?: CommandName): string {
  return `${gitCommand('add', paths)}${command === 'pre-push' ? ' && git commit   then push again' : ''}`;
}

/** The pre-commit framework's ids of our hooks (.pre-commit-hooks.yaml), for its SKIP variable. */
const FRAMEWORK_IDS: Partial<Record<CommandName, string>> = { check: 'alembic-guard', 'pre-push': 'alembic-guard-push' };

/** The lines that explain how to get past the guard in an emergency: only skips that work here. */
export function bypassHelp(command: CommandName, by: Invoker = 'other'): string[] {
  const verb = command === 'pre-push' ? 'git push' : 'git commit';
  const silent =
    by === 'pre-commit' && FRAMEWORK_IDS[command]
      ? `(${verb} --no-verify skips every hook, SKIP=${FRAMEWORK_IDS[command]} ${verb} skips this one; neither logs anything)`
      : by === 'husky'
        ? `(${verb} --no-verify and HUSKY=0 skip every hook and log nothing)`
        : `(${verb} --no-verify skips every hook and logs nothing)`;
  return [`Emergency only: ALEMBIC_GUARD_SKIP="<why>" ${verb} …   (lets it through loudly and logs it)`, silent];
}

/** A bypass whose audit line could not be written: it went through, and nobody will know. */
export function bypassNotLogged(file: string, reason: string): string {
  return `Nothing was logged: cannot write ${showName(file)} (${reason}); record this bypass yourself`;
}

/** The commit-msg hook marked a bypassed commit. */
export function trailerAdded(key: string, value: string): string {
  return `alembic-guard: the commit message carries ${key}: ${showName(value)} (CI's alembic-guard verify --base lists the commit)`;
}

export const NO_ENVIRONMENT = 'no Alembic environment found: nothing to check (run `alembic-guard doctor` to see what was looked for)';

// ---------------------------------------------------------------------------------------------
// locate: where a revision is defined, and the one command that brings it here.

const STASH_PART: Record<NonNullable<Place['stashPart']>, string> = {
  tracked: '',
  index: 'the staged part of ',
  untracked: 'the untracked files of ',
};

/** What a place is, in a few words: "branch feature/traces", "untracked in worktree ../b". */
export function placeLabel(place: Pick<Place, 'kind' | 'worktree' | 'refs' | 'stashPart' | 'commit'>): string {
  const where = place.worktree ? ` in worktree ${place.worktree}` : ' in this working tree';
  const also = place.refs.length > 1 ? ` (also ${place.refs.slice(1, 4).join(', ')}${place.refs.length > 4 ? ` and ${place.refs.length - 4} more` : ''})` : '';
  switch (place.kind) {
    case 'untracked':
      return `untracked${where}`;
    case 'ignored':
      return `ignored (hidden by an ignore pattern)${where}`;
    case 'modified':
      return `changed on disk, not staged${where}`;
    case 'staged':
      return place.worktree ? `staged in the index of worktree ${place.worktree}` : 'staged in the index';
    case 'head':
      return 'HEAD (this checkout)';
    case 'branch':
      return `branch ${place.refs[0]}${also}`;
    case 'remote':
      return `remote-tracking branch ${place.refs[0]}${also}`;
    case 'tag':
      return `tag ${place.refs[0]}${also}`;
    case 'worktree-head':
      return `the commit checked out in worktree ${place.worktree}`;
    case 'stash':
      return `${STASH_PART[place.stashPart ?? 'tracked']}${place.refs[0]}${place.stashPart === 'untracked' ? ' (git stash -u)' : ''}`;
    case 'history':
      return 'deleted, in history only';
  }
}

/** `abc1234 "subject" (Name, 2026-11-30)` */
export function commitLine(commit: CommitInfo): string {
  return `${commit.short} "${commit.subject}" (${commit.author}, ${commit.date.slice(0, 10)})`;
}

/** The one command that brings a place's file into this checkout (`path` as seen from here). */
export function placeFix(place: Place, pathFromHere: string): string | null {
  if (place.inHead) return null;
  const here = pathspecWord(pathFromHere);
  const there = pathspecWord(place.path);
  const inTree = (verb: string) => (place.worktree ? `git -C ${shellQuote(place.worktree)} ${verb} ${there}` : `git ${verb} ${here}`);
  switch (place.kind) {
    case 'untracked':
    case 'modified':
      return `${inTree('add')} && ${place.worktree ? `git -C ${shellQuote(place.worktree)} commit` : 'git commit'}`;
    case 'ignored':
      return `${inTree('add -f')} && ${place.worktree ? `git -C ${shellQuote(place.worktree)} commit` : 'git commit'}`;
    case 'staged':
      return place.worktree ? `git -C ${shellQuote(place.worktree)} commit` : 'git commit';
    case 'head':
      return null;
    case 'branch':
    case 'remote':
      return `git merge ${shellQuote(place.refs[0])}`;
    case 'tag':
      return `git checkout ${shellQuote(place.refs[0])} -- ${here}`;
    case 'worktree-head':
      return place.commit ? `git checkout ${place.commit.short} -- ${here}` : null;
    case 'stash':
      return `git stash apply ${shellQuote(place.refs[0])}`;
    case 'history':
      return place.lastHad ? `git checkout ${place.lastHad.short} -- ${here}` : null;
  }
}

/** A sentence about where the commit behind a place came from. */
export function placeCommit(place: Place): string | null {
  if (place.kind === 'history') {
    const parts = [place.commit ? `deleted in ${commitLine(place.commit)}` : null, place.lastHad ? `last in ${commitLine(place.lastHad)}` : null];
    return parts.filter(Boolean).join('; ') || null;
  }
  if (!place.commit || place.kind === 'head') return null;
  if (place.kind === 'branch' || place.kind === 'remote') return `added in ${commitLine(place.commit)}`;
  return commitLine(place.commit);
}

export const LOCATE_WORDS = {
  inHead: 'HEAD has this file: Alembic run from this checkout finds it',
  notInHead: 'HEAD does not have it',
  nowhere: 'found nowhere',
  ambiguous: (query: string, ids: string[]) => `"${query}" is the start of several revisions: ${ids.join(', ')}`,
  revisedBy: 'named as a parent by',
  noDatabaseGap: (target: string) => `every revision in ${target} is defined by this checkout: nothing to locate`,
  databaseAsks: (target: string, ids: string[]) => `${target} is at ${ids.join(', ')}, which this checkout does not define`,
  shallowNoRemote: 'this clone is shallow and has no remote to fetch from: search again in a full clone',
};

/** What was searched, as one line. */
export function searchedLine(s: Searched): string {
  const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
  const parts = [
    n(s.worktrees, 'working tree'),
    'the index',
    s.head ? 'HEAD' : null,
    n(s.branches, 'branch', 'branches'),
    n(s.remotes, 'remote-tracking branch', 'remote-tracking branches'),
    n(s.tags, 'tag'),
    n(s.stash, 'stash entry', 'stash entries'),
    s.commits === null ? null : `the history of every ref (${n(s.commits, 'commit')})`,
  ].filter(Boolean);
  const partial = s.notInClone
    ? '; file versions not in this clone (a partial clone) were not read, and nothing was fetched: git fetch --refetch, or a full clone, lets locate search them'
    : '';
  return `searched ${parts.join(', ')} under ${s.versions.join(', ')}${partial}`;
}

/** The `git fetch` that makes a shallow or single-branch clone's search complete, or null. */
export function completingFetch(clone: CloneCompleteness): string | null {
  const partial = clone.remotes.filter((r) => !r.allBranches);
  if (!clone.shallow && partial.length === 0) return null;
  if (clone.remotes.length === 0) return clone.shallow ? LOCATE_WORDS.shallowNoRemote : null;
  const main = clone.remotes.find((r) => r.name === 'origin') ?? clone.remotes[0];
  const refspec = (name: string) => shellQuote(`+refs/heads/*:refs/remotes/${name}/*`);
  const commands: string[] = [];
  if (clone.shallow) commands.push(`git fetch --unshallow ${shellQuote(main.name)}${main.allBranches ? '' : ` ${refspec(main.name)}`}`);
  for (const remote of partial) {
    if (clone.shallow && remote === main) continue;
    commands.push(`git fetch ${shellQuote(remote.name)} ${refspec(remote.name)}`);
  }
  return commands.join(' && ');
}

/** Why the search may be incomplete, for the line before the fetch command. */
export function incompleteReason(clone: CloneCompleteness): string {
  if (clone.shallow) return 'this clone is shallow: older commits, and the branches it did not fetch, were not searched';
  return 'this clone fetches only some branches: the others were not searched';
}

/** verify: where the clone has a revision the database is at, as the end of the finding's sentence. */
function aheadWhere(revision: string, located: AheadLocation): string {
  const place = located.places[0];
  if (!place) {
    if (located.shallow) return `this clone is too shallow to know where it is defined (${located.fetch ?? 'fetch the full history'}, then verify again)`;
    const rest = located.fetch ? ` (or on a branch this clone did not fetch: ${located.fetch})` : '';
    return `it is on no branch of this clone: it was never pushed — whoever ran the upgrade has it untracked; \`alembic-guard locate ${shellQuote(revision)}\` on their machine finds it${rest}`;
  }
  const by = place.commit ? ` at ${place.commit.short} by ${place.commit.author} ("${place.commit.subject}")` : '';
  switch (place.kind) {
    case 'branch':
    case 'remote':
    case 'tag':
      return `it is defined on ${place.refs[0]}${by} (${place.path}), not merged into this commit`;
    case 'history':
      return `it was deleted${place.commit ? ` in ${commitLine(place.commit)}` : ''} (${place.path})`;
    default:
      return `it is defined in ${placeLabel(place)} (${place.path})`;
  }
}

// ---------------------------------------------------------------------------------------------
// post-checkout: the development database after a branch switch (never blocks).

export interface OutOfStepWords {
  revision: string;
  where: { label: string; path: string } | null;
  left: string;
  now: string;
  ancestor: string;
  environment: { runner?: AlembicRunner } | null;
}

/** The warning after a switch that leaves the development database on a revision this checkout lacks. */
export function postCheckoutWarning(database: string, steps: OutOfStepWords[]): string {
  const lines: string[] = [];
  for (const step of steps) {
    const runner = step.environment?.runner;
    lines.push(
      `⚠ alembic-guard: the development database ${database} is at ${step.revision}, which this checkout does not define (Alembic here will say "Can't locate revision identified by '${step.revision}'")`,
    );
    if (step.where) {
      lines.push(`  it is in ${step.where.label}: ${step.where.path}`);
      lines.push('  to get back in step:');
      lines.push(`    git checkout ${shellQuote(step.left)}`);
      lines.push(`    ${alembicCommand(runner, 'downgrade', [step.ancestor])}`);
      lines.push(`    git checkout ${shellQuote(step.now)}`);
      lines.push(`    ${alembicCommand(runner, 'upgrade', ['head'])}`);
    } else {
      lines.push(`  no branch, stash or worktree here has it: \`alembic-guard locate ${shellQuote(step.revision)}\` says what was searched`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function postCheckoutFailed(reason: string): string {
  return `⚠ alembic-guard: post-checkout could not check the development database: ${reason}`;
}

/** doctor: one line about the development database. */
export function devDatabaseLine(database: string, from: string, state: { revisions: string[]; unknown: string[] } | 'no-table' | { error: string }): string {
  const at = `development database: ${database} (${from})`;
  if (state === 'no-table') return `${at}: no alembic_version table (not under Alembic yet)`;
  if ('error' in state) return `${at}: cannot read it: ${state.error}`;
  if (state.revisions.length === 0) return `${at}: empty (no revision applied)`;
  if (state.unknown.length === 0) return `${at}: at ${state.revisions.join(', ')}, defined by this checkout`;
  return `${at}: at ${state.revisions.join(', ')}; ${state.unknown.join(', ')} is not defined by this checkout (alembic-guard locate ${state.unknown.map(shellQuote).join(' ')})`;
}

/**
 * install's refusal in a Yarn Plug'n'Play project: hooks written there would refuse every commit
 * (no node_modules/.bin/alembic-guard, ever), so none are written. `yarnrc`: the .yarnrc.yml to edit.
 */
export function plugAndPlayRefusal(yarnrc: string): string {
  return (
    `Yarn Plug'n'Play (Yarn 2+'s default linker) makes no node_modules/.bin for git hooks to start alembic-guard from: ` +
    `add "nodeLinker: node-modules" to ${yarnrc} and run yarn install, then alembic-guard install again ` +
    `(or plain git hooks: npm install --global alembic-guard && alembic-guard install --mode git)`
  );
}
