import pc from 'picocolors';
import type { Finding } from '../findings.js';
import { bypassHelp, describe, fix, listLine, gitCommand, GROUP_TITLES, HEADLINES, NO_ENVIRONMENT } from './messages.js';
import { blocking, type Report, shownFindings } from './report.js';

const ORDER: Finding['kind'][] = [
  'untracked', 'ignored', 'unstaged', 'left-out', 'unmerged', 'staged-uncommitted', 'modified-uncommitted',
  'database-ahead', 'unparsable', 'graph', 'changed-pushed-migration', 'outside-repository', 'unresolved-location',
  'parse-warning', 'version-table-unknown', 'database-untracked', 'database-behind', 'database-current', 'database-read',
];

export function renderText(report: Report): string {
  const lines: string[] = [];
  const blockers = blocking(report);
  const words = HEADLINES[report.command];
  if (blockers.length > 0) {
    lines.push(report.bypass ? pc.bgRed(pc.white(pc.bold(` alembic-guard: ${words.bypassed} `))) : pc.red(pc.bold(`✖ alembic-guard: ${words.blocked}`)));
  } else if (report.workspace && report.workspace.discovery.environments.length === 0) {
    lines.push(pc.yellow(`⚠ alembic-guard: ${NO_ENVIRONMENT}`));
  } else if (report.findings.length === 0) {
    lines.push(pc.green(`✔ alembic-guard: ${words.passed}`));
  } else {
    lines.push(pc.green(`✔ alembic-guard: ${words.passed}`));
  }
  const findings = shownFindings(report);
  for (const kind of ORDER) {
    const group = findings.filter((f) => f.kind === kind);
    if (group.length === 0) continue;
    const severity = group.some((f) => f.severity === 'error') ? 'error' : group[0].severity;
    const mark = severity === 'error' ? pc.red('✖') : severity === 'warning' ? pc.yellow('⚠') : pc.cyan('ℹ');
    lines.push('', `${mark} ${pc.bold(GROUP_TITLES[kind])}`);
    for (const finding of group) {
      lines.push(`    ${listLine(finding)}`);
      const paths = finding.kind === 'graph' ? finding.problem.paths : [];
      if (paths.length > 1 || (paths.length === 1 && !describe(finding).includes(paths[0]))) {
        for (const path of paths) lines.push(pc.dim(`      ${path}`));
      }
      const command = fix(finding);
      if (command) lines.push(`      ${pc.cyan('→')} ${command}`);
    }
    const addable = group.filter((f) => f.kind === 'untracked').map((f) => (f as { path: string }).path);
    if (addable.length > 1) {
      lines.push(`    ${pc.cyan('All at once:')} ${gitCommand('add', addable)}`);
    }
  }
  if (blockers.length > 0) {
    lines.push('');
    if (report.bypass) {
      lines.push(pc.yellow(`Reason given: ${report.bypass.reason}`));
      if (report.bypass.logFile) lines.push(pc.yellow(`Logged to ${report.bypass.logFile}`));
    } else if (report.command === 'check' || report.command === 'pre-push') {
      for (const line of bypassHelp(report.command)) lines.push(pc.dim(line));
    }
  }
  return `${lines.join('\n')}\n`;
}
