/** A checking command's report and its verdict: what blocks, what is shown, the exit code. */
import { type Finding, isBlocking } from '../findings.js';
import type { MergeFacts } from '../alembic/merge.js';
import type { Workspace } from '../workspace.js';

export type CommandName = 'check' | 'pre-push' | 'verify' | 'validate';

/** What a checking command returns; the CLI renders it and picks the exit code. */
export interface Report {
  command: CommandName;
  workspace: Workspace | null;
  findings: Finding[];
  /** Set when ALEMBIC_GUARD_SKIP let blocking findings through. */
  bypass?: { reason: string; logFile: string | null; logError?: { file: string; reason: string } };
  /** Free-form facts the renderers may show (e.g. verify's database target). */
  facts?: Record<string, unknown>;
  /** verify --base: the merge result's graphs beside the base's, for pictures and the job summary. */
  merge?: MergeFacts;
}

/** The findings to show a person: a parse warning already shown for this file version is not repeated. */
export function shownFindings(report: Report): Finding[] {
  return report.findings.filter((f) => !(f.kind === 'parse-warning' && f.repeated));
}

export function blocking(report: Report): Finding[] {
  return report.findings.filter(isBlocking);
}

export function exitCode(report: Report): 0 | 1 {
  return blocking(report).length > 0 && !report.bypass ? 1 : 0;
}

export type Format = 'text' | 'json' | 'github' | 'mermaid' | 'dot';
