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
  const line = migration('009_x', INCIDENT[7]).split('\n').findIndex((l) => l.startsWith('def upgrade')) + 1;

  it('text: its own group, "cannot be parsed", with file and line, not under revision graph problems', () => {
    const result = broken().cli(['check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Cannot be parsed');
    expect(result.stdout).toContain(`${V}/009_x.py cannot be parsed (line ${line}): a bracket opened here is never closed`);
    expect(result.stdout).toContain(`fix the syntax at ${V}/009_x.py:${line}`);
    expect(result.stdout).not.toContain('Revision graph problems');
  });

  it('json: kind unparsable with path and line; github: an error annotation on that line', () => {
    const repo = broken();
    const json = JSON.parse(repo.cli(['check', '--format', 'json']).stdout) as { findings: Record<string, unknown>[] };
    expect(json.findings).toEqual([
      expect.objectContaining({ kind: 'unparsable', severity: 'error', path: `${V}/009_x.py`, line, paths: [`${V}/009_x.py`] }),
    ]);
    const github = repo.cli(['check', '--format', 'github']);
    expect(github.code).toBe(1);
    expect(github.stdout).toContain(`::error file=${V}/009_x.py,line=${line},title=alembic-guard%3A unparsable::`);
  });
});
