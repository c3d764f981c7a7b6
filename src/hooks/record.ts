/**
 * The record install leaves in <git common dir>/alembic-guard/install.json: what it did, so that
 * uninstall undoes exactly that, a re-install keeps what the first run found, and doctor says
 * which mode is installed. Read and written here only.
 */
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Repo } from '../git/repo.js';

export type Mode = 'husky' | 'git';

/** What install did, so that uninstall can undo exactly that. Paths are absolute. */
export interface InstallRecord {
  version: 1;
  mode: Mode;
  /** git mode: the hooks folder written to. */
  hooksDir?: string;
  /** git mode: hooks whose previous file is kept beside ours as <name>.alembic-guard-user. */
  movedAside?: string[];
  /** husky mode: the folder of the package.json (absolute, in the worktree install ran in). */
  packageDir?: string;
  /** husky mode: the same folder relative to the top of the working tree ('' at the top). */
  packageRel?: string;
  /** husky mode: files and folders that did not exist before install. */
  created?: string[];
  /**
   * husky mode: the script that runs husky (`prepare`, or `postinstall` under Yarn 2+) before
   * install and what install made of it, and the whole package.json before and after, so that
   * uninstall can put back its exact bytes when nobody has edited it since.
   */
  prepare?: {
    script?: 'prepare' | 'postinstall';
    before: string | null;
    after: string;
    scriptsCreated: boolean;
    fileBefore: string;
    fileAfter: string;
  };
  /** husky mode: the devDependencies install added (name → version range). */
  devDependencies?: Record<string, string>;
  /** husky mode: the local core.hooksPath before husky set it (present only when it changed). */
  hooksPath?: { before: string | null };
  /** sha256 of each hook file (plain) or block (husky) as install wrote it: not edited since. */
  written?: Record<string, string>;
}

/** The record install leaves for uninstall: <git common dir>/alembic-guard/install.json. */
export function recordFile(repo: Repo): string {
  return join(repo.commonDir, 'alembic-guard', 'install.json');
}

export function readRecord(repo: Repo): InstallRecord | null {
  try {
    const value = JSON.parse(readFileSync(recordFile(repo), 'utf8')) as InstallRecord;
    return value && value.version === 1 && (value.mode === 'git' || value.mode === 'husky') ? value : null;
  } catch {
    return null;
  }
}

export function writeRecord(repo: Repo, record: InstallRecord): void {
  const file = recordFile(repo);
  const text = `${JSON.stringify(record, null, 2)}\n`;
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** uninstall: the record goes. Returns whether there was one. */
export function removeRecord(repo: Repo): boolean {
  const file = recordFile(repo);
  if (!existsSync(file)) return false;
  unlinkSync(file);
  return true;
}
