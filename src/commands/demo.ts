/**
 * demo: the incident, replayed end to end with real git in a temporary directory. Migrations
 * 001–008 are committed; 009–014 are written and never `git add`ed; `git commit -am` is refused
 * by the installed hook; after `git add` the commit goes through; a bypass is let through and
 * logged. Exit 0 when every step behaved as expected, 1 otherwise.
 *
 * Every git and hook process gets a private global configuration (GIT_CONFIG_GLOBAL, no system
 * config), so a core.hooksPath or template set on this machine cannot divert the demo's hooks,
 * and install cannot write anywhere but the demo repository.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CommandResult, DemoOptions } from '../command.js';
import { GuardError } from '../errors.js';
import { thisRunner } from '../hooks/plain.js';

// ---------------------------------------------------------------------------------------------
// The fixture: the names a real project gave its migrations (the same as the tests' INCIDENT).

export const INCIDENT = [
  '001_initial',
  '002_users',
  '003_sessions',
  '004_projects',
  '005_tasks',
  '006_comments',
  '007_audit_log',
  '008_search_index',
  '009_create_memory_pins',
  '010_add_pin_owner',
  '011_pin_indexes',
  '012_traces',
  '013_trace_links',
  '014_trace_mismatches',
];
const LATE = '015_pin_expiry';

const ALEMBIC_INI = '[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = driver://user:pass@localhost/dbname\n\n[loggers]\nkeys = root\n';
const ENV_PY = 'from alembic import context\n\n# env.py (alembic-guard reads files; it never runs them)\n';
const MAKO = '"""${message}"""\nrevision = ${repr(up_revision)}\n';

/** A revision script as `alembic revision` writes it. */
function migration(revision: string, down: string | null): string {
  return [
    `"""${revision.replace(/^\d+_/, '').replaceAll('_', ' ')}`,
    '',
    `Revision ID: ${revision}`,
    `Revises: ${down ?? ''}`,
    '"""',
    'from alembic import op',
    'import sqlalchemy as sa',
    '',
    '# revision identifiers, used by Alembic.',
    `revision = '${revision}'`,
    `down_revision = ${down === null ? 'None' : `'${down}'`}`,
    'branch_labels = None',
    'depends_on = None',
    '',
    '',
    'def upgrade():',
    '    op.execute("SELECT 1")',
    '',
    '',
    'def downgrade():',
    '    pass',
    '',
  ].join('\n');
}

function models(version: number): string {
  return `# app/models.py (version ${version})\nclass MemoryPin:\n    pass\n`;
}

// ---------------------------------------------------------------------------------------------

interface Step {
  title: string;
  ok: boolean;
  /** What ran, as a person would type it. */
  command: string | null;
  exitCode: number | null;
  /** Output worth showing (the hook's words, git's summary, the log line). */
  output: string[];
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export async function demo(options: DemoOptions): Promise<CommandResult> {
  const cli = thisRunner().cli;
  if (!existsSync(cli)) throw new GuardError(`the demo runs the built CLI, and ${cli} is missing: run npm run build`);
  const base = mkdtempSync(join(tmpdir(), 'alembic-guard-demo-'));
  const dir = join(base, 'project');
  const env = isolatedEnv(base);
  const steps: Step[] = [];
  const run = (cmd: string, args: string[], extra: Record<string, string> = {}): Ran => {
    const result = spawnSync(cmd, args, { cwd: dir, env: { ...env, ...extra }, encoding: 'utf8', timeout: 120_000 });
    if (result.error) {
      const code = (result.error as NodeJS.ErrnoException).code;
      throw new GuardError(code === 'ENOENT' ? `the demo needs ${cmd}, which is not on PATH` : `${cmd}: ${result.error.message}`);
    }
    return { code: result.status ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
  };
  const git = (args: string[], extra: Record<string, string> = {}) => run('git', args, extra);
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  const head = () => git(['rev-parse', '-q', '--verify', 'HEAD']).stdout.trim();
  const versions = (name: string) => `alembic/versions/${name}.py`;

  try {
    // 1. The project as it was before the incident.
    mkdirSync(dir);
    const setup: Ran[] = [git(['init', '-q'])];
    for (const [key, value] of [
      ['commit.gpgsign', 'false'],
      ['gc.auto', '0'],
      ['maintenance.auto', 'false'],
    ]) {
      setup.push(git(['config', key, value]));
    }
    write('alembic.ini', ALEMBIC_INI);
    write('alembic/env.py', ENV_PY);
    write('alembic/script.py.mako', MAKO);
    write('app/models.py', models(1));
    for (let i = 0; i < 8; i += 1) write(versions(INCIDENT[i]), migration(INCIDENT[i], i === 0 ? null : INCIDENT[i - 1]));
    setup.push(git(['add', '-A']), git(['commit', '-q', '-m', 'Migrations 001-008']));
    const failed = setup.find((r) => r.code !== 0);
    steps.push({
      title: 'A project with an Alembic environment; migrations 001–008 are committed.',
      ok: !failed,
      command: null,
      exitCode: failed ? failed.code : 0,
      output: failed ? lines(failed.stderr) : [],
    });
    if (failed) return finish(options, base, dir, steps);

    // 2. The hook, from this very package.
    const installed = run(process.execPath, [cli, 'install', '--mode', 'git']);
    const hookOk = installed.code === 0 && existsSync(join(dir, '.git', 'hooks', 'pre-commit'));
    steps.push({
      title: 'alembic-guard install --mode git: plain pre-commit, pre-merge-commit and pre-push hooks, pointing at this package.',
      ok: hookOk,
      command: 'alembic-guard install --mode git',
      exitCode: installed.code,
      output: hookOk ? [`the hooks run ${process.execPath} ${cli}`] : lines(installed.stdout + installed.stderr),
    });
    if (!hookOk) return finish(options, base, dir, steps);

    // 3. The incident: new migrations on disk, never added; the models change with them.
    for (let i = 8; i < 14; i += 1) write(versions(INCIDENT[i]), migration(INCIDENT[i], INCIDENT[i - 1]));
    write('app/models.py', models(2));
    steps.push({
      title: `Six new migrations (${INCIDENT[8]} … ${INCIDENT[13]}) are written to disk and never \`git add\`ed; app/models.py changes too.`,
      ok: true,
      command: null,
      exitCode: null,
      output: [],
    });

    // 4. The commit that, without the guard, leaves them behind.
    const before = head();
    const message = 'Add memory pins and traces';
    const blocked = git(['commit', '-am', message]);
    const named = INCIDENT.slice(8).every((name) => blocked.stderr.includes(name));
    steps.push({
      title: 'git commit -am: the pre-commit hook refuses it, naming each migration left behind.',
      ok: blocked.code !== 0 && head() === before && named,
      command: `git commit -am "${message}"`,
      exitCode: blocked.code,
      output: lines(blocked.stderr + blocked.stdout),
    });

    // 5. Doing what the hook says.
    const added = git(['add', 'alembic/versions']);
    const passed = git(['commit', '-am', message]);
    const inCommit = git(['show', '--name-only', '--format=', 'HEAD']).stdout;
    steps.push({
      title: 'git add alembic/versions, then the same commit goes through, with all six migrations.',
      ok: added.code === 0 && passed.code === 0 && INCIDENT.slice(8).every((name) => inCommit.includes(versions(name))),
      command: `git add alembic/versions && git commit -am "${message}"`,
      exitCode: passed.code,
      output: [...lines(passed.stderr), ...lines(passed.stdout).slice(0, 1), ...lines(inCommit).map((path) => `  ${path}`)],
    });

    // 6. The emergency exit: let through, loudly, and written down.
    write(versions(LATE), migration(LATE, INCIDENT[13]));
    write('app/models.py', models(3));
    const bypassBefore = head();
    const bypassed = git(['commit', '-am', 'Pin expiry'], { ALEMBIC_GUARD_SKIP: 'demo' });
    const logFile = join(dir, '.git', 'alembic-guard', 'bypass.log');
    const logLine = existsSync(logFile) ? (lines(readFileSync(logFile, 'utf8')).pop() ?? '') : '';
    const warning = lines(bypassed.stderr).filter((line) => /ALEMBIC_GUARD_SKIP|Reason given|Logged to/.test(line) || line.includes(LATE));
    steps.push({
      title: `${LATE} left behind on purpose and committed with ALEMBIC_GUARD_SKIP="demo": let through, with a warning and a log line.`,
      ok: bypassed.code === 0 && head() !== bypassBefore && logLine.includes('"demo"') && logLine.includes(LATE),
      command: `ALEMBIC_GUARD_SKIP="demo" git commit -am "Pin expiry"`,
      exitCode: bypassed.code,
      output: [...(warning.length ? warning : lines(bypassed.stderr)), `${logFile.slice(dir.length + 1)}: ${logLine || '(no line written)'}`],
    });
    return finish(options, base, dir, steps);
  } catch (error) {
    if (!options.keep) rmSync(base, { recursive: true, force: true });
    throw error;
  }
}

function finish(options: DemoOptions, base: string, dir: string, steps: Step[]): CommandResult {
  const ok = steps.length === 6 && steps.every((s) => s.ok);
  if (!options.keep) rmSync(base, { recursive: true, force: true });
  if (options.format === 'json') {
    const json = { schemaVersion: 1, command: 'demo', ok, exitCode: ok ? 0 : 1, directory: dir, kept: Boolean(options.keep), steps };
    return { text: `${JSON.stringify(json, null, 2)}\n`, exitCode: ok ? 0 : 1 };
  }
  const out = [`alembic-guard demo: the incident, replayed with real git in ${dir}`, ''];
  steps.forEach((step, i) => {
    out.push(`${step.ok ? '✔' : '✖'} ${i + 1}. ${step.title}`);
    if (step.command) out.push(`     $ ${step.command}${step.exitCode === null ? '' : `   (exit ${step.exitCode})`}`);
    for (const line of step.output) out.push(`     │ ${line}`.trimEnd());
    out.push('');
  });
  out.push(
    ok
      ? 'Every step behaved as expected. Without the hook, step 4 would have committed the models and left their six migrations on one laptop.'
      : 'Some steps did not behave as expected (marked ✖ above): please report this with the output of `alembic-guard doctor`.',
  );
  out.push(
    options.keep
      ? `Kept ${base}: look at project/.git/hooks/pre-commit and project/.git/alembic-guard/bypass.log, then delete it.`
      : `Removed ${base} (run with --keep to look around).`,
  );
  return { text: `${out.join('\n')}\n`, exitCode: ok ? 0 : 1 };
}

/** This process's environment without git's or the guard's variables, and a private git config. */
function isolatedEnv(base: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('GIT_') || key.startsWith('ALEMBIC_GUARD') || key === 'HUSKY' || key === 'FORCE_COLOR') continue;
    env[key] = value;
  }
  const config = join(base, 'gitconfig');
  writeFileSync(config, '[init]\n\tdefaultBranch = main\n[user]\n\tname = Demo\n\temail = demo@example.com\n[advice]\n\tdetachedHead = false\n');
  return {
    ...env,
    GIT_CONFIG_GLOBAL: config,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Demo',
    GIT_AUTHOR_EMAIL: 'demo@example.com',
    GIT_COMMITTER_NAME: 'Demo',
    GIT_COMMITTER_EMAIL: 'demo@example.com',
    NO_COLOR: '1',
  };
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line, i, all) => line !== '' || (i > 0 && i < all.length - 1));
}
