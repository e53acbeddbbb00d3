// A direct YAML writer for the plan views' configurations: the same text the `yaml` library
// writes for them (2-space indent, sequences indented under their key, no line folding,
// short scalar sequences in flow style), for the shapes plans are made of, without building
// the library's document tree first. Building and printing that tree was a third of a
// 1,000-service plan's time (issue 19).
//
// It is exact by construction or it declines: every scalar is written plain only where the
// library's own rules (its plain-scalar pattern and its schema's tag tests, taken from the
// library itself) would write it plain, double-quoted only where that is plain JSON without
// escapes, and anything else (multi-line or control characters, a string with a `"`, a
// document marker, a non-finite number, a sequence directly inside a sequence, a key over
// 1,024 characters) makes writeConfigYaml return undefined so that the caller uses the
// library. test/render/config-yaml.test.ts holds the two to the same output.
import { Document } from 'yaml';
import { isJsonObject, type JsonPrimitive, type JsonValue } from '../util/json.js';

/** The schema tags other than strings whose pattern a plain string must not match (it would read back as a number, boolean or null). */
const NON_STRING_TAGS: readonly RegExp[] = new Document()
  .schema!.tags.filter((t) => t.default === true && t.tag !== 'tag:yaml.org,2002:str' && t.test !== undefined)
  .map((t) => (t as { test: RegExp }).test);

/** The library's plainString pattern: what cannot start, end or appear in a plain scalar. */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** Characters the library escapes, or that need a block or folded form: left to it. */
const LIBRARY_ONLY = /[\x00-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
const FLOW_INDICATOR = /[[\]{},]/;
const DOCUMENT_MARKER = /^(?:%|---|\.\.\.)/;

class Declined extends Error {}
const DECLINED = new Declined();

function scalar(v: JsonPrimitive, inFlow: boolean): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || Object.is(v, -0)) throw DECLINED;
    return JSON.stringify(v);
  }
  if (LIBRARY_ONLY.test(v) || DOCUMENT_MARKER.test(v)) throw DECLINED;
  if (!(inFlow && FLOW_INDICATOR.test(v)) && !NOT_PLAIN.test(v) && !NON_STRING_TAGS.some((t) => t.test(v))) return v;
  if (v.includes('"')) throw DECLINED;
  const json = JSON.stringify(v);
  if (json.includes('\\')) throw DECLINED;
  return json;
}

function key(k: string): string {
  const text = scalar(k, false);
  if (text.length > 1024) throw DECLINED;
  return text;
}

function isFlowSequence(v: readonly JsonValue[]): v is JsonPrimitive[] {
  return v.length <= 12 && v.every((e) => (e === null || typeof e !== 'object') && String(e).length < 40);
}

function flowSequence(v: readonly JsonPrimitive[]): string {
  return `[${v.map((e) => scalar(e, true)).join(', ')}]`;
}

function isSequence(v: JsonValue): v is readonly JsonValue[] {
  return Array.isArray(v);
}

/** The text after `key:` (with its leading space or line break) for a value at `indent`. */
function valueAfterKey(v: JsonValue, indent: string, out: string[]): void {
  if (isSequence(v)) {
    if (isFlowSequence(v)) out.push(` ${flowSequence(v)}\n`);
    else {
      out.push('\n');
      blockSequence(v, indent + '  ', out);
    }
  } else if (isJsonObject(v)) {
    if (Object.keys(v).length === 0) out.push(' {}\n');
    else {
      out.push('\n');
      blockMap(v, indent + '  ', out, indent + '  ');
    }
  } else out.push(` ${scalar(v, false)}\n`);
}

/** A block map whose first line starts after `firstIndent` (a `- ` in a sequence) and whose other lines start at `indent`. */
function blockMap(v: { [k: string]: JsonValue }, indent: string, out: string[], firstIndent: string): void {
  let first = true;
  for (const k of Object.keys(v)) {
    out.push(first ? firstIndent : indent, key(k), ':');
    first = false;
    valueAfterKey(v[k]!, indent, out);
  }
}

function blockSequence(v: readonly JsonValue[], indent: string, out: string[]): void {
  for (const e of v) {
    if (isSequence(e)) throw DECLINED;
    if (isJsonObject(e)) {
      if (Object.keys(e).length === 0) out.push(indent, '- {}\n');
      else blockMap(e, indent + '  ', out, indent + '- ');
    } else out.push(indent, '- ', scalar(e, false), '\n');
  }
}

/**
 * `value` as the `yaml` library writes it with `lineWidth: 0` and `flowCollectionPadding:
 * false`, short scalar sequences in flow style; undefined where this writer declines.
 */
export function writeConfigYaml(value: JsonValue): string | undefined {
  const out: string[] = [];
  try {
    if (isSequence(value)) {
      if (isFlowSequence(value)) return `${flowSequence(value)}\n`;
      blockSequence(value, '', out);
    } else if (isJsonObject(value)) {
      if (Object.keys(value).length === 0) return '{}\n';
      blockMap(value, '', out, '');
    } else return `${scalar(value, false)}\n`;
  } catch (e) {
    if (e === DECLINED) return undefined;
    throw e;
  }
  return out.join('');
}
