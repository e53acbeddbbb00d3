// The assertions of verify, wait and ReadyCondition, evaluated on runtime values.
//
// Values arrive as JSON (what the state records), targets as JSON plus the Starlark type
// name the package gave them (the plan keeps it: JSON cannot tell 1 from 1.0 or a list
// from a tuple). Kurtosis's rules (docs/kurtosis-api.md §2.11): the comparison operators
// need both sides to have the same Starlark type (`"0" == 0` fails, and says why), then
// compare as Starlark does; IN / NOT_IN look for an element equal to the value in a list,
// tuple, set or a dict's keys, with Starlark equality (where 1 == 1.0).
import type { JsonObject, JsonValue } from '../util/json.js';
import { strText } from '../instructions/index.js';

/** The Starlark type a JSON runtime value has (integral numbers are ints). */
export function starlarkType(v: JsonValue): string {
  if (v === null) return 'NoneType';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'string':
      return 'string';
  }
  return Array.isArray(v) ? 'list' : 'dict';
}

/** A value as Starlark's repr() shows it (strings quoted). */
export function reprValue(v: JsonValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${(v as readonly JsonValue[]).map(reprValue).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as JsonObject;
    return `{${Object.keys(o)
      .map((k) => `${JSON.stringify(k)}: ${reprValue(o[k]!)}`)
      .join(', ')}}`;
  }
  return strText(v);
}

/** Starlark equality on JSON values: numbers by value (1 == 1.0), containers element-wise. */
function valuesEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null) return false;
  if (typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const x = a as readonly JsonValue[];
    const y = b as readonly JsonValue[];
    return x.length === y.length && x.every((v, i) => valuesEqual(v, y[i]!));
  }
  const x = a as JsonObject;
  const y = b as JsonObject;
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => k in y && valuesEqual(x[k]!, y[k]!));
}

function compareOrdered(a: JsonValue, b: JsonValue): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    const x = a as readonly JsonValue[];
    const y = b as readonly JsonValue[];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (valuesEqual(x[i]!, y[i]!)) continue;
      return compareOrdered(x[i]!, y[i]!);
    }
    return x.length - y.length;
  }
  return undefined;
}

/**
 * Checks `value <assertion> target`. Returns null when it holds, otherwise the reason it
 * does not (Kurtosis's wording), to be reported by the caller.
 */
export function checkAssertion(value: JsonValue, assertion: string, target: JsonValue, targetType: string): string | null {
  const valueType = starlarkType(value);
  if (assertion === 'IN' || assertion === 'NOT_IN') {
    let elements: readonly JsonValue[];
    if (Array.isArray(target)) elements = target as readonly JsonValue[];
    else if (target !== null && typeof target === 'object') elements = Object.keys(target);
    else return `'${assertion}' assertion requires an iterable for target values, got '${targetType}'`;
    const found = elements.some((e) => valuesEqual(e, value));
    if (found === (assertion === 'IN')) return null;
    return `Verification failed: ${reprValue(value)} ${assertion === 'IN' ? 'is not in' : 'is in'} ${reprValue(target)}`;
  }
  const tType = targetType === '' ? starlarkType(target) : targetType;
  // A float with a zero fraction comes back from JSON as an integral number: let it pass as a float.
  const sameType = valueType === tType || (valueType === 'int' && tType === 'float');
  if (!sameType) {
    return `Verify failed because ${reprValue(value)} is type '${valueType}' and ${reprValue(target)} is type '${tType}'`;
  }
  let holds: boolean;
  if (assertion === '==' || assertion === '!=') {
    holds = valuesEqual(value, target) === (assertion === '==');
  } else {
    if (!['<', '<=', '>', '>='].includes(assertion)) return `unknown assertion '${assertion}'`;
    const c = compareOrdered(value, target);
    if (c === undefined) return `Verify failed: values of type '${valueType}' cannot be ordered with '${assertion}'`;
    holds = assertion === '<' ? c < 0 : assertion === '<=' ? c <= 0 : assertion === '>' ? c > 0 : c >= 0;
  }
  return holds ? null : `Verification failed ${reprValue(value)} '${assertion}' ${reprValue(target)}`;
}
