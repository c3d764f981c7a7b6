/**
 * Real git repositories in temporary directories (changesets' gitdir() idea): no mocked git.
 * Each repository gets a local identity, no signing, no background gc, and a private global
 * config so the machine's own settings (core.hooksPath, templates) cannot leak in.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INCIDENT } from '../../src/commands/demo.js';

export const PROJECT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(PROJECT, 'dist/cli.js');

const created: string[] = [];

/**
 * A base environment for child processes: no inherited GIT_* variables, an isolated global config.
 * No NODE_EXTRA_CA_CERTS either: this machine sets it and users' machines do not, and it costs
 * every node start ~45 ms of reading certificates (thousands of CLI runs a suite); the package
 * managers that may reach the registry get it back (networkEnv).
 */
export function testEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('GIT_') || key.startsWith('ALEMBIC_GUARD') || key === 'HUSKY' || key === 'FORCE_COLOR') continue;
    if (key === 'NODE_EXTRA_CA_CERTS') continue;
    env[key] = value;
  }
  const home = globalHome();
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: join(home, '.gitconfig'),
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    NO_COLOR: '1',
    ...extra,
  };
}

/** What a child that may reach the package registry needs of this machine's environment too. */
export function networkEnv(): Record<string, string | undefined> {
  return { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS };
}

let home: string | null = null;
function globalHome(): string {
  if (!home) {
    home = mkdtempSync(join(tmpdir(), 'ag-home-'));
    writeFileSync(join(home, '.gitconfig'), '[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n');
    created.push(home);
  }
  return home;
}

export function tempDir(prefix = 'ag-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function cleanupAll(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
  home = null;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], options: SpawnSyncOptions & { env?: NodeJS.ProcessEnv } = {}): RunResult {
  const result = spawnSync(cmd, args, { encoding: 'utf8', env: testEnv(), ...options });
  if (result.error) throw result.error;
  return { code: result.status ?? 1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}

export class TestRepo {
  constructor(readonly dir: string) {}

  /** Runs git; throws with stderr when it fails (unless allowFail). */
  git(args: string[], options: { env?: Record<string, string | undefined>; input?: string; allowFail?: boolean } = {}): RunResult {
    const result = run('git', args, { cwd: this.dir, env: testEnv(options.env), input: options.input });
    if (result.code !== 0 && !options.allowFail) {
      throw new Error(`git ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    }
    return result;
  }

  write(path: string, content: string | Buffer): this {
    const file = join(this.dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    return this;
  }

  read(path: string): string {
    return readFileSync(join(this.dir, path), 'utf8');
  }

  exists(path: string): boolean {
    return existsSync(join(this.dir, path));
  }

  remove(path: string): this {
    rmSync(join(this.dir, path), { recursive: true, force: true });
    return this;
  }

  add(...paths: string[]): this {
    this.git(['add', '--', ...(paths.length ? paths : ['.'])]);
    return this;
  }

  commit(message = 'commit', ...extra: string[]): this {
    this.git(['commit', '-q', '--no-verify', '-m', message, ...extra]);
    return this;
  }

  /** alembic-guard itself, from dist/ (npm test builds first). */
  cli(args: string[], options: { env?: Record<string, string | undefined>; input?: string; cwd?: string } = {}): RunResult {
    return run(process.execPath, [CLI, ...args], { cwd: options.cwd ?? this.dir, env: testEnv(options.env), input: options.input });
  }

  /** Everything the guard promises not to touch: index bytes, HEAD, refs, stash, working files. */
  snapshot(): string {
    const gitDir = this.git(['rev-parse', '--absolute-git-dir']).stdout.trim();
    const common = resolve(this.dir, this.git(['rev-parse', '--git-common-dir']).stdout.trim());
    const hash = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
    const lines = [
      `index ${existsSync(join(gitDir, 'index')) ? hash(readFileSync(join(gitDir, 'index'))) : 'none'}`,
      `HEAD ${readFileSync(join(gitDir, 'HEAD'), 'utf8').trim()}`,
      `refs ${this.git(['for-each-ref', '--format=%(refname) %(objectname)']).stdout}`,
      `stash ${this.git(['stash', 'list'], { allowFail: true }).stdout}`,
      `packed ${existsSync(join(common, 'packed-refs')) ? hash(readFileSync(join(common, 'packed-refs'))) : 'none'}`,
    ];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir).sort()) {
        if (name === '.git') continue;
        const path = join(dir, name);
        const st = statSync(path, { throwIfNoEntry: false });
        if (!st) continue;
        if (st.isDirectory()) walk(path);
        else lines.push(`${relative(this.dir, path)} ${hash(readFileSync(path))} ${st.mtimeMs}`);
      }
    };
    walk(this.dir);
    return lines.join('\n');
  }
}

const REPO_SETTINGS = [
  ['user.email', 'test@example.com'],
  ['user.name', 'Test'],
  ['commit.gpgsign', 'false'],
  ['tag.gpgsign', 'false'],
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
];
const REPO_CONFIG = [
  '[user]',
  '\temail = test@example.com',
  '\tname = Test',
  '[commit]',
  '\tgpgsign = false',
  '[tag]',
  '\tgpgsign = false',
  '[gc]',
  '\tauto = 0',
  '[maintenance]',
  '\tauto = false',
  '',
].join('\n');

export function makeRepo(files: Record<string, string | Buffer> = {}, options: { commit?: boolean; dir?: string } = {}): TestRepo {
  const dir = options.dir ?? tempDir('ag-repo-');
  mkdirSync(dir, { recursive: true });
  const repo = new TestRepo(dir);
  const fresh = !existsSync(join(dir, '.git'));
  repo.git(['init', '-q', '--initial-branch', 'main']);
  // What six `git config` calls would write, appended in one go (git reads the same file; a
  // repository is made for almost every test, and each git process costs more than the write).
  if (fresh) appendFileSync(join(dir, '.git', 'config'), REPO_CONFIG);
  else for (const [key, value] of REPO_SETTINGS) repo.git(['config', key, value]);
  for (const [path, content] of Object.entries(files)) repo.write(path, content);
  if (options.commit && Object.keys(files).length) repo.add().commit('initial');
  return repo;
}

/** A teammate's fresh clone of `origin` (a folder of its own, their own identity, no signing). */
export function teammateClone(origin: TestRepo): TestRepo {
  const mate = new TestRepo(join(tempDir('ag-team-'), 'clone'));
  run('git', ['clone', '-q', origin.dir, mate.dir]);
  for (const [key, value] of [
    ['user.email', 'mate@example.com'],
    ['user.name', 'Mate'],
    ['commit.gpgsign', 'false'],
  ])
    mate.git(['config', key, value]);
  return mate;
}

export interface MigrationOptions {
  depends?: string | string[];
  labels?: string | string[];
  typed?: boolean;
  extra?: string;
}

/** A revision script as `alembic revision` writes it (the 1.13+ typed template when typed). */
export function migration(revision: string, down: string | string[] | null, options: MigrationOptions = {}): string {
  const lit = (value: string | string[] | null | undefined): string =>
    value === null || value === undefined ? 'None' : Array.isArray(value) ? `(${value.map((v) => `'${v}'`).join(', ')},)` : `'${value}'`;
  const t = options.typed;
  return [
    `"""${revision}`,
    '',
    `Revision ID: ${revision}`,
    `Revises: ${Array.isArray(down) ? down.join(', ') : (down ?? '')}`,
    '"""',
    'from typing import Sequence, Union',
    '',
    'from alembic import op',
    'import sqlalchemy as sa',
    '',
    '# revision identifiers, used by Alembic.',
    `revision${t ? ': str' : ''} = '${revision}'`,
    `down_revision${t ? ': Union[str, Sequence[str], None]' : ''} = ${lit(down)}`,
    `branch_labels${t ? ': Union[str, Sequence[str], None]' : ''} = ${lit(options.labels)}`,
    `depends_on${t ? ': Union[str, Sequence[str], None]' : ''} = ${lit(options.depends)}`,
    '',
    '',
    'def upgrade() -> None:',
    `    op.execute("SELECT 1")${options.extra ? `\n${options.extra}` : ''}`,
    '',
    '',
    'def downgrade() -> None:',
    '    pass',
    '',
  ].join('\n');
}

export const ENV_PY = 'from alembic import context\n\n# env.py (never executed by alembic-guard)\n';
export const MAKO = '"""${message}"""\nrevision = ${repr(up_revision)}\n';

/** The incident's names: 001–014, as a real project named them (shared with `alembic-guard demo`). */
export { INCIDENT };

/** Files of a standard `alembic init` environment under `base` (e.g. "backend"). */
export function alembicEnv(base = '', upTo = 8, options: { typed?: boolean } = {}): Record<string, string> {
  const p = base ? `${base}/` : '';
  const files: Record<string, string> = {
    [`${p}alembic.ini`]: '[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = driver://user:pass@localhost/dbname\n\n[loggers]\nkeys = root\n',
    [`${p}alembic/env.py`]: ENV_PY,
    [`${p}alembic/script.py.mako`]: MAKO,
  };
  for (let i = 0; i < upTo; i += 1) {
    files[`${p}alembic/versions/${INCIDENT[i]}.py`] = migration(INCIDENT[i], i === 0 ? null : INCIDENT[i - 1], options);
  }
  return files;
}

/** The incident: 001–008 committed, 009–014 on disk only. */
export function incidentRepo(base = 'backend'): TestRepo {
  const repo = makeRepo(alembicEnv(base, 8), { commit: true });
  const p = base ? `${base}/` : '';
  for (let i = 8; i < 14; i += 1) {
    repo.write(`${p}alembic/versions/${INCIDENT[i]}.py`, migration(INCIDENT[i], INCIDENT[i - 1]));
  }
  return repo;
}

export function makeExecutable(path: string): void {
  chmodSync(path, 0o755);
}

/**
 * A PATH that holds only node, git and sh (links in a private folder), and an npm prefix with
 * nothing in it: for tests that reason about which CLI or node a hook finds, so that a global
 * `alembic-guard` or `npx` on this machine cannot change the answer.
 */
export function bareToolEnv(extraBin: string[] = []): Record<string, string> {
  const bin = tempDir('ag-bin-');
  const which = (name: string): string => {
    const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' }).stdout.trim();
    if (!found) throw new Error(`${name} is not on PATH`);
    return found;
  };
  for (const [name, target] of [
    ['node', process.execPath],
    ['git', which('git')],
    ['sh', which('sh')],
  ] as const) {
    symlinkSync(target, join(bin, name));
  }
  const prefix = tempDir('ag-npm-prefix-');
  return { PATH: [...extraBin, bin].join(':'), npm_config_prefix: prefix, NPM_CONFIG_PREFIX: prefix };
}
