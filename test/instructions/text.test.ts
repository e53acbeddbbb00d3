// lib/instructions/text.ts prints runtime values as the interpreter's str() does, without
// loading the interpreter (apply substitutes future references with it). These tests hold
// it to lib/starlark's own float formatting and string quoting, on chosen cases and on
// random values, so the two cannot drift apart.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { floatText, quoteText } from '../../lib/instructions/text.js';
import { strText } from '../../lib/instructions/index.js';
import { formatFloat, fromUtf8, quote, toUnicode } from '../../lib/starlark/index.js';

const starlarkQuote = (s: string): string => toUnicode(quote(fromUtf8(s)));

describe('instructions/text', () => {
  it('prints floats as Starlark does (shortest form, a point or an exponent always)', () => {
    const cases: [number, string][] = [
      [0.5, '0.5'],
      [-2.25, '-2.25'],
      [1e6, '1e+06'],
      [123456.5, '123456.5'],
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [1.5e300, '1.5e+300'],
      [Number.NaN, 'nan'],
      [Number.POSITIVE_INFINITY, '+inf'],
      [-0, '-0.0'],
    ];
    for (const [f, text] of cases) assert.equal(floatText(f), text, String(f));
  });

  it('agrees with lib/starlark on any double', () => {
    fc.assert(
      fc.property(fc.double(), (f) => floatText(f) === formatFloat(f)),
      { numRuns: 5000 },
    );
  });

  it('quotes strings as Starlark does: escapes, printable non-ASCII kept, others as \\u', () => {
    const cases = ['plain', 'a"b\\c', 'tab\there\n', '\x00\x7f', 'héllo €', '\u200b', '\u{1f600}', '\u{e0001}', '\ud800x'];
    for (const s of cases) assert.equal(quoteText(s), starlarkQuote(s), JSON.stringify(s));
  });

  it('agrees with lib/starlark on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => quoteText(s) === starlarkQuote(s)),
      { numRuns: 5000 },
    );
  });

  it('prints nested values with repr inside (lists and dicts quote their strings)', () => {
    assert.equal(strText({ a: [1, 'x', true, null, 0.5] }), '{"a": [1, "x", True, None, 0.5]}');
    assert.equal(strText('verbatim "text"'), 'verbatim "text"');
  });
});
