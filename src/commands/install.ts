/**
 * install / uninstall: put the guard in front of `git commit`, `git merge` and `git push`, and
 * take it away again leaving the repository as it was.
 *
 * - With a package.json in the repository (at the top or in a sub-folder, chosen by
 *   project-package.ts whatever folder install runs in): through husky. Our block goes first in
 *   each .husky/<hook>; package.json gets the script that runs husky on the team's install
 *   (`prepare`, or `postinstall` under Yarn 2+) and husky and alembic-guard as devDependencies,
 *   so that a teammate's fresh clone is protected by the install they run anyway. husky itself
 *   is run now so this clone is protected at once.
 * - Without one (Python projects): plain hooks in the folder git runs hooks from. A hook already
 *   there is moved aside, byte for byte, and run by ours after the guard.
 *
 * A plain `install` keeps the mode that is installed; an explicit other `--mode` takes the old
 * one out and puts the new one in, in one run. Lines a person added to our hook files are never
 * dropped without --force: a re-install keeps them (plain hooks) or refuses with the diff.
 *
 * What was done is recorded in <git common dir>/alembic-guard/install.json, so uninstall undoes
 * exactly that and nothing else.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import type { CommandResult, InstallOptions } from '../command.js';
import { GuardError } from '../errors.js';
import { openRepo, type Repo } from '../git/repo.js';
import { gitRaw } from '../git/run.js';
import { blockText, huskyBlock, huskyLayout, type HuskyLayout, inFolder, isHuskyHooksPath, runsHusky, withBlock, withoutBlock } from '../hooks/husky.js';
import { renderPlainHook, thisRunner, userHookPath, withRunner } from '../hooks/plain.js';
import {
  huskyBlockIn,
  huskyEdited,
  lstatOrNull,
  moveAside,
  ownPlainHook,
  plainEdited,
  putBack,
  readHookText,
  removeHookFile,
  sha,
  writeHook,
  writeHookText,
} from '../hooks/files.js';
import { type InstallRecord, type Mode, readRecord, recordFile, removeRecord, writeRecord } from '../hooks/record.js';
import { QUIET_NOTE } from '../hooks/quiet-commit.js';
import { CHECKOUT_IDLE, HOOK_NAMES } from '../hooks/table.js';
import { activeHooksDir, hooksPathSetting } from '../hooks/where.js';
import { ownVersion } from '../own-package.js';
import { display, isInside, safeRealpath, toPosix } from '../paths.js';
import { addDevCommand, detectPackageManager, installCommand } from '../package-manager.js';
import { plugAndPlayRefusal } from '../report/messages.js';
import { choosePackage, formatPackageJson, type PackageChoice, parsePackageJson, recordedPackage } from '../project-package.js';
import { shellQuote } from '../report/quote.js';
import { importPackage } from '../packages.js';

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

/** A hook file or block of ours that a person changed: what install would write, what is there. */
interface Edit {
  path: string;
  ours: string;
  theirs: string;
}

// ---------------------------------------------------------------------------------------------
// install

export async function install(options: InstallOptions): Promise<CommandResult> {
  const repo = await openRepo(options.cwd);
  let previous = readRecord(repo);
  const requested = parseMode(options.mode);
  const installedPackage = previous?.mode === 'husky' ? recordedPackage(repo.root, previous) : null;
  const choice: PackageChoice =
    requested === 'git'
      ? { dir: null, reason: '--mode git' }
      : installedPackage
        ? { dir: installedPackage, reason: `${display(repo.root, join(installedPackage, 'package.json'))}, where it is installed` }
        : await choosePackage(repo, options.cwd);
  if (requested === 'husky' && choice.dir === null) {
    throw new GuardError(`--mode husky needs a package.json, and this repository has none (${choice.reason}); use --mode git for plain git hooks`);
  }
  // A plain install keeps the mode that is installed; only an explicit --mode switches.
  const mode: Mode = requested ?? previous?.mode ?? (choice.dir !== null ? 'husky' : 'git');
  if (mode === 'husky' && choice.dir === null) {
    throw new GuardError(
      `alembic-guard was installed here in husky mode, and ${display(repo.root, previous?.packageDir ?? '')}/package.json is gone: run \`alembic-guard install --mode git\`, or restore it`,
    );
  }
  const why = requested ? `--mode ${requested}` : previous ? `${mode} mode as installed; --mode ${mode === 'git' ? 'husky' : 'git'} switches` : choice.reason;

  const switching = previous !== null && previous.mode !== mode;
  // Edited hooks are found before anything is written, so a refusal leaves everything as it was.
  const edits = switching ? await uninstallEdits(repo, previous, options.cwd) : [];
  if (edits.length && !options.force) return refuseEdits('install', edits);

  const actions: Action[] = [];
  const notes: string[] = [];
  if (switching) {
    await removeAll(repo, previous, options.cwd, actions, notes);
    actions.push({ path: 'install.json', did: `${previous!.mode} mode taken out, switching to ${mode} mode`, changed: true });
    previous = null;
  }
  const outcome = mode === 'husky' ? await installHusky(repo, choice.dir!, why, previous, options) : await installGit(repo, why, previous, options);
  if (outcome.actions === null) return outcome.refusal;
  return render(options, 'install', { ...outcome, actions: [...actions, ...outcome.actions], notes: [...notes, ...outcome.notes] });
}

type Installed = (Outcome & { actions: Action[] }) | { actions: null; refusal: CommandResult };

async function installGit(repo: Repo, why: string, previous: InstallRecord | null, options: InstallOptions): Promise<Installed> {
  const setting = await hooksPathSetting(repo);
  if (setting.value !== null && setting.scope !== 'local' && setting.scope !== 'worktree') {
    throw new GuardError(
      `core.hooksPath is set in your ${setting.scope} git configuration (${setting.value}), so every repository on this machine runs hooks from there; alembic-guard will not write into it. Add \`alembic-guard check\` to that folder's pre-commit yourself, or give this repository its own: git config core.hooksPath .git/hooks`,
    );
  }
  const dir = await activeHooksDir(repo);
  if (isHuskyHooksPath(setting.value) || existsSync(join(dir, 'h'))) {
    throw new GuardError(
      `core.hooksPath is ${setting.value}: husky runs the hooks of this repository, and would overwrite plain hooks; install in husky mode (alembic-guard install --mode husky)`,
    );
  }
  if (previous?.hooksDir && previous.hooksDir !== dir) {
    throw new GuardError(
      `alembic-guard was installed in ${previous.hooksDir}, but git now runs hooks from ${dir}; run \`alembic-guard uninstall\` first, then install again`,
    );
  }
  const runner = thisRunner();
  const written = { ...(previous?.written ?? {}) };
  const edited: Edit[] = [];
  for (const name of HOOK_NAMES) {
    const file = join(dir, name);
    const text = ownPlainHook(file);
    if (text !== null && plainEdited(text, file, name, previous)) {
      edited.push({ path: display(repo.root, file), ours: withRunner(renderPlainHook(name, runner), runner), theirs: text });
    }
  }
  const actions: Action[] = [];
  const notes: string[] = [];
  const moved = new Set(previous?.movedAside ?? []);
  mkdirSync(dir, { recursive: true });
  for (const name of HOOK_NAMES) {
    const file = join(dir, name);
    const text = renderPlainHook(name, runner);
    const current = lstatOrNull(file);
    const own = ownPlainHook(file);
    const path = display(repo.root, file);
    if (own !== null) {
      const edit = edited.find((e) => e.path === path);
      // Lines a person added stay: only the node and CLI lines are refreshed (--force: rewritten).
      const next = edit && !options.force ? withRunner(own, runner) : text;
      const same = own === next && (current!.mode & 0o111) !== 0;
      if (!same) writeHook(file, next);
      // A file with a person's lines is not ours alone: uninstall will ask before dropping them.
      if (edit && !options.force) delete written[file];
      else written[file] = sha(next);
      actions.push({
        path,
        did: same
          ? edit && !options.force
            ? 'already runs the guard (with your edits, kept)'
            : 'already runs the guard'
          : edit && !options.force
            ? 'your edits kept; node and CLI paths refreshed (--force rewrites it whole)'
            : 'updated',
        changed: !same,
      });
      continue;
    }
    if (current) {
      const aside = userHookPath(file);
      if (lstatOrNull(aside)) {
        throw new GuardError(
          `${file} is not alembic-guard's, and ${aside} (a hook kept by an earlier install) is in the way: move one of them elsewhere, then run install again`,
        );
      }
      moveAside(file);
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
    written[file] = sha(text);
  }
  writeRecord(repo, {
    version: 1,
    mode: 'git',
    hooksDir: dir,
    movedAside: HOOK_NAMES.filter((name) => moved.has(name)),
    written,
  });
  if (isInside(dir, repo.root) && !isInside(dir, repo.commonDir) && !isInside(dir, repo.gitDir)) {
    notes.push(`${display(repo.root, dir)} is inside the working tree: the hooks written there name this machine's node and CLI; keep them out of commits`);
  }
  const shared = isInside(dir, repo.commonDir);
  return {
    mode: 'git',
    title: `plain git hooks in ${display(repo.root, dir)} (${why})`,
    actions,
    notes,
    footer: [
      `The hooks run ${shellQuote(runner.node)} ${shellQuote(runner.cli)}`,
      shared
        ? 'This clone and all its worktrees are protected now. Plain hooks are not committed: each clone runs `alembic-guard install` once (the CLI once per machine: npm install --global alembic-guard).'
        : 'This worktree is protected now. Plain hooks are not committed: each clone runs `alembic-guard install` once (the CLI once per machine: npm install --global alembic-guard).',
      "Teammates run, once in each fresh clone: npx --yes alembic-guard install   (until they do, their commits are not checked: CI's alembic-guard verify is the net that catches what an unprotected clone lets through)",
      'See what the hooks will do: alembic-guard doctor',
    ],
  };
}

async function installHusky(repo: Repo, packageDir: string, why: string, previous: InstallRecord | null, options: InstallOptions): Promise<Installed> {
  const pkgFile = join(packageDir, 'package.json');
  const pkgRel = display(repo.root, pkgFile);
  const pkgText = readFileSync(pkgFile, 'utf8');
  const pkg = parsePackageJson(pkgText, pkgRel);
  const pm = detectPackageManager(packageDir, repo.root, pkg);
  if (pm.plugAndPlay) throw new GuardError(plugAndPlayRefusal(display(repo.root, join(packageDir, '.yarnrc.yml'))));
  const layout = huskyLayout(repo.root, packageDir, installCommand(pm));
  const scripts = pkg.scripts as Record<string, unknown> | undefined;
  if (scripts !== undefined && (typeof scripts !== 'object' || scripts === null || Array.isArray(scripts))) {
    throw new GuardError(`${pkgRel}: "scripts" must be an object`);
  }
  const scriptName = pm.setupScript;
  const scriptBefore = scripts?.[scriptName];
  if (scriptBefore !== undefined && typeof scriptBefore !== 'string') {
    throw new GuardError(`${pkgRel}: "scripts.${scriptName}" must be a string`);
  }
  for (const key of ['dependencies', 'devDependencies']) {
    const value = pkg[key];
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new GuardError(`${pkgRel}: "${key}" must be an object`);
    }
  }
  const huskyDir = join(repo.root, layout.huskyRel);

  // Blocks a person edited are found before anything is written.
  const written = { ...(previous?.written ?? {}) };
  const edits: Edit[] = [];
  for (const name of HOOK_NAMES) {
    const file = join(huskyDir, name);
    const current = huskyBlockIn(file);
    if (current !== null && huskyEdited(current, file, name, layout, previous)) {
      edits.push({ path: display(repo.root, file), ours: huskyBlock(name, layout.bin), theirs: current });
    }
  }
  if (edits.length && !options.force) return { actions: null, refusal: refuseEdits('install', edits) };

  const created = new Set(previous?.created ?? []);
  // Re-running install keeps what the first run found (the state before alembic-guard).
  let prepareRecord = previous?.prepare;
  let hooksPathRecord = previous?.hooksPath;
  const addedDeps: Record<string, string> = { ...(previous?.devDependencies ?? {}) };
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
      did: `${layout.hooksPath} (set by husky${setting.value ? `; it was ${setting.value}` : ''})`,
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
    const before = readHookText(file);
    const block = huskyBlock(name, layout.bin);
    const after = withBlock(before ?? '', block);
    written[file] = sha(block);
    const path = display(repo.root, file);
    if (before === after) {
      actions.push({ path, did: 'already runs the guard', changed: false });
      continue;
    }
    if (before === null) created.add(file);
    writeHookText(file, after);
    const edited = edits.some((e) => e.path === path);
    actions.push({
      path,
      did:
        before === null
          ? 'created; it runs the guard'
          : edited
            ? 'the guard block rewritten (--force: your edits in it are gone)'
            : blockText(before) !== null
              ? 'the guard block updated'
              : 'the guard added as its first command',
      changed: true,
    });
  }

  // package.json: the script that runs husky on the team's install, and both packages it needs.
  let changedPkg = false;
  const otherScript = scriptName === 'prepare' ? 'postinstall' : 'prepare';
  let scriptAdded: { before: string | null; after: string; scriptsCreated: boolean } | null = null;
  if (runsHusky(scriptBefore)) {
    actions.push({ path: pkgRel, did: `"${scriptName}" already runs husky: ${scriptBefore}`, changed: false });
  } else if (scriptName === 'prepare' && runsHusky(scripts?.[otherScript] as string | undefined)) {
    // (Under Yarn 2+ a prepare that runs husky does not count: Yarn 2+ never runs it.)
    actions.push({ path: pkgRel, did: `"${otherScript}" already runs husky: ${scripts![otherScript] as string}`, changed: false });
  } else {
    const after = scriptBefore ? `${scriptBefore} && ${layout.prepare}` : layout.prepare;
    if (scripts) scripts[scriptName] = after;
    else pkg.scripts = { [scriptName]: after };
    changedPkg = true;
    scriptAdded = { before: scriptBefore ?? null, after, scriptsCreated: scripts === undefined };
    actions.push({
      path: pkgRel,
      did: `"${scriptName}": ${JSON.stringify(after)} (${pm.name} runs it on every install, which sets the hooks up${scriptName === 'postinstall' ? '; Yarn 2+ does not run "prepare"' : ''})`,
      changed: true,
    });
  }
  const deps = { ...(pkg.dependencies as object), ...(pkg.devDependencies as object) } as Record<string, unknown>;
  const wanted: [string, string][] = [
    ['alembic-guard', `^${ownVersion()}`],
    ['husky', `^${huskyVersion()}`],
  ];
  const adding = wanted.filter(([name]) => !(name in deps));
  if (adding.length) {
    pkg.devDependencies = withEntries((pkg.devDependencies as Record<string, unknown>) ?? {}, adding);
    for (const [name, range] of adding) addedDeps[name] = range;
    changedPkg = true;
    actions.push({
      path: pkgRel,
      did: `devDependencies: ${adding.map(([n, r]) => `"${n}": "${r}"`).join(', ')} (the hooks run them from node_modules${pm.name === 'pnpm' ? '; pnpm links only direct dependencies' : ''})`,
      changed: true,
    });
  } else {
    actions.push({ path: pkgRel, did: 'devDependencies already list alembic-guard and husky', changed: false });
  }
  if (changedPkg) {
    const text = formatPackageJson(pkg, pkgText);
    writeFileSync(pkgFile, text);
    // The first install's "before" stays: uninstall puts back the file as it was before any.
    prepareRecord = prepareRecord
      ? { ...prepareRecord, fileAfter: text }
      : { script: scriptName, ...(scriptAdded ?? { before: null, after: '', scriptsCreated: false }), fileBefore: pkgText, fileAfter: text };
  }

  writeRecord(repo, {
    version: 1,
    mode: 'husky',
    packageDir,
    packageRel: layout.packageRel,
    created: [...created].sort(),
    ...(prepareRecord ? { prepare: prepareRecord } : {}),
    ...(Object.keys(addedDeps).length ? { devDependencies: addedDeps } : {}),
    ...(hooksPathRecord ? { hooksPath: hooksPathRecord } : {}),
    written,
  });

  // Commands as typed where install runs.
  const here = toPosix(relative(safeRealpath(options.cwd), safeRealpath(packageDir)));
  const installHere = inFolder(here, installCommand(pm));
  const lockfile = display(repo.root, join(packageDir, pm.lockfile));
  const localBin = existsSync(join(repo.root, layout.bin.local));
  const committed = [...HOOK_NAMES.map((name) => `${layout.huskyRel}/${name}`), pkgRel, lockfile];
  const footer = [
    `Package manager: ${pm.name}${pm.berry ? ' (Yarn 2+)' : ''} (${pm.reason}).`,
    // Two lockfiles: npm's was not expected here. Say which command this project uses instead.
    ...(pm.stray
      ? [
          `⚠ ${display(repo.root, join(packageDir, pm.stray))} sits beside ${lockfile}: npm wrote it (npm install --save-dev?), and this project uses ${pm.name}. Remove it, and add packages the ${pm.name} way: rm ${shellQuote(display(repo.root, join(packageDir, pm.stray)))} && ${inFolder(here, addDevCommand(pm, ['alembic-guard']))}`,
        ]
      : []),
    changedPkg || !localBin ? `Next: ${installHere}   (installs alembic-guard and husky and updates ${lockfile})` : `Up to date: ${installHere} installs them.`,
    `Then commit ${committed.map(shellQuote).join(' ')}: every teammate's ${installCommand(pm)} sets the hooks up, nothing else to run.`,
    'See what the hooks will do: alembic-guard doctor',
  ];
  if (!localBin) {
    notes.push(
      `${layout.bin.local} is not installed yet: until \`${installHere}\` runs, the hooks use an alembic-guard on PATH, and refuse every commit when there is none`,
    );
  }
  return {
    mode: 'husky',
    title: `husky (${why})`,
    actions,
    notes,
    footer,
  };
}

/** Calls husky's own installer, which works on process.cwd(): run it at the top of the working tree. */
async function runHusky(root: string, dir: string): Promise<void> {
  const { default: husky } = await importPackage<typeof import('husky')>('husky');
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

export async function uninstall(options: InstallOptions): Promise<CommandResult> {
  parseMode(options.mode);
  const repo = await openRepo(options.cwd);
  const record = readRecord(repo);
  const edits = await uninstallEdits(repo, record, options.cwd);
  if (edits.length && !options.force) return refuseEdits('uninstall', edits);
  const actions: Action[] = [];
  const notes: string[] = [];
  await removeAll(repo, record, options.cwd, actions, notes);

  // The hooks' cache goes too; the bypass log stays, it is an audit trail.
  const cache = join(dirname(recordFile(repo)), 'cache');
  if (existsSync(cache)) {
    rmSync(cache, { recursive: true, force: true });
    actions.push({ path: relative(repo.root, cache) || cache, did: "removed (the hooks' cache)", changed: false });
  }
  // post-checkout's note that no development database is configured, and pre-commit's note of
  // the last check that passed (the quiet commit): part of that cache.
  rmSync(join(repo.gitDir, CHECKOUT_IDLE), { force: true });
  rmSync(join(repo.gitDir, QUIET_NOTE), { force: true });
  removeDirIfEmpty(dirname(join(repo.gitDir, CHECKOUT_IDLE)));
  if (removeRecord(repo)) removeDirIfEmpty(dirname(recordFile(repo)));
  const outcome: Outcome = {
    mode: record?.mode ?? null,
    title: actions.some((a) => a.changed) ? 'removed' : 'nothing to remove',
    actions,
    notes,
    footer: actions.some((a) => a.changed) ? [] : ['alembic-guard is not installed in this repository.'],
  };
  return render(options, 'uninstall', outcome);
}

/** Where uninstall looks: the plain hook folders and the package.json it would clean up. */
async function uninstallTargets(repo: Repo, record: InstallRecord | null, cwd: string): Promise<{ dirs: string[]; packageDir: string | null }> {
  const dirs = new Set<string>();
  if (record?.hooksDir) dirs.add(record.hooksDir);
  const active = await activeHooksDir(repo);
  if (!existsSync(join(active, 'h'))) dirs.add(active);
  let packageDir = recordedPackage(repo.root, record);
  if (!packageDir && !record) {
    try {
      packageDir = (await choosePackage(repo, cwd)).dir;
    } catch {
      packageDir = null;
    }
  }
  return { dirs: [...dirs], packageDir };
}

/** Hook files and blocks of ours that a person edited since install wrote them. */
async function uninstallEdits(repo: Repo, record: InstallRecord | null, cwd: string): Promise<Edit[]> {
  const { dirs, packageDir } = await uninstallTargets(repo, record, cwd);
  const edits: Edit[] = [];
  for (const dir of dirs) {
    for (const name of HOOK_NAMES) {
      const file = join(dir, name);
      const text = ownPlainHook(file);
      if (text !== null && plainEdited(text, file, name, record)) {
        edits.push({ path: display(repo.root, file), ours: renderPlainHook(name, thisRunner()), theirs: text });
      }
    }
  }
  if (packageDir) {
    const layout = huskyLayout(repo.root, packageDir);
    for (const name of HOOK_NAMES) {
      const file = join(repo.root, layout.huskyRel, name);
      const block = huskyBlockIn(file);
      if (block !== null && huskyEdited(block, file, name, layout, record)) {
        edits.push({ path: display(repo.root, file), ours: huskyBlock(name, layout.bin), theirs: block });
      }
    }
  }
  return edits;
}

async function removeAll(repo: Repo, record: InstallRecord | null, cwd: string, actions: Action[], notes: string[]): Promise<void> {
  const { dirs, packageDir } = await uninstallTargets(repo, record, cwd);
  for (const dir of dirs) removePlainHooks(repo, dir, actions, notes);
  if (packageDir) {
    await removeHusky(repo, huskyLayout(repo.root, packageDir), record?.mode === 'husky' ? record : null, actions, notes);
  }
}

function removePlainHooks(repo: Repo, dir: string, actions: Action[], notes: string[]): void {
  for (const name of HOOK_NAMES) {
    const file = join(dir, name);
    const aside = userHookPath(file);
    const path = display(repo.root, file);
    if (ownPlainHook(file) !== null) {
      removeHookFile(file);
      actions.push({ path, did: 'removed', changed: true });
    }
    if (!lstatOrNull(aside)) continue;
    if (lstatOrNull(file)) {
      notes.push(`${path} was replaced by another hook since install; your earlier hook is still kept as ${display(repo.root, aside)}`);
      continue;
    }
    putBack(file);
    actions.push({ path, did: `your hook put back (from ${name}.alembic-guard-user)`, changed: true });
  }
}

async function removeHusky(repo: Repo, layout: HuskyLayout, record: InstallRecord | null, actions: Action[], notes: string[]): Promise<void> {
  const huskyDir = join(repo.root, layout.huskyRel);
  const created = new Set(record?.created ?? []);
  for (const name of HOOK_NAMES) {
    const file = join(huskyDir, name);
    const before = readHookText(file);
    if (before === null) continue;
    const after = withoutBlock(before);
    if (after === before) continue;
    const path = display(repo.root, file);
    // A file install created, or one left empty without a record of it, goes; any other keeps
    // what was there before (byte for byte) and what was added since.
    if (after === '' && (created.has(file) || record === null)) {
      removeHookFile(file);
      actions.push({ path, did: 'removed (install had created it)', changed: true });
    } else {
      writeHookText(file, after);
      actions.push({ path, did: 'the guard taken out', changed: true });
    }
  }

  const pkgFile = join(layout.packageDir, 'package.json');
  const pkgRel = display(repo.root, pkgFile);
  if (record?.prepare || record?.devDependencies) {
    const text = readFileSync(pkgFile, 'utf8');
    const pkg = parsePackageJson(text, pkgRel);
    const scripts = pkg.scripts as Record<string, unknown> | undefined;
    let changed = false;
    if (record.prepare && record.prepare.before !== record.prepare.after) {
      const scriptName = record.prepare.script ?? 'prepare';
      const current = scripts?.[scriptName];
      const { before, after, scriptsCreated } = record.prepare;
      let restored: string | null | undefined;
      if (current === after) restored = before;
      else if (typeof current === 'string' && current.endsWith(` && ${layout.prepare}`)) {
        restored = current.slice(0, -` && ${layout.prepare}`.length);
      } else if (current === layout.prepare) restored = null;
      if (restored === undefined) {
        if (current !== undefined) notes.push(`${pkgRel} "${scriptName}" was changed since install (${JSON.stringify(current)}); left as it is`);
      } else if (scripts) {
        if (restored === null) delete scripts[scriptName];
        else scripts[scriptName] = restored;
        if (scriptsCreated && Object.keys(scripts).length === 0) delete pkg.scripts;
        changed = true;
        actions.push({
          path: pkgRel,
          did: restored === null ? `"${scriptName}" removed` : `"${scriptName}" back to ${JSON.stringify(restored)}`,
          changed: true,
        });
      }
    }
    const devDeps = pkg.devDependencies as Record<string, unknown> | undefined;
    const removed: string[] = [];
    for (const [name, range] of Object.entries(record.devDependencies ?? {})) {
      if (devDeps?.[name] === range) {
        delete devDeps[name];
        removed.push(name);
      }
    }
    if (removed.length) {
      if (devDeps && Object.keys(devDeps).length === 0 && !/"devDependencies"/.test(record.prepare?.fileBefore ?? '"devDependencies"'))
        delete pkg.devDependencies;
      changed = true;
      actions.push({
        path: pkgRel,
        did: `devDependencies: ${removed.join(', ')} removed (install had added ${removed.length === 1 ? 'it' : 'them'}); your package manager's install updates the lockfile`,
        changed: true,
      });
    }
    if (changed) {
      const { fileBefore, fileAfter } = record.prepare ?? { fileBefore: '', fileAfter: null };
      writeFileSync(pkgFile, text === fileAfter ? fileBefore : formatPackageJson(pkg, text));
    }
  } else if (record === null && actions.some((a) => a.changed)) {
    notes.push(`${pkgRel} scripts, devDependencies and core.hooksPath are left as they are (no install record in this clone)`);
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
  for (const path of [...created]
    .filter((p) => !HOOK_NAMES.some((n) => p === join(huskyDir, n)))
    .sort()
    .reverse()) {
    if (path === join(huskyDir, '_') && existsSync(path)) {
      rmSync(path, { recursive: true, force: true });
      actions.push({ path: display(repo.root, path), did: "removed (husky's generated files)", changed: true });
    } else if (path === huskyDir && removeDirIfEmpty(path)) {
      actions.push({ path: display(repo.root, path), did: 'removed (empty)', changed: true });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Hooks a person edited

function refuseEdits(command: 'install' | 'uninstall', edits: Edit[]): CommandResult {
  const lines = [
    `alembic-guard ${command}: refused: ${edits.length === 1 ? 'a hook' : 'hooks'} of alembic-guard ${edits.length === 1 ? 'has' : 'have'} lines you edited, which ${command} would drop`,
  ];
  for (const edit of edits) {
    lines.push('', `--- ${edit.path} (as alembic-guard ${command === 'install' ? 'writes it' : 'wrote it'})`, `+++ ${edit.path} (as it is now)`);
    lines.push(...lineDiff(edit.ours, edit.theirs));
  }
  lines.push(
    '',
    command === 'install'
      ? 'Move your lines outside the alembic-guard block (they are kept there), or run `alembic-guard install --force` to rewrite it.'
      : 'Keep a copy of your lines, then run `alembic-guard uninstall --force`; or leave the hook as it is.',
  );
  return { text: `${lines.join('\n')}\n`, exitCode: 2, stream: 'stderr' };
}

/** The lines that differ, `-` ours and `+` theirs, in order (a longest-common-subsequence diff). */
export function lineDiff(ours: string, theirs: string): string[] {
  const a = ours.split('\n');
  const b = theirs.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i += 1;
      j += 1;
    } else if (j < b.length && (i === a.length || lcs[i][j + 1] >= lcs[i + 1][j])) out.push(`+${b[j++]}`);
    else out.push(`-${a[i++]}`);
  }
  return out;
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

/** The version of the running alembic-guard (its package.json beside dist/). */
/** The version of the husky this alembic-guard runs (its exports hide package.json). */
function huskyVersion(): string {
  const entry = createRequire(import.meta.url).resolve('husky');
  return (JSON.parse(readFileSync(join(dirname(entry), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The object with entries added: in order when its keys were sorted (as npm keeps them), else at the end. */
function withEntries(object: Record<string, unknown>, entries: [string, string][]): Record<string, unknown> {
  const keys = Object.keys(object);
  const sorted = keys.every((key, i) => i === 0 || keys[i - 1].localeCompare(key, 'en') <= 0);
  const all = [...Object.entries(object), ...entries];
  if (sorted) all.sort(([x], [y]) => x.localeCompare(y, 'en'));
  return Object.fromEntries(all);
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

function render(options: InstallOptions, command: 'install' | 'uninstall', outcome: Outcome): CommandResult {
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
