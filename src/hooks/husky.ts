/**
 * husky: the marked block install puts first in .husky/<hook>, how it is found and taken out
 * again, husky's generated stubs, and where a package.json puts the .husky folder.
 */
import { relative } from 'node:path';
import { safeRealpath, toPosix } from '../paths.js';
import { shellPath, shellQuote, shellUnquote } from '../report/quote.js';
import { BYPASS_SET, HOOK_COMMANDS, HOOK_SPECS, HOOK_VERBS, type HookName, quietCheck } from './table.js';

// ---------------------------------------------------------------------------------------------
// husky: a marked block in .husky/pre-commit and .husky/pre-push.

export const BLOCK_BEGIN = '# alembic-guard: begin';
export const BLOCK_END = '# alembic-guard: end';
const BEGIN_LINE = `${BLOCK_BEGIN} (added by \`alembic-guard install\`; \`alembic-guard uninstall\` removes it)`;

/** How a husky block reaches the CLI, and what it tells a person to run when it cannot. */
export interface HuskyBin {
  /** The package's own CLI, relative to the top of the working tree (where git runs hooks). */
  local: string;
  /** The command that installs it, as a person types it at the top: `cd web && pnpm install`. */
  install: string;
}

/** The words a husky block prints when neither the package's CLI nor one on PATH is there. */
export function notInstalledLine(name: HookName, bin: HuskyBin): string {
  return `alembic-guard: not installed in this clone (${bin.local}, nor alembic-guard on PATH), so this ${HOOK_VERBS[name]} is refused: run ${bin.install}`;
}

/**
 * The block for a husky hook. It runs the package's own CLI (node_modules/.bin, found from the
 * top of the working tree, where git runs hooks), else an alembic-guard on PATH (a global
 * install, before this clone's install has run), else refuses with the command that installs it:
 * never a silent pass, never a bare "command not found". `quiet: false` gives the pre-commit block
 * as it was before the quiet commit (an older install's, which install upgrades).
 */
export function huskyBlock(name: HookName, bin: HuskyBin, quiet = true): string {
  const spec = HOOK_SPECS[name];
  if (spec.warnOnly) {
    // Never exits (the lines after the block still run), never fails, silent when not installed:
    // the commit hook already says so.
    return [
      BEGIN_LINE,
      ...quietCheck(),
      `alembic_guard=${shellQuote(bin.local)}`,
      '[ -x "$alembic_guard" ] || alembic_guard=$(command -v alembic-guard) || alembic_guard=',
      `[ -z "$alembic_guard" ] || alembic_guard_quiet "$@" || "$alembic_guard" ${spec.command} "$@" || :`,
      BLOCK_END,
      '',
    ].join('\n');
  }
  if (spec.bypassOnly) {
    // Node starts only for a commit made with ALEMBIC_GUARD_SKIP set; it refuses (as the commit
    // hook does) rather than let a bypassed commit go without its trailer.
    return [
      BEGIN_LINE,
      `alembic_guard=${shellQuote(bin.local)}`,
      `if ${BYPASS_SET}; then`,
      `\t[ -x "$alembic_guard" ] || alembic_guard=$(command -v alembic-guard) || { echo ${shellQuote(notInstalledLine(name, bin))} >&2; exit 2; }`,
      `\tALEMBIC_GUARD_NOTE=1 "$alembic_guard" ${spec.command} "$@" || exit $?`,
      'fi',
      BLOCK_END,
      '',
    ].join('\n');
  }
  const lines = [
    BEGIN_LINE,
    `alembic_guard=${shellQuote(bin.local)}`,
    `[ -x "$alembic_guard" ] || alembic_guard=$(command -v alembic-guard) || { echo ${shellQuote(notInstalledLine(name, bin))} >&2; exit 2; }`,
  ];
  const pkg = quiet && spec.quietCommit ? packageOfBin(bin.local) : null;
  if (pkg !== null) {
    // No node while the note of the last check that passed holds (the package's hooks/quiet-commit.sh).
    lines.push(
      `alembic_guard_package=${shellQuote(pkg)}`,
      'if [ -f "$alembic_guard_package/hooks/quiet-commit.sh" ] && . "$alembic_guard_package/hooks/quiet-commit.sh" && alembic_guard_quiet_commit "$alembic_guard_package"; then :; else',
      `\tALEMBIC_GUARD_NOTE=1 "$alembic_guard" ${spec.command} "$@" || exit $?`,
      'fi',
    );
  } else if (!spec.stdin) lines.push(`"$alembic_guard" ${spec.command} "$@" || exit $?`);
  else {
    lines.push(
      '# The guard reads the lines git writes on stdin; they are handed back to the lines below',
      '# (git lfs pre-push, for one, reads them too).',
      'alembic_guard_refs=$(cat)',
      `{ [ -z "$alembic_guard_refs" ] || printf '%s\\n' "$alembic_guard_refs"; } | "$alembic_guard" ${spec.command} "$@" || exit $?`,
      'exec <<alembic_guard_refs',
      '$alembic_guard_refs',
      'alembic_guard_refs',
    );
  }
  return [...lines, BLOCK_END, ''].join('\n');
}

/** The package folder behind node_modules/.bin/alembic-guard (where husky blocks find the CLI), or null. */
function packageOfBin(local: string): string | null {
  const match = /^(.*\/)?node_modules\/\.bin\/alembic-guard$/.exec(local);
  return match ? `${match[1] ?? ''}node_modules/alembic-guard` : null;
}

/** Our block as it is in the file (the shape huskyBlock returns), or null when there is none. */
export function blockText(content: string): string | null {
  const lines = content.split('\n');
  const range = blockRange(lines);
  return range ? `${lines.slice(range[0], range[1] + 1).join('\n')}\n` : null;
}

/** Blocks earlier versions wrote (one command line, no fallback): not edits by a person. */
export function legacyHuskyBlocks(name: HookName, layout: { packageRel: string }): string[] {
  const bin = layout.packageRel ? shellQuote(`${layout.packageRel}/node_modules/.bin/alembic-guard`) : 'alembic-guard';
  if (name === 'pre-commit') return [[BEGIN_LINE, `${bin} check`, BLOCK_END, ''].join('\n')];
  if (name !== 'pre-push') return [];
  return [
    [
      BEGIN_LINE,
      '# The guard reads the ref lines git writes on stdin; they are handed back to the lines below',
      '# (git lfs pre-push, for one, reads them too).',
      'alembic_guard_refs=$(cat)',
      `{ [ -z "$alembic_guard_refs" ] || printf '%s\\n' "$alembic_guard_refs"; } | ${bin} pre-push "$@" || exit $?`,
      'exec <<alembic_guard_refs',
      '$alembic_guard_refs',
      'alembic_guard_refs',
      BLOCK_END,
      '',
    ].join('\n'),
  ];
}

/** The CLI a husky block names (its `alembic_guard=` line), or null for a block of another shape. */
export function blockBin(content: string): string | null {
  const lines = content.split('\n');
  const range = blockRange(lines);
  if (!range) return null;
  for (const line of lines.slice(range[0], range[1])) {
    const match = /^alembic_guard=(.+)$/.exec(line);
    if (match) return shellUnquote(match[1]);
  }
  return null;
}

function blockRange(lines: string[]): [number, number] | null {
  const begin = lines.findIndex((line) => line.startsWith(BLOCK_BEGIN));
  if (begin < 0) return null;
  for (let end = begin + 1; end < lines.length; end += 1) {
    if (lines[end].trimEnd() === BLOCK_END) return [begin, end];
  }
  return null;
}

export function hasBlock(content: string): boolean {
  return blockRange(content.split('\n')) !== null;
}

/**
 * The file with our block: the block already there is replaced in place; otherwise it becomes the
 * first command (after a `#!` line), so it runs before lint-staged or anything else touches the
 * index or the working tree.
 */
export function withBlock(content: string, block: string): string {
  const blockLines = block.replace(/\n$/, '').split('\n');
  if (content === '') return `${blockLines.join('\n')}\n`;
  const lines = content.split('\n');
  const range = blockRange(lines);
  if (range) lines.splice(range[0], range[1] - range[0] + 1, ...blockLines);
  else lines.splice(lines[0].startsWith('#!') ? 1 : 0, 0, ...blockLines);
  return lines.join('\n');
}

/** The file without our block, byte for byte what it was before withBlock added it. */
export function withoutBlock(content: string): string {
  const lines = content.split('\n');
  const range = blockRange(lines);
  if (!range) return content;
  lines.splice(range[0], range[1] - range[0] + 1);
  return lines.join('\n');
}

/** A hook that runs the guard some other way (written by hand, or our block). */
export function mentionsGuard(content: string, name: HookName): boolean {
  return hasBlock(content) || new RegExp(`alembic-guard\\S*[ \\t]+(?:\\S+[ \\t]+)*${HOOK_COMMANDS[name]}\\b`).test(content);
}

/** husky 9's generated `_/<hook>`: two lines that run `h`, which runs `.husky/<hook>`. */
export function isHuskyStub(content: string): boolean {
  return /dirname[^\n]*\/h"\s*$/.test(content.trim());
}

export interface HuskyLayout {
  /** Absolute folder of the package.json. */
  packageDir: string;
  /** The package folder relative to the top of the working tree ('' at the top). */
  packageRel: string;
  /** The husky folder relative to the top, as husky(dir) and the prepare script name it. */
  huskyRel: string;
  /** core.hooksPath husky sets: `<huskyRel>/_`. */
  hooksPath: string;
  /** How a hook reaches the CLI from the top of the working tree, and how to install it. */
  bin: HuskyBin;
  /** The command (in the setup script) that runs husky from the package folder. */
  prepare: string;
}

/** `cd <folder> && <command>`, or the command alone for the folder a person is in. */
export function inFolder(rel: string, command: string): string {
  return rel && rel !== '.' ? `cd ${shellPath(rel)} && ${command}` : command;
}

export function huskyLayout(root: string, packageDir: string, install = 'npm install'): HuskyLayout {
  const packageRel = toPosix(relative(safeRealpath(root), safeRealpath(packageDir)));
  const huskyRel = packageRel ? `${packageRel}/.husky` : '.husky';
  const bin: HuskyBin = {
    local: `${packageRel ? `${packageRel}/` : ''}node_modules/.bin/alembic-guard`,
    install: inFolder(packageRel, install),
  };
  // husky's documented sub-folder setup: "prepare": "cd .. && husky frontend/.husky".
  const up = packageRel
    .split('/')
    .map(() => '..')
    .join('/');
  const prepare = packageRel ? `cd ${up} && husky ${shellPath(huskyRel)}` : 'husky';
  return { packageDir, packageRel, huskyRel, hooksPath: `${huskyRel}/_`, bin, prepare };
}

/** Does a prepare script already run husky (husky, npx husky, husky install, cd .. && husky x)? */
export function runsHusky(script: string | undefined): boolean {
  return script !== undefined && /(^|[\s;&|(])husky($|[\s;&|)])/.test(script);
}

/** Is this core.hooksPath husky's generated folder (husky 9: `<dir>/_`)? */
export function isHuskyHooksPath(value: string | null): boolean {
  return value !== null && /(^|\/)_\/?$/.test(value.replace(/\\/g, '/'));
}
