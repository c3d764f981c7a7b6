/**
 * The hooks alembic-guard installs, one row each, and what each runs: the table install,
 * uninstall and doctor walk, in every mode (plain git hooks, husky, the pre-commit framework).
 */
import { CONFIG_FILES } from '../config.js';
import { shellQuote } from '../report/quote.js';

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
  { name: 'pre-commit', command: 'check', verb: 'commit', stdin: false, guardsNextCommit: true, frameworkId: 'alembic-guard', quietCommit: true },
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
  // commit-msg: git runs it after pre-commit (and `git merge` after pre-merge-commit) from the same
  // command, with the same environment, on the message file (githooks(5)). Only when
  // ALEMBIC_GUARD_SKIP is set does it start node, which adds the Alembic-Guard-Bypass trailer
  // (src/commands/commit-msg.ts): the bypass then shows in the branch's history, where CI's
  // `verify --base` lists it. Every other commit pays one sh test.
  {
    name: 'commit-msg',
    command: 'commit-msg',
    verb: 'commit',
    stdin: false,
    guardsNextCommit: false,
    frameworkId: 'alembic-guard-bypass-trailer',
    bypassOnly: true,
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
  /** It runs the guard only when ALEMBIC_GUARD_SKIP is set (the sh test BYPASS_SET first). */
  bypassOnly?: boolean;
  /** Without node while the last passing check's note holds (hooks/quiet-commit.ts). */
  quietCommit?: boolean;
}

/**
 * The sh test that ALEMBIC_GUARD_SKIP lets a hook through (any non-empty value but `0`, as
 * bypass.ts's skipReason reads it): the commit-msg hook starts node only when it holds.
 */
export const BYPASS_SET = '[ -n "${ALEMBIC_GUARD_SKIP:-}" ] && [ "$ALEMBIC_GUARD_SKIP" != 0 ]';

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
