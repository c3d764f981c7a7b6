/**
 * doctor: what alembic-guard found in this repository, and whether the hooks will run in *this*
 * worktree on the next commit. Every problem comes with the command that fixes it.
 * Exit 0 when the guard will run on the next commit, 1 when it will not.
 *
 * Why per worktree: core.hooksPath is shared by all worktrees of a clone, but a relative one is
 * resolved against each worktree's top (githooks(5)); husky's generated `.husky/_` is gitignored,
 * so a fresh clone or `git worktree add` has no hooks at all until `npm install` runs husky.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import pc from 'picocolors';
import type { CommandResult, GlobalOptions } from '../command.js';
import { GuardError } from '../errors.js';
import { compareConfig, isConfigFile } from '../alembic/settings.js';
import { stagedBlobs } from '../git/objects.js';
import { openRepo, type Repo } from '../git/repo.js';
import { ignoreSources, status } from '../git/status.js';
import { frameworkConfigured, isPreCommitFrameworkHook } from '../hooks/framework.js';
import { keptUserHook, readHookText } from '../hooks/files.js';
import { BLOCK_BEGIN, blockBin, inFolder, isHuskyHooksPath, isHuskyStub, mentionsGuard } from '../hooks/husky.js';
import { readRecord } from '../hooks/record.js';
import { embeddedRunner, isPlainHook } from '../hooks/plain.js';
import { HOOK_COMMANDS, HOOK_NAMES, HOOK_SPECS, type HookName, HOOK_VERBS } from '../hooks/table.js';
import { activeHooksDir, hooksPathSetting, type HooksPathSetting } from '../hooks/where.js';
import { display } from '../paths.js';
import type { GraphLayout } from '../alembic/graph.js';
import { loadGraphs } from '../alembic/sources.js';
import { detectPackageManager, installCommand } from '../package-manager.js';
import { parsePackageJson } from '../project-package.js';
import { describe, describeLayout, devDatabaseLine, NO_ENVIRONMENT } from '../report/messages.js';
import { escapeControls, shellPath, shellQuote, shellUnquote, showName } from '../report/quote.js';
import { openWorkspace, type Workspace } from '../workspace.js';
import type { DevDatabaseState } from './database.js';

type Severity = 'error' | 'warning' | 'info';

export interface Problem {
  severity: Severity;
  /** The hook it concerns, or null for the repository as a whole. */
  hook: HookName | null;
  message: string;
  /** The exact command (or step) that fixes it. */
  fix: string | null;
}

export interface HookReport {
  name: HookName;
  /** The file git runs for this hook in this worktree. */
  file: string;
  /** What that file is. */
  kind: 'missing' | 'not-executable' | 'plain' | 'husky' | 'pre-commit-framework' | 'other';
  /** Does it run alembic-guard? */
  guarded: boolean;
  /** husky: the script the generated stub runs (.husky/<name>). */
  script: string | null;
  /** How the hook reaches the CLI, when it does: a command line. */
  runs: string | null;
  /** plain: a hook kept from before install, run after the guard. */
  userHook: string | null;
}

interface Context {
  repo: Repo;
  hooksDir: string;
  setting: HooksPathSetting;
  problems: Problem[];
}

// ---------------------------------------------------------------------------------------------
// The words doctor shows, with the command that fixes each problem.

/** What is lost without this hook. */
function unguarded(name: HookName): string {
  return HOOK_SPECS[name].warnOnly
    ? 'after a branch switch, nothing warns when the development database is at a revision the checkout lacks'
    : HOOK_SPECS[name].bypassOnly
      ? "a commit made with ALEMBIC_GUARD_SKIP carries no Alembic-Guard-Bypass trailer, so CI's verify --base cannot list it"
      : `nothing runs the guard before a ${HOOK_VERBS[name]}`;
}

const SAY = {
  noHooksDir: (dir: string) => `git runs hooks from ${dir}, which does not exist: no hook runs`,
  huskyDirMissing: (dir: string) =>
    `husky's ${dir}/ is missing in this worktree, so git finds no hooks and nothing is checked: husky generates it (gitignored) when npm install runs its prepare script, and a fresh clone or \`git worktree add\` has none until then`,
  huskyDirFix: (install: string) => `${install}   (or: npx alembic-guard install)`,
  missing: (name: HookName, file: string) => `no ${name} hook (${file}): ${unguarded(name)}`,
  install: 'npx alembic-guard install   (or alembic-guard install, if it is on PATH)',
  notExecutable: (name: HookName, file: string) => `${file} is not executable, so git ignores it: the ${name} hook does not run`,
  huskyRunnerMissing: (file: string) => `husky's ${file} is missing: its hooks fail`,
  huskyScriptMissing: (name: HookName, script: string) => `husky runs ${script} for ${name}, and it does not exist: ${unguarded(name)}`,
  notGuarded: (name: HookName, file: string) => `${file} does not run alembic-guard: ${unguarded(name)}`,
  notGuardedFix: 'alembic-guard install   (a hook that is there is kept and still runs)',
  binMissing: (name: HookName, bin: string) =>
    `the hook runs ${bin}, which is not installed in this worktree, and no alembic-guard is on PATH: ${HOOK_SPECS[name].warnOnly ? 'it stays silent' : `it refuses every ${HOOK_SPECS[name].bypassOnly ? 'bypassed ' : ''}${HOOK_VERBS[name]}`} until one is`,
  binFallback: (bin: string, onPath: string) =>
    `${bin} is not installed in this worktree: the hook falls back to alembic-guard on PATH (${onPath}), which may not be the project's version`,
  frameworkNoHook: (name: HookName, id: string) => `the pre-commit framework runs ${name}, and .pre-commit-config.yaml has no ${id} hook`,
  frameworkFix: (id: string) => `add the ${id} hook of alembic-guard to .pre-commit-config.yaml, or run: alembic-guard install`,
  frameworkHookType: (name: HookName) => `pre-commit install --hook-type ${name}   (or list ${name} in default_install_hook_types of .pre-commit-config.yaml)`,
  frameworkCaveat: 'under the pre-commit framework only untracked and ignored migrations are caught: it stashes unstaged changes before its hooks run',
  runnerGone: 'the hook cannot find alembic-guard (neither the node and CLI it names, nor node, alembic-guard or npx on PATH): it refuses every commit',
  runnerGoneFix: 'npm install -g alembic-guard && alembic-guard install',
  runnerFallback: (what: string, fallback: string) => `${what} no longer exists; the hook falls back to ${fallback}`,
  npxCache: (cli: string) => `the hook runs ${cli}, in npx's cache, which npm may clean at any time`,
  userHook: (name: HookName, file: string, runs: boolean) =>
    runs
      ? `your earlier ${name} hook runs after the guard: ${file}`
      : `your earlier ${name} hook (${file}) is not executable, so it does not run (git would not have run it either)`,
  huskyOff: 'HUSKY=0 is set in this environment: husky skips every hook while it is',
  huskyOffFix: 'unset HUSKY',
  noNode: 'node is not on PATH here: the husky hooks run alembic-guard with node from PATH, so they fail',
  guiPath: (initFile: string) =>
    `git GUI clients and editors may start hooks without your shell's PATH; if one reports "node: not found", set PATH in ${initFile} (husky sources it before every hook)`,
  initFix: (nodeDir: string, initFile: string) =>
    // The line written is `export PATH=<dir>:"$PATH"`, the directory quoted for the hook's shell and
    // the whole line quoted again for the shell it is pasted into.
    `mkdir -p ${shellPath(dirname(initFile))} && printf '%s\\n' ${shellQuote(`export PATH=${shellQuote(nodeDir)}:"$PATH"`)} >> ${shellPath(initFile)}`,
  configError: (message: string) => `the configuration cannot be used, so every commit is refused with: ${message}`,
  configFix: 'correct the file and key named above (alembic-guard doctor shows the result)',
  noEnvironment: NO_ENVIRONMENT.replace(/ \(run .*\)$/, ''),
  noEnvironmentFix: 'set "locations" (the versions directories) in .alembic-guard.json, package.json "alembic-guard" or pyproject.toml [tool.alembic-guard]',
  unresolved: (source: string, location: string, reason: string) => `${source}: cannot resolve ${location}: ${reason}`,
  skipped: (source: string, reason: string) => `${source}: ${reason}`,
  globalHooksPath: (scope: string, value: string) =>
    `core.hooksPath comes from your ${scope} git configuration (${value}): every repository on this machine runs hooks from there`,
  ignoredConfig: (path: string, by: string | null) =>
    `${path} is ignored by git${by ? ` (${by})` : ''}: it stays on this machine, as a file holding a database URL should; the guard reads it from the working tree and does not ask to commit it`,
  localConfig: (path: string, keys: string[]) =>
    `${path} has local changes that are not staged (${keys.join(', ') || 'comments or layout'}): they do not change which scripts Alembic loads, so they block no commit; keep them out of commits`,
  willRun: 'The guard will run on the next commit in this worktree.',
  python: (command: string, version: string) => `migrations and env.py are judged by Python ${version}'s compile() (${command}; compile only, never run)`,
  noPython: (command: string | null) =>
    command
      ? `${command} does not run as Python 3: only alembic-guard's static reader checks the migrations' syntax (conflict markers are still found)`
      : "no Python found (no .venv, no python3 on PATH): only alembic-guard's static reader checks the migrations' syntax (conflict markers are still found)",
  pythonOff: "ALEMBIC_GUARD_PYTHON turns Python's compile() off: only alembic-guard's static reader checks the migrations' syntax",
  noPythonFix: "set ALEMBIC_GUARD_PYTHON to the project's interpreter (its venv's bin/python)",
  unprotected: 'This clone has no alembic-guard hook: commits here are not checked (only CI would catch a left-behind migration).',
  wouldBlock: (reasons: string) => `The next commit would be blocked: ${reasons}`,
  wouldPass: 'The next commit would pass the check (as the files and index are now).',
  checkFailed: (message: string) => `The check the hook runs fails here, so the next commit would be refused: ${message}`,
  notFound: 'runs the guard, but it cannot be found',
  checkFix: "alembic-guard check   (the hook's full report, with the commands that fix it)",
  wontRun: 'The guard will NOT run on the next commit in this worktree: fix the problems marked ✖ above.',
};

// ---------------------------------------------------------------------------------------------

export async function doctor(options: GlobalOptions): Promise<CommandResult> {
  const repo = await openRepo(options.cwd);
  const problems: Problem[] = [];
  let ws: Workspace | null = null;
  let python: { command: string; version: string } | null = null;
  try {
    ws = await openWorkspace(options.cwd);
  } catch (error) {
    if (!(error instanceof GuardError)) throw error;
    problems.push({ severity: 'error', hook: null, message: SAY.configError(error.message), fix: SAY.configFix });
  }
  if (ws) {
    if (ws.discovery.environments.length === 0) {
      problems.push({ severity: 'warning', hook: null, message: SAY.noEnvironment, fix: SAY.noEnvironmentFix });
    }
    for (const s of ws.discovery.skipped) {
      problems.push({ severity: 'info', hook: null, message: SAY.skipped(s.source, s.reason), fix: null });
    }
    for (const u of ws.discovery.unresolved) {
      problems.push({ severity: u.missing ? 'error' : 'warning', hook: null, message: SAY.unresolved(u.source, u.location, u.reason), fix: null });
    }
    problems.push(...(await localConfigNotes(ws)));
    if (ws.discovery.environments.length > 0) {
      // Which Python's compile() judges the migrations, and whether it runs (a stale shim would
      // turn the check off without a word).
      const { choosePython, pythonVersion } = await import('../alembic/compile.js');
      const chosen = choosePython(
        ws.repo.root,
        ws.discovery.environments.flatMap((env) => env.versions),
      );
      const version = chosen ? await pythonVersion(chosen) : null;
      python = chosen && version ? { command: chosen.command, version } : null;
      const asked = process.env.ALEMBIC_GUARD_PYTHON;
      const off = asked === '0' || asked === 'off';
      problems.push(
        chosen && version
          ? { severity: 'info', hook: null, message: SAY.python(chosen.command, version), fix: null }
          : off
            ? { severity: 'info', hook: null, message: SAY.pythonOff, fix: null }
            : { severity: 'warning', hook: null, message: SAY.noPython(chosen?.command ?? asked ?? null), fix: SAY.noPythonFix },
      );
    }
  }

  const setting = await hooksPathSetting(repo);
  const hooksDir = await activeHooksDir(repo);
  const ctx: Context = { repo, hooksDir, setting, problems };
  if (setting.value !== null && setting.scope !== 'local' && setting.scope !== 'worktree') {
    problems.push({ severity: 'info', hook: null, message: SAY.globalHooksPath(setting.scope ?? 'other', setting.value), fix: null });
  }
  const hooks = inspectHooks(ctx);
  const node = nodeReport(ctx, hooks);
  const willRun = !problems.some((p) => p.severity === 'error');
  const nextCommit = ws ? await nextCommitCheck(options.cwd) : null;
  const order: Severity[] = ['error', 'warning', 'info'];
  problems.sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity));

  // Which rule judges each environment's files (one graph, alternative trees…), from the index.
  const layouts = new Map<string, GraphLayout>();
  if (ws && ws.discovery.environments.length > 0) {
    try {
      for (const g of await loadGraphs(ws.repo, ws.discovery.environments, { kind: 'index' }))
        if (g.graph.layout) layouts.set(g.environment.name, g.graph.layout);
    } catch {
      // doctor reports the setup; a graph it cannot read is check's to report
    }
  }
  const record = readRecord(repo);
  const linked = repo.gitDir !== repo.commonDir;
  // Read only when one is configured for development (src/db/dev.ts); a failure is a line, not an exit.
  const development = ws ? await (await import('./database.js')).devDatabaseState(ws, 3000) : null;
  const data = {
    schemaVersion: 1,
    command: 'doctor',
    // Whatever doctor marks ✖ (a hook that will not run, the next commit blocked) exits 1.
    ok: willRun && !nextCommit?.blocked,
    exitCode: willRun && !nextCommit?.blocked ? 0 : 1,
    repository: { root: repo.root, gitDir: repo.gitDir, commonDir: repo.commonDir, linkedWorktree: linked },
    configuration: ws ? ws.config.source : null,
    origin: ws ? ws.discovery.origin : null,
    environments: (ws?.discovery.environments ?? []).map((env) => ({
      name: env.name,
      source: env.source,
      scriptDir: env.scriptDir,
      versions: env.versions,
      envFiles: env.envFiles,
      outside: env.outside,
      layout: layouts.get(env.name) ?? null,
    })),
    unresolved: ws?.discovery.unresolved ?? [],
    skipped: ws?.discovery.skipped ?? [],
    developmentDatabase: development,
    python,
    hooksPath: { value: setting.value, scope: setting.scope, dir: hooksDir, exists: existsSync(hooksDir) },
    installed: record ? { mode: record.mode } : null,
    hooks: Object.fromEntries(hooks.map((h) => [h.name, h])),
    node,
    problems,
    nextCommit,
  };
  if (options.format === 'json') return { text: `${JSON.stringify(data, null, 2)}\n`, exitCode: data.exitCode };
  return { text: renderDoctor(repo, ws, data, hooks, problems, willRun, nextCommit, development), exitCode: data.exitCode };
}

interface NextCommit {
  /** Would the pre-commit hook's check refuse the commit as things are now? */
  blocked: boolean;
  /** What it would say: one line per blocking finding, or the error it stops with. */
  reasons: string[];
}

/** The check the pre-commit hook runs, run now on this worktree and its index (read-only). */
async function nextCommitCheck(cwd: string): Promise<NextCommit> {
  try {
    const { check } = await import('./check.js');
    const { blocking } = await import('../report/verdict.js');
    const found = blocking(await check(cwd));
    return { blocked: found.length > 0, reasons: found.map((f) => describe(f)) };
  } catch (error) {
    if (!(error instanceof GuardError)) throw error;
    return { blocked: true, reasons: [SAY.checkFailed(error.message)] };
  }
}

/**
 * Configuration files kept local on purpose (ignored, or with an unstaged database URL): the hooks
 * stay silent about them, so doctor says once that they were seen.
 */
async function localConfigNotes(ws: Workspace): Promise<Problem[]> {
  const files = [...new Set(ws.discovery.environments.flatMap((env) => env.envFiles).filter(isConfigFile))];
  if (files.length === 0) return [];
  const entries = await status(ws.repo, files);
  const notes: Problem[] = [];
  const ignored = entries.filter((e) => e.kind === 'ignored').map((e) => e.path);
  const sources = await ignoreSources(ws.repo, ignored);
  for (const path of ignored) {
    const by = sources.get(path);
    notes.push({ severity: 'info', hook: null, message: SAY.ignoredConfig(path, by ? `${by.source}:${by.line}: ${by.pattern}` : null), fix: null });
  }
  const edited = entries.filter((e) => e.kind === 'changed' && e.y === 'M').map((e) => e.path);
  const staged = await stagedBlobs(ws.repo, edited);
  for (const path of edited) {
    const before = staged.get(path);
    const after = readOrNull(join(ws.repo.root, path));
    if (!before || after === null) continue;
    const change = await compareConfig(path, before.toString('utf8'), after);
    // A change to what Alembic loads is a finding of check itself; here only the local kind.
    if (change.loading.length === 0) notes.push({ severity: 'info', hook: null, message: SAY.localConfig(path, change.other), fix: null });
  }
  return notes;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function inspectHooks(ctx: Context): HookReport[] {
  const { repo, hooksDir, setting, problems } = ctx;
  const shown = display(repo.root, hooksDir);
  if (!existsSync(hooksDir)) {
    if (isHuskyHooksPath(setting.value)) {
      const huskyRel = posix.dirname(setting.value!.replace(/\/+$/, ''));
      const packageRel = posix.dirname(huskyRel);
      problems.push({
        severity: 'error',
        hook: null,
        message: SAY.huskyDirMissing(shown),
        fix: SAY.huskyDirFix(installIn(repo, packageRel === '.' ? '' : packageRel)),
      });
    } else {
      problems.push({ severity: 'error', hook: null, message: SAY.noHooksDir(shown), fix: SAY.install });
    }
    return HOOK_NAMES.map((name) => ({
      name,
      file: join(hooksDir, name),
      kind: 'missing',
      guarded: false,
      script: null,
      runs: null,
      userHook: null,
    }));
  }
  return HOOK_NAMES.map((name) => inspectHook(ctx, name));
}

function inspectHook(ctx: Context, name: HookName): HookReport {
  const { repo, hooksDir, problems } = ctx;
  const file = join(hooksDir, name);
  const shown = display(repo.root, file);
  // What doesn't keep the next commit from being checked is a warning for pre-push.
  const severity: Severity = HOOK_SPECS[name].guardsNextCommit ? 'error' : 'warning';
  const report: HookReport = { name, file, kind: 'missing', guarded: false, script: null, runs: null, userHook: null };
  const problem = (message: string, fix: string | null, level: Severity = severity) => problems.push({ severity: level, hook: name, message, fix });

  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) {
    // Under the pre-commit framework, each hook type is installed by `pre-commit install`.
    const framework = isPreCommitFrameworkHook(readHookText(join(hooksDir, 'pre-commit')) ?? '');
    problem(SAY.missing(name, shown), framework ? SAY.frameworkHookType(name) : SAY.install);
    return report;
  }
  if (!isExecutable(file)) {
    report.kind = 'not-executable';
    problem(SAY.notExecutable(name, shown), `chmod +x ${shellPath(shown)}`);
    return report;
  }
  const text = readFileSync(file, 'utf8');

  if (isPlainHook(text)) {
    report.kind = 'plain';
    report.guarded = true;
    report.runs = plainRunner(ctx, name, text, severity);
    const aside = keptUserHook(file);
    if (aside) {
      report.userHook = aside;
      problem(SAY.userHook(name, display(repo.root, aside), isExecutable(aside)), null, 'info');
    }
    return report;
  }

  if (isHuskyStub(text)) {
    report.kind = 'husky';
    // husky 9's runner `h`: s=$(dirname "$(dirname "$0")")/$n, and it exits 0 when s is missing.
    const script = join(dirname(hooksDir), name);
    report.script = script;
    if (!existsSync(join(hooksDir, 'h'))) {
      problem(SAY.huskyRunnerMissing(display(repo.root, join(hooksDir, 'h'))), SAY.install, 'error');
    }
    if (process.env.HUSKY === '0') problem(SAY.huskyOff, SAY.huskyOffFix);
    const content = readHookText(script);
    if (content === null) {
      problem(SAY.huskyScriptMissing(name, display(repo.root, script)), SAY.install);
      return report;
    }
    if (!mentionsGuard(content, name)) {
      problem(SAY.notGuarded(name, display(repo.root, script)), SAY.install);
      return report;
    }
    report.guarded = true;
    report.runs = huskyRunner(ctx, name, content, severity);
    return report;
  }

  if (isPreCommitFrameworkHook(text)) {
    report.kind = 'pre-commit-framework';
    const id = HOOK_SPECS[name].frameworkId;
    if (!frameworkConfigured(repo.root, id)) {
      problem(SAY.frameworkNoHook(name, id), SAY.frameworkFix(id));
      return report;
    }
    report.guarded = true;
    report.runs = `pre-commit framework: ${id}`;
    if (name === 'pre-commit') problem(SAY.frameworkCaveat, null, 'info');
    return report;
  }

  report.kind = 'other';
  if (mentionsGuard(text, name)) {
    report.guarded = true;
    report.runs = `${shown} (written by hand)`;
    return report;
  }
  problem(SAY.notGuarded(name, shown), SAY.notGuardedFix);
  return report;
}

/** Which CLI a plain hook reaches, following the hook's own order of fallbacks. */
function plainRunner(ctx: Context, name: HookName, text: string, severity: Severity): string | null {
  const { node, cli } = embeddedRunner(text);
  const problem = (level: Severity, message: string, fix: string | null) => ctx.problems.push({ severity: level, hook: name, message, fix });
  const nodeOk = node !== null && isExecutable(node);
  const cliOk = cli !== null && existsSync(cli);
  if (nodeOk && cliOk) {
    if (/[\\/]_npx[\\/]/.test(cli!)) problem('warning', SAY.npxCache(cli!), SAY.runnerGoneFix);
    return `${node} ${cli}`;
  }
  const missing = !cliOk ? `the CLI the hook names (${cli ?? 'none'})` : `the node the hook names (${node ?? 'none'})`;
  const pathNode = commandV('node');
  if (cliOk && pathNode) {
    problem('warning', SAY.runnerFallback(missing, `node on PATH (${pathNode})`), 'alembic-guard install');
    return `${pathNode} ${cli}`;
  }
  const pathCli = commandV('alembic-guard');
  if (pathCli) {
    problem('warning', SAY.runnerFallback(missing, `alembic-guard on PATH (${pathCli})`), `${shellQuote(pathCli)} install`);
    return pathCli;
  }
  if (commandV('npx') && spawnSync('npx', ['--no-install', 'alembic-guard', '--version'], { stdio: 'ignore', timeout: 20_000 }).status === 0) {
    problem('warning', SAY.runnerFallback(missing, 'npx --no-install alembic-guard'), 'npx --no-install alembic-guard install');
    return 'npx --no-install alembic-guard';
  }
  problem(severity, SAY.runnerGone, SAY.runnerGoneFix);
  return null;
}

/** The command in our husky block, and whether this worktree has it (following the block's fallbacks). */
function huskyRunner(ctx: Context, name: HookName, content: string, severity: Severity): string | null {
  const { repo } = ctx;
  const problem = (level: Severity, message: string, fix: string | null) => ctx.problems.push({ severity: level, hook: name, message, fix });
  const blockBinPath = blockBin(content);
  if (blockBinPath !== null) {
    const local = join(repo.root, blockBinPath);
    if (isExecutable(local)) return `${display(repo.root, local)} ${HOOK_COMMANDS[name]}`;
    const packageRel = blockBinPath.includes('node_modules/') ? blockBinPath.slice(0, blockBinPath.indexOf('node_modules/')).replace(/\/$/, '') : '';
    const onPath = commandV('alembic-guard');
    if (onPath) {
      problem('warning', SAY.binFallback(blockBinPath, onPath), installIn(repo, packageRel));
      return `${onPath} ${HOOK_COMMANDS[name]}`;
    }
    problem(severity, SAY.binMissing(name, blockBinPath), installIn(repo, packageRel));
    return null;
  }
  // A block of an earlier version, or a line written by hand.
  const lines = content.split('\n');
  const begin = lines.findIndex((line) => line.startsWith(BLOCK_BEGIN));
  const pattern = new RegExp(`^(?:.*\\|\\s*)?((?:'[^']*'|[^\\s'])+)\\s+${HOOK_COMMANDS[name]}\\b`);
  let bin: string | null = null;
  for (const line of begin >= 0 ? lines.slice(begin + 1) : lines) {
    const match = pattern.exec(line.trim());
    if (match && match[1].includes('alembic-guard')) {
      bin = shellUnquote(match[1]);
      break;
    }
  }
  if (bin === null || bin === 'npx') return `${display(repo.root, join(ctx.hooksDir, '..', name))}`;
  // husky's runner puts node_modules/.bin (relative to the top of the working tree) first on PATH.
  const resolved = bin.includes('/')
    ? existsSync(join(repo.root, bin))
      ? join(repo.root, bin)
      : null
    : existsSync(join(repo.root, 'node_modules', '.bin', bin))
      ? join(repo.root, 'node_modules', '.bin', bin)
      : commandV(bin);
  if (resolved === null) {
    const packageRel = bin.includes('/node_modules/') ? bin.slice(0, bin.indexOf('/node_modules/')) : '';
    problem(severity, SAY.binMissing(name, bin), installIn(repo, packageRel));
    return null;
  }
  return `${display(repo.root, resolved)} ${HOOK_COMMANDS[name]}`;
}

/** The install command of the package in this folder (relative to the top), as typed at the top. */
function installIn(repo: Repo, packageRel: string): string {
  const dir = join(repo.root, packageRel);
  let pkg: Record<string, unknown> = {};
  try {
    pkg = parsePackageJson(readFileSync(join(dir, 'package.json'), 'utf8'), 'package.json');
  } catch {
    // no package.json (or a broken one): the lockfiles still tell
  }
  return inFolder(packageRel, installCommand(detectPackageManager(dir, repo.root, pkg)));
}

interface NodeReport {
  /** The node a plain hook names, when one does. */
  embedded: string | null;
  embeddedExists: boolean | null;
  /** `command -v node` in a non-interactive sh with this environment. */
  path: string | null;
  /** husky's per-user startup file, sourced before every hook. */
  huskyInit: string | null;
}

function nodeReport(ctx: Context, hooks: HookReport[]): NodeReport {
  const plain = hooks.find((h) => h.kind === 'plain');
  const embedded = plain ? embeddedRunner(readFileSync(plain.file, 'utf8')).node : null;
  const path = commandV('node');
  const husky = hooks.some((h) => h.kind === 'husky');
  const initFile = join(process.env.XDG_CONFIG_HOME || join(process.env.HOME ?? '~', '.config'), 'husky', 'init.sh');
  if (husky) {
    if (!path) ctx.problems.push({ severity: 'error', hook: null, message: SAY.noNode, fix: SAY.initFix(dirname(process.execPath), initFile) });
    else ctx.problems.push({ severity: 'info', hook: null, message: SAY.guiPath(initFile), fix: SAY.initFix(dirname(path), initFile) });
  }
  return {
    embedded,
    embeddedExists: embedded === null ? null : isExecutable(embedded),
    path,
    huskyInit: husky ? (existsSync(initFile) ? initFile : null) : null,
  };
}

// ---------------------------------------------------------------------------------------------

function renderDoctor(
  repo: Repo,
  ws: Workspace | null,
  data: {
    hooksPath: { value: string | null; scope: string | null; dir: string; exists: boolean };
    node: NodeReport;
    installed: { mode: string } | null;
    environments: { name: string; layout: GraphLayout | null }[];
  },
  hooks: HookReport[],
  problems: Problem[],
  willRun: boolean,
  nextCommit: NextCommit | null,
  development: DevDatabaseState | null = null,
): string {
  const lines: string[] = [];
  const linked = repo.gitDir !== repo.commonDir;
  lines.push(pc.bold(`alembic-guard doctor: ${repo.root}`));
  // A teammate's fresh clone has no hooks until one install step: that comes first, not last.
  const unprotected = hooks.find((h) => h.name === 'pre-commit' && h.kind === 'missing');
  if (unprotected) lines.push(pc.red(pc.bold(`✖ ${SAY.unprotected}`)), `    ${pc.cyan('→')} ${SAY.install}`);
  if (linked) lines.push(`  linked worktree of ${dirname(repo.commonDir)} (git dir ${repo.gitDir})`);
  lines.push('', pc.bold('Configuration'));
  if (!ws) lines.push('  could not be read (see Problems)');
  else {
    lines.push(`  ${ws.config.source ?? 'none: environments discovered from alembic.ini, pyproject.toml and env.py files'}`);
    lines.push('', pc.bold(`Environments (${ws.discovery.environments.length})`));
    if (ws.discovery.environments.length === 0) lines.push('  none found');
    for (const env of ws.discovery.environments) {
      lines.push(`  ${showName(env.name)} (from ${escapeControls(env.source)})`);
      lines.push(`    versions: ${env.versions.length ? env.versions.map(showName).join(', ') : '(none in the repository)'}`);
      if (env.envFiles.length) lines.push(`    files: ${env.envFiles.map(showName).join(', ')}`);
      if (env.outside.length) lines.push(`    outside the repository: ${env.outside.map(showName).join(', ')}`);
      const layout = data.environments.find((e) => e.name === env.name)?.layout;
      if (layout) lines.push(`    layout: ${describeLayout(layout)}`);
    }
    if (development) lines.push('', pc.bold('Development database'), `  ${devDatabaseLine(development.database, development.from, development.state)}`);
  }
  lines.push('', pc.bold('Hooks'));
  const where = display(repo.root, data.hooksPath.dir);
  lines.push(
    data.hooksPath.value === null
      ? `  git runs hooks from ${where} (core.hooksPath is not set)`
      : `  git runs hooks from ${where} (core.hooksPath = ${data.hooksPath.value}, ${data.hooksPath.scope} config)${data.hooksPath.exists ? '' : ': missing here'}`,
  );
  if (data.installed) lines.push(`  installed by alembic-guard install (${data.installed.mode} mode)`);
  for (const hook of hooks) {
    // A hook that runs the guard but cannot find it protects nothing: its mark says so.
    const works = hook.guarded && hook.runs !== null;
    const mark = works ? pc.green('✔') : HOOK_SPECS[hook.name].guardsNextCommit ? pc.red('✖') : pc.yellow('⚠');
    const what =
      hook.kind === 'missing'
        ? 'no hook'
        : hook.kind === 'not-executable'
          ? 'not executable (ignored by git)'
          : hook.kind === 'husky'
            ? `husky → ${hook.script ? display(repo.root, hook.script) : '?'}`
            : hook.kind === 'plain'
              ? 'plain hook written by alembic-guard'
              : hook.kind === 'pre-commit-framework'
                ? 'the pre-commit framework'
                : 'a hook not written by alembic-guard';
    lines.push(`  ${mark} ${hook.name}: ${what}${hook.guarded ? (hook.runs ? `; runs ${hook.runs}` : `; ${SAY.notFound}`) : ''}`);
  }
  const node = data.node;
  if (node.embedded) lines.push(`  node named in the hooks: ${node.embedded}${node.embeddedExists ? '' : ' (missing)'}`);
  lines.push(`  node on PATH: ${node.path ?? 'none'}`);
  for (const [title, group] of [
    ['Problems', problems.filter((p) => p.severity !== 'info')],
    ['Notes', problems.filter((p) => p.severity === 'info')],
  ] as const) {
    if (group.length === 0) continue;
    lines.push('', pc.bold(title));
    for (const p of group) {
      const mark = p.severity === 'error' ? pc.red('✖') : p.severity === 'warning' ? pc.yellow('⚠') : pc.cyan('ℹ');
      lines.push(`  ${mark} ${p.hook ? `${p.hook}: ` : ''}${escapeControls(p.message)}`);
      if (p.fix) lines.push(`      ${pc.cyan('→')} ${escapeControls(p.fix)}`);
    }
  }
  lines.push('', willRun ? pc.green(`✔ ${SAY.willRun}`) : pc.red(pc.bold(`✖ ${SAY.wontRun}`)));
  // The check the hook runs, on the files and index as they are: what the next commit meets.
  if (nextCommit?.blocked) {
    const shown = nextCommit.reasons.slice(0, 5).join('; ') + (nextCommit.reasons.length > 5 ? `; and ${nextCommit.reasons.length - 5} more` : '');
    lines.push(pc.red(`✖ ${SAY.wouldBlock(shown)}`), `    ${pc.cyan('→')} ${SAY.checkFix}`);
  } else if (nextCommit && willRun) lines.push(pc.green(`✔ ${SAY.wouldPass}`));
  return `${lines.join('\n')}\n`;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Where a non-interactive sh finds a command, as a hook would. */
function commandV(name: string): string | null {
  const result = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' });
  const out = result.status === 0 ? String(result.stdout).trim() : '';
  return out || null;
}
