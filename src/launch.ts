/**
 * dist/cli.js, the executable every hook starts: it loads the bundle (dist/main.js, built from
 * cli.ts) through V8's code cache, so a commit does not pay for compiling 370 KB of JavaScript
 * and then each function it calls, again, on every run.
 *
 * Node 22.1+ has its own cache (module.enableCompileCache; NODE_COMPILE_CACHE and
 * NODE_DISABLE_COMPILE_CACHE are its settings). On older Nodes this file keeps one: V8's data
 * for this bundle after a run, in the user's cache directory ($XDG_CACHE_HOME/alembic-guard, else
 * ~/.cache/alembic-guard), written once per bundle and Node version, read only when it is a
 * regular file of this user that nobody else may write. Any trouble costs only the compile.
 * ALEMBIC_GUARD_CACHE=0 turns it off, with the guard's other caches.
 */
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as nodeModule from 'node:module';

import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { startEarlyStatus } from './early.js';
import { IMPORT_HOOK } from './packages.js';

/** Hex digest of dist/main.js, set by the build: a cache is only ever read for the same bytes. */
declare const BUNDLE_HASH: string;

const bundle = fileURLToPath(new URL('./main.js', import.meta.url));
const off = process.env.ALEMBIC_GUARD_CACHE === '0';
const enableCompileCache = (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache;

// First of all, while node goes on loading: check's git status, when it is known (early.ts).
startEarlyStatus(process.argv.slice(2));

// The bundle's import() of pg, husky, smol-toml…: code restored from V8's cache cannot start one.
(globalThis as { [IMPORT_HOOK]?: (name: string) => Promise<unknown> })[IMPORT_HOOK] = (name) => import(name);

if (off || enableCompileCache) {
  if (!off) enableCompileCache?.();
  createRequire(bundle)(bundle);
} else {
  runCached();
}

function runCached(): void {
  const dir = cacheDir();
  // One file per hook command (and one for the rest): V8's data holds the functions the run that
  // wrote it compiled, and a check should not start from what an install compiled.
  const command = process.argv[2];
  const role = command === 'check' || command === 'pre-push' || command === 'post-checkout' || command === 'validate' ? command : 'cli';
  const file = dir && join(dir, `v8-${BUNDLE_HASH.slice(0, 16)}-${process.version}-${process.arch}-${role}.cache`);
  const cachedData = file ? readOwn(file) : undefined;
  const source = readFileSync(bundle, 'utf8');
  // The function node's own CommonJS loader wraps a module in; the bundle starts with a #! line.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source.startsWith('#!') ? `//${source}` : source}\n})`;
  const script = new Script(wrapped, { filename: bundle, cachedData });
  // Written at exit, after the run: V8's data then holds every function the run compiled.
  if (file && (cachedData === undefined || script.cachedDataRejected)) process.once('exit', () => store(file, script));
  const module = { exports: {}, filename: bundle, id: bundle };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
}

function cacheDir(): string | null {
  const { XDG_CACHE_HOME: xdg, HOME: home } = process.env;
  // $HOME, not os.homedir(): node:os alone costs a commit more than the rest of this file.
  if (xdg && isAbsolute(xdg)) return join(xdg, 'alembic-guard');
  return home && isAbsolute(home) ? join(home, '.cache', 'alembic-guard') : null;
}

/** The file's bytes when this user owns it and nobody else may change it (or its folder). */
function readOwn(file: string): Buffer | undefined {
  const uid = process.getuid?.();
  try {
    const folder = lstatSync(dirname(file));
    if (!folder.isDirectory() || (uid !== undefined && folder.uid !== uid) || (folder.mode & 0o022) !== 0) return undefined;
    const fd = openSync(file, 'r');
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) return undefined;
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

function store(file: string, script: Script): void {
  try {
    const folder = dirname(file);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
    renameSync(temp, file);
    // This Node's data for older bundles is of no more use.
    const mine = file.slice(file.lastIndexOf(`-${process.version}-`));
    for (const name of readdirSync(folder)) {
      if (name.startsWith('v8-') && name.endsWith(mine) && join(folder, name) !== file) rmSync(join(folder, name), { force: true });
    }
  } catch {
    // a read-only or full home directory: the next run compiles again
  }
}
