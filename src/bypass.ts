import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { redactText } from './db/url.js';
import { configValue } from './git/repo.js';
import { findingPaths } from './findings.js';
import { blocking, type Report } from './report/verdict.js';

/** ALEMBIC_GUARD_SKIP=<reason>: any non-empty value but "0" lets a blocked hook through. */
export function skipReason(env: NodeJS.ProcessEnv = process.env): string | null {
  const value = env.ALEMBIC_GUARD_SKIP;
  if (value === undefined || value === '' || value === '0') return null;
  return value;
}

/** The trailer a commit made on the bypass carries (commit-msg writes it, `verify --base` lists it). */
export const BYPASS_TRAILER = 'Alembic-Guard-Bypass';

/**
 * The reason as a trailer value: redacted as the log redacts it, on one line (a trailer is one
 * line; control and format characters become spaces).
 */
export function trailerValue(given: string): string {
  const line = redactText(given)
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line || '(no reason given)';
}

/**
 * Marks a blocked report as bypassed and appends one JSON line to
 * <git common dir>/alembic-guard/bypass.log (shared by all worktrees of the clone).
 * The only write the hooks make, and never to the working tree, index or refs.
 */
export async function applyBypass(report: Report, given: string): Promise<void> {
  // A reason may quote a database URL or a token; the log and the screen keep it secret.
  const reason = redactText(given);
  const blockers = blocking(report);
  if (blockers.length === 0 || !report.workspace) return;
  const { repo } = report.workspace;
  const dir = join(repo.commonDir, 'alembic-guard');
  const logFile = join(dir, 'bypass.log');
  const entry = {
    time: new Date().toISOString(),
    hook: report.command,
    user: (await configValue(repo, 'user.email').catch(() => null)) ?? null,
    reason,
    paths: [...new Set(blockers.flatMap(findingPaths))],
    findings: blockers.map((f) => f.kind),
  };
  try {
    mkdirSync(dir, { recursive: true });
    appendFileSync(logFile, `${JSON.stringify(entry)}\n`);
    report.bypass = { reason, logFile };
  } catch (error) {
    // Still let it through (the person asked for it), but say on screen that nothing was logged.
    const e = error as NodeJS.ErrnoException;
    report.bypass = { reason, logFile: null, logError: { file: logFile, reason: e.code ?? e.message } };
  }
}
