/**
 * install / uninstall: put the guard in front of `git commit` and `git push`, and take it away
 * again leaving the repository as it was.
 *
 * - With a package.json (at the top of the working tree or in a sub-folder): through husky. Our
 *   block becomes the first command of .husky/pre-commit and .husky/pre-push, package.json
 *   "prepare" runs husky so every clone sets the hooks up on `npm install`, and husky itself is
 *   run now so this clone is protected at once.
 * - Without one (Python projects): plain hooks in the folder git runs hooks from. A hook already
 *   there is moved aside, byte for byte, and run by ours after the guard.
 *
 * What was done is recorded in <git common dir>/alembic-guard/install.json, so uninstall undoes
 * exactly that and nothing else.
 */
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  type Stats,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { CliOptions, CommandResult } from '../cli.js';
import { GuardError } from '../errors.js';
import { withoutBom } from '../text.js';
import { openRepo, type Repo } from '../git/repo.js';
import { gitRaw } from '../git/run.js';
import {
  activeHooksDir,
  display,
  findPackageDir,
  HOOK_NAMES,
  hooksPathSetting,
  huskyBlock,
  huskyLayout,
  type HuskyLayout,
  isHuskyHooksPath,
  isInside,
  isPlainHook,
  recordFile,
  renderPlainHook,
  runsHusky,
  thisRunner,
  userHookPath,
  withBlock,
  withoutBlock,
} from '../hooks.js';
import { shellPath } from '../report/messages.js';

export type Mode = 'husky' | 'git';

/** What install did, so that uninstall can undo exactly that. Paths are absolute. */
export interface InstallRecord {
  version: 1;
  mode: Mode;
  /** git mode: the hooks folder written to. */
  hooksDir?: string;
  /** git mode: hooks whose previous file is kept beside ours as <name>.alembic-guard-user. */
  movedAside?: string[];
  /** husky mode: the folder of the package.json. */
  packageDir?: string;
  /** husky mode: files and folders that did not exist before install. */
  created?: string[];
  /**
   * husky mode: the "prepare" script before install and what install made of it, and the whole
   * package.json before and after, so that uninstall can put back its exact bytes when nobody
   * has edited it since.
   */
  prepare?: { before: string | null; after: string; scriptsCreated: boolean; fileBefore: string; fileAfter: string };
  /** husky mode: the local core.hooksPath before husky set it (present only when it changed). */
  hooksPath?: { before: string | null };
}

interface Action {
  path: string;
  did: string;
  changed: boolean;
}

interface Outcome {
  mode: Mode | null;
  title: string;
  actions: Action[];
  notes: string[];
  footer: string[];
}

// ---------------------------------------------------------------------------------------------
// install

export async function install(options: CliOptions): Promise<CommandResult> {
  const repo = await openRepo(options.cwd);
  const previous = readRecord(repo);
  const requested = parseMode(options.mode);
  const packageDir = findPackageDir(options.cwd, repo.root);
  if (requested === 'husky' && packageDir === null) {
    throw new GuardError(
      `--mode husky needs a package.json, and there is none in ${options.cwd} or above it up to ${repo.root}; run install in the folder that has it, or use --mode git for plain git hooks`,
    );
  }
  const mode: Mode = requested ?? (packageDir !== null ? 'husky' : 'git');
  if (previous && previous.mode !== mode) {
    throw new GuardError(
      `alembic-guard is installed here in ${previous.mode} mode; run \`alembic-guard uninstall\` first, then \`alembic-guard install --mode ${mode}\``,
    );
  }
  const outcome = mode === 'husky' ? await installHusky(repo, packageDir!, previous) : await installGit(repo, previous);
  return render(options, 'install', outcome);
}

async function installGit(repo: Repo, previous: InstallRecord | null): Promise<Outcome> {
  const setting = await hooksPathSetting(repo);
  if (setting.value !== null && setting.scope !== 'local' && setting.scope !== 'worktree') {
    throw new GuardError(
      `core.hooksPath is set in your ${setting.scope} git configuration (${setting.value}), so every repository on this machine runs hooks from there; alembic-guard will not write into it. Add \`alembic-guard check\` to that folder's pre-commit yourself, or give this repository its own: git config core.hooksPath .git/hooks`,
    );
  }
  const dir = await activeHooksDir(repo);
  if (isHuskyHooksPath(setting.value) || existsSync(join(dir, 'h'))) {
    throw new GuardError(
      `core.hooksPath is ${setting.value}: husky runs the hooks of this repository, and would overwrite plain hooks; run install from the folder with package.json (or with --mode husky)`,
    );
  }
  if (previous?.hooksDir && previous.hooksDir !== dir) {
    throw new GuardError(
      `alembic-guard was installed in ${previous.hooksDir}, but git now runs hooks from ${dir}; run \`alembic-guard uninstall\` first, then install again`,
    );
  }
  const runner = thisRunner();
  const actions: Action[] = [];
  const moved = new Set(previous?.movedAside ?? []);
  mkdirSync(dir, { recursive: true });
  for (const name of HOOK_NAMES) {
    const file = join(dir, name);
    const text = renderPlainHook(name, runner);
    const current = lstatOrNull(file);
    const ours = current?.isFile() && isPlainHook(readFileSync(file, 'utf8'));
    const path = display(repo.root, file);
    if (ours) {
      const same = readFileSync(file, 'utf8') === text && (current!.mode & 0o111) !== 0;
      if (!same) writeHook(file, text);
      actions.push({ path, did: same ? 'already runs the guard' : 'updated (node and CLI paths refreshed)', changed: !same });
      continue;
    }
    if (current) {
      const aside = userHookPath(file);
      if (lstatOrNull(aside)) {
        throw new GuardError(
          `${file} is not alembic-guard's, and ${aside} (a hook kept by an earlier install) is in the way: move one of them elsewhere, then run install again`,
        );
      }
      // rename keeps bytes, mode and symlinks exactly; uninstall renames it back.
      renameSync(file, aside);
      moved.add(name);
      writeHook(file, text);
      actions.push({
        path,
        did: `written; the hook that was there is kept as ${name}.alembic-guard-user and runs after the guard`,
        changed: true,
      });
    } else {
      writeHook(file, text);
      actions.push({ path, did: 'written', changed: true });
    }
  }
  const record: InstallRecord = {
    version: 1,
    mode: 'git',
    hooksDir: dir,
    movedAside: HOOK_NAMES.filter((name) => moved.has(name)),
  };
  writeRecord(repo, record);
  const notes: string[] = [];
  if (isInside(dir, repo.root) && !isInside(dir, repo.commonDir) && !isInside(dir, repo.gitDir)) {
    notes.push(
      `${display(repo.root, dir)} is inside the working tree: the hooks written there name this machine's node and CLI; keep them out of commits`,
    );
  }
  const shared = isInside(dir, repo.commonDir);
  return {
    mode: 'git',
    title: `plain git hooks in ${display(repo.root, dir)}`,
    actions,
    notes,
    footer: [
      `The hooks run ${runner.node} ${runner.cli}`,
      shared
        ? 'This clone and all its worktrees are protected now. Hooks are not committed: each clone runs `alembic-guard install` once.'
        : 'This worktree is protected now. Hooks are not committed: each clone runs `alembic-guard install` once.',
      'See what the hooks will do: alembic-guard doctor',
    ],
  };
}

async function installHusky(repo: Repo, packageDir: string, previous: InstallRecord | null): Promise<Outcome> {
  const layout = huskyLayout(repo.root, packageDir);
  const pkgFile = join(packageDir, 'package.json');
  const pkgText = readFileSync(pkgFile, 'utf8');
  const pkg = parsePackageJson(pkgText, display(repo.root, pkgFile));
  const scripts = pkg.scripts as Record<string, unknown> | undefined;
  if (scripts !== undefined && (typeof scripts !== 'object' || scripts === null || Array.isArray(scripts))) {
    throw new GuardError(`${display(repo.root, pkgFile)}: "scripts" must be an object`);
  }
  const prepareBefore = scripts?.prepare;
  if (prepareBefore !== undefined && typeof prepareBefore !== 'string') {
    throw new GuardError(`${display(repo.root, pkgFile)}: "scripts.prepare" must be a string`);
  }
  const huskyDir = join(repo.root, layout.huskyRel);
  const created = new Set(previous?.created ?? []);
  // Re-running install keeps what the first run found (the state before alembic-guard).
  let prepareRecord = previous?.prepare;
  let hooksPathRecord = previous?.hooksPath;
  const actions: Action[] = [];
  const notes: string[] = [];

  // husky first: if it refuses (HUSKY=0, no .git), nothing else has been touched yet.
  const setting = await hooksPathSetting(repo);
  const localBefore = setting.scope === 'local' || setting.scope === 'worktree' ? setting.value : null;
  const huskyWasSetUp = sameHooksPath(setting.value, layout.hooksPath);
  if (!existsSync(huskyDir)) created.add(huskyDir);
  const underscore = join(huskyDir, '_');
  if (!existsSync(underscore) && !huskyWasSetUp) created.add(underscore);
  await runHusky(repo.root, layout.huskyRel);
  if (!huskyWasSetUp) {
    hooksPathRecord ??= { before: localBefore };
    actions.push({
      path: 'core.hooksPath',
      did: `${layout.hooksPath} (set by husky${setting.value ? `; it was ${setting.value}` : ''}): this clone is protected now`,
      changed: true,
    });
    if (setting.value) {
      notes.push(`hooks in ${setting.value} no longer run: move what they do into ${layout.huskyRel}/`);
    } else {
      const oldHooks = customHooks(join(repo.commonDir, 'hooks'));
      if (oldHooks.length > 0) {
        notes.push(
          `${oldHooks.map((h) => `.git/hooks/${h}`).join(', ')} no longer run${oldHooks.length === 1 ? 's' : ''} now that core.hooksPath is ${layout.hooksPath}: move what ${oldHooks.length === 1 ? 'it does' : 'they do'} into ${layout.huskyRel}/`,
        );
      }
    }
  } else {
    actions.push({ path: 'core.hooksPath', did: `${layout.hooksPath}; husky's ${layout.hooksPath}/ files refreshed`, changed: false });
  }

  for (const name of HOOK_NAMES) {
    const file = join(huskyDir, name);
    const before = existsSync(file) ? readFileSync(file, 'utf8') : null;
    const after = withBlock(before ?? '', huskyBlock(name, layout.bin));
    const path = display(repo.root, file);
    if (before === after) {
      actions.push({ path, did: 'already runs the guard', changed: false });
      continue;
    }
    if (before === null) created.add(file);
    writeFileSync(file, after);
    actions.push({
      path,
      did: before === null ? 'created; it runs the guard' : name === 'pre-commit' ? 'the guard added as its first command' : 'the guard added',
      changed: true,
    });
  }

  const pkgRel = display(repo.root, pkgFile);
  if (runsHusky(prepareBefore)) {
    actions.push({ path: pkgRel, did: `"prepare" already runs husky: ${prepareBefore}`, changed: false });
  } else {
    const after = prepareBefore ? `${prepareBefore} && ${layout.prepare}` : layout.prepare;
    if (scripts) scripts.prepare = after;
    else pkg.scripts = { prepare: after };
    const text = formatPackageJson(pkg, pkgText);
    prepareRecord ??= { before: prepareBefore ?? null, after, scriptsCreated: scripts === undefined, fileBefore: pkgText, fileAfter: text };
    writeFileSync(pkgFile, text);
    actions.push({ path: pkgRel, did: `"prepare": ${JSON.stringify(after)} (every clone sets the hooks up on npm install)`, changed: true });
  }

  const deps = { ...(pkg.dependencies as object), ...(pkg.devDependencies as object) } as Record<string, unknown>;
  if (!('alembic-guard' in deps)) {
    notes.push(`${pkgRel} does not list alembic-guard: the hooks run it from node_modules/.bin, so add it: ${layout.packageRel ? `cd ${shellPath(layout.packageRel)} && ` : ''}npm install --save-dev alembic-guard`);
  } else if (!existsSync(join(packageDir, 'node_modules', '.bin', 'alembic-guard'))) {
    notes.push(`node_modules/.bin/alembic-guard is missing: run ${layout.packageRel ? `cd ${shellPath(layout.packageRel)} && ` : ''}npm install`);
  }

  writeRecord(repo, {
    version: 1,
    mode: 'husky',
    packageDir,
    created: [...created].sort(),
    ...(prepareRecord ? { prepare: prepareRecord } : {}),
    ...(hooksPathRecord ? { hooksPath: hooksPathRecord } : {}),
  });
  const committed = [...HOOK_NAMES.map((name) => `${layout.huskyRel}/${name}`), pkgRel];
  return {
    mode: 'husky',
    title: `husky (${layout.packageRel ? `package.json in ${layout.packageRel}/` : 'package.json at the top'})`,
    actions,
    notes,
    footer: [
      `Commit ${committed.join(', ')} so that every clone gets the guard on npm install.`,
      'See what the hooks will do: alembic-guard doctor',
    ],
  };
}

/** Calls husky's own installer, which works on process.cwd(): run it at the top of the working tree. */
async function runHusky(root: string, dir: string): Promise<void> {
  const { default: husky } = await import('husky');
  const previous = process.cwd();
  process.chdir(root);
  let message: string;
  try {
    message = husky(dir);
  } finally {
    process.chdir(previous);
  }
  if (message) throw new GuardError(`husky did not set up the hooks: ${message.trim().split('\n')[0]}`);
}

// ---------------------------------------------------------------------------------------------
// uninstall

export async function uninstall(options: CliOptions): Promise<CommandResult> {
  parseMode(options.mode);
  const repo = await openRepo(options.cwd);
  const record = readRecord(repo);
  const actions: Action[] = [];
  const notes: string[] = [];

  // Plain hooks: wherever install wrote them, and wherever git looks now.
  const dirs = new Set<string>();
  if (record?.hooksDir) dirs.add(record.hooksDir);
  const active = await activeHooksDir(repo);
  if (!existsSync(join(active, 'h'))) dirs.add(active);
  for (const dir of dirs) removePlainHooks(repo, dir, actions, notes);

  // husky: the package install used, else the one this folder belongs to.
  const packageDir = record?.packageDir ?? findPackageDir(options.cwd, repo.root);
  if (packageDir && existsSync(join(packageDir, 'package.json'))) {
    await removeHusky(repo, huskyLayout(repo.root, packageDir), record?.mode === 'husky' ? record : null, actions, notes);
  }

  // The hooks' cache goes too; the bypass log stays, it is an audit trail.
  const cache = join(dirname(recordFile(repo)), 'cache');
  if (existsSync(cache)) {
    rmSync(cache, { recursive: true, force: true });
    actions.push({ path: relative(repo.root, cache) || cache, did: 'removed (the hooks\' cache)', changed: false });
  }
  const file = recordFile(repo);
  if (existsSync(file)) {
    unlinkSync(file);
    removeDirIfEmpty(dirname(file));
  }
  const outcome: Outcome = {
    mode: record?.mode ?? null,
    title: actions.some((a) => a.changed) ? 'removed' : 'nothing to remove',
    actions,
    notes,
    footer: actions.some((a) => a.changed) ? [] : ['alembic-guard is not installed in this repository.'],
  };
  return render(options, 'uninstall', outcome);
}

function removePlainHooks(repo: Repo, dir: string, actions: Action[], notes: string[]): void {
  for (const name of HOOK_NAMES) {
    const file = join(dir, name);
    const aside = userHookPath(file);
    const current = lstatOrNull(file);
    const ours = current?.isFile() && isPlainHook(readFileSync(file, 'utf8'));
    const path = display(repo.root, file);
    if (ours) {
      unlinkSync(file);
      actions.push({ path, did: 'removed', changed: true });
    }
    if (!lstatOrNull(aside)) continue;
    if (lstatOrNull(file)) {
      notes.push(`${path} was replaced by another hook since install; your earlier hook is still kept as ${display(repo.root, aside)}`);
      continue;
    }
    renameSync(aside, file);
    actions.push({ path, did: `your hook put back (from ${name}.alembic-guard-user)`, changed: true });
  }
}

async function removeHusky(
  repo: Repo,
  layout: HuskyLayout,
  record: InstallRecord | null,
  actions: Action[],
  notes: string[],
): Promise<void> {
  const huskyDir = join(repo.root, layout.huskyRel);
  const created = new Set(record?.created ?? []);
  for (const name of HOOK_NAMES) {
    const file = join(huskyDir, name);
    if (!existsSync(file)) continue;
    const before = readFileSync(file, 'utf8');
    const after = withoutBlock(before);
    if (after === before) continue;
    const path = display(repo.root, file);
    // A file install created, or one left empty without a record of it, goes; any other keeps
    // what was there before (byte for byte) and what was added since.
    if (after === '' && (created.has(file) || record === null)) {
      unlinkSync(file);
      actions.push({ path, did: 'removed (install had created it)', changed: true });
    } else {
      writeFileSync(file, after);
      actions.push({ path, did: 'the guard taken out', changed: true });
    }
  }

  const pkgFile = join(layout.packageDir, 'package.json');
  const pkgRel = display(repo.root, pkgFile);
  if (record?.prepare) {
    const text = readFileSync(pkgFile, 'utf8');
    const pkg = parsePackageJson(text, pkgRel);
    const scripts = pkg.scripts as Record<string, unknown> | undefined;
    const current = scripts?.prepare;
    const { before, after, scriptsCreated, fileBefore, fileAfter } = record.prepare;
    let restored: string | null | undefined;
    if (current === after) restored = before;
    else if (typeof current === 'string' && current.endsWith(` && ${layout.prepare}`)) {
      restored = current.slice(0, -` && ${layout.prepare}`.length);
    } else if (current === layout.prepare) restored = null;
    if (restored === undefined) {
      if (current !== undefined) notes.push(`${pkgRel} "prepare" was changed since install (${JSON.stringify(current)}); left as it is`);
    } else if (scripts) {
      if (restored === null) delete scripts.prepare;
      else scripts.prepare = restored;
      if (scriptsCreated && Object.keys(scripts).length === 0) delete pkg.scripts;
      writeFileSync(pkgFile, text === fileAfter ? fileBefore : formatPackageJson(pkg, text));
      actions.push({ path: pkgRel, did: restored === null ? '"prepare" removed' : `"prepare" back to ${JSON.stringify(restored)}`, changed: true });
    }
  } else if (record === null && actions.some((a) => a.changed)) {
    notes.push(`${pkgRel} "prepare" and core.hooksPath are left as they are (no install record in this clone)`);
  }

  if (record?.hooksPath) {
    const setting = await hooksPathSetting(repo);
    if (sameHooksPath(setting.value, layout.hooksPath)) {
      const { before } = record.hooksPath;
      if (before === null) await gitRaw(['config', '--unset', 'core.hooksPath'], { cwd: repo.root, okCodes: [5] });
      else await gitRaw(['config', 'core.hooksPath', before], { cwd: repo.root });
      actions.push({ path: 'core.hooksPath', did: before === null ? 'unset (husky had set it)' : `back to ${before}`, changed: true });
    }
  }
  // Folders husky or install created, deepest first: husky's generated `_`, then .husky if empty.
  for (const path of [...created].filter((p) => !HOOK_NAMES.some((n) => p === join(huskyDir, n))).sort().reverse()) {
    if (path === join(huskyDir, '_') && existsSync(path)) {
      rmSync(path, { recursive: true, force: true });
      actions.push({ path: display(repo.root, path), did: "removed (husky's generated files)", changed: true });
    } else if (path === huskyDir && removeDirIfEmpty(path)) {
      actions.push({ path: display(repo.root, path), did: 'removed (empty)', changed: true });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

function parseMode(mode: string | undefined): Mode | null {
  if (mode === undefined) return null;
  if (mode !== 'husky' && mode !== 'git') throw new GuardError(`--mode must be husky or git, not "${mode}"`);
  return mode;
}

function sameHooksPath(value: string | null, expected: string): boolean {
  return value !== null && value.replace(/\/+$/, '') === expected;
}

function lstatOrNull(path: string): Stats | null {
  return lstatSync(path, { throwIfNoEntry: false }) ?? null;
}

function writeHook(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o755 });
  chmodSync(file, 0o755); // the umask may have taken bits off
}

/** Hooks someone put in .git/hooks (git's own *.sample files aside). */
function customHooks(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => !name.endsWith('.sample'))
      .filter((name) => statSync(join(dir, name), { throwIfNoEntry: false })?.isFile())
      .sort();
  } catch {
    return [];
  }
}

function removeDirIfEmpty(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

function parsePackageJson(text: string, label: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(withoutBom(text)); // npm reads a package.json with a UTF-8 BOM
  } catch (error) {
    throw new GuardError(`${label}: invalid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GuardError(`${label}: not a JSON object`);
  return value as Record<string, unknown>;
}

/** Serialise package.json the way it was written: same indentation, same final newline. */
function formatPackageJson(pkg: Record<string, unknown>, original: string): string {
  const indent = /^([ \t]+)"/m.exec(original)?.[1] ?? '  ';
  const bom = original.startsWith('\uFEFF') ? '\uFEFF' : '';
  return bom + JSON.stringify(pkg, null, indent) + (original.endsWith('\n') ? '\n' : '');
}

export function readRecord(repo: Repo): InstallRecord | null {
  try {
    const value = JSON.parse(readFileSync(recordFile(repo), 'utf8')) as InstallRecord;
    return value && value.version === 1 && (value.mode === 'git' || value.mode === 'husky') ? value : null;
  } catch {
    return null;
  }
}

function writeRecord(repo: Repo, record: InstallRecord): void {
  const file = recordFile(repo);
  const text = `${JSON.stringify(record, null, 2)}\n`;
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function render(options: CliOptions, command: 'install' | 'uninstall', outcome: Outcome): CommandResult {
  if (options.format === 'json') {
    const json = {
      command,
      mode: outcome.mode,
      changed: outcome.actions.some((a) => a.changed),
      actions: outcome.actions,
      notes: outcome.notes,
    };
    return { text: `${JSON.stringify(json, null, 2)}\n`, exitCode: 0 };
  }
  const lines = [`alembic-guard ${command}: ${outcome.title}`];
  for (const action of outcome.actions) lines.push(`  ${action.changed ? '✔' : '·'} ${action.path}: ${action.did}`);
  for (const note of outcome.notes) lines.push(`  ⚠ ${note}`);
  if (outcome.footer.length) lines.push('', ...outcome.footer);
  return { text: `${lines.join('\n')}\n`, exitCode: 0 };
}
