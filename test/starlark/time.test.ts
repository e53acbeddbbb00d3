// Tests of the time module: Go's duration syntax and printing, Go layouts, time zones from
// the tz database, the calendar's normalization, and the operators of durations and times.
// Expected strings were produced by Go's time package for the same inputs.
import assert from 'node:assert/strict';
import {
  Duration,
  Local,
  type Time,
  UTC,
  formatDuration,
  loadLocation,
  makeDate,
  parseDuration,
  parseTime,
  timeModule,
  unixTime,
} from '../../lib/starlark/time.js';
import { Float, Thread, call, compare, equals, fromUtf8, getAttr, hashKey, repr, truth, type KwArgs, type Value } from '../../lib/starlark/values.js';
import { fails } from './helpers.js';

const thread = new Thread();

function tm(name: string, args: Value[], kwargs: KwArgs | null = null): Value {
  return call(thread, getAttr(timeModule, name), args, kwargs);
}
function loc(name: string) {
  const l = loadLocation(name);
  assert.ok(typeof l !== 'string', String(l));
  return l;
}
const hasTzdata = typeof loadLocation('America/New_York') !== 'string';

describe('time module', () => {
  it('has the reference members but no now()', () => {
    assert.deepEqual(timeModule.attrNames(), [
      'from_timestamp',
      'hour',
      'is_valid_timezone',
      'microsecond',
      'millisecond',
      'minute',
      'nanosecond',
      'parse_duration',
      'parse_time',
      'second',
      'time',
    ]);
    assert.equal(repr(timeModule), '<module "time">');
  });
});

describe('durations', () => {
  it('parse and print as Go', () => {
    const cases: [string, string, bigint][] = [
      ['0', '0s', 0n],
      ['-1s', '-1s', -1000000000n],
      ['+1.5h', '1h30m0s', 5400000000000n],
      ['1h2m3.5s', '1h2m3.5s', 3723500000000n],
      ['1.5us', '1.5\xc2\xb5s', 1500n],
      [fromUtf8('1.5μs'), '1.5\xc2\xb5s', 1500n],
      ['.5s', '500ms', 500000000n],
      ['9223372036854775807ns', '2562047h47m16.854775807s', 9223372036854775807n],
      ['-9223372036854775808ns', '-2562047h47m16.854775808s', -9223372036854775808n],
      ['1.23456789012h', '1h14m4.444404432s', 4444444404432n],
    ];
    for (const [src, text, ns] of cases) {
      assert.equal(parseDuration(src), ns, src);
      assert.equal(formatDuration(ns), text, src);
    }
    assert.equal(formatDuration(1001n), '1.001\xc2\xb5s');
    assert.equal(formatDuration(100n), '100ns');
  });
  it('report Go parse errors', () => {
    fails(() => parseDuration('1'), 'time: missing unit in duration "1"');
    fails(() => parseDuration(''), 'time: invalid duration ""');
    fails(() => parseDuration('1x'), 'time: unknown unit "x" in duration "1x"');
    fails(() => parseDuration('2562048h'), 'time: invalid duration "2562048h"');
    fails(() => parseDuration('9223372036854775808ns'), 'time: invalid duration "9223372036854775808ns"');
    fails(() => tm('parse_duration', ['x']), 'parse_duration: for parameter 1: time: invalid duration "x"');
    fails(() => tm('parse_duration', [1]), 'parse_duration: for parameter 1: got int, want a duration, string, or int');
  });
  it('have attributes and operators', () => {
    const d = tm('parse_duration', ['10h']) as Duration;
    assert.equal(repr(getAttr(d, 'hours')), '10.0');
    assert.equal(repr(getAttr(d, 'minutes')), '600.0');
    assert.equal(getAttr(d, 'nanoseconds'), 36000000000000);
    assert.equal(getAttr(d, 'milliseconds'), 36000000);
    const s = getAttr(timeModule, 'second') as Duration;
    assert.equal(repr(s.binary('*', 5, 'left') as Value), '5s');
    assert.equal(repr(s.binary('*', 5, 'right') as Value), '5s');
    assert.equal(repr(s.binary('+', s, 'left') as Value), '2s');
    assert.equal(repr(s.binary('-', d, 'left') as Value), '-9h59m59s');
    assert.equal(repr(d.binary('/', s, 'left') as Value), '36000.0');
    assert.equal(d.binary('//', new Duration(7000000000000n), 'left'), 5);
    assert.equal(repr(s.binary('/', 4, 'left') as Value), '250ms');
    assert.equal(repr(s.binary('/', new Float(2), 'left') as Value), '500ms');
    fails(() => s.binary('/', 0, 'left'), 'time.duration division by zero');
    fails(() => s.binary('/', 2, 'right'), 'unsupported operation');
    fails(() => s.binary('*', 2n ** 64n, 'left'), 'int value out of range (want signed 64-bit value)');
    assert.ok(compare('<', s, d));
    assert.ok(equals(s, new Duration(1000000000n)));
    assert.equal(hashKey(s), hashKey(new Duration(1000000000n)));
    assert.ok(!truth(new Duration(0n)));
  });
});

describe('times', () => {
  it('parse RFC 3339 and print like Go', () => {
    const t = tm('parse_time', ['2011-04-22T13:33:48Z']) as Time;
    assert.equal(repr(t), '2011-04-22 13:33:48 +0000 UTC');
    assert.equal(getAttr(t, 'year'), 2011);
    assert.equal(getAttr(t, 'unix'), 1303479228);
    assert.equal(getAttr(t, 'unix_nano'), 1303479228000000000n);
    const u = tm('parse_time', ['2000-01-01T22:04:05.5-05:00']) as Time;
    assert.equal(repr(u), '2000-01-01 22:04:05.5 -0500 -0500');
    assert.equal(getAttr(u, 'nanosecond'), 500000000);
    assert.equal(repr(tm('parse_time', ['2000-01-01T22:04:05+00:00'])), '2000-01-01 22:04:05 +0000 UTC');
  });
  it('compare, hash and subtract as instants', () => {
    const a = tm('parse_time', ['2020-06-26T17:38:36Z']) as Time;
    const b = tm('from_timestamp', [1593193116]) as Time;
    assert.ok(equals(a, b));
    assert.equal(hashKey(a), hashKey(b));
    const later = a.binary('+', new Duration(90n * 1000000000n), 'left') as Time;
    assert.ok(compare('>', later, a));
    assert.equal(repr(later.binary('-', a, 'left') as Value), '1m30s');
    assert.equal(repr(later.binary('-', new Duration(90n * 1000000000n), 'left') as Value), repr(a));
    assert.equal(later.binary('-', new Duration(1n), 'right'), undefined);
  });
  it('report Go parse errors', () => {
    fails(() => tm('parse_time', ['x']), 'parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"');
    fails(() => tm('parse_time', ['2000-13-01T22:04:05Z']), 'parsing time "2000-13-01T22:04:05Z": month out of range');
    fails(() => tm('parse_time', ['2000-02-30T22:04:05Z']), 'parsing time "2000-02-30T22:04:05Z": day out of range');
    fails(() => tm('parse_time', ['2000-01-01T22:04:05Zjunk']), 'parsing time "2000-01-01T22:04:05Zjunk": extra text: "junk"');
    fails(() => tm('parse_time', [1]), 'parse_time: for parameter x: got int, want string');
    fails(() => tm('parse_time', ['x'], ['location', 'Nowhere/City']), 'unknown time zone Nowhere/City');
    fails(() => tm('parse_time', ['x'], ['location', '../etc']), 'time: invalid location name');
  });
  it('format with Go layouts', () => {
    const t = unixTime(946782245n, 123456789n);
    assert.equal(t.format('Mon Jan _2 15:04:05 2006'), 'Sun Jan  2 03:04:05 2000');
    assert.equal(t.format('2006-01-02T15:04:05.000Z07:00'), '2000-01-02T03:04:05.123Z');
    assert.equal(t.format('3:04PM .999 ,00 __2 002'), '3:04AM .123 ,12   2 002');
    assert.equal(t.format('Monday January 06 -07:00:00 Z0700'), 'Sunday January 00 +00:00:00 Z');
  });
  it('build dates as Go normalizes them', () => {
    assert.equal(repr(tm('time', [])), '-0001-11-30 00:00:00 +0000 UTC');
    assert.equal(
      repr(tm('time', [], ['year', 2020, 'month', 2, 'day', 30, 'hour', 25, 'minute', 61, 'second', 61, 'nanosecond', 1000000001])),
      '2020-03-02 02:02:02.000000001 +0000 UTC',
    );
    assert.ok(!truth(makeDate(1, 1, 1, 0, 0, 0, 0, UTC)));
    assert.ok(truth(makeDate(1, 1, 1, 0, 0, 0, 1, UTC)));
    fails(() => tm('time', [2020]), 'time: unexpected positional arguments');
    fails(() => tm('time', [], ['year', 'x']), 'time: for parameter "year": got string, want int');
  });
  it('from_timestamp normalizes nanoseconds and uses Local (= UTC)', () => {
    assert.equal(repr(tm('from_timestamp', [0, -1])), '1969-12-31 23:59:59.999999999 +0000 UTC');
    assert.equal((tm('from_timestamp', [0]) as Time).loc, Local);
    fails(() => tm('from_timestamp', ['x']), 'from_timestamp: for parameter 1: got string, want int');
  });
  it('exposes format and in_location as methods', () => {
    const t = tm('parse_time', ['2000-01-02T03:04:05Z']) as Time;
    assert.equal(repr(getAttr(t, 'format')), '<built-in method format of time.time value>');
    assert.equal(call(thread, getAttr(t, 'format'), ['2006']), '2000');
    fails(() => call(thread, getAttr(t, 'format'), []), 'format: got 0 arguments, want 1');
    fails(() => call(thread, getAttr(t, 'in_location'), ['Nowhere']), 'unknown time zone Nowhere');
  });
});

(hasTzdata ? describe : describe.skip)('time zones (tz database)', () => {
  it('convert between zones', () => {
    const t = tm('parse_time', ['2000-01-02T03:04:05Z']) as Time;
    const e = call(thread, getAttr(t, 'in_location'), ['US/Eastern']) as Time;
    assert.equal(repr(e), '2000-01-01 22:04:05 -0500 EST');
    assert.equal(e.format('3 04 PM'), '10 04 PM');
    assert.ok(equals(e, tm('parse_time', ['2000-01-01T22:04:05-05:00'])));
    assert.equal(tm('is_valid_timezone', ['Europe/Berlin']), true);
    assert.equal(tm('is_valid_timezone', ['Europe/Nowhere']), false);
  });
  it('resolve wall clocks across transitions and beyond the table', () => {
    const ny = loc('America/New_York');
    assert.equal(repr(makeDate(2021, 3, 14, 2, 30, 0, 0, ny)), '2021-03-14 01:30:00 -0500 EST');
    assert.equal(repr(makeDate(2021, 11, 7, 1, 30, 0, 0, ny)), '2021-11-07 01:30:00 -0400 EDT');
    assert.equal(repr(makeDate(2300, 7, 1, 12, 0, 0, 0, ny)), '2300-07-01 12:00:00 -0400 EDT');
    assert.equal(repr(makeDate(2060, 4, 5, 2, 30, 0, 0, loc('Australia/Sydney'))), '2060-04-05 02:30:00 +1000 AEST');
    assert.equal(repr(makeDate(1900, 1, 1, 0, 0, 0, 0, loc('Asia/Kathmandu'))), '1900-01-01 00:00:00 +0541 LMT');
  });
  it('parse zone names and offsets', () => {
    const ny = loc('America/New_York');
    assert.equal(repr(parseTime('2006-01-02 15:04:05 MST', '2020-06-26 17:38:36 EDT', ny, ny)), '2020-06-26 17:38:36 -0400 EDT');
    assert.equal(repr(parseTime('2006-01-02 15:04:05 MST', '2020-06-26 17:38:36 EST', UTC, Local)), '2020-06-26 17:38:36 +0000 EST');
    assert.equal(repr(parseTime('2006-01-02 15:04:05 MST', '2020-06-26 17:38:36 GMT+3', UTC, Local)), '2020-06-26 20:38:36 +0300 GMT+3');
    assert.equal(repr(tm('parse_time', ['March 10, 2021', 'January 2, 2006', 'Asia/Kolkata'])), '2021-03-10 00:00:00 +0530 IST');
  });
});
