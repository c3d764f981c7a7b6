/**
 * vitest's globalSetup: one folder for the whole run, shared by every worker, where the
 * expensive things several test files need are made once (the first file to ask makes it, the
 * others wait for it; see shared.ts): the packed tarball and its installed template. Removed at
 * the end of the run, with whatever was started for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    agRunDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'ag-run-'));
  project.provide('agRunDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
