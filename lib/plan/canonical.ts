// Small pieces of the canonical form that the Kurtosis types and the plan object share:
// Go-style durations (parsed with time.ParseDuration's grammar and re-printed the way Go's
// Duration.String does, so "15s", "15000ms" and "0.25m" are one value), Starlark data → JSON
// (through the language's own json.encode, then a JSON round trip: exactly the float64
// pipeline Kurtosis puts template data through), and the assertion vocabulary of
// verify / wait / ReadyCondition.
//
// Everything here turns user input into plain JSON so that comparing two plans is
// comparing text; errors are EvalErrors so they surface at the Starlark call site.
import { EvalError, encodeJSON, toUnicode, typeName, type Value } from '../starlark/index.js';
import type { JsonValue } from '../util/json.js';

// ---- durations -----------------------------------------------------------------------------

const NS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1000n],
  ['\u00b5s', 1000n],
  ['\u03bcs', 1000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const INT64_MAX = 2n ** 63n - 1n;

/** Why a text is not a duration, or null. Accepts Go's syntax: `300ms`, `1.5h`, `2h45m`, `0`. */
function durationError(text: string): string | null {
  return parseGoDurationOrError(text).error;
}

function parseGoDurationOrError(text: string): { ns: bigint; error: string | null } {
  const bad = (why: string) => ({ ns: 0n, error: `invalid duration ${JSON.stringify(text)}${why ? `: ${why}` : ''}` });
  let s = text;
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { ns: 0n, error: null };
  if (s === '') return bad('');
  let total = 0n;
  while (s !== '') {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s)!;
    const whole = m[1];
    const frac = m[2];
    if (whole === '' && (frac === undefined || frac === '')) return bad('');
    s = s.slice(m[0].length);
    const u = /^[^0-9.]+/.exec(s);
    if (u === null) return bad('missing unit');
    const unit = NS_PER_UNIT.get(u[0]);
    if (unit === undefined) return bad(`unknown unit ${JSON.stringify(u[0])}`);
    s = s.slice(u[0].length);
    let v = BigInt(whole === '' ? '0' : whole) * unit;
    if (frac !== undefined && frac !== '') v += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    total += v;
    if (total > INT64_MAX + (neg ? 1n : 0n)) return bad('');
  }
  return { ns: neg ? -total : total, error: null };
}

/** Nanoseconds of a Go duration text; throws EvalError with `context` for bad text. */
export function parseGoDuration(text: string, context: string): bigint {
  const { ns, error } = parseGoDurationOrError(text);
  if (error !== null) throw new EvalError(`${context}: ${error}`);
  return ns;
}

/** Whether a (Unicode) text is a valid Go duration. */
export function isGoDuration(text: string): boolean {
  return durationError(text) === null;
}

function fraction(v: bigint, digits: number): string {
  if (v === 0n) return '';
  const s = v.toString().padStart(digits, '0').replace(/0+$/, '');
  return `.${s}`;
}

/** Go's Duration.String(): `0s`, `300ms`, `1.5s`, `2m0s`, `1h30m0s`. */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  const u = neg ? -ns : ns;
  let out: string;
  if (u < 1000n) out = `${u}ns`;
  else if (u < 1_000_000n) out = `${u / 1000n}${fraction(u % 1000n, 3)}\u00b5s`;
  else if (u < 1_000_000_000n) out = `${u / 1_000_000n}${fraction(u % 1_000_000n, 6)}ms`;
  else {
    const secs = u / 1_000_000_000n;
    out = `${secs % 60n}${fraction(u % 1_000_000_000n, 9)}s`;
    if (secs >= 60n) {
      const mins = secs / 60n;
      out = `${mins % 60n}m${out}`;
      if (mins >= 60n) out = `${mins / 60n}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

const normalized = new Map<string, string>();

/** A duration text in its canonical (Go Duration.String) form. */
export function normalizeDuration(text: string, context: string): string {
  let out = normalized.get(text);
  if (out === undefined) {
    out = formatGoDuration(parseGoDuration(text, context));
    if (normalized.size < 1000) normalized.set(text, out);
  }
  return out;
}

// ---- Starlark data → JSON ------------------------------------------------------------------

/**
 * A Starlark value as JSON data: `json.encode` (structs and Kurtosis values become objects,
 * dict keys must be strings), then parsed back, so numbers pass through float64 as in
 * Kurtosis's template-data pipeline. Future references stay the strings they are.
 */
export function toJsonData(v: Value, context: string): JsonValue {
  let text: string;
  try {
    text = encodeJSON(v);
  } catch (e) {
    if (e instanceof EvalError) throw new EvalError(`${context}: ${e.msg}`);
    throw e;
  }
  return JSON.parse(toUnicode(text)) as JsonValue;
}

// ---- assertions ----------------------------------------------------------------------------

const ASSERTIONS = ['==', '!=', '>=', '>', '<=', '<', 'IN', 'NOT_IN'] as const;
export type Assertion = (typeof ASSERTIONS)[number];

const ITERABLE_TARGETS = new Set(['list', 'tuple', 'dict', 'set']);

/** Checks an assertion token and, for IN / NOT_IN, that the target is iterable. */
export function checkAssertion(assertion: string, target: Value, context: string): Assertion {
  if (!(ASSERTIONS as readonly string[]).includes(assertion)) {
    throw new EvalError(
      `${context}: 'assertion' argument is invalid, valid values are: ${ASSERTIONS.map((a) => `'${a}'`).join(', ')} (got ${JSON.stringify(assertion)})`,
    );
  }
  if ((assertion === 'IN' || assertion === 'NOT_IN') && !ITERABLE_TARGETS.has(typeName(target))) {
    throw new EvalError(`${context}: '${assertion}' assertion requires an iterable for target values, got '${typeName(target)}'`);
  }
  return assertion as Assertion;
}

/**
 * The target of a comparison as JSON plus its Starlark type name: Kurtosis compares only
 * values of the same type (`"0" == 0` fails, `1 == 1.0` too), and JSON alone cannot tell
 * 1 from 1.0 or a list from a tuple.
 */
export function comparisonTarget(target: Value, context: string): { target_value: JsonValue; target_type: string } {
  return { target_value: toJsonData(target, context), target_type: typeName(target) };
}
