// One `git status` of a versions directory, through simple-git or through child_process.
// Usage: node bench/probes/git-status.mjs simple-git|execFile|simple-git-import REPO
// It prints the byte count so that both paths provably did the same work.
const [mode, repo] = process.argv.slice(2);
const ARGS = ['status', '--porcelain=v2', '-z', '--untracked-files=all', '--ignored=matching', '--', 'backend/alembic/versions'];

if (mode === 'simple-git') {
  const { simpleGit } = await import('simple-git');
  const out = await simpleGit(repo).raw(ARGS);
  process.stdout.write(`${Buffer.byteLength(out)}\n`);
} else if (mode === 'simple-git-import') {
  await import('simple-git');
} else if (mode === 'execFile') {
  const { execFile } = await import('node:child_process');
  const out = await new Promise((resolve, reject) =>
    execFile('git', ARGS, { cwd: repo, maxBuffer: 1 << 30 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
  process.stdout.write(`${Buffer.byteLength(out)}\n`);
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
