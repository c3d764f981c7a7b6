// Merge safety's cost: `verify --base` ≤ 1.5× `verify` on the 5,000-revision repository, in one
// run. The branch adds one migration on the head; the base adds one unrelated commit, so the
// merge is a real one (git merge-tree), and both graphs are judged.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { graphRepo } from '../lib/repos.mjs';

export const name = 'verify-base';
export const title = '6. verify --base vs verify — 5,000 revisions, a branch adding one migration';

export async function run(ctx) {
  const { NODE, CLI, WARMUP, measure, must, row, goal, ratioText, round } = ctx;
  const repo = await graphRepo(ctx, 5_000);
  const cwd = repo.dir;
  const git = (...args) => must('git', args, { cwd });
  const restore = () => {
    git('checkout', '-q', '-f', 'main');
    git('branch', '-q', '-D', 'bench-pr', 'bench-main');
  };
  git('checkout', '-q', '-B', 'bench-main', 'main');
  writeFileSync(join(cwd, 'BENCH.md'), 'an unrelated change on the base\n');
  git('add', 'BENCH.md');
  git('-c', 'user.name=Bench', '-c', 'user.email=bench@example.invalid', 'commit', '-q', '--no-verify', '-m', 'base moves on');
  git('checkout', '-q', '-B', 'bench-pr', 'main');
  const versions = JSON.parse(must(NODE, [CLI, 'graph', '--json'], { cwd }).stdout.toString()).environments[0].versions[0];
  writeFileSync(join(cwd, versions, 'ffff_bench_pr.py'), `revision = "ffff_bench_pr"\ndown_revision = "${repo.head}"\n\n\ndef upgrade():\n    pass\n`);
  git('add', versions);
  git('-c', 'user.name=Bench', '-c', 'user.email=bench@example.invalid', 'commit', '-q', '--no-verify', '-m', 'a migration on the head');
  (ctx.cleanups ??= []).push(restore);
  let s;
  try {
    s = measure(
      [
        { key: 'verify', label: 'alembic-guard verify', cmd: NODE, args: [CLI, 'verify'], cwd },
        { key: 'base', label: 'alembic-guard verify --base bench-main', cmd: NODE, args: [CLI, 'verify', '--base', 'bench-main'], cwd },
      ],
      { warmup: WARMUP, runs: Math.max(3, Math.ceil(ctx.RUNS / 2)) },
    );
  } finally {
    restore();
  }
  row(s.verify.label, s.verify);
  row(s.base.label, s.base);
  const ratio = s.base.median / s.verify.median;
  goal('6', 'verify --base / verify at 5,000 revisions (≤ 1.5×)', ratioText(ratio), ratio <= 1.5);
  return { ...s, ratio: round(ratio, 3) };
}
