/**
 * The hook files on disk: read, written (executable) and compared with what install wrote
 * (the hashes in the install record), for install, uninstall and doctor.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, readFileSync, renameSync, type Stats, unlinkSync, writeFileSync } from 'node:fs';
import { PACKAGE_MANAGERS } from '../package-manager.js';
import { blockText, huskyBlock, type HuskyLayout, inFolder, legacyHuskyBlocks } from './husky.js';
import { isPlainHook, plainHookIsPristine, userHookPath } from './plain.js';
import type { InstallRecord } from './record.js';
import type { HookName } from './table.js';

/** The text of the hook file at this path, or null when there is none. */
export function readHookText(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/** Our block in the husky file at this path, or null (no file, or no block in it). */
export function huskyBlockIn(file: string): string | null {
  const text = readHookText(file);
  return text === null ? null : blockText(text);
}

/** The hook kept beside ours (`<hook>.alembic-guard-user`), when there is one. */
export function keptUserHook(file: string): string | null {
  const aside = userHookPath(file);
  return lstatOrNull(aside) ? aside : null;
}

/** The text of a plain hook of ours at this path, or null (none, or not ours). */
export function ownPlainHook(file: string): string | null {
  if (!lstatOrNull(file)?.isFile()) return null;
  const text = readFileSync(file, 'utf8');
  return isPlainHook(text) ? text : null;
}

/** A plain hook differs from what install wrote (its node and CLI lines aside). */
export function plainEdited(text: string, file: string, name: HookName, record: InstallRecord | null): boolean {
  if (plainHookIsPristine(name, text)) return false;
  if (record?.written?.[file] === sha(text)) return false;
  // An install from before hashes were recorded: the record says it wrote the file.
  return !(record?.mode === 'git' && record.written === undefined);
}

/** Our husky block differs from any block install writes (for any package manager, or an older one). */
export function huskyEdited(block: string, file: string, name: HookName, layout: HuskyLayout, record: InstallRecord | null): boolean {
  if (record?.written?.[file] === sha(block)) return false;
  if (legacyHuskyBlocks(name, layout).includes(block)) return false;
  return PACKAGE_MANAGERS.every((pm) =>
    [true, false].every((quiet) => block !== huskyBlock(name, { ...layout.bin, install: inFolder(layout.packageRel, `${pm} install`) }, quiet)),
  );
}

export function lstatOrNull(path: string): Stats | null {
  return lstatSync(path, { throwIfNoEntry: false }) ?? null;
}

export function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function writeHook(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o755 });
  chmodSync(file, 0o755); // the umask may have taken bits off
}

/** A husky file with our block added or taken out (husky runs it with sh: no mode needed). */
export function writeHookText(file: string, text: string): void {
  writeFileSync(file, text);
}

export function removeHookFile(file: string): void {
  unlinkSync(file);
}

/** The hook that was in place goes beside ours; rename keeps bytes, mode and symlinks exactly. */
export function moveAside(file: string): void {
  renameSync(file, userHookPath(file));
}

/** The hook kept beside ours back in its place (uninstall). */
export function putBack(file: string): void {
  renameSync(userHookPath(file), file);
}
