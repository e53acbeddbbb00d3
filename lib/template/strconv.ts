// The parts of Go's strconv the template engine needs, on byte strings: number parsing with
// Go's exact acceptance rules (base prefixes, underscores, hex floats), float formatting
// ('e', 'f', 'g', 'b', 'x' at any precision, or shortest), quoting and unquoting.
//
// Float formatting works on the exact decimal expansion of the double (BigInt), rounded
// half-to-even like Go's decimal type; shortest output takes the digits from JS, whose
// round-trip shortest-closest rule is the one Go's Ryū implementation follows.

import { RUNE_ERROR, decodeRune, encodeRune, isPrint, validRune, validUtf8 } from './utf8.js';

// ---- integers ------------------------------------------------------------------------

export type ParseResult<T> = { ok: true; value: T } | { ok: false; err: 'syntax' | 'range' };

const MAX_UINT64 = (1n << 64n) - 1n;

function lower(c: number): number {
  return c | 0x20;
}

/** Go's underscoreOK: underscores only between digits (or after a base prefix). */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0') {
    const c = lower(s.charCodeAt(1));
    if (c === 0x62 || c === 0x6f || c === 0x78) {
      i = 2;
      saw = '0';
      hex = c === 0x78;
    }
  }
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || (hex && lower(c) >= 0x61 && lower(c) <= 0x66)) {
      saw = '0';
      continue;
    }
    if (c === 0x5f) {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseUint(s, base, 64) for base 0 or 10. */
export function parseUint(s: string, base: 0 | 10): ParseResult<bigint> {
  if (s === '') return { ok: false, err: 'syntax' };
  const base0 = base === 0;
  const s0 = s;
  let b = 10;
  if (base0 && s[0] === '0') {
    const c = s.length >= 3 ? lower(s.charCodeAt(1)) : 0;
    if (c === 0x62) {
      b = 2;
      s = s.slice(2);
    } else if (c === 0x6f) {
      b = 8;
      s = s.slice(2);
    } else if (c === 0x78) {
      b = 16;
      s = s.slice(2);
    } else {
      b = 8;
      s = s.slice(1);
    }
  }
  const bb = BigInt(b);
  let underscores = false;
  let n = 0n;
  let overflow = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let d: number;
    if (c === 0x5f && base0) {
      underscores = true;
      continue;
    } else if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (lower(c) >= 0x61 && lower(c) <= 0x7a) d = lower(c) - 0x61 + 10;
    else return { ok: false, err: 'syntax' };
    if (d >= b) return { ok: false, err: 'syntax' };
    if (!overflow) {
      n = n * bb + BigInt(d);
      if (n > MAX_UINT64) overflow = true;
    }
  }
  if (underscores && !underscoreOK(s0)) return { ok: false, err: 'syntax' };
  if (overflow) return { ok: false, err: 'range' };
  return { ok: true, value: n };
}

/** strconv.ParseInt(s, base, 64) for base 0 or 10. */
export function parseInt64(s: string, base: 0 | 10): ParseResult<bigint> {
  if (s === '') return { ok: false, err: 'syntax' };
  let neg = false;
  if (s[0] === '+') s = s.slice(1);
  else if (s[0] === '-') {
    neg = true;
    s = s.slice(1);
  }
  const u = parseUint(s, base);
  if (!u.ok) return u;
  const cutoff = 1n << 63n;
  if (!neg && u.value >= cutoff) return { ok: false, err: 'range' };
  if (neg && u.value > cutoff) return { ok: false, err: 'range' };
  return { ok: true, value: neg ? -u.value : u.value };
}

// ---- floats --------------------------------------------------------------------------

/** strconv.ParseFloat(s, 64) (without the inf/nan spellings, which templates cannot lex). */
export function parseFloat64(s: string): ParseResult<number> {
  let i = 0;
  let neg = false;
  if (i < s.length && (s[i] === '+' || s[i] === '-')) {
    neg = s[i] === '-';
    i++;
  }
  let hex = false;
  if (i + 2 < s.length && s[i] === '0' && lower(s.charCodeAt(i + 1)) === 0x78) {
    hex = true;
    i += 2;
  }
  const mantStart = i;
  let sawDot = false;
  let sawDigits = false;
  let underscores = false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5f) {
      underscores = true;
      continue;
    }
    if (c === 0x2e) {
      if (sawDot) break;
      sawDot = true;
      continue;
    }
    if (c >= 0x30 && c <= 0x39) {
      sawDigits = true;
      continue;
    }
    if (hex && lower(c) >= 0x61 && lower(c) <= 0x66) {
      sawDigits = true;
      continue;
    }
    break;
  }
  if (!sawDigits) return { ok: false, err: 'syntax' };
  const mantEnd = i;
  let exp = 0;
  let sawExp = false;
  if (i < s.length && lower(s.charCodeAt(i)) === (hex ? 0x70 : 0x65)) {
    i++;
    if (i >= s.length) return { ok: false, err: 'syntax' };
    let esign = 1;
    if (s[i] === '+') i++;
    else if (s[i] === '-') {
      i++;
      esign = -1;
    }
    if (i >= s.length || s.charCodeAt(i) < 0x30 || s.charCodeAt(i) > 0x39) return { ok: false, err: 'syntax' };
    let e = 0;
    for (; i < s.length && ((s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) || s[i] === '_'); i++) {
      if (s[i] === '_') {
        underscores = true;
        continue;
      }
      if (e < 10000) e = e * 10 + s.charCodeAt(i) - 0x30;
    }
    exp = e * esign;
    sawExp = true;
  } else if (hex) {
    return { ok: false, err: 'syntax' };
  }
  if (underscores && !underscoreOK(s.slice(0, i))) return { ok: false, err: 'syntax' };
  if (i !== s.length) return { ok: false, err: 'syntax' };
  const mant = s.slice(mantStart, mantEnd).replace(/_/g, '');
  let v: number;
  if (hex) {
    const dot = mant.indexOf('.');
    const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
    const fracBits = dot < 0 ? 0 : (mant.length - dot - 1) * 4;
    v = hexToFloat(BigInt('0x' + (digits === '' ? '0' : digits)), exp - fracBits);
  } else {
    v = Number(mant + (sawExp ? 'e' + exp : ''));
  }
  if (!Number.isFinite(v)) return { ok: false, err: 'range' };
  return { ok: true, value: neg ? -v : v };
}

/** Correctly rounded m * 2^e as a double. */
function hexToFloat(m: bigint, e: number): number {
  if (m === 0n) return 0;
  let bits = m.toString(2).length;
  // Normalise to 54 bits plus a sticky bit, then round half to even at 53 bits.
  const minExp = -1074;
  let shift = bits - 53;
  if (e + shift < minExp) shift = minExp - e;
  if (shift > 0) {
    const rem = m & ((1n << BigInt(shift)) - 1n);
    m >>= BigInt(shift);
    const half = 1n << BigInt(shift - 1);
    if (rem > half || (rem === half && (m & 1n) === 1n)) m += 1n;
    e += shift;
  }
  bits = m.toString(2).length;
  if (e + bits > 1024) return Infinity;
  return Number(m) * Math.pow(2, e);
}

interface Decimal {
  d: string; // digits, no leading or trailing zeros ('' for zero)
  dp: number; // decimal point position
}

const F64 = new DataView(new ArrayBuffer(8));

function floatBits(v: number): { neg: boolean; mant: bigint; exp: number } {
  F64.setFloat64(0, v);
  const hi = F64.getUint32(0);
  const lo = F64.getUint32(4);
  const neg = hi >>> 31 === 1;
  let exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp === 0) exp++;
  else mant |= 1n << 52n;
  return { neg, mant, exp: exp - 1023 };
}

/** The exact decimal expansion of |v|. */
function exactDecimal(v: number): Decimal {
  const { mant, exp } = floatBits(v);
  if (mant === 0n) return { d: '', dp: 0 };
  const e = exp - 52;
  let digits: string;
  let dp: number;
  if (e >= 0) {
    digits = (mant << BigInt(e)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e)).toString();
    dp = digits.length + e;
  }
  return { d: digits.replace(/0+$/, ''), dp };
}

/** Shortest digits that round-trip, from JS. */
function shortestDecimal(v: number): Decimal {
  if (v === 0) return { d: '', dp: 0 };
  const s = Math.abs(v).toExponential();
  const ei = s.indexOf('e');
  const digits = s.slice(0, ei).replace('.', '');
  return { d: digits.replace(/0+$/, ''), dp: Number(s.slice(ei + 1)) + 1 };
}

/** Rounds to nd digits, half to even (Go's decimal.Round, exact input). */
function roundDecimal(a: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= a.d.length) return a;
  const c = a.d.charCodeAt(nd);
  let up: boolean;
  if (c === 0x35 && nd + 1 === a.d.length) up = nd > 0 && (a.d.charCodeAt(nd - 1) - 0x30) % 2 !== 0;
  else up = c >= 0x35;
  if (!up) return { d: a.d.slice(0, nd).replace(/0+$/, ''), dp: a.dp };
  for (let i = nd - 1; i >= 0; i--) {
    if (a.d[i] !== '9') return { d: a.d.slice(0, i) + String.fromCharCode(a.d.charCodeAt(i) + 1), dp: a.dp };
  }
  return { d: '1', dp: a.dp + 1 };
}

export type FloatFmt = 'e' | 'E' | 'f' | 'g' | 'G' | 'b' | 'x' | 'X';

/** strconv.FormatFloat(v, fmt, prec, 64). */
export function formatFloat(v: number, fmt: FloatFmt, prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  if (fmt === 'b') return fmtB(v);
  if (fmt === 'x' || fmt === 'X') return fmtX(v, prec, fmt);
  const shortest = prec < 0;
  let digs: Decimal;
  if (shortest) {
    digs = shortestDecimal(v);
    const nd = digs.d.length;
    if (fmt === 'e' || fmt === 'E') prec = Math.max(nd - 1, 0);
    else if (fmt === 'f') prec = Math.max(nd - digs.dp, 0);
    else prec = nd;
  } else {
    digs = exactDecimal(v);
    if (fmt === 'e' || fmt === 'E') digs = roundDecimal(digs, prec + 1);
    else if (fmt === 'f') digs = roundDecimal(digs, digs.dp + prec);
    else {
      if (prec === 0) prec = 1;
      digs = roundDecimal(digs, prec);
    }
  }
  return formatDigits(neg, shortest, digs, prec, fmt);
}

function formatDigits(neg: boolean, shortest: boolean, digs: Decimal, prec: number, fmt: FloatFmt): string {
  if (fmt === 'e' || fmt === 'E') return fmtE(neg, digs, prec, fmt);
  if (fmt === 'f') return fmtF(neg, digs, prec);
  const nd = digs.d.length;
  let eprec = prec;
  if (eprec > nd && nd >= digs.dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = digs.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > nd) prec = nd;
    return fmtE(neg, digs, prec - 1, fmt === 'g' ? 'e' : 'E');
  }
  if (prec > digs.dp) prec = nd;
  return fmtF(neg, digs, Math.max(prec - digs.dp, 0));
}

function fmtE(neg: boolean, d: Decimal, prec: number, fmt: string): string {
  let out = neg ? '-' : '';
  out += d.d.length !== 0 ? d.d[0] : '0';
  if (prec > 0) {
    out += '.';
    const m = Math.min(d.d.length, prec + 1);
    let i = 1;
    if (i < m) {
      out += d.d.slice(i, m);
      i = m;
    }
    for (; i <= prec; i++) out += '0';
  }
  out += fmt;
  let exp = d.d.length === 0 ? 0 : d.dp - 1;
  if (exp < 0) {
    out += '-';
    exp = -exp;
  } else out += '+';
  out += exp < 10 ? '0' + exp : String(exp);
  return out;
}

function fmtF(neg: boolean, d: Decimal, prec: number): string {
  let out = neg ? '-' : '';
  if (d.dp > 0) {
    const m = Math.min(d.d.length, d.dp);
    out += d.d.slice(0, m);
    for (let i = m; i < d.dp; i++) out += '0';
  } else out += '0';
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) {
      const j = d.dp + i;
      out += j >= 0 && j < d.d.length ? d.d[j] : '0';
    }
  }
  return out;
}

function fmtB(v: number): string {
  const { neg, mant, exp } = floatBits(v);
  const e = exp - 52;
  return (neg ? '-' : '') + mant.toString() + 'p' + (e >= 0 ? '+' : '') + e;
}

function fmtX(v: number, prec: number, fmt: 'x' | 'X'): string {
  let { neg, mant, exp } = floatBits(v);
  if (mant === 0n) exp = 0;
  const ONE60 = 1n << 60n;
  mant <<= 60n - 52n;
  while (mant !== 0n && (mant & ONE60) === 0n) {
    mant <<= 1n;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & (ONE60 - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const hex = fmt === 'X' ? '0123456789ABCDEF' : '0123456789abcdef';
  let out = (neg ? '-' : '') + '0' + fmt + String(Number((mant >> 60n) & 1n));
  mant = (mant << 4n) & ((1n << 64n) - 1n);
  if (prec < 0 && mant !== 0n) {
    out += '.';
    while (mant !== 0n) {
      out += hex[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & ((1n << 64n) - 1n);
    }
  } else if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) {
      out += hex[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & ((1n << 64n) - 1n);
    }
  }
  out += fmt === 'X' ? 'P' : 'p';
  if (exp < 0) {
    out += '-';
    exp = -exp;
  } else out += '+';
  out += exp < 10 ? '0' + exp : String(exp);
  return out;
}

// ---- quoting -------------------------------------------------------------------------

const LOWERHEX = '0123456789abcdef';

function appendEscapedRune(r: number, quote: number, asciiOnly: boolean): string {
  if (r === quote || r === 0x5c) return '\\' + String.fromCharCode(r);
  if (asciiOnly) {
    if (r < 0x80 && isPrint(r)) return String.fromCharCode(r);
  } else if (isPrint(r)) {
    return encodeRune(r);
  }
  switch (r) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + LOWERHEX[r >> 4] + LOWERHEX[r & 15];
  if (!validRune(r)) r = 0xfffd;
  if (r < 0x10000) return '\\u' + r.toString(16).padStart(4, '0');
  return '\\U' + r.toString(16).padStart(8, '0');
}

/** strconv.Quote / QuoteToASCII on a byte string. */
export function quote(s: string, asciiOnly = false): string {
  let out = '"';
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      out += appendEscapedRune(c, 0x22, asciiOnly);
      i++;
      continue;
    }
    const d = decodeRune(s, i);
    const w = d & 7;
    if (w === 1) {
      out += '\\x' + LOWERHEX[c >> 4] + LOWERHEX[c & 15];
      i++;
      continue;
    }
    out += appendEscapedRune(d >> 3, 0x22, asciiOnly);
    i += w;
  }
  return out + '"';
}

/** strconv.QuoteRune / QuoteRuneToASCII. */
export function quoteRune(r: number, asciiOnly = false): string {
  if (!validRune(r)) r = RUNE_ERROR;
  return "'" + appendEscapedRune(r, 0x27, asciiOnly) + "'";
}

/** strconv.CanBackquote on a byte string. */
export function canBackquote(s: string): boolean {
  for (let i = 0; i < s.length;) {
    const d = decodeRune(s, i);
    const r = d >> 3;
    const w = d & 7;
    i += w;
    if (w > 1) {
      if (r === 0xfeff) return false;
      continue;
    }
    if (r === RUNE_ERROR) return false;
    if ((r < 0x20 && r !== 0x09) || r === 0x60 || r === 0x7f) return false;
  }
  return true;
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

export interface UnquotedChar {
  value: number;
  multibyte: boolean;
  tail: string;
}

/** strconv.UnquoteChar on a byte string; null for a syntax error. */
export function unquoteChar(s: string, q: number): UnquotedChar | null {
  if (s.length === 0) return null;
  const c = s.charCodeAt(0);
  if (c === q && (q === 0x27 || q === 0x22)) return null;
  if (c >= 0x80) {
    const d = decodeRune(s, 0);
    return { value: d >> 3, multibyte: true, tail: s.slice(d & 7) };
  }
  if (c !== 0x5c) return { value: c, multibyte: false, tail: s.slice(1) };
  if (s.length <= 1) return null;
  const e = s[1];
  s = s.slice(2);
  switch (e) {
    case 'a':
      return { value: 7, multibyte: false, tail: s };
    case 'b':
      return { value: 8, multibyte: false, tail: s };
    case 'f':
      return { value: 12, multibyte: false, tail: s };
    case 'n':
      return { value: 10, multibyte: false, tail: s };
    case 'r':
      return { value: 13, multibyte: false, tail: s };
    case 't':
      return { value: 9, multibyte: false, tail: s };
    case 'v':
      return { value: 11, multibyte: false, tail: s };
    case 'x':
    case 'u':
    case 'U': {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      if (s.length < n) return null;
      let v = 0;
      for (let j = 0; j < n; j++) {
        const x = unhex(s.charCodeAt(j));
        if (x < 0) return null;
        v = v * 16 + x;
      }
      s = s.slice(n);
      if (e === 'x') return { value: v, multibyte: false, tail: s };
      if (!validRune(v)) return null;
      return { value: v, multibyte: true, tail: s };
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      let v = e.charCodeAt(0) - 0x30;
      if (s.length < 2) return null;
      for (let j = 0; j < 2; j++) {
        const x = s.charCodeAt(j) - 0x30;
        if (x < 0 || x > 7) return null;
        v = (v << 3) | x;
      }
      s = s.slice(2);
      if (v > 255) return null;
      return { value: v, multibyte: false, tail: s };
    }
    case '\\':
      return { value: 0x5c, multibyte: false, tail: s };
    case "'":
    case '"':
      if (e.charCodeAt(0) !== q) return null;
      return { value: e.charCodeAt(0), multibyte: false, tail: s };
  }
  return null;
}

/** strconv.Unquote on a byte string; null for "invalid syntax". */
export function unquote(s: string): string | null {
  if (s.length < 2) return null;
  const q = s.charCodeAt(0);
  const endRel = s.indexOf(s[0], 1);
  if (endRel < 0) return null;
  const end = endRel + 1;
  if (q === 0x60) {
    if (end !== s.length) return null;
    const body = s.slice(1, end - 1);
    return body.includes('\r') ? body.replace(/\r/g, '') : body;
  }
  if (q !== 0x22 && q !== 0x27) return null;
  const head = s.slice(0, end);
  if (!head.includes('\\') && !head.includes('\n')) {
    const body = s.slice(1, end - 1);
    let valid: boolean;
    if (q === 0x22) valid = validUtf8(body);
    else {
      const d = decodeRune(body, 0);
      valid = 2 + (d & 7) === end && (d >> 3 !== RUNE_ERROR || (d & 7) !== 1);
    }
    if (valid) return end === s.length ? body : null;
  }
  let rest = s.slice(1);
  let out = '';
  while (rest.length > 0 && rest.charCodeAt(0) !== q) {
    const r = unquoteChar(rest, q);
    if (rest[0] === '\n' || r === null) return null;
    rest = r.tail;
    out += r.value < 0x80 || !r.multibyte ? String.fromCharCode(r.value & 0xff) : encodeRune(r.value);
    if (q === 0x27) break;
  }
  if (!(rest.length > 0 && rest.charCodeAt(0) === q)) return null;
  rest = rest.slice(1);
  if (rest.length > 0) return null;
  return out;
}
