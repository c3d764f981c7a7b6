import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { mayDefine } from '../src/toml.js';

// mayDefine decides whether a pyproject.toml is worth parsing. A false "no" would silently lose
// configuration, so every way TOML can spell tool.<name> must say "yes" (checked against a parser).
const DEFINES = [
  '[tool.alembic]\nscript_location = "migrations"\n',
  '[ tool . alembic ]\nscript_location = "migrations"\n',
  '[tool."alembic"]\nscript_location = "migrations"\n',
  "[tool.'alembic']\nscript_location = 'migrations'\n",
  '["tool".alembic]\nscript_location = "migrations"\n',
  '[tool.alembic.sub]\nx = 1\n',
  '[tool]\nalembic.script_location = "migrations"\n',
  '[tool]\nalembic = { script_location = "migrations" }\n',
  'tool.alembic.script_location = "migrations"\n',
  'tool.alembic = { script_location = "migrations" }\n',
  'tool = { alembic = { script_location = "migrations" } }\n',
  '[[tool.alembic.list]]\nx = 1\n',
  '  [tool.alembic]\n  script_location = "m"\n',
];
const DOES_NOT = [
  '[project]\nname = "backend"\ndependencies = ["fastapi", "sqlalchemy", "alembic"]\n',
  '[tool.alembic-guard]\nlocations = ["x"]\n',
  '[tool.alembic_utils]\nx = 1\n',
  '[tool.poetry.dependencies]\nalembic = "^1.8"\n',
  '# [tool.alembic] is not used here\n[project]\nname = "x"\n',
];

describe('mayDefine', () => {
  it.each(DEFINES)('says yes when the parser finds tool.alembic: %j', (text) => {
    const doc = parse(text) as { tool?: Record<string, unknown> };
    expect(doc.tool?.alembic).toBeDefined();
    expect(mayDefine(text, 'alembic')).toBe(true);
  });

  it.each(DOES_NOT)('says no when nothing can define tool.alembic: %j', (text) => {
    const doc = parse(text) as { tool?: Record<string, unknown> };
    expect(doc.tool?.alembic).toBeUndefined();
    expect(mayDefine(text, 'alembic')).toBe(false);
  });

  it('handles names with regular-expression characters (alembic-guard)', () => {
    expect(mayDefine('[tool.alembic-guard]\nlocations = []\n', 'alembic-guard')).toBe(true);
    expect(mayDefine('[tool.alembic]\nscript_location = "m"\n', 'alembic-guard')).toBe(false);
    expect(mayDefine('[tool.alembicXguard]\n', 'alembic-guard')).toBe(false);
  });
});
