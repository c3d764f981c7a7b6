#!/usr/bin/env node
/**
 * argv → command → exit code. The one place that prints errors and decides how the process ends:
 * 0 clean, 1 blocked (findings), 2 usage/configuration/environment error or a bug. Commands are
 * imported on demand so the pre-commit hook loads only what `check` needs.
 */
import { appendFileSync, statSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GuardError } from './errors.js';
import type { CommandResult, GlobalOptions } from './command.js';
import type { Format, Report } from './report/verdict.js';

const USAGE = `Usage: alembic-guard <command> [options]

Commands:
  check                     pre-commit: block while a migration or env file is untracked, ignored
                            or unstaged, or the staged revision graph is broken
  pre-push <remote> <url>   pre-push: block while the pushed commit lacks migrations on disk or
                            its graph is broken (reads git's ref lines on stdin)
  verify                    CI: check the committed tree and, with --db-url / --db-url-env, that
                            the database holds no revision the commit does not define
  locate REV…               where a revision is defined: worktrees, index, branches, remote
                            branches, tags, stash, history; and the command that brings it here
                            (--db-url / --db-url-env: the database's revisions this checkout lacks)
  graph                     print heads, bases and revisions (--json, --rev REV|--index|--worktree)
  post-checkout PREV NEW 1   after a branch switch: warn (never block) when the development
                            database is at a revision the new checkout does not define
  commit-msg FILE           commit-msg: with ALEMBIC_GUARD_SKIP set, add the Alembic-Guard-Bypass
                            trailer (the reason, redacted) to the commit message
  validate FILE…            lint-staged: parse and graph-check staged migration files
  install | uninstall       set up / remove the git hooks (husky or plain hooks; --mode husky|git
                            switches; --force replaces or removes hook lines you edited)
  doctor                    what was discovered and whether the hooks will run here
  demo                      replay the incident in a temporary repository

Options:
  --format text|json|github   output format (default text)
  --cwd DIR                   run as if started in DIR
  -h, --help                  this help
  -v, --version               the version

Exit codes: 0 clean, 1 blocked, 2 usage/configuration/environment error.
Bypass (hooks only, logged): ALEMBIC_GUARD_SKIP="<reason>" git commit …`;

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string' },
        cwd: { type: 'string' },
        rev: { type: 'string' },
        base: { type: 'string' },
        strict: { type: 'boolean' },
        index: { type: 'boolean' },
        worktree: { type: 'boolean' },
        json: { type: 'boolean' },
        'db-url': { type: 'string' },
        'db-url-env': { type: 'string' },
        mode: { type: 'string' },
        keep: { type: 'boolean' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    return fail(new GuardError(`${(error as Error).message} (see alembic-guard --help)`));
  }
  const { values, positionals } = parsed;
  if (values.version) {
    const { ownVersion } = await import('./own-package.js');
    process.stdout.write(`${ownVersion()}\n`);
    return 0;
  }
  const [command, ...args] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  try {
    const runCommand = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!runCommand) throw new GuardError(`unknown command "${command}" (see alembic-guard --help)`);
    const format = (values.format ?? (values.json ? 'json' : 'text')) as Format;
    const pictures = command === 'graph' ? ['mermaid', 'dot'] : [];
    if (![...['text', 'json', 'github'], ...pictures].includes(format)) {
      throw new GuardError(`--format must be text, json or github${command === 'graph' ? ', mermaid or dot' : ''}, not "${format}"`);
    }
    if (values.cwd !== undefined) checkDirectory(values.cwd);
    const result = await runCommand(args, { ...values, format, cwd: values.cwd ?? process.cwd() });
    if ('report' in result) return await finish(result.report, format);
    (result.stream === 'stderr' ? process.stderr : process.stdout).write(result.text);
    return result.exitCode;
  } catch (error) {
    return fail(error);
  }
}

/** Every value parseArgs can hand over; each command reads the ones its own options type names. */
type Values = GlobalOptions & Record<string, string | boolean | undefined>;

/**
 * The commands: name → how to run it. Each module is imported on first use, so the pre-commit
 * hook loads only what `check` needs; no command imports this file.
 */
const COMMANDS: Record<string, (args: string[], options: Values) => Promise<CommandResult>> = {
  // The renderer loads while git works, instead of after.
  // A warning counts as shown when a person (or CI) saw it, not when a tool read the JSON.
  check: async (args, o) => (
    noArgs('check', args),
    { report: await (await import('./commands/check.js')).check(o.cwd, () => preloadRenderer(o.format), { remember: o.format !== 'json' }) }
  ),
  'pre-push': async (args, o) => ({ report: await (await import('./commands/pre-push.js')).prePush(o.cwd, args, process.stdin) }),
  verify: async (args, o) => (noArgs('verify', args), { report: await (await import('./commands/verify.js')).verify(o) }),
  locate: async (args, o) => {
    if (o.format === 'github') throw new GuardError('locate prints --format text or json');
    return (await import('./commands/locate.js')).locate(o, args);
  },
  'post-checkout': async (args, o) => (await import('./commands/post-checkout.js')).postCheckout(o, args),
  'commit-msg': async (args, o) => (await import('./commands/commit-msg.js')).commitMsg(o, args),
  validate: async (args, o) => ({ report: await (await import('./commands/validate.js')).validate(o.cwd, args) }),
  graph: async (args, o) => (noArgs('graph', args), (await import('./commands/graph.js')).graph(o)),
  install: async (args, o) => (noArgs('install', args), (await import('./commands/install.js')).install(o)),
  uninstall: async (args, o) => (noArgs('uninstall', args), (await import('./commands/install.js')).uninstall(o)),
  doctor: async (args, o) => (noArgs('doctor', args), (await import('./commands/doctor.js')).doctor(o)),
  demo: async (args, o) => (noArgs('demo', args), (await import('./commands/demo.js')).demo(o)),
};

/** --cwd must name a directory; otherwise every git call fails with a misleading ENOENT. */
function checkDirectory(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GuardError(`--cwd ${dir}: ${code === 'ENOENT' ? 'no such directory' : `cannot use it (${code})`}`);
  }
  if (!st.isDirectory()) throw new GuardError(`--cwd ${dir}: not a directory`);
}

function preloadRenderer(format: Format): void {
  import('./report/report.js').then(
    (m) => m.preload(format),
    () => undefined,
  );
}

function noArgs(command: string, args: string[]): void {
  if (args.length > 0) throw new GuardError(`${command} takes no arguments (got "${args[0]}")`);
}

async function finish(report: Report, format: Format): Promise<number> {
  const [{ exitCode }, { render }] = await Promise.all([import('./report/verdict.js'), import('./report/report.js')]);
  if (report.command !== 'verify' && exitCode(report) === 1) {
    const { skipReason, applyBypass } = await import('./bypass.js');
    const reason = skipReason();
    if (reason !== null) await applyBypass(report, reason);
  }
  const text = await render(report, format);
  if (format === 'github' && process.env.GITHUB_STEP_SUMMARY) await appendSummary(report, process.env.GITHUB_STEP_SUMMARY);
  // A bypass is shouted on stderr so it shows even where stdout is hidden.
  (report.bypass && format === 'text' ? process.stderr : process.stdout).write(text);
  return exitCode(report);
}

/** GitHub Actions' job summary: a failure to write it is said, and the verdict stands. */
async function appendSummary(report: Report, file: string): Promise<void> {
  try {
    const { githubSummary } = await import('./report/github.js');
    appendFileSync(file, await githubSummary(report));
  } catch (error) {
    process.stderr.write(`alembic-guard: cannot append the job summary to $GITHUB_STEP_SUMMARY: ${(error as Error).message}\n`);
  }
}

async function fail(error: unknown): Promise<number> {
  const { redactText } = await import('./db/url.js').catch(() => ({ redactText: (t: string) => t }));
  if (error instanceof GuardError) {
    process.stderr.write(`alembic-guard: ${redactText(error.message.split('\n')[0])}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `alembic-guard: internal error: ${redactText(message.split('\n')[0])}\n` +
      'This is a bug in alembic-guard. Please report it with this message and the output of `alembic-guard doctor`.\n',
  );
  return 2;
}

// A reader that stops early (`graph --json | head`) closes the pipe. Like other Unix tools, stop
// writing and say nothing; the exit code is still the command's own. Any other failure to write
// (a full disk, `> /dev/full`, a revoked terminal) means the report was not delivered: one line
// on stderr and exit 2, never 1 ("blocked") or 0.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') return;
    if (stream === process.stdout) {
      try {
        writeSync(2, `alembic-guard: cannot write the output: ${error.code ?? error.message}\n`);
      } catch {
        // stderr is gone too: the exit code is all that is left
      }
    }
    process.exit(2);
  });
}

main(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  (error) => {
    process.stderr.write(`alembic-guard: internal error: ${String(error)}\n`);
    exitWhenFlushed(2);
  },
);

/**
 * Exit as soon as both streams have handed their output to the system, instead of waiting for
 * node to notice that nothing is left to do (closing git's pipes, timers, the event loop's last
 * turns): a hook's user waits for every millisecond of that.
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    pending -= 1;
    // One turn later: a synchronous write that failed (`> /dev/full`) reports its error on the
    // next tick, and that error (exit 2) must win over the command's own code.
    if (pending === 0) setImmediate(() => process.exit(code));
  };
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.writableLength === 0 || stream.destroyed) done();
    else stream.write('', done);
  }
}
