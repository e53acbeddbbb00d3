// Tests of argument unpacking: the reference's UnpackArgs / UnpackPositionalArgs messages,
// the typed converters, and the declarative defineBuiltin API (its types are checked by the
// compiler: the `a.x` accesses below only compile if the argument object is typed right).
import assert from 'node:assert/strict';
import {
  ArgError,
  asBool,
  asCallable,
  asFloat,
  asInt,
  asInt32,
  asInt64,
  asIterable,
  asNumber,
  asString,
  convertArg,
  defineBuiltin,
  isIterable,
  optional,
  paramLabel,
  required,
  t,
  unpackArgs,
  unpackPositional,
  withDefault,
} from '../../lib/starlark/unpack.js';
import { Struct } from '../../lib/starlark/struct.js';
import { Builtin, Dict, Float, List, Range, StarSet, Thread, call, fromUtf8, type KwArgs, type Value } from '../../lib/starlark/values.js';
import { fails } from './helpers.js';

const thread = new Thread();

function dict(...pairs: [Value, Value][]): Dict {
  const d = new Dict();
  for (const [k, v] of pairs) d.set(k, v);
  return d;
}

describe('unpackArgs', () => {
  const params = ['a', 'b?', 'c?'];
  it('matches positional then keyword arguments', () => {
    assert.deepEqual(unpackArgs('f', [1], null, params), [1, undefined, undefined]);
    assert.deepEqual(unpackArgs('f', [1, 2], ['c', 3], params), [1, 2, 3]);
    assert.deepEqual(unpackArgs('f', [], ['c', 3, 'a', 1], params), [1, undefined, 3]);
  });
  it('reports the reference messages', () => {
    fails(() => unpackArgs('f', [1, 2, 3, 4], null, params), 'f: got 4 arguments, want at most 3');
    fails(() => unpackArgs('f', [], null, params), 'f: missing argument for a');
    fails(() => unpackArgs('f', [1], ['d', 1], params), 'f: unexpected keyword argument "d"');
    fails(() => unpackArgs('f', [1], ['a', 1], params), 'f: got multiple values for keyword argument "a"');
    fails(() => unpackArgs('f', [], ['b', 1, 'b', 2, 'a', 0], params), 'f: got multiple values for keyword argument "b"');
  });
  it('makes every parameter after an optional one optional', () => {
    assert.deepEqual(unpackArgs('f', [], null, ['x?', 'y']), [undefined, undefined]);
  });
  it('labels parameters as the reference does (quoted when given by keyword)', () => {
    assert.equal(paramLabel(params, 1, 2), 'b');
    assert.equal(paramLabel(params, 1, 1), '"b"');
  });
});

describe('unpackPositional', () => {
  it('checks counts and keywords', () => {
    assert.deepEqual(unpackPositional('f', [1, 2], null, 1, 3), [1, 2]);
    fails(() => unpackPositional('f', [], null, 1, 1), 'f: got 0 arguments, want 1');
    fails(() => unpackPositional('f', [], null, 1, 2), 'f: got 0 arguments, want at least 1');
    fails(() => unpackPositional('f', [1, 2, 3], null, 1, 2), 'f: got 3 arguments, want at most 2');
    fails(() => unpackPositional('f', [1, 2], null, 1, 1), 'f: got 2 arguments, want 1');
    fails(() => unpackPositional('f', [1], ['x', 1], 1, 1), 'f: unexpected keyword arguments');
    assert.deepEqual(unpackPositional('f', [1], [], 1, 1), [1]);
  });
});

describe('converters', () => {
  it('accept their type', () => {
    assert.equal(asInt(3), 3);
    assert.equal(asInt32(-5), -5);
    assert.equal(asInt64(2n ** 60n), 2n ** 60n);
    assert.equal(asString('x'), 'x');
    assert.equal(asBool(true), true);
    assert.equal(asFloat(new Float(1.5)), 1.5);
    assert.equal(asNumber(2), 2);
    assert.equal(asNumber(new Float(2.5)), 2.5);
    const b = new Builtin('b', () => null);
    assert.equal(asCallable(b), b);
    const l = new List([1]);
    assert.equal(asIterable(l), l);
  });
  it('report what they got and wanted', () => {
    fails(() => asInt('x', 'f', 'x'), 'f: for parameter x: got string, want int');
    fails(() => asInt('x', 'f', 2), 'f: for parameter 2: got string, want int');
    fails(() => asInt('x', 'f'), 'f: got string, want int');
    fails(() => asInt('x'), 'got string, want int');
    fails(() => asInt(2n ** 64n, 'range', 1), 'range: for parameter 1: 18446744073709551616 out of range (want value in signed 64-bit range)');
    fails(() => asInt32(2 ** 31, 'chr'), 'chr: 2147483648 out of range');
    fails(() => asInt64(2n ** 63n, 'f', 1), /out of range \(want value in signed 64-bit range\)/);
    fails(() => asString(1, 'f', 'x'), 'f: for parameter x: got int, want string');
    fails(() => asBool(null, 'f', 'x'), 'f: for parameter x: got NoneType, want bool');
    fails(() => asFloat(1, 'f', 'x'), 'f: for parameter x: got int, want float');
    fails(() => asCallable(null, 'sorted', 'key'), 'sorted: for parameter key: got NoneType, want callable');
    fails(() => asIterable('abc', 'list', 1), 'list: for parameter 1: got string, want iterable');
  });
  it('know what is iterable without starting an iteration', () => {
    const l = new List([1]);
    assert.ok(isIterable(l) && isIterable([]) && isIterable(new Dict()) && isIterable(new StarSet()) && isIterable(new Range(0, 1, 1)));
    assert.ok(!isIterable('abc') && !isIterable(1) && !isIterable(null) && !isIterable(Struct.fromEntries('struct', [])));
    assert.equal(l.itercount, 0);
  });
});

describe('argument types', () => {
  it('convert lists, dicts, unions and None', () => {
    assert.deepEqual(convertArg(t.listOf(t.string), new List(['a', 'b']), 'f', 'x'), ['a', 'b']);
    assert.deepEqual(convertArg(t.sequenceOf(t.int), [1, 2], 'f', 'x'), [1, 2]);
    assert.deepEqual([...convertArg(t.dictOf(t.string, t.int), dict(['a', 1]), 'f', 'x')], [['a', 1]]);
    const u = t.oneOf(t.string, t.listOf(t.string));
    assert.equal(convertArg(u, 'a', 'f', 'x'), 'a');
    assert.deepEqual(convertArg(u, new List(['a']), 'f', 'x'), ['a']);
    assert.equal(convertArg(t.noneOr(t.int), null, 'f', 'x'), null);
    assert.equal(convertArg(t.text, fromUtf8('é'), 'f', 'x'), 'é');
    assert.equal(convertArg(t.number, 3, 'f', 'x'), 3);
  });
  it('say where a nested value is wrong', () => {
    fails(() => convertArg(t.listOf(t.string), new List(['a', 1]), 'f', 'x'), 'f: for parameter x: at index 1: got int, want string');
    fails(() => convertArg(t.dictOf(t.string, t.int), dict([1, 1]), 'f', 'x'), 'f: for parameter x: dict key 1: got int, want string');
    fails(() => convertArg(t.dictOf(t.string, t.int), dict(['a', 'b']), 'f', 'x'), 'f: for parameter x: dict value for key "a": got string, want int');
    fails(() => convertArg(t.oneOf(t.string, t.listOf(t.string)), 1, 'f', 'x'), 'f: for parameter x: got int, want string or list of string');
    fails(() => convertArg(t.choice('a', 'b'), 'c', 'f', 'x'), 'f: for parameter x: got "c", want one of "a", "b"');
    fails(() => convertArg(t.noneOr(t.int), 'x', 'f', 'x'), 'f: for parameter x: got string, want int or NoneType');
  });
  it('support host types and custom checks', () => {
    const s = Struct.fromEntries('struct', [['a', 1]]);
    assert.equal(convertArg(t.instance(Struct, 'struct'), s, 'f', 'x'), s);
    fails(() => convertArg(t.instance(Struct, 'struct'), 1, 'f', 'x'), 'f: for parameter x: got int, want struct');
    const port = t.custom(
      'port',
      (v) => typeof v === 'number',
      (v) => {
        if ((v as number) < 1 || (v as number) > 65535) throw new ArgError(`port ${v as number} out of range`);
        return v as number;
      },
    );
    assert.equal(convertArg(port, 80, 'f', 'p'), 80);
    fails(() => convertArg(port, 0, 'f', 'p'), 'f: for parameter p: port 0 out of range');
  });
});

describe('defineBuiltin', () => {
  const seen: unknown[] = [];
  const addService = defineBuiltin(
    'add_service',
    {
      name: t.string,
      ports: withDefault(t.dictOf(t.string, t.int), new Map<string, number>()),
      cmd: optional(t.oneOf(t.string, t.listOf(t.string))),
      description: withDefault(t.text, 'none', { keywordOnly: true, noneIsAbsent: true }),
    },
    (a, ctx) => {
      const name: string = a.name;
      const ports: Map<string, number> = a.ports;
      const cmd: string | string[] | undefined = a.cmd;
      const description: string = a.description;
      seen.push({ name, ports: [...ports], cmd, description, rest: ctx.rest, extra: ctx.extra });
      return name;
    },
  );
  const run = (args: Value[], kwargs: KwArgs | null = null): unknown => {
    seen.length = 0;
    call(thread, addService, args, kwargs);
    return seen[0];
  };

  it('passes typed, defaulted arguments', () => {
    assert.deepEqual(run(['web']), { name: 'web', ports: [], cmd: undefined, description: 'none', rest: [], extra: [] });
    assert.deepEqual(run(['web', dict(['http', 80])], ['cmd', new List(['a']), 'description', fromUtf8('café')]), {
      name: 'web',
      ports: [['http', 80]],
      cmd: ['a'],
      description: 'café',
      rest: [],
      extra: [],
    });
    assert.equal((run([], ['name', 'x', 'description', null]) as { description: string }).description, 'none');
  });
  it('reports errors with the reference wording', () => {
    fails(() => run([]), 'add_service: missing argument for name');
    fails(() => run(['a', dict(), 'c', 'd']), 'add_service: got 4 arguments, want at most 3');
    fails(() => run([1]), 'add_service: for parameter name: got int, want string');
    fails(() => run([], ['name', 1]), 'add_service: for parameter "name": got int, want string');
    fails(() => run(['a'], ['nme', 1]), 'add_service: unexpected keyword argument "nme"');
    fails(() => run(['a'], ['name', 'b']), 'add_service: got multiple values for keyword argument "name"');
    fails(() => run(['a', dict(['http', 'x'])]), 'add_service: for parameter ports: dict value for key "http": got string, want int');
  });
  it('supports positional-only parameters, *args and **kwargs', () => {
    let got: unknown;
    const f = defineBuiltin(
      'f',
      { x: required(t.int, { positionalOnly: true }) },
      (a, ctx) => {
        got = [a.x, ctx.rest, ctx.extra];
        return null;
      },
      { varargs: true, kwargs: true },
    );
    call(thread, f, [1, 2, 3], ['k', 4]);
    assert.deepEqual(got, [1, [2, 3], ['k', 4]]);
    fails(() => call(thread, f, [], ['x', 1]), 'f: unexpected keyword argument "x"');
  });
  it('rejects badly ordered specs', () => {
    assert.throws(() => defineBuiltin('g', { a: required(t.int, { keywordOnly: true }), b: t.int }, () => null));
    assert.throws(() => defineBuiltin('g', { a: t.int, b: required(t.int, { positionalOnly: true }) }, () => null));
  });
  it('lets methods see their receiver', () => {
    const m = defineBuiltin('m', {}, (_a, ctx) => ctx.fn.receiver ?? null);
    assert.equal(call(thread, m.bindTo('recv'), []), 'recv');
  });
});
