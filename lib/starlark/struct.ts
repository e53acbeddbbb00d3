// Structs and modules: the two record types host code hands to Starlark programs.
//
// `struct(**kwargs)` builds an immutable record (go.starlark.net/starlarkstruct): fields
// sorted by name, printed `struct(a = 1, b = "x")`, equal when constructor and fields are,
// hashable when its fields are, combinable with `+`. A struct carries a constructor value
// ("struct" by default) so that hosts can brand their own record types. Structs also answer
// `to_json()` (as Bazel's and Kurtosis's do), without listing it among their fields.
//
// A Module is a named, read-only namespace (`json`, `time`, the `assert` of the test suite):
// type "module", printed `<module "json">`, not hashable.
import {
  Builtin,
  EvalError,
  StarlarkObject,
  equals,
  equalsDepth,
  fail,
  freeze,
  hashKeyString,
  repr,
  reprInto,
  type CompareOp,
  type HashKey,
  type KwArgs,
  type Value,
} from './values.js';
import { quote } from './quote.js';
import { asString, unpackPositional } from './unpack.js';

/**
 * Host types whose missing attributes deserve a specific message (the reference's
 * NoSuchAttrError), e.g. "struct has no .x attribute".
 */
export interface HasNoSuchAttrMessage {
  noSuchAttrMessage(name: string): string;
}

/** The specific "no such attribute" message of a value, if its type defines one. */
export function noSuchAttrMessage(x: Value, name: string): string | undefined {
  if (x instanceof StarlarkObject && typeof (x as Partial<HasNoSuchAttrMessage>).noSuchAttrMessage === 'function') {
    return (x as unknown as HasNoSuchAttrMessage).noSuchAttrMessage(name);
  }
  return undefined;
}

// ---- module ------------------------------------------------------------------------------------

export class Module extends StarlarkObject {
  readonly members: ReadonlyMap<string, Value>;
  private sortedNames: string[] | null = null;

  constructor(
    readonly name: string,
    members: ReadonlyMap<string, Value> | { readonly [name: string]: Value },
  ) {
    super();
    this.members = members instanceof Map ? members : new Map(Object.entries(members));
  }
  get typeName(): string {
    return 'module';
  }
  override repr(out: string[]): void {
    out.push(`<module ${quote(this.name)}>`);
  }
  override attr(name: string): Value | undefined {
    return this.members.get(name);
  }
  override attrNames(): string[] {
    return (this.sortedNames ??= [...this.members.keys()].sort()).slice();
  }
  override hashKey(): HashKey {
    return fail(`unhashable: ${this.typeName}`);
  }
  override freeze(): void {
    for (const v of this.members.values()) freeze(v);
  }
}

/** `module(name, **kwargs)`: a module with the given members (used by the test suite). */
export const moduleBuiltin = new Builtin('module', (_thread, fn, args, kwargs) => {
  unpackPositional(fn.name, args, null, 1, 1);
  const name = asString(args[0], fn.name, 1);
  const members = new Map<string, Value>();
  if (kwargs !== null) for (let i = 0; i < kwargs.length; i += 2) members.set(kwargs[i] as string, kwargs[i + 1]);
  return new Module(name, members);
});

// ---- struct ------------------------------------------------------------------------------------

/** The constructor of plain structs: the string "struct". */
export const DEFAULT_CONSTRUCTOR = 'struct';

let jsonEncoder: ((v: Value) => string) | null = null;

/** Installed by json.ts, which `to_json` uses (kept out of this file's imports: json.ts imports it). */
export function setStructJsonEncoder(encode: (v: Value) => string): void {
  jsonEncoder = encode;
}

const toJson = new Builtin('to_json', (_thread, fn, args, kwargs) => {
  unpackPositional('to_json', args, kwargs, 0, 0);
  if (jsonEncoder === null) fail('to_json: the json module is not loaded');
  try {
    return jsonEncoder(fn.receiver as Value);
  } catch (e) {
    if (e instanceof EvalError) throw new EvalError(`to_json: ${e.msg}`);
    throw e;
  }
});

export class Struct extends StarlarkObject implements HasNoSuchAttrMessage {
  /** Field names, sorted (byte order); `values` in the same order. */
  readonly names: readonly string[];
  readonly values: readonly Value[];

  /** `names` must be sorted and distinct; prefer `fromKeywords` or `fromEntries`. */
  constructor(
    readonly ctor: Value,
    names: readonly string[],
    values: readonly Value[],
  ) {
    super();
    this.names = names;
    this.values = values;
  }

  /** A struct from keyword arguments [name, value, ...] (a later duplicate wins). */
  static fromKeywords(ctor: Value, kwargs: KwArgs | null): Struct {
    if (kwargs === null) return new Struct(ctor, [], []);
    // Structs have a handful of fields: an insertion sort over the pairs beats building a
    // Map and sorting its keys, and struct() is on the hot path of config-building code.
    const names: string[] = [];
    const values: Value[] = [];
    for (let i = 0; i < kwargs.length; i += 2) {
      const name = kwargs[i] as string;
      const value = kwargs[i + 1];
      let j = names.length;
      while (j > 0 && names[j - 1] > name) j--;
      if (j > 0 && names[j - 1] === name) {
        values[j - 1] = value;
        continue;
      }
      names.splice(j, 0, name);
      values.splice(j, 0, value);
    }
    return new Struct(ctor, names, values);
  }

  /** A struct from name/value pairs (a later duplicate wins). */
  static fromEntries(ctor: Value, entries: Iterable<readonly [string, Value]>): Struct {
    const map = new Map<string, Value>();
    for (const [k, v] of entries) map.set(k, v);
    const names = [...map.keys()].sort();
    return new Struct(
      ctor,
      names,
      names.map((n) => map.get(n) as Value),
    );
  }

  get typeName(): string {
    return 'struct';
  }
  get size(): number {
    return this.names.length;
  }
  /** The index of field `name`, or -1. */
  indexOf(name: string): number {
    const names = this.names;
    const n = names.length;
    if (n <= 8) {
      for (let i = 0; i < n; i++) if (names[i] === name) return i;
      return -1;
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const h = (lo + hi) >>> 1;
      if (names[h] < name) lo = h + 1;
      else hi = h;
    }
    return lo < n && names[lo] === name ? lo : -1;
  }
  /** The value of a field, or undefined. */
  field(name: string): Value | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.values[i];
  }
  override attr(name: string): Value | undefined {
    const i = this.indexOf(name);
    if (i >= 0) return this.values[i];
    if (name === 'to_json') return toJson.bindTo(this);
    return undefined;
  }
  override attrNames(): string[] {
    return this.names.slice();
  }
  noSuchAttrMessage(name: string): string {
    const ctor = this.ctor === DEFAULT_CONSTRUCTOR ? '' : `${repr(this.ctor)} `;
    return `${ctor}struct has no .${name} attribute`;
  }
  override repr(out: string[], seen: StarlarkObject[]): void {
    out.push(this.ctor === DEFAULT_CONSTRUCTOR ? 'struct' : repr(this.ctor), '(');
    for (let i = 0; i < this.names.length; i++) {
      if (i > 0) out.push(', ');
      out.push(this.names[i], ' = ');
      reprInto(this.values[i], out, seen);
    }
    out.push(')');
  }
  override freeze(): void {
    for (const v of this.values) freeze(v);
  }
  override hashKey(): HashKey {
    let k = `\u0100S${hashKeyString(this.ctor)}`;
    for (let i = 0; i < this.names.length; i++) k += `\u0101${this.names[i].length}:${this.names[i]}=${hashKeyString(this.values[i])}`;
    return k;
  }
  override compareSameType(op: CompareOp, y: StarlarkObject, depth: number): boolean {
    if (op !== '==' && op !== '!=') fail(`${this.typeName} ${op} ${y.typeName} not implemented`);
    const eq = this.equalTo(y as Struct, depth);
    return op === '==' ? eq : !eq;
  }
  private equalTo(y: Struct, depth: number): boolean {
    const n = this.names.length;
    if (n !== y.names.length || !equals(this.ctor, y.ctor)) return false;
    for (let i = 0; i < n; i++) {
      if (this.names[i] !== y.names[i]) return false;
      if (!equalsDepth(this.values[i], y.values[i], depth - 1)) return false;
    }
    return true;
  }
  override binary(op: string, y: Value, side: 'left' | 'right'): Value | undefined {
    if (op !== '+' || !(y instanceof Struct)) return undefined;
    const [a, b] = side === 'left' ? [this as Struct, y] : [y, this as Struct];
    if (!equals(a.ctor, b.ctor)) {
      fail(`cannot add structs of different constructors: ${repr(a.ctor)} + ${repr(b.ctor)}`);
    }
    const entries: [string, Value][] = [];
    for (let i = 0; i < a.names.length; i++) entries.push([a.names[i], a.values[i]]);
    for (let i = 0; i < b.names.length; i++) entries.push([b.names[i], b.values[i]]);
    return Struct.fromEntries(a.ctor, entries);
  }
}

/** `struct(**kwargs)`. */
export const structBuiltin = new Builtin('struct', (_thread, _fn, args, kwargs) => {
  if (args.length > 0) fail('struct: unexpected positional arguments');
  return Struct.fromKeywords(DEFAULT_CONSTRUCTOR, kwargs);
});
