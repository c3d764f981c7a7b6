/**
 * What ran the guard, read from the environment the hook runner hands down (no file or git
 * access): the bypass lines name only the skips that work there. HUSKY=0 means something only
 * under husky, SKIP=<hook id> only under the pre-commit framework; --no-verify everywhere.
 */
export type Invoker = 'pre-commit' | 'husky' | 'other';

export function invoker(env: NodeJS.ProcessEnv = process.env): Invoker {
  // pre-commit sets PRE_COMMIT=1 for every hook it runs (pre_commit/commands/run.py).
  if (env.PRE_COMMIT === '1') return 'pre-commit';
  // husky 9's runner (.husky/_/h) puts node_modules/.bin first on PATH, relative, before it runs
  // .husky/<hook>; husky 4–8's husky.sh exports husky_skip_init.
  if ((env.PATH ?? '').split(':')[0] === 'node_modules/.bin' || env.husky_skip_init !== undefined) return 'husky';
  return 'other';
}
