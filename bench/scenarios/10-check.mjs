// Goal 1: `check` on a clean tree of the 100,000-file monorepo ≤ 1.25× its floor in wall time and
// ≤ 1.5× in CPU time, NODE_EXTRA_CA_CERTS unset on both sides; goal 5: no regression with a new
// migration staged (which now includes Python's compile() of it) or every cache off.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baselineCli, BASELINE_COMMIT } from '../lib/baseline.mjs';
import { BenchFailure, timed } from '../lib/proc.mjs';
import { bigRepo } from '../lib/repos.mjs';

export const name = 'check';
export const title = '1. check vs floor — the monorepo (100,000 files, 5,000 migrations), clean tree';

export const STATUS_ARGS = ['status', '--porcelain=v2', '-z', '--untracked-files=all', '--ignored=matching', '--', 'backend/alembic/versions'];
const NEW_MIGRATION = 'backend/alembic/versions/ffffffffffff_bench_new.py';

export async function run(ctx) {
  const { NODE, CLI, RUNS, WARMUP, ENV, measure, must, row, line, goal, fmt, ratioText, round } = ctx;
  const big = await bigRepo(ctx);
  const cwd = big.dir;
  const configFile = join(cwd, '.alembic-guard.json');
  const removeConfig = () => rmSync(configFile, { force: true });
  (ctx.cleanups ??= []).push(removeConfig);
  removeConfig();
  sanityCheck(NODE, CLI, cwd, big.migrations, configFile, removeConfig);
  let added = 0;
  const stage = () => {
    added += 1;
    writeFileSync(
      join(cwd, NEW_MIGRATION),
      `revision = "bench${added}"\ndown_revision = "${big.head}"\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n`,
    );
    must('git', ['add', '--', NEW_MIGRATION], { cwd });
  };
  const unstage = () => {
    must('git', ['rm', '-q', '--cached', '--ignore-unmatch', '--', NEW_MIGRATION], { cwd });
    rmSync(join(cwd, NEW_MIGRATION), { force: true });
  };
  ctx.cleanups.push(unstage); // a bench stopped between the two leaves the repository clean
  const variants = (cli, suffix = '') => [
    {
      key: `checkNoCache${suffix}`,
      label: 'check with ALEMBIC_GUARD_CACHE=0',
      cmd: NODE,
      args: [cli, 'check'],
      cwd,
      env: { ...ENV, ALEMBIC_GUARD_CACHE: '0' },
    },
    // A new script on the head, new bytes each run: the graph is rebuilt, the 5,000 come from the cache.
    { key: `checkNewMigration${suffix}`, label: 'check with a new migration staged', cmd: NODE, args: [cli, 'check'], cwd, before: stage, after: unstage },
  ];
  const s = measure(
    [
      { key: 'check', label: 'alembic-guard check', cmd: NODE, args: [CLI, 'check'], cwd },
      { key: 'node', label: 'node -e 0', cmd: NODE, args: ['-e', '0'], cwd },
      { key: 'gitStatus', label: 'git status … -- backend/alembic/versions', cmd: 'git', args: STATUS_ARGS, cwd },
      { key: 'version', label: 'alembic-guard --version', cmd: NODE, args: [CLI, '--version'], cwd },
      {
        key: 'checkConfigured',
        label: 'check with .alembic-guard.json locations',
        cmd: NODE,
        args: [CLI, 'check'],
        cwd,
        before: () => writeFileSync(configFile, `${JSON.stringify({ locations: ['backend/alembic/versions'] })}\n`),
        after: removeConfig,
      },
      ...variants(CLI),
    ],
    { warmup: WARMUP, runs: RUNS },
  );
  const floor = s.node.median + s.gitStatus.median;
  const floorCpu = s.node.cpu.median + s.gitStatus.cpu.median;
  const ratio = s.check.median / floor;
  const ratioCpu = s.check.cpu.median / floorCpu;
  row('alembic-guard check', s.check);
  row('floor: node -e 0', s.node);
  row('floor: git status --porcelain=v2 -z … -- backend/alembic/versions', s.gitStatus);
  line('floor (sum of the two medians)', `${fmt(floor)} ms  cpu ${fmt(floorCpu).trim().padStart(5)} ms`);
  goal('1a', 'check / floor, wall time (≤ 1.25×)', ratioText(ratio), ratio <= 1.25);
  goal('1b', 'check / floor, CPU time (≤ 1.5×)', ratioText(ratioCpu), ratioCpu <= 1.5);
  line('  (ratio of the minima, less sensitive to a busy machine)', ratioText(s.check.min / (s.node.min + s.gitStatus.min)).padStart(7));
  ctx.out('  breakdown:');
  row('  alembic-guard --version (start-up only)', s.version);
  row('  check with .alembic-guard.json {"locations": […]} (no discovery)', s.checkConfigured);
  line('  ≈ discovery (check − check with locations)', `${fmt(s.check.median - s.checkConfigured.median)} ms`);

  // Goal 5. The baseline writes its own cache stamp into the same repository, so the two builds
  // run in separate blocks, each after its own warm-ups (which refill the cache).
  const baseline = baselineCli(ctx);
  const b = measure(variants(baseline, 'Base'), { warmup: WARMUP, runs: Math.max(3, Math.ceil(RUNS / 2)) });
  const n = measure(variants(CLI), { warmup: WARMUP, runs: Math.max(3, Math.ceil(RUNS / 2)) });
  ctx.out(
    `  no regression (goal 5): this build beside ${ctx.opts.baseline ? ctx.opts.baseline : `the commit before the bundle (${BASELINE_COMMIT})`}, separate blocks:`,
  );
  for (const [key, label] of [
    ['checkNoCache', 'every cache off (5,000 scripts parsed)'],
    ['checkNewMigration', 'a new migration staged (graph rebuilt)'],
  ]) {
    const now = n[key];
    const before = b[`${key}Base`];
    ctx.out(
      `    ${label.padEnd(44)} ${fmt(now.median)} ms (cpu ${fmt(now.cpu.median).trim()})   before ${fmt(before.median).trim()} ms (cpu ${fmt(before.cpu.median).trim()})`,
    );
    // 10 % is the noise this machine shows between blocks; CPU time is the steadier figure.
    goal(
      key === 'checkNoCache' ? '5a' : '5b',
      `${label}: now / before, CPU`,
      ratioText(now.cpu.median / before.cpu.median),
      now.cpu.median <= before.cpu.median * 1.1,
    );
  }
  // Large repositories often set feature.manyFiles (index version 4: each path a cut of the one
  // before); the hook walks that format too. Printed beside its own floor, not a goal.
  const toVersion = (version) => must('git', ['update-index', '--index-version', String(version)], { cwd });
  ctx.cleanups.push(() => toVersion(2));
  toVersion(4);
  let v4;
  try {
    v4 = measure(
      [
        { key: 'check', label: 'check, index version 4', cmd: NODE, args: [CLI, 'check'], cwd },
        { key: 'node', label: 'node -e 0', cmd: NODE, args: ['-e', '0'], cwd },
        { key: 'gitStatus', label: 'git status (index version 4)', cmd: 'git', args: STATUS_ARGS, cwd },
      ],
      { warmup: WARMUP, runs: Math.max(3, Math.ceil(RUNS / 2)) },
    );
  } finally {
    toVersion(2);
  }
  const floor4 = v4.node.median + v4.gitStatus.median;
  const floor4Cpu = v4.node.cpu.median + v4.gitStatus.cpu.median;
  ctx.out('  the same with the index in version 4 (feature.manyFiles), beside its own floor:');
  row('    alembic-guard check', v4.check);
  line('    floor (node -e 0 + git status)', `${fmt(floor4)} ms  cpu ${fmt(floor4Cpu).trim().padStart(5)} ms`);
  line('    check / floor, wall and CPU', `${ratioText(v4.check.median / floor4)}  ${ratioText(v4.check.cpu.median / floor4Cpu)}`);
  return {
    ...s,
    now: n,
    before: b,
    indexVersion4: { ...v4, floorMs: round(floor4), ratio: round(v4.check.median / floor4, 3), ratioCpu: round(v4.check.cpu.median / floor4Cpu, 3) },
    floorMs: round(floor),
    floorCpuMs: round(floorCpu),
    ratio: round(ratio, 3),
    ratioCpu: round(ratioCpu, 3),
  };
}

/** The check must pass on the clean tree and see the one environment, or the numbers mean nothing. */
function sanityCheck(NODE, CLI, cwd, migrations, configFile, removeConfig) {
  const r = timed(NODE, [CLI, 'check', '--format', 'json'], { cwd });
  if (r.status !== 0)
    throw new BenchFailure(`alembic-guard check exited ${r.status} on the clean bench repository ${cwd}; not timing an error path.\n${r.stdout}${r.stderr}`);
  const report = JSON.parse(r.stdout.toString());
  const envs = report.environments ?? [];
  if (envs.length !== 1 || envs[0].versions?.[0] !== 'backend/alembic/versions') {
    throw new BenchFailure(`check found ${JSON.stringify(envs.map((e) => e.versions))}, expected one environment at backend/alembic/versions`);
  }
  let configured;
  try {
    writeFileSync(configFile, `${JSON.stringify({ locations: ['backend/alembic/versions'] })}\n`);
    configured = timed(NODE, [CLI, 'check', '--format', 'json'], { cwd });
  } finally {
    removeConfig();
  }
  if (configured.status !== 0 || !configured.stdout.toString().includes('"configuration": ".alembic-guard.json"')) {
    throw new BenchFailure(`check with .alembic-guard.json: exit ${configured.status}, not using the file:\n${configured.stdout}${configured.stderr}`);
  }
  const g = timed(NODE, [CLI, 'graph', '--json'], { cwd });
  const revs = g.status === 0 ? JSON.parse(g.stdout.toString()).environments?.[0]?.revisions?.length : null;
  if (revs !== migrations)
    throw new BenchFailure(`graph --json in the monorepo: expected ${migrations} revisions, got ${revs} (exit ${g.status}): ${g.stderr}`);
}
