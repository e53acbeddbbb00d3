// The Go values a template can see or make, and the conversion from JSON-like data.
//
// Kurtosis decodes template data with encoding/json and UseNumber, so a template sees
// map[string]interface{}, []interface{}, string, bool, nil and json.Number (a *string* type
// holding the number's text); evaluation adds int/int64/uint8, float64 and complex128 (from
// literals, len, index, json.Number's methods). Representation (all strings are byte strings,
// see utf8.ts):
//   undefined   the invalid reflect.Value ("no value": missing key, nil data)
//   NIL         a nil interface{} held in a map or slice slot (JSON null)
//   string      Go string            boolean  bool            number  float64
//   JsonNumber  json.Number          GoInt    int/int64/uint8  GoComplex complex128
//   GoMap       map[string]interface {}      GoSlice []interface {} (with Go's capacity)
// Interface-typed slots matter to Go's error messages and nil handling; the evaluator tracks
// whether a value came out of such a slot (see exec.ts).

import { TemplateError } from './errors.js';
import { toBytes } from './utf8.js';

/** A JSON number kept as its literal text (Go's json.Number). */
export class JsonNumber {
  /** @param text the number's text, as written in JSON */
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type IntType = 'int' | 'int64' | 'int32' | 'uint8';

/** A Go integer of one of the integer types templates can produce. */
export class GoInt {
  constructor(
    readonly v: bigint,
    readonly t: IntType,
  ) {}
}

/** A Go complex128. */
export class GoComplex {
  constructor(
    readonly re: number,
    readonly im: number,
  ) {}
}

/** map[string]interface {} */
export class GoMap {
  private sorted: string[] | undefined;
  constructor(readonly entries: Map<string, GoVal>) {}
  /** Keys in Go's order (bytewise), as fmt and range use. */
  keys(): string[] {
    if (this.sorted === undefined) this.sorted = [...this.entries.keys()].sort(compareBytes);
    return this.sorted;
  }
}

/** []interface {}: a window [off, off+len) with capacity `cap` on a backing array. */
export class GoSlice {
  constructor(
    readonly backing: readonly GoVal[],
    readonly off: number,
    readonly len: number,
    readonly cap: number,
  ) {}
  at(i: number): GoVal {
    const v = this.backing[this.off + i];
    return v === undefined ? NIL : v;
  }
}

/** A nil interface{} value sitting in a map or slice slot. */
export const NIL: unique symbol = Symbol('nil');
export type Nil = typeof NIL;

export type GoVal = string | boolean | number | JsonNumber | GoInt | GoComplex | GoMap | GoSlice | Nil;
/** A reflect.Value: a Go value or undefined (the invalid Value). */
export type Val = GoVal | undefined;

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function goInt(n: number | bigint): GoInt {
  return new GoInt(BigInt(n), 'int');
}

/** Go's name for the value's dynamic type, as %T and error messages print it. */
export function typeName(v: Val): string {
  if (v === undefined) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float64';
    case 'symbol':
      return 'interface {}';
  }
  if (v instanceof JsonNumber) return 'json.Number';
  if (v instanceof GoInt) return v.t;
  if (v instanceof GoMap) return 'map[string]interface {}';
  if (v instanceof GoSlice) return '[]interface {}';
  return 'complex128';
}

/** Go's reflect.Kind classes the engine distinguishes. */
export type Kind = 'invalid' | 'interface' | 'string' | 'bool' | 'int' | 'uint' | 'float' | 'complex' | 'map' | 'slice';

export function kindOf(v: Val): Kind {
  if (v === undefined) return 'invalid';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float';
    case 'symbol':
      return 'interface';
  }
  if (v instanceof JsonNumber) return 'string';
  if (v instanceof GoInt) return v.t === 'uint8' ? 'uint' : 'int';
  if (v instanceof GoMap) return 'map';
  if (v instanceof GoSlice) return 'slice';
  return 'complex';
}

/** Capacity encoding/json leaves on a decoded array of n elements (Go 1.19 append growth). */
function decodedCap(n: number): number {
  let cap = 0;
  while (cap < n) cap = growCap(cap, cap + 1);
  return cap;
}

const CLASS_TO_SIZE = [
  0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024,
  1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568,
  14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768,
];

function roundUpSize(size: number): number {
  if (size < 32768) {
    for (const c of CLASS_TO_SIZE) if (c >= size) return c;
  }
  return Math.ceil(size / 8192) * 8192;
}

function growCap(oldCap: number, needed: number): number {
  let newCap = oldCap;
  const doubleCap = oldCap * 2;
  if (needed > doubleCap) newCap = needed;
  else if (oldCap < 256) newCap = doubleCap;
  else {
    while (newCap < needed) newCap += Math.floor((newCap + 3 * 256) / 4);
  }
  return roundUpSize(newCap * 16) / 16;
}

/**
 * Formats a float64 the way Go's encoding/json marshals it (Kurtosis passes template data
 * through a float64 round trip, so this is the text a json.Number holds).
 */
function goJsonFloat(n: number): string {
  if (!Number.isFinite(n)) throw new TemplateError(`json: unsupported value: ${goFloatName(n)}`, '', 'data');
  if (Object.is(n, -0)) return '-0';
  return String(n);
}

function goFloatName(n: number): string {
  return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
}

/** encoding/json's maximum nesting of arrays and objects. */
const MAX_NESTING = 10000;

/**
 * Converts JSON-like JS data to the Go value Kurtosis's decoder would produce. Objects (and
 * Maps with string keys) become maps, arrays become slices, numbers become json.Number
 * (JS numbers formatted as Go marshals a float64; bigints and JsonNumber kept exactly), null
 * becomes nil. Top-level null/undefined is the invalid value, like reflect.ValueOf(nil).
 * Iterative, so data of any depth converts without exhausting the JS stack.
 */
export function fromData(data: unknown): Val {
  if (data === null || data === undefined) return undefined;
  const root: GoVal[] = [NIL];
  // Work items: convert `value` (at nesting `depth`) and store it with `store`.
  const work: { value: unknown; depth: number; store: (v: GoVal) => void }[] = [
    {
      value: data,
      depth: 0,
      store: (v) => {
        root[0] = v;
      },
    },
  ];
  while (work.length > 0) {
    const { value, depth, store } = work.pop()!;
    const scalar = convertScalar(value);
    if (scalar !== undefined) {
      store(scalar);
      continue;
    }
    if (depth >= MAX_NESTING) {
      throw new TemplateError(`invalid character '${Array.isArray(value) ? '[' : '{'}' exceeded max depth`, '', 'data');
    }
    if (Array.isArray(value)) {
      const items: GoVal[] = new Array(value.length).fill(NIL);
      store(new GoSlice(items, 0, items.length, decodedCap(items.length)));
      for (let i = 0; i < value.length; i++) {
        work.push({
          value: value[i],
          depth: depth + 1,
          store: (v) => {
            items[i] = v;
          },
        });
      }
      continue;
    }
    const m = new Map<string, GoVal>();
    store(new GoMap(m));
    const entries: [string, unknown][] = [];
    if (value instanceof Map) {
      for (const [k, v] of value) {
        if (typeof k !== 'string') throw new TemplateError(`json: unsupported map key type ${typeof k}`, '', 'data');
        entries.push([k, v]);
      }
    } else {
      for (const k of Object.keys(value as object)) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
        entries.push([k, v]);
      }
    }
    for (const [k, v] of entries) {
      const key = toBytes(k);
      m.set(key, NIL);
      work.push({
        value: v,
        depth: depth + 1,
        store: (gv) => {
          m.set(key, gv);
        },
      });
    }
  }
  return root[0];
}

/** Converts a non-container value, or returns undefined for arrays, objects and Maps. */
function convertScalar(d: unknown): GoVal | undefined {
  switch (typeof d) {
    case 'string':
      return toBytes(d);
    case 'boolean':
      return d;
    case 'number':
      return new JsonNumber(goJsonFloat(d));
    case 'bigint':
      return new JsonNumber(d.toString());
    case 'undefined':
      return NIL;
    case 'object':
      if (d === null) return NIL;
      if (d instanceof JsonNumber) return d;
      return undefined;
  }
  throw new TemplateError(`json: unsupported type: ${typeof d}`, '', 'data');
}
