// Random Alembic environments for the differential test: a revision DAG (branches, merges,
// several bases, branch labels, depends_on) rendered with every syntactic form the static
// parser claims to understand, plus decoys that only a real Python reader ignores correctly.

export type Rng = () => number;

// mulberry32: small, fast, good enough for test data; the same seed gives the same files.
export function makeRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
const chance = (rng: Rng, p: number): boolean => rng() < p;

export interface GenRevision {
  id: string;
  down: string[];
  deps: string[];
  labels: string[];
  file: string;
  /** Leave out `revision = ...` (the file is then named `<hex id>.py`, Alembic's legacy rule). */
  omitRevision?: boolean;
  /** Leave out `down_revision = ...` entirely (Alembic fails with AttributeError). */
  omitDownRevision?: boolean;
}

export interface GenEnvironment {
  revisions: GenRevision[];
  /** Files Alembic must skip (by name) or that are not Python at all. */
  extraFiles: Map<string, string>;
}

const HEX = '0123456789abcdef';

function makeId(rng: Rng, n: number, used: Set<string>): string {
  for (;;) {
    const r = rng();
    let id: string;
    if (r < 0.7) {
      id = Array.from({ length: 12 }, () => pick(rng, HEX.split(''))).join('');
    } else if (r < 0.85) {
      id = `r${String(n).padStart(4, '0')}_${pick(rng, ['x', 'pins', 'users'])}`;
    } else if (r < 0.95) {
      id = `AbC${Math.floor(rng() * 1e6)}z`;
    } else {
      id = `revisión${n}`; // non-ASCII ids load fine in Alembic
    }
    if (!used.has(id)) {
      used.add(id);
      return id;
    }
  }
}

export function generateEnvironment(seed: number, count: number): GenEnvironment {
  const rng = makeRng(seed);
  const used = new Set<string>();
  const revisions: GenRevision[] = [];
  const tips: string[] = [];
  const labels: string[] = [];
  const removeTip = (id: string): void => {
    const at = tips.indexOf(id);
    if (at >= 0) tips.splice(at, 1);
  };

  for (let i = 0; i < count; i++) {
    const id = makeId(rng, i, used);
    let down: string[];
    const r = rng();
    if (i === 0 || r < 0.04) {
      down = [];
    } else if (r < 0.62 && tips.length > 0) {
      down = [pick(rng, tips)];
    } else if (r < 0.8) {
      down = [pick(rng, revisions).id];
    } else if (tips.length >= 2) {
      const k = Math.min(tips.length, chance(rng, 0.8) ? 2 : 3);
      const chosen = new Set<string>();
      while (chosen.size < k) chosen.add(pick(rng, tips));
      down = [...chosen];
    } else {
      const a = pick(rng, revisions).id;
      const b = pick(rng, revisions).id;
      down = a === b ? [a] : [a, b];
    }
    const deps: string[] = [];
    if (i > 0 && chance(rng, 0.12)) {
      const k = chance(rng, 0.7) ? 1 : 2;
      for (let j = 0; j < k; j++) {
        const ref = labels.length > 0 && chance(rng, 0.3) ? pick(rng, labels) : pick(rng, revisions).id;
        if (!deps.includes(ref)) deps.push(ref);
      }
    }
    const own: string[] = [];
    if (chance(rng, 0.08)) {
      const k = chance(rng, 0.8) ? 1 : 2;
      for (let j = 0; j < k; j++) {
        const label = `${pick(rng, ['lbl', 'feature', 'Expand'])}_${labels.length}`;
        labels.push(label);
        own.push(label);
      }
    }
    const isHex = /^[0-9a-f]+$/.test(id);
    const legacy = isHex && chance(rng, 0.03);
    const file = legacy
      ? `${id}.py`
      : chance(rng, 0.5)
        ? `${String(i).padStart(4, '0')}_${pick(rng, ['add_pins', 'create_users', 'merge', 'drop_x'])}.py`
        : `${id}_${pick(rng, ['initial', 'add_column', 'rename'])}.py`;
    revisions.push({ id, down, deps, labels: own, file, omitRevision: legacy });
    for (const p of down) removeTip(p);
    tips.push(id);
  }

  const extraFiles = new Map<string, string>([
    ['__init__.py', 'revision = "init_decoy"\ndown_revision = "nowhere"\n'],
    ['README.md', 'revision = "readme_decoy"\n'],
    ['notes.py.txt', 'revision = "txt_decoy"\n'],
  ]);
  return { revisions, extraFiles };
}

// ---------------------------------------------------------------------------------------------
// Rendering

function strLit(rng: Rng, s: string): string {
  const r = rng();
  const escaped = s.replace(/\\/g, '\\\\');
  if (r < 0.2) return `"${escaped}"`;
  if (r < 0.4) return `'${escaped}'`;
  if (r < 0.48) return `u"${escaped}"`;
  if (r < 0.53) return `U'${escaped}'`;
  if (r < 0.6 && !s.includes('\\')) return `r"${s}"`;
  if (r < 0.64 && !s.includes('\\')) return `R'${s}'`;
  if (r < 0.69) return `"""${escaped}"""`;
  if (r < 0.73) return `'''${escaped}'''`;
  if (r < 0.78 && !/[{}]/.test(s)) return `f"${escaped}"`;
  if (r < 0.85 && s.length >= 2) {
    const cut = 1 + Math.floor(rng() * (s.length - 1));
    return `"${escaped.slice(0, cut)}" '${escaped.slice(cut)}'`;
  }
  if (r < 0.92 && /[a-z]/.test(s)) {
    // one character as a \xNN escape
    const at = s.search(/[a-z]/);
    return `"${s.slice(0, at)}\\x${s.charCodeAt(at).toString(16)}${s.slice(at + 1)}"`;
  }
  return `("${escaped}")`; // parenthesised: still a string
}

function noneLit(rng: Rng, field: string): string {
  // down_revision = () / [] are falsy, so tuple_rev_as_scalar makes them None as well
  const r = rng();
  if (r < 0.7) return 'None';
  if (r < 0.85) return '()';
  return field === 'revision' ? 'None' : '[]';
}

function seqLit(rng: Rng, items: string[]): string {
  if (items.length === 1) {
    const r = rng();
    if (r < 0.5) return strLit(rng, items[0]!);
    if (r < 0.7) return `(${strLit(rng, items[0]!)},)`;
    if (r < 0.85) return `[${strLit(rng, items[0]!)}]`;
  }
  const r = rng();
  const parts = items.map((x) => strLit(rng, x));
  if (r < 0.25) return `(${parts.join(', ')})`;
  if (r < 0.4) return `[${parts.join(', ')}${chance(rng, 0.5) ? ',' : ''}]`;
  if (r < 0.5 && items.length > 1) return parts.join(', '); // bare tuple
  const open = chance(rng, 0.7) ? '(' : '[';
  const close = open === '(' ? ')' : ']';
  const lines = [open];
  parts.forEach((p, i) => {
    if (chance(rng, 0.3)) lines.push('    # a comment inside the tuple, revision = "decoy"');
    lines.push(`    ${p}${i < parts.length - 1 || chance(rng, 0.7) ? ',' : ''}${chance(rng, 0.4) ? `  # parent ${i}` : ''}`);
  });
  if (items.length === 1 && open === '(' && !lines[lines.length - 1]!.includes(',')) {
    lines[lines.length - 1] = lines[lines.length - 1]!.replace(/(\s*#.*)?$/, ',$1');
  }
  lines.push(close);
  return lines.join('\n');
}

const ANNOTATIONS: Record<string, string[]> = {
  revision: ['str', '"str"'],
  down_revision: ['Union[str, Sequence[str], None]', 'Optional[str]', 'str | Sequence[str] | None', "'Union[str, None]'"],
  branch_labels: ['Union[str, Sequence[str], None]', 'str | Sequence[str] | None'],
  depends_on: ['Union[str, Sequence[str], None]', 'Optional[Sequence[str]]'],
};

function assignment(rng: Rng, field: string, value: string): string {
  const annotated = chance(rng, 0.35);
  const lhs = annotated ? `${field}: ${pick(rng, ANNOTATIONS[field]!)}` : field;
  if (chance(rng, 0.06) && !value.includes('\n')) return `${lhs} = \\\n    ${value}`;
  const tail = chance(rng, 0.15) ? '  # set by alembic' : '';
  return `${lhs} = ${value}${tail}`;
}

const DECOY_DEFS = [
  'def upgrade():\n    revision = "decoy_in_def"\n    down_revision = None\n    sql = """\nrevision = \'decoy_in_string\'\ndown_revision = None\n"""\n    return sql\n',
  'def downgrade() -> None:\n\tbranch_labels = ("decoy",)\n\tpass\n',
  'class Helper:\n    revision = "decoy_in_class"\n    depends_on = "decoy"\n\n    def method(self):\n        down_revision = (\n"decoy_col0_in_brackets",\n        )\n        return down_revision\n',
  'if False:\n    revision = "decoy_in_if_false"\n',
  'NOTES = """\nrevision = "decoy_in_module_string"\ndown_revision = \'x\'\n"""\n',
  'MSG = f"{\'revision\'} = {1 + 1!r:>{4}}"\n',
  'helper = lambda a=1: a\nCONFIG = {"revision": "decoy", "depends_on": None}\n',
  "raw = r'\\'revision = 1'\n",
];

export function renderScript(rng: Rng, rev: GenRevision): string {
  const out: string[] = [];
  if (chance(rng, 0.6)) {
    out.push(
      `"""${pick(rng, ['add pins', 'merge heads', 'initial'])}\n\nRevision ID: ${rev.id}\nRevises: ${rev.down.join(', ')}\nrevision = "docstring_decoy"\ndown_revision = None\n"""`,
    );
  }
  if (chance(rng, 0.2)) out.push('from __future__ import annotations');
  out.push('from typing import Optional, Sequence, Union');
  if (chance(rng, 0.3)) out.push('# revision = "comment_decoy"');
  // Python keeps the last assignment: an earlier, overridden one must be ignored.
  if (chance(rng, 0.1) && !rev.omitRevision) out.push('revision = "overridden_decoy"');
  if (chance(rng, 0.1) && !rev.omitDownRevision) out.push('down_revision = "overridden_decoy"');

  const fields: string[] = [];
  if (!rev.omitRevision) fields.push(assignment(rng, 'revision', strLit(rng, rev.id)));
  if (!rev.omitDownRevision) {
    fields.push(assignment(rng, 'down_revision', rev.down.length === 0 ? noneLit(rng, 'down_revision') : seqLit(rng, rev.down)));
  }
  const chained = rev.labels.length === 0 && rev.deps.length === 0 && chance(rng, 0.1);
  if (chained) {
    fields.push('branch_labels = depends_on = None');
  } else {
    if (rev.labels.length > 0 || chance(rng, 0.7)) {
      fields.push(assignment(rng, 'branch_labels', rev.labels.length === 0 ? noneLit(rng, 'branch_labels') : seqLit(rng, rev.labels)));
    }
    if (rev.deps.length > 0 || chance(rng, 0.7)) {
      fields.push(assignment(rng, 'depends_on', rev.deps.length === 0 ? noneLit(rng, 'depends_on') : seqLit(rng, rev.deps)));
    }
  }
  // random order; sometimes two on one line after a semicolon
  for (let i = fields.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [fields[i], fields[j]] = [fields[j]!, fields[i]!];
  }
  for (const f of fields) {
    if (chance(rng, 0.08) && !f.includes('\n') && !f.includes('#')) out.push(`x_ = 1; ${f}`);
    else out.push(f);
  }
  const decoys = Math.floor(rng() * 4);
  for (let i = 0; i < decoys; i++) out.push(pick(rng, DECOY_DEFS));
  return `${out.join('\n\n')}\n`;
}

export function renderFile(rng: Rng, text: string): Buffer {
  let t = text;
  if (chance(rng, 0.2)) t = t.replace(/\n/g, '\r\n');
  const body = Buffer.from(t, 'utf8');
  return chance(rng, 0.1) ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
}
