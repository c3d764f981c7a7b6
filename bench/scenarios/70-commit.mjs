// A real commit's cost: `git commit` with the installed hook minus the same commit with
// --no-verify, on a template-sized project (30 migrations) and on the monorepo, beside the floor
// (node -e 0 + the hook's one git status) measured in the same block. The guard's share is that
// difference minus the route's own: the same commit through hooks that hold one `:` (git's cost
// of having a pre-commit hook at all; with husky, its wrappers too). Three routes: plain git
// hooks and husky (goal: the guard's share ≤ 1.3× the floor), and the pre-commit framework, whose
// own start (Python) is printed beside it.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bigRepo } from '../lib/repos.mjs';
import { STATUS_ARGS } from './10-check.mjs';

export const name = 'commit';
export const title = '7. a real git commit: the installed hook minus --no-verify, beside the floor (plain hooks, husky, pre-commit)';

const ID = ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.invalid', '-c', 'commit.gpgsign=false'];

function templateRepo(must) {
  const dir = mkdtempSync(join(tmpdir(), 'ag-bench-commit-'));
  must('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  mkdirSync(join(dir, 'backend/alembic/versions'), { recursive: true });
  writeFileSync(join(dir, 'backend/alembic.ini'), '[alembic]\nscript_location = alembic\n');
  writeFileSync(join(dir, 'backend/alembic/env.py'), 'from alembic import context\n');
  writeFileSync(join(dir, 'backend/alembic/script.py.mako'), '');
  let down = 'None';
  for (let i = 0; i < 30; i++) {
    const id = `r${String(i).padStart(4, '0')}`;
    writeFileSync(join(dir, `backend/alembic/versions/${id}.py`), `revision = "${id}"\ndown_revision = ${down}\n\n\ndef upgrade():\n    pass\n`);
    down = `"${id}"`;
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'template', private: true, workspaces: ['frontend'] }, null, 2)}\n`);
  for (let i = 0; i < 200; i++) {
    mkdirSync(join(dir, `frontend/src/c${i % 20}`), { recursive: true });
    writeFileSync(join(dir, `frontend/src/c${i % 20}/f${i}.ts`), `export const x${i} = ${i};\n`);
  }
  must('git', ['add', '.'], { cwd: dir });
  must('git', [...ID, 'commit', '-q', '-m', 'template'], { cwd: dir });
  // A project made a while ago: the quiet-commit note is only written for a top folder that
  // changed more than a second before the check (src/hooks/quiet-commit.ts).
  const past = Date.now() / 1000 - 60;
  utimesSync(dir, past, past);
  return dir;
}

/**
 * One route's hook in place for `fn`, then gone: plain git hooks; husky (`install --mode husky`,
 * the hook finding the CLI as node_modules/.bin/alembic-guard, as after npm install); the
 * pre-commit framework with a `repo: local` hook of `language: system` (the framework's own
 * cost: Python, its config, its stash of unstaged changes).
 */
function withRoute(route, cwd, ctx, fn) {
  const { NODE, CLI, must } = ctx;
  const bin = join(cwd, 'node_modules/.bin');
  const noop = join(cwd, '.git/hooks/pre-commit');
  if (route === 'noop') {
    writeFileSync(noop, '#!/bin/sh\n:\n');
    chmodSync(noop, 0o755);
  }
  if (route === 'plain') must(NODE, [CLI, 'install', '--mode', 'git'], { cwd });
  const huskyOwn = ['pre-commit', 'commit-msg'].map((hook) => join(cwd, '.husky', hook));
  const kept = [];
  if (route === 'husky' || route === 'husky-noop') {
    // As npm lays it out: the package in node_modules/alembic-guard, its bin linked in .bin.
    mkdirSync(bin, { recursive: true });
    symlinkSync(dirname(dirname(CLI)), join(cwd, 'node_modules/alembic-guard'));
    symlinkSync('../alembic-guard/dist/cli.js', join(bin, 'alembic-guard'));
    must(NODE, [CLI, 'install', '--mode', 'husky'], { cwd });
  }
  if (route === 'husky-noop') {
    // husky's own cost: its hooks in place (.husky/_, core.hooksPath), the two a commit runs
    // holding one `:` each instead of the guard's blocks (put back before uninstall).
    for (const file of huskyOwn) {
      kept.push(readFileSync(file));
      writeFileSync(file, ':\n');
    }
  }
  if (route === 'framework') {
    writeFileSync(
      join(cwd, '.pre-commit-config.yaml'),
      `repos:\n  - repo: local\n    hooks:\n      - id: alembic-guard\n        name: alembic-guard\n        entry: ${NODE} ${CLI} check\n        language: system\n        always_run: true\n        pass_filenames: false\n`,
    );
    must('pre-commit', ['install', '-f'], { cwd });
  }
  try {
    return fn();
  } finally {
    huskyOwn.forEach((file, i) => kept[i] !== undefined && writeFileSync(file, kept[i]));
    if (route === 'noop') {
      rmSync(noop, { force: true });
    } else if (route === 'framework') {
      must('pre-commit', ['uninstall'], { cwd });
      rmSync(join(cwd, '.pre-commit-config.yaml'), { force: true });
    } else {
      must(NODE, [CLI, 'uninstall'], { cwd });
    }
    if (route === 'husky' || route === 'husky-noop') rmSync(join(cwd, 'node_modules'), { recursive: true, force: true });
  }
}

export async function run(ctx) {
  const { NODE, measure, must, row, line, goal, fmt, ratioText, round } = ctx;
  const template = templateRepo(must);
  const big = (await bigRepo(ctx)).dir;
  const results = {};
  (ctx.cleanups ??= []).push(() => rmSync(template, { recursive: true, force: true }));
  const framework = must('sh', ['-c', 'command -v pre-commit || true'], {}).stdout.toString().trim();
  // First, each route's own cost, whatever its hooks hold: git's of having a pre-commit hook at
  // all (a hook of one `:`; after any pre-commit hook git reads the index again, since the hook
  // may have changed it), and husky's (its .husky/_ wrapper for each of the commit's two hooks,
  // which hold one `:`). The guard's share is the rest: the route's commit minus that one's.
  const routes = [
    ['noop', "a pre-commit hook of one ':' (git's own cost of any hook)", null, null],
    ['plain', 'plain git hooks', { template: '7a', monorepo: '7b' }, 'noop'],
    ['husky-noop', "husky with hooks of one ':' (husky's own cost, git's in it)", null, null],
    ['husky', 'husky', { template: '7c', monorepo: '7d' }, 'husky-noop'],
    ...(framework ? [['framework', 'the pre-commit framework (repo: local, language: system)', null, 'noop']] : []),
  ];
  for (const [key, cwd, label] of [
    ['template', template, 'template (30 migrations, 230 files)'],
    ['monorepo', big, 'monorepo (100,000 files, 5,000 migrations)'],
  ]) {
    ctx.out(`  ${label}:`);
    results[key] = {};
    for (const [route, routeLabel, goals, own] of routes) {
      const undo = () => must('git', ['reset', '-q', '--soft', 'HEAD~1'], { cwd });
      const s = withRoute(route, cwd, ctx, () =>
        measure(
          [
            { key: 'hook', label: `git commit (${route})`, cmd: 'git', args: [...ID, 'commit', '-q', '--allow-empty', '-m', 'bench'], cwd, after: undo },
            {
              key: 'noVerify',
              label: 'git commit --no-verify',
              cmd: 'git',
              args: [...ID, 'commit', '-q', '--allow-empty', '--no-verify', '-m', 'bench'],
              cwd,
              after: undo,
            },
            { key: 'node', label: 'node -e 0', cmd: NODE, args: ['-e', '0'], cwd },
            { key: 'gitStatus', label: "git status (the hook's own)", cmd: 'git', args: STATUS_ARGS, cwd },
          ],
          { warmup: ctx.WARMUP, runs: Math.max(3, Math.ceil(ctx.RUNS / 2)) },
        ),
      );
      const share = s.hook.median - s.noVerify.median;
      const floor = s.node.median + s.gitStatus.median;
      ctx.out(`    ${routeLabel}:`);
      row(`    git commit with the hook`, s.hook);
      row('    git commit --no-verify', s.noVerify);
      if (own === null) {
        line("    the route's own cost (the difference)", `${fmt(share)} ms`);
        results[key][route] = { ...s, shareMs: round(share) };
        continue;
      }
      const ownMs = results[key][own].shareMs;
      const guard = share - ownMs;
      line('    the difference', `${fmt(share)} ms`);
      line(`    of which the route's own cost (${own === 'noop' ? "git's" : "husky's and git's"})`, `${fmt(ownMs)} ms`);
      line("    the guard's share (the rest)", `${fmt(guard)} ms`);
      line('    floor (node -e 0 + git status)', `${fmt(floor)} ms`);
      line("    the whole difference / floor, the route's own cost in it (no goal)", ratioText(share / floor).padStart(7));
      if (goals) goal(goals[key], `commit: the guard's share / floor, ${key}, ${routeLabel} (≤ 1.3×)`, ratioText(guard / floor), guard / floor <= 1.3);
      else line(`    the guard's share / floor (no goal: the framework's own start is in it)`, ratioText(guard / floor).padStart(7));
      results[key][route] = { ...s, shareMs: round(share), ownMs, guardMs: round(guard), floorMs: round(floor), ratio: round(guard / floor, 3) };
    }
  }
  // The pre-commit framework's own start, where it is installed (Debian's pre-commit).
  if (framework) {
    const f = measure([{ key: 'pc', label: "pre-commit --version (the framework's own start)", cmd: framework, args: ['--version'], cwd: template }], {
      warmup: 1,
      runs: 5,
    });
    row("pre-commit --version (the framework's own start, before any hook)", f.pc);
    results.frameworkStart = f.pc;
  }
  return results;
}
