import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';

const dist = (path) => new URL(`../dist/${path}`, import.meta.url);

// tsc does not mark the bin executable; npm does on install, but a clone running dist/cli.js directly needs it.
chmodSync(dist('cli.js'), 0o755);

// The cache's stamp: a new parser or graph must never read answers an older one wrote.
const hash = createHash('sha1');
// Every module whose output the cache keeps: the parser, the graph, which files count, the cache.
for (const module of ['alembic/script.js', 'alembic/graph.js', 'alembic/environment.js', 'alembic/sources.js', 'alembic/locations.js', 'alembic/cache.js']) hash.update(readFileSync(dist(module)));
writeFileSync(dist('alembic/stamp.js'), `export const CODE_STAMP = ${JSON.stringify(hash.digest('hex'))};\n`);
