// Package arguments: the object handed to the package's `run` function (docs/
// kurtosis-api.md §5.4), from `--args TEXT` and/or `--args-file FILE`, decoded the way
// Kurtosis decodes them.
//
// Kurtosis sends its engine one JSON text: the arguments as given when they are valid
// JSON, otherwise YAML converted to JSON (Go's ghodss/yaml over gopkg.in/yaml.v2), and the
// engine reads that text with Starlark's `json.decode`. So:
//   - JSON keeps every number as written: integers of any size stay exact ints, `1.0`
//     stays a float, and object keys keep their order;
//   - YAML is YAML 1.1 as yaml.v2 reads it: `yes`/`on` are booleans, `010` is octal, merge
//     keys `<<` merge, timestamps and `12:30` stay strings, duplicate keys keep the last
//     value, quoted scalars may continue on less indented lines; integers up to 64 bits stay
//     exact, floats are written as Go's encoding/json writes them (an integral float like
//     `1.0` or `1e5` becomes an int), and mapping keys come out sorted, because the Go map
//     in between is marshalled in key order;
//   - the format is chosen by the content, not the file name: valid JSON is JSON, anything
//     else YAML (a `.json` file that is neither is reported as JSON).
// Whatever the source, the result must be an object with no .inf/.nan in it. Problems are
// reported at their line and column in the file (or in `--args`).
//
// The result is a JSON object for the plan file and messages (JavaScript numbers: an
// integer beyond 2^53 is shown rounded there), and, kept with it, the exact JSON text the
// interpretation decodes (`argumentsText`), so that nothing is lost on the way to run().
// `_kurtosis_parser: "struct"` is the interpretation's business (lib/plan/package-args.ts).
//
// Both given: the two objects are merged at the top level and `--args` wins for every key
// it sets. Kurtosis, when given both, uses the command-line argument and ignores the file;
// merging gives the same result whenever the two name the same keys, and lets a CI job keep
// its settings in a file and override one of them on the command line, the way Terraform's
// -var overrides -var-file.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { LineCounter, parseDocument, type Document, type Tags } from 'yaml';
import { UserError, type SourceLocation } from '../util/errors.js';
import { canonicalJson, parseJson, setOwnKey, type JsonObject, type JsonValue } from '../util/json.js';

export interface ArgsOptions {
  /** `--args`: a JSON (or YAML) object. */
  readonly args?: string;
  /** `--args-file`: a JSON or YAML file holding an object. */
  readonly argsFile?: string;
}

/** A number exactly as the JSON text the engine decodes writes it. */
interface ExactNumber {
  readonly num: string;
}
/** An argument value with nothing rounded and keys in their order. */
type Exact = null | boolean | string | ExactNumber | readonly Exact[] | ExactObject;
interface ExactObject {
  readonly entries: ReadonlyMap<string, Exact>;
}

/** The exact JSON text of argument objects made by this module. */
const exactTexts = new WeakMap<JsonObject, string>();

/** The package arguments; `{}` when none are given. */
export function readArgs(options: ArgsOptions): JsonObject {
  const fromFile = options.argsFile === undefined ? undefined : readArgsFile(options.argsFile);
  const inline = options.args === undefined ? undefined : parseExact(options.args, '--args', undefined);
  const merged = new Map<string, Exact>(fromFile?.entries ?? []);
  for (const [k, v] of inline?.entries ?? []) merged.set(k, v);
  return register({ entries: merged });
}

/**
 * The JSON text the interpretation decodes for these arguments: exact (big integers,
 * `1.0`, key order) for objects `readArgs`/`parseArgsText` made, JSON.stringify otherwise.
 */
export function argumentsText(args: JsonObject): string {
  return exactTexts.get(args) ?? JSON.stringify(args);
}

/**
 * What the plan's package digest covers of the arguments: their canonical JSON, plus the
 * exact text when the canonical JSON rounds or reorders something of it.
 */
export function argumentsDigestText(args: JsonObject): string {
  const canonical = canonicalJson(args);
  const exact = exactTexts.get(args);
  return exact === undefined || exact === JSON.stringify(args) ? canonical : `${canonical}\n${exact}`;
}

function readArgsFile(file: string): ExactObject {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) {
    throw new UserError(`args files are read from the local disk, not from a URL`, {
      location: { file },
      hint: 'Download it first, then pass the local path to --args-file.',
    });
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'args file not found' : code === 'EISDIR' ? 'the args file is a directory' : `cannot read the args file: ${(err as Error).message}`;
    throw new UserError(why, { location: { file }, cause: err });
  }
  return parseExact(text, file, extname(file).toLowerCase() === '.json' ? 'json' : 'yaml');
}

/**
 * Parses argument text into an object; `source` names it in messages. `format` says what
 * the text is expected to be, for the message when it is neither JSON nor YAML; the
 * content decides how it is read, as in Kurtosis.
 */
export function parseArgsText(text: string, source: string, format?: 'json' | 'yaml'): JsonObject {
  return register(parseExact(text, source, format));
}

function register(value: ExactObject): JsonObject {
  const json = toJson(value) as JsonObject;
  exactTexts.set(json, writeExact(value));
  return json;
}

function parseExact(text: string, source: string, expected: 'json' | 'yaml' | undefined): ExactObject {
  if (text.trim() === '') return { entries: new Map() };
  let value: Exact;
  let isJson = true;
  try {
    JSON.parse(text);
  } catch {
    isJson = false;
  }
  if (isJson) {
    value = new ExactJsonReader(text).document();
  } else {
    const looksJson = expected === 'json' || (expected === undefined && /^\s*[[{]/.test(text));
    try {
      value = parseYaml(text, source);
    } catch (err) {
      if (looksJson && err instanceof UserError) parseJson(text, source);
      throw err;
    }
  }
  if (!isExactObject(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'a list' : isNumber(value) ? 'a number' : `a ${typeof value}`;
    throw new UserError(`the package arguments must be an object (a mapping of argument names to values), not ${got}`, {
      location: { file: source },
      hint: `For example: {"replicas": 2, "name": "web"}`,
    });
  }
  for (const [k, v] of value.entries) checkFinite(v, source, [k]);
  return value;
}

function isNumber(v: Exact): v is ExactNumber {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'num' in v;
}

function isExactObject(v: Exact): v is ExactObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'entries' in v;
}

// ---- JSON, read exactly ---------------------------------------------------------------

const NUMBER = /-?\d+(\.\d+)?([eE][-+]?\d+)?/y;

/** Reads a text JSON.parse has accepted, keeping numbers as written and keys in order. */
class ExactJsonReader {
  private i = 0;
  constructor(private readonly s: string) {}

  document(): Exact {
    const v = this.value();
    return v;
  }

  private space(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i]!)) this.i++;
  }

  private value(): Exact {
    this.space();
    const c = this.s[this.i];
    if (c === '{') {
      this.i++;
      const entries = new Map<string, Exact>();
      this.space();
      if (this.s[this.i] === '}') {
        this.i++;
        return { entries };
      }
      for (;;) {
        this.space();
        const key = this.string();
        this.space();
        this.i++; // ':'
        entries.set(key, this.value()); // a repeated key keeps its place and takes the last value, as json.decode
        this.space();
        if (this.s[this.i++] === '}') return { entries };
      }
    }
    if (c === '[') {
      this.i++;
      const elems: Exact[] = [];
      this.space();
      if (this.s[this.i] === ']') {
        this.i++;
        return elems;
      }
      for (;;) {
        elems.push(this.value());
        this.space();
        if (this.s[this.i++] === ']') return elems;
      }
    }
    if (c === '"') return this.string();
    if (this.s.startsWith('true', this.i)) return ((this.i += 4), true);
    if (this.s.startsWith('false', this.i)) return ((this.i += 5), false);
    if (this.s.startsWith('null', this.i)) return ((this.i += 4), null);
    NUMBER.lastIndex = this.i;
    const num = NUMBER.exec(this.s)![0];
    this.i += num.length;
    return { num };
  }

  private string(): string {
    const start = this.i;
    this.i++;
    while (this.s[this.i] !== '"') this.i += this.s[this.i] === '\\' ? 2 : 1;
    this.i++;
    return JSON.parse(this.s.slice(start, this.i)) as string;
  }
}

// ---- YAML, as yaml.v2 and ghodss/yaml read it -------------------------------------------

/** YAML 1.1 without what yaml.v2 leaves as strings: timestamps and base-60 numbers. */
function yaml11Tags(tags: Tags): Tags {
  return tags.filter((t) => typeof t === 'string' || !(t.tag === 'tag:yaml.org,2002:timestamp' || t.format === 'TIME'));
}

function parseYaml(text: string, source: string): Exact {
  let current = text;
  // A quoted scalar continued on a line indented no deeper than its parent is YAML the
  // `yaml` library rejects and libyaml (so Kurtosis) reads: the continuation's leading
  // white space is folded away either way, so indenting it changes no value.
  for (let attempt = 0; attempt < 1000; attempt++) {
    const lines = new LineCounter();
    const doc = parseDocument(current, {
      lineCounter: lines,
      prettyErrors: false,
      uniqueKeys: false,
      version: '1.1',
      merge: true,
      intAsBigInt: true,
      customTags: yaml11Tags,
    });
    const problem = doc.errors[0];
    if (problem) {
      if (problem.code === 'MISSING_CHAR' && /^Missing closing ["']quote/.test(problem.message)) {
        const fixed = reindentQuoted(current, problem.pos[0]);
        if (fixed !== undefined) {
          current = fixed;
          continue;
        }
      }
      const { line, col } = lines.linePos(problem.pos[0]);
      const location: SourceLocation = line === 0 ? { file: source } : { file: source, line, col };
      const message = (problem.message.split('\n')[0] ?? problem.message).replace(/ at line \d+, column \d+:?$/, '');
      throw new UserError(`not valid YAML: ${message}`, { location });
    }
    return fromYaml(doc, source);
  }
  throw new UserError(`not valid YAML: too many quoted scalars continued on less indented lines`, { location: { file: source } });
}

/**
 * The text with the continuation lines of the quoted scalar that the parser gave up on at
 * `pos` indented past its opening quote; undefined when there is no such scalar to mend.
 */
function reindentQuoted(text: string, pos: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', Math.max(0, pos - 1)) + 1;
  // The opening quote: the last quote before `pos` on the scalar's first line that starts
  // a scalar (it is preceded by white space, ':', '-', '[', '{', ',' or the line start).
  let open = -1;
  for (let i = Math.min(pos, text.length - 1); i >= lineStart; i--) {
    const c = text[i];
    if ((c === "'" || c === '"') && (i === lineStart || /[\s:,[{\-?]/.test(text[i - 1]!))) {
      open = i;
      break;
    }
  }
  if (open < 0) return undefined;
  const quote = text[open]!;
  let close = -1;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (quote === "'" && c === "'") {
      if (text[i + 1] === "'") i++;
      else {
        close = i;
        break;
      }
    } else if (quote === '"' && c === '\\') i++;
    else if (quote === '"' && c === '"') {
      close = i;
      break;
    }
  }
  if (close < 0 || text.indexOf('\n', open) > close || text.indexOf('\n', open) < 0) return undefined;
  const indent = ' '.repeat(open - lineStart + 1);
  const inner = text.slice(open, close).replace(/\n[ \t]*(?=[^\n])/g, (m) => (m.length - 1 >= indent.length ? m : `\n${indent}`));
  const result = text.slice(0, open) + inner + text.slice(close);
  return result === text ? undefined : result;
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** The document's value as ghodss/yaml turns yaml.v2's reading of it into JSON. */
function fromYaml(doc: Document, source: string): Exact {
  const js: unknown = doc.toJS({ mapAsMap: true, maxAliasCount: 1000 });
  const convert = (v: unknown, path: readonly string[]): Exact => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'bigint') {
      // yaml.v2 holds integers in int64 or uint64; beyond those they are floats.
      return v >= INT64_MIN && v <= UINT64_MAX ? { num: v.toString() } : goFloat(Number(v), source, path);
    }
    if (typeof v === 'number') return goFloat(v, source, path);
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (Array.isArray(v)) return v.map((e, i) => convert(e, [...path, String(i)]));
    if (v instanceof Map) {
      const keyed: [string, Exact][] = [];
      for (const [k, e] of v) {
        const key = yamlKey(k, source, path);
        keyed.push([key, convert(e, [...path, key])]);
      }
      // encoding/json writes a Go map's keys sorted (by their UTF-8 bytes).
      keyed.sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      const entries = new Map<string, Exact>();
      for (const [k, e] of keyed) entries.set(k, e);
      return { entries };
    }
    if (v instanceof Set) return convert(new Map([...v].map((k) => [k, null])), path);
    throw new UserError(`${where(path)}: a YAML value of a kind JSON cannot carry`, { location: { file: source } });
  };
  return convert(js, []);
}

/** A mapping key as ghodss/yaml makes it a string. */
function yamlKey(k: unknown, source: string, path: readonly string[]): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'bigint') return k.toString();
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  if (typeof k === 'number') {
    if (Number.isNaN(k)) return '.nan';
    if (!Number.isFinite(k)) return k > 0 ? '.inf' : '-.inf';
    return String(k);
  }
  throw new UserError(`${where(path)}: a mapping key must be a string, number or boolean, not ${k === null || k === undefined ? 'null' : typeof k}`, {
    location: { file: source },
  });
}

/** A float as Go's encoding/json writes it (integral values without a fraction: ints once decoded). */
function goFloat(f: number, source: string, path: readonly string[]): ExactNumber {
  if (!Number.isFinite(f)) {
    throw new UserError(`${where(path)}: ${f} is not a JSON number`, { location: { file: source } });
  }
  if (Object.is(f, -0)) return { num: '-0' };
  const abs = Math.abs(f);
  if (Number.isInteger(f) && abs < 1e21) return { num: BigInt(f).toString() };
  return { num: String(f) };
}

function where(path: readonly string[]): string {
  return path.length === 0 ? 'the arguments' : `argument ${path.join('.')}`;
}

// ---- the two views -----------------------------------------------------------------------

function writeExact(v: Exact): string {
  if (v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${(v as readonly Exact[]).map(writeExact).join(',')}]`;
  if (isNumber(v)) return v.num;
  const obj = v as ExactObject;
  return `{${[...obj.entries].map(([k, e]) => `${JSON.stringify(k)}:${writeExact(e)}`).join(',')}}`;
}

function toJson(v: Exact): JsonValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (Array.isArray(v)) return (v as readonly Exact[]).map(toJson);
  if (isNumber(v)) {
    const n = Number(v.num);
    return Object.is(n, -0) ? 0 : n;
  }
  const out: Record<string, JsonValue> = {};
  for (const [k, e] of (v as ExactObject).entries) setOwnKey(out, k, toJson(e));
  return out;
}

function checkFinite(v: Exact, source: string, path: readonly string[]): void {
  if (isNumber(v)) {
    if (!Number.isFinite(Number(v.num))) throw new UserError(`${where(path)}: ${v.num} is too large for a JSON number`, { location: { file: source } });
  } else if (Array.isArray(v)) (v as readonly Exact[]).forEach((e, i) => checkFinite(e, source, [...path, String(i)]));
  else if (isExactObject(v)) for (const [k, e] of v.entries) checkFinite(e, source, [...path, k]);
}
