// The Kurtosis value class and what every type definition is built from: KurtosisValue
// (a read-only record of the supplied arguments), its TypeDef, the construction-time
// argument validators and the use-time conversion helpers (see index.ts for the whole).
import {
  ArgError,
  Dict,
  EvalError,
  List,
  StarlarkObject,
  equals,
  fail,
  fromUtf8,
  hashKey,
  isInt,
  quote,
  repr,
  toUnicode,
  typeName,
  type ArgType,
  type CompareOp,
  type HashKey,
  type Value,
} from '../../starlark/index.js';
import { isGoDuration } from '../canonical.js';
import { setOwnKey, type JsonObject } from '../../util/json.js';
import { PRIVILEGED_BIND_MOUNT_PATHS } from '../../instructions/index.js';

export type KurtosisTypeName =
  | 'ServiceConfig'
  | 'ImageSpec'
  | 'ImageBuildSpec'
  | 'NixBuildSpec'
  | 'PortSpec'
  | 'Directory'
  | 'ExecRecipe'
  | 'GetHttpRequestRecipe'
  | 'PostHttpRequestRecipe'
  | 'ReadyCondition'
  | 'StoreSpec'
  | 'User'
  | 'Toleration'
  | 'GpuConfig'
  | 'Service';

// ---- the value class ----------------------------------------------------------------------------

export interface FieldDef {
  readonly name: string;
  readonly type: ArgType<Value>;
  readonly required?: boolean;
  readonly keywordOnly?: boolean;
}

export interface TypeSpec {
  readonly name: KurtosisTypeName;
  readonly fields: readonly FieldDef[];
  /** Cross-parameter checks Kurtosis makes at construction. */
  readonly check?: (v: KurtosisValue) => void;
  readonly canonical: (v: KurtosisValue) => JsonObject;
}

export interface TypeDef extends TypeSpec {
  /** Field name → slot index. */
  readonly index: ReadonlyMap<string, number>;
}

export function typeDef(spec: TypeSpec): TypeDef {
  return { ...spec, index: new Map(spec.fields.map((f, i) => [f.name, i])) };
}

/** A value of one of the Kurtosis types (its Starlark type name is `kind`). */
export class KurtosisValue extends StarlarkObject {
  private cached: JsonObject | undefined;

  /** Use the constructors (or `makeService`); `slots` follow `def.fields`. */
  constructor(
    private readonly def: TypeDef,
    private readonly slots: readonly (Value | undefined)[],
  ) {
    super();
  }

  get kind(): KurtosisTypeName {
    return this.def.name;
  }
  get typeName(): string {
    return this.def.name;
  }

  private indexOf(name: string): number {
    return this.def.index.get(name) ?? -1;
  }

  /** Whether the argument `name` was supplied. */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
  /** The supplied argument `name` (a Starlark value), or undefined. */
  get(name: string): Value | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.slot(i);
  }
  /** The value in slot `i` (a subclass may make it on first use). */
  protected slot(i: number): Value | undefined {
    return this.slots[i];
  }
  /** A supplied string argument as Unicode text. */
  text(name: string): string | undefined {
    const v = this.get(name);
    return typeof v === 'string' ? toUnicode(v) : undefined;
  }
  /** A supplied int argument. */
  int(name: string): number | undefined {
    const v = this.get(name);
    return typeof v === 'number' ? v : undefined;
  }
  bool(name: string): boolean | undefined {
    const v = this.get(name);
    return typeof v === 'boolean' ? v : undefined;
  }
  /** Names of the supplied arguments, in parameter order. */
  suppliedNames(): string[] {
    const out: string[] = [];
    this.def.fields.forEach((f, i) => {
      if (this.slot(i) !== undefined) out.push(f.name);
    });
    return out;
  }

  /**
   * The canonical JSON form (defaults filled, aliases normalised). Throws EvalError when
   * the value cannot be converted (Kurtosis's conversion errors).
   */
  canonical(): JsonObject {
    return (this.cached ??= this.def.canonical(this));
  }

  override attr(name: string): Value | undefined {
    return this.get(name);
  }
  override attrNames(): string[] {
    return this.suppliedNames().sort();
  }
  noSuchAttrMessage(name: string): string {
    return this.indexOf(name) >= 0 ? `${this.kind} has no .${name} attribute (the argument was not given)` : `${this.kind} has no .${name} attribute`;
  }
  override repr(out: string[]): void {
    out.push(this.def.name, '(');
    let first = true;
    this.def.fields.forEach((f, i) => {
      const v = this.slot(i);
      if (v === undefined) return;
      if (!first) out.push(', ');
      first = false;
      out.push(f.name, '=', repr(v));
    });
    out.push(')');
  }
  override hashKey(): HashKey {
    let key = `\u0100K${this.def.name}`;
    this.def.fields.forEach((f, i) => {
      const v = this.slot(i);
      if (v === undefined) return;
      const k = hashKey(v);
      if (k !== null && typeof k === 'object') fail(`unhashable type: ${this.def.name}`);
      key += `\u0101${f.name}=${typeof k}:${String(k)}`;
    });
    return key;
  }
  override compareSameType(op: CompareOp, y: StarlarkObject): boolean {
    if (op !== '==' && op !== '!=') fail(`${this.typeName} ${op} ${y.typeName} not implemented`);
    const other = y as KurtosisValue;
    let eq = other.def === this.def;
    for (let i = 0; eq && i < this.slots.length; i++) {
      const a = this.slot(i);
      const b = other.slot(i);
      eq = a === undefined || b === undefined ? a === b : equals(a, b);
    }
    return op === '==' ? eq : !eq;
  }
}

/** Whether `v` is a Kurtosis value of one of the given types. */
export function isKurtosis(v: Value, ...kinds: KurtosisTypeName[]): v is KurtosisValue {
  return v instanceof KurtosisValue && (kinds.length === 0 || kinds.includes(v.kind));
}

// ---- argument types (construction-time validators) -------------------------------------------

const isStr = (v: Value): boolean => typeof v === 'string';
/** A Unicode text quoted for an error message (messages are Starlark byte strings). */
export const q = (text: string): string => quote(fromUtf8(text));
export const identity = (v: Value): Value => v;

export const anyValue: ArgType<Value> = { want: 'value', accepts: () => true, convert: identity };
export const str: ArgType<Value> = { want: 'string', accepts: isStr, convert: identity };
export const bool: ArgType<Value> = { want: 'bool', accepts: (v) => typeof v === 'boolean', convert: identity };
export const list: ArgType<Value> = { want: 'list', accepts: (v) => v instanceof List, convert: identity };
export const dict: ArgType<Value> = { want: 'dict', accepts: (v) => v instanceof Dict, convert: identity };

export const nonEmpty: ArgType<Value> = {
  want: 'string',
  accepts: isStr,
  convert: (v) => {
    if ((v as string).length === 0) throw new ArgError('must be a non-empty string');
    return v;
  },
};

export function intAtLeast(min: number, unit = ''): ArgType<Value> {
  return {
    want: 'int',
    accepts: isInt,
    convert: (v) => {
      if (typeof v !== 'number') throw new ArgError(`${String(v)} is out of range`);
      if (v < min) throw new ArgError(`must be at least ${min}${unit}, got ${v}`);
      return v;
    },
  };
}

export const anyInt: ArgType<Value> = {
  want: 'int',
  accepts: isInt,
  convert: (v) => {
    if (typeof v !== 'number') throw new ArgError(`${String(v)} is out of range`);
    return v;
  },
};

export const duration: ArgType<Value> = {
  want: 'string',
  accepts: isStr,
  convert: (v) => {
    const text = toUnicode(v as string);
    if (!isGoDuration(text)) {
      throw new ArgError(`${repr(v)} is not a valid duration (examples: "500ms", "15s", "2m", "1h30m")`);
    }
    return v;
  },
};

export const durationOrNone: ArgType<Value> = {
  want: 'string or NoneType',
  accepts: (v) => v === null || isStr(v),
  convert: (v) => {
    if (v === null) return v;
    if ((v as string).length === 0) throw new ArgError('must be a duration or None (the empty string is not allowed)');
    return duration.convert(v);
  },
};

export function choice(values: readonly string[], allowEmpty = false): ArgType<Value> {
  return {
    want: 'string',
    accepts: isStr,
    convert: (v) => {
      const s = v as string;
      if ((allowEmpty && s === '') || values.includes(s)) return v;
      throw new ArgError(`got ${repr(v)}, want one of ${values.map((x) => q(x)).join(', ')}`);
    },
  };
}

export function kinds(...names: KurtosisTypeName[]): ArgType<Value> {
  return { want: names.join(' or '), accepts: (v) => isKurtosis(v, ...names), convert: identity };
}

export function oneOf(...types: ArgType<Value>[]): ArgType<Value> {
  const want = types.map((x) => x.want).join(' or ');
  return {
    want,
    accepts: (v) => types.some((x) => x.accepts(v)),
    convert: (v) => types.find((x) => x.accepts(v))!.convert(v),
  };
}

const LABEL_KEY = /^[a-z]([a-z0-9._-]{0,61}[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

export function stringDict(check?: (k: string, v: string) => string | undefined): ArgType<Value> {
  return {
    want: 'dict',
    accepts: (v) => v instanceof Dict,
    convert: (v) => {
      for (const [k, x] of (v as Dict).items()) {
        if (typeof k !== 'string') throw new ArgError(`key ${repr(k)} is ${typeName(k)}, want string`);
        if (typeof x !== 'string') throw new ArgError(`value for key ${repr(k)} is ${typeName(x)}, want string`);
        const why = check?.(toUnicode(k), toUnicode(x));
        if (why !== undefined) throw new ArgError(why);
      }
      return v;
    },
  };
}

export const labels = stringDict((k, v) => {
  if (!LABEL_KEY.test(k)) {
    return `invalid label key ${q(k)}: keys are at most 63 characters, lowercase letters, digits, '-', '_' and '.', starting with a letter and ending with a letter or digit`;
  }
  if (!LABEL_VALUE.test(v)) {
    return `invalid label value ${q(v)} for key ${q(k)}: values are at most 63 characters, letters, digits, '-', '_' and '.', starting and ending with a letter or digit (or empty)`;
  }
  return undefined;
});

const APP_PROTOCOL = /^[a-zA-Z0-9+.-]*$/;

export const applicationProtocol: ArgType<Value> = {
  want: 'string',
  accepts: isStr,
  convert: (v) => {
    if (!APP_PROTOCOL.test(toUnicode(v as string))) {
      throw new ArgError(`${repr(v)} is not a valid application protocol (letters, digits, '+', '.' and '-' only)`);
    }
    return v;
  },
};

/**
 * PortSpec.url as Kurtosis checks it (builtin_argument.ValidateURL): a non-empty string
 * that Go's url.ParseQuery accepts — `&`-separated `key=value` pairs with no `;` and
 * only well-formed `%XX` escapes. So `localhost:8080` and `http://x:1/p` pass, as there.
 */
export const url: ArgType<Value> = {
  want: 'string',
  accepts: isStr,
  convert: (v) => {
    const text = toUnicode(v as string);
    if (text === '') throw new ArgError('must be a non-empty string');
    const why = goQueryError(text);
    if (why !== undefined) throw new ArgError(`${repr(v)} isn't a valid URI: ${why}`);
    return v;
  },
};

/** Why Go's url.ParseQuery rejects `query`, or undefined when it accepts it. */
function goQueryError(query: string): string | undefined {
  for (const part of query.split('&')) {
    if (part.includes(';')) return 'invalid semicolon separator in query';
    const bad = /%(?![0-9A-Fa-f]{2})/.exec(part);
    if (bad !== null) return `invalid URL escape ${JSON.stringify(part.slice(bad.index, bad.index + 3))}`;
  }
  return undefined;
}

export const portNumber: ArgType<Value> = {
  want: 'int',
  accepts: isInt,
  convert: (v) => {
    if (typeof v !== 'number' || v < 1 || v > 65535) throw new ArgError(`port number must be between 1 and 65535, got ${String(v)}`);
    return v;
  },
};

// ---- conversion helpers (use-time checks) -----------------------------------------------------

export function convError(context: string, detail: string): never {
  throw new EvalError(`${context}: ${detail}`);
}

export function elems(v: Value | undefined): readonly Value[] {
  if (v === undefined) return [];
  if (v instanceof List) return v.elems;
  if (Array.isArray(v)) return v;
  return [];
}

export function stringList(v: Value | undefined, context: string): string[] {
  return elems(v).map((x, i) => {
    if (typeof x !== 'string') convError(context, `item number ${i} in the list is ${typeName(x)}, want string`);
    return toUnicode(x);
  });
}

export function intList(v: Value | undefined, context: string): number[] {
  return elems(v).map((x, i) => {
    if (typeof x !== 'number') convError(context, `item number ${i} in the list is ${typeName(x)}, want int`);
    return x;
  });
}

/** A dict of strings as a JSON object, keys in canonical order. */
export function stringMap(v: Value | undefined, context: string): { [k: string]: string } {
  if (!(v instanceof Dict)) return {};
  const entries: [string, string][] = [];
  for (const [k, x] of v.items()) {
    if (typeof k !== 'string') convError(context, `key ${repr(k)} is ${typeName(k)}, want string`);
    if (typeof x !== 'string') convError(context, `value for key ${repr(k)} is ${typeName(x)}, want string`);
    entries.push([toUnicode(k), toUnicode(x)]);
  }
  return sortedObject(entries);
}

export function dictEntries(v: Value | undefined, context: string): [string, Value][] {
  if (!(v instanceof Dict)) return [];
  return v.items().map(([k, x]) => {
    if (typeof k !== 'string') convError(context, `key ${repr(k)} is ${typeName(k)}, want string`);
    return [toUnicode(k), x];
  });
}

/** The canonical form of a nested Kurtosis value, which must be one of `kinds`. */
export function nested<T>(v: Value, context: string, ...kindsWanted: KurtosisTypeName[]): T {
  if (!isKurtosis(v, ...kindsWanted)) convError(context, `got ${typeName(v)}, want ${kindsWanted.join(' or ')}`);
  return v.canonical() as unknown as T;
}

// ---- type definitions ---------------------------------------------------------------------------

export function f(name: string, type: ArgType<Value>, opts: { required?: boolean; keywordOnly?: boolean } = {}): FieldDef {
  return { name, type, ...opts };
}

/**
 * The `description` every Kurtosis builtin takes as its last parameter, type constructors
 * included (FW/builtin_argument: CreateNewArgumentValuesSet appends it): a non-empty
 * string, readable as an attribute, not part of the value's canonical form.
 */
export const DESCRIPTION: FieldDef = f('description', nonEmpty);

/** bind_mounts: a string → string dict whose host paths are all allowed (Kurtosis's ValidateBindMounts). */
export const bindMounts = stringDict((hostPath) =>
  PRIVILEGED_BIND_MOUNT_PATHS.includes(hostPath)
    ? undefined
    : `host path ${q(hostPath)} is not permitted; only the following host paths are allowed: ${PRIVILEGED_BIND_MOUNT_PATHS.join(', ')}`,
);

/** An object of these entries with its keys in canonical order (the last of equal keys wins). */
export function sortedObject<T>(entries: [string, T][]): { [k: string]: T } {
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: { [k: string]: T } = {};
  for (const [k, x] of entries) setOwnKey(out, k, x);
  return out;
}
