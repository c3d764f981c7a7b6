// The package as a user installs it: `npm install -g` of the packed tarball must compile nothing
// (issue 10: better-sqlite3 built from source took minutes per install). Installed offline from
// the npm cache that `npm install` of this project filled, into a private global prefix.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cleanupAll, PROJECT, run, tempDir, testEnv } from './helpers/repo.js';

afterAll(cleanupAll);

function npmEnv(prefix: string): NodeJS.ProcessEnv {
  return testEnv({
    npm_config_cache: process.env.npm_config_cache || join(homedir(), '.npm'),
    npm_config_prefix: prefix,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_loglevel: 'error',
  });
}

/** Every installed package folder under a node_modules tree (scoped ones included). */
function packages(nodeModules: string): string[] {
  const found: string[] = [];
  if (!existsSync(nodeModules)) return found;
  for (const name of readdirSync(nodeModules)) {
    if (name.startsWith('.')) continue;
    const dir = join(nodeModules, name);
    if (name.startsWith('@')) {
      for (const inner of readdirSync(dir)) found.push(join(dir, inner), ...packages(join(dir, inner, 'node_modules')));
    } else if (statSync(dir).isDirectory()) {
      found.push(dir, ...packages(join(dir, 'node_modules')));
    }
  }
  return found;
}

it('npm install -g of the packed tarball compiles nothing and runs', () => {
  const dir = tempDir('ag-global-');
  const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir, PROJECT], { cwd: dir, env: npmEnv(join(dir, 'unused')) });
  expect(packed.code, packed.stderr).toBe(0);
  const tgz = join(dir, (JSON.parse(packed.stdout) as { filename: string }[])[0].filename);
  const prefix = join(dir, 'global');
  const started = Date.now();
  const installed = run('npm', ['install', '-g', '--offline', '--foreground-scripts', tgz], { cwd: dir, env: npmEnv(prefix) });
  const seconds = (Date.now() - started) / 1000;
  expect(installed.code, installed.stderr).toBe(0);
  console.log(`npm install -g of the packed tarball (offline, from the cache): ${seconds.toFixed(1)} s`);

  // Nothing native and no install step: no binding.gyp, no install scripts, no better-sqlite3.
  const tree = packages(join(prefix, 'lib/node_modules'));
  expect(tree.map((p) => p.split('/node_modules/').pop())).toContain('alembic-guard');
  for (const pkg of tree) {
    expect(existsSync(join(pkg, 'binding.gyp')), pkg).toBe(false);
    const scripts = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
    for (const hook of ['preinstall', 'install', 'postinstall']) expect(scripts[hook], `${pkg} ${hook}`).toBeUndefined();
  }
  expect(tree.some((p) => p.endsWith('/better-sqlite3'))).toBe(false);
  expect(installed.stdout + installed.stderr).not.toMatch(/node-gyp|prebuild-install/);

  const version = run(join(prefix, 'bin/alembic-guard'), ['--version'], { env: testEnv() });
  expect(version.code, version.stderr).toBe(0);
  expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(PROJECT, 'package.json'), 'utf8')).version);
});
