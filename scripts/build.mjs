// The build: one CommonJS file, dist/cli.js (run after `tsc --noEmit` has type-checked src/).
//
// Why one file: a hook starts node on every commit, and node spends more time finding, reading
// and linking 20-odd ES modules than running them (issue 11 measured 0.91× of the module tree's
// time). CommonJS because node loads it without the ES module loader; a module the bundle imports
// with `import()` still runs only when first imported (esbuild wraps it in a lazy initialiser), so
// the pre-commit hook runs only check's code. The dependencies a hook never needs stay outside
// the file and load on demand: pg, better-sqlite3, sql.js, fast-glob, smol-toml, picomatch, husky.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, version as esbuildVersion } from 'esbuild';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const DIST = join(ROOT, 'dist');
const EXTERNAL = ['pg', 'better-sqlite3', 'sql.js', 'fast-glob', 'smol-toml', 'picomatch', 'husky'];

// The modules whose answers the cache keeps (the parser, the graph, which files count, the cache
// itself): the cache's stamp is a hash of these and of every module they import, so a new parser
// or graph never reads answers an older one wrote.
const CACHED_ANSWERS = [
  'alembic/script.ts',
  'alembic/compile.ts',
  'alembic/graph.ts',
  'alembic/environment.ts',
  'alembic/sources.ts',
  'alembic/locations.ts',
  'alembic/cache.ts',
  'alembic/discover.ts',
];

const common = { bundle: true, platform: 'node', target: 'node20', external: EXTERNAL, logLevel: 'warning' };

async function stamp() {
  // esbuild's own list of what those modules import, transitively (no output written).
  const { metafile } = await build({
    ...common,
    entryPoints: CACHED_ANSWERS.map((m) => join(ROOT, 'src', m)),
    outdir: join(ROOT, 'dist-stamp'),
    format: 'esm',
    write: false,
    metafile: true,
  });
  const hash = createHash('sha1');
  hash.update(`esbuild ${esbuildVersion}\n`);
  for (const input of Object.keys(metafile.inputs).sort()) {
    if (input.includes('node_modules/')) continue;
    hash.update(`${input}\n`);
    hash.update(readFileSync(join(ROOT, input)));
  }
  return hash.digest('hex');
}

const codeStamp = await stamp();
// src/alembic/stamp.ts says null (cache off when run from sources); the bundle says which code.
// The launcher reads the watch hints through the same cache code, so it carries the same stamp.
const codeStampPlugin = {
  name: 'code-stamp',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]alembic[\\/]stamp\.ts$/ }, () => ({
      contents: `export const CODE_STAMP: string | null = ${JSON.stringify(codeStamp)};\n`,
      loader: 'ts',
    }));
  },
};
rmSync(DIST, { recursive: true, force: true });
mkdirSync(DIST, { recursive: true });
await build({
  ...common,
  entryPoints: [join(ROOT, 'src/cli.ts')],
  outfile: join(DIST, 'main.js'),
  format: 'cjs',
  // No comments or indentation: a quarter less for node to read and scan on every commit, and
  // ASCII only (one non-ASCII character in a kept comment made node hold the source as UTF-16).
  // Names stay, so a stack trace in a bug report still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  // import.meta.url, as the ES modules used it: the bundle is dist/cli.js, where cli.ts and
  // own-package.ts were, so `new URL('../package.json', …)` and `new URL('../hooks/…', …)` still hold.
  define: { 'import.meta.url': 'importMetaUrl' },
  inject: [join(ROOT, 'scripts/import-meta-url.js')],
  plugins: [codeStampPlugin],
});
// The bundle runs from V8's code cache, where an import() cannot start: packages outside the
// bundle are imported through src/packages.ts, whose one import() the launcher replaces.
const stray = readFileSync(join(DIST, 'main.js'), 'utf8').match(/\bimport\([^)]*\)/g) ?? [];
if (stray.length !== 1 || stray[0] !== 'import(name)') {
  throw new Error(`dist/main.js: import() outside src/packages.ts: ${stray.join(', ')}`);
}
// dist/cli.js, the executable: a few lines that load main.js through V8's code cache (launch.ts).
// The digest ties a cache to these exact bytes (V8 itself checks only the source's length).
await build({
  ...common,
  entryPoints: [join(ROOT, 'src/launch.ts')],
  outfile: join(DIST, 'cli.js'),
  format: 'cjs',
  minifyWhitespace: true,
  minifySyntax: true,
  banner: { js: '#!/usr/bin/env node' },
  define: {
    'import.meta.url': 'importMetaUrl',
    BUNDLE_HASH: JSON.stringify(
      createHash('sha1')
        .update(readFileSync(join(DIST, 'main.js')))
        .digest('hex'),
    ),
  },
  inject: [join(ROOT, 'scripts/import-meta-url.js')],
  plugins: [codeStampPlugin],
});
// dist/stamp: which build this is, for the quiet-commit note (src/hooks/quiet-commit.ts), which
// the pre-commit hook's sh reads without starting node: a new build never trusts an older one's note.
writeFileSync(
  join(DIST, 'stamp'),
  `${createHash('sha1')
    .update(readFileSync(join(DIST, 'main.js')))
    .update(readFileSync(join(DIST, 'cli.js')))
    .digest('hex')}\n`,
);
// package.json says "type": "module" for the sources and tests; the bundle in dist/ is CommonJS.
writeFileSync(join(DIST, 'package.json'), '{ "type": "commonjs" }\n');
// npm marks the bin executable on install; a clone running dist/cli.js directly needs it too.
chmodSync(join(DIST, 'cli.js'), 0o755);
process.stdout.write(`built ${relative(ROOT, join(DIST, 'cli.js'))} (cache stamp ${codeStamp.slice(0, 12)})\n`);
