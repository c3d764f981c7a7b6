import { join, relative } from 'node:path';
import pc from 'picocolors';
import type { LocatedQuery, LocateResult, Place, RevisedBy } from '../located.js';
import { completingFetch, incompleteReason, LOCATE_WORDS, placeCommit, placeFix, placeLabel, searchedLine } from './messages.js';

/** The text and JSON renderings of what `locate` found (words from messages.ts). */

type Database = { target: string; revisions: string[] } | null;

/** At most this many places per revision in text; JSON lists all. */
const TEXT_PLACES = 12;

export function renderLocate(result: LocateResult, database: Database, root: string, cwd: string): string {
  const lines: string[] = [];
  const fromHere = (path: string) => relative(cwd, join(root, path)) || path;
  if (database) {
    lines.push(
      database.revisions.length
        ? pc.bold(LOCATE_WORDS.databaseAsks(database.target, database.revisions))
        : pc.green(`✔ ${LOCATE_WORDS.noDatabaseGap(database.target)}`),
    );
    if (result.queries.length) lines.push('');
  }
  const fetch = completingFetch(result.clone);
  result.queries.forEach((query, i) => {
    if (i > 0) lines.push('');
    if (query.revisions.length === 0) {
      lines.push(pc.red(`✖ ${pc.bold(query.query)}: ${LOCATE_WORDS.nowhere}`));
      lines.push(`    ${searchedLine(result.searched)}`);
      for (const r of query.revisedBy) lines.push(`    ${LOCATE_WORDS.revisedBy} ${revisedByLine(r)}`);
      if (fetch) lines.push(`    ${incompleteReason(result.clone)}:`, `      ${pc.cyan('→')} ${fetch}`);
      return;
    }
    if (query.revisions.length > 1)
      lines.push(
        pc.yellow(
          `⚠ ${LOCATE_WORDS.ambiguous(
            query.query,
            query.revisions.map((r) => r.revision),
          )}`,
        ),
      );
    for (const revision of query.revisions) {
      lines.push(`${pc.green('✔')} ${pc.bold(revision.revision)}${revision.inHead ? '' : pc.dim(`  (${LOCATE_WORDS.notInHead})`)}`);
      for (const place of revision.places.slice(0, TEXT_PLACES)) lines.push(...placeLines(place, fromHere));
      if (revision.places.length > TEXT_PLACES)
        lines.push(pc.dim(`    … and ${revision.places.length - TEXT_PLACES} more places (--format json lists them all)`));
      for (const r of revision.revisedBy.slice(0, TEXT_PLACES)) lines.push(pc.dim(`    ${LOCATE_WORDS.revisedBy} ${revisedByLine(r)}`));
    }
  });
  return `${lines.join('\n')}\n`;
}

function placeLines(place: Place, fromHere: (path: string) => string): string[] {
  const lines = [`  • ${placeLabel(place)}: ${place.path}`];
  const commit = placeCommit(place);
  if (commit) lines.push(pc.dim(`      ${commit}`));
  if (place.inHead) lines.push(pc.dim(`      ${LOCATE_WORDS.inHead}`));
  const fix = placeFix(place, fromHere(place.path));
  if (fix) lines.push(`      ${pc.cyan('→')} ${fix}`);
  return lines;
}

function revisedByLine(r: RevisedBy): string {
  return `${r.revision ?? '(no revision)'} in ${placeLabel({ kind: r.kind, worktree: r.worktree, refs: r.refs, commit: null })}: ${r.path}`;
}

export function locateJson(query: LocatedQuery, result: LocateResult, fromHere: (path: string) => string = (p) => p): Record<string, unknown> {
  const fetch = completingFetch(result.clone);
  return {
    query: query.query,
    found: query.revisions.length > 0,
    revisions: query.revisions.map((revision) => ({
      revision: revision.revision,
      inHead: revision.inHead,
      places: revision.places.map((place) => ({ ...place, what: placeLabel(place), fix: placeFix(place, fromHere(place.path)) })),
      revisedBy: revision.revisedBy,
    })),
    revisedBy: query.revisedBy,
    message: query.revisions.length ? null : `${query.query}: ${LOCATE_WORDS.nowhere}; ${searchedLine(result.searched)}`,
    fetch: query.revisions.length ? null : fetch,
  };
}

export function renderLocateJson(result: LocateResult, database: Database, root?: string, cwd?: string): string {
  const fromHere = root && cwd ? (path: string) => relative(cwd, join(root, path)) || path : undefined;
  const ok = result.queries.every((q) => q.revisions.length > 0);
  const out = {
    schemaVersion: 1,
    command: 'locate',
    ok,
    exitCode: ok ? 0 : 1,
    database,
    searched: result.searched,
    clone: { ...result.clone, fetch: completingFetch(result.clone) },
    revisions: result.queries.map((q) => locateJson(q, result, fromHere)),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
