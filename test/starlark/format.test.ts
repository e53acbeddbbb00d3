// Tests of string formatting: `%` interpolation, str.format, and Go-compatible float
// formatting (%e %f %g with round-half-even on the exact binary value). Expected strings
// are the reference implementation's output.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatExp, formatFixed, formatFloatConv, formatString, interpolate, roundSignificant } from '../../lib/starlark/format.js';
import { Dict, Float, List, fromUtf8, type Value } from '../../lib/starlark/values.js';
import { fails } from './helpers.js';

const u = fromUtf8;

function dict(...kv: Value[]): Dict {
  const d = new Dict();
  for (let i = 0; i < kv.length; i += 2) d.set(kv[i], kv[i + 1]);
  return d;
}
const F = (x: number) => new Float(x);

describe('% interpolation', () => {
  it('substitutes tuples, single values and mappings', () => {
    assert.equal(interpolate('A %d %x Z', [123, 456]), 'A 123 1c8 Z');
    assert.equal(interpolate('A %(foo)d %(bar)s Z', dict('foo', 123, 'bar', 'hi')), 'A 123 hi Z');
    assert.equal(interpolate('%s %r', ['hi', 'hi']), 'hi "hi"');
    assert.equal(interpolate('%%d %d', 1), '%d 1');
    assert.equal(interpolate('%s', new List([1])), '[1]');
    assert.equal(interpolate('%s', [[1, 2]]), '(1, 2)');
    assert.equal(interpolate('%(a)%', dict('a', 1)), '%');
    assert.equal(interpolate('no conversions', []), 'no conversions');
  });

  it('reports the reference errors', () => {
    fails(() => interpolate('%d %d', 1), 'not enough arguments for format string');
    fails(() => interpolate('%d %d', [1, 2, 3]), 'too many arguments for format string');
    fails(() => interpolate('', 1), 'too many arguments for format string');
    fails(() => interpolate('%', 1), 'incomplete format');
    fails(() => interpolate('%z', 1), 'unknown conversion %z');
    fails(() => interpolate(u('%é'), 1), u('unknown conversion %Ã'));
    fails(() => interpolate('%(a', 1), 'incomplete format key');
    fails(() => interpolate('%(a)s', [1]), 'format requires a mapping');
    fails(() => interpolate('%(b)s', dict('a', 1)), 'key not found: b');
    fails(() => interpolate('%(a)s %s', dict('a', 1)), 'not enough arguments for format string');
  });

  it('formats ints: %d %i %o %x %X', () => {
    assert.equal(interpolate('%d %i %o %x %X', [255, -255, 8, -255, 255]), '255 -255 10 -ff FF');
    assert.equal(interpolate('%d', 2n ** 70n), '1180591620717411303424');
    assert.equal(interpolate('%x', 2n ** 70n), '400000000000000000');
    assert.equal(interpolate('%d', F(123.9)), '123');
    assert.equal(interpolate('%d', F(-0)), '0');
    assert.equal(interpolate('%d', F(1.23e45)), '1229999999999999973814869011019624571608236032');
    assert.equal(interpolate('%x', F(1.5)), '1');
    fails(() => interpolate('%d', F(NaN)), '%d format requires integer: cannot convert float NaN to integer');
    fails(() => interpolate('%d', F(Infinity)), '%d format requires integer: cannot convert float infinity to integer');
    fails(() => interpolate('%d', true), '%d format requires integer: cannot convert bool to int');
    fails(() => interpolate('%x', 'a'), '%x format requires integer: cannot convert string to int');
  });

  it('formats %c', () => {
    assert.equal(interpolate('%c', 65), 'A');
    assert.equal(interpolate('%c', 0x3b1), u('α'));
    assert.equal(interpolate('%c', 'A'), 'A');
    assert.equal(interpolate('%c', u('α')), u('α'));
    assert.equal(interpolate('%c', 0xd800), u('\ufffd'));
    assert.equal(interpolate('%c', '\xff'), u('\ufffd'));
    fails(() => interpolate('%c', 'abc'), '%c format requires a single-character string');
    fails(() => interpolate('%c', ''), '%c format requires a single-character string');
    fails(() => interpolate('%c', F(65)), '%c format requires int or single-character string, not float');
    fails(() => interpolate('%c', 10000000), '%c format requires a valid Unicode code point, got 10000000');
    fails(() => interpolate('%c', -1), '%c format requires a valid Unicode code point, got -1');
  });

  it('formats floats as Go does', () => {
    const cases: [string, Value, string][] = [
      ['%e', 0, '0.000000e+00'],
      ['%e', 123, '1.230000e+02'],
      ['%e', F(1.23e45), '1.230000e+45'],
      ['%e', F(-1.23e-45), '-1.230000e-45'],
      ['%e', F(-0), '-0.000000e+00'],
      ['%E', F(1.5), '1.500000E+00'],
      ['%e', F(1234568.5), '1.234568e+06'],
      ['%e', F(1234567.5), '1.234568e+06'],
      ['%e', F(5e-324), '4.940656e-324'],
      ['%e', F(1e300), '1.000000e+300'],
      ['%f', 0, '0.000000'],
      ['%f', 123, '123.000000'],
      ['%f', F(1.23e45), '1229999999999999973814869011019624571608236032.000000'],
      ['%f', F(-1.23e-45), '-0.000000'],
      ['%f', F(-0), '-0.000000'],
      ['%f', F(0.0078125), '0.007812'],
      ['%f', F(0.0234375), '0.023438'],
      ['%f', F(2.5), '2.500000'],
      ['%F', F(2.5), '%F'],
      ['%g', 0, '0.0'],
      ['%g', 123, '123.0'],
      ['%g', F(1.11), '1.11'],
      ['%g', F(1e5), '100000.0'],
      ['%g', F(1e6), '1e+06'],
      ['%g', F(1.23e45), '1.23e+45'],
      ['%g', F(-0), '-0.0'],
      ['%G', F(1e6), '1E+06'],
      ['%G', F(1.5), '1.5'],
      ['%G', 3, '3.0'],
      ['%e', F(NaN), 'nan'],
      ['%f', F(Infinity), '+inf'],
      ['%G', F(-Infinity), '-inf'],
    ];
    for (const [fmt, x, want] of cases) assert.equal(interpolate(fmt, x), want, `${fmt} % ${String(x instanceof Float ? x.v : x)}`);
    fails(() => interpolate('%e', '123'), '%e format requires float, not string');
    fails(() => interpolate('%g', null), '%g format requires float, not NoneType');
  });
});

describe('float formatting helpers', () => {
  it('round half to even on exact ties only', () => {
    assert.equal(formatExp(0.125, 1), '1.2e-01');
    assert.equal(formatExp(0.375, 1), '3.8e-01');
    assert.equal(formatExp(2.5, 0), '2e+00');
    assert.equal(formatExp(3.5, 0), '4e+00');
    assert.equal(formatExp(0.15, 0), '1e-01');
    assert.equal(formatFixed(0.5, 0), '0');
    assert.equal(formatFixed(1.5, 0), '2');
    assert.equal(formatFixed(2.675, 2), '2.67');
    assert.equal(formatFixed(1e22, 2), '10000000000000000000000.00');
    assert.equal(formatFixed(0.1, 25), '0.1000000000000000055511151');
    assert.deepEqual(roundSignificant(9.9999996, 7), { digits: '1000000', exp: 1 });
    assert.equal(formatFloatConv(1.5, 'x'), '%x');
  });

  it('agree with an exact BigInt reference on random doubles', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: 1e-300, max: 1e300 }), fc.integer({ min: 0, max: 17 }), (x, p) => {
        const want = exactRound(Math.abs(x), p + 1);
        const got = formatExp(Math.abs(x), p);
        assert.equal(got, want);
      }),
      { numRuns: 2000 },
    );
  });

  it('agree with the exact reference on dyadic rationals (where ties live)', () => {
    const dyadic = fc.tuple(fc.integer({ min: 1, max: 2 ** 30 }), fc.integer({ min: 0, max: 40 })).map(([k, j]) => k / 2 ** j);
    fc.assert(
      fc.property(dyadic, fc.integer({ min: 0, max: 12 }), (x, p) => {
        assert.equal(formatExp(x, p), exactRound(x, p + 1));
        assert.equal(formatFixed(x, p), exactFixed(x, p));
      }),
      { numRuns: 3000 },
    );
  });

  it('agree with the exact reference for %f on random doubles', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e25, max: 1e25 }), fc.integer({ min: 0, max: 25 }), (x, p) => {
        assert.equal(formatFixed(x, p), exactFixed(x, p));
      }),
      { numRuns: 2000 },
    );
  });
});

/** The exact rational value of a finite double, as numerator / denominator. */
function rational(a: number): [bigint, bigint] {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(a));
  const bits = buf.getBigUint64(0);
  const be = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2 = -1074;
  if (be !== 0) {
    mant |= 1n << 52n;
    e2 = be - 1075;
  }
  return e2 >= 0 ? [mant << BigInt(e2), 1n] : [mant, 1n << BigInt(-e2)];
}

/** %.{prec}f by exact arithmetic, ties to even. */
function exactFixed(x: number, prec: number): string {
  const [num, den] = rational(x);
  const n = num * 10n ** BigInt(prec);
  let q = n / den;
  const r2 = (n % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) q++;
  const s = q.toString().padStart(prec + 1, '0');
  const body = prec > 0 ? `${s.slice(0, s.length - prec)}.${s.slice(s.length - prec)}` : s;
  return (x < 0 || Object.is(x, -0) ? '-' : '') + body;
}

/** %.{p-1}e of a > 0 by exact rational arithmetic, ties to even (the definition Go follows). */
function exactRound(a: number, p: number): string {
  const [num, den] = rational(a);
  let exp = num.toString().length - den.toString().length;
  const pow = (k: number) => 10n ** BigInt(Math.abs(k));
  const scaledCmp = (e: number) => (e >= 0 ? num >= den * pow(e) : num * pow(e) >= den);
  while (!scaledCmp(exp)) exp--;
  while (scaledCmp(exp + 1)) exp++;
  const shift = p - 1 - exp;
  const n = shift >= 0 ? num * pow(shift) : num;
  const d = shift >= 0 ? den : den * pow(shift);
  let q = n / d;
  const r2 = (n % d) * 2n;
  if (r2 > d || (r2 === d && q % 2n === 1n)) q++;
  let digits = q.toString();
  if (digits.length > p) {
    digits = digits.slice(0, p);
    exp++;
  }
  const mantS = p > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const ae = Math.abs(exp);
  return `${mantS}e${exp < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
}

describe('str.format', () => {
  const f = (s: string, args: Value[] = [], kwargs: Value[] | null = null) => formatString(s, args, kwargs);
  it('fills fields', () => {
    assert.equal(f('a{}b', [123]), 'a123b');
    assert.equal(f('a{}b{}c{}d{}', [1, 2, 3, 4]), 'a1b2c3d4');
    assert.equal(f('a{{b'), 'a{b');
    assert.equal(f('a}}b'), 'a}b');
    assert.equal(f('a{{b}}c'), 'a{b}c');
    assert.equal(f('a{x}b{y}c{}', [1], ['x', 2, 'y', 3]), 'a2b3c1');
    assert.equal(f('{0000000000001}', [0, 1]), '1');
    assert.equal(
      f(
        '{012}',
        Array.from({ length: 20 }, (_, i) => i),
      ),
      '12',
    );
    assert.equal(f('a{!s}c', ['b']), 'abc');
    assert.equal(f('a{!r}c', ['b']), 'a"b"c');
    assert.equal(f('a{x!r}c', [], ['x', 'b']), 'a"b"c');
    assert.equal(f('{}', [new List(['a'])]), '["a"]');
    assert.equal(f(u('é{}é'), [u('ü')]), u('éüé'));
  });

  it('reports the reference errors', () => {
    fails(() => f('a{z}b', [], ['x', 1]), 'format: keyword z not found');
    fails(() => f('{-1}', [1]), 'format: keyword -1 not found');
    fails(() => f('{+0}', [1]), 'format: keyword +0 not found');
    fails(() => f('{99999999999999999999}'), 'format: keyword 99999999999999999999 not found');
    fails(() => f('{0,1} and {1}', [1, 2]), 'format: keyword 0,1 not found');
    fails(() => f('a{123}b'), 'format: tuple index out of range');
    fails(() => f('a{}b{}c', [1]), 'format: tuple index out of range');
    fails(() => f('a{}b{1}c', [1, 2]), 'format: cannot switch from automatic field numbering to manual field specification');
    fails(() => f('a{1}b{}c', [1, 2]), 'format: cannot switch from manual field specification to automatic field numbering');
    fails(() => f('{x!}', [], ['x', 1]), 'format: unknown conversion ""');
    fails(() => f('{x!:}', [], ['x', 1]), 'format: unknown conversion ""');
    fails(() => f('{!x}', [1]), 'format: unknown conversion "x"');
    fails(() => f('{:d}', [1]), 'format spec features not supported in replacement fields: d');
    fails(() => f('{a.b}', [1]), 'format: attribute syntax x.y is not supported in replacement fields: a.b');
    fails(() => f('{a[0]}', [1]), 'format: element syntax a[i] is not supported in replacement fields: a[0]');
    fails(() => f('{ {} }', [1]), 'format: nested replacement fields not supported');
    fails(() => f('{{}', [1]), "format: single '}' in format");
    fails(() => f('{}}', [1]), "format: single '}' in format");
    fails(() => f('}}{', [1]), "format: unmatched '{' in format");
    fails(() => f('}{{', [1]), "format: single '}' in format");
  });
});
