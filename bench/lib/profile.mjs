// Where the time of one `check` goes: a timeline of its git children (git's trace2 events) and
// the JS side (V8 CPU profiles). Diagnostic only; these runs are not the timed ones.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ENV, median, round, timed } from './proc.mjs';

/** Wall-clock ms (sub-ms) of trace2's "2026-01-02T03:04:05.123456Z". */
function traceTime(s) {
  const m = /^(.*T\d\d:\d\d:\d\d)\.(\d+)Z$/.exec(s);
  if (!m) return Date.parse(s);
  return Date.parse(`${m[1]}Z`) + Number(`0.${m[2]}`) * 1000;
}

/** "git ls-files --stage -- :(literal)backend/…" without the guard's fixed -c options. */
function gitLabel(argv) {
  const args = argv.slice(1);
  let i = 0;
  while (i < args.length && args[i].startsWith('-')) i += args[i] === '-c' || args[i] === '-C' ? 2 : 1;
  const rest = args.slice(i).map((a) => (a.length > 40 ? `${a.slice(0, 37)}…` : a));
  const text = `git ${rest.join(' ')}`;
  return text.length > 90 ? `${text.slice(0, 89)}…` : text;
}

/**
 * Runs `cmd args` with GIT_TRACE2_EVENT and cuts its wall time into segments: "git …" while one
 * or more git children run, "node" between them. Returns the segments of each run and medians.
 */
export function gitTimeline({ cmd, args, cwd, runs, tmp }) {
  mkdirSync(tmp, { recursive: true });
  const perRun = [];
  for (let r = 0; r < runs; r += 1) {
    const file = join(tmp, `trace2-${r}.json`);
    rmSync(file, { force: true });
    const start = performance.timeOrigin + performance.now();
    const res = timed(cmd, args, { cwd, env: { ...ENV, GIT_TRACE2_EVENT: file } });
    const end = performance.timeOrigin + performance.now();
    if (res.status !== 0) throw new Error(`traced run failed: ${res.stderr.toString()}`);
    const procs = new Map();
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      const ev = JSON.parse(line);
      if (ev.sid.includes('/')) continue; // children of git itself
      if (ev.event === 'start') procs.set(ev.sid, { label: gitLabel(ev.argv), start: traceTime(ev.time) - start });
      else if (ev.event === 'exit' && procs.has(ev.sid)) procs.get(ev.sid).end = traceTime(ev.time) - start;
    }
    const gits = [...procs.values()].filter((p) => p.end !== undefined).sort((a, b) => a.start - b.start);
    const segments = [];
    let at = 0;
    let k = 0;
    while (k < gits.length) {
      // A group of overlapping git processes counts as one segment.
      const group = [gits[k]];
      let groupEnd = gits[k].end;
      while (k + 1 < gits.length && gits[k + 1].start < groupEnd) {
        k += 1;
        group.push(gits[k]);
        groupEnd = Math.max(groupEnd, gits[k].end);
      }
      group.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0)); // stable labels across runs
      const gStart = Math.min(...group.map((g) => g.start));
      segments.push({ label: at === 0 ? 'node: start-up, imports, until the first git' : 'node', ms: gStart - at });
      segments.push({
        label: group.length === 1 ? group[0].label : `${group.length} in parallel: ${group.map((g) => g.label.split(' ').slice(0, 3).join(' ')).join(' ‖ ')}`,
        ms: groupEnd - gStart,
        detail: group.map((g) => ({ label: g.label, ms: round(g.end - g.start) })),
      });
      at = groupEnd;
      k += 1;
    }
    segments.push({ label: 'node: after the last git until exit', ms: end - start - at });
    perRun.push({ totalMs: end - start, segments });
  }
  // Medians by position, when every run had the same shape.
  const shape = (run) => run.segments.map((s) => s.label).join('|');
  const same = perRun.every((run) => shape(run) === shape(perRun[0]));
  const base = same ? perRun[0] : [...perRun].sort((a, b) => a.totalMs - b.totalMs)[Math.floor(perRun.length / 2)];
  const med = (xs) => round(median([...xs].sort((a, b) => a - b)));
  const segments = base.segments.map((s, i) => ({
    label: s.label,
    ms: same ? med(perRun.map((run) => run.segments[i].ms)) : round(s.ms),
    detail: s.detail?.map((d, j) => ({ label: d.label, ms: same ? med(perRun.map((run) => run.segments[i].detail[j].ms)) : d.ms })),
  }));
  return {
    runs,
    mediansByPosition: same,
    totalMs: round(median(perRun.map((r) => r.totalMs).sort((a, b) => a - b))),
    segments,
    raw: perRun.map((r) => ({ totalMs: round(r.totalMs), segments: r.segments.map((s) => ({ label: s.label, ms: round(s.ms) })) })),
  };
}

/**
 * V8 CPU profiles of `runs` runs of `node [script args]`, summed: self time by function, total
 * (inclusive) time of the project's own functions, and self time by module.
 */
export function cpuProfile({ script, args, cwd, runs, tmp, root }) {
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (let r = 0; r < runs; r += 1) {
    const res = timed(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir', tmp, script, ...args], { cwd });
    if (res.status !== 0) throw new Error(`profiled run failed: ${res.stderr.toString()}`);
  }
  const self = new Map();
  const total = new Map();
  const byModule = new Map();
  let allUs = 0;
  const where = (cf) => {
    const url = cf.url.startsWith('file://') ? decodeURIComponent(cf.url.slice(7)) : cf.url;
    return url.startsWith(`${root}/`) ? url.slice(root.length + 1) : url;
  };
  const files = readdirSync(tmp).filter((f) => f.endsWith('.cpuprofile'));
  for (const f of files) {
    const prof = JSON.parse(readFileSync(join(tmp, f), 'utf8'));
    const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const keyOf = (n) => {
      const cf = n.callFrame;
      const file = where(cf);
      const name = cf.functionName || (file ? '(anonymous)' : cf.functionName);
      return file ? `${name}  ${file}:${cf.lineNumber + 1}` : name || '(unknown)';
    };
    for (let i = 0; i < prof.samples.length; i += 1) {
      const us = prof.timeDeltas[i + 1] ?? 0; // time until the next sample belongs to this one
      allUs += us;
      const n = nodes.get(prof.samples[i]);
      const key = keyOf(n);
      self.set(key, (self.get(key) ?? 0) + us);
      const mod = where(n.callFrame) || n.callFrame.functionName;
      const modKey = mod.startsWith('node:') ? mod.replace(/^node:internal\/([^/]+).*$/, 'node:internal/$1…') : mod;
      byModule.set(modKey, (byModule.get(modKey) ?? 0) + us);
      const seen = new Set();
      for (let id = n.id; id !== undefined; id = parent.get(id)) {
        const node = nodes.get(id);
        if (!where(node.callFrame).startsWith('dist/')) continue;
        const k = keyOf(node);
        if (seen.has(k)) continue;
        seen.add(k);
        total.set(k, (total.get(k) ?? 0) + us);
      }
    }
  }
  const top = (m, n) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, msPerRun: round(us / 1000 / files.length), share: round((us / allUs) * 100, 1) }));
  return {
    runs: files.length,
    profiledMsPerRun: round(allUs / 1000 / files.length),
    selfTop: top(self, 15),
    projectInclusiveTop: top(total, 15),
    modulesTop: top(byModule, 12),
  };
}
