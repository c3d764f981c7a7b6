/**
 * alembic-guard as a user gets it (husky's own tests do the same): `npm pack` of this project,
 * installed once per test run into a template folder (shared.ts: the first file to need it makes
 * it, the others wait; the tarball is packed once for the run too). Test repositories get a node_modules
 * folder of links into that template, so `node_modules/.bin/alembic-guard` and `husky` are the
 * packed ones, and a test may add its own bins (a lint-staged stand-in) without touching others.
 *
 * The install runs offline from the npm cache. Where the cache lacks what npm needs to resolve
 * the dependencies (a fresh machine after `npm ci`), the tarball is unpacked by hand instead and
 * its dependencies linked to this project's node_modules: the files tested are the packed ones
 * either way.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { networkEnv, PROJECT, run, testEnv } from './repo.js';
import { once } from './shared.js';

export interface Packed {
  /** The template's node_modules. */
  nodeModules: string;
  /** How it was made: a real npm install of the tarball, or the tarball unpacked by hand. */
  how: 'npm install' | 'unpacked';
}

export function npmEnv(): NodeJS.ProcessEnv {
  return testEnv({
    ...networkEnv(),
    npm_config_cache: process.env.npm_config_cache || join(homedir(), '.npm'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_loglevel: 'error',
  });
}

/** `npm pack` of this project, once per test run: the tarball's path (read it, do not change it). */
export function packTarball(): string {
  return once('pack', (dir) => {
    const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir, PROJECT], { cwd: dir, env: npmEnv() });
    if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
    return join(dir, (JSON.parse(packed.stdout) as { filename: string }[])[0].filename);
  });
}

/** The tarball installed into a template folder, once per test run: link to it, never write into it. */
export function packProject(): Packed {
  return once('packed', (dir) => installTemplate(packTarball(), dir));
}

function installTemplate(tgz: string, dir: string): Packed {
  const template = join(dir, 'template');
  mkdirSync(template);
  writeFileSync(join(template, 'package.json'), '{ "name": "ag-template", "version": "1.0.0", "private": true }\n');
  if (process.env.AG_TEST_PACK !== 'unpack') {
    const installed = run('npm', ['install', '--offline', '--omit=optional', '--ignore-scripts', '--no-package-lock', tgz], { cwd: template, env: npmEnv() });
    if (installed.code === 0 && existsSync(join(template, 'node_modules/.bin/alembic-guard'))) {
      return { nodeModules: join(template, 'node_modules'), how: 'npm install' };
    }
  }
  // By hand: the tarball's package/ becomes node_modules/alembic-guard.
  const nodeModules = join(template, 'node_modules');
  mkdirSync(join(nodeModules, '.bin'), { recursive: true });
  const untar = run('tar', ['-xzf', tgz, '-C', template]);
  if (untar.code !== 0) throw new Error(`tar failed: ${untar.stderr}`);
  renameSync(join(template, 'package'), join(nodeModules, 'alembic-guard'));
  symlinkSync(join(PROJECT, 'node_modules'), join(nodeModules, 'alembic-guard', 'node_modules'));
  symlinkSync(join(PROJECT, 'node_modules', 'husky'), join(nodeModules, 'husky'));
  chmodSync(join(nodeModules, 'alembic-guard', 'dist', 'cli.js'), 0o755); // npm install would
  symlinkSync('../alembic-guard/dist/cli.js', join(nodeModules, '.bin', 'alembic-guard'));
  symlinkSync('../husky/bin.js', join(nodeModules, '.bin', 'husky'));
  return { nodeModules, how: 'unpacked' };
}

/**
 * <dir>/node_modules as links into the template, with a real .bin folder so that a test can add
 * bins of its own (name → sh script text).
 */
export function linkNodeModules(packed: Packed, dir: string, bins: Record<string, string> = {}): void {
  const target = join(dir, 'node_modules');
  mkdirSync(join(target, '.bin'), { recursive: true });
  for (const name of readdirSync(packed.nodeModules)) {
    if (name === '.bin' || name.startsWith('.package-lock')) continue;
    symlinkSync(join(packed.nodeModules, name), join(target, name));
  }
  for (const name of readdirSync(join(packed.nodeModules, '.bin'))) {
    symlinkSync(realpathSync(join(packed.nodeModules, '.bin', name)), join(target, '.bin', name));
  }
  for (const [name, script] of Object.entries(bins)) {
    writeFileSync(join(target, '.bin', name), script, { mode: 0o755 });
  }
}
