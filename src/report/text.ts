import pc from 'picocolors';
import type { Finding } from '../findings.js';
import { invoker } from './invoker.js';
import { addAll, bypassHelp, bypassNotLogged, describe, fix, listLine, GROUP_TITLES, HEADLINES, NO_ENVIRONMENT } from './messages.js';
import { escapeControls, showName } from './quote.js';
import { findingFrom, userPrefix } from './relative.js';
import { blocking, type Report, shownFindings } from './verdict.js';

const ORDER: Finding['kind'][] = [
  'untracked',
  'ignored',
  'unstaged',
  'left-out',
  'unmerged',
  'staged-uncommitted',
  'modified-uncommitted',
  'database-ahead',
  'unparsable',
  'graph',
  'merge-conflict',
  'merge-graph',
  'changed-pushed-migration',
  'base-migration-changed',
  'outside-repository',
  'unresolved-location',
  'parse-warning',
  'bypassed-commit',
  'version-table-unknown',
  'database-untracked',
  'database-behind',
  'database-current',
  'database-read',
];

const MAX_PATHS = 5;

export function renderText(report: Report): string {
  const lines: string[] = [];
  const blockers = blocking(report);
  const words = HEADLINES[report.command];
  // Paths and commands as they work from where the person typed git commit / git push.
  const prefix = report.workspace ? userPrefix(report.workspace.repo.root) : '';
  if (blockers.length > 0) {
    lines.push(report.bypass ? pc.bgRed(pc.white(pc.bold(` alembic-guard: ${words.bypassed} `))) : pc.red(pc.bold(`✖ alembic-guard: ${words.blocked}`)));
  } else if (report.workspace && report.workspace.discovery.environments.length === 0) {
    lines.push(pc.yellow(`⚠ alembic-guard: ${NO_ENVIRONMENT}`));
  } else if (report.findings.length === 0) {
    lines.push(pc.green(`✔ alembic-guard: ${words.passed}`));
  } else {
    lines.push(pc.green(`✔ alembic-guard: ${words.passed}`));
  }
  const findings = shownFindings(report).map((f) => findingFrom(f, prefix));
  for (const kind of ORDER) {
    const group = findings.filter((f) => f.kind === kind);
    if (group.length === 0) continue;
    const severity = group.some((f) => f.severity === 'error') ? 'error' : group[0].severity;
    const mark = severity === 'error' ? pc.red('✖') : severity === 'warning' ? pc.yellow('⚠') : pc.cyan('ℹ');
    lines.push('', `${mark} ${pc.bold(GROUP_TITLES[kind])}`);
    for (const finding of group) {
      // Names from the repository reach the terminal escaped (messages.showName); escapeControls
      // catches any control character a message built elsewhere still holds.
      lines.push(`    ${escapeControls(listLine(finding))}`);
      const paths = finding.kind === 'graph' ? finding.problem.paths.map(showName) : [];
      if (paths.length > 1 || (paths.length === 1 && !describe(finding).includes(paths[0]))) {
        // A legacy folder of hundreds of files is one warning: its first few files, and a count.
        for (const path of paths.slice(0, MAX_PATHS)) lines.push(pc.dim(`      ${path}`));
        if (paths.length > MAX_PATHS) lines.push(pc.dim(`      … and ${paths.length - MAX_PATHS} more`));
      }
      const command = fix(finding, report.command);
      if (command) lines.push(`      ${pc.cyan('→')} ${escapeControls(command)}`);
    }
    const addable = group.filter((f) => f.kind === 'untracked').map((f) => (f as { path: string }).path);
    if (addable.length > 1) {
      lines.push(`    ${pc.cyan('All at once:')} ${addAll(addable, report.command)}`);
    }
  }
  if (blockers.length > 0) {
    lines.push('');
    if (report.bypass) {
      lines.push(pc.yellow(`Reason given: ${escapeControls(report.bypass.reason)}`));
      if (report.bypass.logFile) lines.push(pc.yellow(`Logged to ${showName(report.bypass.logFile)}`));
      if (report.bypass.logError) lines.push(pc.red(pc.bold(bypassNotLogged(report.bypass.logError.file, report.bypass.logError.reason))));
    } else if (report.command === 'check' || report.command === 'pre-push') {
      for (const line of bypassHelp(report.command, invoker())) lines.push(pc.dim(line));
    }
  }
  return `${lines.join('\n')}\n`;
}
