/**
 * alembic-guard's own package: its version, and the files it ships beside dist/ (the plain hook
 * template). This module sits in src/ as cli.ts does, so `new URL('../…', import.meta.url)` names
 * the same file from the sources and from the bundle (dist/cli.js; see scripts/build.mjs).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GuardError } from './errors.js';

/** The running alembic-guard's version, from the package.json above dist/ (or src/). */
export function ownVersion(): string {
  let pkg: { name?: string; version?: string } | null = null;
  try {
    pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
  } catch {
    // not there, or not JSON: said below
  }
  if (pkg?.name !== 'alembic-guard' || !pkg.version) throw new GuardError("cannot find alembic-guard's own package.json");
  return pkg.version;
}

/** The CLI next to this module (dist/cli.js once built). */
export function ownCli(): string {
  return fileURLToPath(new URL('./cli.js', import.meta.url));
}

/** The plain hook template as shipped in the package's hooks/ folder. */
export function hookTemplate(): string {
  return readFileSync(new URL('../hooks/hook', import.meta.url), 'utf8');
}
