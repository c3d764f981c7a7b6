import { bypassNotLogged, describe, fix, HEADLINES } from './messages.js';
import { escapeControls } from './quote.js';
import { findingPaths } from '../findings.js';
import { blocking, type Report, shownFindings } from './verdict.js';

/** GitHub Actions workflow commands: one ::error/::warning/::notice annotation per finding. */
export function renderGithub(report: Report): string {
  const lines: string[] = [];
  for (const f of shownFindings(report)) {
    const level = f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'notice';
    const [file] = findingPaths(f);
    const props = [file ? `file=${escapeProperty(escapeControls(file))}` : null, 'line' in f ? `line=${f.line}` : null, `title=${escapeProperty(`alembic-guard: ${f.kind}`)}`]
      .filter(Boolean)
      .join(',');
    const command = fix(f, report.command);
    lines.push(`::${level} ${props}::${escapeData(command ? `${escapeControls(describe(f))}\nFix: ${escapeControls(command)}` : escapeControls(describe(f)))}`);
  }
  if (report.bypass?.logError) {
    lines.push(`::warning title=${escapeProperty('alembic-guard: bypass')}::${escapeData(escapeControls(bypassNotLogged(report.bypass.logError.file, report.bypass.logError.reason)))}`);
  }
  const words = HEADLINES[report.command];
  lines.push(blocking(report).length ? `alembic-guard: ${words.blocked}` : `alembic-guard: ${words.passed}`);
  return `${lines.join('\n')}\n`;
}

// https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts (escapeData/escapeProperty).
// escapeControls runs first, so a name cannot bring an escape sequence or a line break of its own
// into the log (the data's one line break, before "Fix:", is ours and becomes %0A).
function escapeData(value: string): string {
  return value.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function escapeProperty(value: string): string {
  return escapeData(value).replaceAll(':', '%3A').replaceAll(',', '%2C');
}
