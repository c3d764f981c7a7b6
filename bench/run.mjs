#!/usr/bin/env node
// alembic-guard benchmarks (`npm run bench`, which builds first).
//
// Every number is put beside a floor measured in the same run on the same machine: the bench
// reports, it never asserts a timing. It fails (exit 1) only when it would otherwise time an
// error path, e.g. a `check` that does not exit 0 on a clean tree.
//
//   1. check vs floor        `check` in a 100,000-file monorepo with 5,000 migrations, beside
//                            `node -e 0` + the one `git status` the hook cannot avoid; breakdown.
//   2. simple-git cost       the same `git status` through simple-git and through child_process.
//   3. graph vs Alembic      `graph --json` beside `python3 -m alembic heads` at 5,000 revisions,
//                            and graph --json at 1k/2k/5k/10k revisions (branches and merges).
//   4. where check's time goes: git children (trace2) and V8 CPU profile of the JS side.
//
// Options: --runs N (timed runs per command, default 15), --no-profile, --cli PATH (another build).
// Generated repositories are cached in bench/.work/ (gitignored), keyed by GENERATOR_VERSION.
import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuProfile, gitTimeline } from './lib/profile.mjs';
import { BenchFailure, ENV, measure, must, round, timed } from './lib/proc.mjs';
import { BIG, bigRepoFiles, cachedRepo, GENERATOR_VERSION, graphRepoFiles } from './lib/repos.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const WORK = join(BENCH, '.work');
const NODE = process.execPath;
const PYTHON = '/usr/bin/python3';
const STATUS_ARGS = ['status', '--porcelain=v2', '-z', '--untracked-files=all', '--ignored=matching', '--', 'backend/alembic/versions'];
const GROWTH = [1_000, 2_000, 5_000, 10_000];
const GOAL_CHECK = 1.5; // check ≤ 1.5 × floor
const GOAL_GRAPH = 10; // graph ≥ 10 × faster than alembic heads

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    'no-profile': { type: 'boolean', default: false },
    cli: { type: 'string' },
  },
});
// --cli: another build of alembic-guard (e.g. a baseline) instead of this tree's dist/cli.js.
// This tree's build is copied first (bench/.work/build/): others may rebuild dist/ mid-run.
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
const row = (label, s) => out(`  ${label.padEnd(66)} ${fmt(s.median)} ms  (min ${fmt(s.min).trim()}, ±${s.mad.toFixed(1)}, n=${s.n})`);
const ratioText = (r) => `${r.toFixed(2)}×`;

const results = {
  generatorVersion: GENERATOR_VERSION,
  startedAt: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, loadAvgAtStart: loadavg().map((x) => round(x)) },
  settings: { runs: RUNS, warmup: WARMUP },
};

const CONFIG_FILE = () => join(WORK, 'big', '.alembic-guard.json');
function removeConfigFile() {
  rmSync(CONFIG_FILE(), { force: true });
}

async function waitForCli() {
  // Others may be landing files; the build can be briefly absent.
  const source = opts.cli ? CLI : join(ROOT, 'dist', 'cli.js');
  for (let i = 0; i < 60 && !existsSync(source); i += 1) {
    if (i === 0) log(`waiting for ${source} …`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  if (!existsSync(source)) throw new BenchFailure(`${source} is missing; run npm run build`);
  if (opts.cli) return;
  // A frozen copy of the build: dist/ plus package.json (ESM "type", --version). Bare imports
  // still resolve to the project's node_modules, up the directory tree.
  rmSync(SNAPSHOT, { recursive: true, force: true });
  mkdirSync(SNAPSHOT, { recursive: true });
  cpSync(join(ROOT, 'dist'), join(SNAPSHOT, 'dist'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(SNAPSHOT, 'package.json'));
}

const NEW_MIGRATION = 'backend/alembic/versions/ffffffffffff_bench_new.py';
let newMigrations = 0;
function stageNewMigration(cwd, head) {
  newMigrations += 1;
  const text = `revision = "bench${newMigrations}"\ndown_revision = "${head}"\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n`;
  writeFileSync(join(cwd, NEW_MIGRATION), text);
  must('git', ['add', '--', NEW_MIGRATION], { cwd });
}
function unstageNewMigration(cwd) {
  must('git', ['rm', '-q', '--cached', '--', NEW_MIGRATION], { cwd });
  rmSync(join(cwd, NEW_MIGRATION), { force: true });
}

async function main() {
  const t0 = process.hrtime.bigint();
  mkdirSync(WORK, { recursive: true });
  await waitForCli();
  results.machine.git = must('git', ['--version']).stdout.toString().trim();
  results.machine.guard = must(NODE, [CLI, '--version']).stdout.toString().trim();

  // ---- repositories ---------------------------------------------------------------------------
  removeConfigFile(); // a previous run that died between write and delete
  log('preparing repositories (cached in bench/.work/) …');
  const big = bigRepoFiles();
  const bigRepo = await cachedRepo(join(WORK, 'big'), `${GENERATOR_VERSION}:${JSON.stringify(BIG)}`, () => big, log);
  const graphRepos = {};
  for (const n of GROWTH) {
    const files = graphRepoFiles(n);
    graphRepos[n] = { ...(await cachedRepo(join(WORK, `graph-${n}`), `${GENERATOR_VERSION}:graph:${n}`, () => files, log)), head: files.head, branches: files.branches, merges: files.merges };
  }
  const repoNote = (r) => (r.reused ? 'reused' : `built in ${(r.buildMs / 1000).toFixed(1)} s`);
  results.repositories = {
    big: { dir: bigRepo.dir, ...BIG, reused: bigRepo.reused, buildMs: round(bigRepo.buildMs) },
    graphs: Object.fromEntries(GROWTH.map((n) => [n, { dir: graphRepos[n].dir, head: graphRepos[n].head, branches: graphRepos[n].branches, merges: graphRepos[n].merges, reused: graphRepos[n].reused, buildMs: round(graphRepos[n].buildMs) }])),
  };
  const dirCount = must('git', ['ls-tree', '-r', '-d', '--name-only', 'HEAD'], { cwd: bigRepo.dir }).stdout.toString().split('\n').filter(Boolean).length;
  results.repositories.big.directories = dirCount;

  out(`alembic-guard ${results.machine.guard} bench — ${results.machine.git}, node ${process.version}, ${cpus().length} cpus`);
  out(`medians of ${RUNS} runs after ${WARMUP} warm-ups, interleaved; ± is the median absolute deviation; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  out(`generator ${GENERATOR_VERSION}: monorepo ${BIG.files.toLocaleString('en-US')} files in ${dirCount.toLocaleString('en-US')} dirs, ${BIG.migrations.toLocaleString('en-US')} migrations (${repoNote(bigRepo)}); ` +
    `graph repos ${GROWTH.map((n) => `${n / 1000}k`).join('/')} (${GROWTH.every((n) => graphRepos[n].reused) ? 'reused' : GROWTH.map((n) => repoNote(graphRepos[n])).join(', ')})`);

  // ---- 1. check vs floor ------------------------------------------------------------------------
  const cwd = bigRepo.dir;
  sanityCheck(cwd);
  log('1. check vs floor …');
  const s1 = measure(
    [
      { key: 'check', label: 'alembic-guard check', cmd: NODE, args: [CLI, 'check'], cwd },
      { key: 'node', label: 'node -e 0', cmd: NODE, args: ['-e', '0'], cwd },
      { key: 'gitStatus', label: 'git status … -- backend/alembic/versions', cmd: 'git', args: STATUS_ARGS, cwd },
      { key: 'version', label: 'alembic-guard --version', cmd: NODE, args: [CLI, '--version'], cwd },
      {
        // Every cache turned off: each script parsed and the graph built, as on a first run.
        key: 'checkNoCache',
        label: 'check with ALEMBIC_GUARD_CACHE=0',
        cmd: NODE,
        args: [CLI, 'check'],
        cwd,
        env: { ...ENV, ALEMBIC_GUARD_CACHE: '0' },
      },
      {
        // The commit that adds a migration: a new script on the head is staged before each run
        // (new bytes every time), so the graph is rebuilt; the other 5,000 come from the cache.
        key: 'checkNewMigration',
        label: 'check with a new migration staged',
        cmd: NODE,
        args: [CLI, 'check'],
        cwd,
        before: () => stageNewMigration(cwd, big.head),
        after: () => unstageNewMigration(cwd),
      },
      {
        // The same check with the environment configured, so discovery is skipped. The file
        // exists only around these runs (it is our own bench repository).
        key: 'checkConfigured',
        label: 'check with .alembic-guard.json locations',
        cmd: NODE,
        args: [CLI, 'check'],
        cwd,
        before: () => writeFileSync(CONFIG_FILE(), `${JSON.stringify({ locations: ['backend/alembic/versions'] })}\n`),
        after: removeConfigFile,
      },
    ],
    { warmup: WARMUP, runs: RUNS },
  );
  const floor = s1.node.median + s1.gitStatus.median;
  const ratio = s1.check.median / floor;
  const floorMin = s1.node.min + s1.gitStatus.min;
  results.check = {
    ...s1,
    floorMs: round(floor),
    ratio: round(ratio, 3),
    ratioOfMinima: round(s1.check.min / floorMin, 3),
    goal: `≤ ${GOAL_CHECK}×`,
    goalMet: ratio <= GOAL_CHECK,
  };

  out('');
  out('1. check vs floor (issue 2) — cwd = the monorepo, clean tree');
  row('alembic-guard check', s1.check);
  row('floor: node -e 0', s1.node);
  row('floor: git status --porcelain=v2 -z … -- backend/alembic/versions', s1.gitStatus);
  out(`  ${'floor (sum of the two medians)'.padEnd(66)} ${fmt(floor)} ms`);
  out(`  ${'ratio check / floor'.padEnd(66)} ${ratioText(ratio).padStart(7)}     goal ≤ ${GOAL_CHECK}×: ${ratio <= GOAL_CHECK ? 'met' : 'NOT met'}`);
  out(`  ${'  (ratio of the minima, less sensitive to a busy machine)'.padEnd(66)} ${ratioText(s1.check.min / floorMin).padStart(7)}`);
  out('  breakdown:');
  row('  alembic-guard --version (start-up only)', s1.version);
  row('  check with .alembic-guard.json {"locations": […]} (no discovery)', s1.checkConfigured);
  row('  check with ALEMBIC_GUARD_CACHE=0 (every script parsed, graph built)', s1.checkNoCache);
  row('  check with a new migration staged (graph rebuilt, scripts cached)', s1.checkNewMigration);
  out(`  ${'  ≈ discovery (check − check with locations)'.padEnd(66)} ${fmt(s1.check.median - s1.checkConfigured.median)} ms`);
  out(`  ${'  ≈ beyond start-up and git status (check with locations − floor)'.padEnd(66)} ${fmt(s1.checkConfigured.median - floor)} ms`);

  // ---- 2. simple-git cost -----------------------------------------------------------------------
  log('2. simple-git cost …');
  const probe = join(BENCH, 'probes', 'git-status.mjs');
  const sameBytes = (r) => {
    if (r.stdout.toString().trim() === '') throw new BenchFailure(`probe printed nothing: ${r.stderr.toString()}`);
  };
  const s2 = measure(
    [
      { key: 'execFile', label: 'child_process.execFile', cmd: NODE, args: [probe, 'execFile', cwd], cwd, verify: sameBytes },
      { key: 'simpleGit', label: 'simple-git', cmd: NODE, args: [probe, 'simple-git', cwd], cwd, verify: sameBytes },
      { key: 'simpleGitImport', label: 'import simple-git only', cmd: NODE, args: [probe, 'simple-git-import', cwd], cwd },
    ],
    { warmup: WARMUP, runs: RUNS },
  );
  results.simpleGit = { ...s2, nodeEmptyMs: s1.node.median, extraMs: round(s2.simpleGit.median - s2.execFile.median) };
  out('');
  out('2. simple-git cost — node script: one git status of backend/alembic/versions');
  row('child_process.execFile(git, …)', s2.execFile);
  row('simpleGit(repo).raw(…)', s2.simpleGit);
  row('import("simple-git") alone (no git)', s2.simpleGitImport);
  out(`  ${'simple-git − execFile'.padEnd(66)} ${fmt(s2.simpleGit.median - s2.execFile.median)} ms`);
  out(`  ${'import simple-git − node -e 0 (section 1)'.padEnd(66)} ${fmt(s2.simpleGitImport.median - s1.node.median)} ms`);

  // ---- 3. graph vs Alembic ----------------------------------------------------------------------
  log('3. graph vs alembic …');
  const g5 = graphRepos[5000];
  const graphVerify = (n) => (r) => {
    const env = JSON.parse(r.stdout.toString()).environments;
    const e = env?.[0];
    if (env.length !== 1 || e.revisions.length !== n || e.heads.length !== 1 || e.heads[0] !== graphRepos[n].head) {
      throw new BenchFailure(`graph --json at ${n}: expected 1 environment, ${n} revisions, head ${graphRepos[n].head}; got ${env.length} env, ${e?.revisions.length} revisions, heads ${e?.heads}`);
    }
  };
  const alembicProbe = timed(PYTHON, ['-c', 'import alembic; print(alembic.__version__)'], {});
  const hasAlembic = alembicProbe.status === 0;
  const alembicVersion = hasAlembic ? alembicProbe.stdout.toString().trim() : null;
  // Alembic at its best: with its bytecode cache (a developer's machine writes one).
  const pyEnv = { ...ENV };
  delete pyEnv.PYTHONDONTWRITEBYTECODE;
  delete pyEnv.PYTHONPATH;
  const specs3 = [
    { key: 'graph', label: 'alembic-guard graph --json (5,000)', cmd: NODE, args: [CLI, 'graph', '--json'], cwd: g5.dir, verify: graphVerify(5000) },
    { key: 'graphNoCache', label: 'graph --json, ALEMBIC_GUARD_CACHE=0', cmd: NODE, args: [CLI, 'graph', '--json'], cwd: g5.dir, env: { ...ENV, ALEMBIC_GUARD_CACHE: '0' }, verify: graphVerify(5000) },
    { key: 'node', label: 'node -e 0', cmd: NODE, args: ['-e', '0'], cwd: g5.dir },
  ];
  if (hasAlembic) {
    specs3.push({ key: 'python', label: 'python3 -c 0', cmd: PYTHON, args: ['-c', '0'], cwd: g5.dir, env: pyEnv });
    specs3.push({
      key: 'alembic',
      label: 'python3 -m alembic heads (5,000)',
      cmd: PYTHON,
      args: ['-m', 'alembic', '-c', 'alembic.ini', 'heads'],
      cwd: g5.dir,
      env: pyEnv,
      verify: (r) => {
        if (!r.stdout.toString().startsWith(`${g5.head} `) || !r.stdout.toString().includes('(head)')) {
          throw new BenchFailure(`alembic heads printed something unexpected:\n${r.stdout}${r.stderr}`);
        }
      },
    });
  }
  const s3 = measure(specs3, { warmup: WARMUP, runs: RUNS });
  out('');
  out(`3. graph vs Alembic (issue 3) — ${(5000).toLocaleString('en-US')} revisions, ${g5.branches} branches + ${g5.merges} merges, one head`);
  row('alembic-guard graph --json', s3.graph);
  results.graph = { vsAlembic: { ...s3 } };
  if (hasAlembic) {
    const speedup = s3.alembic.median / s3.graph.median;
    row(`python3 -m alembic heads (Alembic ${alembicVersion}, .pyc cached)`, s3.alembic);
    out(`  ${'speed-up alembic / graph'.padEnd(66)} ${ratioText(speedup).padStart(7)}     goal ≥ ${GOAL_GRAPH}×: ${speedup >= GOAL_GRAPH ? 'met' : 'NOT met'}`);
    // Each side's interpreter start-up is a floor no code of ours or Alembic's can go below.
    const work = (s3.alembic.median - s3.python.median) / (s3.graph.median - s3.node.median);
    row('  graph --json with every cache off (each script parsed)', s3.graphNoCache);
    row('  node -e 0', s3.node);
    row('  python3 -c 0', s3.python);
    out(`  ${'  speed-up beyond start-up: (alembic − python3 -c 0) / (graph − node -e 0)'.padEnd(66)} ${ratioText(work).padStart(7)}`);
    out(`  ${'  speed-up with every cache off'.padEnd(66)} ${ratioText(s3.alembic.median / s3.graphNoCache.median).padStart(7)}`);
    Object.assign(results.graph.vsAlembic, { alembicVersion, command: `${PYTHON} -m alembic -c alembic.ini heads`, speedup: round(speedup, 3), speedupBeyondStartup: round(work, 3), speedupNoCache: round(s3.alembic.median / s3.graphNoCache.median, 3), goal: `≥ ${GOAL_GRAPH}×`, goalMet: speedup >= GOAL_GRAPH });
  } else {
    out(`  ${'python3 -m alembic heads'.padEnd(66)} skipped (python3-alembic is not installed)`);
    results.graph.vsAlembic.alembic = 'skipped';
  }

  log('   growth …');
  const growthRuns = Math.max(5, Math.ceil(RUNS * 0.6));
  const sg = measure(
    GROWTH.map((n) => ({ key: String(n), label: `graph --json (${n})`, cmd: NODE, args: [CLI, 'graph', '--json'], cwd: graphRepos[n].dir, verify: graphVerify(n) })),
    { warmup: WARMUP, runs: growthRuns },
  );
  out(`  growth of graph --json (medians of ${growthRuns}; start-up included, see --version above):`);
  out(`    ${'revisions'.padStart(9)} ${'branches'.padStart(8)} ${'ms'.padStart(8)} ${'ms/1,000 rev'.padStart(13)} ${'(ms − start-up)/1,000'.padStart(22)}`);
  results.graph.growth = {};
  for (const n of GROWTH) {
    const s = sg[String(n)];
    const per = s.median / (n / 1000);
    const perNet = (s.median - s1.version.median) / (n / 1000);
    out(`    ${n.toLocaleString('en-US').padStart(9)} ${String(graphRepos[n].branches).padStart(8)} ${fmt(s.median).padStart(8)} ${per.toFixed(1).padStart(13)} ${perNet.toFixed(1).padStart(22)}`);
    results.graph.growth[n] = { ...s, msPer1000: round(per), netMsPer1000: round(perNet) };
  }

  // ---- 4. where check's time goes ---------------------------------------------------------------
  if (!opts['no-profile']) {
    log('4. profiling check …');
    const tl = gitTimeline({ cmd: NODE, args: [CLI, 'check'], cwd, runs: 5, tmp: join(WORK, 'trace2') });
    out('');
    out(`4. where check's time goes (diagnostic, ${tl.runs} traced runs${tl.mediansByPosition ? ', medians' : ', the median run'}; total ${fmt(tl.totalMs).trim()} ms)`);
    out('  timeline (git children from GIT_TRACE2_EVENT; "node" = the CLI itself between them):');
    for (const s of tl.segments) {
      out(`    ${fmt(s.ms)} ms  ${s.label}`);
      if (s.detail && s.detail.length > 1) for (const d of s.detail) out(`    ${' '.repeat(7)}      · ${fmt(d.ms).trim()} ms ${d.label}`);
    }
    const prof = cpuProfile({ script: CLI, args: ['check'], cwd, runs: 5, tmp: join(WORK, 'cpuprof'), root: dirname(dirname(CLI)) });
    out(`  V8 CPU profile (${prof.runs} runs, ms per run; (idle) = waiting on git or I/O):`);
    out('    self time, top 12:');
    for (const t of prof.selfTop.slice(0, 12)) out(`      ${fmt(t.msPerRun)} ms ${`${t.share.toFixed(1)}%`.padStart(6)}  ${t.name}`);
    out('    total time of alembic-guard functions, top 10:');
    for (const t of prof.projectInclusiveTop.slice(0, 10)) out(`      ${fmt(t.msPerRun)} ms ${`${t.share.toFixed(1)}%`.padStart(6)}  ${t.name}`);
    out('    self time by module, top 8:');
    for (const t of prof.modulesTop.slice(0, 8)) out(`      ${fmt(t.msPerRun)} ms ${`${t.share.toFixed(1)}%`.padStart(6)}  ${t.name}`);
    results.profile = { timeline: tl, cpu: prof };
  }

  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  results.finishedAt = new Date().toISOString();
  results.machine.loadAvgAtEnd = loadavg().map((x) => round(x));
  results.benchSeconds = round(seconds, 1);
  results.printed = lines;
  writeFileSync(join(WORK, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  out('');
  out(`bench took ${seconds.toFixed(1)} s (plus the build); load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}; raw samples in bench/.work/results.json`);
}

/** The check must pass on the clean tree and see the one environment, or the numbers mean nothing. */
function sanityCheck(cwd) {
  const r = timed(NODE, [CLI, 'check', '--format', 'json'], { cwd });
  if (r.status !== 0) {
    throw new BenchFailure(`alembic-guard check exited ${r.status} on the clean bench repository ${cwd}; not timing an error path.\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
  let report;
  try {
    report = JSON.parse(r.stdout.toString());
  } catch {
    throw new BenchFailure(`alembic-guard check --format json printed no JSON:\n${r.stdout}${r.stderr}`);
  }
  const envs = report.environments ?? [];
  if (envs.length !== 1 || envs[0].versions?.[0] !== 'backend/alembic/versions') {
    throw new BenchFailure(`check found ${JSON.stringify(envs.map((e) => e.versions))}, expected one environment at backend/alembic/versions`);
  }
  // The configured variant must really read the file (and pass), or it measures nothing.
  let configured;
  try {
    writeFileSync(CONFIG_FILE(), `${JSON.stringify({ locations: ['backend/alembic/versions'] })}\n`);
    configured = timed(NODE, [CLI, 'check', '--format', 'json'], { cwd });
  } finally {
    removeConfigFile();
  }
  if (configured.status !== 0 || !configured.stdout.toString().includes('"configuration": ".alembic-guard.json"')) {
    throw new BenchFailure(`check with .alembic-guard.json: exit ${configured.status}, not using the file:\n${configured.stdout}${configured.stderr}`);
  }
  if ((report.findings ?? []).length > 0) log(`warning: check reports findings on the clean tree: ${JSON.stringify(report.findings).slice(0, 500)}`);
  // And the graph it checks really holds the 5,000 revisions.
  const g = timed(NODE, [CLI, 'graph', '--json'], { cwd });
  const revs = g.status === 0 ? JSON.parse(g.stdout.toString()).environments?.[0]?.revisions?.length : null;
  if (revs !== BIG.migrations) throw new BenchFailure(`graph --json in the monorepo: expected ${BIG.migrations} revisions, got ${revs} (exit ${g.status}): ${g.stderr}`);
}

process.on('SIGINT', () => {
  removeConfigFile();
  process.exit(130);
});

main().catch((error) => {
  removeConfigFile();
  process.stderr.write(`\nbench failed: ${error instanceof BenchFailure ? error.message : error.stack}\n`);
  process.exitCode = 1;
});
