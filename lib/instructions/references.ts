// Future references: the strings `{{starform:<step id>.<field>}}` (model.ts) that stand, at
// interpretation time, for values that only exist once a step has run (a service's IP
// address, an exec's output). They are plain strings, so packages may embed them in larger
// strings, format and concatenate them; this file finds them again inside any JSON value
// (which steps an instruction depends on) and, for `apply`, replaces them:
//
//   * inside strings every occurrence becomes the value's text (a string verbatim, any
//     other value as Starlark's str() prints it) — Kurtosis's rule for commands, env vars,
//     bodies, template data, print messages;
//   * where Kurtosis compares typed values (verify's value and target, wait and
//     ReadyCondition targets), a string that is exactly one reference and nothing else is
//     replaced by the typed value itself (an int stays an int).
import { floatText, quoteText } from './text.js';
import { REFERENCE_PATTERN, futureReference } from './model.js';
import { canonicalJson, type JsonObject, type JsonValue } from '../util/json.js';

export { futureReference };

/** One future reference found in a value. */
export interface Reference {
  /** The exact text, `{{starform:service.db.ip_address}}`. */
  readonly text: string;
  readonly stepId: string;
  readonly field: string;
}

const MARKER = '{{starform:';
const EXACT = new RegExp(`^${REFERENCE_PATTERN.source}$`);

/** The references inside one string, in order of appearance (repeats included). */
export function referencesIn(s: string): Reference[] {
  if (!s.includes(MARKER)) return [];
  const out: Reference[] = [];
  for (const m of s.matchAll(REFERENCE_PATTERN)) out.push({ text: m[0], stepId: m[1], field: m[2] });
  return out;
}

/** If `s` is exactly one reference and nothing else, that reference. */
export function exactReference(s: string): Reference | undefined {
  if (!s.startsWith(MARKER)) return undefined;
  const m = EXACT.exec(s);
  return m === null ? undefined : { text: m[0], stepId: m[1], field: m[2] };
}

function walkStrings(value: JsonValue, visit: (s: string) => void): void {
  if (typeof value === 'string') {
    visit(value);
  } else if (Array.isArray(value)) {
    for (const v of value as readonly JsonValue[]) walkStrings(v, visit);
  } else if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      if (k.includes(MARKER)) visit(k);
      walkStrings((value as JsonObject)[k], visit);
    }
  }
}

/** Every distinct reference inside a JSON value (strings and object keys), first occurrence order. */
export function findReferences(value: JsonValue): Reference[] {
  const seen = new Set<string>();
  const out: Reference[] = [];
  walkStrings(value, (s) => {
    if (!s.includes(MARKER)) return;
    for (const r of referencesIn(s)) {
      if (seen.has(r.text)) continue;
      seen.add(r.text);
      out.push(r);
    }
  });
  return out;
}

/**
 * The distinct step ids a JSON value references, in the order of its canonical text (which
 * a record made by canonicalRecord has already): references hold no character JSON
 * escapes, so they appear in it verbatim.
 */
export function referencedSteps(value: JsonValue): string[] {
  const text = canonicalJson(value);
  if (!text.includes(MARKER)) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  for (const m of text.matchAll(REFERENCE_PATTERN)) {
    if (!seen.has(m[1])) {
      seen.add(m[1]);
      out.push(m[1]);
    }
  }
  return out;
}

// ---- substitution (apply) -----------------------------------------------------------------

/** Looks up the recorded value of a step's field; undefined when it has none (yet). */
export type ReferenceResolver = (stepId: string, field: string) => JsonValue | undefined;

/** A reference whose value is not known when it is substituted. */
export class UnresolvedReferenceError extends Error {
  constructor(readonly reference: Reference) {
    super(`future reference '${reference.text}' was found, but its value is not set (step '${reference.stepId}' has not produced '${reference.field}')`);
    this.name = 'UnresolvedReferenceError';
  }
}

function reprText(v: JsonValue): string {
  if (typeof v === 'string') return quoteText(v);
  return strText(v);
}

/** A runtime value as Starlark's str() prints it (strings verbatim, ints, floats, True, [..], {..}). */
export function strText(v: JsonValue): string {
  if (v === null) return 'None';
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return v ? 'True' : 'False';
    case 'number':
      return Number.isInteger(v) ? String(v) : floatText(v);
  }
  if (Array.isArray(v)) return `[${(v as readonly JsonValue[]).map(reprText).join(', ')}]`;
  const o = v as JsonObject;
  return `{${Object.keys(o)
    .map((k) => `${reprText(k)}: ${reprText(o[k])}`)
    .join(', ')}}`;
}

function lookup(ref: Reference, resolve: ReferenceResolver): JsonValue {
  const v = resolve(ref.stepId, ref.field);
  if (v === undefined) throw new UnresolvedReferenceError(ref);
  return v;
}

/** Replaces every reference inside a string by its value's text. */
export function substituteString(s: string, resolve: ReferenceResolver): string {
  if (!s.includes(MARKER)) return s;
  return s.replace(REFERENCE_PATTERN, (text: string, stepId: string, field: string) => strText(lookup({ text, stepId, field }, resolve)));
}

/**
 * Typed substitution (verify, wait and ready-condition targets): a string that is exactly
 * one reference becomes the referenced value itself; any other string gets textual
 * substitution; non-strings are returned unchanged.
 */
export function substituteTyped(value: JsonValue, resolve: ReferenceResolver): JsonValue {
  if (typeof value !== 'string') return value;
  const exact = exactReference(value);
  if (exact !== undefined) return lookup(exact, resolve);
  return substituteString(value, resolve);
}

/** Textual substitution in every string (and object key) of a JSON value; a new value. */
export function substituteDeep(value: JsonValue, resolve: ReferenceResolver): JsonValue {
  if (typeof value === 'string') return substituteString(value, resolve);
  if (Array.isArray(value)) return (value as readonly JsonValue[]).map((v) => substituteDeep(v, resolve));
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const k of Object.keys(value)) out[substituteString(k, resolve)] = substituteDeep((value as JsonObject)[k], resolve);
    return out;
  }
  return value;
}
