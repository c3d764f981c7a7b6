/** Picks the renderer for a format, loading it on first use: text, json or github. */
import type { Format, Report } from './verdict.js';

/** Starts loading a renderer, so that it is ready when the report is. */
export function preload(format: Format): void {
  const loading = format === 'json' ? import('./json.js') : format === 'github' ? import('./github.js') : import('./text.js');
  loading.catch(() => undefined); // render reports the failure, if it happens again
}

export async function render(report: Report, format: Format): Promise<string> {
  if (format === 'json') return (await import('./json.js')).renderJson(report);
  if (format === 'github') return (await import('./github.js')).renderGithub(report);
  return (await import('./text.js')).renderText(report);
}
