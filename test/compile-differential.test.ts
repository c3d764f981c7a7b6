// Differential: every migration CPython's compile() refuses must block the commit, and every one
// it accepts must not be called unparsable. A corpus of mutations of real-looking migrations
// (a token deleted or duplicated, conflict markers inserted, indentation changed, brackets
// unbalanced, nesting past the parser's limit, Python 2 statements, compile-time errors) is
// judged by /usr/bin/python3 in the test and by `check` in a real repository.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRng, type Rng } from './differential/generate.js';
import { alembicEnv, cleanupAll, INCIDENT, makeRepo, tempDir } from './helpers/repo.js';

afterAll(cleanupAll);

const PYTHON = '/usr/bin/python3';
const HAS_PYTHON = existsSync(PYTHON);
if (!HAS_PYTHON && process.env.CI) throw new Error(`${PYTHON} is missing: apt-get install python3-alembic`);

const V = 'backend/alembic/versions';

/** A migration as autogenerate writes it, with a body worth mutating. */
function base(revision: string, down: string): string {
  return [
    `"""add things ${revision}`,
    '',
    `Revision ID: ${revision}`,
    `Revises: ${down}`,
    '"""',
    'from alembic import op',
    'import sqlalchemy as sa',
    '',
    `revision = '${revision}'`,
    `down_revision = '${down}'`,
    'branch_labels = None',
    'depends_on = None',
    '',
    '',
    'def upgrade():',
    "    op.create_table('trace_mismatch',",
    "        sa.Column('id', sa.Integer(), nullable=False),",
    "        sa.Column('name', sa.String(length=64), nullable=True),",
    "        sa.PrimaryKeyConstraint('id'))",
    "    for name in ('a', 'b'):",
    "        if name != 'a':",
    "            op.add_column('trace_mismatch', sa.Column(name, sa.Text()))",
    '    op.execute("UPDATE trace_mismatch SET name = \'x\' WHERE id = 1")',
    '',
    '',
    'def downgrade():',
    "    op.drop_table('trace_mismatch')",
    '',
  ].join('\n');
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

/** Lines after the header: mutations stay out of the revision fields, so every file keeps its id. */
const BODY_FROM = 14;

function mutate(text: string, rng: Rng): string {
  const lines = text.split('\n');
  const at = BODY_FROM + Math.floor(rng() * (lines.length - BODY_FROM - 1));
  const line = lines[at]!;
  const tokens = line.match(/\w+|[^\w\s]|\s+/g) ?? [];
  switch (Math.floor(rng() * 12)) {
    case 0: // a token deleted
      if (tokens.length) tokens.splice(Math.floor(rng() * tokens.length), 1);
      lines[at] = tokens.join('');
      break;
    case 1: // a token duplicated
      if (tokens.length) {
        const i = Math.floor(rng() * tokens.length);
        tokens.splice(i, 0, tokens[i]!);
      }
      lines[at] = tokens.join('');
      break;
    case 2: // a merge left unresolved
      lines.splice(at, 1, '<<<<<<< HEAD', line, '=======', line.replace(/'a'/, "'c'"), '>>>>>>> feature/other');
      break;
    case 3: // indentation changed: spaces, a tab, or none
      lines[at] = pick(rng, [' ', '  ', '\t', '', '        ']) + line.trimStart();
      break;
    case 4: // brackets unbalanced
      lines[at] = rng() < 0.5 ? line.replace(/\)(?![^)]*\))/, '') : `${line}(`;
      break;
    case 5: // nesting: sometimes within CPython's limit, sometimes past it
      lines.splice(
        at,
        0,
        `    x = ${'('.repeat(Math.floor(rng() * 400))}1${')'.repeat(400)}`.replace(/\)+$/, (m) => m.slice(0, m.length - Math.floor(rng() * 2))),
      );
      break;
    case 6: // Python 2
      lines.splice(
        at,
        0,
        pick(rng, ['    print "migrating"', '    exec "x = 1"', '    x = `1`', '    if 1 <> 2: pass', '    raise ValueError, "x"', '    x = 0777']),
      );
      break;
    case 7: // compile-time errors
      lines.push(pick(rng, ['return 1', 'break', 'continue', 'def f(a, a): pass', 'def g(x=1, y): pass', 'nonlocal q', 'f(**k, *a)', 'yield 1', 'await x']));
      break;
    case 8: // assignment to a literal, a keyword or a call
      lines.splice(at, 0, pick(rng, ['    1 = x', '    None = 1', '    f() = 2', '    "s" += 1', '    x + 1 = 2', '    del 1', '    (a, b) = c']));
      break;
    case 9: // escapes
      lines.splice(
        at,
        0,
        pick(rng, [
          '    s = "\\N{NO SUCH NAME}"',
          '    s = "\\N{BULLET}"',
          '    s = b"\\N{BULLET}"',
          '    s = "\\x4"',
          '    s = "\\u12"',
          "    s = r'\\N{x}'",
          '    s = "\\q"',
        ]),
      );
      break;
    case 10: // a NUL byte, a stray character
      lines[at] = line.slice(0, Math.max(0, line.length >> 1)) + pick(rng, ['\0', '$', '?', '!', '\\']) + line.slice(line.length >> 1);
      break;
    default: // a harmless change: the file must still pass
      lines.splice(at, 0, pick(rng, ['    pass', '    # a comment', '', '    x = [1,\n        2]', '    y = """\n<<<<<<< not a conflict\n"""']));
      break;
  }
  return lines.join('\n');
}

/** /usr/bin/python3's verdict on each file: true when compile() accepts it. */
function pythonAccepts(files: string[]): boolean[] {
  const script = [
    'import sys, json',
    'out = []',
    'for f in json.load(sys.stdin):',
    '    try:',
    "        compile(f.encode('utf-8', 'surrogateescape'), 'm', 'exec', dont_inherit=True)",
    '        out.append(True)',
    '    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):',
    '        out.append(False)',
    'print(json.dumps(out))',
  ].join('\n');
  const result = spawnSync(PYTHON, ['-W', 'ignore', '-c', script], { input: JSON.stringify(files), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as boolean[];
}

describe.skipIf(!HAS_PYTHON)('compile(): the guard agrees with CPython on every mutated migration', () => {
  const rng = makeRng(20261204);
  const files = new Map<string, string>();
  for (let i = 0; i < 240; i++) {
    const id = `m${String(i).padStart(3, '0')}`;
    files.set(`${V}/${id}_change.py`, mutate(base(id, '0001_base'), rng));
  }
  const paths = [...files.keys()];
  const accepted = HAS_PYTHON ? pythonAccepts([...files.values()]) : [];
  const refused = new Set(paths.filter((_, i) => !accepted[i]));

  function unparsable(env: Record<string, string>): { code: number; paths: Set<string>; findings: Record<string, unknown>[] } {
    const tree = alembicEnv('backend', 0);
    tree[`${V}/0001_base.py`] = base('0001_base', 'x').replace("down_revision = 'x'", 'down_revision = None');
    const repo = makeRepo(tree, { commit: true });
    for (const [path, text] of files) repo.write(path, text);
    repo.add(V);
    const before = repo.snapshot();
    const result = repo.cli(['check', '--format', 'json'], { env });
    expect(repo.snapshot()).toBe(before);
    const report = JSON.parse(result.stdout) as { findings: Record<string, unknown>[] };
    const found = report.findings.filter((f) => f.kind === 'unparsable');
    return { code: result.code, paths: new Set(found.map((f) => f.path as string)), findings: found };
  }

  it('a corpus with both kinds: many refused, many accepted', () => {
    expect(refused.size).toBeGreaterThan(80);
    expect(paths.length - refused.size).toBeGreaterThan(40);
  });

  it('with Python: exactly the files Python refuses are blocked, each with its line and the kind of error', () => {
    const { code, paths: blocked, findings } = unparsable({ ALEMBIC_GUARD_PYTHON: PYTHON });
    expect(code).toBe(1);
    expect([...blocked].filter((p) => !refused.has(p)).sort(), 'accepted by Python, yet blocked').toEqual([]);
    expect([...refused].filter((p) => !blocked.has(p)).sort(), 'refused by Python, yet let through').toEqual([]);
    for (const f of findings) {
      expect(String(f.message)).toMatch(/SyntaxError|IndentationError|TabError|ValueError|RecursionError|MemoryError|unresolved merge conflict/);
    }
    // Conflict markers have their own words, wherever Python refuses the file.
    const conflicted = findings.filter((f) => String(f.message).includes('unresolved merge conflict'));
    expect(conflicted.length).toBeGreaterThan(5);
    for (const f of conflicted) expect(String(f.fix)).toContain('<<<<<<<');
  });

  it('without Python the static reader blocks no file Python accepts', () => {
    const { paths: blocked } = unparsable({ ALEMBIC_GUARD_PYTHON: '0' });
    expect([...blocked].filter((p) => !refused.has(p)).sort(), 'accepted by Python, yet blocked').toEqual([]);
    // Conflict markers are found without Python too.
    const markers = paths.filter((p) => files.get(p)!.includes('\n<<<<<<< HEAD\n'));
    for (const p of markers) if (refused.has(p)) expect(blocked.has(p), p).toBe(true);
  });
});

describe.skipIf(!HAS_PYTHON)('which Python judges, and what else is refused', () => {
  /** A "python" that answers as the given real one, with a marker of which was run. */
  function fakePython(dir: string, log: string): string {
    const file = join(dir, 'bin', 'python');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    writeFileSync(file, `#!/bin/sh\necho "${dir}" >> "${log}"\nexec ${PYTHON} "$@"\n`);
    chmodSync(file, 0o755);
    return file;
  }

  it("the project's venv in the environment's folder is the one asked; another Python is asked afresh", () => {
    const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
    const log = join(tempDir('ag-pylog-'), 'log');
    writeFileSync(log, '');
    fakePython(join(repo.dir, 'backend/.venv'), log);
    repo.write('.gitignore', '.venv/\n').add('.gitignore').commit('ignore venvs');
    repo.write(`${V}/004_x.py`, `${base('004_x', INCIDENT[2])}print "x"\n`).add(V);
    const first = repo.cli(['check']);
    expect(first.code).toBe(1);
    expect(readFileSync(log, 'utf8')).toContain(join(repo.dir, 'backend/.venv'));
    // Judged once: a second check asks no Python.
    writeFileSync(log, '');
    expect(repo.cli(['check']).code).toBe(1);
    expect(readFileSync(log, 'utf8')).toBe('');
    // Another interpreter (here: none) is another verdict, not the cached one.
    const other = repo.cli(['check'], { env: { ALEMBIC_GUARD_PYTHON: '0' } });
    expect(other.stdout).not.toContain('Python 3.');
  });

  it('validate (the lint-staged entry) blocks what Python refuses', () => {
    const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
    const file = `${V}/004_x.py`;
    repo.write(file, `${base('004_x', INCIDENT[2])}    return 1\nreturn 2\n`).add(V);
    const result = repo.cli(['validate', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("SyntaxError: 'return' outside function");
  });

  it('an alembic.ini or env.py left with conflict markers blocks, with the conflict named', () => {
    const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
    const ini = repo.read('backend/alembic.ini');
    repo
      .write(
        'backend/alembic.ini',
        ini.replace(
          '[alembic]\n',
          '[alembic]\n<<<<<<< HEAD\nscript_location = %(here)s/alembic\n=======\nscript_location = %(here)s/migrations\n>>>>>>> other\n',
        ),
      )
      .add('backend/alembic.ini');
    const result = repo.cli(['check', '--format', 'json']);
    expect(result.code).toBe(1);
    const findings = (JSON.parse(result.stdout) as { findings: Record<string, unknown>[] }).findings;
    expect(findings).toContainEqual(expect.objectContaining({ kind: 'unparsable', path: 'backend/alembic.ini', cause: 'conflict', line: 2 }));
    repo.git(['checkout', '--', 'backend/alembic.ini']);
    repo.git(['reset', '-q']);
    repo.write('backend/alembic/env.py', 'from alembic import context\nif True:\nprint(1)\n').add('backend/alembic/env.py');
    const env = repo.cli(['check']);
    expect(env.code).toBe(1);
    expect(env.stdout).toContain('backend/alembic/env.py cannot be parsed (line 3): IndentationError');
  });
});

describe.skipIf(!HAS_PYTHON)('a pyenv shim on PATH', () => {
  it('is not run (a bash script that starts pyenv, ~0.3 s): the interpreter it would pick is', () => {
    const pyenv = tempDir('ag-pyenv-');
    const marker = join(pyenv, 'shim-ran');
    mkdirSync(join(pyenv, 'shims'), { recursive: true });
    writeFileSync(join(pyenv, 'shims', 'python3'), `#!/bin/sh\ntouch "${marker}"\nexec ${PYTHON} "$@"\n`);
    chmodSync(join(pyenv, 'shims', 'python3'), 0o755);
    mkdirSync(join(pyenv, 'versions', '3.99.0', 'bin'), { recursive: true });
    const log = join(pyenv, 'real-ran');
    writeFileSync(join(pyenv, 'versions', '3.99.0', 'bin', 'python3'), `#!/bin/sh\ntouch "${log}"\nexec ${PYTHON} "$@"\n`);
    chmodSync(join(pyenv, 'versions', '3.99.0', 'bin', 'python3'), 0o755);
    writeFileSync(join(pyenv, 'version'), '3.99.0\n');
    const repo = makeRepo(alembicEnv('backend', 3), { commit: true });
    repo.write(`${V}/004_x.py`, `${base('004_x', INCIDENT[2])}print "x"\n`).add(V);
    const result = repo.cli(['check'], { env: { PATH: `${join(pyenv, 'shims')}:/usr/bin:/bin`, PYENV_ROOT: pyenv } });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('SyntaxError');
    expect(existsSync(log)).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });
});
