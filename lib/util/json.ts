// JSON as starform stores and hashes it.
//
// `canonicalJson` is the one text form a JSON value has: object keys sorted by UTF-16 code
// units, no white space, numbers and strings exactly as ECMAScript's JSON.stringify writes
// them (shortest round-trip form, -0 as 0). That is the JSON Canonicalization Scheme of
// RFC 8785, so a hash of it does not change when a file is re-indented or a Starlark dict
// is built in another order. `formatJson` is the deterministic, readable form the state and
// plan files are written in: the same sorted keys, indented, with a chosen few top-level
// keys first so that `format_version` opens the file.
//
// Both refuse what JSON cannot carry (NaN, Infinity, undefined in arrays, BigInt, Dates,
// Maps, class instances, cycles) rather than silently dropping or converting it; an
// object property whose value is undefined is left out, as JSON.stringify does.
//
// `parseJson` reads a file's text and, when it is not JSON, says where: V8's messages
// often give no position, so a small scanner finds the first offending character.
import { UserError } from './errors.js';

export type JsonPrimitive = null | boolean | number | string;
export type JsonValue = JsonPrimitive | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/**
 * Sets an own, enumerable property, also for the key `__proto__` (which plain assignment
 * would take as the object's prototype, losing the entry).
 */
export function setOwnKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The RFC 8785 canonical text of a value. */
export function canonicalJson(value: JsonValue): string {
  if (typeof value === 'object' && value !== null) {
    const known = recordTexts.get(value);
    if (known !== undefined) return known;
  }
  // Records are mostly built (or read back from our own files) with their keys in order
  // already: then the engine's own JSON.stringify writes the canonical text, much faster.
  if (inCanonicalOrder(value, 0)) return JSON.stringify(value);
  try {
    return fastCanonical(value, 0);
  } catch (e) {
    // Not JSON (or absurdly deep): the careful serializer says where.
    if (e === NOT_FAST) return serialize(value, { indent: '', leadingKeys: [], oneLineFrom: 0 });
    throw e;
  }
}

/**
 * The same JSON value with every object's keys in canonical (sorted) order; the value
 * itself when it already is. Records kept in this order hash through JSON.stringify.
 */
function inKeyOrder<T extends JsonValue>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: JsonValue[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const e = value[i] as JsonValue;
      const o = inKeyOrder(e);
      if (o !== e && out === null) out = value.slice(0, i) as JsonValue[];
      if (out !== null) out.push(o);
    }
    return (out ?? value) as T;
  }
  const obj = value as Record<string, JsonValue>;
  const keys = Object.keys(obj);
  let ordered = true;
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1] < keys[i])) ordered = false;
  const sortedKeys = ordered ? keys : [...keys].sort();
  let changed = !ordered;
  const values = sortedKeys.map((k) => {
    const e = obj[k];
    const o = e === undefined ? e : inKeyOrder(e);
    if (o !== e) changed = true;
    return o;
  });
  if (!changed) return value;
  const out: Record<string, JsonValue> = {};
  sortedKeys.forEach((k, i) => {
    if (values[i] !== undefined) setOwnKey(out, k, values[i]);
  });
  return out as T;
}

/** The canonical texts of the records canonicalRecord made (they are never mutated). */
const recordTexts = new WeakMap<object, string>();

/**
 * A record in canonical form, to be kept unchanged from now on: every object's keys
 * sorted (objects copied only where they were not), checked to be JSON, in one walk. Its
 * canonical text is written once and remembered, so hashing the record, scanning it for
 * references and comparing it later cost no further walk. Throws like canonicalJson on
 * what is not JSON.
 */
export function canonicalRecord<T extends JsonObject>(value: T): T {
  let sorted: T;
  let text: string;
  try {
    enumeratesSorted = true;
    sorted = sortedJson(value, 0) as T;
    // An object with array-index keys ("0") enumerates them first whatever the order they
    // were added in, so JSON.stringify of it is not canonical: the careful writer is.
    text = recordTexts.get(sorted) ?? (enumeratesSorted ? JSON.stringify(sorted) : fastCanonical(sorted, 0));
  } catch (e) {
    if (e !== NOT_FAST) throw e;
    // Not JSON (serialize says where), or nested too deep for the quick walk.
    text = serialize(value, { indent: '', leadingKeys: [], oneLineFrom: 0 });
    sorted = inKeyOrder(value);
  }
  recordTexts.set(sorted, text);
  return sorted;
}

/** Cleared by sortedJson when an object it made does not enumerate its keys in sorted order. */
let enumeratesSorted = true;

/** inKeyOrder that also refuses what is not JSON (NOT_FAST), for canonicalRecord. */
function sortedJson(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null) {
    if (typeof v === 'string' || typeof v === 'boolean' || v === null || (typeof v === 'number' && Number.isFinite(v))) return v;
    throw NOT_FAST;
  }
  if (depth > 1000) throw NOT_FAST;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const e: unknown = v[i];
      if (e === undefined) throw NOT_FAST;
      const o = sortedJson(e, depth + 1);
      if (o !== e && out === null) out = v.slice(0, i);
      if (out !== null) out.push(o);
    }
    return out ?? v;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw NOT_FAST;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  let ordered = true;
  for (let i = 1; i < keys.length; i++) {
    if (!(keys[i - 1] < keys[i])) {
      ordered = false;
      keys.sort();
      break;
    }
  }
  let out: Record<string, unknown> | null = ordered ? null : {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const e = obj[k];
    if (e === undefined) {
      // JSON leaves such a property out; so does the copy.
      if (out === null) out = copyKeys(obj, keys, i);
      continue;
    }
    const o = sortedJson(e, depth + 1);
    if (o !== e && out === null) out = copyKeys(obj, keys, i);
    if (out !== null) setOwnKey(out, k, o);
  }
  if (out !== null && !ordered) {
    const made = Object.keys(out);
    for (let i = 1; i < made.length; i++) if (!(made[i - 1] < made[i])) enumeratesSorted = false;
  }
  return out ?? v;
}

function copyKeys(obj: Record<string, unknown>, keys: readonly string[], end: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let j = 0; j < end; j++) if (obj[keys[j]] !== undefined) setOwnKey(out, keys[j], obj[keys[j]]);
  return out;
}

const NOT_FAST = new Error('not JSON');

/** Whether JSON.stringify(v) is v's canonical text: plain objects with sorted keys, finite numbers. */
function inCanonicalOrder(v: unknown, depth: number): boolean {
  if (typeof v !== 'object' || v === null) {
    return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || v === null;
  }
  if (depth > 1000) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const e: unknown = v[i];
      if (e === undefined || !inCanonicalOrder(e, depth + 1)) return false;
    }
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  let prev: string | undefined;
  for (const k in v) {
    if (prev !== undefined && !(prev < k)) return false;
    prev = k;
    const e = (v as Record<string, unknown>)[k];
    if (e !== undefined && !inCanonicalOrder(e, depth + 1)) return false;
  }
  return true;
}

/**
 * The canonical text without the bookkeeping of `serialize` (paths, cycle sets): hashing
 * configurations is on the hot path of plan and apply. Anything unusual bails out.
 */
function fastCanonical(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw NOT_FAST;
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      break;
    default:
      throw NOT_FAST;
  }
  if (v === null) return 'null';
  if (depth > 1000) throw NOT_FAST;
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ',';
      out += fastCanonical(v[i], depth + 1);
    }
    return out + ']';
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw NOT_FAST;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const e = o[k];
    if (e === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(k) + ':' + fastCanonical(e, depth + 1);
  }
  return out + '}';
}

export interface FormatOptions {
  /** Spaces per level; 0 gives the compact form. Default 2. */
  readonly indent?: number;
  /** Top-level keys written first, in this order; the others follow sorted. */
  readonly leadingKeys?: readonly string[];
  /**
   * Objects and arrays this deep (the top level is 0) are written on one line, compact:
   * one line per record of a long list keeps a file diffable record by record at the size
   * of the compact form. Default: none.
   */
  readonly oneLineFrom?: number;
  /**
   * The canonical texts of records at depth `oneLineFrom` (from recordsCanonicalJson): a
   * record's one-line form is its canonical text, so a text made for a checksum is not
   * made again for the file.
   */
  readonly recordTexts?: ReadonlyMap<object, string>;
}

/** Deterministic readable JSON (sorted keys, indented), ending in a newline. */
export function formatJson(value: JsonValue, options: FormatOptions = {}): string {
  const indent = ' '.repeat(options.indent ?? 2);
  const texts = options.recordTexts !== undefined ? { recordTexts: options.recordTexts } : {};
  return serialize(value, { indent, leadingKeys: options.leadingKeys ?? [], oneLineFrom: options.oneLineFrom ?? Infinity, ...texts }) + '\n';
}

/**
 * canonicalJson of a document whose top-level values are lists or maps of records (a plan
 * file's body), built from each record's canonical text, which it leaves in `texts` for
 * formatJson's `recordTexts` (with `oneLineFrom: 2`, the records' depth).
 */
export function recordsCanonicalJson(doc: JsonObject, texts: Map<object, string>): string {
  const pieces: string[] = [];
  emitRecordsCanonicalJson(doc, texts, (piece) => pieces.push(piece));
  return pieces.join('');
}

/**
 * recordsCanonicalJson in pieces, handed to `emit` in order, so that a caller that only
 * hashes the text (the plan file's checksum) never holds all of it at once.
 */
export function emitRecordsCanonicalJson(doc: JsonObject, texts: Map<object, string>, emit: (piece: string) => void): void {
  const record = (v: JsonValue): void => {
    if (typeof v !== 'object' || v === null) return emit(canonicalJson(v));
    let text = texts.get(v);
    if (text === undefined) {
      text = canonicalJson(v);
      texts.set(v, text);
    }
    emit(text);
  };
  /** Emits a list or map of values; false (having emitted nothing) for anything else. */
  const container = (v: JsonValue, of: (e: JsonValue) => void): boolean => {
    if (typeof v !== 'object' || v === null) return false;
    if (Array.isArray(v)) {
      const items = v as readonly JsonValue[];
      // A hole or undefined is not JSON: canonicalJson of the whole says where.
      for (let i = 0; i < items.length; i++) if (items[i] === undefined) return false;
      emit('[');
      for (let i = 0; i < items.length; i++) {
        if (i > 0) emit(',');
        of(items[i]!);
      }
      emit(']');
      return true;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return false;
    const obj = v as JsonObject;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    emit('{');
    keys.forEach((k, i) => {
      emit((i > 0 ? ',' : '') + JSON.stringify(k) + ':');
      of(obj[k]!);
    });
    emit('}');
    return true;
  };
  const level1 = (v: JsonValue): void => {
    if (!container(v, record)) emit(canonicalJson(v));
  };
  if (!container(doc, level1)) emit(canonicalJson(doc));
}

interface SerializeOptions {
  readonly indent: string;
  readonly leadingKeys: readonly string[];
  readonly oneLineFrom: number;
  readonly recordTexts?: ReadonlyMap<object, string>;
}

function serialize(root: JsonValue, options: SerializeOptions): string {
  const parts: string[] = [];
  const ancestors = new Set<object>();
  const { indent, oneLineFrom } = options;

  const write = (value: unknown, path: string, depth: number): void => {
    switch (typeof value) {
      case 'string':
        parts.push(JSON.stringify(value));
        return;
      case 'boolean':
        parts.push(value ? 'true' : 'false');
        return;
      case 'number':
        if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} is not a JSON number`);
        parts.push(JSON.stringify(value));
        return;
      case 'object':
        break;
      default:
        throw new TypeError(`${path}: a ${typeof value} is not a JSON value`);
    }
    if (value === null) {
      parts.push('null');
      return;
    }
    if (ancestors.has(value)) throw new TypeError(`${path}: cycle`);
    const isArray = Array.isArray(value);
    const proto: unknown = Object.getPrototypeOf(value);
    if (!isArray && proto !== Object.prototype && proto !== null) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new TypeError(`${path}: a ${name} is not a JSON value`);
    }
    const known = depth === oneLineFrom ? options.recordTexts?.get(value) : undefined;
    if (known !== undefined) {
      parts.push(known);
      return;
    }
    if (depth >= oneLineFrom && inCanonicalOrder(value, depth)) {
      // A one-line record already in canonical order (and without cycles: the walk is
      // bounded by depth): its compact form is the engine's own JSON.stringify.
      parts.push(JSON.stringify(value));
      return;
    }
    ancestors.add(value);
    const multiLine = indent !== '' && depth < oneLineFrom;
    const inner = multiLine ? '\n' + indent.repeat(depth + 1) : '';
    const outer = multiLine ? '\n' + indent.repeat(depth) : '';
    const colon = multiLine ? ': ' : ':';
    if (isArray) {
      const items = value as readonly unknown[];
      if (items.length === 0) {
        parts.push('[]');
      } else {
        parts.push('[');
        items.forEach((item, i) => {
          if (i > 0) parts.push(',');
          parts.push(inner);
          write(item, `${path}[${i}]`, depth + 1);
        });
        parts.push(outer, ']');
      }
    } else {
      const obj = value as { readonly [key: string]: unknown };
      const keys = orderKeys(
        Object.keys(obj).filter((k) => obj[k] !== undefined),
        depth === 0 ? options.leadingKeys : [],
      );
      if (keys.length === 0) {
        parts.push('{}');
      } else {
        parts.push('{');
        keys.forEach((key, i) => {
          if (i > 0) parts.push(',');
          parts.push(inner, JSON.stringify(key), colon);
          write(obj[key], `${path}.${key}`, depth + 1);
        });
        parts.push(outer, '}');
      }
    }
    ancestors.delete(value);
  };

  write(root, '(value)', 0);
  return parts.join('');
}

function orderKeys(keys: string[], leading: readonly string[]): string[] {
  keys.sort();
  if (leading.length === 0) return keys;
  const present = new Set(keys);
  const first = leading.filter((k) => present.has(k));
  const firstSet = new Set(first);
  return [...first, ...keys.filter((k) => !firstSet.has(k))];
}

/**
 * Parses `text` read from `file`. Not JSON → a UserError at the line and column of the
 * first character that is wrong.
 */
export function parseJson(text: string, file: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    if (text.trim() === '') throw new UserError('the file is empty, not JSON', { location: { file } });
    const { offset, problem } = locateJsonError(text) ?? { offset: 0, problem: 'not JSON' };
    const { line, col } = lineAndColumn(text, offset);
    throw new UserError(`not valid JSON: ${problem}`, { location: { file, line, col } });
  }
}

function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

class JsonSyntaxProblem {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {}
}

/** The first syntax error of a text, or null if it is JSON. */
export function locateJsonError(text: string): { offset: number; problem: string } | null {
  let i = 0;
  const fail = (problem: string, at = i): never => {
    throw new JsonSyntaxProblem(at, problem);
  };
  const describe = (): string => (i >= text.length ? 'unexpected end of the file' : `unexpected character ${JSON.stringify(text[i])}`);
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(describe());
  };
  const string = (): void => {
    const start = i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('control character in a string (write it as an escape)');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          fail('bad escape in a string');
        }
      } else {
        i++;
      }
    }
  };
  const number = (): void => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-') fail('bad number');
    i += m![0].length;
  };
  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      i++;
      skipSpace();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        skipSpace();
        if (text[i] !== '"') fail(`expected a property name in double quotes, ${describe()}`);
        string();
        skipSpace();
        if (text[i] !== ':') fail(`expected ':' after the property name, ${describe()}`);
        i++;
        value();
        skipSpace();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail(`expected ',' or '}' in an object, ${describe()}`);
      }
    } else if (c === '[') {
      i++;
      skipSpace();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        skipSpace();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail(`expected ',' or ']' in an array, ${describe()}`);
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else fail(describe());
  };
  try {
    value();
    skipSpace();
    if (i < text.length) fail(`unexpected content after the JSON value`);
    return null;
  } catch (e) {
    if (e instanceof JsonSyntaxProblem) return { offset: e.offset, problem: e.problem };
    throw e;
  }
}

/** The value at a dotted path of an object (`db.password`), or undefined where the path names nothing. */
export function valueAtPath(obj: JsonObject, path: string): JsonValue | undefined {
  let at: JsonValue | undefined = obj;
  for (const part of path.split('.')) {
    if (!isJsonObject(at) || !Object.prototype.hasOwnProperty.call(at, part)) return undefined;
    at = at[part];
  }
  return at;
}
