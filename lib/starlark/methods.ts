// Methods of the built-in types string, list, dict and set, registered into values.ts's
// `builtinMethods` (which getAttr consults). Behaviour and error messages follow the
// reference's library.go.
//
// Strings are byte strings (one JS char per UTF-8 byte), so index arguments are byte
// offsets and native indexOf/slice/split are byte-exact. Case mapping and the character
// class predicates work on code points as Go's unicode package does: one code point maps
// to one code point (simple case mapping), and invalid UTF-8 decodes to U+FFFD. ASCII
// input takes fast paths throughout.
import { formatString } from './format.js';
import { quote, utf8DecodeAt } from './quote.js';
import { unpackPositional } from './unpack.js';
import {
  Builtin,
  Dict,
  EvalError,
  List,
  StarSet,
  StarlarkObject,
  arrayIterator,
  builtinMethods,
  equals,
  fail,
  hashKey,
  isAscii,
  length,
  toBuffer,
  typeName,
  type BuiltinImpl,
  type CompareOp,
  type HashKey,
  type KwArgs,
  type Thread,
  type Value,
  type ValueIterator,
} from './values.js';

// ---- argument helpers --------------------------------------------------------------------

/** The positional arguments after the reference's count and keyword checks. */
function positional(fn: Builtin, args: Value[], kwargs: KwArgs | null, min: number, max: number): Value[] {
  if ((kwargs === null || kwargs.length === 0) && args.length >= min && args.length <= max) return args;
  return unpackPositional(fn.name, args, kwargs, min, max);
}

function noArgs(fn: Builtin, args: Value[], kwargs: KwArgs | null): void {
  if (args.length !== 0 || (kwargs !== null && kwargs.length !== 0)) unpackPositional(fn.name, args, kwargs, 0, 0);
}

function strArg(fn: Builtin, v: Value, i: number): string {
  if (typeof v !== 'string') fail(`${fn.name}: for parameter ${i + 1}: got ${typeName(v)}, want string`);
  return v;
}

function boolArg(fn: Builtin, v: Value, i: number): boolean {
  if (typeof v !== 'boolean') fail(`${fn.name}: for parameter ${i + 1}: got ${typeName(v)}, want bool`);
  return v;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** An int argument bound to a Go `int` (64 bits); large values are approximated. */
function intArg(fn: Builtin, v: Value, i: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') {
    if (v < INT64_MIN || v > INT64_MAX) {
      fail(`${fn.name}: for parameter ${i + 1}: ${v} out of range (want value in signed 64-bit range)`);
    }
    return Number(v);
  }
  return fail(`${fn.name}: for parameter ${i + 1}: got ${typeName(v)}, want int`);
}

/** An optional start/end index (None or absent = default), negative counting from `len`. */
function asIndex(v: Value | undefined, len: number, dflt: number, what: string, fn: Builtin): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number') {
    if (typeof v === 'bigint') fail(`${fn.name}: invalid ${what} index: ${v} out of range`);
    fail(`${fn.name}: invalid ${what} index: got ${typeName(v)}, want int`);
  }
  if (v < -0x80000000 || v > 0x7fffffff) fail(`${fn.name}: invalid ${what} index: ${v} out of range`);
  let i = v < 0 ? v + len : v;
  if (i < 0) i = 0;
  else if (i > len) i = len;
  return i;
}

/** Re-raises an error from a core operation with the method's name in front. */
function named(fn: Builtin, e: unknown): never {
  if (e instanceof EvalError) fail(`${fn.name}: ${e.msg}`);
  throw e;
}

/** An iterator over an argument the reference unpacks as Iterable (strings are not). */
function iterableArg(fn: Builtin, v: Value, i: number): ValueIterator {
  if (Array.isArray(v)) return arrayIterator(v);
  if (v instanceof StarlarkObject) {
    const it = v.iterate();
    if (it !== undefined) return it;
  }
  return fail(`${fn.name}: for parameter ${i + 1}: got ${typeName(v)}, want iterable`);
}

// ---- Unicode -----------------------------------------------------------------------------

/** Go's unicode.IsSpace as byte patterns: the length of the space rune at `i`, or 0. */
function spaceAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 32 || (c >= 9 && c <= 13)) return 1;
  if (c < 0xc2 || c > 0xe3) return 0;
  const d = s.charCodeAt(i + 1);
  if (c === 0xc2) return d === 0x85 || d === 0xa0 ? 2 : 0;
  const e = s.charCodeAt(i + 2);
  if (c === 0xe2) {
    if (d === 0x80) return (e >= 0x80 && e <= 0x8a) || e === 0xa8 || e === 0xa9 || e === 0xaf ? 3 : 0;
    return d === 0x81 && e === 0x9f ? 3 : 0;
  }
  if (c === 0xe1) return d === 0x9a && e === 0x80 ? 3 : 0;
  if (c === 0xe3) return d === 0x80 && e === 0x80 ? 3 : 0;
  return 0;
}

/** The length of the space rune ending just before `i`, or 0. */
function spaceBefore(s: string, i: number): number {
  const c = s.charCodeAt(i - 1);
  if (c === 32 || (c >= 9 && c <= 13)) return 1;
  if (c < 0x80 || c > 0xbf) return 0;
  if (i >= 2 && spaceAt(s, i - 2) === 2) return 2;
  if (i >= 3 && spaceAt(s, i - 3) === 3) return 3;
  return 0;
}

const upperCache = new Map<number, number>();
const lowerCache = new Map<number, number>();

/** Unicode's simple uppercase mapping (Go's unicode.ToUpper). */
function toUpperRune(cp: number): number {
  if (cp < 0x80) return cp >= 0x61 && cp <= 0x7a ? cp - 32 : cp;
  let r = upperCache.get(cp);
  if (r === undefined) {
    r = singleRune(String.fromCodePoint(cp).toUpperCase()) ?? iotaSubscriptUpper(cp);
    upperCache.set(cp, r);
  }
  return r;
}

/** Greek letters with ypogegrammeni: full uppercase is two letters, the simple one is one. */
function iotaSubscriptUpper(cp: number): number {
  if ((cp >= 0x1f80 && cp <= 0x1f87) || (cp >= 0x1f90 && cp <= 0x1f97) || (cp >= 0x1fa0 && cp <= 0x1fa7)) return cp + 8;
  if (cp === 0x1fb3 || cp === 0x1fc3 || cp === 0x1ff3) return cp + 9;
  return cp;
}

/** Unicode's simple lowercase mapping (Go's unicode.ToLower). */
function toLowerRune(cp: number): number {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp;
  let r = lowerCache.get(cp);
  if (r === undefined) {
    r = singleRune(String.fromCodePoint(cp).toLowerCase()) ?? (cp === 0x130 ? 0x69 : cp);
    lowerCache.set(cp, r);
  }
  return r;
}

/** Unicode's simple titlecase mapping (Go's unicode.ToTitle). */
function toTitleRune(cp: number): number {
  if (cp < 0x1c4) return toUpperRune(cp);
  if (cp <= 0x1cc) return 0x1c5 + 3 * Math.floor((cp - 0x1c4) / 3);
  if (cp >= 0x1f1 && cp <= 0x1f3) return 0x1f2;
  if (cp >= 0x10d0 && cp <= 0x10ff) return cp;
  return toUpperRune(cp);
}

function singleRune(s: string): number | undefined {
  const c = s.codePointAt(0)!;
  return s.length === (c > 0xffff ? 2 : 1) ? c : undefined;
}

/** Runes whose case-fold orbit is non-trivial though they have no simple case mapping. */
const foldOnly = new Set([0xdf]);
/** Runes with simple case mappings but no case-fold partners (Go counts them uncased). */
const noFold = new Set([0x130, 0x131]);

/** The reference's isCasedRune: ASCII letters, and runes with case-fold partners. */
function isCasedRune(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  if (noFold.has(cp)) return false;
  return toLowerRune(cp) !== cp || toUpperRune(cp) !== cp || foldOnly.has(cp);
}

/** The code points of a byte string (invalid UTF-8 → U+FFFD, as Go's range loop). */
function codePoints(s: string): number[] {
  const out: number[] = [];
  const n = s.length;
  for (let i = 0; i < n;) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      out.push(c);
      i++;
      continue;
    }
    const d = utf8DecodeAt(s, i);
    if (d < 0) {
      out.push(0xfffd);
      i++;
    } else {
      out.push(d >> 3);
      i += d & 7;
    }
  }
  return out;
}

/**
 * Maps each code point of a byte string through a case function, writing UTF-8 bytes.
 * `mode` 0 maps every rune with `f`; 1 is title-casing (title after an uncased rune, lower
 * after a cased one); 2 is capitalize (title first, lower after). Unchanged runes are
 * copied byte for byte; invalid bytes become U+FFFD as Go's encoder writes them.
 */
function mapCase(s: string, f: (cp: number) => number, mode: 0 | 1 | 2): string {
  const n = s.length;
  let out = Buffer.allocUnsafe(n + 16);
  let j = 0;
  let prevCased = false;
  for (let i = 0; i < n;) {
    if (j + 4 > out.length) {
      const bigger = Buffer.allocUnsafe(out.length * 2);
      out.copy(bigger, 0, 0, j);
      out = bigger;
    }
    const c = s.charCodeAt(i);
    let cp: number;
    let w: number;
    let valid = true;
    if (c < 0x80) {
      cp = c;
      w = 1;
    } else {
      const d = utf8DecodeAt(s, i);
      if (d < 0) {
        cp = 0xfffd;
        w = 1;
        valid = false;
      } else {
        cp = d >> 3;
        w = d & 7;
      }
    }
    let r: number;
    if (mode === 0) r = f(cp);
    else if (mode === 1) {
      r = prevCased ? toLowerRune(cp) : toTitleRune(cp);
      prevCased = isCasedRune(r);
    } else r = i === 0 ? toTitleRune(cp) : toLowerRune(cp);
    if (r === cp && valid) {
      for (let k = 0; k < w; k++) out[j++] = s.charCodeAt(i + k);
    } else if (r < 0x80) {
      out[j++] = r;
    } else if (r < 0x800) {
      out[j++] = 0xc0 | (r >> 6);
      out[j++] = 0x80 | (r & 0x3f);
    } else if (r < 0x10000) {
      out[j++] = 0xe0 | (r >> 12);
      out[j++] = 0x80 | ((r >> 6) & 0x3f);
      out[j++] = 0x80 | (r & 0x3f);
    } else {
      out[j++] = 0xf0 | (r >> 18);
      out[j++] = 0x80 | ((r >> 12) & 0x3f);
      out[j++] = 0x80 | ((r >> 6) & 0x3f);
      out[j++] = 0x80 | (r & 0x3f);
    }
    i += w;
  }
  return out.toString('latin1', 0, j);
}

function lowerString(s: string): string {
  return isAscii(s) ? s.toLowerCase() : mapCase(s, toLowerRune, 0);
}

function upperString(s: string): string {
  return isAscii(s) ? s.toUpperCase() : mapCase(s, toUpperRune, 0);
}

function isCasedString(s: string): boolean {
  if (isAscii(s)) return /[A-Za-z]/.test(s);
  for (const cp of codePoints(s)) if (isCasedRune(cp)) return true;
  return false;
}

const asciiLetterRun = /[A-Za-z]+/g;

function titleString(s: string): string {
  if (isAscii(s)) return s.replace(asciiLetterRun, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase());
  return mapCase(s, toTitleRune, 1);
}

function capitalizeString(s: string): string {
  if (s === '') return s;
  if (isAscii(s)) return s[0].toUpperCase() + s.slice(1).toLowerCase();
  return mapCase(s, toTitleRune, 2);
}

const reUpper = /\p{Lu}/u;
const reLower = /\p{Ll}/u;
const reTitle = /\p{Lt}/u;

function isTitleString(s: string): boolean {
  let cased = false;
  let prevCased = false;
  const ascii = isAscii(s);
  const cps = ascii ? null : codePoints(s);
  const n = ascii ? s.length : cps!.length;
  for (let i = 0; i < n; i++) {
    const r = ascii ? s.charCodeAt(i) : cps![i];
    let kind: number; // 1 upper-or-title, 2 lower, 3 other upper, 0 uncased
    if (r < 0x80) kind = r >= 0x41 && r <= 0x5a ? 1 : r >= 0x61 && r <= 0x7a ? 2 : 0;
    else {
      const ch = String.fromCodePoint(r);
      kind = reTitle.test(ch) ? 1 : reLower.test(ch) ? 2 : reUpper.test(ch) ? 3 : 0;
    }
    if (kind === 1) {
      if (prevCased) return false;
      prevCased = cased = true;
    } else if (kind === 2) {
      if (!prevCased) return false;
      prevCased = cased = true;
    } else if (kind === 3) {
      return false;
    } else {
      prevCased = false;
    }
  }
  return cased;
}

const reAlpha = /^\p{L}+$/u;
const reDigit = /^\p{Nd}+$/u;
const reAlnum = /^[\p{L}\p{Nd}]+$/u;

/** Whether every rune is in a class; Node's decoder may merge invalid bytes into fewer U+FFFD, which no class contains. */
function allMatch(s: string, asciiRe: RegExp, re: RegExp): boolean {
  if (s === '') return false;
  if (isAscii(s)) return asciiRe.test(s);
  return re.test(toBuffer(s).toString('utf8'));
}

function isSpaceString(s: string): boolean {
  if (s === '') return false;
  for (let i = 0; i < s.length;) {
    const w = spaceAt(s, i);
    if (w === 0) return false;
    i += w;
  }
  return true;
}

/** Go's utf8.RuneCountInString. */
function runeCount(s: string): number {
  if (isAscii(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; n++) i += runeLenAt(s, i);
  return n;
}

/** The byte length of the rune at `i` (1 for invalid UTF-8). */
function runeLenAt(s: string, i: number): number {
  if (s.charCodeAt(i) < 0x80) return 1;
  const d = utf8DecodeAt(s, i);
  return d < 0 ? 1 : d & 7;
}

/** The rune at `i` as Go decodes it: [code point, byte length]. */
function runeAt(s: string, i: number): [number, number] {
  const c = s.charCodeAt(i);
  if (c < 0x80) return [c, 1];
  const d = utf8DecodeAt(s, i);
  return d < 0 ? [0xfffd, 1] : [d >> 3, d & 7];
}

/** Go's utf8.DecodeLastRuneInString on s[:end]: [code point, byte length]. */
function runeBefore(s: string, end: number): [number, number] {
  const c = s.charCodeAt(end - 1);
  if (c < 0x80) return [c, 1];
  const lim = Math.max(0, end - 4);
  let start = end - 2;
  while (start >= lim && (s.charCodeAt(start) & 0xc0) === 0x80) start--;
  if (start < 0) start = 0;
  if (start < lim) start = lim;
  const d = utf8DecodeAt(s.slice(start, end), 0);
  if (d < 0 || start + (d & 7) !== end) return [0xfffd, 1];
  return [d >> 3, d & 7];
}

// ---- string methods ------------------------------------------------------------------------

type StrImpl = (fn: Builtin, s: string, args: Value[], kwargs: KwArgs | null) => Value;

function stripImpl(fn: Builtin, s: string, args: Value[], kwargs: KwArgs | null): Value {
  const a = positional(fn, args, kwargs, 0, 1);
  const chars = a.length > 0 ? strArg(fn, a[0], 0) : '';
  const mode = fn.name[0];
  const left = mode !== 'r';
  const right = mode !== 'l';
  let i = 0;
  let j = s.length;
  if (chars === '') {
    let w = 0;
    if (left) {
      for (let c = s.charCodeAt(i); i < j && (c === 32 || (c >= 9 && c <= 13)); c = s.charCodeAt(++i));
      while (i < j && (w = spaceAt(s, i)) > 0) i += w;
    }
    if (right) {
      for (let c = s.charCodeAt(j - 1); j > i && (c === 32 || (c >= 9 && c <= 13)); c = s.charCodeAt(--j - 1));
      while (j > i && (w = spaceBefore(s, j)) > 0) j -= w;
    }
  } else if (isAscii(chars)) {
    if (left) while (i < j && chars.includes(s[i])) i++;
    if (right) while (j > i && chars.includes(s[j - 1])) j--;
  } else {
    const cut = new Set(codePoints(chars));
    if (left) {
      while (i < j) {
        const [cp, w] = runeAt(s, i);
        if (!cut.has(cp)) break;
        i += w;
      }
    }
    if (right) {
      while (j > i) {
        const [cp, w] = runeBefore(s, j);
        if (!cut.has(cp)) break;
        j -= w;
      }
    }
  }
  return i === 0 && j === s.length ? s : s.slice(i, j);
}

function findImpl(fn: Builtin, s: string, args: Value[], kwargs: KwArgs | null, last: boolean, allowMissing: boolean): Value {
  const a = positional(fn, args, kwargs, 1, 3);
  const sub = strArg(fn, a[0], 0);
  const start = asIndex(a[1], s.length, 0, 'start', fn);
  const end = asIndex(a[2], s.length, s.length, 'end', fn);
  let i: number;
  if (start >= end) {
    i = sub === '' ? 0 : -1;
  } else if (start === 0 && end === s.length) {
    i = last ? s.lastIndexOf(sub) : s.indexOf(sub);
  } else {
    const slice = s.slice(start, end);
    i = last ? slice.lastIndexOf(sub) : slice.indexOf(sub);
  }
  if (i < 0) {
    if (!allowMissing) fail(`${fn.name}: substring not found`);
    return -1;
  }
  return i + start;
}

function startsWithImpl(fn: Builtin, s: string, args: Value[], kwargs: KwArgs | null): Value {
  const a = positional(fn, args, kwargs, 1, 3);
  const x = a[0];
  if (a.length > 1) {
    const start = asIndex(a[1], s.length, 0, 'start', fn);
    let end = asIndex(a[2], s.length, s.length, 'end', fn);
    if (end < start) end = start;
    s = s.slice(start, end);
  }
  const ends = fn.name[0] === 'e';
  if (typeof x === 'string') return ends ? s.endsWith(x) : s.startsWith(x);
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const p = x[i];
      if (typeof p !== 'string') fail(`${fn.name}: want string, got ${typeName(p)}, for element ${i}`);
      if (ends ? s.endsWith(p) : s.startsWith(p)) return true;
    }
    return false;
  }
  return fail(`${fn.name}: got ${typeName(x)}, want string or tuple of string`);
}

function splitImpl(fn: Builtin, s: string, args: Value[], kwargs: KwArgs | null): Value {
  const a = positional(fn, args, kwargs, 0, 2);
  const sep = a.length > 0 ? a[0] : null;
  const maxsplit = a.length > 1 ? intArg(fn, a[1], 1) : -1;
  const rsplit = fn.name === 'rsplit';
  let res: string[];
  if (sep === null) {
    res = rsplit && maxsplit >= 0 ? rsplitSpace(s, maxsplit) : splitSpace(s, maxsplit);
  } else if (typeof sep === 'string') {
    if (sep === '') fail('split: empty separator');
    if (maxsplit < 0) res = s.split(sep);
    else if (!rsplit) res = splitN(s, sep, maxsplit + 1);
    else {
      res = s.split(sep);
      const excess = res.length - maxsplit;
      if (excess > 0) res = [res.slice(0, excess).join(sep), ...res.slice(excess)];
    }
  } else {
    return fail(`split: got ${typeName(sep)} for separator, want string`);
  }
  return new List(res);
}

/** Go's strings.SplitN for n > 0. */
function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let pos = 0;
  while (out.length < n - 1) {
    const m = s.indexOf(sep, pos);
    if (m < 0) break;
    out.push(s.slice(pos, m));
    pos = m + sep.length;
  }
  out.push(pos === 0 ? s : s.slice(pos));
  return out;
}

/** A run of Go's unicode.IsSpace runes, as UTF-8 byte patterns (exact: lead bytes never continue a rune). */
const spaceRun = /(?:[\t-\r ]|\xc2[\x85\xa0]|\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xa8\xa9\xaf]|\xe2\x81\x9f|\xe3\x80\x80)+/;

/** Fields separated by runs of space; at most `max` splits when max >= 0. */
function splitSpace(s: string, max: number): string[] {
  if (max < 0) {
    const parts = s.split(spaceRun);
    if (parts[0] === '') parts.shift();
    if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    return parts;
  }
  const res: string[] = [];
  const n = s.length;
  let start = -1;
  for (let i = 0; i < n;) {
    const w = spaceAt(s, i);
    if (w > 0) {
      if (start >= 0) {
        if (res.length === max) break;
        res.push(s.slice(start, i));
        start = -1;
      }
      i += w;
    } else {
      if (start < 0) start = i;
      i++;
    }
  }
  if (start >= 0) res.push(s.slice(start));
  return res;
}

function rsplitSpace(s: string, max: number): string[] {
  const res: string[] = [];
  let end = -1;
  for (let i = s.length; i > 0;) {
    const w = spaceBefore(s, i);
    if (w > 0) {
      if (end >= 0) {
        if (res.length === max) break;
        res.push(s.slice(i, end));
        end = -1;
      }
      i -= w;
    } else {
      if (end < 0) end = i;
      i--;
    }
  }
  if (end >= 0) res.push(s.slice(0, end));
  return res.reverse();
}

function replaceImpl(fn: Builtin, s: string, args: Value[], kwargs: KwArgs | null): Value {
  const a = positional(fn, args, kwargs, 2, 3);
  const old = strArg(fn, a[0], 0);
  const repl = strArg(fn, a[1], 1);
  let n = a.length > 2 ? intArg(fn, a[2], 2) : -1;
  if (old === repl || n === 0) return s;
  if (old === '') {
    const m = runeCount(s) + 1;
    if (n < 0 || m < n) n = m;
    const out: string[] = [];
    let start = 0;
    for (let i = 0; i < n; i++) {
      let j = start;
      if (i > 0) j += runeLenAt(s, start);
      out.push(s.slice(start, j), repl);
      start = j;
    }
    out.push(s.slice(start));
    return out.join('');
  }
  if (n < 0) return s.split(old).join(repl);
  const out: string[] = [];
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const m = s.indexOf(old, pos);
    if (m < 0) break;
    out.push(s.slice(pos, m), repl);
    pos = m + old.length;
  }
  if (pos === 0) return s;
  out.push(s.slice(pos));
  return out.join('');
}

function partitionImpl(fn: Builtin, s: string, args: Value[], kwargs: KwArgs | null): Value {
  const a = positional(fn, args, kwargs, 1, 1);
  const sep = strArg(fn, a[0], 0);
  if (sep === '') fail(`${fn.name}: empty separator`);
  const forward = fn.name[0] === 'p';
  const i = forward ? s.indexOf(sep) : s.lastIndexOf(sep);
  if (i < 0) return forward ? [s, '', ''] : ['', '', s];
  return [s.slice(0, i), sep, s.slice(i + sep.length)];
}

function joinImpl(fn: Builtin, s: string, args: Value[], kwargs: KwArgs | null): Value {
  const a = positional(fn, args, kwargs, 1, 1);
  const x = a[0];
  let elems: readonly Value[];
  if (x instanceof List) elems = x.elems;
  else if (Array.isArray(x)) elems = x;
  else {
    const it = iterableArg(fn, x, 0);
    const collected: Value[] = [];
    try {
      for (let v = it.next(); v !== undefined; v = it.next()) collected.push(v);
    } finally {
      it.done();
    }
    elems = collected;
  }
  for (const e of elems) {
    if (typeof e !== 'string') fail(`join: in list, want string, got ${typeName(e)}`);
  }
  return (elems as string[]).join(s);
}

function countImpl(fn: Builtin, s: string, args: Value[], kwargs: KwArgs | null): Value {
  const a = positional(fn, args, kwargs, 1, 3);
  const sub = strArg(fn, a[0], 0);
  const start = asIndex(a[1], s.length, 0, 'start', fn);
  const end = asIndex(a[2], s.length, s.length, 'end', fn);
  const slice = start < end ? s.slice(start, end) : '';
  if (sub === '') return runeCount(slice) + 1;
  let count = 0;
  for (let p = slice.indexOf(sub); p >= 0; p = slice.indexOf(sub, p + sub.length)) count++;
  return count;
}

function splitlinesImpl(fn: Builtin, s: string, args: Value[], kwargs: KwArgs | null): Value {
  const a = positional(fn, args, kwargs, 0, 1);
  const keepends = a.length > 0 ? boolArg(fn, a[0], 0) : false;
  if (s === '') return new List();
  const lines = s.split('\n');
  if (keepends) for (let i = 0; i < lines.length - 1; i++) lines[i] += '\n';
  if (s.endsWith('\n')) lines.pop();
  return new List(lines);
}

function removefixImpl(fn: Builtin, s: string, args: Value[], kwargs: KwArgs | null): Value {
  const a = positional(fn, args, kwargs, 1, 1);
  const fix = strArg(fn, a[0], 0);
  if (fn.name === 'removeprefix') return fix !== '' && s.startsWith(fix) ? s.slice(fix.length) : s;
  return fix !== '' && s.endsWith(fix) ? s.slice(0, s.length - fix.length) : s;
}

/** `s.elems()`, `s.codepoints()` and their `_ords` forms: iterable views of a string. */
export class StringIterable extends StarlarkObject {
  constructor(
    readonly s: string,
    readonly ords: boolean,
    readonly codepoints: boolean,
  ) {
    super();
  }
  get typeName(): string {
    return this.codepoints ? 'codepoints' : 'elems';
  }
  override repr(out: string[]): void {
    out.push(`${quote(this.s)}.${this.codepoints ? 'codepoint' : 'elem'}${this.ords ? '_ords()' : 's()'}`);
  }
  override hashKey(): HashKey {
    return fail(`unhashable: ${this.typeName}`);
  }
  override compareSameType(op: CompareOp, y: StarlarkObject, depth: number): boolean {
    const o = y as StringIterable;
    if (op === '==' || op === '!=') {
      const eq = this.s === o.s && this.ords === o.ords && this.codepoints === o.codepoints;
      return op === '==' ? eq : !eq;
    }
    return super.compareSameType(op, y, depth);
  }
  override iterate(): ValueIterator {
    const { s, ords, codepoints } = this;
    let i = 0;
    return {
      next(): Value | undefined {
        if (i >= s.length) return undefined;
        const c = s.charCodeAt(i);
        if (!codepoints || c < 0x80) {
          i++;
          return ords ? c : s[i - 1];
        }
        const d = utf8DecodeAt(s, i);
        const w = d < 0 ? 1 : d & 7;
        i += w;
        return ords ? (d < 0 ? 0xfffd : d >> 3) : s.slice(i - w, i);
      },
      done(): void {},
    };
  }
}

function stringIterableImpl(fn: Builtin, s: string, args: Value[], kwargs: KwArgs | null): Value {
  noArgs(fn, args, kwargs);
  const name = fn.name;
  return new StringIterable(s, name.endsWith('_ords'), name[0] === 'c');
}

function unary(f: (s: string) => Value): StrImpl {
  return (fn, s, args, kwargs) => {
    noArgs(fn, args, kwargs);
    return f(s);
  };
}

const stringMethods: Record<string, StrImpl> = {
  capitalize: unary(capitalizeString),
  codepoint_ords: stringIterableImpl,
  codepoints: stringIterableImpl,
  count: countImpl,
  elem_ords: stringIterableImpl,
  elems: stringIterableImpl,
  endswith: startsWithImpl,
  find: (fn, s, args, kwargs) => findImpl(fn, s, args, kwargs, false, true),
  format: (_fn, s, args, kwargs) => formatString(s, args, kwargs),
  index: (fn, s, args, kwargs) => findImpl(fn, s, args, kwargs, false, false),
  isalnum: unary((s) => allMatch(s, /^[A-Za-z0-9]+$/, reAlnum)),
  isalpha: unary((s) => allMatch(s, /^[A-Za-z]+$/, reAlpha)),
  isdigit: unary((s) => allMatch(s, /^[0-9]+$/, reDigit)),
  islower: unary((s) => isCasedString(s) && lowerString(s) === s),
  isspace: unary(isSpaceString),
  istitle: unary(isTitleString),
  isupper: unary((s) => isCasedString(s) && upperString(s) === s),
  join: joinImpl,
  lower: unary(lowerString),
  lstrip: stripImpl,
  partition: partitionImpl,
  removeprefix: removefixImpl,
  removesuffix: removefixImpl,
  replace: replaceImpl,
  rfind: (fn, s, args, kwargs) => findImpl(fn, s, args, kwargs, true, true),
  rindex: (fn, s, args, kwargs) => findImpl(fn, s, args, kwargs, true, false),
  rpartition: partitionImpl,
  rsplit: splitImpl,
  rstrip: stripImpl,
  split: splitImpl,
  splitlines: splitlinesImpl,
  startswith: startsWithImpl,
  strip: stripImpl,
  title: unary(titleString),
  upper: unary(upperString),
};

// ---- list methods ------------------------------------------------------------------------

type ListImpl = (fn: Builtin, l: List, args: Value[], kwargs: KwArgs | null) => Value;

function mutable(fn: Builtin, l: { checkMutable(verb: string): void }, verb: string): void {
  try {
    l.checkMutable(verb);
  } catch (e) {
    named(fn, e);
  }
}

function eq(fn: Builtin, x: Value, y: Value): boolean {
  try {
    return equals(x, y);
  } catch (e) {
    return named(fn, e);
  }
}

const listMethods: Record<string, ListImpl> = {
  append(fn, l, args, kwargs) {
    const a = positional(fn, args, kwargs, 1, 1);
    mutable(fn, l, 'append to');
    l.elems.push(a[0]);
    return null;
  },
  clear(fn, l, args, kwargs) {
    noArgs(fn, args, kwargs);
    mutable(fn, l, 'clear');
    l.elems.length = 0;
    return null;
  },
  extend(fn, l, args, kwargs) {
    const a = positional(fn, args, kwargs, 1, 1);
    const x = a[0];
    if (x instanceof List || Array.isArray(x)) {
      mutable(fn, l, 'extend');
      const src = x instanceof List ? x.elems : (x as readonly Value[]);
      if (src === l.elems) l.elems.push(...src.slice());
      else for (const v of src) l.elems.push(v);
      return null;
    }
    const it = iterableArg(fn, x, 0);
    try {
      mutable(fn, l, 'extend');
      for (let v = it.next(); v !== undefined; v = it.next()) l.elems.push(v);
    } finally {
      it.done();
    }
    return null;
  },
  index(fn, l, args, kwargs) {
    const a = positional(fn, args, kwargs, 1, 3);
    const n = l.elems.length;
    const start = asIndex(a[1], n, 0, 'start', fn);
    const end = asIndex(a[2], n, n, 'end', fn);
    const x = a[0];
    for (let i = start; i < end && i < l.elems.length; i++) {
      const e = l.elems[i];
      if (e === x && typeof x !== 'object') return i;
      if (eq(fn, e, x)) return i;
    }
    return fail('index: value not in list');
  },
  insert(fn, l, args, kwargs) {
    const a = positional(fn, args, kwargs, 2, 2);
    let i = intArg(fn, a[0], 0);
    mutable(fn, l, 'insert into');
    const n = l.elems.length;
    if (i < 0) i += n;
    if (i >= n) l.elems.push(a[1]);
    else l.elems.splice(Math.max(i, 0), 0, a[1]);
    return null;
  },
  pop(fn, l, args, kwargs) {
    const a = positional(fn, args, kwargs, 0, 1);
    const n = l.elems.length;
    const orig = a.length > 0 ? intArg(fn, a[0], 0) : n - 1;
    const i = orig < 0 ? orig + n : orig;
    if (i < 0 || i >= n) {
      const shown = a.length > 0 ? String(a[0]) : String(orig);
      if (n === 0) fail(`pop: index ${shown} out of range: empty list`);
      fail(`pop: list index ${shown} out of range [${-n}:${n - 1}]`);
    }
    mutable(fn, l, 'pop from');
    return i === n - 1 ? l.elems.pop()! : l.elems.splice(i, 1)[0];
  },
  remove(fn, l, args, kwargs) {
    const a = positional(fn, args, kwargs, 1, 1);
    mutable(fn, l, 'remove from');
    const x = a[0];
    const elems = l.elems;
    for (let i = 0; i < elems.length; i++) {
      if (eq(fn, elems[i], x)) {
        elems.splice(i, 1);
        return null;
      }
    }
    return fail('remove: element not found');
  },
};

// ---- dict methods ------------------------------------------------------------------------

type DictImpl = (fn: Builtin, d: Dict, args: Value[], kwargs: KwArgs | null) => Value;

function keyOf(fn: Builtin, k: Value): HashKey {
  try {
    return hashKey(k);
  } catch (e) {
    return named(fn, e);
  }
}

/**
 * `dict.update` and the `dict(...)` built-in: entries from one optional positional argument
 * (a dict, or an iterable of pairs), then the keyword arguments. Errors carry no name prefix;
 * callers add theirs ("update: ", "dict: ").
 */
export function updateDict(dict: Dict, updates: readonly Value[], kwargs: KwArgs | null): void {
  if (updates.length === 1) {
    const u = updates[0];
    if (u instanceof Dict) {
      for (const [k, v] of u.items()) dict.set(k, v);
    } else {
      const it = Array.isArray(u) ? arrayIterator(u) : u instanceof StarlarkObject ? u.iterate() : undefined;
      if (it === undefined) fail(`got ${typeName(u)}, want iterable`);
      try {
        let i = 0;
        for (let pair = it.next(); pair !== undefined; pair = it.next(), i++) {
          let k: Value;
          let v: Value;
          if (Array.isArray(pair) || pair instanceof List) {
            const e = pair instanceof List ? pair.elems : (pair as readonly Value[]);
            if (e.length !== 2) fail(`dictionary update sequence element #${i} has length ${e.length}, want 2`);
            k = e[0];
            v = e[1];
          } else {
            const it2 = pair instanceof StarlarkObject ? pair.iterate() : undefined;
            if (it2 === undefined) fail(`dictionary update sequence element #${i} is not iterable (${typeName(pair)})`);
            try {
              const len = length(pair);
              if (len < 0) fail(`dictionary update sequence element #${i} has unknown length (${typeName(pair)})`);
              if (len !== 2) fail(`dictionary update sequence element #${i} has length ${len}, want 2`);
              k = it2.next()!;
              v = it2.next()!;
            } finally {
              it2.done();
            }
          }
          dict.set(k, v);
        }
      } finally {
        it.done();
      }
    }
  }
  if (kwargs !== null && kwargs.length > 0) {
    const before = dict.size;
    for (let i = 0; i < kwargs.length; i += 2) dict.set(kwargs[i], kwargs[i + 1]);
    if (dict.size < before + kwargs.length / 2) {
      const seen = new Set<Value>();
      for (let i = 0; i < kwargs.length; i += 2) {
        if (seen.has(kwargs[i])) fail(`duplicate keyword arg: ${quote(kwargs[i] as string)}`);
        seen.add(kwargs[i]);
      }
    }
  }
}

const dictMethods: Record<string, DictImpl> = {
  clear(fn, d, args, kwargs) {
    noArgs(fn, args, kwargs);
    d.clear();
    return null;
  },
  get(fn, d, args, kwargs) {
    const a = positional(fn, args, kwargs, 1, 2);
    const v = d.map.get(keyOf(fn, a[0]));
    if (v !== undefined) return v;
    return a.length > 1 ? a[1] : null;
  },
  items(fn, d, args, kwargs) {
    noArgs(fn, args, kwargs);
    return new List(d.items());
  },
  keys(fn, d, args, kwargs) {
    noArgs(fn, args, kwargs);
    return new List(d.keys());
  },
  pop(fn, d, args, kwargs) {
    const a = positional(fn, args, kwargs, 1, 2);
    mutable(fn, d, 'delete from');
    let v: Value | undefined;
    if (d.size > 0) {
      keyOf(fn, a[0]);
      v = d.delete(a[0]);
    }
    if (v !== undefined) return v;
    if (a.length > 1) return a[1];
    return fail('pop: missing key');
  },
  popitem(fn, d, args, kwargs) {
    noArgs(fn, args, kwargs);
    if (d.size === 0) fail('popitem: empty dict');
    const k = d.keyFor(d.map.keys().next().value as HashKey);
    mutable(fn, d, 'delete from');
    const v = d.delete(k)!;
    return [k, v];
  },
  setdefault(fn, d, args, kwargs) {
    const a = positional(fn, args, kwargs, 1, 2);
    const dflt = a.length > 1 ? a[1] : null;
    const v = d.map.get(keyOf(fn, a[0]));
    if (v !== undefined) return v;
    try {
      d.set(a[0], dflt);
    } catch (e) {
      named(fn, e);
    }
    return dflt;
  },
  update(fn, d, args, kwargs) {
    if (args.length > 1) fail(`update: got ${args.length} arguments, want at most 1`);
    try {
      updateDict(d, args, kwargs);
    } catch (e) {
      named(fn, e);
    }
    return null;
  },
  values(fn, d, args, kwargs) {
    noArgs(fn, args, kwargs);
    return new List(d.values());
  },
};

// ---- set methods -------------------------------------------------------------------------

type SetImpl = (fn: Builtin, s: StarSet, args: Value[], kwargs: KwArgs | null) => Value;

const setMethods: Record<string, SetImpl> = {
  union(fn, s, args, kwargs) {
    const a = positional(fn, args, kwargs, 0, 1);
    const out = new StarSet();
    for (const [hk, v] of s.map) out.map.set(hk, v);
    if (a.length === 0) return out;
    const it = iterableArg(fn, a[0], 0);
    try {
      for (let v = it.next(); v !== undefined; v = it.next()) out.addUnchecked(v);
    } catch (e) {
      named(fn, e);
    } finally {
      it.done();
    }
    return out;
  },
};

// ---- registration ------------------------------------------------------------------------

function register<R>(type: string, methods: Record<string, (fn: Builtin, recv: R, args: Value[], kwargs: KwArgs | null) => Value>): void {
  let table = builtinMethods.get(type);
  if (table === undefined) builtinMethods.set(type, (table = new Map()));
  for (const [name, impl] of Object.entries(methods)) {
    const builtinImpl: BuiltinImpl = (_thread: Thread, fn, args, kwargs) => impl(fn, fn.receiver as R, args, kwargs);
    table.set(name, new Builtin(name, builtinImpl));
  }
}

let registered = false;

/** Registers the methods of string, list, dict and set; calling it again does nothing. */
export function registerMethods(): void {
  if (registered) return;
  registered = true;
  register<string>('string', stringMethods);
  register<List>('list', listMethods);
  register<Dict>('dict', dictMethods);
  register<StarSet>('set', setMethods);
}

registerMethods();
