// Fuzz test of the Starlark front end (scanner, parser, resolver). Whatever text it is
// given, the front end must either succeed or throw a StarlarkSyntaxError or
// StarlarkResolveError whose positions lie inside the input (line >= 1, col >= 1):
// never another exception, never a crash. Inputs come from three sources: mutations of
// real snippets (the reference implementation's test files, our fixtures and benchmark
// workloads, and a small built-in corpus), programs generated from a Starlark grammar
// (mostly valid, so the resolver is exercised in depth), and mutations of those. The
// seed is fixed, so every run sees the same inputs; set FUZZ_SEED to explore others and
// FUZZ_SCALE to run more (or fewer) cases. A failure names the seed and the input.
// FUZZ_STATS=1 prints how the inputs ended (to check the generators still produce what
// they should); FUZZ_STATS=messages also the most frequent error messages.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { DialectOptions } from '../../lib/starlark/ast.js';
import { StarlarkResolveError, StarlarkSyntaxError } from '../../lib/starlark/errors.js';
import { parse, parseExpr } from '../../lib/starlark/parser.js';
import { resolveFile } from '../../lib/starlark/resolver.js';
import { readChunks } from '../conformance/chunks.js';
import { findReferenceRoot } from '../conformance/suites.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 20240611;
const SCALE = process.env.FUZZ_SCALE !== undefined ? Number(process.env.FUZZ_SCALE) : 1;
const runs = (n: number): number => Math.max(1, Math.round(n * SCALE));

const PREDECLARED = new Set(['M', 'struct', 'json', 'plan', 'hasfields']);
const UNIVERSAL = new Set([
  'U',
  'None',
  'True',
  'False',
  'abs',
  'all',
  'any',
  'bool',
  'chr',
  'dict',
  'dir',
  'enumerate',
  'fail',
  'float',
  'getattr',
  'hasattr',
  'hash',
  'int',
  'len',
  'list',
  'max',
  'min',
  'ord',
  'print',
  'range',
  'repr',
  'reversed',
  'sorted',
  'str',
  'tuple',
  'type',
  'zip',
  'set',
]);

// ---- the property -------------------------------------------------------------------

function lineCount(src: string): number {
  return src.split(/\r\n|\r|\n/).length;
}

function checkPos(pos: { line: number; col: number }, src: string, what: string): void {
  const ok = Number.isInteger(pos.line) && Number.isInteger(pos.col) && pos.line >= 1 && pos.col >= 1 && pos.line <= lineCount(src) + 1;
  assert.ok(ok, `${what} at invalid position ${JSON.stringify(pos)} (input has ${lineCount(src)} lines)`);
}

type Outcome = 'ok' | 'syntax error' | 'resolve error';

const messages = new Map<string, number>();
function countMessage(msg: string): void {
  if (process.env.FUZZ_STATS === 'messages') messages.set(msg, (messages.get(msg) ?? 0) + 1);
}

/** Parse and resolve one input; throws an AssertionError if the front end misbehaves. */
function frontEnd(src: string, options: DialectOptions): Outcome {
  let file;
  try {
    file = parse('fuzz.star', src);
  } catch (e) {
    if (!(e instanceof StarlarkSyntaxError)) throw unexpected('parse', e);
    checkPos(e.pos, src, `syntax error "${e.msg}"`);
    assert.equal(typeof e.msg, 'string');
    countMessage(e.msg);
    return 'syntax error';
  }
  try {
    resolveFile(
      file,
      (n) => PREDECLARED.has(n),
      (n) => UNIVERSAL.has(n),
      options,
    );
  } catch (e) {
    if (!(e instanceof StarlarkResolveError)) throw unexpected('resolve', e);
    assert.ok(e.problems.length > 0, 'StarlarkResolveError without problems');
    for (const p of e.problems) checkPos(p.pos, src, `resolve error "${p.msg}"`);
    for (const p of e.problems) countMessage(p.msg);
    return 'resolve error';
  }
  return 'ok';
}

/** Parse one input as an expression (`parseExpr`), which must behave like `parse`. */
function expressionFrontEnd(src: string): Outcome {
  try {
    parseExpr('fuzz.star', src);
  } catch (e) {
    if (!(e instanceof StarlarkSyntaxError)) throw unexpected('parseExpr', e);
    checkPos(e.pos, src, `syntax error "${e.msg}"`);
    return 'syntax error';
  }
  return 'ok';
}

function unexpected(phase: string, e: unknown): Error {
  const detail = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  return new assert.AssertionError({ message: `${phase} threw something other than a Starlark error: ${detail}` });
}

const dialect: fc.Arbitrary<DialectOptions> = fc.record({
  set: fc.boolean(),
  while: fc.boolean(),
  recursion: fc.boolean(),
  globalReassign: fc.boolean(),
  topLevelControl: fc.boolean(),
  loadBindsGlobally: fc.boolean(),
});

/** Run the property over `numRuns` inputs; returns how many ended in each outcome. */
function fuzz(arb: fc.Arbitrary<string>, numRuns: number, check: (src: string, options: DialectOptions) => Outcome = frontEnd): Record<Outcome, number> {
  const tally: Record<Outcome, number> = { ok: 0, 'syntax error': 0, 'resolve error': 0 };
  let frontEndMs = 0;
  let chars = 0;
  const started = performance.now();
  const property = fc.property(arb, dialect, (src, options) => {
    const t = performance.now();
    chars += src.length;
    tally[check(src, options)]++;
    frontEndMs += performance.now() - t;
  });
  try {
    fc.assert(property, { seed: SEED, numRuns });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`front-end fuzz failure with seed ${SEED} (rerun: FUZZ_SEED=${SEED})\n${msg}`);
  }
  if (process.env.FUZZ_STATS) {
    const total = Math.round(performance.now() - started);
    console.log(
      `      outcomes: ${JSON.stringify(tally)}; ${Math.round(frontEndMs)} of ${total} ms in the front end, ${Math.round(chars / numRuns)} chars per input`,
    );
  }
  if (process.env.FUZZ_STATS === 'messages') {
    console.log([...messages].sort((a, b) => b[1] - a[1]).slice(0, 12));
    messages.clear();
  }
  return tally;
}

// ---- the corpus of real snippets ----------------------------------------------------

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolvePath(HERE, '..', '..', '..');

const BUILTIN_CORPUS = [
  'def run(plan, args):\n    svc = plan.add_service(name = "db", config = ServiceConfig(image = "postgres"))\n    return {"ip": svc.ip_address}\n',
  'load("assert.star", "assert")\nx = [i * i for i in range(10) if i % 2]\nassert.eq(len(x), 5)\n',
  'def f(a, b = 1, *args, c, d = 2, **kwargs):\n    return lambda y: a + y\n',
  'x = {"a": 1, "b": [1, 2, (3,)], "c": {k: v for k, v in {}.items()}}\ny = x["a"] if x else None\n',
  'def g():\n    for i in range(3):\n        if i == 1:\n            continue\n        elif i > 1:\n            break\n    else_ = "%s-%d" % ("a", 1)\n    return "{}".format(else_)\n',
  "s = '''multi\nline''' + r'\\d+' + \"\\x41\\u00e9\"\nn = 0x1F + 0o17 + 0b101 + 1.5e3 + .5\n",
  'def outer():\n    x = 1\n    def inner():\n        return x\n    return inner\nwhile_ = [1][0:1:1]\n',
  'a, (b, c) = 1, (2, 3)\n[d, e] = [4, 5]\na += 1\nb //= 2\nc <<= 1\n',
];

function snippetsOf(text: string, window = 30): string[] {
  const lines = text.split('\n');
  if (lines.length <= window + 10) return [text];
  const out: string[] = [];
  for (let i = 0; i < lines.length; i += window) out.push(lines.slice(i, i + window).join('\n'));
  return out;
}

function starFilesUnder(dir: string, depth = 4): string[] {
  if (depth < 0 || !existsSync(dir)) return [];
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) found.push(...starFilesUnder(p, depth - 1));
    else if (name.endsWith('.star')) found.push(p);
  }
  return found.sort();
}

function loadCorpus(): string[] {
  const corpus = [...BUILTIN_CORPUS];
  const root = findReferenceRoot();
  if (root) {
    for (const rel of ['syntax/testdata', 'resolve/testdata', 'starlark/testdata', 'starlarkstruct/testdata', 'starlarktest']) {
      for (const file of starFilesUnder(join(root, rel), 0)) {
        for (const chunk of readChunks(readFileSync(file, 'utf8'))) {
          const text = chunk.source.slice(chunk.startLine - 1);
          if (text.trim() !== '') corpus.push(...snippetsOf(text));
        }
      }
    }
  }
  for (const file of [...starFilesUnder(join(REPO, 'fixtures')), ...starFilesUnder(join(REPO, 'bench', 'workloads'))]) {
    corpus.push(...snippetsOf(readFileSync(file, 'utf8')));
  }
  return corpus;
}

// ---- mutations ----------------------------------------------------------------------

const TOKENS = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ':',
  ',',
  ';',
  '.',
  '=',
  '==',
  '+=',
  '**',
  '*',
  '//',
  '%',
  '<<',
  '>>=',
  '!=',
  '->',
  '@',
  '!',
  '?',
  '$',
  '`',
  '\\',
  '\\\n',
  '"',
  "'",
  '"""',
  "'''",
  'r"',
  'b"',
  '#',
  '\n',
  '\r\n',
  '\r',
  '\t',
  '    ',
  '  ',
  ' ',
  '\x00',
  '\x0c',
  '\ufeff',
  '\u2028',
  'é',
  '😀',
  '\ud800',
  'def',
  'lambda',
  'if',
  'elif',
  'else',
  'for',
  'in',
  'not in',
  'while',
  'break',
  'continue',
  'pass',
  'return',
  'load',
  'and',
  'or',
  'not',
  'None',
  'class',
  'import',
  'x',
  'set',
  'U',
  'M',
  '0',
  '0x',
  '0o8',
  '1e',
  '1.',
  '.5',
  '09',
  '1__0',
  '"\\q"',
  '"\\x4"',
  '"\\u12"',
  '"\\777"',
  'x if y else z',
  'f(*a, **k)',
  '[x for x in y]',
  ':\n    pass',
];

type Mutation =
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'duplicate'; at: number; len: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'indent'; line: number; prefix: string }
  | { kind: 'swapLines'; a: number; b: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 24 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ unit: 'binary', maxLength: 4 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), line: fc.nat(), prefix: fc.constantFrom(' ', '  ', '\t', '    ', '') }),
  fc.record({ kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
);

function applyMutation(src: string, m: Mutation): string {
  const at = (n: number): number => n % (src.length + 1);
  switch (m.kind) {
    case 'delete':
      return src.slice(0, at(m.at)) + src.slice(at(m.at) + m.len);
    case 'insert':
      return src.slice(0, at(m.at)) + m.text + src.slice(at(m.at));
    case 'duplicate': {
      const i = at(m.at);
      return src.slice(0, i + m.len) + src.slice(i, i + m.len) + src.slice(i + m.len);
    }
    case 'truncate':
      return src.slice(0, at(m.at));
    case 'indent': {
      const lines = src.split('\n');
      const i = m.line % lines.length;
      lines[i] = m.prefix + lines[i]!.trimStart();
      return lines.join('\n');
    }
    case 'swapLines': {
      const lines = src.split('\n');
      const a = m.a % lines.length;
      const b = m.b % lines.length;
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return lines.join('\n');
    }
  }
}

function mutated(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(base, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([src, ms]) => ms.reduce(applyMutation, src));
}

// ---- grammar-based generation -------------------------------------------------------

/** Names the generated prelude defines as globals. */
const GLOBALS = ['x', 'y', 'z', 'a', 'b', 'p', 'q', 'r', 'é'];
/** Names generated statements bind (assignment targets, loop variables). */
const BOUND = ['f', 'g', 'h', 'i', 'k', 'v', '_private', 'while_'];
const DEF_NAMES = ['fn1', 'fn2', 'fn3'];
const PRELUDE = `${GLOBALS.join(', ')} = ${GLOBALS.map((_, i) => i).join(', ')}`;
const LOCALS_PRELUDE = `${[...BOUND, ...DEF_NAMES].join(', ')} = ${[...BOUND, ...DEF_NAMES].map((_, i) => i).join(', ')}`;

const name = fc.oneof(
  { weight: 400, arbitrary: fc.constantFrom(...GLOBALS, ...BOUND, ...DEF_NAMES) },
  { weight: 100, arbitrary: fc.constantFrom('M', 'U', 'len', 'print', 'range', 'None', 'True', 'set', 'float', 'struct', 'json') },
  { weight: 1, arbitrary: fc.constant('undefined_name') },
);
const boundName = fc.constantFrom(...BOUND);

const literal = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: 0n, max: 1n << 80n }).map(String),
  fc.constantFrom('0x1F', '0o17', '0b101', '1.5', '1e10', '.5', '0', '"s"', "'s'", '"""t"""', "r'\\d'", '"\\n\\t\\x41\\u00e9"', '""', '1e300', '0.0'),
);

const binop = fc.constantFrom('+', '-', '*', '/', '//', '%', '&', '|', '^', '<<', '>>', '==', '!=', '<', '>', '<=', '>=', 'and', 'or', 'in', 'not in');

const targets = fc.oneof(
  { weight: 4, arbitrary: boundName },
  { weight: 1, arbitrary: fc.array(boundName, { minLength: 2, maxLength: 3 }).map((ns) => ns.join(', ')) },
  { weight: 1, arbitrary: fc.array(boundName, { minLength: 1, maxLength: 3 }).map((ns) => `(${ns.join(', ')})`) },
  { weight: 1, arbitrary: fc.array(boundName, { minLength: 1, maxLength: 2 }).map((ns) => `[${ns.join(', ')}]`) },
);

/**
 * Parameter lists: usually well-formed (required, optional, `*` or `*args` with
 * keyword-only parameters, `**kwargs`), sometimes shuffled so the resolver's checks of
 * parameter order and duplicates are exercised too.
 */
const params: fc.Arbitrary<string> = fc
  .tuple(
    fc.shuffledSubarray(['p', 'q', 'r', 's', 't', 'u', 'w']),
    fc.nat(2),
    fc.constantFrom('', '', '*', '*args'),
    fc.boolean(),
    fc.integer({ min: 0, max: 11 }),
    literal,
  )
  .map(([names, required, star, kwargs, chaos, dflt]) => {
    const ps: string[] = names.map((n, i) => (i < required ? n : `${n} = ${dflt}`));
    if (star !== '') ps.splice(Math.min(ps.length, required + 1), 0, star);
    if (star === '*' && ps[ps.length - 1] === '*') ps.push('kwonly');
    if (kwargs) ps.push('**kwargs');
    if (chaos === 0) ps.reverse();
    if (chaos === 1 && ps.length > 0) ps.push(ps[0]!);
    return ps.join(', ');
  });

/** Parenthesize a generated subexpression unless it is a single operand. */
function p(x: string): string {
  return /^([\p{L}_][\p{L}\p{N}_]*|"[^"\\]*"|'[^'\\]*')$/u.test(x) ? x : `(${x})`;
}

const ARG_RANK: Readonly<Record<string, number>> = { '**': 3, '*': 2, '=': 1 };
function argRank(a: string): number {
  return a.startsWith('**') ? ARG_RANK['**']! : a.startsWith('*') ? ARG_RANK['*']! : / = /.test(a) ? ARG_RANK['=']! : 0;
}

const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { maxDepth: 3, depthSize: 'small', withCrossShrink: true },
    name,
    literal,
    fc.tuple(tie('expr'), binop, tie('expr')).map(([x, op, y]) => `${p(x)} ${op} ${p(y)}`),
    fc.tuple(fc.constantFrom('-', '+', '~', 'not '), tie('expr')).map(([op, x]) => `${op}${p(x)}`),
    fc.tuple(tie('expr'), fc.array(callArg(tie('expr')), { maxLength: 4 }), fc.integer({ min: 0, max: 9 })).map(([f, args, chaos]) => {
      const ordered = chaos === 0 ? args : [...args].sort((a, b) => argRank(a) - argRank(b));
      return `${p(f)}(${ordered.join(', ')})`;
    }),
    fc.tuple(tie('expr'), name).map(([x, n]) => `${p(x)}.${n}`),
    fc.tuple(tie('expr'), tie('expr')).map(([x, i]) => `${p(x)}[${i}]`),
    fc
      .tuple(tie('expr'), fc.option(tie('expr')), fc.option(tie('expr')), fc.option(tie('expr')))
      .map(([x, lo, hi, st]) => `${p(x)}[${lo ?? ''}:${hi ?? ''}${st === null ? '' : ':' + st}]`),
    fc.array(tie('expr'), { maxLength: 4 }).map((xs) => `[${xs.join(', ')}]`),
    fc.array(tie('expr'), { maxLength: 4 }).map((xs) => (xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(', ')})`)),
    fc.array(fc.tuple(tie('expr'), tie('expr')), { maxLength: 3 }).map((kv) => `{${kv.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([a, c, b]) => `${p(a)} if ${p(c)} else ${p(b)}`),
    fc.tuple(params, tie('expr')).map(([ps, body]) => `lambda ${ps}: ${body}`),
    fc
      .tuple(fc.constantFrom('[', '{'), tie('expr'), tie('expr'), targets, tie('expr'), fc.array(clause(tie('expr')), { maxLength: 2 }))
      .map(([open, body, value, vars, iter, more]) => {
        const head = open === '{' ? `${p(body)}: ${p(value)}` : p(body);
        return `${open}${head} for ${vars} in ${p(iter)}${more.join('')}${open === '[' ? ']' : '}'}`;
      }),
  ),
}));

function callArg(e: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: e },
    { weight: 2, arbitrary: fc.tuple(name, e).map(([n, x]) => `${n} = ${x}`) },
    { weight: 1, arbitrary: e.map((x) => `*${p(x)}`) },
    { weight: 1, arbitrary: e.map((x) => `**${p(x)}`) },
  );
}

function clause(e: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(targets, e).map(([v, x]) => ` for ${v} in ${p(x)}`),
    e.map((c) => ` if ${p(c)}`),
  );
}

const INDENTS = ['    ', '  ', '\t'];

interface Ctx {
  readonly level: number;
  readonly inDef: boolean;
  readonly inLoop: boolean;
}

function simpleStmt(ctx: Ctx): fc.Arbitrary<string> {
  const stmts: fc.Arbitrary<string>[] = [
    fc.tuple(targets, expr).map(([t, x]) => `${t} = ${x}`),
    fc.tuple(boundName, fc.constantFrom('+=', '-=', '*=', '//=', '|=', '<<='), expr).map(([n, op, x]) => `${n} ${op} ${x}`),
    fc.tuple(expr, name).map(([x, n]) => `${p(x)}.${n} = 1`),
    fc.tuple(expr, expr).map(([x, i]) => `${p(x)}[${i}] = 1`),
    expr,
    fc.constant('pass'),
    fc.array(expr, { minLength: 2, maxLength: 3 }).map((xs) => xs.join('; ')),
  ];
  if (ctx.inDef) stmts.push(fc.option(expr).map((x) => (x === null ? 'return' : `return ${x}`)));
  if (ctx.inLoop) stmts.push(fc.constantFrom('break', 'continue'));
  if (ctx.level === 0) {
    const item = fc.oneof(
      fc.constantFrom(...BOUND).map((n) => `"${n}"`),
      fc.tuple(boundName, fc.constantFrom(...GLOBALS)).map(([to, from]) => `${to} = "${from}"`),
    );
    stmts.push(fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => `load("mod.star", ${items.join(', ')})`));
  }
  return fc.oneof(...stmts);
}

function block(ctx: Ctx, indent: string): fc.Arbitrary<string[]> {
  const simple = simpleStmt(ctx).map((s) => [s]);
  if (ctx.level >= 3) return fc.array(simple, { minLength: 1, maxLength: 3 }).map((ls) => ls.flat());
  const body = (inner: Partial<Ctx>): fc.Arbitrary<string[]> =>
    block({ ...ctx, ...inner, level: ctx.level + 1 }, indent).map((ls) => ls.map((l) => indent + l));
  const defName = fc.constantFrom(...DEF_NAMES);
  const compound = fc.oneof(
    fc.tuple(defName, params, body({ inDef: true, inLoop: false })).map(([n, ps, b]) => [`def ${n}(${ps}):`, ...b]),
    fc
      .tuple(expr, body({}), fc.option(fc.tuple(expr, body({}))), fc.option(body({})))
      .map(([c, t, elif, els]) => [`if ${c}:`, ...t, ...(elif ? [`elif ${elif[0]}:`, ...elif[1]] : []), ...(els ? ['else:', ...els] : [])]),
    fc.tuple(targets, expr, body({ inLoop: true })).map(([v, x, b]) => [`for ${v} in ${p(x)}:`, ...b]),
    fc.tuple(expr, body({ inLoop: true })).map(([c, b]) => [`while ${c}:`, ...b]),
    fc.tuple(defName, params, simpleStmt({ level: ctx.level + 1, inDef: true, inLoop: false })).map(([n, ps, st]) => [`def ${n}(${ps}): ${st}`]),
  );
  return fc.array(fc.oneof({ weight: 3, arbitrary: simple }, { weight: 2, arbitrary: compound }), { minLength: 1, maxLength: 4 }).map((ls) => ls.flat());
}

/**
 * A program: the prelude defining the global names, then generated statements either at
 * top level or (two times in three) in the body of `def main()` that first binds every name
 * statements may assign, so that most generated programs resolve without errors.
 */
const program: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...INDENTS),
    fc.boolean(),
    fc.constantFrom('\n', '\r\n'),
    fc.nat(2).map((n) => n > 0),
  )
  .chain(([indent, trailing, eol, wrapped]) => {
    const ctx = { level: wrapped ? 1 : 0, inDef: wrapped, inLoop: false };
    return block(ctx, indent).map((lines) => {
      const body = wrapped ? ['def main(p, q = 1):', indent + LOCALS_PRELUDE, ...lines.map((l) => indent + l), 'main(1)'] : lines;
      return [PRELUDE, ...body].join(eol) + (trailing ? eol : '');
    });
  });

// ---- the tests ----------------------------------------------------------------------

describe('starlark front end: fuzz', function () {
  this.timeout(120_000);
  let corpus: string[] = [];

  before(() => {
    corpus = loadCorpus();
  });

  it('accepts every corpus snippet or reports a positioned error', () => {
    assert.ok(corpus.length >= BUILTIN_CORPUS.length);
    for (const src of corpus) frontEnd(src, {});
  });

  it('survives mutated snippets of real Starlark (6000 inputs)', () => {
    fuzz(mutated(fc.constantFrom(...corpus)), runs(6000));
  });

  it('survives grammar-generated programs (2000 inputs)', () => {
    const tally = fuzz(program, runs(2000));
    assert.ok(tally.ok >= tally['syntax error'], `the generator should mostly produce valid programs: ${JSON.stringify(tally)}`);
  });

  it('survives mutated generated programs (1500 inputs)', () => {
    fuzz(mutated(program), runs(1500));
  });

  it('parseExpr survives generated and mutated expressions (1000 inputs)', () => {
    const tally = fuzz(fc.oneof(expr, mutated(expr)), runs(1000), expressionFrontEnd);
    assert.ok(tally.ok > 0, `no generated expression parsed: ${JSON.stringify(tally)}`);
  });

  it('survives arbitrary text (1000 inputs)', () => {
    fuzz(fc.string({ unit: 'binary', maxLength: 200 }), runs(1000));
  });

  it('survives deep nesting and degenerate inputs', () => {
    const deep = 100;
    const cases = [
      '',
      '\n',
      '\\',
      '\\\n',
      '"',
      '"""',
      '\t\t\tx',
      ' x',
      'x\n  y',
      '\r\r\r',
      '\ufeffx = 1',
      'x = 1 # comment \\',
      '('.repeat(deep) + ')'.repeat(deep),
      '['.repeat(deep) + ']'.repeat(deep),
      'x = ' + '('.repeat(deep),
      'x = ' + '-'.repeat(deep) + '1',
      'x = ' + 'not '.repeat(deep) + 'y',
      'x = ' + 'lambda: '.repeat(deep) + '1',
      'x = 1' + ' if y else 2'.repeat(deep),
      'x = y' + '.a'.repeat(deep) + '[0]'.repeat(deep) + '()'.repeat(deep),
      'x = ' + Array.from({ length: deep }, (_, i) => `f${i}(`).join('') + ')'.repeat(deep),
      Array.from({ length: deep }, (_, i) => ' '.repeat(i) + `if x${i}:`).join('\n') + '\n' + ' '.repeat(deep) + 'pass\n',
      Array.from({ length: 40 }, (_, i) => ' '.repeat(i) + `def f${i}(a${i}):`).join('\n') + '\n' + ' '.repeat(40) + 'return a0\n',
      'x = ' + '1 + '.repeat(5000) + '1',
      'x = [' + '1, '.repeat(5000) + ']',
    ];
    for (const src of cases) {
      for (const options of [{}, { while: true, recursion: true, set: true, globalReassign: true }]) {
        frontEnd(src, options);
      }
    }
  });
});
