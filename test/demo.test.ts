/** demo: the incident replayed with real git, by the built CLI, as a person would run it. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, cleanupAll, INCIDENT, run, tempDir, testEnv } from './helpers/repo.js';

afterAll(cleanupAll);

describe('demo', () => {
  it('replays the incident step by step, every step as expected, and cleans up', () => {
    const cwd = tempDir('ag-demo-cwd-');
    const result = run(process.execPath, [CLI, 'demo'], { cwd, env: testEnv() });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const out = result.stdout;
    for (let step = 1; step <= 6; step += 1) expect(out).toMatch(new RegExp(`^✔ ${step}\\. `, 'm'));
    expect(out).not.toContain('✖ 1');
    expect(out).toContain('$ git commit -am');
    // The hook's own words, indented, naming every migration left behind.
    for (const name of INCIDENT.slice(8)) expect(out).toContain(`│     alembic/versions/${name}.py`);
    expect(out).toContain('ALEMBIC_GUARD_SKIP="demo"');
    expect(out).toMatch(/bypass\.log: \{.*"reason":"demo".*015_pin_expiry/);
    const base = /^Removed (.+) \(run with --keep/m.exec(out)?.[1];
    expect(base).toBeTruthy();
    expect(existsSync(base!)).toBe(false);
  });

  it('keeps the directory with --keep, and speaks JSON', () => {
    const result = run(process.execPath, [CLI, 'demo', '--keep', '--format', 'json'], { cwd: tempDir('ag-demo-cwd-'), env: testEnv() });
    const json = JSON.parse(result.stdout);
    try {
      expect(result.code).toBe(0);
      expect(json).toMatchObject({ command: 'demo', ok: true, exitCode: 0, kept: true });
      expect(json.steps).toHaveLength(6);
      expect(json.steps.every((s: { ok: boolean }) => s.ok)).toBe(true);
      expect(json.steps[3].exitCode).not.toBe(0);
      expect(readFileSync(join(json.directory, '.git/hooks/pre-commit'), 'utf8')).toContain(CLI);
      expect(readFileSync(join(json.directory, '.git/alembic-guard/bypass.log'), 'utf8')).toContain('"reason":"demo"');
    } finally {
      rmSync(join(json.directory, '..'), { recursive: true, force: true });
    }
  });
});
