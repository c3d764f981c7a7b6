/**
 * The package.json install works with: which one (decided from the repository, not from the
 * folder install happens to run in), and reading and writing it the way npm does (indent, BOM,
 * line endings and final newline kept; npm's own `npm pkg set` rewrites the file the same way).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { GuardError } from './errors.js';
import type { Repo } from './git/repo.js';
import { gitRaw } from './git/run.js';
import { runsHusky } from './hooks/husky.js';
import { isInside, safeRealpath } from './paths.js';
import { withoutBom } from './text.js';

export interface PackageChoice {
  /** Absolute folder of the package.json, or null: no package.json, plain git hooks. */
  dir: string | null;
  /** Why this one (or why none), for people. */
  reason: string;
}

/**
 * The package.json whose husky runs the hooks:
 * 1. the one at the top of the working tree (a workspace root among them);
 * 2. else, of the package.json files git knows (tracked or not ignored, none in node_modules),
 *    the one that already sets husky up; else the only one; else the shallowest, when one is;
 * 3. else (web/ and docs/ side by side) the one above the current folder, or a refusal naming them.
 */
export async function choosePackage(repo: Repo, cwd: string): Promise<PackageChoice> {
  if (existsSync(join(repo.root, 'package.json'))) return { dir: repo.root, reason: 'package.json at the top of the repository' };
  const listed = await gitRaw(['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ':(glob)**/package.json'], { cwd: repo.root });
  const rels = [...new Set(listed.stdout.toString('utf8').split('\0'))]
    .filter((p) => p !== '' && !p.split('/').includes('node_modules') && existsSync(join(repo.root, p)))
    .map((p) => posix.dirname(p))
    .sort();
  if (rels.length === 0) return { dir: null, reason: 'no package.json in the repository' };
  const abs = (rel: string) => join(repo.root, rel);
  const withHusky = rels.filter((rel) => setsUpHusky(abs(rel)));
  if (withHusky.length === 1) return { dir: abs(withHusky[0]), reason: `${withHusky[0]}/package.json, which already sets husky up` };
  if (rels.length === 1) return { dir: abs(rels[0]), reason: `${rels[0]}/package.json, the only package.json in the repository` };
  const depth = (rel: string) => rel.split('/').length;
  const shallowest = rels.filter((rel) => depth(rel) === Math.min(...rels.map(depth)));
  if (shallowest.length === 1) {
    return { dir: abs(shallowest[0]), reason: `${shallowest[0]}/package.json, the one nearest the top of the repository` };
  }
  const here = safeRealpath(resolve(cwd));
  const around = rels.filter((rel) => isInside(here, safeRealpath(abs(rel)))).sort((a, b) => depth(b) - depth(a));
  if (around.length > 0) return { dir: abs(around[0]), reason: `${around[0]}/package.json, the one above the current folder` };
  throw new GuardError(
    `this repository has several package.json files (${shallowest.map((rel) => `${rel}/package.json`).join(', ')}) and none sets husky up: run install in the folder of the one whose install should set the hooks up, or use --mode git for plain git hooks`,
  );
}

function setsUpHusky(dir: string): boolean {
  try {
    const pkg = JSON.parse(withoutBom(readFileSync(join(dir, 'package.json'), 'utf8'))) as Record<string, unknown>;
    const scripts = (pkg.scripts ?? {}) as Record<string, unknown>;
    return [scripts.prepare, scripts.postinstall].some((s) => typeof s === 'string' && runsHusky(s));
  } catch {
    return false;
  }
}

/**
 * The package folder install recorded, in this worktree (the record is shared by every worktree
 * of a clone, so the folder is kept relative to the top), if its package.json is there.
 */
export function recordedPackage(root: string, record: { packageRel?: string; packageDir?: string } | null): string | null {
  if (!record) return null;
  const dir = record.packageRel !== undefined ? join(root, record.packageRel) : record.packageDir;
  return dir && existsSync(join(dir, 'package.json')) ? dir : null;
}

export function parsePackageJson(text: string, label: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(withoutBom(text));
  } catch (error) {
    throw new GuardError(`${label}: invalid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GuardError(`${label}: not a JSON object`);
  return value as Record<string, unknown>;
}

/** Serialise package.json the way it was written: same indent, BOM, line endings, final newline. */
export function formatPackageJson(pkg: Record<string, unknown>, original: string): string {
  const body = withoutBom(original);
  const indent = /^([ \t]+)"/m.exec(body)?.[1] ?? '  ';
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const text = JSON.stringify(pkg, null, indent) + (/\r?\n$/.test(body) ? '\n' : '');
  return (body === original ? '' : '\ufeff') + (eol === '\n' ? text : text.replace(/\n/g, eol));
}
