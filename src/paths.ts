/** Paths compared (real paths, inside or not) and shown to people (relative, with `/`). */
import { realpathSync } from 'node:fs';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';

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
