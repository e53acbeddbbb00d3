// Starlark values and their core behaviour: type names, truth, equality and ordering,
// hashing, str/repr, freezing, iteration, indexing and attribute access.
//
// Representation (chosen for speed — the hot paths allocate nothing):
//   None → null            bool → boolean          str → JS string of *bytes*
//   int  → number (always integral, within ±2^53) or bigint (only outside that range)
//   float → Float          tuple → a JS array (never mutated once built)
//   list, dict, set, range, function, builtin → classes below
//   anything a host defines → a subclass of StarlarkObject
// Strings hold one JS char (0-255) per UTF-8 byte, so len/index/slice are byte-exact as in
// the reference; `fromUtf8`/`toUtf8` convert at the edges (source text, print, JSON, host).
//
// Dicts and sets are insertion-ordered JS Maps keyed by a *hash key*: the value itself for
// strings, ints, bools and None (an integral float maps to the same key as the equal int),
// an injective string encoding (with chars above 255, so it never collides with a Starlark
// string) for tuples, and the object itself for values hashed by identity.
import { quote } from './quote.js';
import { spellNearest } from './spell.js';

export type Tuple = readonly Value[];

export type Value = null | boolean | number | bigint | string | Float | Tuple | StarlarkObject;

export type HashKey = null | boolean | number | bigint | string | object;

/** A Starlark run-time error. The evaluator adds the call stack as it unwinds. */
export class EvalError extends Error {
  /** Frames, innermost first: filled in as the error propagates out of calls. */
  readonly callStack: CallFrame[] = [];
  /** Position (encoded, see `encodePos`) in the current frame, not yet attached to a frame. */
  pendingPos = -1;
  constructor(readonly msg: string) {
    super(msg);
    this.name = 'EvalError';
  }

  /** Outermost first, as the reference prints a traceback. */
  backtrace(): string {
    const frames = [...this.callStack].reverse();
    let suffix = '';
    if (frames.length > 0 && frames[frames.length - 1].file === '<builtin>') {
      suffix = ` in ${frames.pop()!.name}`;
    }
    let out = frames.length > 0 ? 'Traceback (most recent call last):\n' : '';
    for (const f of frames) out += `  ${f.file}:${f.line}:${f.col}: in ${f.name}\n`;
    return `${out}Error${suffix}: ${toUnicode(this.msg)}`;
  }
}

export interface CallFrame {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** Positions travel through generated code as one number. */
export function encodePos(line: number, col: number): number {
  return line * 65536 + Math.min(col, 65535);
}
export function decodePos(p: number): { line: number; col: number } {
  return { line: Math.floor(p / 65536), col: p % 65536 };
}

export function fail(msg: string): never {
  throw new EvalError(msg);
}

/**
 * A host type's "no such field" error from `attr`/`setField` (the reference's
 * NoSuchAttrError): the evaluator adds a spelling suggestion to it.
 */
export class NoSuchAttrError extends EvalError {
  constructor(msg: string) {
    super(msg);
    this.name = 'NoSuchAttrError';
  }
}

// ---- bytes <-> text ---------------------------------------------------------------

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/** Unicode text → Starlark byte string. */
export function fromUtf8(text: string): string {
  if (isAscii(text)) return text;
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** Starlark byte string → Unicode text (invalid UTF-8 becomes U+FFFD). */
export function toUnicode(s: string): string {
  if (isAscii(s)) return s;
  return utf8Decoder.decode(Buffer.from(s, 'latin1'));
}

export function toBuffer(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

const nonAscii = /[^\x00-\x7f]/;
export function isAscii(s: string): boolean {
  return !nonAscii.test(s);
}

// ---- the base class of object values -----------------------------------------------

/**
 * Every non-primitive Starlark value (other than tuple and float) extends this. Host code
 * defines new types by subclassing it and overriding what the type supports; the defaults
 * say "not supported" with the reference's messages.
 */
export abstract class StarlarkObject {
  /** The name `type(x)` returns. */
  abstract get typeName(): string;

  truth(): boolean {
    return true;
  }
  /** Appends the repr of this value to `out`. */
  abstract repr(out: string[], seen: StarlarkObject[]): void;
  /** `str(x)`; defaults to repr. */
  str(): string {
    return repr(this);
  }
  /** Makes the value (and what it references) immutable. */
  freeze(): void {}
  /** Hash key; identity by default. Unhashable types throw. */
  hashKey(): HashKey {
    return this;
  }
  /** Equality and ordering with a value of the same type; identity by default. */
  compareSameType(op: CompareOp, y: StarlarkObject, _depth: number): boolean {
    if (op === '==') return this === y;
    if (op === '!=') return this !== y;
    fail(`${this.typeName} ${op} ${y.typeName} not implemented`);
  }
  /** Attribute `x.name`, or undefined if there is none. */
  attr(_name: string): Value | undefined {
    return undefined;
  }
  attrNames(): string[] {
    return [];
  }
  /** `x.name = v`; the default says the type has no assignable fields. */
  setField(name: string, _v: Value): void {
    fail(`can't assign to .${name} field of ${this.typeName}`);
  }
  /** An iterator over the elements, or undefined if not iterable. */
  iterate(): ValueIterator | undefined {
    return undefined;
  }
  /** `len(x)`, or -1 if the type has no length. */
  len(): number {
    return -1;
  }
  /** `x[k]`, or undefined if the type is not indexable. */
  index(_k: Value): Value | undefined {
    return undefined;
  }
  /** `x[k] = v`. */
  setIndex(_k: Value, _v: Value): void {
    fail(`${this.typeName} value does not support item assignment`);
  }
  /** Binary operator with this value on the left or right; undefined if unsupported. */
  binary(_op: string, _y: Value, _side: 'left' | 'right'): Value | undefined {
    return undefined;
  }
}

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface ValueIterator {
  /** The next element, or undefined when exhausted. */
  next(): Value | undefined;
  /** Must be called when iteration ends (early or not): releases the mutation guard. */
  done(): void;
}

// ---- float -------------------------------------------------------------------------

export class Float {
  constructor(readonly v: number) {}
}

/** Formats a float as the reference's str/repr does (shortest, always with '.' or 'e'). */
export function formatFloat(f: number): string {
  if (!Number.isFinite(f)) return Number.isNaN(f) ? 'nan' : f > 0 ? '+inf' : '-inf';
  return formatG(f, -1, true);
}

/**
 * Go's strconv.FormatFloat(f, 'g', prec, 64); prec -1 means shortest. With `pointAlways`,
 * a result with neither '.' nor an exponent gains ".0" (the reference's str for floats).
 */
export function formatG(f: number, prec: number, pointAlways = false): string {
  if (!Number.isFinite(f)) return Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf';
  const neg = f < 0 || Object.is(f, -0);
  const a = Math.abs(f);
  let s: string;
  if (a === 0) {
    s = '0';
  } else {
    const shortest = prec < 0;
    const e = shortest ? a.toExponential() : a.toExponential(Math.max(prec, 1) - 1);
    const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(e)!;
    const digits = (m[1] + (m[2] ?? '')).replace(/0+$/, '');
    const nd = digits.length;
    const dp = Number(m[3]) + 1;
    let p = shortest ? nd : prec === 0 ? 1 : prec;
    let eprec = p;
    if (eprec > nd && nd >= dp) eprec = nd;
    if (shortest) eprec = 6;
    const exp = dp - 1;
    if (exp < -4 || exp >= eprec) {
      if (p > nd) p = nd;
      s = expForm(digits.slice(0, p), exp);
    } else {
      if (p > dp) p = nd;
      s = fixedForm(digits, dp, Math.max(p - dp, 0));
    }
  }
  if (pointAlways && !/[.e]/.test(s)) s += '.0';
  return (neg ? '-' : '') + s;
}

function expForm(digits: string, exp: number): string {
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const es = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : `${Math.abs(exp)}`;
  return `${mant}e${exp < 0 ? '-' : '+'}${es}`;
}

/** digits d1d2... with the decimal point after `dp` digits, `decimals` digits after it. */
function fixedForm(digits: string, dp: number, decimals: number): string {
  let intPart: string;
  if (dp <= 0) intPart = '0';
  else intPart = digits.length >= dp ? digits.slice(0, dp) : digits + '0'.repeat(dp - digits.length);
  if (decimals === 0) return intPart;
  let frac = '';
  for (let i = 0; i < decimals; i++) {
    const j = dp + i;
    frac += j >= 0 && j < digits.length ? digits[j] : '0';
  }
  return `${intPart}.${frac}`;
}

// ---- ints ----------------------------------------------------------------------------

export function isInt(v: Value): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** A bigint result back to the canonical representation. */
export function normInt(b: bigint): number | bigint {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

export function intToFloat(i: number | bigint): number {
  if (typeof i === 'number') return i;
  const f = Number(i);
  if (!Number.isFinite(f)) fail('int too large to convert to float');
  return f;
}

// ---- containers ------------------------------------------------------------------------

export class List extends StarlarkObject {
  frozen = false;
  itercount = 0;
  constructor(public elems: Value[] = []) {
    super();
  }
  get typeName(): string {
    return 'list';
  }
  override truth(): boolean {
    return this.elems.length > 0;
  }
  override repr(out: string[], seen: StarlarkObject[]): void {
    if (seen.includes(this)) {
      out.push('[...]');
      return;
    }
    seen.push(this);
    out.push('[');
    for (let i = 0; i < this.elems.length; i++) {
      if (i > 0) out.push(', ');
      reprInto(this.elems[i], out, seen);
    }
    out.push(']');
    seen.pop();
  }
  override freeze(): void {
    if (this.frozen) return;
    this.frozen = true;
    for (const e of this.elems) freeze(e);
  }
  override hashKey(): HashKey {
    return fail('unhashable type: list');
  }
  override compareSameType(op: CompareOp, y: StarlarkObject, depth: number): boolean {
    return compareSequences(op, this.elems, (y as List).elems, depth);
  }
  override iterate(): ValueIterator {
    return new ListIterator(this);
  }
  override len(): number {
    return this.elems.length;
  }
  override index(k: Value): Value {
    return this.elems[checkIndex(k, this.elems.length, 'list')];
  }
  override setIndex(k: Value, v: Value): void {
    this.checkMutable('assign to element of');
    this.elems[checkIndex(k, this.elems.length, 'list')] = v;
  }
  checkMutable(verb: string): void {
    if (this.frozen) fail(`cannot ${verb} frozen list`);
    if (this.itercount > 0) fail(`cannot ${verb} list during iteration`);
  }
}

class ListIterator implements ValueIterator {
  private i = 0;
  constructor(private readonly list: List) {
    if (!list.frozen) list.itercount++;
  }
  next(): Value | undefined {
    const e = this.list.elems;
    return this.i < e.length ? e[this.i++] : undefined;
  }
  done(): void {
    if (!this.list.frozen) this.list.itercount--;
  }
}

class ArrayIterator implements ValueIterator {
  private i = 0;
  constructor(private readonly elems: readonly Value[]) {}
  next(): Value | undefined {
    return this.i < this.elems.length ? this.elems[this.i++] : undefined;
  }
  done(): void {}
}

export function arrayIterator(elems: readonly Value[]): ValueIterator {
  return new ArrayIterator(elems);
}

/** The Starlark dict: insertion-ordered, keys compared by value through hash keys. */
export class Dict extends StarlarkObject {
  frozen = false;
  itercount = 0;
  /** hash key to value, in insertion order */
  readonly map = new Map<HashKey, Value>();
  /** hash key to original key, only for keys whose hash key is not the key itself */
  private keyOf: Map<HashKey, Value> | null = null;

  get typeName(): string {
    return 'dict';
  }
  override truth(): boolean {
    return this.map.size > 0;
  }
  get size(): number {
    return this.map.size;
  }
  get(k: Value): Value | undefined {
    return this.map.get(hashKey(k));
  }
  set(k: Value, v: Value): void {
    this.checkMutable('insert into');
    this.setUnchecked(k, v);
  }
  /** Insertion without the frozen/iteration checks, for building new dicts. */
  setUnchecked(k: Value, v: Value): void {
    const hk = hashKey(k);
    if (hk !== k && !this.map.has(hk)) (this.keyOf ??= new Map()).set(hk, k);
    this.map.set(hk, v);
  }
  delete(k: Value): Value | undefined {
    this.checkMutable('delete from');
    const hk = hashKey(k);
    const v = this.map.get(hk);
    if (v === undefined) return undefined;
    this.map.delete(hk);
    this.keyOf?.delete(hk);
    return v;
  }
  clear(): void {
    this.checkMutable('clear');
    this.map.clear();
    this.keyOf = null;
  }
  keyFor(hk: HashKey): Value {
    if (this.keyOf !== null) {
      const k = this.keyOf.get(hk);
      if (k !== undefined) return k;
    }
    return hk as Value;
  }
  keys(): Value[] {
    const out: Value[] = [];
    for (const hk of this.map.keys()) out.push(this.keyFor(hk));
    return out;
  }
  values(): Value[] {
    return [...this.map.values()];
  }
  items(): [Value, Value][] {
    const out: [Value, Value][] = [];
    for (const [hk, v] of this.map) out.push([this.keyFor(hk), v]);
    return out;
  }
  override repr(out: string[], seen: StarlarkObject[]): void {
    if (seen.includes(this)) {
      out.push('{...}');
      return;
    }
    seen.push(this);
    out.push('{');
    let first = true;
    for (const [hk, v] of this.map) {
      if (!first) out.push(', ');
      first = false;
      reprInto(this.keyFor(hk), out, seen);
      out.push(': ');
      reprInto(v, out, seen);
    }
    out.push('}');
    seen.pop();
  }
  override freeze(): void {
    if (this.frozen) return;
    this.frozen = true;
    for (const [hk, v] of this.map) {
      freeze(this.keyFor(hk));
      freeze(v);
    }
  }
  override hashKey(): HashKey {
    return fail('unhashable type: dict');
  }
  override compareSameType(op: CompareOp, y: StarlarkObject, depth: number): boolean {
    if (op === '==' || op === '!=') {
      const eq = dictsEqual(this, y as Dict, depth);
      return op === '==' ? eq : !eq;
    }
    fail(`${this.typeName} ${op} ${y.typeName} not implemented`);
  }
  override iterate(): ValueIterator {
    return new KeyIterator(this, this.keys());
  }
  override len(): number {
    return this.map.size;
  }
  override index(k: Value): Value {
    const v = this.get(k);
    if (v === undefined) fail(`key ${repr(k)} not in dict`);
    return v;
  }
  override setIndex(k: Value, v: Value): void {
    this.set(k, v);
  }
  checkMutable(verb: string): void {
    if (this.frozen) fail(`cannot ${verb} frozen hash table`);
    if (this.itercount > 0) fail(`cannot ${verb} hash table during iteration`);
  }
}

class KeyIterator implements ValueIterator {
  private i = 0;
  constructor(
    private readonly owner: { frozen: boolean; itercount: number },
    private readonly keys: Value[],
  ) {
    if (!owner.frozen) owner.itercount++;
  }
  next(): Value | undefined {
    return this.i < this.keys.length ? this.keys[this.i++] : undefined;
  }
  done(): void {
    if (!this.owner.frozen) this.owner.itercount--;
  }
}

function dictsEqual(x: Dict, y: Dict, depth: number): boolean {
  if (x.size !== y.size) return false;
  for (const [hk, v] of x.map) {
    const w = y.map.get(hk);
    if (w === undefined || !equalsDepth(v, w, depth - 1)) return false;
  }
  return true;
}

/** The Starlark set (behind the `set` dialect option). */
export class StarSet extends StarlarkObject {
  frozen = false;
  itercount = 0;
  readonly map = new Map<HashKey, Value>();

  get typeName(): string {
    return 'set';
  }
  override truth(): boolean {
    return this.map.size > 0;
  }
  has(v: Value): boolean {
    return this.map.has(hashKey(v));
  }
  add(v: Value): void {
    this.checkMutable('insert into');
    this.addUnchecked(v);
  }
  addUnchecked(v: Value): void {
    const hk = hashKey(v);
    if (!this.map.has(hk)) this.map.set(hk, v);
  }
  remove(v: Value): boolean {
    this.checkMutable('delete from');
    return this.map.delete(hashKey(v));
  }
  elems(): Value[] {
    return [...this.map.values()];
  }
  override repr(out: string[], seen: StarlarkObject[]): void {
    if (seen.includes(this)) {
      out.push('set(...)');
      return;
    }
    seen.push(this);
    out.push('set([');
    let first = true;
    for (const v of this.map.values()) {
      if (!first) out.push(', ');
      first = false;
      reprInto(v, out, seen);
    }
    out.push('])');
    seen.pop();
  }
  override freeze(): void {
    if (this.frozen) return;
    this.frozen = true;
    for (const v of this.map.values()) freeze(v);
  }
  override hashKey(): HashKey {
    return fail('unhashable type: set');
  }
  override compareSameType(op: CompareOp, y: StarlarkObject, _depth: number): boolean {
    const ys = y as StarSet;
    if (op === '==' || op === '!=') {
      let eq = this.map.size === ys.map.size;
      if (eq) for (const hk of this.map.keys()) if (!ys.map.has(hk)) eq = false;
      return op === '==' ? eq : !eq;
    }
    fail(`${this.typeName} ${op} ${y.typeName} not implemented`);
  }
  override iterate(): ValueIterator {
    return new KeyIterator(this, this.elems());
  }
  override len(): number {
    return this.map.size;
  }
  checkMutable(verb: string): void {
    if (this.frozen) fail(`cannot ${verb} frozen hash table`);
    if (this.itercount > 0) fail(`cannot ${verb} hash table during iteration`);
  }
}

/** `range(start, stop, step)`: a lazy, immutable sequence of ints. */
export class Range extends StarlarkObject {
  readonly length: number;
  constructor(
    readonly start: number,
    readonly stop: number,
    readonly step: number,
  ) {
    super();
    const n = step > 0 ? Math.ceil((stop - start) / step) : Math.ceil((start - stop) / -step);
    this.length = Math.max(0, n);
  }
  get typeName(): string {
    return 'range';
  }
  override truth(): boolean {
    return this.length > 0;
  }
  override repr(out: string[]): void {
    if (this.step !== 1) out.push(`range(${this.start}, ${this.stop}, ${this.step})`);
    else if (this.start !== 0) out.push(`range(${this.start}, ${this.stop})`);
    else out.push(`range(${this.stop})`);
  }
  override hashKey(): HashKey {
    return fail('unhashable: range');
  }
  override compareSameType(op: CompareOp, y: StarlarkObject): boolean {
    if (op === '==' || op === '!=') {
      const r = y as Range;
      const eq = this.length === r.length && (this.length === 0 || (this.start === r.start && (this.length === 1 || this.step === r.step)));
      return op === '==' ? eq : !eq;
    }
    fail(`${this.typeName} ${op} ${y.typeName} not implemented`);
  }
  override iterate(): ValueIterator {
    return new RangeIterator(this.start, this.step, this.length);
  }
  override len(): number {
    return this.length;
  }
  override index(k: Value): Value {
    return this.start + checkIndex(k, this.length, 'range') * this.step;
  }
  at(i: number): number {
    return this.start + i * this.step;
  }
  contains(x: number | bigint): boolean {
    if (typeof x === 'bigint') return false;
    if (this.step > 0 ? x < this.start || x >= this.stop : x > this.start || x <= this.stop) return false;
    return (x - this.start) % this.step === 0;
  }
}

class RangeIterator implements ValueIterator {
  private i = 0;
  constructor(
    private readonly start: number,
    private readonly step: number,
    private readonly n: number,
  ) {}
  next(): Value | undefined {
    return this.i < this.n ? this.start + this.i++ * this.step : undefined;
  }
  done(): void {}
}

// ---- callables ----------------------------------------------------------------------------

/** Anything callable: Starlark functions and built-ins. */
export abstract class Callable extends StarlarkObject {
  abstract get name(): string;
  override get typeName(): string {
    return 'function';
  }
  abstract callInternal(thread: Thread, args: Value[], kwargs: KwArgs | null): Value;
  /** Where the callable was defined; built-ins have none. */
  position(): CallFrame | undefined {
    return undefined;
  }
}

/** Keyword arguments of a call, in source order: [name, value, name, value, ...]. */
export type KwArgs = Value[];

export type BuiltinImpl = (thread: Thread, fn: Builtin, args: Value[], kwargs: KwArgs | null) => Value;

/** A function implemented by the host (universal built-ins, `plan.*`, ...). */
export class Builtin extends Callable {
  constructor(
    private readonly builtinName: string,
    readonly impl: BuiltinImpl,
    /** For methods: the value the method is bound to. */
    readonly receiver: Value | undefined = undefined,
  ) {
    super();
  }
  get name(): string {
    return this.builtinName;
  }
  override get typeName(): string {
    return 'builtin_function_or_method';
  }
  override repr(out: string[]): void {
    if (this.receiver !== undefined) out.push(`<built-in method ${this.builtinName} of ${typeName(this.receiver)} value>`);
    else out.push(`<built-in function ${this.builtinName}>`);
  }
  callInternal(thread: Thread, args: Value[], kwargs: KwArgs | null): Value {
    return this.impl(thread, this, args, kwargs);
  }
  /** This builtin bound to a receiver (for methods). */
  bindTo(recv: Value): Builtin {
    return new Builtin(this.builtinName, this.impl, recv);
  }
}

// ---- threads -------------------------------------------------------------------------------

/** The state of one execution: print and load hooks, the step budget, host-local values. */
export class Thread {
  name = '';
  /** Called by `print`; the message is Unicode text. Defaults to standard error like the reference. */
  print: (thread: Thread, msg: string) => void = (_t, msg) => process.stderr.write(msg + '\n');
  /** Resolves `load(module)`; returns the loaded module's globals. */
  load: ((thread: Thread, module: string) => Map<string, Value>) | null = null;
  /** Execution steps taken and allowed (0 = unlimited). */
  steps = 0;
  maxSteps = 0;
  /**
   * What compiled code compares `steps` against (at every loop iteration and function
   * call): the next step at which `poll` runs or maxSteps ends the run, or -1 for neither.
   */
  stepLimit = -1;
  /**
   * Called every `pollSteps` steps (host code checks for an interrupt here and throws an
   * EvalError to stop). Null: never; the hot path then only compares against maxSteps.
   */
  poll: ((thread: Thread) => void) | null = null;
  pollSteps = 4096;
  /** Call depth, for runaway recursion. */
  depth = 0;
  maxDepth = 5000;
  /**
   * The active frames, outermost first: each module top level and Starlark function being
   * executed, with the position of the call it is making (updated at every call site), so
   * built-ins can report the Starlark call stack they were called from.
   */
  readonly frames: { readonly name: string; readonly file: string }[] = [];
  readonly framePos: number[] = [];
  private readonly locals = new Map<string, unknown>();
  /** Set when the dialect allows recursion. */
  allowRecursion = false;

  /** The Starlark call stack at this moment, outermost first (as the reference's CallStack). */
  callStack(): CallFrame[] {
    return this.frames.map((f, i) => {
      const p = this.framePos[i];
      return { name: f.name, file: f.file, line: Math.floor(p / 65536), col: p % 65536 };
    });
  }

  setLocal(key: string, value: unknown): void {
    this.locals.set(key, value);
  }
  getLocal<T>(key: string): T | undefined {
    return this.locals.get(key) as T | undefined;
  }
}

// ---- generic operations -------------------------------------------------------------------

export function typeName(v: Value): string {
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
    case 'bigint':
      return 'int';
    case 'boolean':
      return 'bool';
    case 'object':
      if (v === null) return 'NoneType';
      if (v instanceof Float) return 'float';
      if (Array.isArray(v)) return 'tuple';
      return (v as StarlarkObject).typeName;
  }
  return 'unknown';
}

export function truth(v: Value): boolean {
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'string':
      return v.length > 0;
    case 'number':
      return v !== 0;
    case 'bigint':
      return true;
    case 'object':
      if (v === null) return false;
      if (v instanceof Float) return v.v !== 0;
      if (Array.isArray(v)) return v.length > 0;
      return (v as StarlarkObject).truth();
  }
  return true;
}

export function freeze(v: Value): void {
  if (typeof v === 'object' && v !== null && !(v instanceof Float)) {
    if (Array.isArray(v)) for (const e of v) freeze(e);
    else (v as StarlarkObject).freeze();
  }
}

/** `str(x)` as a byte string. */
export function str(v: Value): string {
  if (typeof v === 'string') return v;
  if (v instanceof StarlarkObject) return v.str();
  return repr(v);
}

/** `repr(x)` as a byte string. */
export function repr(v: Value): string {
  const out: string[] = [];
  reprInto(v, out, []);
  return out.join('');
}

export function reprInto(v: Value, out: string[], seen: StarlarkObject[]): void {
  switch (typeof v) {
    case 'string':
      out.push(quote(v));
      return;
    case 'number':
      out.push(String(v));
      return;
    case 'bigint':
      out.push(v.toString());
      return;
    case 'boolean':
      out.push(v ? 'True' : 'False');
      return;
    case 'object':
      if (v === null) {
        out.push('None');
        return;
      }
      if (v instanceof Float) {
        out.push(formatFloat(v.v));
        return;
      }
      if (Array.isArray(v)) {
        out.push('(');
        for (let i = 0; i < v.length; i++) {
          if (i > 0) out.push(', ');
          reprInto(v[i], out, seen);
        }
        out.push(v.length === 1 ? ',)' : ')');
        return;
      }
      (v as StarlarkObject).repr(out, seen);
      return;
  }
}

// ---- hashing -----------------------------------------------------------------------------

/** The key a value has in dicts and sets; throws for unhashable values. */
export function hashKey(v: Value): HashKey {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return v;
    case 'object':
      if (v === null) return null;
      if (v instanceof Float) return floatKey(v.v);
      if (Array.isArray(v)) return `\u0100(${v.map(hashKeyString).join('\u0101')})`;
      return (v as StarlarkObject).hashKey();
  }
  return fail(`unhashable type: ${typeName(v)}`);
}

function floatKey(f: number): HashKey {
  if (Number.isInteger(f)) return Number.isSafeInteger(f) ? f : BigInt(f);
  return f;
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

/** An injective string form of a hash key, for composite keys. */
export function hashKeyString(v: Value): string {
  const k = hashKey(v);
  switch (typeof k) {
    case 'string':
      return k.length > 0 && k.charCodeAt(0) === 0x100 ? `c${k}` : `s${k.length}:${k}`;
    case 'number':
      return `n${k}`;
    case 'bigint':
      return `n${k}`;
    case 'boolean':
      return k ? 'T' : 'F';
    case 'object': {
      if (k === null) return 'N';
      let id = objectIds.get(k);
      if (id === undefined) objectIds.set(k, (id = nextObjectId++));
      return `o${id}`;
    }
  }
  return '?';
}

// ---- equality and ordering --------------------------------------------------------------

/** How deeply nested values are compared before giving up, as the reference's CompareLimit. */
const maxCompareDepth = 10;

export function equals(x: Value, y: Value): boolean {
  if (x === y && typeof x !== 'object') return true;
  return equalsDepth(x, y, maxCompareDepth);
}

export function equalsDepth(x: Value, y: Value, depth: number): boolean {
  return compareDepth('==', x, y, depth);
}

/** Applies a comparison operator (==, !=, <, <=, >, >=) with the reference's rules. */
export function compare(op: CompareOp, x: Value, y: Value): boolean {
  return compareDepth(op, x, y, maxCompareDepth);
}

function compareDepth(op: CompareOp, x: Value, y: Value, depth: number): boolean {
  if (depth < 1) fail('comparison exceeded maximum recursion depth');
  const tx = typeof x;
  const ty = typeof y;
  // int and int (numbers and bigints compare exactly across representations)
  if ((tx === 'number' || tx === 'bigint') && (ty === 'number' || ty === 'bigint')) {
    return cmpOp(op, x as number, y as number);
  }
  if (tx === 'string' && ty === 'string') return cmpOp(op, x as string, y as string);
  if (tx === 'boolean' && ty === 'boolean') return cmpOp(op, x ? 1 : 0, y ? 1 : 0);
  if (x instanceof Float || y instanceof Float) {
    if (x instanceof Float && y instanceof Float) return floatCmp(op, x.v, y.v);
    if (x instanceof Float && (ty === 'number' || ty === 'bigint')) return intFloatCmp(op, y as number | bigint, x.v, true);
    if (y instanceof Float && (tx === 'number' || tx === 'bigint')) return intFloatCmp(op, x as number | bigint, y.v, false);
  }
  if (x === null && y === null) {
    if (op === '==') return true;
    if (op === '!=') return false;
    fail(`NoneType ${op} NoneType not implemented`);
  }
  if (Array.isArray(x) && Array.isArray(y)) return compareSequences(op, x, y, depth);
  if (x instanceof StarlarkObject && y instanceof StarlarkObject && x.typeName === y.typeName && x.constructor === y.constructor) {
    return x.compareSameType(op, y, depth);
  }
  if (op === '==') return false;
  if (op === '!=') return true;
  fail(`${typeName(x)} ${op} ${typeName(y)} not implemented`);
}

function cmpOp<T extends number | bigint | string>(op: CompareOp, a: T, b: T): boolean {
  switch (op) {
    case '==':
      return a == b; // eslint-disable-line eqeqeq -- number/bigint compare by value
    case '!=':
      return a != b; // eslint-disable-line eqeqeq
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/** Floats order with NaN greater than everything (and equal to itself), as the reference. */
function floatCmp(op: CompareOp, a: number, b: number): boolean {
  let c: number;
  if (a < b) c = -1;
  else if (a > b) c = 1;
  else if (a === b) c = 0;
  else if (Number.isNaN(a)) c = Number.isNaN(b) ? 0 : 1;
  else c = -1;
  return threeway(op, c);
}

function intFloatCmp(op: CompareOp, i: number | bigint, f: number, floatOnLeft: boolean): boolean {
  let c: number; // sign of (int - float)
  if (Number.isNaN(f)) c = -1;
  else if (f === Infinity) c = -1;
  else if (f === -Infinity) c = 1;
  else if (typeof i === 'number') c = i < f ? -1 : i > f ? 1 : 0;
  else {
    const fi = BigInt(Math.trunc(f));
    if (i < fi) c = -1;
    else if (i > fi) c = 1;
    else c = f > Math.trunc(f) ? -1 : f < Math.trunc(f) ? 1 : 0;
  }
  return threeway(op, floatOnLeft ? -c : c);
}

export function threeway(op: CompareOp, c: number): boolean {
  switch (op) {
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

function compareSequences(op: CompareOp, x: readonly Value[], y: readonly Value[], depth: number): boolean {
  if ((op === '==' || op === '!=') && x.length !== y.length) return op === '!=';
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (!compareDepth('==', x[i], y[i], depth - 1)) {
      if (op === '==') return false;
      if (op === '!=') return true;
      return compareDepth(op, x[i], y[i], depth - 1);
    }
  }
  return threeway(op, x.length - y.length);
}

// ---- indexing, iteration, length -------------------------------------------------------

/** Converts an index value to a position in [0, n), with the reference's errors. */
export function checkIndex(k: Value, n: number, type: string): number {
  if (typeof k !== 'number') {
    if (typeof k === 'bigint') fail(`${type} index: ${k} out of range`);
    fail(`${type} index: got ${typeName(k)}, want int`);
  }
  let i = k;
  if (i < 0) i += n;
  if (i < 0 || i >= n) {
    if (n === 0) fail(`index ${k} out of range: empty ${type}`);
    fail(`${type} index ${k} out of range [${-n}:${n - 1}]`);
  }
  return i;
}

const baseIterate = StarlarkObject.prototype.iterate;

/** Whether a value can be iterated (without starting an iteration). */
export function isIterable(v: Value): boolean {
  if (Array.isArray(v)) return true;
  return v instanceof StarlarkObject && v.iterate !== baseIterate;
}

/** An iterator over a value, or an error naming its type. */
export function iterate(v: Value): ValueIterator {
  if (v instanceof StarlarkObject) {
    const it = v.iterate();
    if (it !== undefined) return it;
  } else if (Array.isArray(v)) {
    return new ArrayIterator(v);
  }
  return fail(`${typeName(v)} value is not iterable`);
}

/** All elements of an iterable, as a fresh array. */
export function toArray(v: Value): Value[] {
  if (v instanceof List) return v.elems.slice();
  if (Array.isArray(v)) return v.slice();
  const it = iterate(v);
  const out: Value[] = [];
  try {
    for (let x = it.next(); x !== undefined; x = it.next()) out.push(x);
  } finally {
    it.done();
  }
  return out;
}

/** `len(x)`, or -1 when the value has no length. */
export function length(v: Value): number {
  if (typeof v === 'string') return v.length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof StarlarkObject) return v.len();
  return -1;
}

// ---- attributes ----------------------------------------------------------------------------

/** Methods of built-in types, registered by the library module: type name → method name → builtin. */
export const builtinMethods = new Map<string, Map<string, Builtin>>();

export function getAttr(x: Value, name: string): Value {
  const methods = builtinMethods.get(typeName(x));
  if (methods !== undefined) {
    const m = methods.get(name);
    if (m !== undefined) return m.bindTo(x);
  }
  if (x instanceof StarlarkObject) {
    const v = x.attr(name);
    if (v !== undefined) return v;
  }
  return fail(noAttrMessage(x, name));
}

export function hasAttr(x: Value, name: string): boolean {
  const methods = builtinMethods.get(typeName(x));
  if (methods?.has(name)) return true;
  return x instanceof StarlarkObject && x.attr(name) !== undefined;
}

export function attrNames(x: Value): string[] {
  const names = new Set<string>();
  const methods = builtinMethods.get(typeName(x));
  if (methods !== undefined) for (const n of methods.keys()) names.add(n);
  if (x instanceof StarlarkObject) for (const n of x.attrNames()) names.add(n);
  return [...names].sort();
}

function noAttrMessage(x: Value, name: string): string {
  const custom = (x as { noSuchAttrMessage?: (n: string) => string }).noSuchAttrMessage;
  if (x instanceof StarlarkObject && typeof custom === 'function') return custom.call(x, name);
  let msg = `${typeName(x)} has no .${name} field or method`;
  const suggestion = nearest(name, attrNames(x));
  if (suggestion !== undefined) msg += ` (did you mean .${suggestion}?)`;
  return msg;
}

/** The spelling suggestion for `name` among `candidates` (see spell.ts), if any. */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  return spellNearest(name, candidates) || undefined;
}

// ---- calling ---------------------------------------------------------------------------

/** Calls a Starlark value (a function or built-in) from host code or a built-in. */
export function call(thread: Thread, f: Value, args: Value[], kwargs: KwArgs | null = null): Value {
  if (!(f instanceof Callable)) fail(`invalid call of non-function (${typeName(f)})`);
  return f.callInternal(thread, args, kwargs);
}
