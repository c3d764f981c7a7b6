// Child processes for the bench: a clean environment, one timed run, and interleaved medians.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The environment every child gets: the bench's own, less anything that could steer git or the
 * guard (GIT_*, ALEMBIC_GUARD*, HUSKY, NODE_OPTIONS) or that users do not have (NODE_EXTRA_CA_CERTS),
 * with the machine's git configuration shut out.
 */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('GIT_') || key.startsWith('ALEMBIC_GUARD') || key === 'HUSKY' || key === 'NODE_OPTIONS') continue;
    // What users run: this machine sets NODE_EXTRA_CA_CERTS (~45 ms at every node start), users'
    // machines do not. Unset for every command, the floors' included.
    if (key === 'NODE_EXTRA_CA_CERTS') continue;
    if (key === 'FORCE_COLOR') continue;
    env[key] = value;
  }
  return { ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', NO_COLOR: '1', ...extra };
}

export const ENV = cleanEnv();

const RUSAGE = fileURLToPath(new URL('./rusage.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

/**
 * Runs a command to completion through bench/lib/rusage.py: `ms` is the wall time from spawn to
 * exit, `cpuMs` the user + sys time of the command's whole process tree (node and its git
 * children), from wait4(2). Set-up commands (`must`) run directly.
 */
export function timed(cmd, args, { cwd, env = ENV, input } = {}) {
  const request = JSON.stringify({ cmd, args, cwd: cwd ?? process.cwd(), env, input: input === undefined ? null : Buffer.from(input).toString('latin1') });
  const r = spawnSync(PYTHON, [RUSAGE], { input: `${request}\n`, maxBuffer: 1 << 30 });
  let answer;
  try {
    answer = JSON.parse(r.stdout.toString());
  } catch {
    return {
      ms: NaN,
      cpuMs: NaN,
      status: null,
      signal: null,
      error: r.error ?? new Error(`rusage.py: ${r.stderr}`),
      stdout: Buffer.alloc(0),
      stderr: r.stderr ?? Buffer.alloc(0),
    };
  }
  return {
    ms: answer.ms,
    cpuMs: answer.userMs + answer.sysMs,
    userMs: answer.userMs,
    sysMs: answer.sysMs,
    maxRssKb: answer.maxRssKb,
    status: answer.status ?? null,
    signal: answer.signal ?? null,
    error: answer.error ? new Error(answer.error) : undefined,
    stdout: Buffer.from(answer.stdout ?? '', 'latin1'),
    stderr: Buffer.from(answer.stderr ?? '', 'latin1'),
  };
}

/** Runs a command directly (set-up, no timing of interest). */
export function direct(cmd, args, { cwd, env = ENV, input } = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env, input, maxBuffer: 1 << 30 });
  return {
    ms: Number(process.hrtime.bigint() - t0) / 1e6,
    status: r.status,
    signal: r.signal,
    error: r.error,
    stdout: r.stdout ?? Buffer.alloc(0),
    stderr: r.stderr ?? Buffer.alloc(0),
  };
}

/** Runs a setup command and throws with its output when it fails. */
export function must(cmd, args, options = {}) {
  const r = direct(cmd, args, options);
  if (r.error || r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} (cwd ${options.cwd ?? process.cwd()}) failed: ` +
        `${r.error?.message ?? `exit ${r.status}${r.signal ? ` signal ${r.signal}` : ''}`}\n` +
        `${r.stdout.toString().slice(0, 4000)}${r.stderr.toString().slice(0, 4000)}`,
    );
  }
  return r;
}

export class BenchFailure extends Error {}

/**
 * Measures several commands round-robin (a, b, c, a, b, c, …) so that drift of the machine hits
 * every one alike. Each spec: { key, label, cmd, args, cwd, env?, okCodes? = [0], verify?(result),
 * before?(), after?() }.
 * A run with an unexpected exit code fails the bench: it must never time an error path.
 */
export function measure(specs, { warmup = 2, runs = 15 } = {}) {
  const samples = new Map(specs.map((s) => [s.key, []]));
  const cpu = new Map(specs.map((s) => [s.key, []]));
  const rss = new Map(specs.map((s) => [s.key, []]));
  for (let i = 0; i < warmup + runs; i += 1) {
    for (const spec of specs) {
      // before/after: untimed set-up around each run (e.g. a config file present only for it).
      spec.before?.();
      let r;
      try {
        r = timed(spec.cmd, spec.args, { cwd: spec.cwd, env: spec.env ?? ENV, input: spec.input });
      } finally {
        spec.after?.();
      }
      const ok = !r.error && (spec.okCodes ?? [0]).includes(r.status);
      if (!ok) {
        throw new BenchFailure(
          `${spec.label}: ${r.error ? r.error.message : `exit ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}`} ` +
            `in ${spec.cwd} — the bench refuses to time an error path.\n` +
            `--- stdout ---\n${r.stdout.toString().slice(0, 8000)}\n--- stderr ---\n${r.stderr.toString().slice(0, 8000)}`,
        );
      }
      if (spec.verify && i === 0) spec.verify(r);
      if (i >= warmup) {
        samples.get(spec.key).push(round(r.ms));
        cpu.get(spec.key).push(round(r.cpuMs));
        rss.get(spec.key).push(r.maxRssKb);
      }
    }
  }
  const out = {};
  for (const spec of specs)
    out[spec.key] = {
      ...summary(spec.label, samples.get(spec.key)),
      cpu: summary(`${spec.label} (CPU)`, cpu.get(spec.key)),
      maxRssMb: round(Math.max(...rss.get(spec.key)) / 1024, 1),
    };
  return out;
}

export function summary(label, samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    label,
    median: round(median(sorted)),
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
    // Median absolute deviation: the noise a reader should allow for.
    mad: round(median(sorted.map((x) => Math.abs(x - median(sorted))).sort((a, b) => a - b))),
    n: sorted.length,
    samples,
  };
}

export function median(sorted) {
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

export function round(x, digits = 2) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
