// Tests of the methods of string, list, dict and set, called through the values API
// (getAttr, then call) as the evaluator does. Expected results and error messages are the
// reference implementation's (checked against go.starlark.net).
import assert from 'node:assert/strict';
import '../../lib/starlark/methods.js';
import { StringIterable, registerMethods, updateDict } from '../../lib/starlark/methods.js';
import {
  Dict,
  Float,
  List,
  StarSet,
  Thread,
  builtinMethods,
  Callable,
  compare,
  equals,
  freeze,
  fromUtf8,
  getAttr,
  iterate,
  length,
  repr,
  toArray,
  typeName,
  type KwArgs,
  type Value,
} from '../../lib/starlark/values.js';
import { fails } from './helpers.js';

const thread = new Thread();
const u = fromUtf8;

function mkw(recv: Value, name: string, args: Value[], kwargs: KwArgs | null): Value {
  const f = getAttr(recv, name);
  assert.ok(f instanceof Callable);
  return f.callInternal(thread, args, kwargs);
}
function m(recv: Value, name: string, ...args: Value[]): Value {
  return mkw(recv, name, args, null);
}
function list(...xs: Value[]): List {
  return new List(xs);
}
function dict(...kv: Value[]): Dict {
  const d = new Dict();
  for (let i = 0; i < kv.length; i += 2) d.set(kv[i], kv[i + 1]);
  return d;
}
function elems(v: Value): Value[] {
  return v instanceof List ? v.elems : toArray(v);
}

describe('registration', () => {
  it('registers each type once and is idempotent', () => {
    const before = builtinMethods.get('string')!.get('upper');
    registerMethods();
    assert.equal(builtinMethods.get('string')!.get('upper'), before);
    for (const t of ['string', 'list', 'dict', 'set']) assert.ok(builtinMethods.has(t), t);
    assert.deepEqual([...builtinMethods.get('set')!.keys()], ['union']);
  });
  it('binds methods to the receiver', () => {
    assert.equal(repr(getAttr('abc', 'upper')), '<built-in method upper of string value>');
  });
});

describe('string methods', () => {
  it('rejects wrong arity and keywords with the reference messages', () => {
    fails(() => m('a', 'title', 1), 'title: got 1 arguments, want 0');
    fails(() => mkw('a', 'title', [], ['x', 1]), 'title: unexpected keyword arguments');
    fails(() => m('a', 'find'), 'find: got 0 arguments, want at least 1');
    fails(() => m('a', 'partition', 'a', 'b'), 'partition: got 2 arguments, want 1');
  });

  it('capitalize, lower, upper, title (Unicode, simple case mapping)', () => {
    assert.equal(m('hElLo, WoRlD!', 'capitalize'), 'Hello, world!');
    assert.equal(m(u('¿Por qué?'), 'capitalize'), u('¿por qué?'));
    assert.equal(m(u('por qué'), 'upper'), u('POR QUÉ'));
    assert.equal(m(u('ǇUBOVIĆ'), 'lower'), u('ǉubović'));
    assert.equal(m(u('ǉubović'), 'upper'), u('ǇUBOVIĆ'));
    assert.equal(m(u('ǉubović'), 'title'), u('ǈubović'));
    assert.equal(m('hElLo, WoRlD!', 'title'), 'Hello, World!');
    assert.equal(m(u('¿Por qué?'), 'title'), u('¿Por Qué?'));
    assert.equal(m(u('ß'), 'upper'), u('ß'));
    assert.equal(m(u('İ'), 'lower'), 'i');
    assert.equal(m(u('ᾀ'), 'upper'), u('ᾈ'));
    assert.equal(m('a\xffB', 'upper'), 'A\xef\xbf\xbdB', 'invalid UTF-8 becomes U+FFFD');
    assert.equal(m('', 'capitalize'), '');
  });

  it('is* predicates', () => {
    const preds = ['alnum', 'alpha', 'digit', 'lower', 'space', 'title', 'upper'];
    const table: [string, string][] = [
      ['Hello, World!', 'title'],
      ['hello, world!', 'lower'],
      ['base64', 'alnum lower'],
      ['HAL-9000', 'upper'],
      ['Catch-22', 'title'],
      ['', ''],
      ['\n\t\r', 'space'],
      ['abc', 'alnum alpha lower'],
      ['ABC', 'alnum alpha upper'],
      ['123', 'alnum digit'],
      [u('ǄǇ'), 'alnum alpha upper'],
      [u('ǅǈ'), 'alnum alpha'],
      [u('ǅ ǈ'), 'title'],
      [u('ǆǉ'), 'alnum alpha lower'],
      [u('\u2000\u00a0\u3000\u0085'), 'space'],
      [u('\ufeffa'), 'lower'],
      [u('ß'), 'alnum alpha lower upper'],
      [u('İ'), 'alnum alpha'],
    ];
    for (const [s, want] of table) {
      const got = preds.filter((p) => m(s, 'is' + p) === true).join(' ');
      assert.equal(got, want, repr(s));
    }
    assert.equal(m(u('ǆenan ǉubović'), 'islower'), true);
    assert.equal(m(u('ǄENAN ǇUBOVIĆ'), 'isupper'), true);
    assert.equal(m(u('ǅenan ǈubović'), 'istitle'), true);
    assert.equal(m(u('Ǆenan Ǉubović'), 'istitle'), false);
  });

  it('count, find, rfind, index, rindex with byte offsets', () => {
    assert.equal(m('banana', 'count', 'a'), 3);
    assert.equal(m('banana', 'count', 'a', 2), 2);
    assert.equal(m('banana', 'count', 'a', -4, -2), 1);
    assert.equal(m('banana', 'count', 'a', 0, -100), 0);
    assert.equal(m('aaaa', 'count', 'aa'), 2);
    assert.equal(m(u('é'), 'count', ''), 2);
    assert.equal(m('foofoo', 'find', 'oo'), 1);
    assert.equal(m('foofoo', 'find', 'ox'), -1);
    assert.equal(m('foofoo', 'find', 'oo', 2), 4);
    assert.equal(m('foofoo', 'rfind', 'oo'), 4);
    assert.equal(m('foofoo', 'rfind', 'oo', 1, 4), 1);
    assert.equal(m('foofoo', 'find', ''), 0);
    assert.equal(m('foofoo', 'rfind', ''), 6);
    assert.equal(m('abc', 'find', '', 5), 3);
    assert.equal(m(u('éa'), 'find', 'a'), 2);
    assert.equal(m('abc', 'index', 'c', null), 2);
    fails(() => m('abc', 'index', 'd'), 'index: substring not found');
    fails(() => m('abc', 'rindex', 'd'), 'rindex: substring not found');
    fails(() => m('abc', 'find', 1), 'find: for parameter 1: got int, want string');
    fails(() => m('abc', 'find', 'a', 'x'), 'find: invalid start index: got string, want int');
    fails(() => m('abc', 'find', 'a', 0, new Float(1)), 'find: invalid end index: got float, want int');
    fails(() => m('abc', 'find', 'a', 2 ** 40), 'find: invalid start index: 1099511627776 out of range');
  });

  it('startswith and endswith', () => {
    assert.equal(m('foo', 'endswith', 'oo'), true);
    assert.equal(m('foo', 'startswith', 'x'), false);
    assert.equal(m('abc', 'startswith', ['a', 'A']), true);
    assert.equal(m('ABC', 'startswith', ['b', 'B']), false);
    assert.equal(m('abc', 'startswith', 'bc', 1), true);
    assert.equal(m('abc', 'startswith', 'b', 999), false);
    assert.equal(m('abc', 'endswith', 'ab', null, -1), true);
    assert.equal(m('abc', 'endswith', 'b', null, -999), false);
    fails(() => m('foo', 'startswith', 1), 'startswith: got int, want string or tuple of string');
    fails(() => m('123', 'endswith', [1, 2]), 'endswith: want string, got int, for element 0');
    fails(() => m('123', 'startswith', list('3')), 'startswith: got list, want string or tuple of string');
  });

  it('split and rsplit', () => {
    const sp = (s: string, name: string, ...args: Value[]) => elems(m(s, name, ...args));
    assert.deepEqual(sp('a.b.c.d', 'split', '.'), ['a', 'b', 'c', 'd']);
    assert.deepEqual(sp('a.b.c.d', 'split', '.', 0), ['a.b.c.d']);
    assert.deepEqual(sp('a.b.c.d', 'split', '.', 2), ['a', 'b', 'c.d']);
    assert.deepEqual(sp('a.b.c.d', 'rsplit', '.', 2), ['a.b', 'c', 'd']);
    assert.deepEqual(sp('aaa', 'rsplit', 'aa', 1), ['', 'a']);
    const ws = ' a bc\n  def \t  ghi ';
    assert.deepEqual(sp(ws, 'split'), ['a', 'bc', 'def', 'ghi']);
    assert.deepEqual(sp(ws, 'split', null, 0), ['a bc\n  def \t  ghi ']);
    assert.deepEqual(sp(ws, 'rsplit', null, 0), [' a bc\n  def \t  ghi']);
    assert.deepEqual(sp(ws, 'split', null, 1), ['a', 'bc\n  def \t  ghi ']);
    assert.deepEqual(sp(ws, 'rsplit', null, 1), [' a bc\n  def', 'ghi']);
    assert.deepEqual(sp('--aa--bb--cc--', 'rsplit', '-', 1), ['--aa--bb--cc-', '']);
    assert.deepEqual(sp('  ', 'split'), []);
    assert.deepEqual(sp(u('a\u3000b\u00a0c'), 'split'), ['a', 'b', 'c']);
    assert.deepEqual(sp(u('a\u3000b\u00a0c'), 'rsplit', null, 1), [u('a\u3000b'), 'c']);
    fails(() => m('a', 'split', ''), 'split: empty separator');
    fails(() => m('a', 'rsplit', ''), 'split: empty separator');
    fails(() => m('a b', 'split', 1), 'split: got int for separator, want string');
    fails(() => m('a b', 'split', ' ', 'x'), 'split: for parameter 2: got string, want int');
  });

  it('splitlines', () => {
    const sl = (s: string, ...a: Value[]) => elems(m(s, 'splitlines', ...a));
    assert.deepEqual(sl('\nabc\ndef'), ['', 'abc', 'def']);
    assert.deepEqual(sl('\nabc\ndef\n', true), ['\n', 'abc\n', 'def\n']);
    assert.deepEqual(sl(''), []);
    assert.deepEqual(sl('\n'), ['']);
    assert.deepEqual(sl('a\n\nb', true), ['a\n', '\n', 'b']);
    fails(() => m('a', 'splitlines', 1), 'splitlines: for parameter 1: got int, want bool');
  });

  it('strip, lstrip, rstrip', () => {
    assert.equal(m(' \tfoo\n ', 'strip'), 'foo');
    assert.equal(m(' \tfoo\n ', 'lstrip'), 'foo\n ');
    assert.equal(m(' \tfoo\n ', 'rstrip'), ' \tfoo');
    assert.equal(m(' \tfoo\n ', 'strip', ''), 'foo');
    assert.equal(m('blah.h', 'strip', 'b.h'), 'la');
    assert.equal(m('blah.h', 'lstrip', 'b.h'), 'lah.h');
    assert.equal(m('blah.h', 'rstrip', 'b.h'), 'bla');
    assert.equal(m(u('\u3000x\u0085'), 'strip'), 'x');
    assert.equal(m(u('éxé'), 'strip', u('é')), 'x');
    assert.equal(m('a\xc3', 'strip', '\xc3'), 'a');
    assert.equal(m(u('é'), 'strip', '\xc3'), u('é'));
    fails(() => m('a', 'strip', null), 'strip: for parameter 1: got NoneType, want string');
  });

  it('replace', () => {
    assert.equal(m('banana', 'replace', 'a', 'o', 1), 'bonana');
    assert.equal(m('banana', 'replace', 'a', 'o'), 'bonono');
    assert.equal(m('banana', 'replace', 'a', '$&'), 'b$&n$&n$&');
    assert.equal(m('banana', 'replace', 'a', 'o', 0), 'banana');
    assert.equal(m('banana', 'replace', 'a', 'o', -1), 'bonono');
    assert.equal(m(u('é'), 'replace', '', '-'), u('-é-'));
    assert.equal(m('abc', 'replace', '', '-', 2), '-a-bc');
    fails(() => m('a', 'replace', 'a', 'b', 2n ** 70n), 'replace: for parameter 3: 1180591620717411303424 out of range (want value in signed 64-bit range)');
  });

  it('partition, rpartition, removeprefix, removesuffix', () => {
    assert.deepEqual(m('foo/bar/wiz', 'partition', '/'), ['foo', '/', 'bar/wiz']);
    assert.deepEqual(m('foo/bar/wiz', 'rpartition', '/'), ['foo/bar', '/', 'wiz']);
    assert.deepEqual(m('foo/bar/wiz', 'partition', '.'), ['foo/bar/wiz', '', '']);
    assert.deepEqual(m('foo/bar/wiz', 'rpartition', '.'), ['', '', 'foo/bar/wiz']);
    fails(() => m('foo', 'partition', ''), 'partition: empty separator');
    fails(() => m('foo', 'rpartition', ''), 'rpartition: empty separator');
    assert.equal(m('foobar', 'removeprefix', 'foo'), 'bar');
    assert.equal(m('foobar', 'removeprefix', 'bar'), 'foobar');
    assert.equal(m('foobar', 'removesuffix', 'bar'), 'foo');
    assert.equal(m('foobar', 'removesuffix', ''), 'foobar');
    fails(() => m('foobar', 'removesuffix', 1), 'removesuffix: for parameter 1: got int, want string');
  });

  it('join', () => {
    assert.equal(m(',', 'join', list()), '');
    assert.equal(m(',', 'join', list('a', 'b', 'c')), 'a,b,c');
    assert.equal(m('', 'join', ['a', 'b', 'c']), 'abc');
    assert.equal(m('-', 'join', dict('x', 1, 'y', 2)), 'x-y');
    assert.equal(m('-', 'join', m('ab', 'elems')), 'a-b');
    fails(() => m('', 'join', null), 'join: for parameter 1: got NoneType, want iterable');
    fails(() => m(',', 'join', 'abc'), 'join: for parameter 1: got string, want iterable');
    fails(() => m('', 'join', list('one', 2)), 'join: in list, want string, got int');
  });

  it('format', () => {
    assert.equal(m('a{}b{}c', 'format', 1, 2), 'a1b2c');
    assert.equal(mkw('a{x}b{y}c{}', 'format', [1], ['x', 2, 'y', 3]), 'a2b3c1');
    assert.equal(m('a{!r}c', 'format', 'b'), 'a"b"c');
    fails(() => m('a{}b{1}c', 'format', 1, 2), /cannot switch from automatic field numbering to manual/);
  });
});

describe('string iterables', () => {
  const s = u('abcЙ😿');
  it('have the reference type names and reprs', () => {
    assert.equal(typeName(m(s, 'codepoint_ords')), 'codepoints');
    assert.equal(typeName(m(s, 'codepoints')), 'codepoints');
    assert.equal(typeName(m(s, 'elem_ords')), 'elems');
    assert.equal(typeName(m(s, 'elems')), 'elems');
    assert.equal(repr(m(s, 'codepoint_ords')), `"${s}".codepoint_ords()`);
    assert.equal(repr(m(s, 'elems')), `"${s}".elems()`);
    assert.ok(m('x', 'elems') instanceof StringIterable);
  });
  it('iterate bytes or code points', () => {
    assert.deepEqual(toArray(m(s, 'codepoint_ords')), [97, 98, 99, 1049, 128575]);
    assert.deepEqual(toArray(m(s, 'codepoints')), ['a', 'b', 'c', u('Й'), u('😿')]);
    assert.deepEqual(toArray(m(s, 'elem_ords')), [97, 98, 99, 208, 153, 240, 159, 152, 191]);
    assert.deepEqual(toArray(m(s, 'elems')), s.split(''));
    const broken = 'A' + u('😿Z').slice(1);
    assert.deepEqual(toArray(m(broken, 'codepoint_ords')), [65, 0xfffd, 0xfffd, 0xfffd, 90]);
    assert.deepEqual(toArray(m(broken, 'codepoints')), ['A', '\x9f', '\x98', '\xbf', 'Z']);
    assert.deepEqual(toArray(m('', 'elems')), []);
  });
  it('compare by value, are unhashable, have no length', () => {
    assert.equal(equals(m('abc', 'elems'), m('abc', 'elems')), true);
    assert.equal(equals(m('abc', 'elems'), m('abc', 'elem_ords')), false);
    assert.equal(length(m('abc', 'elems')), -1);
    fails(() => compare('<', m('a', 'elems'), m('a', 'elems')), 'elems < elems not implemented');
    fails(() => new Dict().set(m('a', 'elems'), 1), 'unhashable: elems');
  });
});

describe('list methods', () => {
  it('append, clear, extend, insert', () => {
    const l = list(1);
    assert.equal(m(l, 'append', 2), null);
    m(l, 'extend', [3, 4]);
    m(l, 'extend', l);
    assert.deepEqual(l.elems, [1, 2, 3, 4, 1, 2, 3, 4]);
    m(l, 'clear');
    assert.deepEqual(l.elems, []);
    m(l, 'extend', m('ab', 'elems'));
    m(l, 'extend', dict('k', 1));
    assert.deepEqual(l.elems, ['a', 'b', 'k']);
    const l2 = list('a', 'b', 'c');
    m(l2, 'insert', 1, 'x');
    m(l2, 'insert', -1, 'y');
    m(l2, 'insert', 100, 'z');
    m(l2, 'insert', -100, 'w');
    assert.deepEqual(l2.elems, ['w', 'a', 'x', 'b', 'y', 'c', 'z']);
    fails(() => m(list(), 'extend', 'bc'), 'extend: for parameter 1: got string, want iterable');
    fails(() => m(list(), 'insert', new Float(1), 2), 'insert: for parameter 1: got float, want int');
    fails(() => mkw(list(), 'append', [], ['x', 1]), 'append: unexpected keyword arguments');
  });

  it('index, pop, remove', () => {
    const l = list('a', 'b', 'c', 'b');
    assert.equal(m(l, 'index', 'b'), 1);
    assert.equal(m(l, 'index', 'b', 2), 3);
    assert.equal(m(l, 'index', 'b', -2), 3);
    fails(() => m(l, 'index', 'b', 2, 3), 'index: value not in list');
    fails(() => m(l, 'index', 'b', 'x'), 'index: invalid start index: got string, want int');
    assert.equal(m(list(1, new Float(2)), 'index', 2), 1);
    assert.equal(m(l, 'pop'), 'b');
    assert.equal(m(l, 'pop', 0), 'a');
    assert.equal(m(l, 'pop', -1), 'c');
    assert.deepEqual(l.elems, ['b']);
    fails(() => m(l, 'pop', 1), 'pop: list index 1 out of range [-1:0]');
    fails(() => m(list(), 'pop'), 'pop: index -1 out of range: empty list');
    fails(() => m(list(1), 'pop', 'x'), 'pop: for parameter 1: got string, want int');
    const r = list(1, 2, 1);
    m(r, 'remove', 1);
    assert.deepEqual(r.elems, [2, 1]);
    fails(() => m(r, 'remove', 3), 'remove: element not found');
  });

  it('refuses to mutate frozen lists and lists being iterated', () => {
    const l = list(1, 2);
    freeze(l);
    fails(() => m(l, 'append', 3), 'append: cannot append to frozen list');
    fails(() => m(l, 'clear'), 'clear: cannot clear frozen list');
    fails(() => m(l, 'extend', [1]), 'extend: cannot extend frozen list');
    fails(() => m(l, 'insert', 0, 1), 'insert: cannot insert into frozen list');
    fails(() => m(l, 'pop'), 'pop: cannot pop from frozen list');
    fails(() => m(l, 'pop', 5), 'pop: list index 5 out of range [-2:1]');
    fails(() => m(l, 'remove', 1), 'remove: cannot remove from frozen list');
    const k = list(1);
    const it = iterate(k);
    fails(() => m(k, 'append', 3), 'append: cannot append to list during iteration');
    fails(() => m(k, 'extend', m('ab', 'elems')), 'extend: cannot extend list during iteration');
    it.done();
    m(k, 'append', 3);
    assert.deepEqual(k.elems, [1, 3]);
  });
});

describe('dict methods', () => {
  it('get, setdefault, keys, values, items', () => {
    const d = dict('a', 1, 2, 'two');
    assert.equal(m(d, 'get', 'a'), 1);
    assert.equal(m(d, 'get', 'z'), null);
    assert.equal(m(d, 'get', 'z', 0), 0);
    assert.equal(m(d, 'get', new Float(2)), 'two');
    fails(() => m(d, 'get', list()), 'get: unhashable type: list');
    assert.equal(m(d, 'setdefault', 'a', 5), 1);
    assert.equal(m(d, 'setdefault', 'b'), null);
    assert.equal(m(d, 'setdefault', 'c', 3), 3);
    assert.deepEqual(elems(m(d, 'keys')), ['a', 2, 'b', 'c']);
    assert.deepEqual(elems(m(d, 'values')), [1, 'two', null, 3]);
    assert.deepEqual(elems(m(d, 'items')), [
      ['a', 1],
      [2, 'two'],
      ['b', null],
      ['c', 3],
    ]);
    fails(() => m(d, 'setdefault', list()), 'setdefault: unhashable type: list');
  });

  it('pop, popitem, clear', () => {
    const d = dict('a', 1, 'b', 2);
    assert.equal(m(d, 'pop', 'a'), 1);
    assert.equal(m(d, 'pop', 'a', 9), 9);
    fails(() => m(d, 'pop', 'a'), 'pop: missing key');
    fails(() => m(d, 'pop', list()), 'pop: unhashable type: list');
    fails(() => m(new Dict(), 'pop', list()), 'pop: missing key');
    assert.deepEqual(m(dict('x', 1, 'y', 2), 'popitem'), ['x', 1]);
    fails(() => m(new Dict(), 'popitem'), 'popitem: empty dict');
    m(d, 'clear');
    assert.equal(d.size, 0);
  });

  it('update', () => {
    const d = dict('a', 1);
    mkw(d, 'update', [[['b', 2], list('c', 3)]], ['d', 4]);
    m(d, 'update', dict('a', 0));
    assert.equal(repr(d), '{"a": 0, "b": 2, "c": 3, "d": 4}');
    fails(() => m(d, 'update', 1, 2), 'update: got 2 arguments, want at most 1');
    fails(() => m(d, 'update', 'ab'), 'update: got string, want iterable');
    fails(() => m(d, 'update', [1]), 'update: dictionary update sequence element #0 is not iterable (int)');
    fails(() => m(d, 'update', ['ab']), 'update: dictionary update sequence element #0 is not iterable (string)');
    fails(() => m(d, 'update', [new StarSet()]), 'update: dictionary update sequence element #0 has length 0, want 2');
    fails(() => m(d, 'update', [[1, 2, 3]]), 'update: dictionary update sequence element #0 has length 3, want 2');
    fails(
      () =>
        m(d, 'update', [
          [1, 2],
          [list(), 1],
        ]),
      'update: unhashable type: list',
    );
    const e = new Dict();
    fails(() => updateDict(e, [], ['a', 1, 'a', 2]), 'duplicate keyword arg: "a"');
  });

  it('refuses to mutate frozen dicts and dicts being iterated', () => {
    const d = dict('a', 1);
    freeze(d);
    fails(() => m(d, 'clear'), 'cannot clear frozen hash table');
    fails(() => m(d, 'pop', 'a'), 'pop: cannot delete from frozen hash table');
    fails(() => m(d, 'pop', 'zz'), 'pop: cannot delete from frozen hash table');
    fails(() => m(d, 'popitem'), 'popitem: cannot delete from frozen hash table');
    fails(() => m(d, 'setdefault', 'b'), 'setdefault: cannot insert into frozen hash table');
    assert.equal(m(d, 'setdefault', 'a'), 1);
    fails(() => mkw(d, 'update', [], ['x', 1]), 'update: cannot insert into frozen hash table');
    const e = dict('a', 1);
    const it = iterate(e);
    fails(() => m(e, 'setdefault', 'b'), 'setdefault: cannot insert into hash table during iteration');
    it.done();
  });
});

describe('set methods', () => {
  it('union', () => {
    const s = new StarSet();
    s.add('a');
    const r = m(s, 'union', m('ab', 'elems'));
    assert.equal(repr(r), 'set(["a", "b"])');
    assert.equal(repr(s), 'set(["a"])');
    fails(() => m(s, 'union', 1), 'union: for parameter 1: got int, want iterable');
    fails(() => m(s, 'union', [list()]), 'union: unhashable type: list');
  });
});
