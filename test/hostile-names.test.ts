// Names from the repository are data, never code: the fix commands alembic-guard prints are run
// here in a real shell against hostile file, directory and section names, and must do exactly
// what they say and nothing else (issue 13, items 2–4).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitCommand, literalPathspec, shellPath, shellQuote, showName, escapeControls } from '../src/report/quote.js';
import { ENV_PY, MAKO, cleanupAll, makeExecutable, makeRepo, migration, run, tempDir, testEnv, type TestRepo } from './helpers/repo.js';

afterAll(cleanupAll);

interface JsonFinding {
  kind: string;
  path: string | null;
  paths: string[];
  fix: string | null;
  problem?: string;
}

function findings(repo: TestRepo, args: string[] = []): JsonFinding[] {
  const result = repo.cli(['check', '--format', 'json', ...args]);
  expect(result.stderr).toBe('');
  return (JSON.parse(result.stdout) as { findings: JsonFinding[] }).findings;
}

/** The runnable commands in a fix: the command itself, and the alternative in "(or …: git …)". */
function commandsIn(fix: string): { main: string; alternative: string | null } {
  const main = fix.split(/ {3}\(/)[0]!.replace(/ {3}then push again.*$/, '');
  const alternative = /: (git .*)\)$/.exec(fix)?.[1] ?? null;
  return { main, alternative };
}

/** Runs a printed command in bash (which reads `$'…'`) from the top of the repository. */
function sh(repo: TestRepo, command: string, env: Record<string, string> = {}) {
  const result = run('bash', ['-c', command], { cwd: repo.dir, env: testEnv(env) });
  expect(result.code, `${command}\n${result.stderr}`).toBe(0);
  return result;
}

function staged(repo: TestRepo): string[] {
  return repo.git(['diff', '--cached', '--name-only', '-z']).stdout.split('\0').filter(Boolean).sort();
}

describe('shell words', () => {
  const hostile = [
    'plain.py',
    '-svc',
    '=cmd',
    "it's",
    'a b',
    '$(touch x)',
    '`touch x`',
    'a;b',
    'a\nb',
    'a\x1b[2Jb',
    'tab\there',
    "q'\x07!x",
    'semi; touch PWNED #',
    'caf\u00e9',
    'rtl\u202eyp.py',
    'back\\slash',
    '!history',
    '~home',
    '*',
  ];

  it('shellQuote reads back as exactly the value, in sh and in bash', () => {
    for (const value of hostile) {
      const word = shellQuote(value);
      expect(word).not.toMatch(/[\x00-\x1f\x7f]/); // a command never carries a raw control character
      const out = run('bash', ['-c', `printf '%s' ${word}`]).stdout;
      expect(out, word).toBe(value);
      if (!word.startsWith("$'")) expect(run('sh', ['-c', `printf '%s' ${word}`]).stdout).toBe(value);
    }
  });

  it('shellPath never starts with -, literalPathspec only adds magic where a name has glob characters', () => {
    expect(shellPath('-svc')).toBe('./-svc');
    expect(shellPath('svc')).toBe('svc');
    expect(literalPathspec('alembic/versions/001_a.py')).toBe('alembic/versions/001_a.py');
    expect(literalPathspec('alembic/versions/00*.py')).toBe(':(literal)alembic/versions/00*.py');
    expect(literalPathspec(':odd.py')).toBe(':(literal):odd.py');
    expect(gitCommand('add', ['-x.py'])).toBe('git add -- -x.py');
    expect(gitCommand('add', ['a[1].py'])).toBe("git add ':(literal)a[1].py'");
  });

  it('showName escapes control characters as git does, and escapeControls leaves no control character', () => {
    expect(showName('alembic/versions/001_a.py')).toBe('alembic/versions/001_a.py');
    expect(showName('a\x1b[2Jb.py')).toBe('"a\\033[2Jb.py"');
    expect(showName('a\nb "c"')).toBe('"a\\nb \\"c\\""');
    expect(showName('rtl\u202eyp.py')).toBe('"rtl\\342\\200\\256yp.py"');
    for (const value of hostile) expect(escapeControls(value)).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202e]/);
  });
});

describe('fix commands run in a shell do what they say and nothing else', () => {
  it('a section named "db2; touch …" and a directory named -svc (alembic merge)', () => {
    const pwned = join(tempDir('ag-pwned-'), 'PWNED');
    const section = `db2; touch ${pwned} #`;
    const v = '-svc/other/versions';
    const repo = makeRepo(
      {
        '-svc/alembic.ini': `[alembic]\nscript_location = %(here)s/alembic\n\n[${section}]\nscript_location = %(here)s/other\n`,
        '-svc/alembic/env.py': ENV_PY,
        '-svc/alembic/script.py.mako': MAKO,
        '-svc/alembic/versions/001_a.py': migration('001_a', null),
        '-svc/other/env.py': ENV_PY,
        '-svc/other/script.py.mako': MAKO,
        [`${v}/001_x.py`]: migration('001_x', null),
        [`${v}/002_y.py`]: migration('002_y', '001_x'),
        [`${v}/002_z.py`]: migration('002_z', '001_x'),
      },
      { commit: true },
    );
    const heads = findings(repo).find((f) => f.problem === 'multiple-heads');
    expect(heads?.fix).toBeTruthy();
    const { main } = commandsIn(heads!.fix!);
    expect(main).toMatch(/^cd \.\/-svc && alembic -n '/);
    // A stand-in `alembic` that records where it ran and the words it was given.
    const bin = tempDir('ag-bin-');
    const record = join(bin, 'argv');
    writeFileSync(join(bin, 'alembic'), `#!/bin/sh\npwd > '${record}'\nfor a in "$@"; do printf '%s\\n' "$a" >> '${record}'; done\n`);
    makeExecutable(join(bin, 'alembic'));
    for (const shell of ['sh', 'bash']) {
      run('rm', ['-f', record]);
      const result = run(shell, ['-c', main], { cwd: repo.dir, env: testEnv({ PATH: `${bin}:${process.env.PATH}` }) });
      expect(result.code, result.stderr).toBe(0);
      expect(existsSync(pwned)).toBe(false);
      const [cwd, ...argv] = run('cat', [record]).stdout.trimEnd().split('\n');
      expect(cwd).toBe(join(repo.dir, '-svc'));
      expect(argv).toEqual(['-n', section, 'merge', '-m', 'merge heads', 'heads']);
    }
  });

  it('00*.py: git add, rm and restore touch that file only, not 002_b.py (literal pathspecs)', () => {
    const files = {
      'alembic.ini': '[alembic]\nscript_location = alembic\n',
      'alembic/env.py': ENV_PY,
      'alembic/script.py.mako': MAKO,
      'alembic/versions/001_a.py': migration('001_a', null),
    };
    const star = 'alembic/versions/00*.py';
    const other = 'alembic/versions/002_b.py';

    // untracked: git add
    let repo = makeRepo(files, { commit: true });
    repo.write(star, migration('003_star', '002_b')).write(other, migration('002_b', '001_a'));
    let fix = findings(repo).find((f) => f.kind === 'untracked' && f.path === star)!.fix!;
    sh(repo, commandsIn(fix).main);
    expect(staged(repo)).toEqual([star]);

    // deleted, not staged: git rm, or git restore
    repo = makeRepo({ ...files, [other]: migration('002_b', '001_a'), [star]: migration('003_star', '002_b') }, { commit: true });
    repo.remove(star).remove(other);
    fix = findings(repo).find((f) => f.kind === 'unstaged' && f.path === star)!.fix!;
    sh(repo, commandsIn(fix).main);
    expect(staged(repo)).toEqual([star]);
    repo.git(['reset', '-q']);
    sh(repo, commandsIn(fix).alternative!);
    expect(repo.exists(star)).toBe(true);
    expect(repo.exists(other)).toBe(false);

    // modified, not staged: git add, or git restore
    repo = makeRepo({ ...files, [other]: migration('002_b', '001_a'), [star]: migration('003_star', '002_b') }, { commit: true });
    repo.write(star, `${migration('003_star', '002_b')}# edit\n`).write(other, `${migration('002_b', '001_a')}# edit\n`);
    fix = findings(repo).find((f) => f.kind === 'unstaged' && f.path === star)!.fix!;
    sh(repo, commandsIn(fix).main);
    expect(staged(repo)).toEqual([star]);
    repo.git(['reset', '-q']);
    sh(repo, commandsIn(fix).alternative!);
    expect(repo.read(star)).not.toContain('# edit');
    expect(repo.read(other)).toContain('# edit');
  });

  it('names with escape sequences and line breaks: escaped in text and github output, and the fix stages the real file', () => {
    const repo = makeRepo(
      {
        'alembic.ini': '[alembic]\nscript_location = alembic\n',
        'alembic/env.py': ENV_PY,
        'alembic/script.py.mako': MAKO,
        'alembic/versions/001_a.py': migration('001_a', null),
      },
      { commit: true },
    );
    const names = [
      'alembic/versions/002_a\x1b]0;pwned\x07\x1b[2J.py',
      'alembic/versions/003_b\n::error file=x.py::forged.py',
      'alembic/versions/004_c\r\x1b[1A\x9b2K.py',
    ];
    names.forEach((name, i) => repo.write(name, migration(`00${i + 2}_x`, i === 0 ? '001_a' : `00${i + 1}_x`)));

    const text = repo.cli(['check']);
    expect(text.code).toBe(1);
    expect(text.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\x9b]/);
    expect(text.stdout.split('\n').some((line) => line.startsWith('::'))).toBe(false);
    expect(text.stdout).toContain('"alembic/versions/002_a\\033]0;pwned\\a\\033[2J.py"');
    expect(text.stdout).toContain('"alembic/versions/003_b\\n::error file=x.py::forged.py"');

    const github = repo.cli(['check', '--format', 'github']);
    expect(github.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\x9b]/);
    for (const line of github.stdout.trimEnd().split('\n')) {
      expect(line).toMatch(/^(::(error|warning|notice) file=[^:]*,title=[^:]*::|alembic-guard: )/);
      expect(line).not.toMatch(/^::error file=x\.py::forged/);
    }

    // Each printed git add, pasted into bash, stages exactly the file it names.
    const commands = text.stdout
      .split('\n')
      .filter((l) => l.startsWith('      → git add'))
      .map((l) => l.slice('      → '.length));
    expect(commands).toHaveLength(names.length);
    for (const command of commands) sh(repo, command);
    expect(staged(repo)).toEqual([...names].sort());
  });

  it('graph and doctor show a revision id or directory with escape sequences escaped', () => {
    const dir = 'svc\x1b[2J';
    const repo = makeRepo(
      {
        [`${dir}/alembic.ini`]: '[alembic]\nscript_location = alembic\n',
        [`${dir}/alembic/env.py`]: ENV_PY,
        [`${dir}/alembic/script.py.mako`]: MAKO,
        // Python evaluates the escape: the id holds a real ESC.
        [`${dir}/alembic/versions/001_a.py`]: migration('001_a', null).replace("revision = '001_a'", "revision = '001\\x1b]0;x\\x07a'"),
      },
      { commit: true },
    );
    for (const args of [['graph'], ['doctor'], ['check']]) {
      const result = repo.cli(args);
      expect(result.stdout + result.stderr, args[0]).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    }
    expect(repo.cli(['graph']).stdout).toContain('"001\\033]0;x\\aa"');
  });
});
