/**
 * The commit message file git hands the commit-msg hook. Editing it is that hook's purpose
 * (githooks(5)); nothing else of the repository is touched. git's own trailer code places the
 * trailer: after the message's last paragraph, before comment lines and `git commit -v`'s
 * scissors, following core.commentChar.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gitRaw } from './run.js';

/**
 * Adds `key: value` as a trailer of the message in `file`, unless the message has that exact
 * trailer already (`git commit --amend` of a bypassed commit, bypassed again for the same reason).
 * `key=value` on the command line: `=` is always read as a separator there, whatever
 * trailer.separators says. Returns whether the file changed.
 */
export async function addTrailer(file: string, key: string, value: string, cwd: string): Promise<boolean> {
  const before = readFileSync(file, 'utf8');
  // `git merge` writes MERGE_MSG without a final newline, and interpret-trailers would then glue
  // the trailer to the title line ("Merge branch 'b'\nAlembic-Guard-Bypass: …"), where git does
  // not read it as a trailer.
  if (before !== '' && !before.endsWith('\n')) writeFileSync(file, `${before}\n`);
  await gitRaw(
    ['interpret-trailers', '--in-place', '--where', 'end', '--if-exists', 'addIfDifferent', '--if-missing', 'add', '--trailer', `${key}=${value}`, file],
    {
      cwd,
    },
  );
  return readFileSync(file, 'utf8') !== before;
}
