/**
 * Just enough of Python's configparser (as Alembic uses it) to read where migrations live:
 * sections, `key = value` / `key: value`, indented continuation lines, `#`/`;` comment lines,
 * case-insensitive keys, [DEFAULT] inheritance and BasicInterpolation (`%(name)s`, `%%`), with
 * Alembic's `here` default (the ini file's directory).
 */
export type IniSections = Map<string, Map<string, string>>;

export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let current: Map<string, string> | null = null;
  let lastKey: string | null = null;
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      // configparser keeps empty lines inside a multi-line value only when they are indented;
      // an empty line does not end the value, but adds nothing we need.
      continue;
    }
    if (/^\s/.test(raw) && current && lastKey !== null) {
      current.set(lastKey, `${current.get(lastKey)}\n${trimmed}`);
      continue;
    }
    const section = /^\[(.+)\]\s*$/.exec(trimmed);
    if (section) {
      const name = section[1];
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      lastKey = null;
      continue;
    }
    if (!current) continue; // configparser would raise MissingSectionHeaderError
    const match = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!match) continue;
    lastKey = match[1].toLowerCase();
    current.set(lastKey, match[2]);
  }
  return sections;
}

/** A section's value with [DEFAULT] fallback and interpolation; undefined when absent. */
export function iniValue(
  sections: IniSections,
  section: string,
  key: string,
  defaults: Record<string, string> = {},
): string | undefined {
  const lookup = (name: string): string | undefined =>
    sections.get(section)?.get(name) ?? sections.get('DEFAULT')?.get(name) ?? defaults[name];
  const raw = lookup(key);
  if (raw === undefined) return undefined;
  return interpolate(raw, lookup, 0);
}

function interpolate(value: string, lookup: (name: string) => string | undefined, depth: number): string {
  if (depth > 10) return value; // configparser raises InterpolationDepthError
  return value.replace(/%(%|\(([^)]+)\)s)/g, (whole, _inner: string, name?: string) => {
    if (!name) return '%';
    const found = lookup(name.toLowerCase());
    return found === undefined ? whole : interpolate(found, lookup, depth + 1);
  });
}

/** Sections (other than DEFAULT) that define script_location directly or through DEFAULT. */
export function sectionsWithScriptLocation(sections: IniSections): string[] {
  const names: string[] = [];
  for (const name of sections.keys()) {
    if (name === 'DEFAULT') continue;
    if (iniValue(sections, name, 'script_location') !== undefined) names.push(name);
  }
  return names;
}
