/**
 * Made once per test run, whichever worker asks first: `once(name, make)` runs `make` in a folder
 * of the run (test/helpers/global-setup.ts) and hands every later caller, in any worker, what it
 * returned. The other workers wait (a lock folder, a result file written by rename); a failure is
 * passed on to each of them with its message. Outside a vitest run with that global setup, `make`
 * runs in a temporary folder of this process, once per process.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { tempDir } from './repo.js';

const WAIT_MS = 600_000;
const mine = new Map<string, unknown>();

function runDir(): string | undefined {
  try {
    return inject('agRunDir');
  } catch {
    return undefined;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function once<T>(name: string, make: (dir: string) => T): T {
  if (mine.has(name)) return mine.get(name) as T;
  const root = runDir();
  if (!root) {
    const value = make(tempDir(`ag-${name}-`));
    mine.set(name, value);
    return value;
  }
  const dir = join(root, name);
  const result = join(root, `${name}.json`);
  let maker = false;
  try {
    mkdirSync(dir);
    maker = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (maker) {
    let outcome: { value?: T; error?: string };
    try {
      outcome = { value: make(dir) };
    } catch (error) {
      outcome = { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    writeFileSync(`${result}.tmp`, JSON.stringify(outcome));
    renameSync(`${result}.tmp`, result);
  } else {
    const until = Date.now() + WAIT_MS;
    while (!existsSync(result)) {
      if (Date.now() > until) throw new Error(`${name}: still not made by another test file after ${WAIT_MS / 1000} s`);
      sleep(100);
    }
  }
  const outcome = JSON.parse(readFileSync(result, 'utf8')) as { value?: T; error?: string };
  if (outcome.error !== undefined) throw new Error(`${name} could not be made (once for the run): ${outcome.error}`);
  mine.set(name, outcome.value);
  return outcome.value as T;
}
