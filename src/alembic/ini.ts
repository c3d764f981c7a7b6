/**
 * Just enough of Python's configparser (as Alembic uses it) to read where migrations live:
 * sections, `key = value` / `key: value`, indented continuation lines, `#`/`;` comment lines,
 * case-insensitive keys, [DEFAULT] inheritance and BasicInterpolation (`%(name)s`, `%%`), with
 * Alembic's `here` default (the ini file's directory).
 */
import { withoutBom } from '../text.js';

export type IniSections = Map<string, Map<string, string>>;

/** configparser's MAX_INTERPOLATION_DEPTH: deeper references raise InterpolationDepthError. */
const MAX_DEPTH = 10;
/**
 * Longest interpolated value we build: references can nest ten deep, each value naming another
 * many times (`%(a)s%(a)s…`), which grows without bound. No path list comes near this.
 */
const MAX_LENGTH = 1024 * 1024;

/** An interpolation configparser refuses (too deep), or one too long to be a path list. */
export class InterpolationError extends Error {
  constructor(
    readonly section: string,
    readonly key: string,
    why: string,
  ) {
    super(why);
  }
}

export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let current: Map<string, string> | null = null;
  let lastKey: string | null = null;
  for (const raw of withoutBom(text).split(/\r?\n/)) {
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
export function iniValue(sections: IniSections, section: string, key: string, defaults: Record<string, string> = {}): string | undefined {
  const lookup = (name: string): string | undefined => sections.get(section)?.get(name) ?? sections.get('DEFAULT')?.get(name) ?? defaults[name];
  const raw = lookup(key);
  if (raw === undefined) return undefined;
  const fail = (why: string): never => {
    throw new InterpolationError(section, key, why);
  };
  return interpolate(raw, lookup, 1, fail);
}

// configparser's BasicInterpolation._interpolate_some: a value holding `%` is expanded at depth
// + 1, starting at 1, and a depth over MAX_INTERPOLATION_DEPTH (10) is an error (so is a cycle).
function interpolate(value: string, lookup: (name: string) => string | undefined, depth: number, fail: (why: string) => never): string {
  if (depth > MAX_DEPTH) fail(`%(…)s references nest deeper than ${MAX_DEPTH} levels (or refer to themselves), which configparser refuses`);
  let out = '';
  let at = 0;
  for (const m of value.matchAll(/%(%|\(([^)]+)\)s)/g)) {
    out += value.slice(at, m.index);
    at = m.index + m[0].length;
    const name = m[2];
    if (!name) out += '%';
    else {
      const found = lookup(name.toLowerCase());
      out += found === undefined ? m[0] : found.includes('%') ? interpolate(found, lookup, depth + 1, fail) : found;
    }
    if (out.length > MAX_LENGTH) fail(`%(…)s references expand to more than ${MAX_LENGTH / 1024 / 1024} MiB`);
  }
  out += value.slice(at);
  if (out.length > MAX_LENGTH) fail(`%(…)s references expand to more than ${MAX_LENGTH / 1024 / 1024} MiB`);
  return out;
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
