/**
 * commit-msg: a commit made with ALEMBIC_GUARD_SKIP set says so in its own message, with an
 * `Alembic-Guard-Bypass: <reason>` trailer (the reason redacted as the bypass log redacts it),
 * so that the bypass travels with the commit: `verify --base` in CI lists the branch's commits
 * carrying it, whoever made them and on whatever machine. The hook starts node only when the
 * variable is set (src/hooks/table.ts, BYPASS_SET); git runs pre-commit (or pre-merge-commit) and
 * commit-msg from the same command with the same environment, so the variable seen here is the
 * one the commit hook honoured. The only file written is the message file git hands the hook.
 */
import { resolve } from 'node:path';
import { BYPASS_TRAILER, skipReason, trailerValue } from '../bypass.js';
import type { CommandResult, GlobalOptions } from '../command.js';
import { GuardError } from '../errors.js';
import { addTrailer } from '../git/message.js';
import { trailerAdded } from '../report/messages.js';

export async function commitMsg(options: GlobalOptions, args: string[]): Promise<CommandResult> {
  const reason = skipReason();
  if (reason === null) return { text: '', exitCode: 0 };
  const [file, ...rest] = args;
  if (!file || rest.length > 0) throw new GuardError('commit-msg takes one argument: the commit message file git hands the hook');
  const value = trailerValue(reason);
  const added = await addTrailer(resolve(options.cwd, file), BYPASS_TRAILER, value, options.cwd);
  return { text: added ? `${trailerAdded(BYPASS_TRAILER, value)}\n` : '', exitCode: 0, stream: 'stderr' };
}
