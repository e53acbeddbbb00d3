// The `time` module of go.starlark.net/lib/time (which Kurtosis predeclares), minus now():
// a plan must not depend on the clock. It offers parse_duration, parse_time,
// from_timestamp, is_valid_timezone, time(...), the duration constants nanosecond..hour,
// and the types time.duration and time.time with their attributes, methods and operators.
//
// Durations and times behave like Go's time.Duration and time.Time, whose text the
// reference shows: a duration is a signed 64-bit count of nanoseconds printed "1h2m3.5s";
// a time is an instant (Unix seconds + nanoseconds) with a location, printed
// "2006-01-02 15:04:05.999999999 -0700 MST", formatted and parsed with Go layouts. The
// layout engine and the calendar are ports of Go's time package. Time zones are read from
// the system's tz database (TZif files, like Go on Linux); the "Local" zone is UTC, so that
// results do not depend on the machine.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Builtin, EvalError, Float, StarlarkObject, fail, normInt, threeway, typeName, type CompareOp, type HashKey, type Value } from './values.js';
import { utf8DecodeAt } from './quote.js';
import { asInt, asInt64, asString, paramLabel, unpackArgs, unpackPositional } from './unpack.js';
import { Module } from './struct.js';

const NS_PER_SEC = 1_000_000_000n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function wrap64(x: bigint): bigint {
  return BigInt.asIntN(64, x);
}

/** Go's time-package quote: non-ASCII and control bytes as \xNN. */
function goTimeQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || c < 0x20) {
      const d = c < 0x80 ? -1 : utf8DecodeAt(s, i);
      const width = d < 0 ? 1 : d & 7;
      for (let j = 0; j < width; j++) {
        const b = s.charCodeAt(i + j);
        out += '\\x' + '0123456789abcdef'[b >> 4] + '0123456789abcdef'[b & 15];
      }
      i += width;
    } else {
      if (c === 0x22 || c === 0x5c) out += '\\';
      out += s[i];
      i++;
    }
  }
  return out + '"';
}

// ---- durations ---------------------------------------------------------------------------------

/** Go's Duration.String: "1h2m3.5s", "1.5µs" (µ as UTF-8 bytes), "0s". */
export function formatDuration(d: bigint): string {
  if (d === 0n) return '0s';
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < NS_PER_SEC) {
    let prec: number;
    let unit: string;
    if (u < 1000n) {
      prec = 0;
      unit = 'ns';
    } else if (u < 1000_000n) {
      prec = 3;
      unit = '\xc2\xb5s';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const [frac, rest] = fmtFrac(u, prec);
    out = `${rest}${frac}${unit}`;
  } else {
    const [frac, secs] = fmtFrac(u, 9);
    u = secs;
    out = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? '-' + out : out;
}

/** The fraction v / 10^prec without trailing zeros (".5", or "" when zero), and the quotient. */
function fmtFrac(v: bigint, prec: number): [string, bigint] {
  let digits = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print ||= digit !== 0n;
    if (print) digits = digit.toString() + digits;
    v /= 10n;
  }
  return [print ? '.' + digits : '', v];
}

const UNITS = new Map<string, bigint>([
  ['ns', 1n],
  ['us', 1000n],
  ['\xc2\xb5s', 1000n],
  ['\xce\xbcs', 1000n],
  ['ms', 1000_000n],
  ['s', NS_PER_SEC],
  ['m', 60n * NS_PER_SEC],
  ['h', 3600n * NS_PER_SEC],
]);

const TWO63 = 2n ** 63n;

/** Go's time.ParseDuration on a byte string; throws EvalError with Go's message. */
export function parseDuration(orig: string): bigint {
  let s = orig;
  let d = 0n;
  let neg = false;
  const invalid = (): never => fail(`time: invalid duration ${goTimeQuote(orig)}`);
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') invalid();
  while (s !== '') {
    let v = 0n;
    let f = 0n;
    let scale = 1;
    if (!(s[0] === '.' || (s[0] >= '0' && s[0] <= '9'))) invalid();
    let i = 0;
    while (i < s.length && s[i] >= '0' && s[i] <= '9') {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > TWO63) invalid();
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    let post = false;
    if (s !== '' && s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (j < s.length && s[j] >= '0' && s[j] <= '9') {
        if (!overflow) {
          const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
          if (f > (TWO63 - 1n) / 10n || y > TWO63) overflow = true;
          else {
            f = y;
            scale *= 10;
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) invalid();
    let k = 0;
    while (k < s.length && !(s[k] === '.' || (s[k] >= '0' && s[k] <= '9'))) k++;
    if (k === 0) fail(`time: missing unit in duration ${goTimeQuote(orig)}`);
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = UNITS.get(u);
    if (unit === undefined) fail(`time: unknown unit ${goTimeQuote(u)} in duration ${goTimeQuote(orig)}`);
    if (v > TWO63 / unit) invalid();
    v *= unit;
    if (f > 0n) {
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > TWO63) invalid();
    }
    d += v;
    if (d > TWO63) invalid();
  }
  if (neg) return wrap64(-d);
  if (d > INT64_MAX) invalid();
  return d;
}

export class Duration extends StarlarkObject {
  /** Nanoseconds, within the signed 64-bit range. */
  constructor(readonly ns: bigint) {
    super();
  }
  get typeName(): string {
    return 'time.duration';
  }
  override truth(): boolean {
    return this.ns !== 0n;
  }
  override repr(out: string[]): void {
    out.push(formatDuration(this.ns));
  }
  override hashKey(): HashKey {
    return `\u0100D${this.ns}`;
  }
  override compareSameType(op: CompareOp, y: StarlarkObject): boolean {
    const b = (y as Duration).ns;
    return threeway(op, this.ns < b ? -1 : this.ns > b ? 1 : 0);
  }
  private whole(unit: bigint): number {
    return Number(this.ns / unit) + Number(this.ns % unit) / Number(unit);
  }
  override attr(name: string): Value | undefined {
    switch (name) {
      case 'hours':
        return new Float(this.whole(3600n * NS_PER_SEC));
      case 'minutes':
        return new Float(this.whole(60n * NS_PER_SEC));
      case 'seconds':
        return new Float(this.whole(NS_PER_SEC));
      case 'milliseconds':
        return normInt(this.ns / 1000_000n);
      case 'microseconds':
        return normInt(this.ns / 1000n);
      case 'nanoseconds':
        return normInt(this.ns);
    }
    return undefined;
  }
  override attrNames(): string[] {
    return ['hours', 'minutes', 'seconds', 'milliseconds', 'microseconds', 'nanoseconds'];
  }
  override binary(op: string, y: Value, side: 'left' | 'right'): Value | undefined {
    const x = this.ns;
    switch (op) {
      case '+':
        if (y instanceof Duration) return new Duration(wrap64(x + y.ns));
        if (y instanceof Time) return y.add(x);
        break;
      case '-':
        if (y instanceof Duration) return new Duration(wrap64(side === 'left' ? x - y.ns : y.ns - x));
        break;
      case '/':
        if (y instanceof Duration) {
          const [a, b] = side === 'left' ? [x, y.ns] : [y.ns, x];
          if (b === 0n) fail(`${this.typeName} division by zero`);
          return new Float(Number(a) / Number(b));
        }
        if (typeof y === 'number' || typeof y === 'bigint') {
          if (side === 'right') fail('unsupported operation');
          const i = int64Operand(y);
          if (i === 0n) fail(`${this.typeName} division by zero`);
          return new Duration(wrap64(x / i));
        }
        if (y instanceof Float) {
          if (side === 'right') fail('unsupported operation');
          if (y.v === 0) fail(`${this.typeName} division by zero`);
          return new Duration(floatToDuration(Number(x) / y.v));
        }
        break;
      case '//':
        if (y instanceof Duration) {
          const [a, b] = side === 'left' ? [x, y.ns] : [y.ns, x];
          if (b === 0n) fail(`${this.typeName} division by zero`);
          return normInt(wrap64(a / b));
        }
        break;
      case '*':
        if (typeof y === 'number' || typeof y === 'bigint') return new Duration(wrap64(x * int64Operand(y)));
        break;
    }
    return undefined;
  }
}

function int64Operand(y: number | bigint): bigint {
  const b = BigInt(y);
  if (b < INT64_MIN || b > INT64_MAX) fail('int value out of range (want signed 64-bit value)');
  return b;
}

function floatToDuration(f: number): bigint {
  if (!Number.isFinite(f) || f >= 9223372036854775808 || f < -9223372036854775808) return INT64_MIN;
  return BigInt(Math.trunc(f));
}

// ---- locations ---------------------------------------------------------------------------------

interface Zone {
  readonly name: string;
  readonly offset: number;
  readonly isDST: boolean;
}

interface ZoneTrans {
  readonly when: number;
  readonly index: number;
}

interface ZoneLookup {
  name: string;
  offset: number;
  start: number;
  end: number;
  isDST: boolean;
}

const ALPHA = -Infinity;
const OMEGA = Infinity;
const SECONDS_PER_DAY = 86400;

/** A time zone: Go's *time.Location (zones, transitions, and the POSIX rule beyond them). */
export class Location {
  constructor(
    readonly name: string,
    readonly zones: readonly Zone[],
    readonly tx: readonly ZoneTrans[],
    readonly extend: string,
  ) {}

  static fixed(name: string, offset: number): Location {
    return new Location(name, [{ name, offset, isDST: false }], [{ when: ALPHA, index: 0 }], '');
  }

  lookup(sec: number): ZoneLookup {
    if (this.zones.length === 0) return { name: 'UTC', offset: 0, start: ALPHA, end: OMEGA, isDST: false };
    const tx = this.tx;
    if (tx.length === 0 || sec < tx[0].when) {
      const zone = this.zones[this.firstZone()];
      return { name: zone.name, offset: zone.offset, start: ALPHA, end: tx.length > 0 ? tx[0].when : OMEGA, isDST: zone.isDST };
    }
    let lo = 0;
    let hi = tx.length;
    let end = OMEGA;
    while (hi - lo > 1) {
      const m = lo + ((hi - lo) >> 1);
      const lim = tx[m].when;
      if (sec < lim) {
        end = lim;
        hi = m;
      } else {
        lo = m;
      }
    }
    const zone = this.zones[tx[lo].index];
    const start = tx[lo].when;
    if (lo === tx.length - 1 && this.extend !== '') {
      const r = tzset(this.extend, start, sec);
      if (r !== undefined) return r;
    }
    return { name: zone.name, offset: zone.offset, start, end, isDST: zone.isDST };
  }

  private firstZone(): number {
    if (!this.tx.some((t) => t.index === 0)) return 0;
    if (this.tx.length > 0 && this.zones[this.tx[0].index].isDST) {
      for (let zi = this.tx[0].index - 1; zi >= 0; zi--) if (!this.zones[zi].isDST) return zi;
    }
    for (let zi = 0; zi < this.zones.length; zi++) if (!this.zones[zi].isDST) return zi;
    return 0;
  }

  /** The offset of the zone called `name` around `unix`, if this location has one. */
  lookupName(name: string, unix: number): number | undefined {
    for (const zone of this.zones) {
      if (zone.name === name) {
        const r = this.lookup(unix - zone.offset);
        if (r.name === zone.name) return r.offset;
      }
    }
    for (const zone of this.zones) if (zone.name === name) return zone.offset;
    return undefined;
  }
}

export const UTC = new Location('UTC', [], [], '');
/** "Local" is UTC: results must not depend on the machine's zone. */
export const Local = new Location('Local', [{ name: 'UTC', offset: 0, isDST: false }], [{ when: ALPHA, index: 0 }], '');

// POSIX TZ rules (the footer of TZif files), as Go's tzset.

interface Rule {
  kind: 'julian' | 'doy' | 'mwd';
  day: number;
  week: number;
  mon: number;
  time: number;
}

function tzsetName(s: string): [string, string] | undefined {
  if (s.length === 0) return undefined;
  if (s[0] !== '<') {
    for (let i = 0; i < s.length; i++) {
      if ('0123456789,-+'.includes(s[i])) return i < 3 ? undefined : [s.slice(0, i), s.slice(i)];
    }
    return s.length < 3 ? undefined : [s, ''];
  }
  const j = s.indexOf('>');
  return j < 0 ? undefined : [s.slice(1, j), s.slice(j + 1)];
}

function tzsetNum(s: string, min: number, max: number): [number, string] | undefined {
  if (s.length === 0) return undefined;
  let num = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) {
      if (i === 0 || num < min) return undefined;
      return [num, s.slice(i)];
    }
    num = num * 10 + (c - 48);
    if (num > max) return undefined;
  }
  return num < min ? undefined : [num, ''];
}

function tzsetOffset(s: string): [number, string] | undefined {
  if (s.length === 0) return undefined;
  let neg = false;
  if (s[0] === '+') s = s.slice(1);
  else if (s[0] === '-') {
    s = s.slice(1);
    neg = true;
  }
  let r = tzsetNum(s, 0, 24 * 7);
  if (r === undefined) return undefined;
  let off = r[0] * 3600;
  s = r[1];
  if (s.length > 0 && s[0] === ':') {
    r = tzsetNum(s.slice(1), 0, 59);
    if (r === undefined) return undefined;
    off += r[0] * 60;
    s = r[1];
    if (s.length > 0 && s[0] === ':') {
      r = tzsetNum(s.slice(1), 0, 59);
      if (r === undefined) return undefined;
      off += r[0];
      s = r[1];
    }
  }
  return [neg ? -off : off, s];
}

function tzsetRule(s: string): [Rule, string] | undefined {
  const rule: Rule = { kind: 'doy', day: 0, week: 0, mon: 0, time: 0 };
  if (s.length === 0) return undefined;
  if (s[0] === 'J') {
    const r = tzsetNum(s.slice(1), 1, 365);
    if (r === undefined) return undefined;
    rule.kind = 'julian';
    rule.day = r[0];
    s = r[1];
  } else if (s[0] === 'M') {
    const m = tzsetNum(s.slice(1), 1, 12);
    if (m === undefined || m[1][0] !== '.') return undefined;
    const w = tzsetNum(m[1].slice(1), 1, 5);
    if (w === undefined || w[1][0] !== '.') return undefined;
    const d = tzsetNum(w[1].slice(1), 0, 6);
    if (d === undefined) return undefined;
    rule.kind = 'mwd';
    rule.mon = m[0];
    rule.week = w[0];
    rule.day = d[0];
    s = d[1];
  } else {
    const r = tzsetNum(s, 0, 365);
    if (r === undefined) return undefined;
    rule.day = r[0];
    s = r[1];
  }
  if (s.length === 0 || s[0] !== '/') {
    rule.time = 2 * 3600;
    return [rule, s];
  }
  const o = tzsetOffset(s.slice(1));
  if (o === undefined) return undefined;
  rule.time = o[0];
  return [rule, o[1]];
}

function tzruleTime(year: number, r: Rule, off: number): number {
  let s: number;
  if (r.kind === 'julian') {
    s = (r.day - 1) * SECONDS_PER_DAY;
    if (isLeap(year) && r.day >= 60) s += SECONDS_PER_DAY;
  } else if (r.kind === 'doy') {
    s = r.day * SECONDS_PER_DAY;
  } else {
    const m1 = ((r.mon + 9) % 12) + 1;
    let yy0 = year;
    if (r.mon <= 2) yy0--;
    const yy1 = Math.trunc(yy0 / 100);
    const yy2 = yy0 % 100;
    let dow = (Math.trunc((26 * m1 - 2) / 10) + 1 + yy2 + Math.trunc(yy2 / 4) + Math.trunc(yy1 / 4) - 2 * yy1) % 7;
    if (dow < 0) dow += 7;
    let d = r.day - dow;
    if (d < 0) d += 7;
    for (let i = 1; i < r.week; i++) {
      if (d + 7 >= daysIn(r.mon, year)) break;
      d += 7;
    }
    d += DAYS_BEFORE[r.mon - 1];
    if (isLeap(year) && r.mon > 2) d++;
    s = d * SECONDS_PER_DAY;
  }
  return s + r.time - off;
}

function tzset(s: string, lastTxSec: number, sec: number): ZoneLookup | undefined {
  const n1 = tzsetName(s);
  if (n1 === undefined) return undefined;
  let stdName = n1[0];
  const o1 = tzsetOffset(n1[1]);
  if (o1 === undefined) return undefined;
  let stdOffset = -o1[0];
  s = o1[1];
  if (s.length === 0 || s[0] === ',') return { name: stdName, offset: stdOffset, start: lastTxSec, end: OMEGA, isDST: false };
  const n2 = tzsetName(s);
  if (n2 === undefined) return undefined;
  let dstName = n2[0];
  s = n2[1];
  let dstOffset: number;
  if (s.length === 0 || s[0] === ',') {
    dstOffset = stdOffset + 3600;
  } else {
    const o2 = tzsetOffset(s);
    if (o2 === undefined) return undefined;
    dstOffset = -o2[0];
    s = o2[1];
  }
  if (s.length === 0) s = ',M3.2.0,M11.1.0';
  if (s[0] !== ',' && s[0] !== ';') return undefined;
  const r1 = tzsetRule(s.slice(1));
  if (r1 === undefined || r1[1][0] !== ',') return undefined;
  const r2 = tzsetRule(r1[1].slice(1));
  if (r2 === undefined || r2[1].length > 0) return undefined;

  const days = Math.floor(sec / SECONDS_PER_DAY);
  const [year] = civilFromDays(days);
  const yday = days - daysFromCivil(year, 1, 1);
  const ysec = yday * SECONDS_PER_DAY + (sec - days * SECONDS_PER_DAY);
  const abs = daysFromCivil(year, 1, 1) * SECONDS_PER_DAY;
  let startSec = tzruleTime(year, r1[0], stdOffset);
  let endSec = tzruleTime(year, r2[0], dstOffset);
  let dstIsDST = true;
  let stdIsDST = false;
  if (endSec < startSec) {
    [startSec, endSec] = [endSec, startSec];
    [stdName, dstName] = [dstName, stdName];
    [stdOffset, dstOffset] = [dstOffset, stdOffset];
    [stdIsDST, dstIsDST] = [dstIsDST, stdIsDST];
  }
  if (ysec < startSec) return { name: stdName, offset: stdOffset, start: abs, end: startSec + abs, isDST: stdIsDST };
  if (ysec >= endSec) return { name: stdName, offset: stdOffset, start: endSec + abs, end: abs + 365 * SECONDS_PER_DAY, isDST: stdIsDST };
  return { name: dstName, offset: dstOffset, start: startSec + abs, end: endSec + abs, isDST: dstIsDST };
}

/** Parses a TZif file (versions 1-3), as Go's LoadLocationFromTZData. */
function parseTZif(name: string, data: Uint8Array): Location | undefined {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let p = 0;
  const need = (n: number): boolean => p + n <= data.length;
  if (!need(20) || String.fromCharCode(data[0], data[1], data[2], data[3]) !== 'TZif') return undefined;
  const v = data[4];
  const version = v === 0 ? 1 : v === 0x32 ? 2 : v === 0x33 ? 3 : 0;
  if (version === 0) return undefined;
  p = 20;
  const readCounts = (): number[] | undefined => {
    if (!need(24)) return undefined;
    const n: number[] = [];
    for (let i = 0; i < 6; i++) n.push(dv.getUint32(p + 4 * i));
    p += 24;
    return n;
  };
  let n = readCounts();
  if (n === undefined) return undefined;
  let size = 4;
  if (version > 1) {
    p += n[3] * 4 + n[3] + n[4] * 6 + n[5] + n[2] * 8 + n[1] + n[0] + 20;
    n = readCounts();
    if (n === undefined) return undefined;
    size = 8;
  }
  const [nUTCLocal, nStdWall, nLeap, nTime, nZone, nChar] = n;
  const txStart = p;
  const txZonesStart = txStart + nTime * size;
  const zoneStart = txZonesStart + nTime;
  const abbrStart = zoneStart + nZone * 6;
  const end = abbrStart + nChar + nLeap * (size + 4) + nStdWall + nUTCLocal;
  if (end > data.length || nZone === 0) return undefined;
  let extend = '';
  const rest = data.subarray(end);
  if (rest.length > 2 && rest[0] === 0x0a && rest[rest.length - 1] === 0x0a) {
    extend = Buffer.from(rest.subarray(1, rest.length - 1)).toString('latin1');
  }
  const zones: Zone[] = [];
  for (let i = 0; i < nZone; i++) {
    const q = zoneStart + 6 * i;
    const offset = dv.getInt32(q);
    const isDST = data[q + 4] !== 0;
    const ai = data[q + 5];
    if (ai >= nChar) return undefined;
    let e = abbrStart + ai;
    while (e < abbrStart + nChar && data[e] !== 0) e++;
    zones.push({ name: Buffer.from(data.subarray(abbrStart + ai, e)).toString('latin1'), offset, isDST });
  }
  const tx: ZoneTrans[] = [];
  for (let i = 0; i < nTime; i++) {
    const when = size === 4 ? dv.getInt32(txStart + 4 * i) : Number(dv.getBigInt64(txStart + 8 * i));
    const index = data[txZonesStart + i];
    if (index >= zones.length) return undefined;
    tx.push({ when, index });
  }
  if (tx.length === 0) tx.push({ when: ALPHA, index: 0 });
  return new Location(name, zones, tx, extend);
}

const ZONE_SOURCES = ['/usr/share/zoneinfo/', '/usr/share/lib/zoneinfo/', '/usr/lib/locale/TZ/'];
const locationCache = new Map<string, Location | string>();

/** Go's time.LoadLocation: the location, or the error message. */
export function loadLocation(name: string): Location | string {
  if (name === '' || name === 'UTC') return UTC;
  if (name === 'Local') return Local;
  if (name.includes('..') || name[0] === '/' || name[0] === '\\') return 'time: invalid location name';
  const cached = locationCache.get(name);
  if (cached !== undefined) return cached;
  let result: Location | string = `unknown time zone ${name}`;
  const dirs = process.env.ZONEINFO ? [process.env.ZONEINFO, ...ZONE_SOURCES] : ZONE_SOURCES;
  for (const dir of dirs) {
    let data: Buffer;
    try {
      data = readFileSync(join(dir, Buffer.from(name, 'latin1').toString('utf8')));
    } catch {
      continue;
    }
    const loc = parseTZif(name, data);
    if (loc !== undefined) {
      result = loc;
      break;
    }
  }
  locationCache.set(name, result);
  return result;
}

function mustLoadLocation(name: string): Location {
  const loc = loadLocation(name);
  if (typeof loc === 'string') fail(loc);
  return loc;
}

// ---- calendar ----------------------------------------------------------------------------------

const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

function daysIn(month: number, year: number): number {
  if (month === 2 && isLeap(year)) return 29;
  return DAYS_BEFORE[month] - DAYS_BEFORE[month - 1];
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** [year, month 1-12, day 1-31] of days since 1970-01-01. */
function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** Go's norm: hi, lo with lo brought into [0, base). */
function norm(hi: number, lo: number, base: number): [number, number] {
  if (lo < 0) {
    const n = Math.floor((-lo - 1) / base) + 1;
    hi -= n;
    lo += n * base;
  }
  if (lo >= base) {
    const n = Math.floor(lo / base);
    hi += n;
    lo -= n * base;
  }
  return [hi, lo];
}

/** Go's time.Date: components normalized, wall clock resolved in `loc`. */
export function makeDate(year: number, month: number, day: number, hour: number, min: number, sec: number, nsec: number, loc: Location): Time {
  let m = month - 1;
  [year, m] = norm(year, m, 12);
  [sec, nsec] = norm(sec, nsec, 1e9);
  [min, sec] = norm(min, sec, 60);
  [hour, min] = norm(hour, min, 60);
  [day, hour] = norm(day, hour, 24);
  const days = daysFromCivil(year, m + 1, 1) + day - 1;
  let unix = days * SECONDS_PER_DAY + hour * 3600 + min * 60 + sec;
  const z = loc.lookup(unix);
  if (z.offset !== 0) {
    const utc = unix - z.offset;
    let offset = z.offset;
    if (utc < z.start || utc >= z.end) offset = loc.lookup(utc).offset;
    unix -= offset;
  }
  return new Time(unix, nsec, loc);
}

/** Go's time.Unix(sec, nsec) (in Local). */
export function unixTime(sec: bigint, nsec: bigint): Time {
  if (nsec < 0n || nsec >= NS_PER_SEC) {
    const n = nsec / NS_PER_SEC;
    sec += n;
    nsec -= n * NS_PER_SEC;
    if (nsec < 0n) {
      nsec += NS_PER_SEC;
      sec--;
    }
  }
  return new Time(Number(sec), Number(nsec), Local);
}

// ---- times -------------------------------------------------------------------------------------

const ZERO_UNIX = -62135596800;

const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const SHORT_DAYS = LONG_DAYS.map((d) => d.slice(0, 3));
const SHORT_MONTHS = LONG_MONTHS.map((m) => m.slice(0, 3));

interface Fields {
  year: number;
  month: number;
  day: number;
  yday: number;
  weekday: number;
  hour: number;
  min: number;
  sec: number;
}

export class Time extends StarlarkObject {
  /** Unix seconds (an integer), nanoseconds in [0, 1e9), and the location for display. */
  constructor(
    readonly sec: number,
    readonly nsec: number,
    readonly loc: Location,
  ) {
    super();
  }
  get typeName(): string {
    return 'time.time';
  }
  isZero(): boolean {
    return this.sec === ZERO_UNIX && this.nsec === 0;
  }
  override truth(): boolean {
    return !this.isZero();
  }
  override repr(out: string[]): void {
    out.push(this.format('2006-01-02 15:04:05.999999999 -0700 MST'));
  }
  override hashKey(): HashKey {
    return `\u0100T${this.sec}:${this.nsec}`;
  }
  override compareSameType(op: CompareOp, y: StarlarkObject): boolean {
    const u = y as Time;
    const c = this.sec < u.sec ? -1 : this.sec > u.sec ? 1 : this.nsec < u.nsec ? -1 : this.nsec > u.nsec ? 1 : 0;
    return threeway(op, c);
  }
  /** The zone in effect at this instant in this time's location. */
  zone(): ZoneLookup {
    return this.loc.lookup(this.sec);
  }
  fields(): Fields {
    const local = this.sec + this.zone().offset;
    const days = Math.floor(local / SECONDS_PER_DAY);
    let secOfDay = local - days * SECONDS_PER_DAY;
    const [year, month, day] = civilFromDays(days);
    const hour = Math.floor(secOfDay / 3600);
    secOfDay -= hour * 3600;
    const min = Math.floor(secOfDay / 60);
    return {
      year,
      month,
      day,
      yday: days - daysFromCivil(year, 1, 1) + 1,
      weekday: (((days + 4) % 7) + 7) % 7,
      hour,
      min,
      sec: secOfDay - min * 60,
    };
  }
  in(loc: Location): Time {
    return new Time(this.sec, this.nsec, loc);
  }
  add(d: bigint): Time {
    let dsec = d / NS_PER_SEC;
    let nsec = this.nsec + Number(d % NS_PER_SEC);
    if (nsec >= 1e9) {
      dsec++;
      nsec -= 1e9;
    } else if (nsec < 0) {
      dsec--;
      nsec += 1e9;
    }
    return new Time(this.sec + Number(dsec), nsec, this.loc);
  }
  sub(u: Time): bigint {
    const d = BigInt(this.sec - u.sec) * NS_PER_SEC + BigInt(this.nsec - u.nsec);
    return d > INT64_MAX ? INT64_MAX : d < INT64_MIN ? INT64_MIN : d;
  }
  unixNano(): bigint {
    return wrap64(BigInt(this.sec) * NS_PER_SEC + BigInt(this.nsec));
  }
  override attr(name: string): Value | undefined {
    switch (name) {
      case 'year':
        return this.fields().year;
      case 'month':
        return this.fields().month;
      case 'day':
        return this.fields().day;
      case 'hour':
        return this.fields().hour;
      case 'minute':
        return this.fields().min;
      case 'second':
        return this.fields().sec;
      case 'nanosecond':
        return this.nsec;
      case 'unix':
        return this.sec;
      case 'unix_nano':
        return normInt(this.unixNano());
      case 'format':
        return timeFormat.bindTo(this);
      case 'in_location':
        return timeIn.bindTo(this);
    }
    return undefined;
  }
  override attrNames(): string[] {
    return ['format', 'in_location', 'year', 'month', 'day', 'hour', 'minute', 'second', 'nanosecond', 'unix', 'unix_nano'];
  }
  override binary(op: string, y: Value, side: 'left' | 'right'): Value | undefined {
    if (op === '+' && y instanceof Duration) return this.add(y.ns);
    if (op === '-' && side === 'left') {
      if (y instanceof Duration) return this.add(wrap64(-y.ns));
      if (y instanceof Time) return new Duration(this.sub(y));
    }
    return undefined;
  }

  /** Go's Time.Format with a Go layout ("2006-01-02T15:04:05Z07:00"). */
  format(layout: string): string {
    const z = this.zone();
    let f: Fields | undefined;
    let out = '';
    while (layout !== '') {
      const [prefix, std, suffix] = nextStdChunk(layout);
      out += prefix;
      if (std === 0) break;
      layout = suffix;
      f ??= this.fields();
      switch (std & STD_MASK) {
        case Std.Year: {
          const y = Math.abs(f.year);
          out += pad(y % 100, 2);
          break;
        }
        case Std.LongYear:
          out += pad(f.year, 4);
          break;
        case Std.Month:
          out += SHORT_MONTHS[f.month - 1];
          break;
        case Std.LongMonth:
          out += LONG_MONTHS[f.month - 1];
          break;
        case Std.NumMonth:
          out += f.month;
          break;
        case Std.ZeroMonth:
          out += pad(f.month, 2);
          break;
        case Std.WeekDay:
          out += SHORT_DAYS[f.weekday];
          break;
        case Std.LongWeekDay:
          out += LONG_DAYS[f.weekday];
          break;
        case Std.Day:
          out += f.day;
          break;
        case Std.UnderDay:
          out += (f.day < 10 ? ' ' : '') + f.day;
          break;
        case Std.ZeroDay:
          out += pad(f.day, 2);
          break;
        case Std.UnderYearDay:
          out += (f.yday < 10 ? '  ' : f.yday < 100 ? ' ' : '') + f.yday;
          break;
        case Std.ZeroYearDay:
          out += pad(f.yday, 3);
          break;
        case Std.Hour:
          out += pad(f.hour, 2);
          break;
        case Std.Hour12:
          out += f.hour % 12 === 0 ? 12 : f.hour % 12;
          break;
        case Std.ZeroHour12:
          out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, 2);
          break;
        case Std.Minute:
          out += f.min;
          break;
        case Std.ZeroMinute:
          out += pad(f.min, 2);
          break;
        case Std.Second:
          out += f.sec;
          break;
        case Std.ZeroSecond:
          out += pad(f.sec, 2);
          break;
        case Std.PM:
          out += f.hour >= 12 ? 'PM' : 'AM';
          break;
        case Std.pm:
          out += f.hour >= 12 ? 'pm' : 'am';
          break;
        case Std.ISO8601TZ:
        case Std.ISO8601ColonTZ:
        case Std.ISO8601SecondsTZ:
        case Std.ISO8601ShortTZ:
        case Std.ISO8601ColonSecondsTZ:
        case Std.NumTZ:
        case Std.NumColonTZ:
        case Std.NumSecondsTz:
        case Std.NumShortTZ:
        case Std.NumColonSecondsTZ:
          out += formatOffset(std, z.offset);
          break;
        case Std.TZ:
          if (z.name !== '') {
            out += z.name;
          } else {
            let zone = Math.trunc(z.offset / 60);
            if (zone < 0) {
              out += '-';
              zone = -zone;
            } else {
              out += '+';
            }
            out += pad(Math.trunc(zone / 60), 2) + pad(zone % 60, 2);
          }
          break;
        case Std.FracSecond0:
        case Std.FracSecond9:
          out += formatNano(this.nsec, std);
          break;
      }
    }
    return out;
  }
}

/** Go's appendInt with a minimum digit width: "-0001". */
function pad(x: number, width: number): string {
  const s = String(Math.abs(x)).padStart(width, '0');
  return x < 0 ? '-' + s : s;
}

function formatOffset(std: number, offset: number): string {
  const iso =
    std === Std.ISO8601TZ || std === Std.ISO8601ColonTZ || std === Std.ISO8601SecondsTZ || std === Std.ISO8601ShortTZ || std === Std.ISO8601ColonSecondsTZ;
  if (offset === 0 && iso) return 'Z';
  let zone = Math.trunc(offset / 60);
  let absoffset = offset;
  let out: string;
  if (zone < 0) {
    out = '-';
    zone = -zone;
    absoffset = -absoffset;
  } else {
    out = '+';
  }
  out += pad(Math.trunc(zone / 60), 2);
  if (std === Std.ISO8601ColonTZ || std === Std.NumColonTZ || std === Std.ISO8601ColonSecondsTZ || std === Std.NumColonSecondsTZ) {
    out += ':';
  }
  if (std !== Std.NumShortTZ && std !== Std.ISO8601ShortTZ) out += pad(zone % 60, 2);
  if (std === Std.ISO8601SecondsTZ || std === Std.NumSecondsTz || std === Std.NumColonSecondsTZ || std === Std.ISO8601ColonSecondsTZ) {
    if (std === Std.NumColonSecondsTZ || std === Std.ISO8601ColonSecondsTZ) out += ':';
    out += pad(absoffset % 60, 2);
  }
  return out;
}

function formatNano(nanosec: number, std: number): string {
  let n = (std >> STD_ARG_SHIFT) & 0xfff;
  const sep = std >> STD_SEPARATOR_SHIFT === 0 ? '.' : ',';
  const digits = String(nanosec).padStart(9, '0');
  if (n > 9) n = 9;
  if ((std & STD_MASK) === Std.FracSecond9) {
    while (n > 0 && digits[n - 1] === '0') n--;
    if (n === 0) return '';
  }
  return sep + digits.slice(0, n);
}

// ---- Go layouts ----------------------------------------------------------------------------------

const STD_ARG_SHIFT = 16;
const STD_SEPARATOR_SHIFT = 28;
const STD_MASK = (1 << STD_ARG_SHIFT) - 1;

const enum Std {
  LongMonth = 257, // 1 | needs date
  Month,
  NumMonth,
  ZeroMonth,
  LongWeekDay,
  WeekDay,
  Day,
  UnderDay,
  ZeroDay,
  UnderYearDay,
  ZeroYearDay,
  Hour = 524, // 12 | needs clock
  Hour12,
  ZeroHour12,
  Minute,
  ZeroMinute,
  Second,
  ZeroSecond,
  LongYear = 275, // 19 | needs date
  Year,
  PM = 533, // 21 | needs clock
  pm,
  TZ = 23,
  ISO8601TZ,
  ISO8601SecondsTZ,
  ISO8601ShortTZ,
  ISO8601ColonTZ,
  ISO8601ColonSecondsTZ,
  NumTZ,
  NumSecondsTz,
  NumShortTZ,
  NumColonTZ,
  NumColonSecondsTZ,
  FracSecond0,
  FracSecond9,
}

const STD_0X = [Std.ZeroMonth, Std.ZeroDay, Std.ZeroHour12, Std.ZeroMinute, Std.ZeroSecond, Std.Year];

function startsWithLowerCase(s: string): boolean {
  return s.length > 0 && s[0] >= 'a' && s[0] <= 'z';
}

function isDigitAt(s: string, i: number): boolean {
  return i < s.length && s[i] >= '0' && s[i] <= '9';
}

/** Go's nextStdChunk: the text before the first layout element, the element, the rest. */
function nextStdChunk(layout: string): [string, number, string] {
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i];
    const at = (s: string): boolean => layout.startsWith(s, i);
    switch (c) {
      case 'J':
        if (at('Jan')) {
          if (at('January')) return [layout.slice(0, i), Std.LongMonth, layout.slice(i + 7)];
          if (!startsWithLowerCase(layout.slice(i + 3))) return [layout.slice(0, i), Std.Month, layout.slice(i + 3)];
        }
        break;
      case 'M':
        if (at('Mon')) {
          if (at('Monday')) return [layout.slice(0, i), Std.LongWeekDay, layout.slice(i + 6)];
          if (!startsWithLowerCase(layout.slice(i + 3))) return [layout.slice(0, i), Std.WeekDay, layout.slice(i + 3)];
        }
        if (at('MST')) return [layout.slice(0, i), Std.TZ, layout.slice(i + 3)];
        break;
      case '0':
        if (i + 1 < layout.length && layout[i + 1] >= '1' && layout[i + 1] <= '6') {
          return [layout.slice(0, i), STD_0X[layout.charCodeAt(i + 1) - 49], layout.slice(i + 2)];
        }
        if (at('002')) return [layout.slice(0, i), Std.ZeroYearDay, layout.slice(i + 3)];
        break;
      case '1':
        if (at('15')) return [layout.slice(0, i), Std.Hour, layout.slice(i + 2)];
        return [layout.slice(0, i), Std.NumMonth, layout.slice(i + 1)];
      case '2':
        if (at('2006')) return [layout.slice(0, i), Std.LongYear, layout.slice(i + 4)];
        return [layout.slice(0, i), Std.Day, layout.slice(i + 1)];
      case '_':
        if (at('_2')) {
          if (at('_2006')) return [layout.slice(0, i + 1), Std.LongYear, layout.slice(i + 5)];
          return [layout.slice(0, i), Std.UnderDay, layout.slice(i + 2)];
        }
        if (at('__2')) return [layout.slice(0, i), Std.UnderYearDay, layout.slice(i + 3)];
        break;
      case '3':
        return [layout.slice(0, i), Std.Hour12, layout.slice(i + 1)];
      case '4':
        return [layout.slice(0, i), Std.Minute, layout.slice(i + 1)];
      case '5':
        return [layout.slice(0, i), Std.Second, layout.slice(i + 1)];
      case 'P':
        if (at('PM')) return [layout.slice(0, i), Std.PM, layout.slice(i + 2)];
        break;
      case 'p':
        if (at('pm')) return [layout.slice(0, i), Std.pm, layout.slice(i + 2)];
        break;
      case '-':
        if (at('-070000')) return [layout.slice(0, i), Std.NumSecondsTz, layout.slice(i + 7)];
        if (at('-07:00:00')) return [layout.slice(0, i), Std.NumColonSecondsTZ, layout.slice(i + 9)];
        if (at('-0700')) return [layout.slice(0, i), Std.NumTZ, layout.slice(i + 5)];
        if (at('-07:00')) return [layout.slice(0, i), Std.NumColonTZ, layout.slice(i + 6)];
        if (at('-07')) return [layout.slice(0, i), Std.NumShortTZ, layout.slice(i + 3)];
        break;
      case 'Z':
        if (at('Z070000')) return [layout.slice(0, i), Std.ISO8601SecondsTZ, layout.slice(i + 7)];
        if (at('Z07:00:00')) return [layout.slice(0, i), Std.ISO8601ColonSecondsTZ, layout.slice(i + 9)];
        if (at('Z0700')) return [layout.slice(0, i), Std.ISO8601TZ, layout.slice(i + 5)];
        if (at('Z07:00')) return [layout.slice(0, i), Std.ISO8601ColonTZ, layout.slice(i + 6)];
        if (at('Z07')) return [layout.slice(0, i), Std.ISO8601ShortTZ, layout.slice(i + 3)];
        break;
      case '.':
      case ',':
        if (i + 1 < layout.length && (layout[i + 1] === '0' || layout[i + 1] === '9')) {
          const ch = layout[i + 1];
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!isDigitAt(layout, j)) {
            const code = ch === '9' ? Std.FracSecond9 : Std.FracSecond0;
            let std = code | (((j - (i + 1)) & 0xfff) << STD_ARG_SHIFT);
            if (c === ',') std |= 1 << STD_SEPARATOR_SHIFT;
            return [layout.slice(0, i), std, layout.slice(j)];
          }
        }
        break;
    }
  }
  return [layout, 0, ''];
}

// ---- parsing ---------------------------------------------------------------------------------------

class Bad extends Error {}
const BAD = new Bad();

function lookupName(tab: readonly string[], val: string): [number, string] {
  for (let i = 0; i < tab.length; i++) {
    const v = tab[i];
    if (val.length >= v.length && val.slice(0, v.length).toLowerCase() === v.toLowerCase() && /^[A-Za-z]*$/.test(val.slice(0, v.length))) {
      return [i, val.slice(v.length)];
    }
  }
  throw BAD;
}

/** Go's leadingInt: the leading digits as a number, or Bad on overflow. */
function leadingInt(s: string): [number, string] {
  let i = 0;
  let x = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    if (x > 922337203685477580) throw BAD;
    x = x * 10 + (c - 48);
  }
  return [x, s.slice(i)];
}

function atoi(s: string): number {
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  const [q, rem] = leadingInt(s);
  if (rem !== '') throw BAD;
  return neg ? -q : q;
}

function getnum(s: string, fixed: boolean): [number, string] {
  if (!isDigitAt(s, 0)) throw BAD;
  if (!isDigitAt(s, 1)) {
    if (fixed) throw BAD;
    return [s.charCodeAt(0) - 48, s.slice(1)];
  }
  return [(s.charCodeAt(0) - 48) * 10 + (s.charCodeAt(1) - 48), s.slice(2)];
}

function getnum3(s: string, fixed: boolean): [number, string] {
  let n = 0;
  let i = 0;
  for (; i < 3 && isDigitAt(s, i); i++) n = n * 10 + (s.charCodeAt(i) - 48);
  if (i === 0 || (fixed && i !== 3)) throw BAD;
  return [n, s.slice(i)];
}

function cutspace(s: string): string {
  let i = 0;
  while (i < s.length && s[i] === ' ') i++;
  return s.slice(i);
}

function skipPrefix(value: string, prefix: string): string {
  while (prefix.length > 0) {
    if (prefix[0] === ' ') {
      if (value.length > 0 && value[0] !== ' ') throw BAD;
      prefix = cutspace(prefix);
      value = cutspace(value);
      continue;
    }
    if (value.length === 0 || value[0] !== prefix[0]) throw BAD;
    prefix = prefix.slice(1);
    value = value.slice(1);
  }
  return value;
}

function parseSignedOffset(value: string): number {
  const sign = value[0];
  if (sign !== '-' && sign !== '+') return 0;
  let x: number;
  let rem: string;
  try {
    [x, rem] = leadingInt(value.slice(1));
  } catch {
    return 0;
  }
  if (value.slice(1) === rem || x > 23) return 0;
  return value.length - rem.length;
}

function parseTimeZone(value: string): number {
  if (value.length < 3) return 0;
  if (value.startsWith('ChST') || value.startsWith('MeST')) return 4;
  if (value.startsWith('GMT')) {
    const v = value.slice(3);
    return v.length === 0 ? 3 : 3 + parseSignedOffset(v);
  }
  if (value[0] === '+' || value[0] === '-') return parseSignedOffset(value);
  let nUpper = 0;
  for (; nUpper < 6; nUpper++) {
    if (nUpper >= value.length) break;
    const c = value[nUpper];
    if (c < 'A' || c > 'Z') break;
  }
  switch (nUpper) {
    case 5:
      return value[4] === 'T' ? 5 : 0;
    case 4:
      return value[3] === 'T' || value.startsWith('WITA') ? 4 : 0;
    case 3:
      return 3;
  }
  return 0;
}

/** Go's parseNanoseconds: [nanoseconds, range error, bad syntax]. */
function parseNanoseconds(value: string, nbytes: number): [number, string, boolean] {
  if (value[0] !== '.' && value[0] !== ',') return [0, '', true];
  if (nbytes > 10) {
    value = value.slice(0, 10);
    nbytes = 10;
  }
  let ns: number;
  try {
    ns = atoi(value.slice(1, nbytes));
  } catch {
    return [0, '', true];
  }
  if (ns < 0) return [0, 'fractional second', false];
  for (let i = 0; i < 10 - nbytes; i++) ns *= 10;
  return [ns, '', false];
}

/** Go's time.Parse (local = Local) or ParseInLocation (both `loc`). Throws EvalError. */
export function parseTime(layout: string, value: string, defaultLoc: Location, local: Location): Time {
  const alayout = layout;
  const avalue = value;
  const parseError = (layoutElem: string, valueElem: string, message: string): never => {
    if (message === '') {
      fail(`parsing time ${goTimeQuote(avalue)} as ${goTimeQuote(alayout)}: cannot parse ${goTimeQuote(valueElem)} as ${goTimeQuote(layoutElem)}`);
    }
    return fail(`parsing time ${goTimeQuote(avalue)}${message}`);
  };
  let rangeErr = '';
  let amSet = false;
  let pmSet = false;
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let z: Location | undefined;
  let zoneOffset = -1;
  let zoneName = '';
  for (;;) {
    const [prefix, std0, suffix] = nextStdChunk(layout);
    let std = std0;
    const stdstr = layout.slice(prefix.length, layout.length - suffix.length);
    try {
      value = skipPrefix(value, prefix);
    } catch (e) {
      if (e instanceof Bad) parseError(prefix, value, '');
      throw e;
    }
    if (std === 0) {
      if (value.length !== 0) parseError('', value, `: extra text: ${goTimeQuote(value)}`);
      break;
    }
    layout = suffix;
    let bad = false;
    try {
      switch (std & STD_MASK) {
        case Std.Year: {
          if (value.length < 2) throw BAD;
          const p = value.slice(0, 2);
          year = atoi(p);
          value = value.slice(2);
          year += year >= 69 ? 1900 : 2000;
          break;
        }
        case Std.LongYear:
          if (value.length < 4 || !isDigitAt(value, 0)) throw BAD;
          {
            const p = value.slice(0, 4);
            value = value.slice(4);
            year = atoi(p);
          }
          break;
        case Std.Month:
          [month, value] = lookupName(SHORT_MONTHS, value);
          month++;
          break;
        case Std.LongMonth:
          [month, value] = lookupName(LONG_MONTHS, value);
          month++;
          break;
        case Std.NumMonth:
        case Std.ZeroMonth:
          [month, value] = getnum(value, std === Std.ZeroMonth);
          if (month <= 0 || month > 12) rangeErr = 'month';
          break;
        case Std.WeekDay:
          [, value] = lookupName(SHORT_DAYS, value);
          break;
        case Std.LongWeekDay:
          [, value] = lookupName(LONG_DAYS, value);
          break;
        case Std.Day:
        case Std.UnderDay:
        case Std.ZeroDay:
          if (std === Std.UnderDay && value.length > 0 && value[0] === ' ') value = value.slice(1);
          [day, value] = getnum(value, std === Std.ZeroDay);
          break;
        case Std.UnderYearDay:
        case Std.ZeroYearDay:
          for (let i = 0; i < 2; i++) if (std === Std.UnderYearDay && value.length > 0 && value[0] === ' ') value = value.slice(1);
          [yday, value] = getnum3(value, std === Std.ZeroYearDay);
          break;
        case Std.Hour:
          [hour, value] = getnum(value, false);
          if (hour < 0 || hour >= 24) rangeErr = 'hour';
          break;
        case Std.Hour12:
        case Std.ZeroHour12:
          [hour, value] = getnum(value, std === Std.ZeroHour12);
          if (hour < 0 || hour > 12) rangeErr = 'hour';
          break;
        case Std.Minute:
        case Std.ZeroMinute:
          [min, value] = getnum(value, std === Std.ZeroMinute);
          if (min < 0 || min >= 60) rangeErr = 'minute';
          break;
        case Std.Second:
        case Std.ZeroSecond: {
          [sec, value] = getnum(value, std === Std.ZeroSecond);
          if (sec < 0 || sec >= 60) {
            rangeErr = 'second';
            break;
          }
          if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigitAt(value, 1)) {
            std = nextStdChunk(layout)[1] & STD_MASK;
            if (std === Std.FracSecond0 || std === Std.FracSecond9) break;
            let n = 2;
            while (n < value.length && isDigitAt(value, n)) n++;
            let badNano: boolean;
            [nsec, rangeErr, badNano] = parseNanoseconds(value, n);
            value = value.slice(n);
            if (badNano) throw BAD;
          }
          break;
        }
        case Std.PM:
        case Std.pm: {
          if (value.length < 2) throw BAD;
          const p = value.slice(0, 2);
          value = value.slice(2);
          const [am, pm] = (std & STD_MASK) === Std.PM ? ['AM', 'PM'] : ['am', 'pm'];
          if (p === pm) pmSet = true;
          else if (p === am) amSet = true;
          else throw BAD;
          break;
        }
        case Std.ISO8601TZ:
        case Std.ISO8601ColonTZ:
        case Std.ISO8601SecondsTZ:
        case Std.ISO8601ShortTZ:
        case Std.ISO8601ColonSecondsTZ:
        case Std.NumTZ:
        case Std.NumShortTZ:
        case Std.NumColonTZ:
        case Std.NumSecondsTz:
        case Std.NumColonSecondsTZ: {
          const s = std & STD_MASK;
          if ((s === Std.ISO8601TZ || s === Std.ISO8601ShortTZ || s === Std.ISO8601ColonTZ) && value.length >= 1 && value[0] === 'Z') {
            value = value.slice(1);
            z = UTC;
            break;
          }
          let sign: string;
          let hh: string;
          let mm: string;
          let ss: string;
          if (s === Std.ISO8601ColonTZ || s === Std.NumColonTZ) {
            if (value.length < 6 || value[3] !== ':') throw BAD;
            [sign, hh, mm, ss, value] = [value[0], value.slice(1, 3), value.slice(4, 6), '00', value.slice(6)];
          } else if (s === Std.NumShortTZ || s === Std.ISO8601ShortTZ) {
            if (value.length < 3) throw BAD;
            [sign, hh, mm, ss, value] = [value[0], value.slice(1, 3), '00', '00', value.slice(3)];
          } else if (s === Std.ISO8601ColonSecondsTZ || s === Std.NumColonSecondsTZ) {
            if (value.length < 9 || value[3] !== ':' || value[6] !== ':') throw BAD;
            [sign, hh, mm, ss, value] = [value[0], value.slice(1, 3), value.slice(4, 6), value.slice(7, 9), value.slice(9)];
          } else if (s === Std.ISO8601SecondsTZ || s === Std.NumSecondsTz) {
            if (value.length < 7) throw BAD;
            [sign, hh, mm, ss, value] = [value[0], value.slice(1, 3), value.slice(3, 5), value.slice(5, 7), value.slice(7)];
          } else {
            if (value.length < 5) throw BAD;
            [sign, hh, mm, ss, value] = [value[0], value.slice(1, 3), value.slice(3, 5), '00', value.slice(5)];
          }
          zoneOffset = (atoi(hh) * 60 + atoi(mm)) * 60 + atoi(ss);
          if (sign === '-') zoneOffset = -zoneOffset;
          else if (sign !== '+') throw BAD;
          break;
        }
        case Std.TZ: {
          if (value.startsWith('UTC')) {
            z = UTC;
            value = value.slice(3);
            break;
          }
          const n = parseTimeZone(value);
          if (n === 0) throw BAD;
          zoneName = value.slice(0, n);
          value = value.slice(n);
          break;
        }
        case Std.FracSecond0: {
          const ndigit = 1 + ((std >> STD_ARG_SHIFT) & 0xfff);
          if (value.length < ndigit) throw BAD;
          let badNano: boolean;
          [nsec, rangeErr, badNano] = parseNanoseconds(value, ndigit);
          value = value.slice(ndigit);
          if (badNano) throw BAD;
          break;
        }
        case Std.FracSecond9: {
          if (value.length < 2 || (value[0] !== '.' && value[0] !== ',') || !isDigitAt(value, 1)) break;
          let i = 0;
          while (i < 9 && i + 1 < value.length && isDigitAt(value, i + 1)) i++;
          let badNano: boolean;
          [nsec, rangeErr, badNano] = parseNanoseconds(value, 1 + i);
          value = value.slice(1 + i);
          if (badNano) throw BAD;
          break;
        }
      }
    } catch (e) {
      if (!(e instanceof Bad)) throw e;
      bad = true;
    }
    if (rangeErr !== '') parseError(stdstr, value, `: ${rangeErr} out of range`);
    if (bad) parseError(stdstr, value, '');
  }
  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;
  if (yday >= 0) {
    let d = 0;
    let m = 0;
    if (isLeap(year)) {
      if (yday === 31 + 29) {
        m = 2;
        d = 29;
      } else if (yday > 31 + 29) {
        yday--;
      }
    }
    if (yday < 1 || yday > 365) parseError('', value, ': day-of-year out of range');
    if (m === 0) {
      m = Math.floor((yday - 1) / 31) + 1;
      if (DAYS_BEFORE[m] < yday) m++;
      d = yday - DAYS_BEFORE[m - 1];
    }
    if (month >= 0 && month !== m) parseError('', value, ': day-of-year does not match month');
    month = m;
    if (day >= 0 && day !== d) parseError('', value, ': day-of-year does not match day');
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) parseError('', value, ': day out of range');
  if (z !== undefined) return makeDate(year, month, day, hour, min, sec, nsec, z);
  if (zoneOffset !== -1) {
    const t = makeDate(year, month, day, hour, min, sec, nsec, UTC);
    const unix = t.sec - zoneOffset;
    const l = local.lookup(unix);
    if (l.offset === zoneOffset && (zoneName === '' || l.name === zoneName)) return new Time(unix, t.nsec, local);
    return new Time(unix, t.nsec, Location.fixed(zoneName, zoneOffset));
  }
  if (zoneName !== '') {
    const t = makeDate(year, month, day, hour, min, sec, nsec, UTC);
    const offset = local.lookupName(zoneName, t.sec);
    if (offset !== undefined) return new Time(t.sec - offset, t.nsec, local);
    let off = 0;
    if (zoneName.length > 3 && zoneName.startsWith('GMT')) off = atoi(zoneName.slice(3)) * 3600;
    return new Time(t.sec, t.nsec, Location.fixed(zoneName, off));
  }
  return makeDate(year, month, day, hour, min, sec, nsec, defaultLoc);
}

// ---- the module --------------------------------------------------------------------------------

const RFC3339 = '2006-01-02T15:04:05Z07:00';

const timeFormat = new Builtin('format', (_thread, fn, args, kwargs) => {
  unpackPositional('format', args, kwargs, 1, 1);
  return (fn.receiver as Time).format(asString(args[0], 'format', 1));
});

const timeIn = new Builtin('in_location', (_thread, fn, args, kwargs) => {
  unpackPositional('in_location', args, kwargs, 1, 1);
  return (fn.receiver as Time).in(mustLoadLocation(asString(args[0], 'in_location', 1)));
});

/** A duration argument: a duration, or a string in Go's duration syntax. */
function asDuration(v: Value, fn?: string, param?: string | number): Duration {
  if (v instanceof Duration) return v;
  const where = fn === undefined ? '' : param === undefined ? `${fn}: ` : `${fn}: for parameter ${param}: `;
  if (typeof v === 'string') {
    try {
      return new Duration(parseDuration(v));
    } catch (e) {
      if (e instanceof EvalError) throw new EvalError(where + e.msg);
      throw e;
    }
  }
  return fail(`${where}got ${typeName(v)}, want a duration, string, or int`);
}

const parseDurationFn = new Builtin('parse_duration', (_thread, _fn, args, kwargs) => {
  unpackPositional('parse_duration', args, kwargs, 1, 1);
  return asDuration(args[0], 'parse_duration', 1);
});

const isValidTimezone = new Builtin('is_valid_timezone', (_thread, _fn, args, kwargs) => {
  unpackPositional('is_valid_timezone', args, kwargs, 1, 1);
  return typeof loadLocation(asString(args[0], 'is_valid_timezone', 1)) !== 'string';
});

const PARSE_TIME_PARAMS = ['x', 'format?', 'location?'];

const parseTimeFn = new Builtin('parse_time', (_thread, _fn, args, kwargs) => {
  const [x, formatV, locationV] = unpackArgs('parse_time', args, kwargs, PARSE_TIME_PARAMS);
  const n = args.length;
  const value = asString(x as Value, 'parse_time', paramLabel(PARSE_TIME_PARAMS, 0, n));
  const format = formatV === undefined ? RFC3339 : asString(formatV, 'parse_time', paramLabel(PARSE_TIME_PARAMS, 1, n));
  const location = locationV === undefined ? 'UTC' : asString(locationV, 'parse_time', paramLabel(PARSE_TIME_PARAMS, 2, n));
  if (location === 'UTC') return parseTime(format, value, UTC, Local);
  const loc = mustLoadLocation(location);
  return parseTime(format, value, loc, loc);
});

const fromTimestamp = new Builtin('from_timestamp', (_thread, _fn, args, kwargs) => {
  unpackPositional('from_timestamp', args, kwargs, 1, 2);
  const sec = asInt64(args[0], 'from_timestamp', 1);
  const nsec = args.length > 1 ? asInt64(args[1], 'from_timestamp', 2) : 0n;
  return unixTime(sec, nsec);
});

const TIME_PARAMS = ['year?', 'month?', 'day?', 'hour?', 'minute?', 'second?', 'nanosecond?', 'location?'];

const newTime = new Builtin('time', (_thread, _fn, args, kwargs) => {
  const v = unpackArgs('time', args, kwargs, TIME_PARAMS);
  const n: number[] = [];
  for (let i = 0; i < 7; i++) n.push(v[i] === undefined ? 0 : asInt(v[i] as Value, 'time', paramLabel(TIME_PARAMS, i, args.length)));
  const locName = v[7] === undefined ? '' : asString(v[7], 'time', paramLabel(TIME_PARAMS, 7, args.length));
  if (args.length > 0) fail('time: unexpected positional arguments');
  return makeDate(n[0], n[1], n[2], n[3], n[4], n[5], n[6], mustLoadLocation(locName));
});

/** The `time` module value (no `now`: plans are deterministic). */
export const timeModule = new Module('time', {
  from_timestamp: fromTimestamp,
  is_valid_timezone: isValidTimezone,
  parse_duration: parseDurationFn,
  parse_time: parseTimeFn,
  time: newTime,
  nanosecond: new Duration(1n),
  microsecond: new Duration(1000n),
  millisecond: new Duration(1000_000n),
  second: new Duration(NS_PER_SEC),
  minute: new Duration(60n * NS_PER_SEC),
  hour: new Duration(3600n * NS_PER_SEC),
});
