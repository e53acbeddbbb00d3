// Tests of the json module: output bytes, accepted input and error messages as the
// reference's lib/json (checked against go.starlark.net built with Go; the one deliberate
// difference, \b and \f short escapes, is that of current Go versions).
import assert from 'node:assert/strict';
import { decodeJSON, encodeJSON, indentJSON, jsonModule, quoteJSON } from '../../lib/starlark/json.js';
import { Module, Struct } from '../../lib/starlark/struct.js';
import {
  Builtin,
  Dict,
  Float,
  List,
  Range,
  StarSet,
  StarlarkObject,
  Thread,
  call,
  equals,
  fromUtf8,
  getAttr,
  repr,
  type KwArgs,
  type Value,
} from '../../lib/starlark/values.js';
import { fails } from './helpers.js';

const thread = new Thread();

function j(name: string, args: Value[], kwargs: KwArgs | null = null): Value {
  return call(thread, getAttr(jsonModule, name), args, kwargs);
}
function dict(...pairs: [Value, Value][]): Dict {
  const d = new Dict();
  for (const [k, v] of pairs) d.set(k, v);
  return d;
}
const list = (...xs: Value[]): List => new List(xs);

describe('json module', () => {
  it('is a module with encode, decode, indent', () => {
    assert.equal(repr(jsonModule), '<module "json">');
    assert.ok(jsonModule instanceof Module);
    assert.deepEqual(jsonModule.attrNames(), ['decode', 'encode', 'indent']);
    assert.equal(repr(getAttr(jsonModule, 'encode')), '<built-in function json.encode>');
  });
});

describe('json.encode', () => {
  it('writes compact JSON with sorted keys', () => {
    assert.equal(encodeJSON(null), 'null');
    assert.equal(encodeJSON(true), 'true');
    assert.equal(encodeJSON(-123), '-123');
    assert.equal(encodeJSON(3539537889086624823140625n), '3539537889086624823140625');
    assert.equal(encodeJSON(list(1, 'a', [2, null])), '[1,"a",[2,null]]');
    assert.equal(encodeJSON(new Range(0, 3, 1)), '[0,1,2]');
    assert.equal(encodeJSON(dict(['y', 'two'], ['x', 1])), '{"x":1,"y":"two"}');
    assert.equal(
      encodeJSON(
        Struct.fromEntries('struct', [
          ['y', 'two'],
          ['x', 1],
        ]),
      ),
      '{"x":1,"y":"two"}',
    );
    const s = new StarSet();
    s.add(1);
    assert.equal(encodeJSON(s), '[1]');
  });
  it('writes floats in Go %g form', () => {
    const f = (x: number): string => encodeJSON(new Float(x));
    assert.equal(f(1), '1');
    assert.equal(f(1.5), '1.5');
    assert.equal(f(1e6), '1e+06');
    assert.equal(f(123456), '123456');
    assert.equal(f(12.345e67), '1.2345e+68');
    assert.equal(f(1e-5), '1e-05');
    assert.equal(f(-0), '-0');
    assert.equal(f(3.539537889086625e24), '3.539537889086625e+24');
  });
  it('escapes strings as Go does', () => {
    assert.equal(quoteJSON('hello'), '"hello"');
    assert.equal(quoteJSON('a"b\\c<>&'), '"a\\"b\\\\c<>&"');
    assert.equal(quoteJSON('\x80'), '"\\ufffd"');
    assert.equal(quoteJSON('<\n' + fromUtf8('é\u2028')), '"\\u003c\\n' + fromUtf8('é') + '\\u2028"');
    assert.equal(quoteJSON('\x00\x08\x0c\x1f\t'), '"\\u0000\\b\\f\\u001f\\t"');
  });
  it('reports errors with their path', () => {
    const len = new Builtin('len', () => null);
    fails(() => j('encode', [new Float(NaN)]), 'json.encode: cannot encode non-finite float nan');
    fails(() => j('encode', [dict([1, 'two'])]), 'json.encode: dict has int key, want string');
    fails(() => j('encode', [len]), 'json.encode: cannot encode builtin_function_or_method as JSON');
    fails(
      () => j('encode', [Struct.fromEntries('struct', [['x', list(1, dict(['x', len]))]])]),
      'json.encode: in field .x: at list index 1: in dict key "x": cannot encode builtin_function_or_method as JSON',
    );
    const l = list(1);
    l.elems.push(l);
    fails(() => j('encode', [l]), 'json.encode: at list index 1: cycle in JSON structure');
    fails(() => j('encode', []), 'json.encode: got 0 arguments, want 1');
  });
  it('lets host types write their own JSON', () => {
    class Raw extends StarlarkObject {
      get typeName(): string {
        return 'raw';
      }
      override repr(out: string[]): void {
        out.push('raw');
      }
      marshalJSON(): string {
        return '{"raw":true}';
      }
    }
    assert.equal(encodeJSON(list(new Raw())), '[{"raw":true}]');
  });
});

describe('json.decode', () => {
  it('decodes values', () => {
    assert.equal(decodeJSON('null'), null);
    assert.equal(decodeJSON(' true '), true);
    assert.equal(decodeJSON('-0'), 0);
    assert.equal(decodeJSON('3539537889086624823140625'), 3539537889086624823140625n);
    assert.equal(repr(decodeJSON('0e+1')), '0.0');
    assert.equal(repr(decodeJSON('-0.0')), '-0.0');
    assert.equal(repr(decodeJSON('[1, 2.5, "x", {"a": {}}]')), '[1, 2.5, "x", {"a": {}}]');
    assert.equal(decodeJSON('"\\ud83d\\ude39"'), fromUtf8('😹'));
    assert.equal(decodeJSON('"\\ud800x"'), fromUtf8('\ufffdx'));
    assert.equal(decodeJSON('"\\u0123"'), fromUtf8('ģ'));
    assert.equal(decodeJSON('"a\xffb\xc3\xa9"'), fromUtf8('a\ufffdbé'));
    assert.equal(decodeJSON('"a\tb"'), 'a\tb', 'a raw control character passes the quick path');
    assert.ok(equals(decodeJSON('{"a":1,"a":2}') as Value, dict(['a', 2])));
    assert.ok(decodeJSON('[]') instanceof List);
  });
  it('reports the reference messages', () => {
    const bad: [string, string][] = [
      ['truefalse', "at offset 4, unexpected character 'f' after value"],
      ['"abc', 'at offset 0, unclosed string literal'],
      ['"ab\\gc"', "at offset 7, invalid character 'g' in string escape code"],
      ['"\\t\x01"', "at offset 5, invalid character '\\x01' in string literal"],
      ["'abc'", "at offset 0, unexpected character '\\''"],
      ['1.2.3', 'at offset 5, invalid number: 1.2.3'],
      ['+1', "at offset 0, unexpected character '+'"],
      ['-', 'at offset 1, invalid number: -'],
      ['-00', 'at offset 3, invalid number: -00'],
      ['0x123', "at offset 1, unexpected character 'x' after value"],
      ['[1, 2 ', 'at offset 6, unexpected end of file'],
      ['[1, 2}', "at offset 5, got '}', want ',' or ']'"],
      ['{"one" 1', "at offset 7, after object key, got '1', want ':' "],
      ['{"one": 1 "two": 2', `at offset 10, in object, got '"', want ',' or '}'`],
      ['{1: 2}', 'at offset 2, got int for object key, want string'],
      ['1e400', 'at offset 5, invalid number: 1e400'],
      ['\xe9', "at offset 0, unexpected character '\xc3\xa9'"],
      ['', 'at offset 0, unexpected end of file'],
    ];
    for (const [src, msg] of bad) fails(() => decodeJSON(src), `json.decode: ${msg}`);
  });
  it('returns the default for invalid input when given one', () => {
    assert.equal(j('decode', ['nope'], ['default', 7]), 7);
    assert.equal(j('decode', ['1'], ['default', 7]), 1);
    fails(() => j('decode', [], ['x', '1']), 'json.decode: unexpected keyword argument x');
    fails(() => j('decode', [1]), 'json.decode: for parameter x: got int, want string');
  });
});

describe('json.indent', () => {
  const s = '{"x":1,"y":["one","two"],"z":{},"w":[]}';
  it('indents as Go does', () => {
    assert.equal(indentJSON(s), '{\n\t"x": 1,\n\t"y": [\n\t\t"one",\n\t\t"two"\n\t],\n\t"z": {},\n\t"w": []\n}');
    assert.equal(j('indent', ['{"a":[1]}'], ['prefix', '>', 'indent', '  ']), '{\n>  "a": [\n>    1\n>  ]\n>}');
    assert.equal(indentJSON(' [1] \n'), '[\n\t1\n] \n');
  });
  it('reports the scanner messages', () => {
    fails(() => j('indent', ['!@#$%^& this is not json']), "json.indent: invalid character '!' looking for beginning of value");
    fails(() => j('indent', ['{"a":1']), 'json.indent: unexpected end of JSON input');
    fails(() => j('indent', ['{"a" 1}']), "json.indent: invalid character '1' after object key");
    fails(() => j('indent', ['[1,]']), "json.indent: invalid character ']' looking for beginning of value");
    fails(() => j('indent', ['{"a":1}}']), "json.indent: invalid character '}' after top-level value");
    fails(() => j('indent', ['tru']), "json.indent: invalid character ' ' in literal true (expecting 'e')");
    fails(() => j('indent', ['nulx']), "json.indent: invalid character 'x' in literal null (expecting 'l')");
    fails(() => j('indent', ['"\\u00zz"']), "json.indent: invalid character 'z' in \\u hexadecimal character escape");
    fails(() => j('indent', ['[1]', 2]), 'json.indent: got 2 arguments, want 1');
    fails(() => j('indent', ['[1]'], ['indent', 1]), 'json.indent: for parameter "indent": got int, want string');
  });
});
