import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BlobEntry, indexEntries, readBlobs, treeEntries } from '../git/objects.js';
import type { Repo } from '../git/repo.js';
import { type Environment, isMigrationPath } from './environment.js';
import { buildGraph, type RevisionGraph } from './graph.js';
import { type ParsedScript, parseScript } from './script.js';

/** Where migrations are read from. Every command goes through the same parse → graph path. */
export type Source =
  | { kind: 'index'; entries?: BlobEntry[]; dirty?: Set<string> }
  | { kind: 'commit'; commit: string }
  | { kind: 'worktree' };

export interface EnvironmentGraph {
  environment: Environment;
  scripts: ParsedScript[];
  graph: RevisionGraph;
}

export function describeSource(source: Source): string {
  if (source.kind === 'commit') return `commit ${source.commit.slice(0, 12)}`;
  return source.kind === 'index' ? 'the staged content (index)' : 'the working tree';
}

export async function loadGraphs(repo: Repo, environments: Environment[], source: Source): Promise<EnvironmentGraph[]> {
  const dirs = environments.flatMap((env) => env.versions);
  const files = await readSource(repo, dirs, source);
  return environments.map((environment) => {
    const scripts: ParsedScript[] = [];
    for (const [path, content] of files) {
      if (environment.versions.some((dir) => dir === '' || path.startsWith(`${dir}/`))) {
        scripts.push(parseScript(path, content));
      }
    }
    return { environment, scripts, graph: buildGraph(scripts, { allowMultipleHeads: environment.allowMultipleHeads }) };
  });
}

/** Migration files of a source, path → content. */
export async function readSource(repo: Repo, dirs: string[], source: Source): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  if (dirs.length === 0) return files;
  if (source.kind === 'worktree') {
    // fast-glob is loaded only here: the hooks never read the working tree this way.
    const { default: fg } = await import('fast-glob');
    const found = await fg(
      dirs.map((dir) => `${fg.escapePath(dir === '' ? '.' : dir)}/**/*.py`),
      { cwd: repo.root, dot: true, onlyFiles: true, followSymbolicLinks: true, ignore: ['**/__pycache__/**'] },
    );
    for (const path of found.map((p) => p.replace(/^\.\//, '')).filter(isMigrationPath)) {
      const content = readOrNull(join(repo.root, path));
      if (content) files.set(path, content);
    }
    return files;
  }
  const entries =
    source.kind === 'commit'
      ? await treeEntries(repo, source.commit, dirs)
      : (source.entries ?? (await indexEntries(repo, dirs)));
  const fromObjects: BlobEntry[] = [];
  for (const entry of entries) {
    if (!isMigrationPath(entry.path) || entry.mode === '160000') continue;
    // The index source reads files whose working copy git reports as unchanged from disk: the
    // same bytes (up to line-ending filters the parser ignores) without inflating objects.
    const clean = source.kind === 'index' && source.dirty && !source.dirty.has(entry.path) && entry.mode !== '120000';
    const content = clean ? readOrNull(join(repo.root, entry.path)) : null;
    if (content) files.set(entry.path, content);
    else fromObjects.push(entry);
  }
  if (fromObjects.length > 0) {
    const blobs = await readBlobs(repo, fromObjects.map((e) => e.oid));
    for (const entry of fromObjects) {
      const blob = blobs.get(entry.oid);
      if (blob) files.set(entry.path, blob);
    }
  }
  return files;
}

function readOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}
