// branch_labels written through a constant of another module of the same repository:
//
//     from neutron.db.migration import cli
//     branch_labels = (cli.EXPAND_BRANCH,)
//
// (openstack/neutron's expand/contract branches; cli.py holds `EXPAND_BRANCH = 'expand'`.)
// Nothing here runs Python: the imported module's file is found in the repository, read from
// the same source as the scripts (index, commit or working tree), and a module-level
// `NAME = '<literal>'` assignment in it gives the value. When anything is not that plain, the
// parser's warning stays and the label is treated as empty, as before.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexEntries, readBlobs, treeEntries } from '../git/objects.js';
import type { Repo } from '../git/repo.js';
import type { ParsedScript } from './script.js';

type FileSource = { kind: 'index' } | { kind: 'commit'; commit: string } | { kind: 'worktree' };

/** A dotted name of the expression: the module it comes from and the constant in it. */
interface Reference {
  module: string;
  name: string;
}

// Where `import a.b` finds a/b.py in a repository: at the top, or under src/ (prefect's layout).
const ROOTS = ['', 'src/'];

/**
 * The scripts with their symbolic branch_labels resolved where the imported constants are plain
 * string literals; the others unchanged. Reads files only when some script needs it.
 */
export async function resolveLabels(repo: Repo, source: FileSource, scripts: ParsedScript[]): Promise<ParsedScript[]> {
  const pending = scripts.filter((s) => s.labelSource !== undefined);
  if (pending.length === 0) return scripts;
  const plans = new Map<ParsedScript, (string | Reference)[]>();
  const modules = new Set<string>();
  for (const script of pending) {
    const plan = planOf(script);
    if (plan === null) continue;
    plans.set(script, plan);
    for (const item of plan) if (typeof item !== 'string') modules.add(item.module);
  }
  if (plans.size === 0) return scripts;
  const texts = await readModules(repo, source, [...modules]);
  const constants = new Map<string, Map<string, string>>();
  const valueOf = (ref: Reference): string | undefined => {
    let table = constants.get(ref.module);
    if (table === undefined) {
      const text = texts.get(ref.module);
      table = text === undefined ? new Map() : literalAssignments(text);
      constants.set(ref.module, table);
    }
    return table.get(ref.name);
  };
  return scripts.map((script) => {
    const plan = plans.get(script);
    if (plan === undefined) return script;
    const labels: string[] = [];
    for (const item of plan) {
      const value = typeof item === 'string' ? item : valueOf(item);
      if (value === undefined) return script;
      labels.push(value);
    }
    const line = script.labelSource!.line;
    return {
      ...script,
      branchLabels: labels,
      warnings: script.warnings.filter((w) => !(w.line === line && w.message.startsWith('branch_labels'))),
      labelSource: undefined,
    };
  });
}

/** The labels of a script as literals and references, or null when the expression is not that plain. */
function planOf(script: ParsedScript): (string | Reference)[] | null {
  const { expression, imports } = script.labelSource!;
  const items = splitItems(expression);
  if (items === null) return null;
  const bound = importBindings(imports);
  const plan: (string | Reference)[] = [];
  for (const item of items) {
    const str = /^(['"])([^'"\\\n]*)\1$/.exec(item);
    if (str) {
      plan.push(str[2]!);
      continue;
    }
    if (!/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(item)) return null;
    const parts = item.split('.');
    const name = parts.pop()!;
    if (parts.length === 0) {
      // `from neutron.db.migration.cli import EXPAND_BRANCH`
      const from = bound.names.get(name);
      if (from === undefined) return null;
      plan.push(from);
      continue;
    }
    // `cli.EXPAND_BRANCH` with `from neutron.db.migration import cli` or `import … as cli`;
    // `neutron.db.migration.cli.EXPAND_BRANCH` with `import neutron.db.migration.cli`.
    const head = bound.modules.get(parts[0]!);
    if (head === undefined) return null;
    plan.push({ module: [head, ...parts.slice(1)].join('.'), name });
  }
  return plan;
}

/** `(a.B, "x",)` → ['a.B', '"x"']; null for anything but a flat tuple/list or one item. */
function splitItems(expression: string): string[] | null {
  let text = expression.trim();
  if (text.endsWith('...')) return null; // cut for display: not the whole expression
  const open = text[0];
  if ((open === '(' && text.endsWith(')')) || (open === '[' && text.endsWith(']'))) text = text.slice(1, -1);
  if (/[()[\]{}]/.test(text)) return null;
  const items = text.split(',').map((item) => item.trim());
  if (items.length > 1 && items[items.length - 1] === '') items.pop();
  return items.every((item) => item !== '') ? items : null;
}

/** What the import statements bind: a name → a module, or a name → a constant of a module. */
function importBindings(statements: string[]): { modules: Map<string, string>; names: Map<string, Reference> } {
  const modules = new Map<string, string>();
  const names = new Map<string, Reference>();
  for (const statement of statements.flatMap((s) => s.split(';'))) {
    const text = statement
      .replace(/\\\r?\n/g, ' ')
      .replace(/[()]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    const from = /^from ([A-Za-z_][\w.]*) import (.+)$/.exec(text);
    if (from) {
      for (const part of from[2]!.split(',')) {
        const m = /^([A-Za-z_]\w*)(?: as ([A-Za-z_]\w*))?$/.exec(part.trim());
        if (!m) continue;
        const alias = m[2] ?? m[1]!;
        // `from pkg import mod` binds a module or a constant: both are tried.
        modules.set(alias, `${from[1]}.${m[1]}`);
        names.set(alias, { module: from[1]!, name: m[1]! });
      }
      continue;
    }
    const plain = /^import (.+)$/.exec(text);
    if (!plain) continue;
    for (const part of plain[1]!.split(',')) {
      const m = /^([A-Za-z_][\w.]*)(?: as ([A-Za-z_]\w*))?$/.exec(part.trim());
      if (!m) continue;
      if (m[2] !== undefined) modules.set(m[2], m[1]!);
      else modules.set(m[1]!.split('.')[0]!, m[1]!.split('.')[0]!);
    }
  }
  return { modules, names };
}

/** Module name → text of its file, from the source; modules not found are left out. */
async function readModules(repo: Repo, source: FileSource, modules: string[]): Promise<Map<string, string>> {
  const candidates = new Map<string, string>(); // path → module
  for (const module of modules) {
    const rel = module.split('.').join('/');
    for (const root of ROOTS) {
      candidates.set(`${root}${rel}.py`, module);
      candidates.set(`${root}${rel}/__init__.py`, module);
    }
  }
  const texts = new Map<string, string>();
  const paths = [...candidates.keys()];
  if (source.kind === 'worktree') {
    for (const path of paths) {
      const module = candidates.get(path)!;
      if (texts.has(module)) continue;
      try {
        texts.set(module, readFileSync(join(repo.root, path), 'utf8'));
      } catch {
        // not this candidate
      }
    }
    return texts;
  }
  const entries = source.kind === 'index' ? await indexEntries(repo, paths) : await treeEntries(repo, source.commit, paths);
  const blobs = await readBlobs(
    repo,
    entries.map((e) => e.oid),
  );
  // Candidates in order: a.py before a/__init__.py, the top before src/.
  for (const path of paths) {
    const entry = entries.find((e) => e.path === path);
    const module = candidates.get(path)!;
    const blob = entry && blobs.get(entry.oid);
    if (blob && !texts.has(module)) texts.set(module, blob.toString('utf8'));
  }
  return texts;
}

/** Module-level `NAME = 'literal'` (or "literal") assignments; the last one of a name wins, as in Python. */
function literalAssignments(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of text.matchAll(/^([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=(?!=)(.*)$/gm)) {
    const literal = /^[ \t]*(['"])([^'"\\\n]*)\1[ \t]*(?:#.*)?$/.exec(m[2]!);
    if (literal) found.set(m[1]!, literal[2]!);
    else found.delete(m[1]!); // assigned something else later: not a constant we can read
  }
  return found;
}
