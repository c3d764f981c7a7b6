// Goal 4: `graph --json` ≥ 15× faster than `python3 -m alembic heads` at 10,000 revisions and
// ≥ 5× at 5,000; printed at 1k/5k/10k/50k with each side's peak memory.
import { BenchFailure, timed } from '../lib/proc.mjs';
import { graphRepo } from '../lib/repos.mjs';

export const name = 'graph';
export const title = '4. graph --json vs python3 -m alembic heads — branches and merges, one head';

const PYTHON = '/usr/bin/python3';
// BENCH_GRAPH_SIZES=1000,5000,10000 leaves out the 50,000 row (Alembic alone takes minutes there).
const SIZES = process.env.BENCH_GRAPH_SIZES ? process.env.BENCH_GRAPH_SIZES.split(',').map(Number) : [1_000, 5_000, 10_000, 50_000];
const GOALS = { 5_000: 5, 10_000: 15 };

export async function run(ctx) {
  const { NODE, CLI, ENV, WARMUP, RUNS, measure, out, fmt, goal, ratioText, round } = ctx;
  const probe = timed(PYTHON, ['-c', 'import alembic; print(alembic.__version__)'], {});
  const alembicVersion = probe.status === 0 ? probe.stdout.toString().trim() : null;
  // Alembic at its best: with its bytecode cache (a developer's machine writes one).
  const pyEnv = { ...ENV };
  delete pyEnv.PYTHONDONTWRITEBYTECODE;
  delete pyEnv.PYTHONPATH;
  out(
    `  ${'revisions'.padStart(9)} ${'graph --json'.padStart(13)} ${'peak'.padStart(8)} ${'alembic heads'.padStart(14)} ${'peak'.padStart(8)} ${'speed-up'.padStart(9)}   (Alembic ${alembicVersion ?? 'not installed'}, .pyc cached; runs each)`,
  );
  const rows = {};
  for (const n of SIZES) {
    const repo = await graphRepo(ctx, n);
    const verify = (r) => {
      const e = JSON.parse(r.stdout.toString()).environments?.[0];
      if (e?.revisions.length !== n || e.heads.length !== 1 || e.heads[0] !== repo.head)
        throw new BenchFailure(`graph --json at ${n}: expected ${n} revisions and head ${repo.head}`);
    };
    const big = n > 10_000;
    const ours = measure([{ key: 'graph', label: `graph --json (${n})`, cmd: NODE, args: [CLI, 'graph', '--json'], cwd: repo.dir, verify }], {
      warmup: WARMUP,
      runs: big ? 3 : Math.max(3, Math.ceil(RUNS / 2)),
    }).graph;
    let alembic = null;
    if (alembicVersion) {
      alembic = measure(
        [
          {
            key: 'alembic',
            label: `alembic heads (${n})`,
            cmd: PYTHON,
            args: ['-m', 'alembic', '-c', 'alembic.ini', 'heads'],
            cwd: repo.dir,
            env: pyEnv,
            verify: (r) => {
              if (!r.stdout.toString().startsWith(`${repo.head} `))
                throw new BenchFailure(`alembic heads at ${n} printed something unexpected:\n${r.stdout}${r.stderr}`);
            },
          },
        ],
        // Alembic takes minutes at 50,000: one run after the one that writes its .pyc files.
        { warmup: 1, runs: big ? 1 : n >= 10_000 ? 3 : Math.max(3, Math.ceil(RUNS / 3)) },
      ).alembic;
    }
    const speedup = alembic ? alembic.median / ours.median : null;
    out(
      `  ${n.toLocaleString('en-US').padStart(9)} ${fmt(ours.median).padStart(10)} ms ${`${ours.maxRssMb} MB`.padStart(8)} ${alembic ? `${fmt(alembic.median).padStart(11)} ms` : '    (skipped)'} ${alembic ? `${alembic.maxRssMb} MB`.padStart(8) : ''.padStart(8)} ${speedup ? ratioText(speedup).padStart(9) : ''}   ${ours.n}/${alembic?.n ?? 0}`,
    );
    rows[n] = { ours, alembic, speedup: speedup && round(speedup, 2) };
  }
  for (const [n, target] of Object.entries(GOALS)) {
    const sp = rows[n]?.speedup ?? null;
    goal(
      n === '5000' ? '4a' : '4b',
      `graph --json vs alembic heads at ${Number(n).toLocaleString('en-US')} (≥ ${target}×)`,
      sp ? ratioText(sp) : 'n/a',
      sp !== null && sp >= target,
    );
  }
  return { alembicVersion, rows };
}
