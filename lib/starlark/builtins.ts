// The universal built-ins: None, True, False and the functions every Starlark program sees
// (abs, all, any, bool, chr, dict, dir, enumerate, fail, float, getattr, hasattr, hash, int,
// len, list, max, min, ord, print, range, repr, reversed, set, sorted, str, tuple, type, zip).
//
// Each follows the reference implementation (go.starlark.net/starlark/library.go) in
// behaviour and error text, because programs and the conformance tests match errors with
// regular expressions. Where the reference's observable result depends on its algorithm
// (the error `sorted` reports when several comparisons fail), the algorithm is the same.
// `universe(options)` builds the name → value table the evaluator consults; `set` is in it
// only when the dialect allows sets.
import {
  Builtin,
  Dict,
  EvalError,
  Float,
  List,
  Range,
  StarSet,
  StarlarkObject,
  attrNames,
  builtinMethods,
  call,
  compare,
  fail,
  intToFloat,
  isInt,
  iterate,
  length,
  normInt,
  repr,
  reprInto,
  str,
  toArray,
  toUnicode,
  truth,
  typeName,
  type BuiltinImpl,
  type CompareOp,
  type KwArgs,
  type Thread,
  type Value,
  type ValueIterator,
} from './values.js';
import { utf8DecodeAt } from './quote.js';
import { asBool, asCallable, asInt, asInt32, asIterable, asString, isIterable, noKwargs, paramLabel, unpackArgs, unpackPositional } from './unpack.js';
import { noSuchAttrMessage } from './struct.js';

// ---- helpers ----------------------------------------------------------------------------------

/** Runs `f` over the elements of an iterable, releasing the iterator however `f` ends. */
function forEach(x: Value, f: (v: Value) => boolean | void): void {
  const it = iterate(x);
  try {
    for (let v = it.next(); v !== undefined; v = it.next()) if (f(v) === true) return;
  } finally {
    it.done();
  }
}

/** Re-throws an EvalError raised by a value operation with the built-in's name in front. */
function prefixed<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof EvalError && e.callStack.length === 0) throw new EvalError(`${name}: ${e.msg}`);
    throw e;
  }
}

/** The text `print` and `fail` show for a value: strings as they are, others as repr. */
function display(v: Value): string {
  return typeof v === 'string' ? v : repr(v);
}

function joinArgs(args: Value[], sep: string): string {
  if (args.length === 1) return display(args[0]);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (i > 0) out.push(sep);
    const v = args[i];
    if (typeof v === 'string') out.push(v);
    else reprInto(v, out, []);
  }
  return out.join('');
}

/** The UTF-8 encoding of one code point as a byte string (surrogates become U+FFFD). */
export function encodeRune(r: number): string {
  if (r < 0x80) return String.fromCharCode(r);
  if (r < 0x800) return String.fromCharCode(0xc0 | (r >> 6), 0x80 | (r & 0x3f));
  if (r >= 0xd800 && r <= 0xdfff) r = 0xfffd;
  if (r < 0x10000) return String.fromCharCode(0xe0 | (r >> 12), 0x80 | ((r >> 6) & 0x3f), 0x80 | (r & 0x3f));
  return String.fromCharCode(0xf0 | (r >> 18), 0x80 | ((r >> 12) & 0x3f), 0x80 | ((r >> 6) & 0x3f), 0x80 | (r & 0x3f));
}

/** Number of code points in a byte string, counting each invalid byte as one (U+FFFD). */
function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; n++) {
    const d = utf8DecodeAt(s, i);
    i += d < 0 ? 1 : d & 7;
  }
  return n;
}

// ---- the built-in functions ------------------------------------------------------------------

function abs(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  const [x] = unpackPositional('abs', args, kwargs, 1, 1);
  if (typeof x === 'number') return x < 0 ? -x : x;
  if (typeof x === 'bigint') return x < 0n ? normInt(-x) : x;
  if (x instanceof Float) return new Float(Math.abs(x.v));
  return fail(`got ${typeName(x)}, want int or float`);
}

function all(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  unpackPositional('all', args, kwargs, 1, 1);
  let result = true;
  forEach(asIterable(args[0], 'all', 1), (v) => {
    if (truth(v)) return false;
    result = false;
    return true;
  });
  return result;
}

function any(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  unpackPositional('any', args, kwargs, 1, 1);
  let result = false;
  forEach(asIterable(args[0], 'any', 1), (v) => {
    if (!truth(v)) return false;
    result = true;
    return true;
  });
  return result;
}

function bool(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  unpackPositional('bool', args, kwargs, 0, 1);
  return args.length > 0 && truth(args[0]);
}

function chr(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  noKwargs('chr', kwargs);
  if (args.length !== 1) fail(`chr: got ${args.length} arguments, want 1`);
  const i = asInt32(args[0], 'chr');
  if (i < 0) fail(`chr: Unicode code point ${i} out of range (<0)`);
  if (i > 0x10ffff) fail(`chr: Unicode code point U+${i.toString(16).toUpperCase()} out of range (>0x10FFFF)`);
  return encodeRune(i);
}

/**
 * Adds to `dict` the pairs of `args[0]` (a dict, or an iterable of pairs) and then the
 * keyword arguments, as `dict(...)` and `dict.update(...)` do. Errors are unprefixed.
 */
export function updateDict(dict: Dict, args: Value[], kwargs: KwArgs | null): void {
  if (args.length === 1) {
    const src = args[0];
    if (src instanceof Dict) {
      for (const [k, v] of src.items()) dict.set(k, v);
    } else {
      if (!isIterable(src)) fail(`got ${typeName(src)}, want iterable`);
      let i = 0;
      forEach(src, (pair) => {
        if (!isIterable(pair)) fail(`dictionary update sequence element #${i} is not iterable (${typeName(pair)})`);
        const n = length(pair);
        if (n < 0) fail(`dictionary update sequence element #${i} has unknown length (${typeName(pair)})`);
        if (n !== 2) fail(`dictionary update sequence element #${i} has length ${n}, want 2`);
        const kv = toArray(pair);
        dict.set(kv[0], kv[1]);
        i++;
      });
    }
  }
  if (kwargs !== null && kwargs.length > 0) {
    const before = dict.size;
    for (let k = 0; k < kwargs.length; k += 2) dict.set(kwargs[k], kwargs[k + 1]);
    if (dict.size < before + kwargs.length / 2) {
      const seen = new Set<Value>();
      for (let k = 0; k < kwargs.length; k += 2) {
        if (seen.has(kwargs[k])) fail(`duplicate keyword arg: ${repr(kwargs[k])}`);
        seen.add(kwargs[k]);
      }
    }
  }
}

function dict(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  if (args.length > 1) fail(`dict: got ${args.length} arguments, want at most 1`);
  const d = new Dict();
  prefixed('dict', () => updateDict(d, args, kwargs));
  return d;
}

function dir(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  noKwargs('dir', kwargs);
  if (args.length !== 1) fail(`dir: got ${args.length} arguments, want 1`);
  return new List(attrNames(args[0]));
}

function enumerate(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  unpackPositional('enumerate', args, kwargs, 1, 2);
  const iterable = asIterable(args[0], 'enumerate', 1);
  const start = args.length > 1 ? asInt(args[1], 'enumerate', 2) : 0;
  const out: Value[] = [];
  let i = start;
  forEach(iterable, (v) => {
    out.push([i++, v]);
  });
  return new List(out);
}

function failFn(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  let sep = ' ';
  if (kwargs !== null) {
    const [s] = unpackArgs('fail', [], kwargs, ['sep?']);
    if (s !== undefined) sep = asString(s, 'fail', '"sep"');
  }
  return fail(`fail: ${joinArgs(args, sep)}`);
}

type FloatParse = number | 'syntax' | 'range';

const decimalFloat = /^[+-]?(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][+-]?[0-9][0-9_]*)?$/;
const hexFloat = /^([+-]?)0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?[0-9][0-9_]*)$/;

/** Underscores only between digits (or after a base prefix), as Go's parsers require. */
function underscoresOK(s: string): boolean {
  let i = 0;
  if (s[0] === '+' || s[0] === '-') i++;
  let saw = '^';
  let hex = false;
  if (s.length - i >= 2 && s[i] === '0' && /[bBoOxX]/.test(s[i + 1])) {
    hex = s[i + 1] === 'x' || s[i + 1] === 'X';
    i += 2;
    saw = '0';
  }
  for (; i < s.length; i++) {
    const c = s[i];
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
    } else if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
    } else {
      if (saw === '_') return false;
      saw = '!';
    }
  }
  return saw !== '_';
}

/** Go's strconv.ParseFloat(s, 64) for finite syntax: the value, or why it failed. */
export function parseGoFloat(s: string): FloatParse {
  let f: number;
  const hex = hexFloat.exec(s);
  if (hex !== null) {
    const intDigits = hex[2].replace(/_/g, '');
    const fracDigits = (hex[3] ?? '').replace(/_/g, '');
    if (intDigits.length + fracDigits.length === 0 || !underscoresOK(s)) return 'syntax';
    const mant = BigInt('0x' + (intDigits + fracDigits || '0'));
    const exp = Number(hex[4].replace(/_/g, '')) - 4 * fracDigits.length;
    f = Number(mant) * Math.pow(2, Math.max(-1100, Math.min(1100, exp)));
    if (hex[1] === '-') f = -f;
  } else {
    if (!decimalFloat.test(s) || !/[0-9]/.test(s.replace(/[eE].*$/, ''))) return 'syntax';
    if (s.includes('_')) {
      if (!underscoresOK(s)) return 'syntax';
      s = s.replace(/_/g, '');
    }
    f = Number(s);
  }
  if (!Number.isFinite(f)) return 'range';
  return f;
}

function float(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  noKwargs('float', kwargs);
  if (args.length === 0) return new Float(0);
  if (args.length !== 1) fail(`float got ${args.length} arguments, wants 1`);
  const x = args[0];
  if (typeof x === 'boolean') return new Float(x ? 1 : 0);
  if (isInt(x)) return new Float(intToFloat(x));
  if (x instanceof Float) return x;
  if (typeof x === 'string') {
    if (x === '') fail('float: empty string');
    const lower = x.toLowerCase();
    if (lower === 'infinity' || lower === '+infinity' || lower === 'inf' || lower === '+inf') return new Float(Infinity);
    if (lower === '-infinity' || lower === '-inf') return new Float(-Infinity);
    if (lower === 'nan' || lower === '+nan' || lower === '-nan') return new Float(NaN);
    const f = parseGoFloat(x);
    if (f === 'range') fail('floating-point number too large');
    if (f === 'syntax') fail(`invalid float literal: ${x}`);
    return new Float(f);
  }
  return fail(`float got ${typeName(x)}, want number or string`);
}

function getattr(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  unpackPositional('getattr', args, kwargs, 2, 3);
  const object = args[0];
  const name = asString(args[1], 'getattr', 2);
  const dflt = args.length > 2 ? args[2] : undefined;
  const m = builtinMethods.get(typeName(object))?.get(name);
  if (m !== undefined) return m.bindTo(object);
  if (object instanceof StarlarkObject) {
    let v: Value | undefined;
    try {
      v = object.attr(name);
    } catch (e) {
      if (dflt !== undefined) return dflt;
      if (e instanceof EvalError) throw new EvalError(`getattr: ${e.msg}`);
      throw e;
    }
    if (v !== undefined) return v;
    if (dflt !== undefined) return dflt;
    const custom = noSuchAttrMessage(object, name);
    if (custom !== undefined) fail(`getattr: ${custom}`);
  }
  if (dflt !== undefined) return dflt;
  return fail(`getattr: ${typeName(object)} has no .${name} field or method`);
}

function hasattr(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  unpackPositional('hasattr', args, kwargs, 2, 2);
  const object = args[0];
  const name = asString(args[1], 'hasattr', 2);
  if (builtinMethods.get(typeName(object))?.has(name)) return true;
  if (object instanceof StarlarkObject) {
    try {
      return object.attr(name) !== undefined;
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      return object.attrNames().includes(name);
    }
  }
  return false;
}

/**
 * The reference's hash of a string: java.lang.String.hashCode's recurrence over the string's
 * code points (invalid UTF-8 bytes count as U+FFFD). Like library.go, a code point beyond
 * U+FFFF enters the hash whole rather than as a UTF-16 surrogate pair.
 */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      h = (Math.imul(31, h) + c) | 0;
      i++;
      continue;
    }
    const d = utf8DecodeAt(s, i);
    if (d < 0) {
      h = (Math.imul(31, h) + 0xfffd) | 0;
      i++;
    } else {
      h = (Math.imul(31, h) + (d >> 3)) | 0;
      i += d & 7;
    }
  }
  return h;
}

function hash(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  unpackPositional('hash', args, kwargs, 1, 1);
  return javaStringHash(asString(args[0], 'hash', 1));
}

function digitValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 122) return c - 87;
  if (c >= 65 && c <= 90) return c - 55;
  return 99;
}

/** An unsigned integer in `base` (every character a digit), or undefined. */
function parseDigits(s: string, base: number): number | bigint | undefined {
  if (s.length === 0) return undefined;
  let n = 0;
  let i = 0;
  const safeLimit = Math.floor(Number.MAX_SAFE_INTEGER / base) - base;
  for (; i < s.length; i++) {
    const d = digitValue(s.charCodeAt(i));
    if (d >= base) return undefined;
    if (n > safeLimit) break;
    n = n * base + d;
  }
  if (i === s.length) return n;
  let b = BigInt(n);
  const bb = BigInt(base);
  for (; i < s.length; i++) {
    const d = digitValue(s.charCodeAt(i));
    if (d >= base) return undefined;
    b = b * bb + BigInt(d);
  }
  return normInt(b);
}

/** `int(s, base)` for a string, with the reference's prefix and sign rules. */
function intFromString(orig: string, base: number): Value {
  let s = orig;
  let b = base;
  let neg = false;
  if (s.length > 0) {
    if (s[0] === '+') s = s.slice(1);
    else if (s[0] === '-') {
      neg = true;
      s = s.slice(1);
    }
  }
  let prefix = 0;
  if (s.length > 1 && s[0] === '0') {
    if (s.length > 2) {
      const c = s[1];
      if (c === 'o' || c === 'O') prefix = 8;
      else if (c === 'x' || c === 'X') prefix = 16;
      else if (c === 'b' || c === 'B') prefix = 2;
      if (prefix !== 0) s = s.slice(2);
    }
    if (prefix === 0 && b === 0) {
      if (!/^0+$/.test(s)) fail(`int: invalid literal with base ${b}: ${orig}`);
      return 0;
    }
    if (b !== 0 && prefix !== 0 && prefix !== b) fail(`int: invalid literal with base ${b}: ${orig}`);
  }
  if (b === 0) b = prefix !== 0 ? prefix : 10;
  const v = parseDigits(s, b);
  if (v === undefined) fail(`int: invalid literal with base ${b}: ${orig}`);
  if (!neg) return v;
  return typeof v === 'number' ? (v === 0 ? 0 : -v) : normInt(-v);
}

/** A finite float truncated to an int. */
function floatToInt(f: number): number | bigint {
  const t = Math.trunc(f);
  if (Number.isSafeInteger(t)) return t === 0 ? 0 : t;
  return normInt(BigInt(t));
}

function int(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  const [x, baseV] = unpackArgs('int', args, kwargs, ['x', 'base?']);
  const v = x as Value;
  if (typeof v === 'string') {
    let base = 10;
    if (baseV !== undefined) {
      if (typeof baseV !== 'number' || baseV < -2147483648 || baseV > 2147483647 || (baseV !== 0 && (baseV < 2 || baseV > 36))) {
        fail('int: base must be an integer >= 2 && <= 36');
      }
      base = baseV;
    }
    return intFromString(v, base);
  }
  if (baseV !== undefined) fail("int: can't convert non-string with explicit base");
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (isInt(v)) return v;
  if (v instanceof Float) {
    if (Number.isNaN(v.v)) fail('int: cannot convert float NaN to integer');
    if (!Number.isFinite(v.v)) fail('int: cannot convert float infinity to integer');
    return floatToInt(v.v);
  }
  return fail(`int: cannot convert ${typeName(v)} to int`);
}

function len(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  unpackPositional('len', args, kwargs, 1, 1);
  const n = length(args[0]);
  if (n < 0) fail(`len: value of type ${typeName(args[0])} has no len`);
  return n;
}

function list(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  unpackPositional('list', args, kwargs, 0, 1);
  if (args.length === 0) return new List();
  return new List(toArray(asIterable(args[0], 'list', 1)));
}

function minmax(thread: Thread, fn: Builtin, args: Value[], kwargs: KwArgs | null, op: CompareOp): Value {
  const name = fn.name;
  if (args.length === 0) fail(`${name} requires at least one positional argument`);
  let key: Value | undefined;
  if (kwargs !== null) {
    const [k] = unpackArgs(name, [], kwargs, ['key?']);
    if (k !== undefined) key = asCallable(k, name, '"key"');
  }
  const iterable: Value = args.length === 1 ? args[0] : args;
  if (!isIterable(iterable)) fail(`${name}: ${typeName(iterable)} value is not iterable`);
  let best: Value | undefined;
  let bestKey: Value = null;
  forEach(iterable, (x) => {
    const k = key === undefined ? x : call(thread, key, [x]);
    let better: boolean;
    try {
      better = best === undefined || compare(op, k, bestKey);
    } catch (e) {
      if (e instanceof EvalError) throw new EvalError(`${name}: ${e.msg}`);
      throw e;
    }
    if (better) {
      best = x;
      bestKey = k;
    }
  });
  if (best === undefined) fail(`${name}: argument is an empty sequence`);
  return best;
}

function max(thread: Thread, fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  return minmax(thread, fn, args, kwargs, '>');
}

function min(thread: Thread, fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  return minmax(thread, fn, args, kwargs, '<');
}

function ord(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  noKwargs('ord', kwargs);
  if (args.length !== 1) fail(`ord: got ${args.length} arguments, want 1`);
  const s = args[0];
  if (typeof s !== 'string') fail(`ord: got ${typeName(s)}, want string`);
  if (s.length > 0) {
    const d = utf8DecodeAt(s, 0);
    const size = d < 0 ? 1 : d & 7;
    if (size === s.length) return d < 0 ? 0xfffd : d >> 3;
  }
  return fail(`ord: string encodes ${runeCount(s)} Unicode code points, want 1`);
}

function print(thread: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  let sep = ' ';
  if (kwargs !== null) {
    const [s] = unpackArgs('print', [], kwargs, ['sep?']);
    if (s !== undefined) sep = asString(s, 'print', '"sep"');
  }
  thread.print(thread, toUnicode(args.length === 0 ? '' : joinArgs(args, sep)));
  return null;
}

function range(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  unpackPositional('range', args, kwargs, 1, 3);
  let start = asInt(args[0], 'range', 1);
  let stop = 0;
  let step = 1;
  if (args.length > 1) stop = asInt(args[1], 'range', 2);
  if (args.length > 2) step = asInt(args[2], 'range', 3);
  if (args.length === 1) {
    stop = start;
    start = 0;
  }
  if (step === 0) fail('range: step argument must not be zero');
  return new Range(start, stop, step);
}

function reprFn(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  unpackPositional('repr', args, kwargs, 1, 1);
  return repr(args[0]);
}

function reversed(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  unpackPositional('reversed', args, kwargs, 1, 1);
  return new List(toArray(asIterable(args[0], 'reversed', 1)).reverse());
}

function set(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  unpackPositional('set', args, kwargs, 0, 1);
  const s = new StarSet();
  if (args.length > 0) {
    const iterable = asIterable(args[0], 'set', 1);
    prefixed('set', () => forEach(iterable, (v) => s.addUnchecked(v)));
  }
  return s;
}

// sorted: Go's sort.Stable (insertion-sorted blocks of 20, then SymMerge), so that when
// comparisons fail, the error reported (the last one) is the reference's.

interface SortState {
  readonly keys: Value[];
  /** Null when the values are the keys. */
  readonly values: Value[] | null;
  readonly reverse: boolean;
  err: EvalError | null;
}

function less(s: SortState, i: number, j: number): boolean {
  const a = s.reverse ? s.keys[j] : s.keys[i];
  const b = s.reverse ? s.keys[i] : s.keys[j];
  try {
    return compare('<', a, b);
  } catch (e) {
    if (!(e instanceof EvalError)) throw e;
    s.err = e;
    return false;
  }
}

function swap(s: SortState, i: number, j: number): void {
  const k = s.keys;
  const t = k[i];
  k[i] = k[j];
  k[j] = t;
  const v = s.values;
  if (v !== null) {
    const u = v[i];
    v[i] = v[j];
    v[j] = u;
  }
}

function insertionSort(s: SortState, a: number, b: number): void {
  for (let i = a + 1; i < b; i++) for (let j = i; j > a && less(s, j, j - 1); j--) swap(s, j, j - 1);
}

function swapRange(s: SortState, a: number, b: number, n: number): void {
  for (let i = 0; i < n; i++) swap(s, a + i, b + i);
}

function rotate(s: SortState, a: number, m: number, b: number): void {
  let i = m - a;
  let j = b - m;
  while (i !== j) {
    if (i > j) {
      swapRange(s, m - i, m, j);
      i -= j;
    } else {
      swapRange(s, m - i, m + j - i, i);
      j -= i;
    }
  }
  swapRange(s, m - i, m, i);
}

function symMerge(s: SortState, a: number, m: number, b: number): void {
  if (m - a === 1) {
    let i = m;
    let j = b;
    while (i < j) {
      const h = (i + j) >>> 1;
      if (less(s, h, a)) i = h + 1;
      else j = h;
    }
    for (let k = a; k < i - 1; k++) swap(s, k, k + 1);
    return;
  }
  if (b - m === 1) {
    let i = a;
    let j = m;
    while (i < j) {
      const h = (i + j) >>> 1;
      if (!less(s, m, h)) i = h + 1;
      else j = h;
    }
    for (let k = m; k > i; k--) swap(s, k, k - 1);
    return;
  }
  const mid = (a + b) >>> 1;
  const n = mid + m;
  let start: number;
  let r: number;
  if (m > mid) {
    start = n - b;
    r = mid;
  } else {
    start = a;
    r = m;
  }
  const p = n - 1;
  while (start < r) {
    const c = (start + r) >>> 1;
    if (!less(s, p - c, c)) start = c + 1;
    else r = c;
  }
  const end = n - start;
  if (start < m && m < end) rotate(s, start, m, end);
  if (a < start && start < mid) symMerge(s, a, start, mid);
  if (mid < end && end < b) symMerge(s, mid, end, b);
}

function goStableSort(s: SortState): void {
  const n = s.keys.length;
  let blockSize = 20;
  let a = 0;
  let b = blockSize;
  while (b <= n) {
    insertionSort(s, a, b);
    a = b;
    b += blockSize;
  }
  insertionSort(s, a, n);
  while (blockSize < n) {
    a = 0;
    b = 2 * blockSize;
    while (b <= n) {
      symMerge(s, a, a + blockSize, b);
      a = b;
      b += 2 * blockSize;
    }
    const m = a + blockSize;
    if (m < n) symMerge(s, a, m, n);
    blockSize *= 2;
  }
}

type SortKind = 'int' | 'number' | 'string';

/**
 * The kind of keys that compare natively, without possible errors: all ints (JS numbers),
 * all numbers (ints and floats), or all strings; null otherwise.
 */
function sortKind(keys: readonly Value[]): SortKind | null {
  const n = keys.length;
  if (n === 0) return null;
  if (typeof keys[0] === 'string') {
    for (let i = 1; i < n; i++) if (typeof keys[i] !== 'string') return null;
    return 'string';
  }
  let kind: SortKind = 'int';
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (typeof k === 'number') continue;
    if (!(k instanceof Float)) return null;
    kind = 'number';
  }
  return kind;
}

/** Floats order with NaN above everything; ties keep their original order (stability). */
function numberOrder(f: Float64Array, reverse: boolean): (i: number, j: number) => number {
  const sign = reverse ? -1 : 1;
  return (i, j) => {
    const a = f[i];
    const b = f[j];
    if (a < b) return -sign;
    if (a > b) return sign;
    if (a === b) return i - j;
    const an = a !== a;
    const bn = b !== b;
    if (an === bn) return i - j;
    return an ? sign : -sign;
  };
}

/** Sorts `values` (by `keys` when given) stably, in place, with Starlark's ordering. */
export function sortValues(values: Value[], keys: Value[] | null, reverse: boolean): void {
  const k = keys ?? values;
  const kind = sortKind(k);
  const n = values.length;
  if (kind === 'int' && keys === null) {
    // Equal ints are indistinguishable, so stability does not matter.
    const f = Float64Array.from(values as number[]);
    f.sort();
    if (reverse) for (let i = 0; i < n; i++) values[i] = f[n - 1 - i];
    else for (let i = 0; i < n; i++) values[i] = f[i];
    return;
  }
  if (kind === 'string' && keys === null) {
    values.sort();
    if (reverse) values.reverse();
    return;
  }
  if (kind !== null) {
    const idx = new Array<number>(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    if (kind === 'string') {
      const ks = k as string[];
      const sign = reverse ? -1 : 1;
      idx.sort((i, j) => (ks[i] < ks[j] ? -sign : ks[i] > ks[j] ? sign : i - j));
    } else {
      const f = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const x = k[i];
        f[i] = typeof x === 'number' ? x : (x as Float).v;
      }
      idx.sort(numberOrder(f, reverse));
    }
    const vs = values.slice();
    for (let i = 0; i < n; i++) values[i] = vs[idx[i]];
    return;
  }
  const state: SortState = { keys: k, values: keys === null ? null : values, reverse, err: null };
  goStableSort(state);
  if (state.err !== null) throw state.err;
}

const SORTED_PARAMS = ['iterable', 'key?', 'reverse?'];

function sorted(thread: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  const [iterableV, keyV, reverseV] = unpackArgs('sorted', args, kwargs, SORTED_PARAMS);
  const n = args.length;
  const iterable = asIterable(iterableV as Value, 'sorted', paramLabel(SORTED_PARAMS, 0, n));
  const key = keyV === undefined ? undefined : asCallable(keyV, 'sorted', paramLabel(SORTED_PARAMS, 1, n));
  const reverse = reverseV === undefined ? false : asBool(reverseV, 'sorted', paramLabel(SORTED_PARAMS, 2, n));
  const values = toArray(iterable);
  let keys: Value[] | null = null;
  if (key !== undefined) {
    keys = new Array<Value>(values.length);
    for (let i = 0; i < values.length; i++) keys[i] = call(thread, key, [values[i]]);
  }
  sortValues(values, keys, reverse);
  return new List(values);
}

function strFn(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  noKwargs('str', kwargs);
  if (args.length !== 1) fail(`str: got ${args.length} arguments, want exactly 1`);
  return str(args[0]);
}

function tuple(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  unpackPositional('tuple', args, kwargs, 0, 1);
  if (args.length === 0) return [];
  const x = args[0];
  if (Array.isArray(x)) return x;
  return toArray(asIterable(x, 'tuple', 1));
}

function type(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  noKwargs('type', kwargs);
  if (args.length !== 1) fail(`type: got ${args.length} arguments, want exactly 1`);
  return typeName(args[0]);
}

function zip(_t: Thread, _fn: Builtin, args: Value[], kwargs: KwArgs | null): Value {
  noKwargs('zip', kwargs);
  const cols = args.length;
  if (cols === 0) return new List();
  let rows = 0;
  for (let i = 0; i < cols; i++) {
    const seq = args[i];
    if (!isIterable(seq)) fail(`zip: argument #${i + 1} is not iterable: ${typeName(seq)}`);
    const n = length(seq);
    if (i === 0 || n < rows) rows = n;
  }
  const iters: ValueIterator[] = [];
  try {
    for (const seq of args) iters.push(iterate(seq));
    const out: Value[] = [];
    if (rows >= 0) {
      for (let r = 0; r < rows; r++) {
        const row = new Array<Value>(cols);
        for (let c = 0; c < cols; c++) row[c] = iters[c].next() ?? null;
        out.push(row);
      }
    } else {
      for (;;) {
        const row = new Array<Value>(cols);
        for (let c = 0; c < cols; c++) {
          const v = iters[c].next();
          if (v === undefined) return new List(out);
          row[c] = v;
        }
        out.push(row);
      }
    }
    return new List(out);
  } finally {
    for (const it of iters) it.done();
  }
}

// ---- the universe -------------------------------------------------------------------------------

const functions: [string, BuiltinImpl][] = [
  ['abs', abs],
  ['all', all],
  ['any', any],
  ['bool', bool],
  ['chr', chr],
  ['dict', dict],
  ['dir', dir],
  ['enumerate', enumerate],
  ['fail', failFn],
  ['float', float],
  ['getattr', getattr],
  ['hasattr', hasattr],
  ['hash', hash],
  ['int', int],
  ['len', len],
  ['list', list],
  ['max', max],
  ['min', min],
  ['ord', ord],
  ['print', print],
  ['range', range],
  ['repr', reprFn],
  ['reversed', reversed],
  ['sorted', sorted],
  ['str', strFn],
  ['tuple', tuple],
  ['type', type],
  ['zip', zip],
];

/** Each universal built-in function by name (`set` included). */
export const builtinFunctions: ReadonlyMap<string, Builtin> = new Map(
  [...functions, ['set', set] as [string, BuiltinImpl]].map(([name, impl]) => [name, new Builtin(name, impl)]),
);

export interface UniverseOptions {
  /** Whether the dialect has the `set` type (the reference's resolve.AllowSet). */
  readonly set?: boolean;
}

function buildUniverse(withSet: boolean): ReadonlyMap<string, Value> {
  const u = new Map<string, Value>([
    ['None', null],
    ['True', true],
    ['False', false],
  ]);
  for (const [name, b] of builtinFunctions) if (name !== 'set' || withSet) u.set(name, b);
  return u;
}

const universeWithSet = buildUniverse(true);
const universeWithoutSet = buildUniverse(false);

/** The universal names and their values; shared and immutable, do not modify. */
export function universe(options: UniverseOptions = {}): ReadonlyMap<string, Value> {
  return options.set === true ? universeWithSet : universeWithoutSet;
}
