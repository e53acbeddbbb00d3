// Which values of a plan or a state are secrets. Three sources:
//
//  1. package arguments the user marks (`--sensitive-arg KEY`, or the args file's top-level
//     `sensitive:` list; KEY may be a dotted path into nested objects): every string or
//     number under them;
//  2. values whose *name* looks secret: a key of any object (env_vars, labels, template
//     data, request headers, package arguments, outputs, ImageSpec's `password`) made of
//     words one of which ends in a secret word (PASSWORD, SECRET, TOKEN, KEY, CREDENTIAL,
//     MNEMONIC, PRIVKEY, PRIVATE, AUTHORIZATION, PASSPHRASE...) — unless its last word says
//     the value only points at one (`..._FILE`, `-path`, `-dir`, `_ID`, `-port`, ...);
//  3. values of secret-looking flags and assignments inside strings and string lists
//     (cmd, entrypoint, exec commands, run_sh scripts): `--privkey=V`, `--secret-key V`,
//     `-password V`, `PASSWORD=V`. A flag value that is an absolute path names a file
//     (`--jwt-secret=/jwt/jwtsecret`) and is not a secret.
//
// One walker does both jobs: it *collects* the sensitive values (for masking by value,
// wherever they flow) and it *masks in place* (so a short value, or one only known later,
// is still hidden where its name says it is secret). Names are matched by words, not by
// substrings, so `KEYCLOAK_URL` and `--keymanager-port` are not secrets while
// `API_KEY`, `privKey` and `jwtsecret` are.
//
// The secret words are configurable with STARFORM_SENSITIVE_NAMES: a comma- or
// space-separated list of words to add, and `-word` to drop a default one
// (e.g. `STARFORM_SENSITIVE_NAMES=seed,-private`).
import type { State } from '../state/index.js';
import { UserError } from '../util/errors.js';
import { isJsonObject, valueAtPath, type JsonObject, type JsonValue } from '../util/json.js';
import type { Instruction } from '../instructions/index.js';

/** What a masked value shows. */
export const MASK = '(sensitive)';
/** What a diff shows for a sensitive value that changes. */
export const MASK_CHANGED = '(sensitive value changed)';

export const DEFAULT_SENSITIVE_WORDS: readonly string[] = [
  'password',
  'passwd',
  'pass',
  'passphrase',
  'pwd',
  'secret',
  'token',
  'key',
  'credential',
  'mnemonic',
  'privkey',
  'private',
  'authorization',
  'cookie',
];

/** Last words that make a secret-looking name point at a secret rather than hold one. */
const POINTER_WORDS = new Set([
  'file',
  'files',
  'path',
  'paths',
  'dir',
  'dirs',
  'directory',
  'folder',
  'location',
  'id',
  'ids',
  'index',
  'name',
  'names',
  'port',
  'type',
  'size',
  'length',
  'count',
  'enabled',
  'enable',
  'disabled',
  'url',
]);

/** Keys of starform's own canonical arguments that look secret but are not. */
const STRUCTURAL_KEYS = new Set(['private_ip_address_placeholder', 'persistent_key', 'key']);

/** Values that are never treated as secrets by value (too common to mask everywhere). */
const TRIVIAL_VALUES = new Set(['true', 'false', 'yes', 'no', 'on', 'off', 'null', 'none', 'nil']);
/** Values shorter than this are masked only in place, not wherever they occur. */
export const MIN_MASKED_LENGTH = 4;

const WORD = /^[a-z0-9]+$/;

/** One SensitiveNames per STARFORM_SENSITIVE_NAMES value, so that what it judged and collected is shared. */
const byEnvironment = new Map<string, SensitiveNames>();

/** The words that make a name secret. */
export class SensitiveNames {
  private readonly words: readonly string[];
  /** Names repeat (every service has the same keys): each is judged once. */
  private readonly judged = new Map<string, boolean>();

  /**
   * Text that holds none of the words (in any case) cannot name a secret: most strings are
   * rejected by this one search before they are split into words and flags.
   */
  private readonly anyWord: RegExp | null;
  /** What collectSensitive found in a value already walked (configurations repeat between plan and state). */
  readonly collected = new WeakMap<object, readonly string[]>();

  constructor(words: Iterable<string> = DEFAULT_SENSITIVE_WORDS) {
    this.words = [...new Set([...words].map((w) => w.toLowerCase()))].sort();
    this.anyWord = this.words.length === 0 ? null : new RegExp(this.words.join('|'), 'i');
  }

  /** Whether a text may contain a secret-looking name (a fast test before the exact one). */
  mayName(text: string): boolean {
    return this.anyWord !== null && this.anyWord.test(text);
  }

  /** The defaults, changed by STARFORM_SENSITIVE_NAMES (see the file comment). */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): SensitiveNames {
    const spec = env['STARFORM_SENSITIVE_NAMES'] ?? '';
    let names = byEnvironment.get(spec);
    if (names === undefined) {
      names = SensitiveNames.fromSpec(spec);
      byEnvironment.set(spec, names);
    }
    return names;
  }

  private static fromSpec(spec: string): SensitiveNames {
    if (spec.trim() === '') return new SensitiveNames();
    const words = new Set(DEFAULT_SENSITIVE_WORDS);
    for (const raw of spec.split(/[\s,]+/).filter((w) => w !== '')) {
      const drop = raw.startsWith('-');
      const word = (drop ? raw.slice(1) : raw).toLowerCase();
      if (!WORD.test(word)) {
        throw new UserError(`STARFORM_SENSITIVE_NAMES: '${raw}' is not a word (letters and digits, '-' in front to drop a default)`, {
          hint: `For example: STARFORM_SENSITIVE_NAMES=seed,-private (the defaults: ${DEFAULT_SENSITIVE_WORDS.join(', ')})`,
        });
      }
      if (drop) words.delete(word);
      else words.add(word);
    }
    return new SensitiveNames(words);
  }

  /** No secret names at all (for output the user asked to see in clear). */
  static none(): SensitiveNames {
    return new SensitiveNames([]);
  }

  get list(): readonly string[] {
    return this.words;
  }

  /** Whether a name (an env var, a key, a flag without its dashes) looks like it holds a secret. */
  matches(name: string): boolean {
    let verdict = this.judged.get(name);
    if (verdict === undefined) {
      verdict = this.judge(name);
      this.judged.set(name, verdict);
    }
    return verdict;
  }

  private judge(name: string): boolean {
    if (!this.mayName(name)) return false;
    const parts = splitWords(name);
    if (parts.length === 0) return false;
    if (parts.length > 1 && POINTER_WORDS.has(parts[parts.length - 1]!)) return false;
    return parts.some((part) => this.words.some((w) => part.endsWith(w) || part.endsWith(`${w}s`)));
  }
}

/** `POSTGRES_PASSWORD` → [postgres, password]; `privKey` → [priv, key]; `--secret-key` → [secret, key]. */
export function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** Whether a value is worth masking wherever it occurs (not a boolean word, not too short). */
export function isMaskableValue(value: string): boolean {
  return value.length >= MIN_MASKED_LENGTH && !TRIVIAL_VALUES.has(value.toLowerCase()) && !/^\{\{starform:[^}]*\}\}$/.test(value);
}

const FLAG = /^(-{1,2})([A-Za-z][A-Za-z0-9._-]*)(=(.*))?$/s;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_.]*)=(.*)$/s;
const QUOTES = /^(['"])(.*)\1$/s;

function unquote(token: string): string {
  const trimmed = token.replace(/[;,]+$/, '');
  const m = QUOTES.exec(trimmed);
  return m ? m[2]! : trimmed;
}

/** A flag value that names a file, a variable or a reference rather than holding a secret. */
function isPointerValue(value: string): boolean {
  return value === '' || value.startsWith('/') || value.startsWith('$') || /^\{\{starform:[^}]*\}\}$/.test(value);
}

/** The words of a shell-like string with their offsets: split at whitespace outside quotes. */
function shellWords(text: string): { start: number; text: string }[] {
  const words: { start: number; text: string }[] = [];
  let start = -1;
  let quote: string | null = null;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === undefined || (quote === null && /\s/.test(c))) {
      if (start >= 0) words.push({ start, text: text.slice(start, i) });
      start = -1;
      continue;
    }
    if (start < 0) start = i;
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
  }
  return words;
}

/** A place where a secret sits in a string: [start, end) offsets. */
interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * The secrets inside a list of shell-like words (a cmd, or one string split at whitespace):
 * the spans, per element, of the values of secret-looking flags and assignments.
 */
function flagSpans(elements: readonly string[], names: SensitiveNames): ReadonlyMap<number, Span[]> {
  if (!elements.some((el) => (el.includes('-') || el.includes('=')) && names.mayName(el))) return NO_SPANS;
  // In a list, an element that is a flag is one argument (`--mnemonic=a b c`); others may
  // be shell scripts (`sh -c "..."`) and are split into words.
  const tokens: { element: number; start: number; text: string }[] = [];
  elements.forEach((el, element) => {
    if (elements.length > 1 && el.startsWith('-')) tokens.push({ element, start: 0, text: el });
    else for (const t of shellWords(el)) tokens.push({ element, ...t });
  });
  const spans = new Map<number, Span[]>();
  const add = (element: number, start: number, end: number): void => {
    if (end <= start) return;
    const list = spans.get(element) ?? [];
    list.push({ start, end });
    spans.set(element, list);
  };
  /** The span of `raw` inside its token, quotes and trailing separators left out. */
  const valueSpan = (tokenStart: number, offset: number, raw: string): Span | null => {
    const value = unquote(raw);
    if (isPointerValue(value)) return null;
    const at = raw.indexOf(value);
    return { start: tokenStart + offset + at, end: tokenStart + offset + at + value.length };
  };
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const flag = FLAG.exec(tok.text);
    if (flag) {
      if (!names.matches(flag[2]!)) continue;
      if (flag[3] !== undefined) {
        const span = valueSpan(tok.start, flag[1]!.length + flag[2]!.length + 1, flag[4]!);
        if (span) add(tok.element, span.start, span.end);
        continue;
      }
      let next = tokens[i + 1];
      // A flag element's value is the whole next element (`["--mnemonic", "a b c"]`).
      const wholeNext = next !== undefined && next.element !== tok.element && elements.length > 1 && tok.text === elements[tok.element];
      if (next !== undefined && wholeNext) next = { element: next.element, start: 0, text: elements[next.element]! };
      if (next !== undefined && !next.text.startsWith('-')) {
        const span = valueSpan(next.start, 0, next.text);
        if (span) add(next.element, span.start, span.end);
        i++;
        if (wholeNext) while (tokens[i + 1]?.element === next.element) i++;
      }
      continue;
    }
    const assign = ASSIGNMENT.exec(tok.text);
    if (assign && names.matches(assign[1]!)) {
      const span = valueSpan(tok.start, assign[1]!.length + 1, assign[2]!);
      if (span) add(tok.element, span.start, span.end);
    }
  }
  return spans;
}

const NO_SPANS: ReadonlyMap<number, Span[]> = new Map();

function applySpans(text: string, spans: readonly Span[] | undefined, visit: (secret: string) => string): string {
  if (spans === undefined || spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.start < at) continue;
    out += text.slice(at, s.start) + visit(text.slice(s.start, s.end));
    at = s.end;
  }
  return out + text.slice(at);
}

/**
 * Walks a JSON value and calls `visit` on each sensitive leaf (as a string), putting
 * what it returns in its place: whole leaves under secret names, flag values inside
 * strings. `secret` says the value is sensitive as a whole (a marked argument).
 */
export function mapSensitive(
  value: JsonValue,
  names: SensitiveNames,
  visit: (secret: string) => string,
  secret: false | 'named' | 'marked' = false,
): JsonValue {
  if (secret !== false) {
    if (typeof value === 'string') return value === '' ? value : visit(value);
    // A number under a secret-looking name (`num_validator_keys: 64`) is masked there but
    // not sought everywhere; one the user marked is.
    if (typeof value === 'number') return secret === 'marked' ? visit(String(value)) : MASK;
    if (Array.isArray(value)) return value.map((v) => mapSensitive(v, names, visit, secret));
    if (isJsonObject(value)) return mapObject(value, (_, v) => mapSensitive(v, names, visit, secret));
    return value;
  }
  if (typeof value === 'string') return applySpans(value, flagSpans([value], names).get(0), visit);
  if (Array.isArray(value)) {
    if (value.length === 0) return value;
    const strings = value.map((v) => (typeof v === 'string' ? v : ''));
    const spans = flagSpans(strings, names);
    const out = value.map((v, i) => (typeof v === 'string' ? applySpans(v, spans.get(i), visit) : mapSensitive(v, names, visit)));
    return out.every((v, i) => v === value[i]) ? value : out;
  }
  if (isJsonObject(value)) {
    return mapObject(value, (k, v) => mapSensitive(v, names, visit, !STRUCTURAL_KEYS.has(k) && names.matches(k) ? 'named' : false));
  }
  return value;
}

/** The object with `fn` applied to each entry; the object itself when nothing changes. */
function mapObject(value: JsonObject, fn: (key: string, v: JsonValue) => JsonValue): JsonObject {
  let out: { [k: string]: JsonValue } | null = null;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = value[k]!;
    const mapped = fn(k, v);
    if (mapped !== v && out === null) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = value[keys[j]!]!;
    }
    if (out !== null) out[k] = mapped;
  }
  return out ?? value;
}

/** Every sensitive leaf of a value (see mapSensitive), in order. */
export function collectSensitive(value: JsonValue, names: SensitiveNames, secret: false | 'marked' = false): readonly string[] {
  const cacheable = secret === false && typeof value === 'object' && value !== null;
  const cached = cacheable ? names.collected.get(value) : undefined;
  if (cached !== undefined) return cached;
  const found: string[] = [];
  mapSensitive(value, names, (s) => (found.push(s), s), secret);
  if (cacheable) names.collected.set(value, found);
  return found;
}

export interface SensitiveSources {
  readonly args?: JsonObject;
  /** Marked argument keys (dotted paths). */
  readonly marked?: readonly string[];
  /** Anything else to look through: instructions' args, outputs, state records. */
  readonly values?: readonly JsonValue[];
  /** Values already known to be sensitive (a state's record of them). */
  readonly known?: readonly string[];
}

/** The sensitive values, sorted and unique, of what a plan or a state holds. */
export function sensitiveValues(sources: SensitiveSources, names: SensitiveNames): string[] {
  const found = new Set<string>(sources.known ?? []);
  if (sources.args !== undefined) {
    for (const key of sources.marked ?? []) {
      const v = valueAtPath(sources.args, key);
      if (v !== undefined) for (const s of collectSensitive(v, names, 'marked')) found.add(s);
    }
    for (const s of collectSensitive(sources.args, names)) found.add(s);
  }
  for (const v of sources.values ?? []) for (const s of collectSensitive(v, names)) found.add(s);
  return [...found].filter((s) => s !== '').sort();
}

/** What a state holds that may carry secrets: configurations, step arguments and results, values, outputs. */
export function stateSources(state: State): JsonValue[] {
  return [
    ...[...state.services.values()].map((s) => s.config),
    ...state.steps.flatMap((s) => [s.args, s.result]),
    Object.fromEntries(state.runtimeValues),
    state.outputs,
  ];
}

/** The sensitive values of a state: those it records, and those its own records show. */
export function stateSensitiveValues(state: State, names: SensitiveNames = SensitiveNames.fromEnvironment()): string[] {
  return sensitiveValues({ values: stateSources(state), known: state.sensitiveValues ?? [] }, names);
}

/**
 * The sensitive values a plan records: its marked and secret-named arguments, what its
 * instructions and outputs show, and the state's (a diff shows the old values too).
 */
export function planSensitiveValues(
  plan: { readonly args: JsonObject; readonly marked?: readonly string[]; readonly instructions: readonly Instruction[]; readonly outputs: JsonValue },
  state: State,
  names: SensitiveNames = SensitiveNames.fromEnvironment(),
): string[] {
  return sensitiveValues(
    {
      args: plan.args,
      ...(plan.marked ? { marked: plan.marked } : {}),
      values: [...plan.instructions.flatMap((i) => [i.args, i.description]), plan.outputs, ...stateSources(state)],
      known: state.sensitiveValues ?? [],
    },
    names,
  );
}
