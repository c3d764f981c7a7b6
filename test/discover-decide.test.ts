// Discovery's deciding half, fed literal snapshots: no git, no files on disk. The shapes are those
// of real projects (a root alembic.ini, a backend/ sub-folder, Flask-Migrate, env.py configured in
// code, a packagers' sample ini, a plugin's bare revision scripts); test/discovery.test.ts runs the
// same cases through real git.
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { candidatesOf, decideConfigured, decideDiscovered, type DiscoverySnapshot, type FileView } from '../src/alembic/discover-decide.js';
import { type GuardConfig, validate } from '../src/config.js';

const ROOT = '/repo';

/** A file system of literal files (repo-relative path → text); a folder is any prefix of one. */
function filesOf(files: Record<string, string>): FileView {
  const abs = new Map(Object.entries(files).map(([path, text]) => [posix.join(ROOT, path), text]));
  const isDirectory = (path: string) => [...abs.keys()].some((file) => file.startsWith(`${path.replace(/\/$/, '')}/`));
  return {
    read: (path) => abs.get(path),
    isFile: (path) => abs.has(path),
    isDirectory,
    exists: (path) => abs.has(path) || isDirectory(path),
    realpath: (path) => path,
  };
}

function snapshot(files: Record<string, string>, extra: Partial<DiscoverySnapshot> = {}): DiscoverySnapshot {
  const tracked = Object.keys(files).filter((path) => /(^|\/)(alembic\.ini|pyproject\.toml|env\.py)$/.test(path));
  return { root: ROOT, tracked, probed: [], ignored: new Set(), pyproject: new Map(), files: filesOf(files), ...extra };
}

const discovered: GuardConfig = { ...validate({}, 'test'), source: null };
const INI = (location: string) => `[alembic]\nscript_location = ${location}\n`;
const MIGRATION = "revision = 'a1'\ndown_revision = None\n";

describe('deciding the environments from a snapshot', () => {
  it('a root alembic.ini names its script directory, and the files that make the environment', () => {
    const found = decideDiscovered(snapshot({ 'alembic.ini': INI('alembic'), 'alembic/env.py': '', 'alembic/versions/a1.py': MIGRATION }), discovered);
    expect(found.origin).toBe('discovered');
    expect(found.environments).toHaveLength(1);
    const [env] = found.environments;
    expect(env).toMatchObject({ name: 'alembic', scriptDir: 'alembic', versions: ['alembic/versions'], source: 'alembic.ini [alembic]' });
    expect(env.envFiles).toEqual(expect.arrayContaining(['alembic/env.py', 'alembic/script.py.mako', 'alembic.ini']));
    expect(env.runner).toMatchObject({ cwd: '', command: ['alembic'] });
  });

  it('an ini in a sub-folder runs from there; one naming a path from the top runs with -c', () => {
    const beside = decideDiscovered(snapshot({ 'backend/alembic.ini': INI('migrations'), 'backend/migrations/env.py': '' }), discovered);
    expect(beside.environments[0]).toMatchObject({ scriptDir: 'backend/migrations', runner: { cwd: 'backend', command: ['alembic'] } });
    const fromTop = decideDiscovered(snapshot({ 'backend/alembic.ini': INI('backend/migrations'), 'backend/migrations/env.py': '' }), discovered);
    expect(fromTop.environments[0]).toMatchObject({ scriptDir: 'backend/migrations', runner: { cwd: '', command: ['alembic', '-c', 'backend/alembic.ini'] } });
  });

  it('Flask-Migrate: an ini without script_location beside env.py, run as flask db (or the project manage.py)', () => {
    const found = decideDiscovered(snapshot({ 'app/migrations/alembic.ini': '[alembic]\n', 'app/migrations/env.py': '', 'app/manage.py': '' }), discovered);
    expect(found.environments[0]).toMatchObject({
      scriptDir: 'app/migrations',
      versions: ['app/migrations/versions'],
      runner: { cwd: 'app', command: ['flask', 'db'], wrapper: 'python manage.py db' },
    });
  });

  it('env.py beside versions/ is an environment configured in code; without versions/ it is not', () => {
    const found = decideDiscovered(snapshot({ 'svc/db/env.py': '', 'svc/db/versions/a1.py': MIGRATION, 'other/env.py': '' }), discovered);
    expect(found.environments.map((env) => env.scriptDir)).toEqual(['svc/db']);
  });

  it('a templated script_location is set aside, not taken as an environment', () => {
    const found = decideDiscovered(snapshot({ 'alembic.ini': INI('${script_location}') }), discovered);
    expect(found.environments).toEqual([]);
    expect(found.skipped[0]).toMatchObject({ source: 'alembic.ini [alembic]' });
  });

  it('a sample ini pointing outside the repository is set aside while another environment lives in it', () => {
    const files = { 'alembic.ini': INI('alembic'), 'alembic/env.py': '', 'dist/alembic.ini': INI('/usr/share/app/alembic') };
    const found = decideDiscovered(snapshot(files), discovered);
    expect(found.environments.map((env) => env.name)).toEqual(['alembic']);
    expect(found.skipped.map((s) => s.source)).toEqual(['dist/alembic.ini [alembic]']);
    // Alone, the outside environment stays: every commit can be told that no commit holds it.
    const alone = decideDiscovered(snapshot({ 'alembic.ini': INI('/usr/share/app/alembic') }), discovered);
    expect(alone.environments[0]).toMatchObject({ versions: [], outside: ['/usr/share/app/alembic'] });
  });

  it('the revision-script folders are the last resort, used only when the candidates found nothing', () => {
    const plugin = decideDiscovered(snapshot({}, { revisionDirs: ['plugin/migrations'] }), discovered);
    expect(plugin.environments).toMatchObject([{ name: 'plugin/migrations', scriptDir: null, versions: ['plugin/migrations'] }]);
    const withIni = decideDiscovered(snapshot({ 'alembic.ini': INI('alembic'), 'alembic/env.py': '' }, { revisionDirs: ['plugin/migrations'] }), discovered);
    expect(withIni.environments.map((env) => env.name)).toEqual(['alembic']);
  });

  it('a pyproject [tool.alembic] table as gathered; the error reading one is raised', () => {
    const files = { 'pyproject.toml': '', 'db/env.py': '' };
    const table = { script_location: 'db', version_locations: ['db/versions', 'db/extra'] };
    const found = decideDiscovered(snapshot(files, { pyproject: new Map([['pyproject.toml', table]]) }), discovered);
    expect(found.environments[0]).toMatchObject({ scriptDir: 'db', versions: ['db/versions', 'db/extra'], source: 'pyproject.toml [tool.alembic]' });
    const broken = snapshot(files, { pyproject: new Map([['pyproject.toml', new Error('pyproject.toml: invalid TOML')]]) });
    expect(() => decideDiscovered(broken, discovered)).toThrow('invalid TOML');
  });
});

describe('which candidates count', () => {
  it('an untracked env.py or pyproject that git ignores is a build copy; an ignored alembic.ini still counts', () => {
    const probed = ['build/env.py', 'alembic.ini', 'pkg/pyproject.toml'];
    expect(candidatesOf({ tracked: [], probed, ignored: new Set(['build/env.py', 'alembic.ini']) })).toEqual(['alembic.ini', 'pkg/pyproject.toml']);
  });

  it('when git would not say (ignored: null), only the untracked alembic.ini counts', () => {
    expect(candidatesOf({ tracked: ['x/env.py'], probed: ['build/env.py', 'alembic.ini'], ignored: null })).toEqual(['alembic.ini', 'x/env.py']);
  });
});

describe('the configured environments', () => {
  it('a configured location that is no directory is unresolved (missing), so check warns and doctor fails', () => {
    const config: GuardConfig = { ...validate({ locations: ['db/versions', 'typo/versions'] }, '.alembic-guard.json') };
    const found = decideConfigured(ROOT, config, filesOf({ 'db/env.py': '', 'db/versions/a1.py': MIGRATION }));
    expect(found.origin).toBe('.alembic-guard.json');
    expect(found.environments.map((env) => [env.versions, env.scriptDir, env.loading])).toEqual([
      [['db/versions'], 'db', 'recursive'],
      [['typo/versions'], null, 'recursive'],
    ]);
    expect(found.unresolved).toMatchObject([{ location: 'typo/versions', missing: true }]);
  });

  it('a location outside the repository is kept as outside: no commit can hold it', () => {
    const config: GuardConfig = validate({ environments: [{ name: 'shared', versions: ['../shared/versions'] }] }, '.alembic-guard.json');
    const found = decideConfigured(ROOT, config, filesOf({}));
    expect(found.environments[0]).toMatchObject({ name: 'shared', versions: [], outside: ['../shared/versions'] });
  });
});
