#!/usr/bin/env node
// alembic-guard benchmarks (`npm run bench`, which builds first).
//
// Every number is put beside a floor measured in the same run on the same machine: the bench
// reports, it never asserts a timing. It fails (exit 1) only when it would otherwise time an
// error path, e.g. a `check` that does not exit 0 on a clean tree. Each goal of issue 11 is
// printed with its figure and "met" / "NOT met", and again in the summary at the end.
//
// Scenarios are the files of bench/scenarios/, run in the order of their names; each exports
// `name`, `title`, optionally `byDefault = false`, and `run(ctx)` (see `context` below). Add one by
// adding a file.
//
// Options: --runs N (timed runs per command, default 15), --only a,b (scenario names),
// --no-profile, --cli PATH (another build), --baseline PATH (the build to compare with in the
// no-regression rows; default: the commit before the bundle, built once into bench/.work/).
// Generated repositories are cached in bench/.work/ (gitignored), keyed by GENERATOR_VERSION.
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BenchFailure, ENV, measure, must, round } from './lib/proc.mjs';
import { GENERATOR_VERSION } from './lib/repos.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const WORK = join(BENCH, '.work');
const NODE = process.execPath;

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    only: { type: 'string' },
    'no-profile': { type: 'boolean', default: false },
    cli: { type: 'string' },
    baseline: { type: 'string' },
  },
});
// --cli: another build of alembic-guard instead of this tree's dist/. This tree's build is copied
// first (bench/.work/build/): others may rebuild dist/ mid-run.
const SNAPSHOT = join(WORK, 'build');
const CLI = opts.cli ? resolve(opts.cli) : join(SNAPSHOT, 'dist', 'cli.js');
const RUNS = Math.max(3, Number(opts.runs) || 15);
const WARMUP = 2;

const lines = [];
function out(line = '') {
  lines.push(line);
  process.stdout.write(`${line}\n`);
}
const log = (line) => process.stderr.write(`${line}\n`);
const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)).padStart(7);
const ratioText = (r) => `${r.toFixed(2)}×`;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

const results = {
  generatorVersion: GENERATOR_VERSION,
  startedAt: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, loadAvgAtStart: loadavg().map((x) => round(x)) },
  settings: { runs: RUNS, warmup: WARMUP },
  goals: [],
};

/** What every scenario gets. */
const context = {
  ROOT,
  BENCH,
  WORK,
  NODE,
  CLI,
  RUNS,
  WARMUP,
  ENV,
  opts,
  results,
  out,
  log,
  fmt,
  ratioText,
  load,
  measure,
  must,
  round,
  /** One row: label, median wall time, its spread, and the median CPU time of the process tree. */
  row(label, s) {
    out(
      `  ${label.padEnd(62)} ${fmt(s.median)} ms  cpu ${fmt(s.cpu.median).trim().padStart(5)} ms  (min ${fmt(s.min).trim()}, ±${s.mad.toFixed(1)}, n=${s.n})`,
    );
  },
  line(label, text) {
    out(`  ${label.padEnd(62)} ${text}`);
  },
  /** A goal of issue 11: printed now, and again in the summary. */
  goal(id, text, figure, met) {
    results.goals.push({ id, text, figure, met });
    out(`  ${`goal ${id}: ${text}`.padEnd(62)} ${figure.padStart(7)}   ${met ? 'met' : 'NOT met'}`);
  },
  /** The environment node runs with in these measurements, said once at the top. */
  nodeEnvNote() {
    const nec = process.env.NODE_EXTRA_CA_CERTS;
    return nec
      ? `NODE_EXTRA_CA_CERTS is set on this machine (${nec}) and unset for every command below, the floors' included: users' machines do not set it`
      : 'NODE_EXTRA_CA_CERTS is not set';
  },
};

async function waitForCli() {
  // Others may be landing files; the build can be briefly absent.
  const source = opts.cli ? CLI : join(ROOT, 'dist', 'cli.js');
  for (let i = 0; i < 60 && !existsSync(source); i += 1) {
    if (i === 0) log(`waiting for ${source} …`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  if (!existsSync(source)) throw new BenchFailure(`${source} is missing; run npm run build`);
  if (opts.cli) return;
  // A frozen copy of the build: dist/ (the bundle and its package.json) plus the project's
  // package.json (--version) and hooks/. Bare imports still resolve to the project's node_modules.
  rmSync(SNAPSHOT, { recursive: true, force: true });
  mkdirSync(SNAPSHOT, { recursive: true });
  cpSync(join(ROOT, 'dist'), join(SNAPSHOT, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'hooks'), join(SNAPSHOT, 'hooks'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(SNAPSHOT, 'package.json'));
}

async function main() {
  const t0 = process.hrtime.bigint();
  mkdirSync(WORK, { recursive: true });
  await waitForCli();
  results.machine.git = must('git', ['--version']).stdout.toString().trim();
  results.machine.guard = must(NODE, [CLI, '--version']).stdout.toString().trim();
  const only = opts.only ? new Set(opts.only.split(',')) : null;
  const scenarios = [];
  for (const file of readdirSync(join(BENCH, 'scenarios'))
    .filter((f) => f.endsWith('.mjs'))
    .sort()) {
    const scenario = await import(pathToFileURL(join(BENCH, 'scenarios', file)).href);
    if (only ? only.has(scenario.name) : scenario.byDefault !== false) scenarios.push(scenario);
  }
  if (only && scenarios.length !== only.size)
    throw new BenchFailure(`--only: no scenario named ${[...only].filter((n) => !scenarios.some((s) => s.name === n)).join(', ')}`);

  out(`alembic-guard ${results.machine.guard} bench — ${results.machine.git}, node ${process.version}, ${cpus().length} cpus (${results.machine.cpuModel})`);
  out(
    `medians of ${RUNS} runs after ${WARMUP} warm-ups unless a section says otherwise, interleaved; ± is the median absolute deviation; cpu = user + sys of the whole process tree (wait4)`,
  );
  out(`load average at the start ${load()}; ${context.nodeEnvNote()}`);
  for (const scenario of scenarios) {
    log(`${scenario.name} …`);
    out('');
    out(`${scenario.title}  [load ${load()}]`);
    results[scenario.name] = await scenario.run(context);
  }

  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  results.finishedAt = new Date().toISOString();
  results.machine.loadAvgAtEnd = loadavg().map((x) => round(x));
  results.benchSeconds = round(seconds, 1);
  out('');
  out(`summary of the goals (load average at the end ${load()}):`);
  for (const g of results.goals) out(`  ${`${g.id}. ${g.text}`.padEnd(70)} ${g.figure.padStart(7)}   ${g.met ? 'met' : 'NOT met'}`);
  out(`bench took ${seconds.toFixed(1)} s (plus the build); raw samples in bench/.work/results.json`);
  results.printed = lines;
  writeFileSync(join(WORK, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
]) {
  process.on(signal, () => {
    for (const f of context.cleanups ?? []) f();
    process.exit(code);
  });
}

main().catch((error) => {
  for (const f of context.cleanups ?? []) f();
  process.stderr.write(`\nbench failed: ${error instanceof BenchFailure ? error.message : error.stack}\n`);
  process.exitCode = 1;
});
