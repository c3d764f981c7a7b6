/**
 * The hooks alembic-guard installs, and the marks by which install, uninstall and doctor find
 * them again: the plain git hooks (templates in hooks/), the block added to husky's files, where
 * git looks for hooks, and the words about hooks shown to people. One place for all of it.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_FILES } from './config.js';
import { GuardError } from './errors.js';
import type { Repo } from './git/repo.js';
import { gitRaw } from './git/run.js';
import { shellPath, shellQuote } from './report/quote.js';

/**
 * The hooks install writes, in every mode: one row each. Adding a hook is one more row (and, for
 * a new `command`, that command in the CLI).
 * - pre-commit: `git commit` (GIT_INDEX_FILE is the index being committed).
 * - pre-merge-commit: `git merge` runs it, not pre-commit, once the merge is prepared in the index
 *   and before the merge commit is made (githooks(5)); `check` reads that index, so two branches
 *   that each add a migration are caught as two heads before the commit joins them.
 * - pre-push: git writes the pushed refs on stdin.
 */
export const HOOKS = [
  { name: 'pre-commit', command: 'check', verb: 'commit', stdin: false, guardsNextCommit: true, frameworkId: 'alembic-guard' },
  { name: 'pre-merge-commit', command: 'check', verb: 'merge', stdin: false, guardsNextCommit: false, frameworkId: 'alembic-guard-merge' },
  { name: 'pre-push', command: 'pre-push', verb: 'push', stdin: true, guardsNextCommit: false, frameworkId: 'alembic-guard-push' },
  // post-checkout: after a branch switch, warns when the development database is at a revision the
  // new checkout lacks. git has already switched, but the hook's exit status becomes the exit
  // status of git checkout/switch (githooks(5)): it never fails.
  {
    name: 'post-checkout',
    command: 'post-checkout',
    verb: 'checkout',
    stdin: false,
    guardsNextCommit: false,
    frameworkId: 'alembic-guard-checkout',
    warnOnly: true,
  },
] as const satisfies readonly HookSpec[];

export interface HookSpec {
  /** The hook's file name, as git runs it. */
  name: string;
  /** The alembic-guard command it runs. */
  command: string;
  /** What git is doing when it runs, for messages (`git <verb> --no-verify` skips it). */
  verb: string;
  /** git writes lines on its stdin, which the guard and the lines after it both read. */
  stdin: boolean;
  /** Without it the next `git commit` goes unchecked (doctor's verdict). */
  guardsNextCommit: boolean;
  /** The hook's id in .pre-commit-hooks.yaml (the pre-commit framework). */
  frameworkId: string;
  /** It only warns: whatever happens, git goes on (exit 0). */
  warnOnly?: boolean;
}

/** Where post-checkout notes that, at its last run, no development database was configured. */
export const CHECKOUT_IDLE = 'alembic-guard/post-checkout-idle';

/** The files a checkout can bring that may configure a development database (src/db/dev.ts). */
export const CHECKOUT_CONFIG_PATHSPECS = [':(glob)**/*.ini', ...CONFIG_FILES];

/**
 * post-checkout runs on every switch, and a node start alone costs more than the 50 ms the hook
 * may add: this sh function (in the plain hook and the husky block) says when node has nothing to
 * say, without starting it. Quiet: a file checkout ($3 = 0) or a switch that keeps the commit;
 * or, when the last run found no development database and left the idle note (one file a line,
 * `-path` for one that was absent), no file of the note changed or appeared since and the switch
 * brought no .ini and no configuration file (`git diff` of two trees: milliseconds).
 */
export function quietCheck(): string[] {
  const specs = CHECKOUT_CONFIG_PATHSPECS.map((spec) => shellQuote(spec)).join(' ');
  return [
    'alembic_guard_quiet() {',
    '\t[ "$3" = 1 ] && [ "$1" != "$2" ] || return 0',
    `\talembic_guard_idle=$(git rev-parse --git-path ${CHECKOUT_IDLE} 2>/dev/null) && [ -f "$alembic_guard_idle" ] || return 1`,
    '\twhile IFS= read -r alembic_guard_file; do',
    '\t\tcase $alembic_guard_file in',
    '\t\t-*) [ ! -e "${alembic_guard_file#-}" ] || return 1 ;;',
    '\t\t*) [ -f "$alembic_guard_file" ] && [ ! "$alembic_guard_file" -nt "$alembic_guard_idle" ] || return 1 ;;',
    '\t\tesac',
    '\tdone <"$alembic_guard_idle"',
    `\tgit diff --quiet --no-ext-diff --no-textconv "$1" "$2" -- ${specs} 2>/dev/null`,
    '}',
  ];
}

export type HookName = (typeof HOOKS)[number]['name'];
export const HOOK_NAMES: HookName[] = HOOKS.map((h) => h.name);
export const HOOK_SPECS = Object.fromEntries(HOOKS.map((h) => [h.name, h])) as Record<HookName, HookSpec>;

/** The alembic-guard command each hook runs. */
export const HOOK_COMMANDS = Object.fromEntries(HOOKS.map((h) => [h.name, h.command])) as Record<HookName, string>;

/** What git is doing when each hook runs, for messages. */
export const HOOK_VERBS = Object.fromEntries(HOOKS.map((h) => [h.name, h.verb])) as Record<HookName, string>;

// ---------------------------------------------------------------------------------------------
// Plain git hooks: hooks/hook with the hook, the node and the CLI that installed it filled in.

/** The line that marks a plain hook as ours (the second line of the template). */
export const PLAIN_MARKER = '# alembic-guard: plain git hook';

/** A hook that was in place before install is kept beside ours under this suffix, and run by it. */
export const USER_HOOK_SUFFIX = '.alembic-guard-user';

export interface Runner {
  /** Absolute path of the node executable. */
  node: string;
  /** Absolute path of dist/cli.js. */
  cli: string;
}

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

/** The node running this process and the CLI next to this module (dist/cli.js once built). */
export function thisRunner(): Runner {
  return { node: process.execPath, cli: fileURLToPath(new URL('./cli.js', import.meta.url)) };
}

/** The template as shipped in the package's hooks/ folder (placeholders @HOOK@, @NODE@, @CLI@…). */
export function plainTemplate(): string {
  return readFileSync(new URL('../hooks/hook', import.meta.url), 'utf8');
}

/** The plain hook with this runner's paths quoted for sh (spaces, `$`, quotes, newlines). */
export function renderPlainHook(name: HookName, runner: Runner): string {
  const spec = HOOK_SPECS[name];
  return plainTemplate()
    .replace(/^alembic_guard_node=@NODE@$/m, () => `alembic_guard_node=${shellQuote(runner.node)}`)
    .replace(/^alembic_guard_cli=@CLI@$/m, () => `alembic_guard_cli=${shellQuote(runner.cli)}`)
    .replace(/^alembic_guard_stdin=@STDIN@$/m, () => `alembic_guard_stdin=${spec.stdin ? 'yes' : 'no'}`)
    .replace(/^alembic_guard_blocks=@BLOCKS@$/m, () => `alembic_guard_blocks=${spec.warnOnly ? 'no' : 'yes'}`)
    .replace(/^@QUIET_CHECK@\n/m, () => (spec.warnOnly ? `${quietCheck().join('\n')}\n` : ''))
    .replaceAll('@HOOK@', () => spec.name)
    .replaceAll('@COMMAND@', () => spec.command)
    .replaceAll('@VERB@', () => spec.verb);
}

const RUNNER_LINES = /^(alembic_guard_(?:node|cli))=.*$/gm;

/** The plain hook with other node and CLI paths, every other line (a person's too) as it is. */
export function withRunner(text: string, runner: Runner): string {
  return text.replace(RUNNER_LINES, (_line, name: string) => `${name}=${shellQuote(name.endsWith('node') ? runner.node : runner.cli)}`);
}

/** Is this hook exactly what install writes for it, whatever node and CLI it names? */
export function plainHookIsPristine(name: HookName, text: string): boolean {
  const blank = (t: string) => t.replace(RUNNER_LINES, '$1=');
  return blank(text) === blank(renderPlainHook(name, { node: '', cli: '' }));
}

export function isPlainHook(text: string): boolean {
  return text.includes(PLAIN_MARKER);
}

/** The node and CLI paths written into a plain hook, or null where a value is missing. */
export function embeddedRunner(text: string): { node: string | null; cli: string | null } {
  const value = (name: string): string | null => {
    const match = new RegExp(`^${name}=((?:'[^']*'|\\\\.|[^\\s'\\\\])*)`, 'm').exec(text);
    if (!match) return null;
    const word = shellUnquote(match[1]);
    return word === '' || word.startsWith('@') ? null : word;
  };
  return { node: value('alembic_guard_node'), cli: value('alembic_guard_cli') };
}

/** Undo shellQuote (and plain backslash escapes): enough to read back what install wrote. */
export function shellUnquote(word: string): string {
  let out = '';
  for (let i = 0; i < word.length;) {
    if (word[i] === "'") {
      const end = word.indexOf("'", i + 1);
      if (end < 0) return out + word.slice(i + 1);
      out += word.slice(i + 1, end);
      i = end + 1;
    } else if (word[i] === '\\' && i + 1 < word.length) {
      out += word[i + 1];
      i += 2;
    } else {
      out += word[i];
      i += 1;
    }
  }
  return out;
}

/** Where git looks for a hook kept beside ours. */
export function userHookPath(hookFile: string): string {
  return `${hookFile}${USER_HOOK_SUFFIX}`;
}

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
 * never a silent pass, never a bare "command not found".
 */
export function huskyBlock(name: HookName, bin: HuskyBin): string {
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
  const lines = [
    BEGIN_LINE,
    `alembic_guard=${shellQuote(bin.local)}`,
    `[ -x "$alembic_guard" ] || alembic_guard=$(command -v alembic-guard) || { echo ${shellQuote(notInstalledLine(name, bin))} >&2; exit 2; }`,
  ];
  if (!spec.stdin) lines.push(`"$alembic_guard" ${spec.command} "$@" || exit $?`);
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

/** The pre-commit framework's generated hook (`pre-commit install`). */
export function isPreCommitFrameworkHook(content: string): boolean {
  return content.includes('File generated by pre-commit') || /\bpre-commit\.com\b/.test(content);
}

// ---------------------------------------------------------------------------------------------
// Where git looks for hooks, and where a package.json (so husky) lives.

export interface HooksPathSetting {
  /** core.hooksPath as configured, or null. */
  value: string | null;
  /** The configuration scope it comes from: local, worktree, global, system, command. */
  scope: string | null;
}

export async function hooksPathSetting(repo: Repo): Promise<HooksPathSetting> {
  const result = await gitRaw(['config', '--show-scope', '--get', 'core.hooksPath'], { cwd: repo.root, okCodes: [1] });
  if (result.code !== 0) return { value: null, scope: null };
  const line = result.stdout.toString('utf8').replace(/\n$/, '');
  const tab = line.indexOf('\t');
  return { scope: line.slice(0, tab), value: line.slice(tab + 1) };
}

/**
 * The directory git runs hooks from in this worktree: core.hooksPath (relative to the top of the
 * working tree, `~` expanded), else <git dir>/hooks of the common dir. `rev-parse --git-path
 * hooks` applies both rules (git's path.c adjusts "hooks" to core.hooksPath).
 */
export async function activeHooksDir(repo: Repo): Promise<string> {
  const out = (await gitRaw(['rev-parse', '--git-path', 'hooks'], { cwd: repo.root })).stdout.toString('utf8');
  return resolve(repo.root, out.replace(/\n$/, ''));
}

/** The nearest folder holding a package.json, from cwd up to the top of the working tree. */
export function findPackageDir(cwd: string, root: string): string | null {
  const top = safeRealpath(root);
  let dir = safeRealpath(resolve(cwd));
  if (!isInside(dir, top)) dir = top;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dir === top) return null;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
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

export function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join(posix.sep);
}

/** A path for people: relative to the top of the working tree when inside it. */
export function display(root: string, path: string): string {
  return isInside(path, root) ? toPosix(relative(root, path)) || '.' : path;
}

/** The record install leaves for uninstall: <git common dir>/alembic-guard/install.json. */
export function recordFile(repo: Repo): string {
  return join(repo.commonDir, 'alembic-guard', 'install.json');
}
