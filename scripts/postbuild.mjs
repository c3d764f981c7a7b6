// tsc does not mark the bin executable; npm does on install, but a clone running dist/cli.js directly needs it.
import { chmodSync } from 'node:fs';
chmodSync(new URL('../dist/cli.js', import.meta.url), 0o755);
