// npm's prepare: build dist/ (the bundle, no type check). One case needs help: `npm install -g
// git+…` of this repository (pre-commit 4.6.1+ installs node hooks that way) runs prepare in the
// clone without installing its devDependencies, because the global flag reaches the inner install
// (npm/cli#8440). Then install them here first, locally and without scripts, so that the build
// has esbuild.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
const stdio = ['ignore', process.stderr, process.stderr]; // stdout is for npm pack's tarball name

function npmRun(args) {
  const result = spawnSync(npm[0], [...npm.slice(1), ...args], { stdio });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (process.env.npm_config_global === 'true' && !existsSync('node_modules/esbuild')) {
  npmRun(['install', '--global=false', '--include=dev', '--ignore-scripts', '--no-save', '--no-audit', '--no-fund']);
}
// The bundle only (scripts/build.mjs): the type check of `npm run build` is the developer's and
// CI's (`npm run typecheck`, `npm test`), and on an install it doubled the time, twice over where
// the pre-commit framework installs the hook (npm install, then npm pack, each running prepare).
const built = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio });
if (built.status !== 0) process.exit(built.status ?? 1);
