// A real commit's cost: `git commit` with the installed plain git hooks minus the same commit with
// --no-verify, on a template-sized project (30 migrations) and on the monorepo, beside the floor
// (node -e 0 + the hook's one git status) measured in the same run. The guard's share ≤ 1.3× the
// floor. husky runs the same hook line through its own sh wrapper (a few ms more); the pre-commit
// framework adds its own start (Python), printed where it is installed.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bigRepo } from '../lib/repos.mjs';
import { STATUS_ARGS } from './10-check.mjs';

export const name = 'commit';
export const title = '7. a real git commit: the installed plain hook minus --no-verify, beside the floor';

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
  for (let i = 0; i < 200; i++) {
    mkdirSync(join(dir, `frontend/src/c${i % 20}`), { recursive: true });
    writeFileSync(join(dir, `frontend/src/c${i % 20}/f${i}.ts`), `export const x${i} = ${i};\n`);
  }
  must('git', ['add', '.'], { cwd: dir });
  must('git', [...ID, 'commit', '-q', '-m', 'template'], { cwd: dir });
  return dir;
}

export async function run(ctx) {
  const { NODE, CLI, WARMUP, measure, must, row, line, goal, fmt, ratioText, round } = ctx;
  const template = templateRepo(must);
  const big = (await bigRepo(ctx)).dir;
  const results = {};
  (ctx.cleanups ??= []).push(() => rmSync(template, { recursive: true, force: true }));
  for (const [key, cwd, label] of [
    ['template', template, 'template (30 migrations, 230 files)'],
    ['monorepo', big, 'monorepo (100,000 files, 5,000 migrations)'],
  ]) {
    must(NODE, [CLI, 'install', '--mode', 'git'], { cwd });
    const undo = () => must('git', ['reset', '-q', '--soft', 'HEAD~1'], { cwd });
    let s;
    try {
      s = measure(
        [
          { key: 'hook', label: 'git commit (hook)', cmd: 'git', args: [...ID, 'commit', '-q', '--allow-empty', '-m', 'bench'], cwd, after: undo },
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
        { warmup: WARMUP, runs: Math.max(3, Math.ceil(ctx.RUNS / 2)) },
      );
    } finally {
      must(NODE, [CLI, 'uninstall'], { cwd });
    }
    const share = s.hook.median - s.noVerify.median;
    const floor = s.node.median + s.gitStatus.median;
    ctx.out(`  ${label}:`);
    row('  git commit with the plain hook', s.hook);
    row('  git commit --no-verify', s.noVerify);
    line("  the guard's share (the difference)", `${fmt(share)} ms`);
    line('  floor (node -e 0 + git status)', `${fmt(floor)} ms`);
    goal(key === 'template' ? '7a' : '7b', `commit share / floor, ${key}, plain hooks (≤ 1.3×)`, ratioText(share / floor), share / floor <= 1.3);
    results[key] = { ...s, shareMs: round(share), floorMs: round(floor), ratio: round(share / floor, 3) };
  }
  // The pre-commit framework's own start, where it is installed (Debian's pre-commit).
  const framework = must('sh', ['-c', 'command -v pre-commit || true'], {}).stdout.toString().trim();
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
