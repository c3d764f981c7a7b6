// Bindings of revision, down_revision, branch_labels and depends_on other than a plain
// module-level assignment (issue 13, item 9). Each case is a second revision "002" on top of a
// base "001", read by the real Alembic 1.8 (test/differential/alembic_dump.py) and by
// parseScript + buildGraph: where Alembic refuses the environment the guard must block; where it
// loads it, the guard must read the same parents and labels, and warn (with the line) about any
// binding that is not a plain module-level assignment.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../src/alembic/graph.js';
import { parseScript } from '../src/alembic/script.js';

const PYTHON = process.env.ALEMBIC_DIFF_PYTHON ?? '/usr/bin/python3';
const DUMP = fileURLToPath(new URL('./differential/alembic_dump.py', import.meta.url));
const available = spawnSync(PYTHON, ['-c', 'import alembic'], { stdio: 'ignore' }).status === 0;

const BASE = 'revision = "001"\ndown_revision = None\n';
const HEAD = 'revision = "002"\ndown_revision = "001"\nbranch_labels = None\ndepends_on = None\n';

/**
 * name → [the file "002", what the guard must say: 'block' (Alembic fails), 'warn' (Alembic
 * loads it; the guard warns), 'quiet' (Alembic loads it; nothing to say) or 'unknowable' (the
 * guard blocks: what Alembic reads depends on where it runs)].
 */
const CASES: Record<string, [string, 'block' | 'warn' | 'quiet' | 'unknowable']> = {
  'if True:': [`${HEAD}if True:\n    down_revision = "zzz"\n`, 'block'],
  'if True: on one line': [`${HEAD}if True: down_revision = "zzz"\n`, 'block'],
  'if True: continued with a backslash': [`${HEAD}if True: \\\n  down_revision = "zzz"\n`, 'block'],
  'if 1: nested in if True:': [`${HEAD}if True:\n    if 1:\n        down_revision = "zzz"\n`, 'block'],
  'if True: with a good value': [`${HEAD}if True:\n    down_revision = "001"\n`, 'warn'],
  'if False:': [`${HEAD}if False:\n    down_revision = "zzz"\n`, 'quiet'],
  'if 0:': [`${HEAD}if 0:\n    down_revision = "zzz"\n`, 'quiet'],
  'if None: … else:': [`${HEAD}if None:\n    pass\nelse:\n    down_revision = "zzz"\n`, 'block'],
  'if 1: … else:': [`${HEAD}if 1:\n    pass\nelse:\n    down_revision = "zzz"\n`, 'quiet'],
  'if False: … elif True:': [`${HEAD}if False:\n    pass\nelif True:\n    down_revision = "zzz"\n`, 'block'],
  'if <unknown>:': [`${HEAD}import os\nif os.environ.get("X"):\n    down_revision = "zzz"\n`, 'unknowable'],
  'for … in <unknown>': [`${HEAD}import os\nfor down_revision in os.environ.get("X", "").split():\n    pass\n`, 'unknowable'],
  'while False:': [`${HEAD}while False:\n    down_revision = "zzz"\n`, 'quiet'],
  'try:': [`${HEAD}try:\n    down_revision = "zzz"\nexcept Exception:\n    pass\n`, 'block'],
  'for … in [...]': [`${HEAD}for down_revision in ["zzz"]:\n    pass\n`, 'block'],
  'for … in []': [`${HEAD}for down_revision in []:\n    pass\n`, 'quiet'],
  'for … in a tuple, in brackets': [`${HEAD}for (\ndown_revision\n) in ("001", "zzz"):\n    pass\n`, 'block'],
  del: [`${HEAD}del down_revision\n`, 'block'],
  'del in a statement list': [`${HEAD}x = 1; del down_revision\n`, 'block'],
  def: [`${HEAD}def down_revision():\n    pass\n`, 'block'],
  class: [`${HEAD}class down_revision:\n    pass\n`, 'block'],
  'from … import … as': [`${HEAD}from os import sep as down_revision\n`, 'block'],
  'import … as': [`${HEAD}import os as down_revision\n`, 'block'],
  'walrus :=': [`${HEAD}(down_revision := "zzz")\n`, 'block'],
  'walrus in a default argument': [`${HEAD}def f(x=(down_revision := "zzz")):\n    pass\n`, 'block'],
  'walrus in a comprehension': [`${HEAD}[(down_revision := x) for x in ["zzz"]]\n`, 'block'],
  exec: [`${HEAD}exec("down_revision = 'zzz'")\n`, 'block'],
  'globals()[…]': [`${HEAD}globals()["down_revision"] = "zzz"\n`, 'block'],
  'sys.modules[__name__]': [`${HEAD}import sys\nsetattr(sys.modules[__name__], "down_revision", "zzz")\n`, 'block'],
  'fullwidth ｄown_revision': [`${HEAD}\uff44own_revision = "zzz"\n`, 'block'],
  'fullwidth, with a good value': [`${HEAD}\uff44own_revision = "001"\n`, 'warn'],
  'with … as': [`${HEAD}import contextlib\nwith contextlib.nullcontext("zzz") as down_revision:\n    pass\n`, 'block'],
  'except … as': [`${HEAD}try:\n    raise ValueError\nexcept ValueError as down_revision:\n    pass\n`, 'block'],
  'global in a function called at module level': [`${HEAD}def f():\n    global down_revision\n    down_revision = "zzz"\nf()\n`, 'block'],
  'globals() in a function called as a decorator': [
    `${HEAD}def f(g):\n    globals()["down_revision"] = "zzz"\n    return g\n@f\ndef h():\n    pass\n`,
    'block',
  ],
  'match … case capture': [`${HEAD}match "zzz":\n    case down_revision:\n        pass\n`, 'block'],
  // Bindings Alembic never sees: the guard must stay quiet.
  'in a class body': [`${HEAD}class C:\n    down_revision = "zzz"\n`, 'quiet'],
  'in a function body': [`${HEAD}def f():\n    down_revision = "zzz"\n`, 'quiet'],
  'a global in a function never called': [`${HEAD}def upgrade():\n    global down_revision\n    down_revision = "zzz"\n`, 'quiet'],
  'an annotation only': [`${HEAD}down_revision: str\n`, 'quiet'],
  'a comprehension variable': [`${HEAD}[down_revision for down_revision in ["zzz"]]\n`, 'quiet'],
  'exec in upgrade()': [`${HEAD}def upgrade():\n    exec("print(1)")\n`, 'quiet'],
  'the names in strings and attributes': [`${HEAD}def upgrade():\n    op.execute("UPDATE t SET revision = 1")\n    x.down_revision = 2\n`, 'quiet'],
  'a later plain assignment wins': [`${HEAD}if True:\n    down_revision = "zzz"\ndown_revision = "001"\n`, 'warn'],
  'branch_labels in if True:': [`${HEAD}if True:\n    branch_labels = ("x",)\n`, 'warn'],
  'revision in if True:': [`revision = "zzz"\ndown_revision = "001"\nif True:\n    revision = "002"\n`, 'warn'],
  'fullwidth ｒevision': [`\uff52evision = "002"\ndown_revision = "001"\n`, 'warn'],
};

interface Dumped {
  revisions?: { revision: string; down_revision: string[]; branch_labels: string[] }[];
  error?: string;
}

let work = '';
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!available)('bindings other than plain module-level assignments, as Alembic 1.8 reads them', () => {
  let theirs: Record<string, Dumped> = {};
  const dirs = new Map<string, string>();

  it('every case, read by Alembic and by the guard', () => {
    work = mkdtempSync(join(tmpdir(), 'ag-bindings-'));
    let i = 0;
    for (const [name, [body]] of Object.entries(CASES)) {
      const dir = join(work, `case${i++}`);
      mkdirSync(join(dir, 'versions'), { recursive: true });
      writeFileSync(join(dir, 'versions', '001_a.py'), BASE);
      writeFileSync(join(dir, 'versions', '002_b.py'), body);
      dirs.set(name, dir);
    }
    theirs = JSON.parse(execFileSync(PYTHON, [DUMP, ...dirs.values()], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }, encoding: 'utf8' })) as Record<
      string,
      Dumped
    >;

    const wrong: unknown[] = [];
    for (const [name, [body, expected]] of Object.entries(CASES)) {
      const alembic = theirs[dirs.get(name)!]!;
      const scripts = [parseScript('versions/001_a.py', BASE), parseScript('versions/002_b.py', Buffer.from(body))];
      const graph = buildGraph(scripts, { allowMultipleHeads: true });
      const errors = graph.problems.filter((p) => p.severity === 'error');
      const said = errors.length > 0 ? 'block' : graph.warnings.length > 0 ? 'warn' : 'quiet';
      // The expectations above are Alembic's: it fails exactly where the guard blocks.
      if (expected !== 'unknowable' && (alembic.error !== undefined) !== (expected === 'block')) wrong.push({ name, alembic: alembic.error ?? 'loads' });
      if (said !== (expected === 'unknowable' ? 'block' : expected))
        wrong.push({ name, said, expected, problems: errors.map((e) => e.message), warnings: graph.warnings });
      if (alembic.revisions && expected !== 'unknowable') {
        const sort = <T extends { revision: string }>(xs: T[]) => [...xs].sort((a, b) => a.revision.localeCompare(b.revision));
        const mine = sort(graph.revisions.map((r) => ({ revision: r.revision, down_revision: r.downRevisions, branch_labels: r.branchLabels })));
        const real = sort(alembic.revisions.map((r) => ({ revision: r.revision, down_revision: r.down_revision, branch_labels: r.branch_labels })));
        if (JSON.stringify(mine) !== JSON.stringify(real)) wrong.push({ name, mine, real });
      }
      // The binding itself is named with its line, by a warning or by the blocking problem.
      const named = graph.warnings.length > 0 || errors.some((e) => /\(line \d+\)/.test(e.message));
      if (expected !== 'quiet' && !named) wrong.push({ name, noLine: errors.map((e) => e.message) });
    }
    expect(wrong).toEqual([]);
  });
});

describe('the file and line of each warning and block', () => {
  it('names the line of an `if True:` binding and of a `for` target', () => {
    const warned = parseScript('versions/002_b.py', `${HEAD}if True:\n    down_revision = "001"\n`);
    expect(warned.error).toBeUndefined();
    expect(warned.downRevisions).toEqual(['001']);
    expect(warned.warnings).toEqual([{ line: 6, message: expect.stringMatching(/^down_revision is assigned inside `if True:` \(line 5\) at line 6/) }]);
    const blocked = parseScript('versions/002_b.py', `${HEAD}import os\nfor down_revision in os.listdir("."):\n    pass\n`);
    expect(blocked.error).toEqual({ kind: 'not-static', line: 6, message: expect.stringMatching(/^down_revision is the target of a `for` loop at line 6/) });
  });

  it('a file that names none of this reads as before (the fast pass)', () => {
    const plain = parseScript('versions/002_b.py', `${HEAD}\ndef upgrade():\n    op.execute("SELECT 1")\n`);
    expect(plain).toEqual({ path: 'versions/002_b.py', revision: '002', downRevisions: ['001'], dependsOn: [], branchLabels: [], warnings: [] });
  });
});

describe('a star import (quay: `from peewee import *`)', () => {
  it('binds none of the fields: the file is read as its plain assignments say, with no warning', () => {
    const parsed = parseScript('a.py', '"""x"""\nimport json\n\nfrom peewee import *\n\nrevision = "a1"\ndown_revision = "a0"\n\ndef upgrade():\n    pass\n');
    expect(parsed.error ?? null).toBeNull();
    expect(parsed.revision).toBe('a1');
    expect(parsed.downRevisions).toEqual(['a0']);
    expect(parsed.dependsOn).toEqual([]);
    expect(parsed.warnings).toEqual([]);
  });
});
