import { GuardError } from './errors.js';
import { withoutBom } from './text.js';
import { importPackage } from './packages.js';
import { readRecorded } from './worktree-reads.js';

const cache = new Map<string, Record<string, unknown> | null>();

/**
 * The `[tool.<name>]` table of a pyproject.toml, or null. smol-toml (nine modules to load) is
 * imported only when the text may define the table, so most hooks never pay for it. Invalid TOML
 * where the table could be (a line naming tool and <name>, however malformed) is an error naming
 * the file and line: skipping it would drop the configuration without a word.
 */
export async function pyprojectTool(file: string, name: string, label = file): Promise<Record<string, unknown> | null> {
  const bytes = readRecorded(file);
  if (bytes === null) return null;
  const text = withoutBom(bytes.toString('utf8'));
  if (!mayDefine(text, name) && !mayMention(text, name)) return null;
  let doc = cache.get(file);
  if (doc === undefined) {
    const { parse } = await importPackage<typeof import('smol-toml')>('smol-toml');
    try {
      doc = parse(text) as Record<string, unknown>;
    } catch (error) {
      const line = (error as { line?: unknown }).line;
      const where = typeof line === 'number' ? `${label}:${line}` : label;
      const why = (error as Error).message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new GuardError(`${where}: invalid TOML: ${why}`);
    }
    cache.set(file, doc);
  }
  const tool = doc?.tool as Record<string, unknown> | undefined;
  const table = tool?.[name];
  return table && typeof table === 'object' && !Array.isArray(table) ? (table as Record<string, unknown>) : null;
}

/**
 * Whether TOML text may define `tool.<name>`: a `[tool.<name>…]` header, a `tool.<name>` dotted
 * key, a `<name>` key under `[tool]`, or an inline `tool = {…}`. A false "yes" costs a parse; a
 * false "no" would lose configuration, so anything unusual counts as "yes".
 */
export function mayDefine(text: string, name: string): boolean {
  const quoted = (word: string) => {
    const escaped = word.replace(/[-.]/g, '\\$&');
    return `(?:${escaped}|"${escaped}"|'${escaped}')`;
  };
  const [tool, key, ws] = [quoted('tool'), quoted(name), '[ \\t]*'];
  const line = (pattern: string) => new RegExp(`^${ws}${pattern}`, 'm').test(text);
  return (
    line(`\\[\\[?${ws}${tool}${ws}\\.${ws}${key}${ws}[.\\]]`) ||
    line(`${tool}${ws}\\.${ws}${key}${ws}[.=]`) ||
    (line(`\\[${ws}${tool}${ws}\\]`) && line(`${key}${ws}[.=]`)) ||
    line(`${tool}${ws}=`)
  );
}

/**
 * Whether a line (outside comments) names both `tool` and `<name>`: where a broken header such
 * as `[tool.alembic-guard` or `[tool.alembic-guard]]` would be. mayDefine cannot see those.
 */
export function mayMention(text: string, name: string): boolean {
  const escaped = name.replace(/[-.]/g, '\\$&');
  return new RegExp(`^[^#\\n]*\\btool\\b[^#\\n]*(?<![\\w-])${escaped}(?![\\w-])`, 'm').test(text);
}
