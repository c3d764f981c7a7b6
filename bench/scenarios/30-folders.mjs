// Goal 3: `check` in a repository with 50,000 top-level folders (and the monorepo's 5,000
// migrations) ≤ 1.35× its floor: discovery must not pay for folders that hold no Alembic file.
import { foldersRepo, FOLDERS } from '../lib/repos.mjs';
import { STATUS_ARGS } from './10-check.mjs';

export const name = 'folders';
export const title = `3. check vs floor — ${FOLDERS.folders.toLocaleString('en-US')} top-level folders + ${FOLDERS.migrations.toLocaleString('en-US')} migrations in backend/`;

export async function run(ctx) {
  const { NODE, CLI, WARMUP, measure, row, line, goal, fmt, ratioText, round } = ctx;
  const repo = await foldersRepo(ctx);
  const cwd = repo.dir;
  const runs = Math.max(3, Math.ceil(ctx.RUNS / 2));
  const s = measure(
    [
      { key: 'check', label: 'alembic-guard check', cmd: NODE, args: [CLI, 'check'], cwd },
      { key: 'node', label: 'node -e 0', cmd: NODE, args: ['-e', '0'], cwd },
      { key: 'gitStatus', label: 'git status … -- backend/alembic/versions', cmd: 'git', args: STATUS_ARGS, cwd },
    ],
    { warmup: WARMUP, runs },
  );
  const floor = s.node.median + s.gitStatus.median;
  row('alembic-guard check', s.check);
  row('floor: node -e 0', s.node);
  row('floor: git status … -- backend/alembic/versions', s.gitStatus);
  line('floor (sum of the two medians)', `${fmt(floor)} ms`);
  const ratio = s.check.median / floor;
  goal('3', 'check / floor with 50,000 top-level folders (≤ 1.35×)', ratioText(ratio), ratio <= 1.35);
  return { ...s, floorMs: round(floor), ratio: round(ratio, 3) };
}
