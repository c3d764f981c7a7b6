// The build to compare with in the no-regression rows: by default the commit before the bundle
// (issue 11), exported with git archive and built once into bench/.work/baseline-<commit>/.
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchFailure, direct, must } from './proc.mjs';

export const BASELINE_COMMIT = '5d07b7a';

export function baselineCli({ ROOT, WORK, opts, log }) {
  if (opts.baseline) return resolve(opts.baseline);
  const dir = join(WORK, `baseline-${BASELINE_COMMIT}`);
  const cli = join(dir, 'dist', 'cli.js');
  if (existsSync(cli)) return cli;
  log(`  building the baseline (${BASELINE_COMMIT}) into ${dir} …`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = direct('sh', ['-c', `git -C "$0" archive ${BASELINE_COMMIT} | tar -x -C "$1"`, ROOT, dir]);
  if (archive.status !== 0) throw new BenchFailure(`cannot export the baseline ${BASELINE_COMMIT}: ${archive.stderr}; pass --baseline PATH`);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  must(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: dir });
  must(process.execPath, ['scripts/postbuild.mjs'], { cwd: dir });
  return cli;
}
