// Conversion between plain JavaScript data (JSON-like: null, booleans, numbers, bigints,
// strings, arrays, plain objects, Maps) and Starlark values, for host code. Strings cross
// the boundary as Unicode text on the JS side and byte strings on the Starlark side.
import { Dict, Float, List, StarlarkObject, fail, isInt, toUnicode, fromUtf8, typeName, type Value } from './values.js';

export type JsValue = null | boolean | number | bigint | string | JsValue[] | { [key: string]: JsValue };

export interface ToStarlarkOptions {
  /** Arrays become tuples instead of lists. */
  readonly arraysAsTuples?: boolean;
}

/** JS data → a (mutable) Starlark value. Integral numbers become ints, others floats. */
export function toStarlark(v: unknown, options: ToStarlarkOptions = {}): Value {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return Number.isSafeInteger(v) ? v : new Float(v);
    case 'bigint':
      return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v;
    case 'string':
      return fromUtf8(v);
    case 'object': {
      if (v instanceof StarlarkObject || v instanceof Float) return v;
      if (Array.isArray(v)) {
        const elems = v.map((e) => toStarlark(e, options));
        return options.arraysAsTuples ? elems : new List(elems);
      }
      const d = new Dict();
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as Record<string, unknown>);
      for (const [k, e] of entries) d.setUnchecked(toStarlark(k, options), toStarlark(e, options));
      return d;
    }
  }
  return fail(`cannot convert JavaScript ${typeof v} to a Starlark value`);
}

/**
 * A Starlark value → JS data: ints become numbers (bigints when out of the safe range),
 * floats numbers, lists and tuples arrays, dicts plain objects (keys converted with str),
 * strings Unicode text. Other values (functions, host types) fail unless `other` maps them.
 */
export function toJS(v: Value, other?: (v: Value) => JsValue): JsValue {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'string') return toUnicode(v);
  if (isInt(v)) return v;
  if (v instanceof Float) return v.v;
  if (Array.isArray(v)) return v.map((e) => toJS(e, other));
  if (v instanceof List) return v.elems.map((e) => toJS(e, other));
  if (v instanceof Dict) {
    const out: { [key: string]: JsValue } = {};
    for (const [k, e] of v.items()) {
      const key = typeof k === 'string' ? toUnicode(k) : String(toJS(k, other));
      // (defineProperty: a key "__proto__" must stay an entry, not become the prototype)
      Object.defineProperty(out, key, { value: toJS(e, other), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (other) return other(v);
  return fail(`cannot convert ${typeName(v)} to data`);
}
