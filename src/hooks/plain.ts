/**
 * The plain git hook: hooks/hook with the hook, the node and the CLI that installed it filled in,
 * and how install, uninstall and doctor read one back.
 */
import { hookTemplate, ownCli } from '../own-package.js';
import { shellQuote, shellUnquote } from '../report/quote.js';
import { BYPASS_SET, HOOK_SPECS, type HookName, quietCheck } from './table.js';

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

/** The node running this process and the CLI next to it (dist/cli.js once built). */
export function thisRunner(): Runner {
  return { node: process.execPath, cli: ownCli() };
}

/** The template as shipped in the package's hooks/ folder (placeholders @HOOK@, @NODE@, @CLI@…). */
export function plainTemplate(): string {
  return hookTemplate();
}

/** The plain hook with this runner's paths quoted for sh (spaces, `$`, quotes, newlines). */
export function renderPlainHook(name: HookName, runner: Runner): string {
  const spec = HOOK_SPECS[name];
  return plainTemplate()
    .replace(/^alembic_guard_node=@NODE@$/m, () => `alembic_guard_node=${shellQuote(runner.node)}`)
    .replace(/^alembic_guard_cli=@CLI@$/m, () => `alembic_guard_cli=${shellQuote(runner.cli)}`)
    .replace(/^alembic_guard_stdin=@STDIN@$/m, () => `alembic_guard_stdin=${spec.stdin ? 'yes' : 'no'}`)
    .replace(/^alembic_guard_runs=@RUNS@$/m, () => `alembic_guard_runs=${spec.warnOnly ? 'warn' : spec.bypassOnly ? 'bypass' : 'always'}`)
    .replace('@BYPASS_SET@', () => BYPASS_SET)
    .replace(/^@QUIET_CHECK@\n/m, () => (spec.warnOnly ? `${quietCheck().join('\n')}\n` : ''))
    .replace(/^alembic_guard_note_may_do=@QUIET@$/m, () => `alembic_guard_note_may_do=${spec.quietCommit ? 'yes' : 'no'}`)
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

/** Where git looks for a hook kept beside ours. */
export function userHookPath(hookFile: string): string {
  return `${hookFile}${USER_HOOK_SUFFIX}`;
}
