// Files the static parser cannot read: a syntax error is its own kind of problem (not a broken
// graph), and a value it cannot evaluate in a file the commit does not touch is said once.
import { afterAll, describe, expect, it } from 'vitest';
import { alembicEnv, cleanupAll, INCIDENT, makeRepo, migration } from './helpers/repo.js';

afterAll(cleanupAll);

const V = 'backend/alembic/versions';

describe('a migration Python cannot parse', () => {
  const broken = () => {
    const repo = makeRepo(alembicEnv('backend', 8), { commit: true });
    const text = migration('009_x', INCIDENT[7]).replace('def upgrade() -> None:', 'def upgrade(:');
    repo.write(`${V}/009_x.py`, text).add(V);
    return repo;
  };
  const line =
    migration('009_x', INCIDENT[7])
      .split('\n')
      .findIndex((l) => l.startsWith('def upgrade')) + 1;

  it('text: its own group, "cannot be parsed", with file and line, not under revision graph problems', () => {
    const result = broken().cli(['check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Cannot be parsed');
    // Python's own verdict, asked of Python's compile() (never run).
    expect(result.stdout).toMatch(
      new RegExp(`${V}/009_x.py cannot be parsed \\(line ${line}\\): SyntaxError: invalid syntax \\(Python 3\\.\\d+'s compile\\(\\)\\)`),
    );
    expect(result.stdout).toContain(`fix the syntax at ${V}/009_x.py:${line}`);
    expect(result.stdout).not.toContain('Revision graph problems');
  });

  it("without a Python (ALEMBIC_GUARD_PYTHON=0), the static reader's own verdict blocks it", () => {
    const result = broken().cli(['check'], { env: { ALEMBIC_GUARD_PYTHON: '0' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${V}/009_x.py cannot be parsed (line ${line}): a bracket opened here is never closed`);
  });

  it('json: kind unparsable with path and line; github: an error annotation on that line', () => {
    const repo = broken();
    const json = JSON.parse(repo.cli(['check', '--format', 'json']).stdout) as { findings: Record<string, unknown>[] };
    expect(json.findings).toEqual([expect.objectContaining({ kind: 'unparsable', severity: 'error', path: `${V}/009_x.py`, line, paths: [`${V}/009_x.py`] })]);
    const github = repo.cli(['check', '--format', 'github']);
    expect(github.code).toBe(1);
    expect(github.stdout).toContain(`::error file=${V}/009_x.py,line=${line},title=alembic-guard%3A unparsable::`);
  });
});

describe('a parse warning about a file the commit does not change', () => {
  // neutron's shape: an upstream migration whose branch_labels need Python to evaluate.
  const upstream = (name: string, down: string | null) => migration(name, down).replace('branch_labels = None', 'branch_labels = (cli.compute_label(),)');
  const repo = () => {
    const files = alembicEnv('backend', 3);
    files[`${V}/004_upstream.py`] = upstream('004_upstream', INCIDENT[2]);
    return makeRepo(files, { commit: true });
  };
  const warned = (text: string) => text.includes('004_upstream.py:') && text.includes('cannot be evaluated');

  it('is shown once per file version in text; JSON keeps it, marked repeated', () => {
    const r = repo();
    const first = r.cli(['check']);
    expect(first.code).toBe(0);
    expect(warned(first.stdout)).toBe(true);
    const again = r.cli(['check']);
    expect(again.code).toBe(0);
    expect(warned(again.stdout)).toBe(false);
    expect(r.cli(['check', '--format', 'github']).stdout).not.toContain('004_upstream');
    const json = JSON.parse(r.cli(['check', '--format', 'json']).stdout) as { findings: Record<string, unknown>[] };
    expect(json.findings).toEqual([expect.objectContaining({ kind: 'parse-warning', path: `${V}/004_upstream.py`, repeated: true })]);
    // graph lists it every time
    expect(r.cli(['graph']).stdout).toContain('004_upstream.py:');
  });

  it('a new version of the file is shown again; a staged (changed) file always shows', () => {
    const r = repo();
    r.cli(['check']);
    r.write(`${V}/004_upstream.py`, `${upstream('004_upstream', INCIDENT[2])}# edited\n`).add(V);
    expect(warned(r.cli(['check']).stdout)).toBe(true);
    expect(warned(r.cli(['check']).stdout)).toBe(true); // still staged: the commit changes it
    r.commit('edit');
    expect(warned(r.cli(['check']).stdout)).toBe(false); // committed, and shown before
  });

  it('JSON runs do not count as shown; a damaged record is replaced, never a crash', () => {
    const r = repo();
    r.cli(['check', '--format', 'json']);
    expect(warned(r.cli(['check']).stdout)).toBe(true);
    r.write('.git/alembic-guard/shown-warnings.json', '{"version":1,"shown":[42,"zz",null');
    const result = r.cli(['check']);
    expect(result.code).toBe(0);
    expect(warned(result.stdout)).toBe(true);
    expect(warned(r.cli(['check']).stdout)).toBe(false);
  });
});
