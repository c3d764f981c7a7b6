import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ancestors } from '../alembic/ancestry.js';
import type { Environment } from '../alembic/environment.js';
import type { CommandResult, GlobalOptions } from '../command.js';
import { gitRaw } from '../git/run.js';
import { CHECKOUT_IDLE } from '../hooks/table.js';
import type { Workspace } from '../workspace.js';

/**
 * After a branch switch: is the development database at a revision this checkout does not
 * define? Then say which, where it is (usually the branch just left), and how to get back in
 * step. It never blocks: git has already switched (githooks(5): post-checkout "cannot affect the
 * outcome of git switch or git checkout"), so every outcome, errors included, exits 0; an error is
 * one line. It reads a database only when one is configured for development (src/db/dev.ts).
 */
export async function postCheckout(options: GlobalOptions, args: string[]): Promise<CommandResult> {
  const [previous, current, flag] = args;
  // flag 0: a file checkout (git checkout -- path) — the database is no concern of it.
  // An all-zero previous HEAD: a clone or `git worktree add`, no switch from anything.
  if (flag !== '1' || !previous || previous === current || /^0+$/.test(previous)) return quiet();
  try {
    const text = await warning(options.cwd, previous);
    return { text, exitCode: 0, stream: 'stderr' };
  } catch (error) {
    const { postCheckoutFailed } = await import('../report/messages.js');
    const { redactText, oneLine } = await import('../db/url.js');
    const message = error instanceof Error ? error.message : String(error);
    return { text: `${postCheckoutFailed(oneLine(redactText(message)))}\n`, exitCode: 0, stream: 'stderr' };
  }
}

function quiet(): CommandResult {
  return { text: '', exitCode: 0 };
}

/** Short: the hook runs on every switch. Well below the driver's 10 s maximum. */
export const DEV_TIMEOUT_MS = 1500;

async function warning(cwd: string, previous: string): Promise<string> {
  const { openWorkspace } = await import('../workspace.js');
  const ws = await openWorkspace(cwd);
  const { devDatabase, devDatabaseFiles } = await import('../db/dev.js');
  const dev = devDatabase(ws.repo.root, ws.config, ws.discovery.environments);
  writeIdleNote(ws, dev === null && !ws.config.database.devUrlEnv ? devDatabaseFiles(ws.discovery.environments) : null);
  if (!dev) return '';
  const { readDatabase, undefinedRevisions } = await import('./database.js');
  const applied = await readDatabase(ws, dev.url, DEV_TIMEOUT_MS);
  if (applied.state !== 'ok') return '';
  const unknown = await undefinedRevisions(ws, applied.revisions);
  if (unknown.length === 0) return '';
  const steps = await backInStep(ws, previous, unknown);
  const { postCheckoutWarning } = await import('../report/messages.js');
  return postCheckoutWarning(dev.redacted, steps);
}

/**
 * The note that lets the hook's sh skip node (quietCheck in src/hooks.ts): the files that decided
 * there is no development database, one a line, `-path` for one that is absent; with `files`
 * null (a database, or a variable that may name one) there is no note. A path that starts with
 * `-` or holds a line break cannot be written so: no note either.
 */
function writeIdleNote(ws: Workspace, files: string[] | null): void {
  const note = join(ws.repo.gitDir, CHECKOUT_IDLE);
  try {
    if (files === null || files.some((file) => file.includes('\n') || file.startsWith('-'))) rmSync(note, { force: true });
    else {
      mkdirSync(dirname(note), { recursive: true });
      writeFileSync(note, files.map((file) => `${existsSync(join(ws.repo.root, file)) ? '' : '-'}${file}\n`).join(''));
    }
  } catch {
    // Only a shortcut: without it the hook starts node every time.
  }
}

export interface OutOfStep {
  revision: string;
  /** Where it is: the branch just left, or the first place locate found; null = nowhere. */
  where: { label: string; path: string } | null;
  /** The branch (or commit) just left, and the one now checked out, as `git checkout` takes them. */
  left: string;
  now: string;
  /** The newest revision both checkouts define below it, or 'base'. */
  ancestor: string;
  environment: Environment | null;
}

async function backInStep(ws: Workspace, previous: string, unknown: string[]): Promise<OutOfStep[]> {
  const { loadGraphs } = await import('../alembic/sources.js');
  const [left, now, before, here] = await Promise.all([
    refName(ws, '@{-1}', previous),
    refName(ws, 'HEAD', null),
    loadGraphs(ws.repo, ws.discovery.environments, { kind: 'commit', commit: previous }),
    loadGraphs(ws.repo, ws.discovery.environments, { kind: 'worktree' }),
  ]);
  const defined = new Set(here.flatMap((g) => g.graph.revisions.map((r) => r.revision)));
  const elsewhere = unknown.filter((r) => !before.some((g) => g.graph.revisions.some((n) => n.revision === r)));
  const located = elsewhere.length ? await (await import('./locate.js')).locateRevisions(ws, elsewhere, { from: ws.repo.root }).catch(() => null) : null;
  const { placeLabel } = await import('../report/messages.js');
  return unknown.map((revision) => {
    const home = before.find((g) => g.graph.revisions.some((n) => n.revision === revision));
    let where: OutOfStep['where'] = null;
    let ancestor = 'base';
    if (home) {
      where = { label: `${left} (the branch you just left)`, path: home.graph.revisions.find((n) => n.revision === revision)!.path };
      // The nearest revision below it that this checkout also defines: the one standing on the most.
      let best = -1;
      for (const id of ancestors(home.graph, revision)) {
        if (id === revision || !defined.has(id)) continue;
        const size = ancestors(home.graph, id).size;
        if (size > best) [best, ancestor] = [size, id];
      }
    } else {
      const place = located?.queries.find((q) => q.query === revision)?.revisions.find((r) => r.revision === revision)?.places[0];
      if (place) where = { label: placeLabel(place), path: place.path };
    }
    return { revision, where, left, now, ancestor, environment: home?.environment ?? ws.discovery.environments[0] ?? null };
  });
}

/** A branch name for `git checkout`, else the short commit id. */
async function refName(ws: Workspace, rev: string, fallback: string | null): Promise<string> {
  const name = await gitRaw(['rev-parse', '--abbrev-ref', rev], { cwd: ws.repo.root, okCodes: [128] });
  const text = name.stdout.toString('utf8').trim();
  if (name.code === 0 && text && text !== 'HEAD' && !/^[0-9a-f]{40,64}$/.test(text)) return text;
  const short = await gitRaw(['rev-parse', '--short', fallback ?? rev], { cwd: ws.repo.root, okCodes: [128] });
  return short.stdout.toString('utf8').trim() || (fallback ?? rev);
}
