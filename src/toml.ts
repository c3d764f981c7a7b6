import { readFileSync } from 'node:fs';
import { GuardError } from './errors.js';

const cache = new Map<string, Record<string, unknown> | null>();

/**
 * The `[tool.<name>]` table of a pyproject.toml, or null. smol-toml (~10 ms to load) is imported
 * only when the file's text mentions the table, so most hooks never pay for it.
 */
export async function pyprojectTool(file: string, name: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  if (!text.includes(`tool.${name}`) && !text.includes(`"${name}"`)) return null;
  let doc = cache.get(file);
  if (doc === undefined) {
    const { parse } = await import('smol-toml');
    try {
      doc = parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new GuardError(`${file}: invalid TOML: ${(error as Error).message.split('\n')[0]}`);
    }
    cache.set(file, doc);
  }
  const tool = doc?.tool as Record<string, unknown> | undefined;
  const table = tool?.[name];
  return table && typeof table === 'object' && !Array.isArray(table) ? (table as Record<string, unknown>) : null;
}
