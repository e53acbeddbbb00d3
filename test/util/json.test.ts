import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UserError } from '../../lib/util/errors.js';
import {
  canonicalJson,
  canonicalRecord,
  formatJson,
  locateJsonError,
  parseJson,
  recordsCanonicalJson,
  type JsonObject,
  type JsonValue,
} from '../../lib/util/json.js';

describe('util/json', () => {
  describe('canonicalJson', () => {
    it('sorts keys at every level and writes no white space', () => {
      assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    });

    it('sorts keys by UTF-16 code units (RFC 8785)', () => {
      assert.equal(canonicalJson({ '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, a: 4, B: 5 }), '{"\\r":2,"B":5,"a":4,"€":1,"😀":3}');
    });

    it('writes numbers in the shortest round-trip form', () => {
      assert.equal(canonicalJson([-0, 1.0, 0.1, 1e21, 1e-7, 123456789012345680000]), '[0,1,0.1,1e+21,1e-7,123456789012345680000]');
    });

    it('leaves out undefined properties, as JSON does', () => {
      assert.equal(canonicalJson({ a: 1, b: undefined } as unknown as JsonValue), '{"a":1}');
    });

    it('refuses what JSON cannot carry', () => {
      const bad: unknown[] = [NaN, Infinity, [undefined], 1n, new Date(0), new Map(), new Uint8Array(1), () => 1];
      for (const value of bad) assert.throws(() => canonicalJson(value as JsonValue), TypeError, String(value));
      const cycle: Record<string, unknown> = {};
      cycle['self'] = cycle;
      assert.throws(() => canonicalJson(cycle as JsonValue), /cycle/);
    });

    it('keeps __proto__ as an ordinary key', () => {
      const v = JSON.parse('{"__proto__":{"x":1},"a":2}') as JsonValue;
      assert.equal(canonicalJson(v), '{"__proto__":{"x":1},"a":2}');
    });

    it('is independent of key order and survives a round trip (property)', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          const text = canonicalJson(value as JsonValue);
          assert.equal(canonicalJson(JSON.parse(text) as JsonValue), text);
          const shuffled = JSON.parse(JSON.stringify(value), function (this: unknown, _k, v: unknown) {
            if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).reverse());
            return v;
          }) as JsonValue;
          assert.equal(canonicalJson(shuffled), text);
        }),
      );
    });
  });

  describe('recordsCanonicalJson', () => {
    // Documents shaped like a plan file's body: top-level lists and maps of records, and scalars.
    const documents = fc.dictionary(fc.string(), fc.oneof(fc.array(fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()));
    const reversed = (value: unknown): JsonObject =>
      JSON.parse(JSON.stringify(value), function (this: unknown, _k, v: unknown) {
        if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).reverse());
        return v;
      }) as JsonObject;

    it('is canonicalJson of the document, and its record texts leave formatJson unchanged (property)', () => {
      fc.assert(
        fc.property(documents, (value) => {
          const doc = reversed(value);
          const texts = new Map<object, string>();
          assert.equal(recordsCanonicalJson(doc, texts), canonicalJson(doc));
          const options = { leadingKeys: ['b', 'a'], oneLineFrom: 2 };
          assert.equal(formatJson(doc, { ...options, recordTexts: texts }), formatJson(doc, options));
        }),
        { numRuns: 500 },
      );
    });

    it('leaves out undefined values and refuses what JSON cannot carry, as canonicalJson does', () => {
      const texts = new Map<object, string>();
      assert.equal(recordsCanonicalJson({ a: undefined, b: [{ y: 1, x: 2 }] } as unknown as JsonObject, texts), '{"b":[{"x":2,"y":1}]}');
      assert.throws(() => recordsCanonicalJson({ a: [undefined] } as unknown as JsonObject, new Map()), TypeError);
      assert.throws(() => recordsCanonicalJson({ a: [{ n: NaN }] } as unknown as JsonObject, new Map()), TypeError);
    });
  });

  describe('canonicalRecord', () => {
    it('sorts keys at every level, copying only objects that were out of order', () => {
      const inOrder = { a: [1, { x: 1, y: 2 }], b: { c: true } };
      const unordered = { b: inOrder.b, a: [inOrder.b, { z: 1, y: 2 }] };
      assert.equal(canonicalRecord(inOrder), inOrder);
      const sorted = canonicalRecord(unordered);
      assert.deepEqual(Object.keys(sorted), ['a', 'b']);
      assert.deepEqual(Object.keys((sorted.a as JsonValue[])[1] as JsonObject), ['y', 'z']);
      assert.equal(sorted.b, inOrder.b, 'an object already in order is shared, not copied');
      assert.equal((sorted.a as JsonValue[])[0], inOrder.b);
    });

    it('gives the same value and canonical text as canonicalJson (property)', () => {
      fc.assert(
        fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
          const shuffled = JSON.parse(JSON.stringify(value), function (this: unknown, _k, v: unknown) {
            if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).reverse());
            return v;
          }) as JsonObject;
          const record = canonicalRecord(shuffled);
          assert.equal(canonicalJson(record), canonicalJson(value as JsonObject));
          assert.equal(canonicalJson(canonicalRecord(record)), canonicalJson(value as JsonObject));
        }),
      );
    });

    it('writes the canonical text of objects with array-index keys, which JavaScript enumerates first', () => {
      assert.equal(canonicalJson(canonicalRecord({ '0': 0, '': {}, '10': 1, '9': 2 })), '{"":{},"0":0,"10":1,"9":2}');
    });

    it('refuses what JSON cannot carry, naming where', () => {
      assert.throws(() => canonicalRecord({ a: { b: NaN } }), /\.a\.b: NaN is not a JSON number/);
      assert.throws(() => canonicalRecord({ a: [1, undefined as unknown as JsonValue] }), /a JSON value/);
      assert.throws(() => canonicalRecord({ m: new Map() as unknown as JsonValue }), /a Map is not a JSON value/);
    });

    it('leaves out undefined properties, as JSON does', () => {
      const record = canonicalRecord({ b: 1, a: undefined as unknown as JsonValue });
      assert.deepEqual(Object.keys(record), ['b']);
      assert.equal(canonicalJson(record), '{"b":1}');
    });
  });

  describe('formatJson', () => {
    it('indents, sorts, ends with a newline and puts leading keys first at the top only', () => {
      const text = formatJson({ z: { version: 1, a: [] }, a: {}, version: 2 }, { leadingKeys: ['version', 'z'] });
      assert.equal(text, '{\n  "version": 2,\n  "z": {\n    "a": [],\n    "version": 1\n  },\n  "a": {}\n}\n');
    });

    it('parses back to the same canonical value', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          assert.equal(canonicalJson(JSON.parse(formatJson(value as JsonValue)) as JsonValue), canonicalJson(value as JsonValue));
        }),
      );
    });
  });

  describe('parseJson', () => {
    const errorOf = (text: string): UserError => {
      try {
        parseJson(text, 'f.json');
      } catch (e) {
        assert.ok(e instanceof UserError);
        return e;
      }
      assert.fail('expected an error');
    };

    it('names the file, line and column of the first error', () => {
      const e = errorOf('{\n  "a": 1,\n  "b": }\n');
      assert.deepEqual(e.location, { file: 'f.json', line: 3, col: 8 });
      assert.match(e.message, /^f\.json:3:8: not valid JSON: unexpected character "}"/);
    });

    it('describes truncated and trailing content', () => {
      assert.match(errorOf('{"a": [1, 2').message, /f\.json:1:12: .*expected ',' or '\]' in an array, unexpected end of the file/);
      assert.match(errorOf('{} x').message, /f\.json:1:4: .*unexpected content after the JSON value/);
      assert.match(errorOf('{"a": "x\ny"}').message, /f\.json:1:9: .*control character/);
      assert.match(errorOf('[01]').message, /f\.json:1:3: .*expected ',' or '\]'/);
      assert.match(errorOf('{a: 1}').message, /f\.json:1:2: .*property name in double quotes/);
    });

    it('says so when the file is empty', () => {
      assert.match(errorOf('  \n').message, /^f\.json: the file is empty/);
    });

    it('agrees with JSON.parse about what is JSON (property)', () => {
      fc.assert(
        fc.property(fc.jsonValue(), fc.nat(), fc.string({ maxLength: 2, unit: 'binary' }), (value, at, junk) => {
          const good = JSON.stringify(value);
          const text = good.slice(0, at % (good.length + 1)) + junk + good.slice(at % (good.length + 1));
          let valid = true;
          try {
            JSON.parse(text);
          } catch {
            valid = false;
          }
          const found = locateJsonError(text);
          assert.equal(found === null, valid, `${JSON.stringify(text)}: ${JSON.stringify(found)}`);
          if (found) assert.ok(found.offset <= text.length);
        }),
        { numRuns: 1000 },
      );
    });
  });
});
