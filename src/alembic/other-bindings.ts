// Bindings other than plain module-level assignments (issue 13). Python runs the whole module,
// so Alembic also reads a field bound inside `if True:`, by `for down_revision in […]`, `del`,
// `def`/`class`/`import … as`, `with … as`, `:=`, `exec(…)` / `globals()[…]`, by a function
// called at module level that declares it `global`, or under a name Python NFKC-normalises to
// it (`ｄown_revision`). Checked case by case against Alembic 1.8 (test/script-bindings.test.ts).
//
// A file the fast pass marks suspect is read again statement by statement with its blocks:
// - what can be evaluated statically is: `if True:` / `if 0:` / `elif` / `else`, `while False:`,
//   `for x in <literal>`, `try:` / `finally:` bodies, `(x := <literal>)`, `del x` — with a
//   warning naming the line;
// - a binding whose value cannot be known (inside a block that may or may not run, `import`,
//   `with … as`, `except … as`, `case`, a namespace written at run time) blocks for revision,
//   down_revision and depends_on (the graph depends on them) and is a warning for
//   branch_labels (the graph reports a missing label where depends_on names it);
// - a binding to a function, class or module (`def down_revision():`) blocks: Alembic fails.
// Function bodies run only when called: there, only `global <field>` and the dynamic names
// matter, and only once the function is mentioned at module level.

import { type Value, UNKNOWN, K, type Tok, type Scanner, type Field, FIELDS, DYNAMIC, isSpecialName } from './python-lexer.js';
import { type Assigned, applySimple, evaluate, KEYWORDS, type ScriptWarning, show, sourceOf, splitTop } from './script-statements.js';

export interface OtherBindings {
  warnings: ScriptWarning[];
}

export type Live = 0 | 1 | 2; // never runs, always runs, cannot tell

const both = (a: Live, b: Live): Live => (a === 0 || b === 0 ? 0 : a === 2 || b === 2 ? 2 : 1);

export interface Block {
  indent: number;
  scope: 'module' | 'class' | 'def';
  live: Live;
  /** The module-level def or class this block is part of (null at module scope). */
  owner: string | null;
  /** The header, for messages: "`if …:` at line 3". */
  header: string;
}

/** if/elif/else, try/except/else/finally and loop/else chains, by the indent of their header. */
interface Chain {
  indent: number;
  kind: 'if' | 'try' | 'loop';
  /** An earlier branch surely ran (if), or some earlier branch may have run. */
  taken: Live;
}

const HEADERS = new Set(['if', 'elif', 'else', 'for', 'while', 'def', 'class', 'with', 'try', 'except', 'finally']);

/**
 * What readBindings carries from one line to the next. It is the only state of the reading:
 * each step below is a plain function of it and of the line's tokens.
 */
export interface Reading {
  readonly src: string;
  /** The fields as bound so far (a later binding replaces an earlier one, as in Python). */
  readonly fields: Map<Field, Assigned>;
  readonly warnings: ScriptWarning[];
  /** The blocks open at this line, innermost last; none at module level. */
  readonly stack: Block[];
  /** The if/try/loop chains open at this line, innermost last. */
  readonly chains: Chain[];
  /** Module-level def/class -> what in it writes the namespace (`exec`, `global down_revision`). */
  readonly tainted: Map<string, string>;
}

/** The reading of src from its first line, into fields. */
export function newReading(src: string, fields: Map<Field, Assigned> = new Map()): Reading {
  return { src, fields, warnings: [], stack: [], chains: [], tainted: new Map() };
}

/** Module level: always runs. */
export const MODULE: Block = { indent: -1, scope: 'module', live: 1, owner: null, header: '' };

/** A compound statement's first line, taken apart. */
interface HeaderLine {
  /** if, elif, else, for, while, def, class, with, try, except, finally, match, case. */
  keyword: string;
  line: number;
  indent: number;
  /** Between the keyword and the `:`. */
  header: Tok[];
  /** After the `:` on the same line (`if True: down_revision = None`). */
  body: Tok[];
  /** For messages: "`if x:` (line 3)". */
  described: string;
  /** The block the header stands in. */
  ctx: Block;
  /** The chain open at the header's indent (an `if` that an `elif` continues), or null. */
  chain: Chain | null;
}

export function readBindings(scanner: Scanner, src: string, fields: Map<Field, Assigned>): OtherBindings {
  const r = newReading(src, fields);
  scanner.runAll((toks, indent) => readLine(r, toks, indent));
  return { warnings: r.warnings };
}

/** One logical line, at module level or indented, with the indent of its first token. */
export function readLine(r: Reading, toks: Tok[], indent: number): void {
  normaliseNames(r, toks);
  closeBlocks(r, indent);
  const ctx = r.stack[r.stack.length - 1] ?? MODULE;
  let head = toks[0]!;
  let k = 0;
  if (head.k === K.Name && head.v === 'async' && toks[1]?.k === K.Name) head = toks[(k = 1)]!;
  const soft = (head.v === 'match' || head.v === 'case') && toks[toks.length - 1]!.v === ':' && toks[k + 1]?.k !== K.Op;
  const top = r.chains[r.chains.length - 1];
  const chain = top !== undefined && top.indent === indent ? top : null;
  if (head.k !== K.Name || !(HEADERS.has(head.v) || soft)) {
    if (chain) r.chains.pop();
    readStatements(r, toks, ctx);
    return;
  }
  const colon = firstTopColon(toks, k + 1);
  readHeader(r, {
    keyword: head.v,
    line: head.line,
    indent,
    header: toks.slice(k + 1, colon < 0 ? toks.length : colon),
    body: colon < 0 ? [] : toks.slice(colon + 1),
    described: `\`${sourceOf(r.src, toks.slice(0, colon < 0 ? toks.length : colon + 1))}\` (line ${head.line})`,
    ctx,
    chain,
  });
}

/** Python normalises identifiers (NFKC): `ｄown_revision` is down_revision. Said when it matters. */
export function normaliseNames(r: Reading, toks: Tok[]): void {
  for (const t of toks) {
    if (t.k !== K.Name || (t.v.charCodeAt(0) < 0x80 && !/[^\x00-\x7f]/.test(t.v))) continue;
    const name = t.v.normalize('NFKC');
    if (name !== t.v && isSpecialName(name)) {
      r.warnings.push({ line: t.line, message: `\`${t.v}\` at line ${t.line} is the name ${name} to Python, which normalises identifiers (NFKC)` });
    }
    t.v = name;
  }
}

/** A line at `indent` ends the blocks indented as far or further, and the chains indented further. */
export function closeBlocks(r: Reading, indent: number): void {
  while (r.stack.length > 0 && r.stack[r.stack.length - 1]!.indent >= indent) r.stack.pop();
  while (r.chains.length > 0 && r.chains[r.chains.length - 1]!.indent > indent) r.chains.pop();
}

function readHeader(r: Reading, h: HeaderLine): void {
  const { keyword, ctx, chain } = h;
  if (keyword === 'def' || keyword === 'class') readDefinition(r, h);
  else if (ctx.scope === 'def') {
    scanExpr(r, h.header, ctx);
    openBlock(r, h, 1);
  } else if (keyword === 'if' || keyword === 'elif' || (keyword === 'else' && chain?.kind === 'if')) readBranch(r, h);
  else if (keyword === 'while') {
    scanExpr(r, h.header, ctx);
    const test = truth(h.header);
    startChain(r, h, 'loop', 2);
    openBlock(r, h, test === 0 ? 0 : 2);
  } else if (keyword === 'for') readFor(r, h);
  else if (keyword === 'try') {
    startChain(r, h, 'try', 2);
    openBlock(r, h, 1);
  } else if (keyword === 'finally' || (keyword === 'else' && chain?.kind === 'try')) openBlock(r, h, 1);
  else readUnknowable(r, h);
}

/** Opens the block a header starts, and reads what follows its `:` on the same line. */
function openBlock(r: Reading, h: HeaderLine, own: Live, scope: Block['scope'] = h.ctx.scope, owner: string | null = h.ctx.owner): void {
  const block: Block = { indent: h.indent, scope, live: scope === 'def' ? 1 : both(h.ctx.live, own), owner, header: h.described };
  r.stack.push(block);
  if (h.body.length > 0) readStatements(r, h.body, block);
}

/** An if, a loop or a try starts a chain at its indent, in place of the one ending there. */
function startChain(r: Reading, h: HeaderLine, kind: Chain['kind'], taken: Live): void {
  if (h.chain) r.chains.pop();
  r.chains.push({ indent: h.indent, kind, taken });
}

/** `def` and `class`: a field bound to a function or class; the body, scanned for what taints it. */
function readDefinition(r: Reading, h: HeaderLine): void {
  const { ctx } = h;
  const name = h.header[0];
  if (ctx.scope !== 'def') scanExpr(r, h.header.slice(1), ctx); // decorators ran already; defaults, bases run now
  if (ctx.scope === 'module' && name !== undefined && FIELDS.has(name.v)) {
    bindOther(r, name.v as Field, { kind: 'other', what: h.keyword === 'def' ? 'a function' : 'a class' }, h.line, ctx, `\`${h.keyword}\``);
  }
  if (h.chain) r.chains.pop();
  openBlock(r, h, 1, h.keyword === 'def' ? 'def' : ctx.scope === 'def' ? 'def' : 'class', ctx.owner ?? name?.v ?? null);
}

/** if / elif / else of an if: the branch runs when its test holds and no earlier branch ran. */
function readBranch(r: Reading, h: HeaderLine): void {
  const { keyword, ctx, chain } = h;
  const test: Live = keyword === 'else' ? 1 : truth(h.header);
  if (keyword !== 'else') scanExpr(r, h.header, ctx);
  const before: Live = keyword === 'if' || chain === null || chain.kind !== 'if' ? 0 : chain.taken;
  const taken = chainTaken(before, test);
  if (keyword === 'if') startChain(r, h, 'if', taken);
  else if (chain) chain.taken = taken;
  openBlock(r, h, branchRuns(before, test));
}

/**
 * Whether a branch of an if chain runs, from whether an earlier branch ran (`before`: 1 surely,
 * 0 none did, 2 cannot tell) and its own test (an `else` tests 1).
 */
export function branchRuns(before: Live, test: Live): Live {
  return before === 1 ? 0 : before === 0 ? test : test === 0 ? 0 : 2;
}

/** Whether some branch of an if chain has run once this one is passed (the next branch's `before`). */
export function chainTaken(before: Live, test: Live): Live {
  const own = branchRuns(before, test);
  return before === 1 || (test === 1 && before === 0) ? 1 : before === 0 && test === 0 ? 0 : own === 0 && before === 0 ? 0 : 2;
}

/** `for x in <literal>`: the body runs once per item, and x keeps the last; anything else cannot be told. */
function readFor(r: Reading, h: HeaderLine): void {
  const { header, ctx, line } = h;
  const inAt = header.findIndex((t, j) => t.k === K.Name && t.v === 'in' && depthAt(header, j) === 0);
  const target = inAt < 0 ? header : header.slice(0, inAt);
  const iter = inAt < 0 ? [] : header.slice(inAt + 1);
  scanExpr(r, iter, ctx);
  const items = literalItems(iter);
  const name = target.length === 1 && target[0]!.k === K.Name ? target[0]!.v : null;
  if (name !== null && FIELDS.has(name)) {
    if (items === null) bindOther(r, name as Field, UNKNOWN, line, ctx, 'the target of a `for` loop');
    else if (items.length > 0) bindOther(r, name as Field, items[items.length - 1]!, line, ctx, 'the target of a `for` loop');
  } else {
    for (const t of target) if (t.k === K.Name && FIELDS.has(t.v)) bindOther(r, t.v as Field, UNKNOWN, line, ctx, 'a target of a `for` loop');
  }
  startChain(r, h, 'loop', 2);
  openBlock(r, h, items === null ? 2 : items.length === 0 ? 0 : 1);
}

/**
 * except, else of a loop, with, match, case: whether (or with what) the body runs is not
 * static; the names they bind (`as x`, capture patterns) are not either.
 */
function readUnknowable(r: Reading, h: HeaderLine): void {
  const { keyword, header, ctx } = h;
  scanExpr(r, header, ctx);
  const as = keyword === 'with' || keyword === 'except' || keyword === 'case';
  for (let j = 0; j < header.length; j++) {
    const t = header[j]!;
    if (t.k !== K.Name || !FIELDS.has(t.v)) continue;
    const prev = header[j - 1];
    const binds = keyword === 'case' ? !(prev?.v === '.' || header[j + 1]?.v === '(' || header[j + 1]?.v === '=') : prev?.k === K.Name && prev.v === 'as';
    if (as && binds) bindOther(r, t.v as Field, UNKNOWN, h.line, ctx, `bound by \`${keyword}\``);
  }
  if (keyword === 'with' || keyword === 'match') {
    if (h.chain) r.chains.pop();
    openBlock(r, h, 1);
  } else openBlock(r, h, 2);
}

function readStatements(r: Reading, toks: Tok[], ctx: Block): void {
  for (const stmt of splitTop(toks, ';')) if (stmt.length > 0) readSimple(r, stmt, ctx);
}

/** One simple statement (no `;`) in the block ctx. */
export function readSimple(r: Reading, toks: Tok[], ctx: Block): void {
  const first = toks[0]!;
  const line = first.line;
  if (ctx.scope === 'def') {
    if (first.k === K.Name && first.v === 'global') {
      const names = toks.filter((t) => t.k === K.Name && FIELDS.has(t.v)).map((t) => t.v);
      if (names.length > 0) r.tainted.set(ctx.owner!, `\`global ${names.join(', ')}\``);
    }
    scanExpr(r, toks, ctx);
    return;
  }
  if (ctx.live === 0) return;
  scanExpr(r, toks, ctx);
  if (ctx.scope === 'class') return; // binds attributes of the class
  if (first.k === K.Name && first.v === 'del') {
    for (const item of splitTop(toks.slice(1), ',')) {
      const name = item.length === 1 && item[0]!.k === K.Name ? item[0]!.v : null;
      if (name === null || !FIELDS.has(name)) continue;
      if (ctx.live === 1) {
        r.fields.delete(name as Field);
        r.warnings.push({ line, message: `${name} is deleted by \`del\` at line ${line}, so Alembic no longer finds it` });
      } else {
        unknownBinding(
          r,
          name as Field,
          line,
          `is deleted at line ${line} inside ${ctx.header}, which may or may not run, so whether it exists cannot be known without running Python`,
        );
      }
    }
    return;
  }
  if (first.k === K.Name && (first.v === 'import' || first.v === 'from')) {
    const at = toks.findIndex((t) => t.k === K.Name && t.v === 'import');
    for (const item of splitTop(
      toks.slice(at + 1).filter((t) => t.v !== '(' && t.v !== ')'),
      ',',
    )) {
      const as = item.findIndex((t) => t.k === K.Name && t.v === 'as');
      const name = as >= 0 ? item[as + 1]?.v : item[0]?.v;
      if (name === undefined || !FIELDS.has(name)) continue;
      // `import x as down_revision` binds a module; `from x import y as down_revision` binds
      // whatever x.y is (a string, perhaps): neither can be read without importing x.
      bindOther(r, name as Field, first.v === 'import' ? { kind: 'other', what: 'a module' } : UNKNOWN, line, ctx, `imported (\`${first.v} … import\`)`);
    }
    return;
  }
  if (first.k === K.Name && KEYWORDS.has(first.v)) return; // global, pass, assert, raise…
  if (r.stack.length === 0) {
    applySimple(toks, r.src, r.fields); // a plain module-level statement, as the fast pass reads it
    return;
  }
  const scratch = new Map<Field, Assigned>();
  applySimple(toks, r.src, scratch);
  for (const [field, a] of scratch) bindOther(r, field, a.value, a.line, ctx, `assigned inside ${ctx.header}`);
}

/** Walrus bindings, dynamic names and mentions of tainted functions in an expression run at module or class level. */
export function scanExpr(r: Reading, toks: Tok[], ctx: Block): void {
  for (let j = 0; j < toks.length; j++) {
    const t = toks[j]!;
    if (t.k !== K.Name) continue;
    const prev = toks[j - 1];
    const attr = prev !== undefined && prev.k === K.Op && prev.v === '.';
    if (DYNAMIC.has(t.v) && (!attr || t.v === '__dict__' || t.v === 'modules' || t.v === 'import_module')) {
      if (ctx.scope === 'def') r.tainted.set(ctx.owner!, `\`${t.v}\``);
      else dynamicWrite(r, t.line, `\`${t.v}\``, ctx);
    } else if (t.v === 'import' && toks[j + 1]?.v === '*') {
      // `from peewee import *` (quay's migrations): a star import binds what the other module
      // exports, and no real module exports Alembic's fields. Treating it as unknowable blocked
      // every commit of a well-kept project, so it is taken to bind none of them.
      continue;
    } else if (!attr && ctx.scope !== 'def' && r.tainted.has(t.v)) {
      dynamicWrite(r, t.line, `${t.v} (it uses ${r.tainted.get(t.v)})`, ctx);
    } else if (FIELDS.has(t.v) && ctx.scope === 'module' && toks[j + 1]?.k === K.Op && toks[j + 1]!.v === ':=') {
      bindOther(r, t.v as Field, walrusValue(toks, j + 2), t.line, ctx, 'assigned by `:=`');
    }
  }
}

/** A field whose value cannot be known statically: why (it blocks, or warns for branch_labels). */
function unknownBinding(r: Reading, field: Field, line: number, why: string): void {
  r.fields.set(field, { value: UNKNOWN, line, source: () => '…', block: why });
}

/** A binding other than a plain assignment, of a value known (or not) statically. */
export function bindOther(r: Reading, field: Field, value: Value, line: number, ctx: Block, how: string): void {
  if (ctx.live === 0) return;
  if (ctx.live === 2) {
    unknownBinding(
      r,
      field,
      line,
      `is ${how} at line ${line} inside ${ctx.header}, which may or may not run, so its value cannot be known without running Python`,
    );
  } else if (value.kind === 'unknown') {
    unknownBinding(r, field, line, `is ${how} at line ${line}, so its value cannot be known without running Python`);
  } else if (value.kind === 'other' && !value.what.startsWith('the number') && value.what !== 'True' && value.what !== 'False') {
    unknownBinding(r, field, line, `is bound to ${value.what} by ${how} at line ${line}, which Alembic cannot read as revision ids`);
  } else {
    r.fields.set(field, { value, line, source: () => show(value) });
    r.warnings.push({ line, message: `${field} is ${how} at line ${line}, not by a plain module-level assignment; Alembic reads ${show(value)}` });
  }
}

/** exec, globals()[…], a tainted function called: any field may change here. */
function dynamicWrite(r: Reading, line: number, what: string, ctx: Block): void {
  if (ctx.live === 0) return;
  for (const field of FIELDS as ReadonlySet<Field>) {
    unknownBinding(
      r,
      field,
      line,
      `may be changed by ${what} at line ${line}, which writes the module's names at run time, so its value cannot be known without running Python`,
    );
  }
}

function depthAt(toks: Tok[], at: number): number {
  let depth = 0;
  for (let j = 0; j < at; j++) {
    const t = toks[j]!;
    if (t.k !== K.Op) continue;
    if (t.v === '(' || t.v === '[' || t.v === '{') depth++;
    else if (t.v === ')' || t.v === ']' || t.v === '}') depth--;
  }
  return depth;
}

/** The `:` that ends a compound statement's header (brackets, lambdas aside), or -1. */
export function firstTopColon(toks: Tok[], from: number): number {
  let depth = 0;
  let lambdas = 0;
  for (let j = from; j < toks.length; j++) {
    const t = toks[j]!;
    if (t.k === K.Name && t.v === 'lambda' && depth === 0) lambdas++;
    if (t.k !== K.Op) continue;
    if (t.v === '(' || t.v === '[' || t.v === '{') depth++;
    else if (t.v === ')' || t.v === ']' || t.v === '}') depth--;
    else if (t.v === ':' && depth === 0) {
      if (lambdas > 0) lambdas--;
      else return j;
    }
  }
  return -1;
}

/** The value after `name :=` : up to the comma or closing bracket that ends it. */
export function walrusValue(toks: Tok[], from: number): Value {
  let depth = 0;
  let end = from;
  for (; end < toks.length; end++) {
    const t = toks[end]!;
    if (t.k !== K.Op) continue;
    if (t.v === '(' || t.v === '[' || t.v === '{') depth++;
    else if (t.v === ')' || t.v === ']' || t.v === '}') {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && (t.v === ',' || t.v === ':' || t.v === ';')) break;
  }
  return evaluate(toks.slice(from, end));
}

/** The items a `for` loop takes from a literal (a tuple, list or string), or null. */
export function literalItems(toks: Tok[]): Value[] | null {
  const v = evaluate(toks);
  if (v.kind === 'seq' && !v.set) return v.items;
  if (v.kind === 'str') return [...v.value].map((c) => ({ kind: 'str', value: c }) as Value);
  return null;
}

/** Whether a test is statically true (1), false (0) or cannot be told (2): `if True:`, `if 0:`. */
export function truth(toks: Tok[]): Live {
  let negate = false;
  let at = 0;
  while (toks[at]?.k === K.Name && toks[at]!.v === 'not') {
    negate = !negate;
    at++;
  }
  const v = evaluate(toks.slice(at));
  let t: Live = 2;
  if (v.kind === 'none') t = 0;
  else if (v.kind === 'str') t = v.value === '' ? 0 : 1;
  else if (v.kind === 'seq' && !v.set) t = v.items.length === 0 ? 0 : 1;
  else if (v.kind === 'other') {
    if (v.what === 'True') t = 1;
    else if (v.what === 'False') t = 0;
    else if (v.what.startsWith('the number ')) {
      const n = Number(v.what.slice('the number '.length).replace(/_/g, ''));
      t = Number.isNaN(n) ? 2 : n === 0 ? 0 : 1;
    }
  }
  return t === 2 || !negate ? t : t === 1 ? 0 : 1;
}
