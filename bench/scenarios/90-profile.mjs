// Diagnostic, not a goal: where check's time goes (git children from trace2, V8 CPU profile).
import { dirname, join } from 'node:path';
import { cpuProfile, gitTimeline } from '../lib/profile.mjs';
import { bigRepo } from '../lib/repos.mjs';

export const name = 'profile';
export const title = "where check's time goes (diagnostic) — the monorepo, clean tree";

export async function run(ctx) {
  if (ctx.opts['no-profile']) {
    ctx.out('  skipped (--no-profile)');
    return null;
  }
  const { NODE, CLI, WORK, out, fmt } = ctx;
  const cwd = (await bigRepo(ctx)).dir;
  const tl = gitTimeline({ cmd: NODE, args: [CLI, 'check'], cwd, runs: 5, tmp: join(WORK, 'trace2') });
  out(
    `  timeline (${tl.runs} traced runs${tl.mediansByPosition ? ', medians' : ', the median run'}; total ${fmt(tl.totalMs).trim()} ms; git children from GIT_TRACE2_EVENT, "node" = the CLI between them):`,
  );
  for (const s of tl.segments) {
    out(`    ${fmt(s.ms)} ms  ${s.label}`);
    if (s.detail && s.detail.length > 1) for (const d of s.detail) out(`    ${' '.repeat(7)}      · ${fmt(d.ms).trim()} ms ${d.label}`);
  }
  const prof = cpuProfile({ script: CLI, args: ['check'], cwd, runs: 5, tmp: join(WORK, 'cpuprof'), root: dirname(dirname(CLI)) });
  out(`  V8 CPU profile (${prof.runs} runs, ms per run; (idle) = waiting on git or I/O), self time, top 10:`);
  for (const t of prof.selfTop.slice(0, 10)) out(`      ${fmt(t.msPerRun)} ms ${`${t.share.toFixed(1)}%`.padStart(6)}  ${t.name}`);
  return { timeline: tl, cpu: prof };
}
