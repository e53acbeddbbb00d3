// What keeps secrets and terminal control sequences from a package or a container out of
// everything starform prints.
//
// Secrets. A Redactor knows the sensitive values of a plan or a state (lib/plan/sensitive.ts
// finds them; the plan and state files record them) and masks them two ways, as CI systems
// mask secrets in logs: *in place* (a value whose name says it is secret shows `(sensitive)`
// even when short) and *by value* (each sensitive value is replaced wherever it occurs —
// flowing into a command line, a template, an output or an error message — in its plain,
// JSON-escaped and control-escaped spellings). Views mask structured data before
// rendering it (`redactJson`, `redactPair` for diffs: a changed secret reads "(sensitive
// value changed)"); and the command's standard output and error pass through the same
// redactor at the point they are written (`maskOutput`), so no rendering, ink's live view
// and error messages included, can print a known secret in clear.
//
// Control characters. A package value or a container's output may hold escape sequences
// (`ESC[2J`, `ESC c`, OSC 8 links, OSC 0 titles, `ESC[8m` hidden text) or bidi overrides.
// `neutraliseControl` (multi-line text: newlines and tabs kept) and `neutraliseInline`
// (one-line fields: names, descriptions, ids) render them visibly (`\x1b`, `\u202e`)
// before a value is put into a line; our own colours are added after, so they keep
// working. The output guard also escapes C1 controls, DEL and bidi overrides everywhere
// (none of which our own output uses), as `\u009b` — which reads visibly in text and
// stays a valid escape inside JSON strings.
import { collectSensitive, isMaskableValue, mapSensitive, MASK, MASK_CHANGED, MIN_MASKED_LENGTH, SensitiveNames } from '../plan/sensitive.js';
import type { Change, Instruction } from '../instructions/index.js';
import type { JsonValue } from '../util/json.js';

export { MASK, MASK_CHANGED } from '../plan/sensitive.js';

const C0_KEEP_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const C0_ALL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NOT_OURS = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  return code < 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Multi-line text from a package or a container, safe for a terminal: every control character but `\n` and `\t` shown as an escape. */
export function neutraliseControl(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(C0_KEEP_LINES, visible);
}

/** A one-line value (a name, an id, a description) safe for a terminal: newlines and tabs escaped too. */
export function neutraliseInline(text: string): string {
  return text.replace(C0_ALL, visible);
}

/** Escapes the characters no output of ours contains (C1 controls, DEL, bidi overrides), as `\uXXXX`. */
export function escapeForeignControls(text: string): string {
  return text.replace(NOT_OURS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The mask for a matched spelling, with a `"` it begins or ends with kept outside the mask.
 * A secret whose value is itself a JSON text (`json.encode("x")`, `"[]"`) matches a whole
 * string token of a JSON document, quotes included; keeping them keeps `--json` output
 * valid JSON (`"(sensitive)"`) and reads the same in text.
 */
function maskKeepingEdgeQuotes(spelling: string): string {
  const open = spelling.startsWith('"') ? '"' : '';
  const close = spelling.length > 1 && spelling.endsWith('"') ? '"' : '';
  return open + MASK + close;
}

/** Masks the sensitive values of one plan or state in text and in JSON. */
export class Redactor {
  private readonly known = new Set<string>();
  private byPrefix: Map<string, string[]> | null | undefined;
  private firstChars: Set<number> | undefined;
  private longest = 0;
  readonly names: SensitiveNames;

  constructor(values: Iterable<string> = [], names: SensitiveNames = SensitiveNames.fromEnvironment()) {
    this.names = names;
    this.add(values);
  }

  /** The sensitive values, sorted. */
  get values(): readonly string[] {
    return [...this.known].sort();
  }

  /** Adds values to mask (e.g. once a plan is made, to those of its arguments). */
  add(values: Iterable<string>): this {
    for (const v of values) {
      if (typeof v === 'string' && v !== '' && !this.known.has(v)) {
        this.known.add(v);
        this.byPrefix = undefined;
      }
    }
    return this;
  }

  /** Also masks the sensitive leaves (by name and flag) of these values. */
  addFrom(...values: JsonValue[]): this {
    for (const v of values) this.add(collectSensitive(v, this.names));
    return this;
  }

  /**
   * The spellings to mask, by their first MIN_MASKED_LENGTH characters, longest first: a
   * scan of a text looks up each position's prefix, so masking costs the same with 10 or
   * 10,000 secrets (an alternation regexp of them all is tried at every position).
   */
  private index(): Map<string, string[]> | null {
    if (this.byPrefix !== undefined) return this.byPrefix;
    const spellings = new Set<string>();
    for (const v of this.known) {
      if (!isMaskableValue(v)) continue;
      spellings.add(v);
      spellings.add(JSON.stringify(v).slice(1, -1));
      spellings.add(neutraliseInline(v));
      spellings.add(neutraliseControl(v));
      spellings.add(escapeForeignControls(v));
    }
    const byPrefix = new Map<string, string[]>();
    for (const sp of spellings) {
      if (sp.length < MIN_MASKED_LENGTH) continue;
      const key = sp.slice(0, MIN_MASKED_LENGTH);
      const list = byPrefix.get(key);
      if (list) list.push(sp);
      else byPrefix.set(key, [sp]);
    }
    for (const list of byPrefix.values()) list.sort((x, y) => y.length - x.length || (x < y ? -1 : 1));
    this.byPrefix = byPrefix.size === 0 ? null : byPrefix;
    this.firstChars = new Set([...byPrefix.keys()].map((k) => k.charCodeAt(0)));
    this.longest = Math.max(0, ...[...spellings].map((sp) => sp.length));
    return this.byPrefix;
  }

  /**
   * Text with every sensitive value replaced by `(sensitive)`; also the start of one
   * that a shortened text cuts off before its `...` or an ellipsis.
   */
  redact(text: string): string {
    const index = this.index();
    if (index === null || text.length < MIN_MASKED_LENGTH) return text;
    let masked = '';
    let copied = 0;
    const starts = this.firstChars!;
    for (let i = 0; i + MIN_MASKED_LENGTH <= text.length;) {
      const found = starts.has(text.charCodeAt(i)) ? index.get(text.slice(i, i + MIN_MASKED_LENGTH))?.find((sp) => text.startsWith(sp, i)) : undefined;
      if (found === undefined) {
        i++;
        continue;
      }
      masked += text.slice(copied, i) + maskKeepingEdgeQuotes(found);
      i += found.length;
      copied = i;
    }
    masked = copied === 0 ? text : masked + text.slice(copied);
    return masked.includes('...') || masked.includes('…') ? this.maskCutOff(masked) : masked;
  }

  /** Masks a start of a secret (at least MIN_MASKED_LENGTH characters) that ends right before an ellipsis. */
  private maskCutOff(text: string): string {
    const index = this.index()!;
    let out = '';
    let from = 0;
    for (const m of text.matchAll(/\.\.\.|\u2026/g)) {
      let segment = text.slice(from, m.index);
      // The cut-off secret starts at one of the last `longest` positions of the segment.
      for (let p = Math.max(0, segment.length - this.longest); p + MIN_MASKED_LENGTH <= segment.length; p++) {
        const rest = segment.length - p;
        const candidates = index.get(segment.slice(p, p + MIN_MASKED_LENGTH));
        if (candidates?.some((sp) => sp.length > rest && segment.endsWith(sp.slice(0, rest)))) {
          segment = segment.slice(0, p) + MASK;
          break;
        }
      }
      out += segment + m[0];
      from = m.index + m[0].length;
    }
    return out + text.slice(from);
  }

  /** A JSON value with sensitive leaves masked in place and sensitive values masked wherever they occur. */
  redactJson(value: JsonValue): JsonValue {
    return this.deep(mapSensitive(value, this.names, () => MASK));
  }

  /**
   * Both sides of a diff, masked; a sensitive value that differs between them reads
   * `(sensitive value changed)` on the new side, so a reviewer sees that it changes.
   */
  redactPair(before: JsonValue, after: JsonValue): [JsonValue, JsonValue] {
    return this.pair(this.redactJson(before), this.redactJson(after), before, after);
  }

  private pair(mb: JsonValue, ma: JsonValue, b: JsonValue, a: JsonValue): [JsonValue, JsonValue] {
    if (typeof mb === 'string' && typeof ma === 'string') {
      if (mb === ma && b !== a && ma.includes(MASK)) return [mb, ma === MASK ? MASK_CHANGED : `${ma} ${MASK_CHANGED}`];
      return [mb, ma];
    }
    if (Array.isArray(mb) && Array.isArray(ma) && Array.isArray(b) && Array.isArray(a)) {
      const out: JsonValue[] = ma.map((v, i) => (i < mb.length ? this.pair(mb[i]!, v, b[i]!, a[i]!)[1] : v));
      return [mb, out];
    }
    if (isObject(mb) && isObject(ma) && isObject(b) && isObject(a)) {
      const out: { [k: string]: JsonValue } = {};
      for (const [k, v] of Object.entries(ma)) out[k] = k in mb ? this.pair(mb[k]!, v, b[k]!, a[k]!)[1] : v;
      return [mb, out];
    }
    return [mb, ma];
  }

  private deep(value: JsonValue): JsonValue {
    if (this.index() === null) return value;
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) {
      const out = value.map((v) => this.deep(v));
      return out.every((v, i) => v === value[i]) ? value : out;
    }
    if (isObject(value)) {
      let changed = false;
      const out: { [k: string]: JsonValue } = {};
      for (const [k, v] of Object.entries(value)) {
        const key = this.redact(k);
        const mapped = this.deep(v);
        if (key !== k || mapped !== v) changed = true;
        out[key] = mapped;
      }
      return changed ? out : value;
    }
    if (typeof value === 'number' && this.known.has(String(value)) && isMaskableValue(String(value))) return MASK;
    return value;
  }
}

function isObject(v: JsonValue): v is { readonly [k: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type Write = NodeJS.WriteStream['write'];

// Shared through globalThis: the live view is bundled apart (progress.mjs) and must see
// the same redactor, and a stream must be guarded once however many copies load.
interface OutputGuard {
  active: Redactor | null;
  readonly guarded: WeakSet<NodeJS.WriteStream>;
}
const GUARD_KEY = Symbol.for('starform.output-guard');
const shared = globalThis as typeof globalThis & { [GUARD_KEY]?: OutputGuard };
const state: OutputGuard = (shared[GUARD_KEY] ??= { active: null, guarded: new WeakSet() });

function guard(stream: NodeJS.WriteStream): void {
  if (state.guarded.has(stream)) return;
  state.guarded.add(stream);
  const original: Write = stream.write.bind(stream);
  const write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    let out = chunk;
    const r = state.active;
    if (typeof chunk === 'string') out = escapeForeignControls(r ? r.redact(chunk) : chunk);
    else if (chunk instanceof Uint8Array) {
      const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
      const masked = escapeForeignControls(r ? r.redact(text) : text);
      if (masked !== text) out = Buffer.from(masked, 'utf8');
    }
    return (original as (c: unknown, e?: unknown, cb?: unknown) => boolean)(out, encoding, callback);
  };
  stream.write = write as Write;
}

/**
 * Masks these sensitive values in everything the process writes to standard output and
 * standard error from now on (installing the guard on first use), and returns the redactor
 * in force — the views use it for structured data.
 */
export function maskOutput(values: Iterable<string> = [], streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): Redactor {
  state.active ??= new Redactor();
  state.active.add(values);
  for (const s of streams) guard(s);
  return state.active;
}

/** The redactor the output guard uses (an empty one before any `maskOutput`). */
export function outputRedactor(): Redactor {
  return state.active ?? new Redactor();
}

/** What the plan views render; `sensitive` is the plan's list of values to mask. */
export interface MaskablePlanView {
  readonly instructions: readonly Instruction[];
  readonly changes: readonly Change[];
  readonly outputs?: JsonValue;
  readonly sensitive?: readonly string[];
}

/** The redactor of a plan view: the values the plan records, and those its own records show by name or flag. */
export function planRedactor(view: MaskablePlanView): Redactor {
  const r = new Redactor(view.sensitive ?? []);
  r.addFrom(...view.changes.flatMap((c) => [c.before ?? null, c.after ?? null]));
  return view.outputs === undefined ? r : r.addFrom(view.outputs);
}

/**
 * A plan view with its sensitive values masked: configurations (a replaced secret reads
 * "(sensitive value changed)"), descriptions, reasons, outputs. Only masks:
 * the values stay exact otherwise (JSON views print them as they are; text views
 * neutralise control characters as they render).
 */
export function maskPlanView<V extends MaskablePlanView>(view: V, redactor: Redactor = planRedactor(view)): V {
  const instructions = view.instructions.map((ins): Instruction => {
    const description = redactor.redact(ins.description);
    return description === ins.description ? ins : { ...ins, description };
  });
  const changes = view.changes.map((c): Change => {
    let before = c.before;
    let after = c.after;
    if (before !== undefined && after !== undefined) [before, after] = redactor.redactPair(before, after);
    else if (before !== undefined) before = redactor.redactJson(before);
    else if (after !== undefined) after = redactor.redactJson(after);
    return {
      ...c,
      reason: redactor.redact(c.reason),
      ...(before !== undefined ? { before } : {}),
      ...(after !== undefined ? { after } : {}),
    };
  });
  return { ...view, instructions, changes, ...(view.outputs !== undefined ? { outputs: redactor.redactJson(view.outputs) } : {}) };
}
