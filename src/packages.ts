/**
 * import() of a package the bundle leaves outside (pg, husky, smol-toml, fast-glob, picomatch).
 * dist/cli.js runs the bundle from V8's code cache, and code V8 restores that way cannot start an
 * import() of its own: the launcher hands in one of its own, and every such import goes through
 * here (the build refuses a bundle with any other import()).
 */
export const IMPORT_HOOK = Symbol.for('alembic-guard.import');

export function importPackage<T>(name: string): Promise<T> {
  const given = (globalThis as { [IMPORT_HOOK]?: (name: string) => Promise<unknown> })[IMPORT_HOOK];
  return (given ? given(name) : import(name)) as Promise<T>;
}
