// The house has no import loop: every module of src/ stands above what it imports. Static
// imports, `import type`, re-exports and `import()` all count, as farm-studio draws them.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { PROJECT } from './helpers/repo.js';

const SRC = join(PROJECT, 'src');

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? modules(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]!);
  return specs.map((spec) => resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
}

it('src/ has no import cycle', () => {
  const files = modules(SRC);
  const edges = new Map(files.map((f) => [f, imports(f).filter((t) => files.includes(t))]));
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const to of edges.get(f)!) {
      if (state.get(to) === 'open') cycles.push([...stack.slice(stack.indexOf(to)), to].map((p) => relative(SRC, p)).join(' -> '));
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  expect(files.length).toBeGreaterThan(50);
  expect([...edges.values()].flat().length).toBeGreaterThan(100); // the scan sees the imports
  expect(cycles).toEqual([]);
});
