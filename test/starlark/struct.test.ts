// Tests of struct and module values: construction, printing, fields, equality, hashing,
// `+`, to_json, and the messages of starlarkstruct's tests.
import assert from 'node:assert/strict';
import '../../lib/starlark/json.js';
import { DEFAULT_CONSTRUCTOR, Module, Struct, moduleBuiltin, noSuchAttrMessage, structBuiltin } from '../../lib/starlark/struct.js';
import {
  Builtin,
  Callable,
  Dict,
  List,
  Thread,
  attrNames,
  call,
  compare,
  equals,
  fail,
  freeze,
  getAttr,
  hashKey,
  repr,
  typeName,
  type KwArgs,
  type Value,
} from '../../lib/starlark/values.js';
import { fails } from './helpers.js';

const thread = new Thread();

function struct(kwargs: KwArgs): Struct {
  return call(thread, structBuiltin, [], kwargs) as Struct;
}

/** A constructor symbol like the reference test's gensym. */
class Symbol extends Callable {
  constructor(private readonly symName: string) {
    super();
  }
  get name(): string {
    return this.symName;
  }
  override get typeName(): string {
    return 'symbol';
  }
  override repr(out: string[]): void {
    out.push(this.symName);
  }
  callInternal(_t: Thread, args: Value[], kwargs: KwArgs | null): Value {
    if (args.length > 0) fail(`${this.symName}: unexpected positional arguments`);
    return Struct.fromKeywords(this, kwargs);
  }
}

describe('struct', () => {
  const s = struct(['port', 80, 'host', 'localhost']);
  it('prints its fields sorted by name', () => {
    assert.equal(repr(structBuiltin), '<built-in function struct>');
    assert.equal(repr(s), 'struct(host = "localhost", port = 80)');
    assert.equal(typeName(s), 'struct');
    assert.equal(repr(struct([])), 'struct()');
    assert.deepEqual(attrNames(s), ['host', 'port']);
    assert.equal(getAttr(s, 'port'), 80);
  });
  it('compares by fields', () => {
    assert.ok(equals(s, struct(['host', 'localhost', 'port', 80])));
    assert.ok(!equals(s, struct(['host', 'localhost', 'port', 81])));
    assert.ok(!equals(s, struct(['host', 'localhost'])));
    fails(() => compare('<', s, s), 'struct < struct not implemented');
  });
  it('hashes when its fields do', () => {
    const d = new Dict();
    d.set(s, 1);
    assert.equal(d.get(struct(['host', 'localhost', 'port', 80])), 1);
    fails(() => hashKey(struct(['a', new List()])), 'unhashable type: list');
  });
  it('adds', () => {
    const bob = struct(['name', 'bob', 'age', 50]);
    const alice = struct(['name', 'alice', 'city', 'NYC']);
    assert.equal(repr(bob.binary('+', alice, 'left') as Value), 'struct(age = 50, city = "NYC", name = "alice")');
    assert.equal(repr(bob.binary('+', alice, 'right') as Value), 'struct(age = 50, city = "NYC", name = "bob")');
    assert.equal(bob.binary('+', 1, 'left'), undefined);
  });
  it('is branded by its constructor', () => {
    const hostport = new Symbol('hostport');
    const person = new Symbol('person');
    const http = call(thread, hostport, [], ['host', 'localhost', 'port', 80]) as Struct;
    assert.equal(repr(http), 'hostport(host = "localhost", port = 80)');
    assert.ok(!equals(http, s));
    const bob = call(thread, person, [], ['name', 'bob']) as Struct;
    fails(() => http.binary('+', bob, 'left'), 'cannot add structs of different constructors: hostport + person');
    assert.equal(noSuchAttrMessage(http, 'protocol'), 'hostport struct has no .protocol attribute');
    assert.equal(noSuchAttrMessage(s, 'protocol'), 'struct has no .protocol attribute');
    assert.equal(s.ctor, DEFAULT_CONSTRUCTOR);
  });
  it('rejects positional arguments', () => {
    fails(() => call(thread, structBuiltin, [1]), 'struct: unexpected positional arguments');
  });
  it('freezes what it holds', () => {
    const l = new List([1]);
    freeze(struct(['l', l]));
    assert.ok(l.frozen);
  });
  it('has to_json, which is not a field', () => {
    const t = struct(['b', new List([1, 'x']), 'a', null]);
    const toJson = getAttr(t, 'to_json');
    assert.ok(toJson instanceof Builtin);
    assert.equal(call(thread, toJson, []), '{"a":null,"b":[1,"x"]}');
    assert.deepEqual(attrNames(t), ['a', 'b']);
    assert.equal(getAttr(struct(['to_json', 1]), 'to_json'), 1);
    fails(() => call(thread, getAttr(struct(['f', toJson]), 'to_json'), []), /^to_json: in field \.f: cannot encode/);
  });
  it('finds fields of large structs', () => {
    const kw: Value[] = [];
    for (let i = 0; i < 40; i++) kw.push(`f${String(i).padStart(2, '0')}`, i);
    const big = struct(kw);
    for (let i = 0; i < 40; i++) assert.equal(big.field(`f${String(i).padStart(2, '0')}`), i);
    assert.equal(big.field('g'), undefined);
  });
});

describe('module', () => {
  const m = call(thread, moduleBuiltin, ['assert'], ['eq', 1, 'fails', 2]) as Module;
  it('is a named namespace', () => {
    assert.equal(typeName(m), 'module');
    assert.equal(repr(m), '<module "assert">');
    assert.deepEqual(attrNames(m), ['eq', 'fails']);
    assert.equal(getAttr(m, 'eq'), 1);
    fails(() => getAttr(m, 'falls'), 'module has no .falls field or method (did you mean .fails?)');
    fails(() => hashKey(m), 'unhashable: module');
    fails(() => m.setField('foo', null), "can't assign to .foo field of module");
  });
  it('checks its arguments', () => {
    fails(() => call(thread, moduleBuiltin, []), 'module: got 0 arguments, want 1');
    fails(() => call(thread, moduleBuiltin, [1]), 'module: for parameter 1: got int, want string');
  });
  it('can be built from a record', () => {
    const n = new Module('n', { b: 2, a: 1 });
    assert.deepEqual(n.attrNames(), ['a', 'b']);
  });
});
