// String formatting: `format % x` (the reference's interpolate), `str.format`, and the float
// conversions %e %f %g (and upper-case forms) as the reference prints them with Go's
// strconv. Strings are byte strings (see values.ts), so all scanning here is byte-wise.
//
// Float rounding follows Go: the exact binary value is rounded half-to-even. JS's
// toExponential/toFixed round the exact value too but break exact ties upwards, so ties
// (rare, detectable cheaply) are recomputed with exact BigInt arithmetic.
import { utf8DecodeAt, utf8Encode, quote } from './quote.js';
import { Dict, Float, fail, formatG, repr, str, typeName, type KwArgs, type Value } from './values.js';

// ---- % interpolation -----------------------------------------------------------------

/** `format % x`: the reference's printf-like interpolation, result as a byte string. */
export function interpolate(format: string, x: Value): string {
  const isTuple = Array.isArray(x);
  const tuple = x as readonly Value[];
  const nargs = isTuple ? tuple.length : 1;
  const out: string[] = [];
  let index = 0;
  let pos = 0;
  const n = format.length;
  for (;;) {
    const i = format.indexOf('%', pos);
    if (i < 0) {
      out.push(pos === 0 ? format : format.slice(pos));
      break;
    }
    if (i > pos) out.push(format.slice(pos, i));
    pos = i + 1;
    if (pos < n && format.charCodeAt(pos) === 0x25) {
      out.push('%');
      pos++;
      continue;
    }
    let arg: Value;
    if (pos < n && format.charCodeAt(pos) === 0x28) {
      const j = format.indexOf(')', pos + 1);
      if (j < 0) fail('incomplete format key');
      const key = format.slice(pos + 1, j);
      if (!(x instanceof Dict)) fail('format requires a mapping');
      const v = x.get(key);
      if (v === undefined) fail(`key not found: ${key}`);
      arg = v;
      pos = j + 1;
    } else {
      if (index >= nargs) fail('not enough arguments for format string');
      arg = isTuple ? tuple[index] : x;
    }
    if (pos >= n) fail('incomplete format');
    const c = format[pos];
    switch (c) {
      case 's':
        out.push(str(arg));
        break;
      case 'r':
        out.push(repr(arg));
        break;
      case 'd':
      case 'i':
      case 'o':
      case 'x':
      case 'X':
        out.push(formatIntConv(arg, c));
        break;
      case 'e':
      case 'f':
      case 'g':
      case 'E':
      case 'F':
      case 'G': {
        let f: number;
        if (arg instanceof Float) f = arg.v;
        else if (typeof arg === 'number') f = arg;
        else if (typeof arg === 'bigint') f = Number(arg);
        else fail(`%${c} format requires float, not ${typeName(arg)}`);
        out.push(formatFloatConv(f, c));
        break;
      }
      case 'c':
        out.push(formatChar(arg));
        break;
      case '%':
        out.push('%');
        break;
      default:
        fail(`unknown conversion %${unknownConv(format, pos)}`);
    }
    pos++;
    index++;
  }
  if (index < nargs) fail('too many arguments for format string');
  return out.join('');
}

/** The byte at `pos` as Go's %c of a byte prints it (bytes ≥ 0x80 as their Latin-1 rune). */
function unknownConv(format: string, pos: number): string {
  const b = format.charCodeAt(pos);
  return b < 0x80 ? format[pos] : utf8Encode(String.fromCharCode(b));
}

function formatIntConv(arg: Value, c: string): string {
  let i: number | bigint;
  if (typeof arg === 'number' || typeof arg === 'bigint') {
    i = arg;
  } else if (arg instanceof Float) {
    const f = arg.v;
    if (Number.isNaN(f)) fail(`%${c} format requires integer: cannot convert float NaN to integer`);
    if (!Number.isFinite(f)) fail(`%${c} format requires integer: cannot convert float infinity to integer`);
    const t = Math.trunc(f);
    i = Number.isSafeInteger(t) ? t + 0 : BigInt(t);
  } else {
    fail(`%${c} format requires integer: cannot convert ${typeName(arg)} to int`);
  }
  switch (c) {
    case 'o':
      return i.toString(8);
    case 'x':
      return i.toString(16);
    case 'X':
      return i.toString(16).toUpperCase();
    default:
      return i.toString();
  }
}

function formatChar(arg: Value): string {
  if (typeof arg === 'number' || typeof arg === 'bigint') {
    if (typeof arg === 'bigint' || arg < -0x80000000 || arg > 0x7fffffff || arg < 0 || arg > 0x10ffff) {
      fail(`%c format requires a valid Unicode code point, got ${arg}`);
    }
    if (arg < 0x80) return String.fromCharCode(arg);
    return utf8Encode(arg >= 0xd800 && arg <= 0xdfff ? '\ufffd' : String.fromCodePoint(arg));
  }
  if (typeof arg === 'string') {
    if (arg.length === 0) fail('%c format requires a single-character string');
    const d = utf8DecodeAt(arg, 0);
    const size = d < 0 ? 1 : d & 7;
    if (size !== arg.length) fail('%c format requires a single-character string');
    return d < 0 ? '\xef\xbf\xbd' : arg;
  }
  return fail(`%c format requires int or single-character string, not ${typeName(arg)}`);
}

// ---- str.format ------------------------------------------------------------------------

/** `format.format(*args, **kwargs)` with the reference's (Python-subset) rules. */
export function formatString(format: string, args: readonly Value[], kwargs: KwArgs | null): string {
  const out: string[] = [];
  let auto = false;
  let manual = false;
  let index = 0;
  let pos = 0;
  const n = format.length;
  for (;;) {
    const i = format.indexOf('{', pos);
    const litEnd = i < 0 ? n : i;
    let p = pos;
    for (;;) {
      const j = format.indexOf('}', p);
      if (j < 0 || j >= litEnd) {
        if (p < litEnd) out.push(format.slice(p, litEnd));
        break;
      }
      if (j + 1 >= litEnd || format.charCodeAt(j + 1) !== 0x7d) fail("format: single '}' in format");
      out.push(format.slice(p, j + 1));
      p = j + 2;
    }
    if (i < 0) break;
    if (i + 1 < n && format.charCodeAt(i + 1) === 0x7b) {
      out.push('{');
      pos = i + 2;
      continue;
    }
    const close = format.indexOf('}', i + 1);
    if (close < 0) fail("format: unmatched '{' in format");
    const field = format.slice(i + 1, close);
    pos = close + 1;

    let name: string;
    let conv = 's';
    let spec = '';
    const bang = field.indexOf('!');
    if (bang < 0) {
      const colon = field.indexOf(':');
      if (colon < 0) name = field;
      else {
        name = field.slice(0, colon);
        spec = field.slice(colon + 1);
      }
    } else {
      name = field.slice(0, bang);
      const rest = field.slice(bang + 1);
      const colon = rest.indexOf(':');
      if (colon < 0) conv = rest;
      else {
        conv = rest.slice(0, colon);
        spec = rest.slice(colon + 1);
      }
    }

    let arg: Value | undefined;
    let num: number;
    if (name === '') {
      if (manual) fail('format: cannot switch from manual field specification to automatic field numbering');
      auto = true;
      if (index >= args.length) fail('format: tuple index out of range');
      arg = args[index++];
    } else if ((num = decimal(name)) >= 0) {
      if (auto) fail('format: cannot switch from automatic field numbering to manual field specification');
      manual = true;
      if (num >= args.length) fail('format: tuple index out of range');
      arg = args[num];
    } else {
      if (kwargs !== null) {
        for (let k = 0; k < kwargs.length; k += 2) {
          if (kwargs[k] === name) {
            arg = kwargs[k + 1];
            break;
          }
        }
      }
      if (arg === undefined) {
        if (name.includes('.')) fail(`format: attribute syntax x.y is not supported in replacement fields: ${name}`);
        if (name.includes('[')) fail(`format: element syntax a[i] is not supported in replacement fields: ${name}`);
        if (name.includes('{')) fail('format: nested replacement fields not supported');
        fail(`format: keyword ${name} not found`);
      }
    }
    if (spec !== '') fail(`format spec features not supported in replacement fields: ${spec}`);
    if (conv === 's') out.push(str(arg));
    else if (conv === 'r') out.push(repr(arg));
    else fail(`format: unknown conversion ${quote(conv)}`);
  }
  return out.join('');
}

/**
 * `s` as a non-negative decimal index (leading zeros allowed), or -1 if it is not all
 * digits or (as Go's int arithmetic detects it) overflows.
 */
function decimal(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
  }
  if (s.length <= 15) return Number(s);
  let x = 0n;
  for (let i = 0; i < s.length; i++) {
    x = BigInt.asIntN(64, x * 10n + BigInt(s.charCodeAt(i) - 0x30));
    if (x < 0n) return -1;
  }
  return x > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(x);
}

// ---- floats ------------------------------------------------------------------------------

/**
 * A float as the reference's `%e %f %g %E %F %G` print it (Float.format): non-finite values
 * as +inf/-inf/nan; g/G shortest with a ".0" added when there is neither point nor exponent;
 * e/E/f with 6 digits of precision. Go's strconv has no 'F' verb, so %F prints "%F" there,
 * and here too.
 */
export function formatFloatConv(f: number, conv: string): string {
  if (!Number.isFinite(f)) return Number.isNaN(f) ? 'nan' : f > 0 ? '+inf' : '-inf';
  switch (conv) {
    case 'g':
      return formatG(f, -1, true);
    case 'G': {
      const s = formatG(f, -1).replace('e', 'E');
      return s.includes('.') || s.includes('E') ? s : s + '.0';
    }
    case 'e':
      return formatExp(f, 6, 'e');
    case 'E':
      return formatExp(f, 6, 'E');
    case 'f':
      return formatFixed(f, 6);
    default:
      return `%${conv}`;
  }
}

/** Go's strconv.FormatFloat(f, 'e', prec, 64) (or 'E'); `f` finite. */
export function formatExp(f: number, prec: number, e: 'e' | 'E' = 'e'): string {
  const sign = f < 0 || Object.is(f, -0) ? '-' : '';
  const a = Math.abs(f);
  let digits: string;
  let exp: number;
  if (a === 0) {
    digits = '0'.repeat(prec + 1);
    exp = 0;
  } else {
    ({ digits, exp } = roundSignificant(a, prec + 1));
  }
  const mant = prec > 0 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const ae = Math.abs(exp);
  return `${sign}${mant}${e}${exp < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
}

/** Go's strconv.FormatFloat(f, 'f', prec, 64); `f` finite. */
export function formatFixed(f: number, prec: number): string {
  const sign = f < 0 || Object.is(f, -0) ? '-' : '';
  const a = Math.abs(f);
  if (a >= 1e21) {
    const int = BigInt(a).toString();
    return prec > 0 ? `${sign}${int}.${'0'.repeat(prec)}` : sign + int;
  }
  if (prec <= 20) {
    let s = a.toFixed(prec);
    if (isFixedTie(a, prec)) {
      const last = s.charCodeAt(s.length - 1) - 0x30;
      if (last % 2 === 1) s = s.slice(0, -1) + String(last - 1);
    }
    return sign + s;
  }
  const { digits, exp } = exactDecimal(a);
  return sign + fixedFromExact(digits, exp, prec);
}

/**
 * Whether `a` (< 1e21) lies exactly halfway between two multiples of 10^-prec, i.e. its
 * exact binary value has exactly prec+1 decimals ending in 5 — which for a dyadic
 * rational means a·2^(prec+1) is an odd integer.
 */
function isFixedTie(a: number, prec: number): boolean {
  const scaled = a * 2 ** (prec + 1);
  return Number.isInteger(scaled) && scaled % 2 === 1 && scaled <= Number.MAX_SAFE_INTEGER;
}

/**
 * `a` (> 0, finite) rounded half-to-even to `p` significant decimal digits: the digits
 * (exactly p of them) and the decimal exponent of the first.
 */
export function roundSignificant(a: number, p: number): { digits: string; exp: number } {
  if (a < MIN_NORMAL) {
    const exact = exactDecimal(a);
    return roundHalfEven(exact.digits, exact.exp, p);
  }
  if (p <= 15) {
    const short = parseExp(a.toExponential());
    if (short.digits.length <= p) return { digits: short.digits.padEnd(p, '0'), exp: short.exp };
    if (short.digits.length === p + 1 && short.digits.endsWith('5') && isExactly(a, short.digits, short.exp)) {
      return roundHalfEven(short.digits, short.exp, p);
    }
    return parseExp(a.toExponential(p - 1));
  }
  const exact = exactDecimal(a);
  return roundHalfEven(exact.digits, exact.exp, p);
}

/** Below this, doubles lose precision and the shortest digits say little about rounding. */
const MIN_NORMAL = 2.2250738585072014e-308;

function parseExp(s: string): { digits: string; exp: number } {
  const e = s.indexOf('e');
  const mant = s.slice(0, e);
  const digits = mant.length > 1 ? mant[0] + mant.slice(2) : mant;
  return { digits, exp: Number(s.slice(e + 1)) };
}

/** Rounds the significant digits `d` (first digit at 10^exp) to p digits, ties to even. */
function roundHalfEven(d: string, exp: number, p: number): { digits: string; exp: number } {
  if (d.length <= p) return { digits: d.padEnd(p, '0'), exp };
  const next = d.charCodeAt(p) - 0x30;
  let up = next > 5;
  if (next === 5) {
    up = /[1-9]/.test(d.slice(p + 1)) || (p > 0 && (d.charCodeAt(p - 1) - 0x30) % 2 === 1);
  }
  let kept = d.slice(0, p);
  if (up) {
    if (p === 0) return { digits: '1', exp: exp + 1 };
    const bumped = (BigInt(kept) + 1n).toString();
    if (bumped.length > p) return { digits: bumped.slice(0, p), exp: exp + 1 };
    kept = bumped.padStart(p, '0');
  }
  return { digits: kept, exp };
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** All significant digits of the exact binary value of `a` (> 0, finite). */
function exactDecimal(a: number): { digits: string; exp: number } {
  f64[0] = a;
  const bits = u64[0];
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & 0xfffffffffffffn;
  let e2: number;
  if (biased === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = biased - 1075;
  }
  let digits: string;
  let exp: number;
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    exp = digits.length - 1;
  } else {
    digits = (mant * 5n ** BigInt(-e2)).toString();
    exp = digits.length - 1 + e2;
  }
  return { digits: digits.replace(/0+$/, ''), exp };
}

function isExactly(a: number, digits: string, exp: number): boolean {
  const exact = exactDecimal(a);
  return exact.exp === exp && exact.digits === digits;
}

/** Fixed notation with `prec` decimals from exact digits (first at 10^exp), half-even. */
function fixedFromExact(digits: string, exp: number, prec: number): string {
  const p = exp + 1 + prec;
  let d: string;
  let e = exp;
  if (p < 0) {
    d = '';
  } else {
    const r = roundHalfEven(digits, exp, p);
    d = r.digits;
    e = r.exp;
    if (e > exp) d = d.padEnd(e + 1 + prec, '0');
  }
  const intLen = e + 1;
  let intPart: string;
  let frac: string;
  if (intLen <= 0) {
    intPart = '0';
    frac = ('0'.repeat(-intLen) + d).padEnd(prec, '0').slice(0, prec);
  } else {
    intPart = d.slice(0, intLen).padEnd(intLen, '0');
    frac = d.slice(intLen).padEnd(prec, '0');
  }
  return prec > 0 ? `${intPart}.${frac}` : intPart;
}
