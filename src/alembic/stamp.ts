// Which code computed a cached answer. The build (scripts/postbuild.mjs) replaces this module in
// dist/ with a hash of the compiled modules whose answers the cache keeps; from sources it stays
// null, which turns the cache off.
export const CODE_STAMP: string | null = null;
