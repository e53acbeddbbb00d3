// Fuzz test of the template engine: whatever template text and JSON data it is given, it
// must either produce output or throw a TemplateError of the right phase whose message has
// Go's `template: NAME:` prefix — never another exception, never a hang. Inputs come from a
// token soup (mostly broken templates, exercising the lexer and parser error paths), from a
// template grammar (mostly valid, exercising evaluation), and from arbitrary Unicode text.
// Execution must also be deterministic. The seed is fixed; set FUZZ_SEED to explore others
// and FUZZ_SCALE to run more (or fewer) cases. Conformance of the results with Go itself is
// checked by golden.test.ts (whose fuzz/ and pf/ cases came from the same kind of inputs,
// rendered by Go).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TemplateError, parseTemplate } from '../../lib/template/index.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 20240611;
const SCALE = process.env.FUZZ_SCALE !== undefined ? Number(process.env.FUZZ_SCALE) : 1;
const runs = (n: number): number => Math.max(1, Math.round(n * SCALE));

type Outcome = { ok: string } | { err: string; phase: string };

/** Parses and executes; fails the property on anything but output or a proper TemplateError. */
function outcome(text: string, data: unknown): Outcome {
  let t;
  try {
    t = parseTemplate('t', text);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw new Error(`parse threw ${String(e)} for ${JSON.stringify(text)}`);
    assert.equal(e.phase, 'parse');
    assert.ok(e.message.startsWith('template: t:'), e.message);
    return { err: e.message, phase: 'parse' };
  }
  try {
    return { ok: t.execute(data) };
  } catch (e) {
    if (!(e instanceof TemplateError)) throw new Error(`execute threw ${String(e)} for ${JSON.stringify(text)}`);
    assert.equal(e.phase, 'exec');
    assert.ok(e.message.startsWith('template: t'), e.message);
    return { err: e.message, phase: 'exec' };
  }
}

const TOKENS = [
  '{{',
  '}}',
  '{{',
  '}}',
  '{{',
  '}}',
  '{{- ',
  ' -}}',
  '{{/*',
  '*/}}',
  ' ',
  ' ',
  '\n',
  '.',
  '.a',
  '.b.c',
  '.Int64',
  '$',
  '$x',
  '$y',
  ' := ',
  ' = ',
  ' | ',
  '(',
  ')',
  ',',
  '"s"',
  '"%d %s"',
  '`r`',
  "'c'",
  '1',
  '-1',
  '1.5',
  '1e3',
  '0x1p2',
  '2i',
  '1+2i',
  'if ',
  'else ',
  'end',
  'range ',
  'with ',
  'define ',
  'template ',
  'block ',
  'break',
  'continue',
  'nil',
  'true',
  'and ',
  'or ',
  'not ',
  'len ',
  'index ',
  'slice ',
  'print ',
  'printf ',
  'println ',
  'eq ',
  'ne ',
  'lt ',
  'ge ',
  'html ',
  'js ',
  'urlquery ',
  'call ',
  '"T"',
  'é',
  'x',
  '%',
  '{',
  '}',
  '-',
  ':',
  '=',
  '"',
  '`',
  "'",
  '\\',
];

const soup = fc.array(fc.constantFrom(...TOKENS), { minLength: 3, maxLength: 40 }).map((ts) => ts.join(''));

const FIELDS = ['a', 'b', 's', 'n', 'l', 'm', 'x', 'Int64'];
const LITERALS = ['1', '0', '-2', '1.5', '"x"', '""', '"%v|%d"', "'a'", 'true', 'false', 'nil', '0x10', '2i', '`r`'];
const FUNCS = ['and', 'or', 'not', 'len', 'index', 'slice', 'print', 'printf', 'println', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'html', 'js', 'urlquery'];

/** Templates from the grammar: actions, pipelines, control structures, definitions. */
const grammar = fc.letrec((tie) => ({
  operand: fc.oneof(
    fc.array(fc.constantFrom(...FIELDS), { minLength: 1, maxLength: 3 }).map((fs) => '.' + fs.join('.')),
    fc.constantFrom('.', '$', ...LITERALS),
    tie('pipeline').map((p) => `(${p as string})`),
  ),
  command: fc.oneof(
    tie('operand'),
    fc.tuple(fc.constantFrom(...FUNCS), fc.array(tie('operand'), { maxLength: 3 })).map(([f, args]) => [f, ...(args as string[])].join(' ')),
  ),
  call: fc.tuple(fc.constantFrom(...FUNCS), fc.array(tie('operand'), { maxLength: 2 })).map(([f, args]) => [f, ...(args as string[])].join(' ')),
  pipeline: fc.tuple(tie('command'), fc.array(tie('call'), { maxLength: 2 })).map(([c, rest]) => [c as string, ...(rest as string[])].join(' | ')),
  item: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('text ', '\n', 'é', '  ') },
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom('{{', '{{- '), tie('pipeline'), fc.constantFrom('}}', ' -}}')).map(([l, p, r]) => `${l}${p as string}${r}`),
    },
    { weight: 1, arbitrary: tie('pipeline').map((p) => `{{$v := ${p as string}}}{{$v}}`) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('if', 'with'), tie('pipeline'), tie('list'), fc.option(tie('list')))
        .map(([k, p, l, e]) => `{{${k} ${p as string}}}${l as string}${e === null ? '' : `{{else}}${e as string}`}{{end}}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(tie('pipeline'), tie('list'), fc.option(tie('list')), fc.boolean())
        .map(([p, l, e, vars]) => `{{range ${vars ? '$i, $e := ' : ''}${p as string}}}${l as string}` + `${e === null ? '' : `{{else}}${e as string}`}{{end}}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{{range .l}}{{if .}}{{break}}{{end}}{{.}}{{end}}',
        '{{range $k, $v := .m}}{{if $k}}{{continue}}{{end}}{{$v}}{{end}}',
        '{{/* comment */}}',
      ),
    },
    { weight: 1, arbitrary: tie('pipeline').map((p) => `{{template "T" ${p as string}}}`) },
  ),
  list: fc.array(tie('item'), { maxLength: 4 }).map((items) => (items as string[]).join('')),
}));

const grammarTemplate = fc
  .tuple(grammar.list, fc.option(grammar.list))
  .map(([body, def]) => (def === null ? '' : `{{define "T"}}${def as string}{{end}}`) + (body as string));

const data = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant({ a: 1, b: { c: 'x' }, s: 'héllo', n: 42, l: [1, 'two', null, true], m: { k: 'v', z: null }, x: null }),
);

describe('template: fuzz (never anything but output or a TemplateError)', () => {
  it('token soup', () => {
    fc.assert(
      fc.property(soup, data, (text, d) => {
        outcome(text, d);
      }),
      { seed: SEED, numRuns: runs(3000) },
    );
  });

  it('grammar-generated templates, deterministic results', () => {
    fc.assert(
      fc.property(grammarTemplate, data, (text, d) => {
        assert.deepEqual(outcome(text, d), outcome(text, d));
      }),
      { seed: SEED, numRuns: runs(2000) },
    );
  });

  it('arbitrary Unicode text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), data, (text, d) => {
        outcome(text, d);
      }),
      { seed: SEED, numRuns: runs(1000) },
    );
  });

  it('text without actions renders as itself', () => {
    const plain = fc.string({ unit: 'grapheme', maxLength: 60 }).filter((s) => !s.includes('{{'));
    fc.assert(
      fc.property(plain, data, (text, d) => {
        assert.deepEqual(outcome(text, d), { ok: text });
      }),
      { seed: SEED, numRuns: runs(500) },
    );
  });
});
