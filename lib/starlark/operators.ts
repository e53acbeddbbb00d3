// Starlark's operators: arithmetic, bitwise, membership, comparison, indexing and slicing,
// with the reference implementation's semantics and error messages.
//
// Compiled code calls these directly, one function per operator, so V8 can inline the
// small-int and string fast paths at each call site; the general cases (big ints, floats,
// sequences, host types) live in separate slow-path functions that are not inlined.
import {
  Dict,
  EvalError,
  Float,
  List,
  Range,
  StarSet,
  StarlarkObject,
  checkIndex,
  compare,
  equals,
  fail,
  intToFloat,
  isInt,
  isIterable,
  length,
  normInt,
  truth,
  typeName,
  type Value,
} from './values.js';
import { interpolate } from './format.js';

const MAX = Number.MAX_SAFE_INTEGER;
const MIN = -Number.MAX_SAFE_INTEGER;

type Int = number | bigint;

function big(x: Int): bigint {
  return typeof x === 'bigint' ? x : BigInt(x);
}

// ---- arithmetic ---------------------------------------------------------------------------

export function add(x: Value, y: Value): Value {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x + y;
    if (r <= MAX && r >= MIN) return r;
  } else if (typeof x === 'string' && typeof y === 'string') {
    return x + y;
  }
  return addSlow(x, y);
}

function addSlow(x: Value, y: Value): Value {
  if (isInt(x)) {
    if (isInt(y)) return normInt(big(x) + big(y));
    if (y instanceof Float) return new Float(intToFloat(x) + y.v);
  } else if (x instanceof Float) {
    if (y instanceof Float) return new Float(x.v + y.v);
    if (isInt(y)) return new Float(x.v + intToFloat(y));
  } else if (x instanceof List) {
    if (y instanceof List) return new List(x.elems.concat(y.elems));
  } else if (Array.isArray(x)) {
    if (Array.isArray(y)) return x.concat(y);
  }
  return hostBinary('+', x, y);
}

export function sub(x: Value, y: Value): Value {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x - y;
    if (r <= MAX && r >= MIN) return r;
  }
  return subSlow(x, y);
}

function subSlow(x: Value, y: Value): Value {
  if (isInt(x)) {
    if (isInt(y)) return normInt(big(x) - big(y));
    if (y instanceof Float) return new Float(intToFloat(x) - y.v);
  } else if (x instanceof Float) {
    if (y instanceof Float) return new Float(x.v - y.v);
    if (isInt(y)) return new Float(x.v - intToFloat(y));
  } else if (x instanceof StarSet && y instanceof StarSet) {
    const out = new StarSet();
    for (const [hk, v] of x.map) if (!y.map.has(hk)) out.map.set(hk, v);
    return out;
  }
  return hostBinary('-', x, y);
}

export function mul(x: Value, y: Value): Value {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = x * y;
    if (r <= MAX && r >= MIN) return r === 0 ? 0 : r;
  }
  return mulSlow(x, y);
}

function mulSlow(x: Value, y: Value): Value {
  if (isInt(x)) {
    if (isInt(y)) return normInt(big(x) * big(y));
    if (y instanceof Float) return new Float(intToFloat(x) * y.v);
    if (typeof y === 'string') return repeatString(y, x);
    if (y instanceof List) return new List(repeatElems(y.elems, x));
    if (Array.isArray(y)) return repeatElems(y, x);
  } else if (x instanceof Float) {
    if (y instanceof Float) return new Float(x.v * y.v);
    if (isInt(y)) return new Float(x.v * intToFloat(y));
  } else if (typeof x === 'string') {
    if (isInt(y)) return repeatString(x, y);
  } else if (x instanceof List) {
    if (isInt(y)) return new List(repeatElems(x.elems, y));
  } else if (Array.isArray(x)) {
    if (isInt(y)) return repeatElems(x, y);
  }
  return hostBinary('*', x, y);
}

const maxRepeatBytes = 1 << 30;

/** The reference's AsInt32 check on a repeat count. */
function repeatCount(n: Int): number {
  if (typeof n === 'bigint' || n > 2147483647 || n < -2147483648) fail(`repeat count ${n} too large`);
  return n;
}

function repeatString(s: string, n: Int): string {
  if (s.length === 0) return '';
  const i = repeatCount(n);
  if (i < 1) return '';
  if (s.length * i >= maxRepeatBytes) fail(`excessive repeat (${s.length} * ${i} elements)`);
  return s.repeat(i);
}

function repeatElems(elems: readonly Value[], n: Int): Value[] {
  if (elems.length === 0) return [];
  const i = repeatCount(n);
  if (i < 1) return [];
  if (elems.length * i >= maxRepeatBytes) fail(`excessive repeat (${elems.length} * ${i} elements)`);
  const out: Value[] = new Array(elems.length * i);
  for (let r = 0, k = 0; r < i; r++) for (let j = 0; j < elems.length; j++) out[k++] = elems[j];
  return out;
}

function toFloatOperand(v: Value): number | undefined {
  if (v instanceof Float) return v.v;
  if (isInt(v)) return intToFloat(v);
  return undefined;
}

export function div(x: Value, y: Value): Value {
  const a = toFloatOperand(x);
  const b = a === undefined ? undefined : toFloatOperand(y);
  if (a === undefined || b === undefined) return hostBinary('/', x, y);
  if (b === 0) fail('floating-point division by zero');
  return new Float(a / b);
}

export function floordiv(x: Value, y: Value): Value {
  if (typeof x === 'number' && typeof y === 'number' && y !== 0) {
    const r = x % y;
    let q = (x - r) / y;
    if (r !== 0 && r < 0 !== y < 0) q -= 1;
    return q === 0 ? 0 : q;
  }
  if (isInt(x) && isInt(y)) {
    const b = big(y);
    if (b === 0n) fail('floored division by zero');
    const a = big(x);
    let q = a / b;
    if (a % b !== 0n && a < 0n !== b < 0n) q -= 1n;
    return normInt(q);
  }
  const a = toFloatOperand(x);
  const b = a === undefined ? undefined : toFloatOperand(y);
  if (a === undefined || b === undefined) return hostBinary('//', x, y);
  if (b === 0) fail('floored division by zero');
  return new Float(Math.floor(a / b));
}

export function mod(x: Value, y: Value): Value {
  if (typeof x === 'number' && typeof y === 'number' && y !== 0) {
    let r = x % y;
    if (r !== 0 && r < 0 !== y < 0) r += y;
    return r === 0 ? 0 : r;
  }
  if (typeof x === 'string') return interpolate(x, y);
  if (isInt(x) && isInt(y)) {
    const b = big(y);
    if (b === 0n) fail('integer modulo by zero');
    let r = big(x) % b;
    if (r !== 0n && r < 0n !== b < 0n) r += b;
    return normInt(r);
  }
  const a = toFloatOperand(x);
  const b = a === undefined ? undefined : toFloatOperand(y);
  if (a === undefined || b === undefined) return hostBinary('%', x, y);
  if (b === 0) fail('floating-point modulo by zero');
  let r = a % b;
  if (r !== 0 && r < 0 !== b < 0) r += b;
  return new Float(r);
}

// ---- bitwise --------------------------------------------------------------------------------

function isInt32(v: Value): v is number {
  return typeof v === 'number' && (v | 0) === v;
}

export function bitand(x: Value, y: Value): Value {
  if (isInt32(x) && isInt32(y)) return x & y;
  if (isInt(x) && isInt(y)) return normInt(big(x) & big(y));
  if (x instanceof StarSet && y instanceof StarSet) {
    const out = new StarSet();
    const [a, b] = x.map.size <= y.map.size ? [x, y] : [y, x];
    for (const [hk, v] of x.map) if (b.map.has(hk) && a.map.has(hk)) out.map.set(hk, v);
    return out;
  }
  return hostBinary('&', x, y);
}

export function bitor(x: Value, y: Value): Value {
  if (isInt32(x) && isInt32(y)) return x | y;
  if (isInt(x) && isInt(y)) return normInt(big(x) | big(y));
  if (x instanceof StarSet && y instanceof StarSet) {
    const out = new StarSet();
    for (const [hk, v] of x.map) out.map.set(hk, v);
    for (const [hk, v] of y.map) if (!out.map.has(hk)) out.map.set(hk, v);
    return out;
  }
  if (x instanceof Dict && y instanceof Dict) {
    const out = new Dict();
    for (const [k, v] of x.items()) out.setUnchecked(k, v);
    for (const [k, v] of y.items()) out.setUnchecked(k, v);
    return out;
  }
  return hostBinary('|', x, y);
}

export function bitxor(x: Value, y: Value): Value {
  if (isInt32(x) && isInt32(y)) return x ^ y;
  if (isInt(x) && isInt(y)) return normInt(big(x) ^ big(y));
  if (x instanceof StarSet && y instanceof StarSet) {
    const out = new StarSet();
    for (const [hk, v] of x.map) if (!y.map.has(hk)) out.map.set(hk, v);
    for (const [hk, v] of y.map) if (!x.map.has(hk)) out.map.set(hk, v);
    return out;
  }
  return hostBinary('^', x, y);
}

function shiftCount(y: Value): number {
  if (!isInt(y)) fail(`got ${typeName(y)}, want int`);
  if (typeof y === 'bigint' || y > 2147483647 || y < -2147483648) fail(`${y} out of range`);
  if (y < 0) fail(`negative shift count: ${y}`);
  return y;
}

export function lshift(x: Value, y: Value): Value {
  if (!isInt(x)) return hostBinary('<<', x, y);
  const n = shiftCount(y);
  if (n >= 512) fail(`shift count too large: ${n}`);
  return normInt(big(x) << BigInt(n));
}

export function rshift(x: Value, y: Value): Value {
  if (!isInt(x)) return hostBinary('>>', x, y);
  const n = shiftCount(y);
  return normInt(big(x) >> BigInt(n));
}

// ---- membership ------------------------------------------------------------------------------

export function inOp(x: Value, y: Value): boolean {
  if (typeof y === 'string') {
    if (typeof x !== 'string') fail(`'in <string>' requires string as left operand, not ${typeName(x)}`);
    return y.includes(x);
  }
  if (y instanceof Dict) {
    try {
      return y.get(x) !== undefined;
    } catch (e) {
      if (e instanceof EvalError) return false; // an unhashable key is simply not there
      throw e;
    }
  }
  if (y instanceof List || Array.isArray(y)) {
    const elems = y instanceof List ? y.elems : (y as readonly Value[]);
    for (let i = 0; i < elems.length; i++) if (equals(elems[i], x)) return true;
    return false;
  }
  if (y instanceof StarSet) return y.has(x);
  if (y instanceof Range) {
    if (isInt(x)) return y.contains(x);
    if (x instanceof Float && Number.isInteger(x.v)) return y.contains(x.v);
    fail(`'in <range>' requires integer as left operand, not ${typeName(x)}`);
  }
  const r = hostBinary('in', x, y);
  return truth(r);
}

export function notIn(x: Value, y: Value): boolean {
  return !inOp(x, y);
}

// ---- comparison ---------------------------------------------------------------------------------

export function eq(x: Value, y: Value): boolean {
  if (x === y && typeof x !== 'object') return true;
  if (typeof x === 'string' && typeof y === 'string') return false;
  return equals(x, y);
}

export function ne(x: Value, y: Value): boolean {
  return !eq(x, y);
}

export function lt(x: Value, y: Value): boolean {
  if (typeof x === 'number' && typeof y === 'number') return x < y;
  return compare('<', x, y);
}

export function le(x: Value, y: Value): boolean {
  if (typeof x === 'number' && typeof y === 'number') return x <= y;
  return compare('<=', x, y);
}

export function gt(x: Value, y: Value): boolean {
  if (typeof x === 'number' && typeof y === 'number') return x > y;
  return compare('>', x, y);
}

export function ge(x: Value, y: Value): boolean {
  if (typeof x === 'number' && typeof y === 'number') return x >= y;
  return compare('>=', x, y);
}

// ---- unary -----------------------------------------------------------------------------------------

export function neg(x: Value): Value {
  if (typeof x === 'number') return x === 0 ? 0 : -x;
  if (typeof x === 'bigint') return normInt(-x);
  if (x instanceof Float) return new Float(-x.v);
  return fail(`unknown unary op: - ${typeName(x)}`);
}

export function pos(x: Value): Value {
  if (isInt(x) || x instanceof Float) return x;
  return fail(`unknown unary op: + ${typeName(x)}`);
}

export function invert(x: Value): Value {
  if (typeof x === 'number') return isInt32(x) ? ~x : normInt(~BigInt(x));
  if (typeof x === 'bigint') return normInt(~x);
  return fail(`unknown unary op: ~ ${typeName(x)}`);
}

// ---- host types ---------------------------------------------------------------------------------------

function hostBinary(op: string, x: Value, y: Value): Value {
  if (x instanceof StarlarkObject) {
    const r = x.binary(op, y, 'left');
    if (r !== undefined) return r;
  }
  if (y instanceof StarlarkObject) {
    const r = y.binary(op, x, 'right');
    if (r !== undefined) return r;
  }
  return fail(`unknown binary op: ${typeName(x)} ${op} ${typeName(y)}`);
}

// ---- indexing and slicing -------------------------------------------------------------------------

export function getIndex(x: Value, k: Value): Value {
  if (x instanceof List) {
    if (typeof k === 'number' && k >= 0 && k < x.elems.length && Number.isInteger(k)) return x.elems[k];
    return x.index(k);
  }
  if (Array.isArray(x)) {
    if (typeof k === 'number' && k >= 0 && k < x.length) return x[k] as Value;
    return x[checkIndex(k, x.length, 'tuple')] as Value;
  }
  if (x instanceof Dict) {
    const v = x.get(k);
    if (v === undefined) fail(`key ${reprShort(k)} not in dict`);
    return v;
  }
  if (typeof x === 'string') return x[checkIndex(k, x.length, 'string')];
  if (x instanceof StarlarkObject) {
    const v = x.index(k);
    if (v !== undefined) return v;
  }
  return fail(`unhandled index operation ${typeName(x)}[${typeName(k)}]`);
}

function reprShort(k: Value): string {
  return typeof k === 'string' ? `"${k}"` : String(k instanceof Float ? k.v : k);
}

export function setIndex(x: Value, k: Value, v: Value): void {
  if (x instanceof StarlarkObject) {
    x.setIndex(k, v);
    return;
  }
  fail(`${typeName(x)} value does not support item assignment`);
}

function sliceIndex(v: Value | undefined, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return v < 0n ? -Infinity : Infinity;
  return fail(`invalid ${what} index: got ${typeName(v)}, want int`);
}

/** `x[lo:hi:step]`; absent parts are undefined (None counts as absent). */
export function slice(x: Value, lo: Value | undefined, hi: Value | undefined, stepV: Value | undefined): Value {
  const n = length(x);
  if (!(typeof x === 'string' || Array.isArray(x) || x instanceof List || x instanceof Range)) {
    fail(`invalid slice operand ${typeName(x)}`);
  }
  let step = 1;
  if (stepV !== undefined && stepV !== null) {
    if (!isInt(stepV)) fail(`invalid slice step: got ${typeName(stepV)}, want int`);
    if (typeof stepV === 'bigint') step = stepV < 0n ? -Infinity : Infinity;
    else step = stepV;
    if (step === 0) fail('zero is not a valid slice step');
  }
  let start: number;
  let end: number;
  const l = sliceIndex(lo, 'start');
  const h = sliceIndex(hi, 'end');
  if (step > 0) {
    start = l === undefined ? 0 : clamp(l, n, 0, n);
    end = h === undefined ? n : clamp(h, n, 0, n);
  } else {
    start = l === undefined ? n - 1 : clamp(l, n, -1, n - 1);
    end = h === undefined ? -1 : clamp(h, n, -1, n - 1);
  }
  if (typeof x === 'string') {
    if (step === 1) return start < end ? x.slice(start, end) : '';
    let s = '';
    for (let i = start; step > 0 ? i < end : i > end; i += step) s += x[i];
    return s;
  }
  if (x instanceof Range) {
    return new Range(x.start + start * x.step, x.start + end * x.step, x.step * step);
  }
  const elems = x instanceof List ? x.elems : (x as readonly Value[]);
  let out: Value[];
  if (step === 1) out = start < end ? elems.slice(start, end) : [];
  else {
    out = [];
    for (let i = start; step > 0 ? i < end : i > end; i += step) out.push(elems[i]);
  }
  return x instanceof List ? new List(out) : out;
}

function clamp(i: number, n: number, lo: number, hi: number): number {
  if (i < 0) i += n;
  if (i < lo) return lo;
  if (i > hi) return hi;
  return i;
}

// ---- iteration helpers for compiled code --------------------------------------------------------------

/** Unpacks an iterable into exactly n values (for `a, b = x` and `for a, b in ...`). */
export function unpack(x: Value, n: number): readonly Value[] {
  if (Array.isArray(x)) {
    if (x.length === n) return x;
  } else if (x instanceof List) {
    if (x.elems.length === n) return x.elems;
  }
  if (!isIterable(x)) fail(`got ${typeName(x)} in sequence assignment`);
  const elems = Array.isArray(x) ? x : x instanceof List ? x.elems : null;
  if (elems !== null) {
    if (elems.length > n) fail(`too many values to unpack (got ${elems.length}, want ${n})`);
    fail(`too few values to unpack (got ${elems.length}, want ${n})`);
  }
  const it = (x as StarlarkObject).iterate()!;
  const out: Value[] = [];
  try {
    for (let v = it.next(); v !== undefined; v = it.next()) {
      if (out.length === n) {
        const len = length(x);
        fail(`too many values to unpack (got ${len >= 0 ? len : out.length + 1}, want ${n})`);
      }
      out.push(v);
    }
  } finally {
    it.done();
  }
  if (out.length < n) fail(`too few values to unpack (got ${out.length}, want ${n})`);
  return out;
}
