import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Environment } from './environment.js';

// Projects that keep migrations in subdirectories of the versions directory often choose the
// directories in Python: prefect's env.py sets `context.script.version_locations` to one dialect's
// folder, neutron's cli.py passes every `<release>/<branch>` folder through
// `config.set_main_option('version_locations', …)`. Nothing runs that code here; the word
// `version_locations` in env.py, or in a Python file beside the config file that names the
// environment, is taken as the sign that the project loads its subdirectories itself.

const MAX_BYTES = 512 * 1024;
const MAX_FILES = 64;
const MENTION = /\bversion_locations\b/;
const seen = new Map<string, boolean>();

/** Whether the environment's own Python code sets version_locations (read from the working tree). */
export function setsVersionLocations(root: string, environment: Environment): boolean {
  const key = `${root}\0${environment.envFiles.join('\0')}`;
  let answer = seen.get(key);
  if (answer === undefined) {
    answer = candidates(root, environment).some((path) => mentions(join(root, path)));
    seen.set(key, answer);
  }
  return answer;
}

function candidates(root: string, environment: Environment): string[] {
  const files = environment.envFiles.filter((file) => file.endsWith('env.py'));
  for (const config of environment.envFiles) {
    if (!config.endsWith('.ini') && !config.endsWith('.toml')) continue;
    const dir = posix.dirname(config);
    let names: string[];
    try {
      names = readdirSync(join(root, dir))
        .filter((name) => name.endsWith('.py'))
        .sort();
    } catch {
      continue;
    }
    for (const name of names.slice(0, MAX_FILES)) files.push(dir === '.' ? name : `${dir}/${name}`);
  }
  return [...new Set(files)];
}

function mentions(file: string): boolean {
  try {
    if (statSync(file).size > MAX_BYTES) return false;
    return MENTION.test(readFileSync(file, 'latin1'));
  } catch {
    return false;
  }
}
