// Issue 12: `locate` in 20,000 commits / 200 branches / 50 stash entries / 5,000 migrations, beside
// `git log --all -S<id>`, and the post-checkout hook's cost over git's own checkout. The work is in
// bench/locate.mjs (it also runs alone: node bench/locate.mjs).
import { benchLocate } from '../locate.mjs';

export const name = 'locate';
export const title = '5. locate and the post-checkout hook (issue 12)';

export async function run(ctx) {
  return benchLocate({ cli: ctx.CLI, runs: ctx.RUNS, work: ctx.WORK, out: ctx.out, log: ctx.log });
}
