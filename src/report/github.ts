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
    const props = [
      file ? `file=${escapeProperty(escapeControls(file))}` : null,
      'line' in f ? `line=${f.line}` : null,
      `title=${escapeProperty(`alembic-guard: ${f.kind}`)}`,
    ]
      .filter(Boolean)
      .join(',');
    const command = fix(f, report.command);
    lines.push(`::${level} ${props}::${escapeData(command ? `${escapeControls(describe(f))}\nFix: ${escapeControls(command)}` : escapeControls(describe(f)))}`);
  }
  if (report.bypass?.logError) {
    lines.push(
      `::warning title=${escapeProperty('alembic-guard: bypass')}::${escapeData(escapeControls(bypassNotLogged(report.bypass.logError.file, report.bypass.logError.reason)))}`,
    );
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

/**
 * The job summary (appended to $GITHUB_STEP_SUMMARY by the CLI): the verdict, each environment's
 * heads, what blocks, and for `verify --base` a mermaid picture of the merge result around the
 * revisions the branch adds.
 */
export async function githubSummary(report: Report): Promise<string> {
  const blockers = blocking(report);
  const words = HEADLINES[report.command];
  const cell = (text: string) => escapeControls(text).replaceAll('|', '\\|');
  const lines = [`## ${blockers.length ? '❌' : '✅'} alembic-guard ${report.command}: ${blockers.length ? words.blocked : words.passed}`, ''];
  const merge = report.merge;
  const environments = report.workspace?.discovery.environments ?? [];
  if (environments.length > 0) {
    lines.push(
      merge ? `| environment | heads of ${cell(merge.ref)} | heads after the merge | added by the branch |` : '| environment | versions |',
      merge ? '|---|---|---|---|' : '|---|---|',
    );
    environments.forEach((env, i) => {
      if (!merge) {
        lines.push(`| ${cell(env.name)} | ${cell(env.versions.join(', '))} |`);
        return;
      }
      const code = (ids: string[]) => (ids.length ? ids.map((id) => `\`${cell(id)}\``).join(', ') : '—');
      lines.push(
        `| ${cell(env.name)} | ${code(merge.base[i]?.graph.heads ?? [])} | ${code(merge.merged[i]?.graph.heads ?? [])} | ${code(merge.added[env.name] ?? [])} |`,
      );
    });
    lines.push('');
  }
  const shown = shownFindings(report).filter((f) => f.severity !== 'info');
  if (shown.length > 0) {
    for (const f of shown) {
      const command = fix(f, report.command);
      lines.push(`- ${f.severity === 'error' ? '**error**' : 'warning'}: ${cell(describe(f))}${command ? `<br>→ \`${cell(command)}\`` : ''}`);
    }
    lines.push('');
  }
  if (merge && Object.values(merge.added).some((ids) => ids.length > 0)) {
    const { mermaid } = await import('./picture.js');
    const added = new Set(Object.values(merge.added).flat());
    const pictures = merge.merged.filter((g) => (merge.added[g.environment.name] ?? []).length > 0).map((g) => ({ name: g.environment.name, graph: g.graph }));
    lines.push(`The merge into \`${cell(merge.ref)}\` (new revisions marked):`, '', '```mermaid', mermaid(pictures, { added, limit: 30 }).trimEnd(), '```', '');
  }
  return `${lines.join('\n')}\n`;
}
