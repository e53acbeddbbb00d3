// Tests of the universal built-ins, called through the values API. Expected values and
// error messages are those of the reference implementation (checked against
// go.starlark.net; `abs` against the newer reference, which added it).
import assert from 'node:assert/strict';
import { builtinFunctions, javaStringHash, parseGoFloat, sortValues, universe, updateDict } from '../../lib/starlark/builtins.js';
import { Struct } from '../../lib/starlark/struct.js';
import { Builtin, Dict, Float, List, Range, StarSet, Thread, call, equals, fromUtf8, repr, type KwArgs, type Value } from '../../lib/starlark/values.js';
import { fails } from './helpers.js';

const printed: string[] = [];
const thread = new Thread();
thread.print = (_t, msg) => printed.push(msg);

function fn(name: string): Builtin {
  const b = builtinFunctions.get(name);
  assert.ok(b, name);
  return b;
}
function b(name: string, ...args: Value[]): Value {
  return call(thread, fn(name), args);
}
function bkw(name: string, args: Value[], kwargs: KwArgs): Value {
  return call(thread, fn(name), args, kwargs);
}
/** repr of a call's result, for compact expectations. */
function r(name: string, ...args: Value[]): string {
  return repr(b(name, ...args));
}
const list = (...xs: Value[]): List => new List(xs);
function dict(...pairs: [Value, Value][]): Dict {
  const d = new Dict();
  for (const [k, v] of pairs) d.set(k, v);
  return d;
}

describe('universe', () => {
  it('holds the constants and functions, with set only when allowed', () => {
    const u = universe();
    assert.equal(u.get('None'), null);
    assert.equal(u.get('True'), true);
    assert.equal(u.get('False'), false);
    assert.ok(!u.has('set'));
    assert.ok(universe({ set: true }).get('set') instanceof Builtin);
    for (const name of ['abs', 'len', 'sorted', 'zip', 'print', 'fail']) assert.ok(u.get(name) instanceof Builtin, name);
    assert.equal(repr(u.get('len') as Value), '<built-in function len>');
  });
});

describe('numbers: abs, bool, int, float', () => {
  it('abs', () => {
    assert.equal(b('abs', -3), 3);
    assert.equal(b('abs', -(2n ** 70n)), 2n ** 70n);
    assert.equal(r('abs', new Float(-0.5)), '0.5');
    fails(() => b('abs', 'x'), 'got string, want int or float');
  });
  it('bool', () => {
    assert.equal(b('bool'), false);
    assert.equal(b('bool', list(1)), true);
    assert.equal(b('bool', new Float(0)), false);
    fails(() => b('bool', 1, 2), 'bool: got 2 arguments, want at most 1');
  });
  it('int from numbers', () => {
    assert.equal(b('int', new Float(-3.9)), -3);
    assert.equal(b('int', true), 1);
    assert.equal(b('int', new Float(1e20)), 100000000000000000000n);
    fails(() => b('int'), 'int: missing argument for x');
    fails(() => b('int', null), 'int: cannot convert NoneType to int');
    fails(() => b('int', new Float(NaN)), 'int: cannot convert float NaN to integer');
    fails(() => b('int', new Float(-Infinity)), 'int: cannot convert float infinity to integer');
    fails(() => b('int', 3, 10), "int: can't convert non-string with explicit base");
  });
  it('int from strings, with the reference rules for bases and prefixes', () => {
    const ok: [string, number, Value][] = [
      ['123', 10, 123],
      ['-0123', 10, -123],
      ['0x1F', 16, 31],
      ['0b101', 0, 5],
      ['-0o17', 0, -15],
      ['00', 0, 0],
      ['z', 36, 35],
      ['123456789012345678901234567890', 10, 123456789012345678901234567890n],
      ['-0', 8, 0],
    ];
    for (const [s, base, want] of ok) assert.equal(b('int', s, base), want, `int(${s}, ${base})`);
    assert.equal(bkw('int', [], ['x', '17', 'base', 8]), 15);
    const bad: [string, number, string][] = [
      ['0x12', 10, 'int: invalid literal with base 10: 0x12'],
      ['0123', 0, 'int: invalid literal with base 0: 0123'],
      ['0o123', 16, 'int: invalid literal with base 16: 0o123'],
      ['', 10, 'int: invalid literal with base 10: '],
      ['1_000', 10, 'int: invalid literal with base 10: 1_000'],
      ['--4', 10, 'int: invalid literal with base 10: --4'],
      ['0x-4', 16, 'int: invalid literal with base 16: 0x-4'],
    ];
    for (const [s, base, msg] of bad) fails(() => b('int', s, base), msg);
    fails(() => b('int', '12', 1), 'int: base must be an integer >= 2 && <= 36');
    fails(() => b('int', '12', 37), 'int: base must be an integer >= 2 && <= 36');
  });
  it('float', () => {
    assert.equal(r('float'), '0.0');
    assert.equal(r('float', 3), '3.0');
    assert.equal(r('float', '1_000.5'), '1000.5');
    assert.equal(r('float', '0x1p4'), '16.0');
    assert.equal(r('float', '-INFINITY'), '-inf');
    assert.equal(r('float', '1e-400'), '0.0');
    assert.equal(r('float', 2n ** 53n + 1n), '9.007199254740992e+15');
    fails(() => b('float', '1e400'), 'floating-point number too large');
    fails(() => b('float', ' 1'), 'invalid float literal:  1');
    fails(() => b('float', '0x10'), 'invalid float literal: 0x10');
    fails(() => b('float', ''), 'float: empty string');
    fails(() => b('float', null), 'float got NoneType, want number or string');
    fails(() => b('float', 1, 2), 'float got 2 arguments, wants 1');
    fails(() => b('float', 2n ** 1100n), 'int too large to convert to float');
  });
  it('parses floats as Go does', () => {
    assert.equal(parseGoFloat('1.'), 1);
    assert.equal(parseGoFloat('.5e1'), 5);
    assert.equal(parseGoFloat('1__0'), 'syntax');
    assert.equal(parseGoFloat('_1'), 'syntax');
    assert.equal(parseGoFloat('1e'), 'syntax');
    assert.equal(parseGoFloat('0x1.8p1'), 3);
    assert.equal(parseGoFloat('1e309'), 'range');
  });
});

describe('strings: chr, ord, hash, str, repr, type', () => {
  it('chr and ord', () => {
    assert.equal(b('chr', 65), 'A');
    assert.equal(b('chr', 0x1f63f), fromUtf8('😿'));
    assert.equal(b('chr', 0xd800), '\xef\xbf\xbd');
    fails(() => b('chr', -1), 'chr: Unicode code point -1 out of range (<0)');
    fails(() => b('chr', 0x110000), 'chr: Unicode code point U+110000 out of range (>0x10FFFF)');
    fails(() => b('chr', 'a'), 'chr: got string, want int');
    fails(() => b('chr', 2 ** 40), 'chr: 1099511627776 out of range');
    fails(() => bkw('chr', [], ['x', 1]), 'chr does not accept keyword arguments');
    assert.equal(b('ord', fromUtf8('😿')), 0x1f63f);
    assert.equal(b('ord', '\xff'), 0xfffd);
    fails(() => b('ord', 'ab'), 'ord: string encodes 2 Unicode code points, want 1');
    fails(() => b('ord', fromUtf8('😿').slice(1)), 'ord: string encodes 3 Unicode code points, want 1');
    fails(() => b('ord', 1), 'ord: got int, want string');
  });
  it('hash is deterministic, as the reference computes it', () => {
    assert.equal(b('hash', ''), 0);
    assert.equal(b('hash', 'hello world'), 1794106052);
    assert.equal(javaStringHash(fromUtf8('😿')), 128575);
    assert.equal(javaStringHash('\xff\xfe'), 2097056);
    assert.equal(javaStringHash(fromUtf8('日本語')), 25921943);
    fails(() => b('hash', 1), 'hash: for parameter 1: got int, want string');
  });
  it('str, repr, type', () => {
    assert.equal(b('str', 'x'), 'x');
    assert.equal(b('str', list(1, 'a')), '[1, "a"]');
    assert.equal(b('repr', 'x'), '"x"');
    assert.equal(b('type', new Float(1)), 'float');
    assert.equal(b('type', fn('len')), 'builtin_function_or_method');
    fails(() => b('str'), 'str: got 0 arguments, want exactly 1');
    fails(() => b('type', 1, 2), 'type: got 2 arguments, want exactly 1');
    fails(() => bkw('str', [], ['x', 1]), 'str does not accept keyword arguments');
  });
});

describe('collections: dict, list, tuple, set, len, reversed, enumerate, zip, range', () => {
  it('dict', () => {
    assert.equal(repr(bkw('dict', [list([1, 2], list(3, 4))], ['a', 5])), '{1: 2, 3: 4, "a": 5}');
    assert.equal(repr(b('dict', dict([1, 2]))), '{1: 2}');
    fails(() => b('dict', 1), 'dict: got int, want iterable');
    fails(() => b('dict', list(1)), 'dict: dictionary update sequence element #0 is not iterable (int)');
    fails(() => b('dict', list([1, 2, 3])), 'dict: dictionary update sequence element #0 has length 3, want 2');
    fails(() => b('dict', list([list(), 1])), 'dict: unhashable type: list');
    fails(() => b('dict', dict(), dict()), 'dict: got 2 arguments, want at most 1');
  });
  it('updateDict reports unprefixed errors (for dict.update)', () => {
    const d = new Dict();
    updateDict(d, [], ['a', 1]);
    assert.equal(repr(d), '{"a": 1}');
    d.freeze();
    fails(() => updateDict(d, [], ['b', 1]), 'cannot insert into frozen hash table');
  });
  it('list, tuple, set, len, reversed', () => {
    assert.equal(r('list', dict([1, 2])), '[1]');
    assert.equal(r('tuple', new Range(0, 2, 1)), '(0, 1)');
    assert.equal(r('tuple'), '()');
    assert.equal(r('set', list(1, 2, 1)), 'set([1, 2])');
    assert.equal(b('len', fromUtf8('héllo')), 6);
    assert.equal(r('reversed', list(1, 2, 3)), '[3, 2, 1]');
    fails(() => b('list', 'abc'), 'list: for parameter 1: got string, want iterable');
    fails(() => b('tuple', 1), 'tuple: for parameter 1: got int, want iterable');
    fails(() => b('set', list(list())), 'set: unhashable type: list');
    fails(() => b('len', 1), 'len: value of type int has no len');
    fails(() => b('reversed', 'abc'), 'reversed: for parameter 1: got string, want iterable');
  });
  it('enumerate and zip', () => {
    assert.equal(r('enumerate', list('a', 'b'), 5), '[(5, "a"), (6, "b")]');
    assert.equal(r('zip', list(1, 2), ['a'], new Range(0, 5, 1)), '[(1, "a", 0)]');
    assert.equal(r('zip'), '[]');
    fails(() => b('enumerate', list(), 'x'), 'enumerate: for parameter 2: got string, want int');
    fails(() => b('zip', list(1), 2), 'zip: argument #2 is not iterable: int');
  });
  it('zip releases its iterators', () => {
    const l = list(1, 2);
    b('zip', l, l);
    assert.equal(l.itercount, 0);
    l.elems.push(3);
  });
  it('range', () => {
    assert.equal(r('range', 5), 'range(5)');
    assert.equal(r('range', 1, 10, 2), 'range(1, 10, 2)');
    assert.equal(b('len', b('range', 10, 0, -3)), 4);
    fails(() => b('range', 0, 10, 0), 'range: step argument must not be zero');
    fails(() => b('range', 2n ** 64n), 'range: for parameter 1: 18446744073709551616 out of range (want value in signed 64-bit range)');
    fails(() => b('range'), 'range: got 0 arguments, want at least 1');
    fails(() => b('range', 'a'), 'range: for parameter 1: got string, want int');
  });
});

describe('iteration: all, any, min, max, sorted', () => {
  it('all and any', () => {
    assert.equal(b('all', list()), true);
    assert.equal(b('all', list(1, 0)), false);
    assert.equal(b('any', list(0, 'x')), true);
    fails(() => b('any', 'abc'), 'any: for parameter 1: got string, want iterable');
    const l = list(0, 1, 0);
    b('any', l);
    assert.equal(l.itercount, 0, 'an early return releases the iterator');
  });
  it('min and max', () => {
    assert.equal(b('max', 1, 2), 2);
    assert.equal(b('min', list(3, 1, 2)), 1);
    assert.equal(b('min', 'b', 'a'), 'a');
    const neg = new Builtin('neg', (_t, _f, args) => -(args[0] as number));
    assert.equal(bkw('max', [list(1, 2, 3)], ['key', neg]), 1);
    fails(() => b('max'), 'max requires at least one positional argument');
    fails(() => b('min', 1), 'min: int value is not iterable');
    fails(() => b('min', list()), 'min: argument is an empty sequence');
    fails(() => b('max', 1, 'a'), 'max: string > int not implemented');
    fails(() => bkw('max', [list(1)], ['key', null]), 'max: for parameter "key": got NoneType, want callable');
    fails(() => bkw('max', [list(1)], ['foo', 1]), 'max: unexpected keyword argument "foo"');
  });
  it('sorted: stable, with key and reverse', () => {
    assert.equal(repr(b('sorted', list(3, 1, 2))), '[1, 2, 3]');
    assert.equal(repr(bkw('sorted', [list('b', 'a', 'c')], ['reverse', true])), '["c", "b", "a"]');
    const pairs = list([4, 0], [3, 1], [4, 2], [2, 3], [3, 4], [1, 5], [2, 6], [3, 7]);
    const first = new Builtin('first', (_t, _f, args) => (args[0] as Value[])[0]);
    assert.equal(repr(bkw('sorted', [pairs], ['key', first])), '[(1, 5), (2, 3), (2, 6), (3, 1), (3, 4), (3, 7), (4, 0), (4, 2)]');
    assert.equal(repr(bkw('sorted', [pairs], ['key', first, 'reverse', true])), '[(4, 0), (4, 2), (3, 1), (3, 4), (3, 7), (2, 3), (2, 6), (1, 5)]');
    assert.equal(repr(b('sorted', [new Float(1.5), 1, 2])), '[1, 1.5, 2]');
  });
  it('sorted reports the comparison error the reference reports', () => {
    fails(() => b('sorted', list(1, 2, null, 3)), 'int < NoneType not implemented');
    fails(() => b('sorted', list(1, 'one')), 'string < int not implemented');
    fails(() => b('sorted', 1), 'sorted: for parameter iterable: got int, want iterable');
    fails(() => bkw('sorted', [list(1)], ['key', null]), 'sorted: for parameter "key": got NoneType, want callable');
    fails(() => b('sorted', list(1), 1), 'sorted: for parameter key: got int, want callable');
  });
  it('sortValues agrees between the native and the general paths', () => {
    const xs: Value[] = [5, 3, 9, 1, 3, 7, 0, 2, 8, 4, 6, 1, 9, 3, 5, 7, 2, 0, 4, 6, 8, 10, 12, 11, 15, 13, 14];
    const native = xs.slice();
    sortValues(native, null, false);
    const general: Value[] = xs.map((x) => new Float(x as number));
    sortValues(general, null, false);
    assert.deepEqual(
      general.map((f) => (f as Float).v),
      native,
    );
    const rev = xs.map((x) => new Float(x as number));
    sortValues(rev, null, true);
    assert.deepEqual(
      rev.map((f) => (f as Float).v),
      native.slice().reverse(),
    );
  });
});

describe('attributes: dir, getattr, hasattr', () => {
  const s = Struct.fromEntries('struct', [['a', 1]]);
  it('dir lists fields and methods, sorted, in a new list', () => {
    assert.equal(r('dir', s), '["a"]');
    assert.equal(r('dir', null), '[]');
    fails(() => b('dir'), 'dir: got 0 arguments, want 1');
  });
  it('getattr and hasattr', () => {
    assert.equal(b('getattr', s, 'a'), 1);
    assert.equal(b('getattr', 1, 'x', 42), 42);
    assert.equal(b('hasattr', s, 'a'), true);
    assert.equal(b('hasattr', s, 'b'), false);
    assert.equal(b('hasattr', 1, 'x'), false);
    fails(() => b('getattr', 1, 'x'), 'getattr: int has no .x field or method');
    fails(() => b('getattr', s, 'b'), 'getattr: struct has no .b attribute');
    fails(() => b('getattr', 1, 2), 'getattr: for parameter 2: got int, want string');
  });
});

describe('print and fail', () => {
  it('print joins str/repr forms and hands Unicode text to the thread', () => {
    printed.length = 0;
    bkw('print', ['a', 1, null, list('b'), fromUtf8('é')], ['sep', '|']);
    b('print');
    assert.deepEqual(printed, ['a|1|None|["b"]|é', '']);
    fails(() => bkw('print', ['x'], ['sep', null]), 'print: for parameter "sep": got NoneType, want string');
    fails(() => bkw('print', ['x'], ['end', '']), 'print: unexpected keyword argument "end"');
  });
  it('fail raises with a "fail: " prefix', () => {
    fails(() => b('fail'), 'fail: ');
    fails(() => b('fail', 1, 'x', null), 'fail: 1 x None');
    fails(() => bkw('fail', [1, 2, 3], ['sep', '/']), 'fail: 1/2/3');
  });
});

describe('results are fresh values', () => {
  it('dict() and list() copy', () => {
    const l = list(1);
    const c = b('list', l) as List;
    assert.notEqual(c, l);
    assert.ok(equals(c, l));
    assert.ok(b('set') instanceof StarSet);
  });
});
