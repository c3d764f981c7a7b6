#!/usr/bin/env node
/**
 * argv → command → exit code. The one place that prints errors and decides how the process ends:
 * 0 clean, 1 blocked (findings), 2 usage/configuration/environment error or a bug. Commands are
 * imported on demand so the pre-commit hook loads only what `check` needs.
 */
import { parseArgs } from 'node:util';
import { GuardError } from './errors.js';
import type { Format, Report } from './report/report.js';

export interface CliOptions {
  format: Format;
  cwd: string;
  rev?: string;
  index?: boolean;
  worktree?: boolean;
  json?: boolean;
  'db-url'?: string;
  'db-url-env'?: string;
  mode?: string;
  keep?: boolean;
}

/** What a command hands back: a report to render, or finished text and an exit code. */
export type CommandResult = { report: Report } | { text: string; exitCode: number; stream?: 'stdout' | 'stderr' };

const USAGE = `Usage: alembic-guard <command> [options]

Commands:
  check                     pre-commit: block while a migration or env file is untracked, ignored
                            or unstaged, or the staged revision graph is broken
  pre-push <remote> <url>   pre-push: block while the pushed commit lacks migrations on disk or
                            its graph is broken (reads git's ref lines on stdin)
  verify                    CI: check the committed tree and, with --db-url / --db-url-env, that
                            the database holds no revision the commit does not define
  graph                     print heads, bases and revisions (--json, --rev REV|--index|--worktree)
  validate FILE…            lint-staged: parse and graph-check staged migration files
  install | uninstall       set up / remove the git hooks (husky or plain hooks; --mode husky|git)
  doctor                    what was discovered and whether the hooks will run here
  demo                      replay the incident in a temporary repository

Options:
  --format text|json|github   output format (default text)
  --cwd DIR                   run as if started in DIR
  -h, --help                  this help
  -v, --version               the version

Exit codes: 0 clean, 1 blocked, 2 usage/configuration/environment error.
Bypass (hooks only, logged): ALEMBIC_GUARD_SKIP="<reason>" git commit …`;

const COMMANDS = new Set(['check', 'pre-push', 'verify', 'graph', 'validate', 'install', 'uninstall', 'doctor', 'demo']);

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
        index: { type: 'boolean' },
        worktree: { type: 'boolean' },
        json: { type: 'boolean' },
        'db-url': { type: 'string' },
        'db-url-env': { type: 'string' },
        mode: { type: 'string' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    return fail(new GuardError(`${(error as Error).message} (see alembic-guard --help)`));
  }
  const { values, positionals } = parsed;
  if (values.version) {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const [command, ...args] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  try {
    if (!COMMANDS.has(command)) throw new GuardError(`unknown command "${command}" (see alembic-guard --help)`);
    const format = (values.format ?? (values.json ? 'json' : 'text')) as Format;
    if (!['text', 'json', 'github'].includes(format)) {
      throw new GuardError(`--format must be text, json or github, not "${format}"`);
    }
    const options: CliOptions = { ...values, format, cwd: values.cwd ?? process.cwd() };
    const result = await run(command, args, options);
    if ('report' in result) return await finish(result.report, format);
    (result.stream === 'stderr' ? process.stderr : process.stdout).write(result.text);
    return result.exitCode;
  } catch (error) {
    return fail(error);
  }
}

async function run(command: string, args: string[], options: CliOptions): Promise<CommandResult> {
  switch (command) {
    case 'check':
      noArgs(command, args);
      // The renderer loads while git works, instead of after.
      // A warning counts as shown when a person (or CI) saw it, not when a tool read the JSON.
      return { report: await (await import('./commands/check.js')).check(options.cwd, () => preloadRenderer(options.format), { remember: options.format !== 'json' }) };
    case 'pre-push':
      return { report: await (await import('./commands/pre-push.js')).prePush(options.cwd, args, process.stdin) };
    case 'verify':
      noArgs(command, args);
      return { report: await (await import('./commands/verify.js')).verify(options) };
    case 'validate':
      return { report: await (await import('./commands/validate.js')).validate(options.cwd, args) };
    case 'graph':
      noArgs(command, args);
      return (await import('./commands/graph.js')).graph(options);
    case 'install':
    case 'uninstall':
      noArgs(command, args);
      return (await import('./commands/install.js'))[command](options);
    case 'doctor':
      noArgs(command, args);
      return (await import('./commands/doctor.js')).doctor(options);
    case 'demo':
      noArgs(command, args);
      return (await import('./commands/demo.js')).demo(options);
    default:
      throw new GuardError(`unknown command "${command}"`);
  }
}

function preloadRenderer(format: Format): void {
  import('./report/report.js').then((m) => m.preload(format), () => undefined);
}

function noArgs(command: string, args: string[]): void {
  if (args.length > 0) throw new GuardError(`${command} takes no arguments (got "${args[0]}")`);
}

async function finish(report: Report, format: Format): Promise<number> {
  const { exitCode, render } = await import('./report/report.js');
  if (report.command !== 'verify' && exitCode(report) === 1) {
    const { skipReason, applyBypass } = await import('./bypass.js');
    const reason = skipReason();
    if (reason !== null) await applyBypass(report, reason);
  }
  const text = await render(report, format);
  // A bypass is shouted on stderr so it shows even where stdout is hidden.
  (report.bypass && format === 'text' ? process.stderr : process.stdout).write(text);
  return exitCode(report);
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
// writing and say nothing; the exit code is still the command's own.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`alembic-guard: internal error: ${String(error)}\n`);
    process.exitCode = 2;
  },
);
