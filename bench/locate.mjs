#!/usr/bin/env node
// alembic-guard locate and the post-checkout hook, benchmarked (issue 12). Called from
// bench/run.mjs (`benchLocate`), or alone: `node bench/locate.mjs [--runs N] [--cli PATH]`.
//
//   a. locate in a repository of 20,000 commits, 200 branches, 50 stash entries and 5,000
//      migrations: a revision only on a branch (goal ≤ 1 s) and one only in deleted history
//      (goal ≤ 3 s), each beside `git log --all -S<id>` measured in the same run.
//   b. the post-checkout hook with no database configured: a branch switch with the hook beside
//      the same switch without it (goal ≤ 50 ms more).
//
// The repository is written by one `git fast-import` (the stash reflog by hand, as `git stash`
// writes it) and cached in bench/.work/locate/, keyed by GENERATOR.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ENV, measure, must, round } from './lib/proc.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const GENERATOR = 'locate-2';
export const SHAPE = { commits: 20_000, branches: 200, stash: 50, migrations: 5_000 };
const GOALS = { branchMs: 1000, historyMs: 3000, hookMs: 50 };
const V = 'backend/alembic/versions';
const BRANCH_REV = 'br_0150_feature';
const HISTORY_REV = 'gone_4242';

const pad = (n, w = 5) => String(n).padStart(w, '0');
const migration = (rev, down) =>
  `"""${rev}\n\nRevision ID: ${rev}\nRevises: ${down ?? ''}\n"""\nfrom alembic import op\n\nrevision = '${rev}'\ndown_revision = ${down ? `'${down}'` : 'None'}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    op.execute("SELECT 1")\n\n\ndef downgrade():\n    pass\n`;

/** The fast-import stream: main's 20,000 commits, 200 branches, tags; stash commits marked. */
function* stream() {
  const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  let mark = 0;
  let when = 1_700_000_000;
  const commit = (ref, message, changes, from, extraParents = []) => {
    mark += 1;
    when += 60;
    const lines = [
      `commit ${ref}`,
      `mark :${mark}`,
      `author Bench <bench@example.com> ${when} +0000`,
      `committer Bench <bench@example.com> ${when} +0000`,
      data(message).trimEnd(),
    ];
    if (from) lines.push(`from ${from}`);
    for (const p of extraParents) lines.push(`merge ${p}`);
    for (const c of changes) lines.push(c);
    return `${lines.join('\n')}\n\n`;
  };
  const modify = (path, text) => `M 100644 inline ${path}\n${data(text).trimEnd()}`;
  const mainMarks = [];
  let migrations = 0;
  let last = null;
  yield commit('refs/heads/main', 'initial', [
    modify('backend/alembic.ini', '[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = driver://user:pass@localhost/dbname\n'),
    modify('backend/alembic/env.py', 'from alembic import context\n'),
    modify('backend/alembic/script.py.mako', '"""${message}"""\n'),
  ]);
  mainMarks.push(mark);
  for (let i = 1; i < SHAPE.commits; i += 1) {
    const changes = [modify(`src/app_${i % 50}.py`, `VALUE = ${i}\n`)];
    if (i % 4 === 0 && migrations < SHAPE.migrations) {
      const rev = `m${pad(migrations)}`;
      changes.push(modify(`${V}/${rev}.py`, migration(rev, last)));
      last = rev;
      migrations += 1;
    }
    // One migration lives for one commit, then is deleted: only history has it.
    if (i === 10_500) changes.push(modify(`${V}/${HISTORY_REV}.py`, migration(HISTORY_REV, 'm00100')));
    if (i === 10_501) changes.push(`D ${V}/${HISTORY_REV}.py`);
    yield commit('refs/heads/main', `commit ${i}`, changes, i === 1 ? `:${mainMarks[0]}` : null);
    mainMarks.push(mark);
  }
  // 200 branches forked along main, each with one migration of its own.
  for (let b = 0; b < SHAPE.branches; b += 1) {
    const at = mainMarks[mainMarks.length - 1 - b * 90];
    const rev = `br_${pad(b, 4)}_feature`;
    yield commit(`refs/heads/feature/b${pad(b, 4)}`, `feature ${b}`, [modify(`${V}/${rev}.py`, migration(rev, 'm04000'))], `:${at}`);
  }
  for (let t = 0; t < 20; t += 1) yield `reset refs/tags/v${t}\nfrom :${mainMarks[t * 1000]}\n\n`;
  // Stash entries as `git stash -u` writes them: an index commit, an untracked-files root
  // commit, and the stash commit whose parents are HEAD, the index and the untracked files.
  const tip = `:${mainMarks[mainMarks.length - 1]}`;
  const stash = [];
  for (let s = 0; s < SHAPE.stash; s += 1) {
    const index = commit('refs/bench/tmp', `index on main: ${s}`, [], tip);
    const indexMark = mark;
    yield index;
    const untracked = commit('refs/bench/tmp-u', `untracked files on main: ${s}`, [
      modify(`${V}/stash_${pad(s, 3)}.py`, migration(`stash_${pad(s, 3)}`, 'm04999')),
    ]);
    const untrackedMark = mark;
    yield `reset refs/bench/tmp-u\n\n${untracked}`;
    yield commit('refs/bench/tmp', `WIP on main: ${s}`, [modify(`src/app_${s}.py`, `VALUE = -${s}\n`)], tip, [`:${indexMark}`, `:${untrackedMark}`]);
    stash.push({ mark, when });
  }
  yield `reset refs/bench/tmp\n\nreset refs/bench/tmp-u\n\n`;
  yield { stash };
}

async function fastImport(dir) {
  const marks = join(dir, '.git', 'bench-marks');
  const child = spawn('git', ['fast-import', '--quiet', `--export-marks=${marks}`], { cwd: dir, env: ENV, stdio: ['pipe', 'inherit', 'inherit'] });
  let stash = [];
  for (const chunk of stream()) {
    if (typeof chunk !== 'string') {
      stash = chunk.stash;
      continue;
    }
    if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r));
  }
  child.stdin.end();
  const code = await new Promise((r) => child.on('close', r));
  if (code !== 0) throw new Error(`git fast-import exited ${code}`);
  const byMark = new Map(
    readFileSync(marks, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(1).split(' ')),
  );
  const zero = '0'.repeat(40);
  let previous = zero;
  const log = stash.map((s, i) => {
    const id = byMark.get(String(s.mark));
    const line = `${previous} ${id} Bench <bench@example.com> ${s.when} +0000\tWIP on main: stash ${i}\n`;
    previous = id;
    return line;
  });
  mkdirSync(join(dir, '.git', 'logs', 'refs'), { recursive: true });
  writeFileSync(join(dir, '.git', 'logs', 'refs', 'stash'), log.join(''));
  must('git', ['update-ref', '--no-deref', 'refs/stash', previous], { cwd: dir, env: { ...ENV, GIT_REFLOG_ACTION: 'bench' } });
  // update-ref appended its own line: put back exactly the stash's reflog.
  writeFileSync(join(dir, '.git', 'logs', 'refs', 'stash'), log.join(''));
  for (const ref of ['refs/bench/tmp', 'refs/bench/tmp-u']) must('git', ['update-ref', '-d', ref], { cwd: dir });
}

async function locateRepo(work, log) {
  const dir = join(work, 'locate');
  const stampFile = join(dir, '.git', 'bench-locate-stamp');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === GENERATOR) {
    const st = must('git', ['status', '--porcelain', '-z', '--untracked-files=all'], { cwd: dir });
    if (st.stdout.length === 0) return dir;
  }
  log(
    `  generating the locate repository (${SHAPE.commits.toLocaleString('en-US')} commits, ${SHAPE.branches} branches, ${SHAPE.stash} stash entries, ${SHAPE.migrations.toLocaleString('en-US')} migrations) …`,
  );
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  must('git', ['init', '-q', '-b', 'main', dir]);
  for (const [k, v] of [
    ['gc.auto', '0'],
    ['maintenance.auto', 'false'],
    ['user.name', 'Bench'],
    ['user.email', 'bench@example.com'],
  ])
    must('git', ['config', k, v], { cwd: dir });
  await fastImport(dir);
  must('git', ['reset', '-q', '--hard', 'main'], { cwd: dir });
  must('git', ['repack', '-a', '-d', '-q'], { cwd: dir });
  must('git', ['pack-refs', '--all'], { cwd: dir });
  writeFileSync(stampFile, GENERATOR);
  return dir;
}

/** Runs both parts; `out` prints a line of the report; returns the numbers for results.json. */
export async function benchLocate({ cli, runs = 9, work = join(BENCH, '.work'), out = console.log, log = (l) => process.stderr.write(`${l}\n`) } = {}) {
  const node = process.execPath;
  const dir = await locateRepo(work, log);
  const count = Number(must('git', ['rev-list', '--count', '--all'], { cwd: dir }).stdout.toString().trim());
  const stash = must('git', ['stash', 'list'], { cwd: dir }).stdout.toString().split('\n').filter(Boolean).length;
  const branches = must('git', ['for-each-ref', '--format=x', 'refs/heads'], { cwd: dir }).stdout.toString().split('\n').filter(Boolean).length;
  const expectPlace = (kind) => (r) => {
    const json = JSON.parse(r.stdout.toString());
    const place = json.revisions[0].revisions[0]?.places[0];
    if (place?.kind !== kind) throw new Error(`locate found ${JSON.stringify(place)} , expected a ${kind} place`);
  };
  const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)).padStart(7);
  const row = (label, s) => out(`  ${label.padEnd(66)} ${fmt(s.median)} ms  (min ${fmt(s.min).trim()}, ±${s.mad.toFixed(1)}, n=${s.n})`);
  const met = (ok) => (ok ? 'met' : 'NOT MET');

  out('');
  out(
    `5. locate: ${count.toLocaleString('en-US')} commits, ${branches} branches, ${stash} stash entries, ${SHAPE.migrations.toLocaleString('en-US')} migrations`,
  );
  const s = measure(
    [
      {
        key: 'branch',
        label: `locate ${BRANCH_REV} (on one branch)`,
        cmd: node,
        args: [cli, 'locate', '--format', 'json', BRANCH_REV],
        cwd: dir,
        verify: expectPlace('branch'),
      },
      { key: 'branchPickaxe', label: `git log --all -S${BRANCH_REV}`, cmd: 'git', args: ['log', '--all', `-S${BRANCH_REV}`, '--format=%H'], cwd: dir },
      {
        key: 'history',
        label: `locate ${HISTORY_REV} (deleted; in history only)`,
        cmd: node,
        args: [cli, 'locate', '--format', 'json', HISTORY_REV],
        cwd: dir,
        verify: expectPlace('history'),
      },
      { key: 'historyPickaxe', label: `git log --all -S${HISTORY_REV}`, cmd: 'git', args: ['log', '--all', `-S${HISTORY_REV}`, '--format=%H'], cwd: dir },
    ],
    { warmup: 1, runs },
  );
  row(s.branch.label, s.branch);
  row(s.branchPickaxe.label, s.branchPickaxe);
  out(`    goal ≤ ${GOALS.branchMs} ms: ${met(s.branch.median <= GOALS.branchMs)}`);
  row(s.history.label, s.history);
  row(s.historyPickaxe.label, s.historyPickaxe);
  out(`    goal ≤ ${GOALS.historyMs} ms: ${met(s.history.median <= GOALS.historyMs)}`);

  // b. The hook on a branch switch, no database configured (alembic.ini holds alembic init's placeholder).
  const hooks = join(dir, '.git', 'hooks');
  mkdirSync(hooks, { recursive: true });
  const hookFile = join(hooks, 'post-checkout');
  // The hook exactly as `install` writes it (plain git mode); the other hooks are not wanted here.
  must(node, [cli, 'install', '--mode', 'git'], { cwd: dir });
  const hook = readFileSync(hookFile, 'utf8');
  must(node, [cli, 'uninstall'], { cwd: dir });
  const switchTo = (target, withHook) => ({
    before: () => {
      if (withHook) {
        writeFileSync(hookFile, hook);
        chmodSync(hookFile, 0o755);
      } else rmSync(hookFile, { force: true });
    },
    after: () => rmSync(hookFile, { force: true }),
    cmd: 'git',
    args: ['checkout', '-q', target],
    cwd: dir,
  });
  // Each run switches to a branch and back, so every sample is a real switch (a file changes).
  const specs = [];
  for (const withHook of [false, true]) {
    const name = withHook ? 'hook' : 'plain';
    specs.push({
      key: `${name}To`,
      label: `git checkout feature/b0000 ${withHook ? '(post-checkout hook)' : '(no hook)'}`,
      ...switchTo('feature/b0000', withHook),
    });
    specs.push({ key: `${name}Back`, label: `git checkout main ${withHook ? '(post-checkout hook)' : '(no hook)'}`, ...switchTo('main', withHook) });
  }
  const h = measure(specs, { warmup: 1, runs });
  const plain = (h.plainTo.median + h.plainBack.median) / 2;
  const withHook = (h.hookTo.median + h.hookBack.median) / 2;
  out('');
  out('6. post-checkout hook, no database configured (a branch switch, each way)');
  for (const k of ['plainTo', 'hookTo', 'plainBack', 'hookBack']) row(h[k].label, h[k]);
  out(`    the hook adds ${round(withHook - plain, 1)} ms to git's own checkout; goal ≤ ${GOALS.hookMs} ms: ${met(withHook - plain <= GOALS.hookMs)}`);
  return {
    repository: { commits: count, branches, stash, migrations: SHAPE.migrations },
    locate: { ...s, goals: GOALS, branchMet: s.branch.median <= GOALS.branchMs, historyMet: s.history.median <= GOALS.historyMs },
    postCheckout: { ...h, addedMs: round(withHook - plain), met: withHook - plain <= GOALS.hookMs },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' }, cli: { type: 'string' } } });
  const cli = values.cli ? resolve(values.cli) : join(ROOT, 'dist', 'cli.js');
  benchLocate({ cli, runs: Math.max(3, Number(values.runs) || 9) }).catch((error) => {
    process.stderr.write(`bench failed: ${error.stack}\n`);
    process.exitCode = 1;
  });
}
