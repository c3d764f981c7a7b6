// Goal 2: `pre-push` of 1,000 new tags, and of a `git push --mirror` with 1,000 branches, each
// ≤ 2× the push of one ref. The hook is run as git runs it: ref lines on stdin.
import { bigRepo, pushRefs } from '../lib/repos.mjs';

export const name = 'push';
export const title = '2. pre-push of many refs — the monorepo, 1,000 commits on a side chain (no migration changes)';

const COUNT = 1000;
const ZERO = '0'.repeat(40);

export async function run(ctx) {
  const { NODE, CLI, WARMUP, measure, must, row, goal, ratioText, round } = ctx;
  const big = await bigRepo(ctx);
  const cwd = big.dir;
  const commits = pushRefs(cwd, COUNT);
  const main = must('git', ['rev-parse', 'main'], { cwd }).stdout.toString().trim();
  const tags = commits.map((c, i) => `refs/tags/bench-tag-${i + 1} ${c} refs/tags/bench-tag-${i + 1} ${ZERO}\n`);
  // --mirror to a remote that has main: main (unchanged, the checked-out HEAD) and 1,000 new branches.
  const mainLine = `refs/heads/main ${main} refs/heads/main ${main}\n`;
  const mirror = [mainLine, ...commits.map((c, i) => `refs/heads/bench-branch-${i + 1} ${c} refs/heads/bench-branch-${i + 1} ${ZERO}\n`)];
  const hook = (key, label, input) => ({ key, label, cmd: NODE, args: [CLI, 'pre-push', 'origin', 'file:///nowhere/origin.git'], cwd, input: input.join('') });
  const runs = Math.max(3, Math.ceil(ctx.RUNS / 2));
  const s = measure(
    [
      hook('oneTag', 'pre-push: one new tag', tags.slice(0, 1)),
      hook('tags', `pre-push: ${COUNT.toLocaleString('en-US')} new tags`, tags),
      hook('oneRef', 'pre-push: main alone (the checked-out HEAD)', [mainLine]),
      hook('mirror', `pre-push: --mirror, main + ${COUNT.toLocaleString('en-US')} new branches`, mirror),
    ],
    { warmup: WARMUP, runs },
  );
  for (const key of ['oneTag', 'tags', 'oneRef', 'mirror']) row(s[key].label, s[key]);
  const tagRatio = s.tags.median / s.oneTag.median;
  const mirrorRatio = s.mirror.median / s.oneRef.median;
  goal('2a', `${COUNT.toLocaleString('en-US')} new tags / one tag (≤ 2×)`, ratioText(tagRatio), tagRatio <= 2);
  goal('2b', `--mirror of ${COUNT.toLocaleString('en-US')} branches / one ref (≤ 2×)`, ratioText(mirrorRatio), mirrorRatio <= 2);
  return { ...s, tagRatio: round(tagRatio, 3), mirrorRatio: round(mirrorRatio, 3) };
}
