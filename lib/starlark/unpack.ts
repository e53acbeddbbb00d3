// Argument unpacking for built-in functions: the embedding API through which host code
// (the universal built-ins, the json/time/struct modules, Kurtosis's `plan`) reads the
// arguments of a call.
//
// Three layers, from raw to typed:
//   1. `unpackArgs` / `unpackPositional` match positional and keyword arguments to named
//      parameters and report arity errors with the reference implementation's messages
//      ("f: missing argument for x", "f: got 3 arguments, want at most 2", ...).
//   2. Converters (`asInt`, `asString`, `asCallable`, ...) check one value's type and report
//      "f: for parameter x: got string, want int" as the reference does.
//   3. `defineBuiltin` compiles a declarative parameter spec — positional or keyword-only,
//      required, optional or defaulted, typed with the `t` combinators (unions, lists of
//      strings, dicts, host classes) — into a Builtin whose implementation receives a
//      fully typed argument object. The spec is compiled once, so a call does one pass
//      over the arguments and allocates only the result object.
import {
  Builtin,
  Callable,
  Dict,
  Float,
  fail,
  List,
  type StarlarkObject,
  fromUtf8,
  isInt,
  isIterable,
  repr,
  toUnicode,
  typeName,
  type KwArgs,
  type Thread,
  type Tuple,
  type Value,
} from './values.js';
import { quote } from './quote.js';

// ---- layer 1: matching arguments to parameters ----------------------------------------------

function paramName(p: string): string {
  return p.charCodeAt(p.length - 1) === 63 /* ? */ ? p.slice(0, -1) : p;
}

/**
 * Matches the arguments of a call to `params` ("x" required, "x?" optional; a parameter
 * after an optional one is optional too), positional arguments first, then keywords.
 * Returns one slot per parameter, `undefined` where no argument was given.
 */
export function unpackArgs(fnName: string, args: Value[], kwargs: KwArgs | null, params: readonly string[]): (Value | undefined)[] {
  const nparams = params.length;
  const nargs = args.length;
  if (nargs > nparams) fail(`${fnName}: got ${nargs} arguments, want at most ${nparams}`);
  const out: (Value | undefined)[] = new Array(nparams);
  for (let i = 0; i < nargs; i++) out[i] = args[i];
  for (let i = nargs; i < nparams; i++) out[i] = undefined;
  if (kwargs !== null) {
    for (let k = 0; k < kwargs.length; k += 2) {
      const name = kwargs[k] as string;
      let i = 0;
      for (; i < nparams; i++) {
        const p = params[i];
        if (p === name || (p.length === name.length + 1 && p.charCodeAt(name.length) === 63 && p.startsWith(name))) break;
      }
      if (i === nparams) fail(`${fnName}: unexpected keyword argument ${quote(name)}`);
      if (out[i] !== undefined) fail(`${fnName}: got multiple values for keyword argument ${quote(name)}`);
      out[i] = kwargs[k + 1];
    }
  }
  for (let i = nargs; i < nparams; i++) {
    const p = params[i];
    if (p.charCodeAt(p.length - 1) === 63) break;
    if (out[i] === undefined) fail(`${fnName}: missing argument for ${p}`);
  }
  return out;
}

/**
 * How a conversion error names parameter `i` of `params` (after `unpackArgs` with `nargs`
 * positional arguments): plainly when the argument was positional, quoted when it came
 * by keyword — the reference's messages differ in exactly this way.
 */
export function paramLabel(params: readonly string[], i: number, nargs: number): string {
  const name = paramName(params[i]);
  return i < nargs ? name : quote(name);
}

/**
 * Checks a call that takes only positional arguments, between `min` and `max` of them.
 * Returns `args` itself (not a copy).
 */
export function unpackPositional(fnName: string, args: Value[], kwargs: KwArgs | null, min: number, max: number): Value[] {
  if (kwargs !== null && kwargs.length > 0) fail(`${fnName}: unexpected keyword arguments`);
  const n = args.length;
  if (n < min) fail(`${fnName}: got ${n} arguments, want ${min < max ? 'at least ' : ''}${min}`);
  if (n > max) fail(`${fnName}: got ${n} arguments, want ${max > min ? 'at most ' : ''}${max}`);
  return args;
}

/** Rejects keyword arguments with the reference's message for built-ins that take none. */
export function noKwargs(fnName: string, kwargs: KwArgs | null): void {
  if (kwargs !== null && kwargs.length > 0) fail(`${fnName} does not accept keyword arguments`);
}

// ---- layer 2: converters ----------------------------------------------------------------------

/** `fn: for parameter p: ` (or `fn: `, or nothing) before a conversion error. */
function where(fn: string | undefined, param: string | number | undefined): string {
  if (fn === undefined) return '';
  return param === undefined ? `${fn}: ` : `${fn}: for parameter ${param}: `;
}

function wrongType(v: Value, want: string, fn?: string, param?: string | number): never {
  fail(`${where(fn, param)}got ${typeName(v)}, want ${want}`);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A Starlark int as a JS number. Ints beyond ±(2^53-1) cannot be represented exactly and are
 * reported out of range (with the reference's wording for those beyond 64 bits).
 */
export function asInt(v: Value, fn?: string, param?: string | number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') {
    const bits = v < INT64_MIN || v > INT64_MAX ? 64 : 54;
    fail(`${where(fn, param)}${v} out of range (want value in signed ${bits}-bit range)`);
  }
  return wrongType(v, 'int', fn, param);
}

/** A Starlark int within the signed 32-bit range (the reference's AsInt32). */
export function asInt32(v: Value, fn?: string, param?: string | number): number {
  if (typeof v === 'number') {
    if (v >= -2147483648 && v <= 2147483647) return v;
    fail(`${where(fn, param)}${v} out of range`);
  }
  if (typeof v === 'bigint') fail(`${where(fn, param)}${v} out of range`);
  return wrongType(v, 'int', fn, param);
}

/** A Starlark int of any size (number or bigint). */
export function asIntValue(v: Value, fn?: string, param?: string | number): number | bigint {
  if (isInt(v)) return v;
  return wrongType(v, 'int', fn, param);
}

/** A Starlark int as a 64-bit signed bigint (the reference's int64 parameters). */
export function asInt64(v: Value, fn?: string, param?: string | number): bigint {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'bigint') {
    if (v < INT64_MIN || v > INT64_MAX) fail(`${where(fn, param)}${v} out of range (want value in signed 64-bit range)`);
    return v;
  }
  return wrongType(v, 'int', fn, param);
}

/** A Starlark string (a byte string, see values.ts). */
export function asString(v: Value, fn?: string, param?: string | number): string {
  if (typeof v === 'string') return v;
  return wrongType(v, 'string', fn, param);
}

export function asBool(v: Value, fn?: string, param?: string | number): boolean {
  if (typeof v === 'boolean') return v;
  return wrongType(v, 'bool', fn, param);
}

/** A Starlark float, strictly (the reference's float64 parameters reject ints). */
export function asFloat(v: Value, fn?: string, param?: string | number): number {
  if (v instanceof Float) return v.v;
  return wrongType(v, 'float', fn, param);
}

/** An int or a float as a JS number. */
export function asNumber(v: Value, fn?: string, param?: string | number): number {
  if (typeof v === 'number') return v;
  if (v instanceof Float) return v.v;
  if (typeof v === 'bigint') return Number(v);
  return wrongType(v, 'float or int', fn, param);
}

export function asList(v: Value, fn?: string, param?: string | number): List {
  if (v instanceof List) return v;
  return wrongType(v, 'list', fn, param);
}

export function asDict(v: Value, fn?: string, param?: string | number): Dict {
  if (v instanceof Dict) return v;
  return wrongType(v, 'dict', fn, param);
}

export function asTuple(v: Value, fn?: string, param?: string | number): Tuple {
  if (Array.isArray(v)) return v;
  return wrongType(v, 'tuple', fn, param);
}

export function asCallable(v: Value, fn?: string, param?: string | number): Callable {
  if (v instanceof Callable) return v;
  return wrongType(v, 'callable', fn, param);
}

/** Checks that a value is iterable (strings are not) and returns it. */
export function asIterable(v: Value, fn?: string, param?: string | number): Value {
  if (isIterable(v)) return v;
  return wrongType(v, 'iterable', fn, param);
}

export { isIterable };

/** An instance of a host class, with `want` naming its Starlark type in errors. */
export function asInstance<C extends StarlarkObject>(
  v: Value,
  cls: abstract new (...args: never[]) => C,
  want: string,
  fn?: string,
  param?: string | number,
): C {
  if (v instanceof cls) return v;
  return wrongType(v, want, fn, param);
}

// ---- layer 3: typed parameter specs -----------------------------------------------------------

/**
 * A type that an argument must have, and how to convert it to the host's representation.
 * `accepts` is a shallow test (it picks the alternative of a union); `convert` may look
 * deeper and throw `ArgError` with a message saying what is wrong inside the value.
 */
export interface ArgType<T> {
  /** What error messages say is wanted: "int", "string or list of string", ... */
  readonly want: string;
  accepts(v: Value): boolean;
  convert(v: Value): T;
}

/** Thrown by `ArgType.convert`; the unpacker prefixes "fn: for parameter x: ". */
export class ArgError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'ArgError';
  }
}

/** The standard mismatch detail: "got int, want string". */
export function mismatch(v: Value, want: string): ArgError {
  return new ArgError(`got ${typeName(v)}, want ${want}`);
}

/** Converts one value with a type, reporting errors as an EvalError for `fn`'s parameter. */
export function convertArg<T>(type: ArgType<T>, v: Value, fn: string, param: string | number): T {
  if (!type.accepts(v)) fail(`${fn}: for parameter ${param}: got ${typeName(v)}, want ${type.want}`);
  try {
    return type.convert(v);
  } catch (e) {
    if (e instanceof ArgError) fail(`${fn}: for parameter ${param}: ${e.detail}`);
    throw e;
  }
}

function simple<T>(want: string, accepts: (v: Value) => boolean, convert: (v: Value) => T): ArgType<T> {
  return { want, accepts, convert };
}

const identity = (v: Value): Value => v;

function elementOf<T>(type: ArgType<T>, v: Value, context: string): T {
  if (!type.accepts(v)) throw new ArgError(`${context}: got ${typeName(v)}, want ${type.want}`);
  try {
    return type.convert(v);
  } catch (e) {
    if (e instanceof ArgError) throw new ArgError(`${context}: ${e.detail}`);
    throw e;
  }
}

type TypeOf<A> = A extends ArgType<infer T> ? T : never;

/** The argument types of `defineBuiltin` specs (and of `convertArg`). */
export const t = {
  /** Any value, unconverted. */
  any: simple<Value>('value', () => true, identity),
  /** A byte string as is. */
  string: simple<string>(
    'string',
    (v) => typeof v === 'string',
    (v) => v as string,
  ),
  /** A string as Unicode text (invalid UTF-8 becomes U+FFFD). */
  text: simple<string>(
    'string',
    (v) => typeof v === 'string',
    (v) => toUnicode(v as string),
  ),
  bool: simple<boolean>(
    'bool',
    (v) => typeof v === 'boolean',
    (v) => v as boolean,
  ),
  /** An int that fits a JS number exactly. */
  int: simple<number>('int', isInt, (v) => {
    if (typeof v === 'number') return v;
    throw new ArgError(`${v as bigint} out of range (want value in signed 54-bit range)`);
  }),
  /** An int of any size. */
  bigint: simple<number | bigint>('int', isInt, (v) => v as number | bigint),
  /** A float (ints rejected, as the reference's float parameters). */
  float: simple<number>(
    'float',
    (v) => v instanceof Float,
    (v) => (v as Float).v,
  ),
  /** An int or a float, as a JS number. */
  number: simple<number>(
    'float or int',
    (v) => isInt(v) || v instanceof Float,
    (v) => (v instanceof Float ? v.v : Number(v as number | bigint)),
  ),
  none: simple<null>(
    'NoneType',
    (v) => v === null,
    () => null,
  ),
  list: simple<List>(
    'list',
    (v) => v instanceof List,
    (v) => v as List,
  ),
  dict: simple<Dict>(
    'dict',
    (v) => v instanceof Dict,
    (v) => v as Dict,
  ),
  tuple: simple<Tuple>(
    'tuple',
    (v) => Array.isArray(v),
    (v) => v as Tuple,
  ),
  callable: simple<Callable>(
    'callable',
    (v) => v instanceof Callable,
    (v) => v as Callable,
  ),
  /** Any iterable value (not a string), unconverted. */
  iterable: simple<Value>('iterable', isIterable, identity),

  /** A list whose elements all have type `el`. */
  listOf<T>(el: ArgType<T>): ArgType<T[]> {
    return {
      want: `list of ${el.want}`,
      accepts: (v) => v instanceof List,
      convert: (v) => (v as List).elems.map((x, i) => elementOf(el, x, `at index ${i}`)),
    };
  },
  /** A list or a tuple whose elements all have type `el`. */
  sequenceOf<T>(el: ArgType<T>): ArgType<T[]> {
    return {
      want: `list or tuple of ${el.want}`,
      accepts: (v) => v instanceof List || Array.isArray(v),
      convert: (v) => {
        const elems = v instanceof List ? v.elems : (v as Tuple);
        return elems.map((x, i) => elementOf(el, x, `at index ${i}`));
      },
    };
  },
  /** A dict with keys of type `k` and values of type `v`, as a JS Map in insertion order. */
  dictOf<K, V>(k: ArgType<K>, val: ArgType<V>): ArgType<Map<K, V>> {
    return {
      want: `dict of ${k.want} to ${val.want}`,
      accepts: (v) => v instanceof Dict,
      convert: (v) => {
        const out = new Map<K, V>();
        for (const [key, value] of (v as Dict).items()) {
          const ck = elementOf(k, key, `dict key ${repr(key)}`);
          out.set(ck, elementOf(val, value, `dict value for key ${repr(key)}`));
        }
        return out;
      },
    };
  },
  /** Any one of several types; the first whose `accepts` matches converts the value. */
  oneOf<A extends ArgType<unknown>[]>(...types: A): ArgType<TypeOf<A[number]>> {
    return {
      want: types.map((x) => x.want).join(' or '),
      accepts: (v) => types.some((x) => x.accepts(v)),
      convert: (v) => {
        for (const x of types) if (x.accepts(v)) return x.convert(v) as TypeOf<A[number]>;
        throw mismatch(v, types.map((x) => x.want).join(' or '));
      },
    };
  },
  /** None (as null) or a value of type `type`. */
  noneOr<T>(type: ArgType<T>): ArgType<T | null> {
    return {
      want: `${type.want} or NoneType`,
      accepts: (v) => v === null || type.accepts(v),
      convert: (v) => (v === null ? null : type.convert(v)),
    };
  },
  /** An instance of a host class; `want` is its Starlark type name. */
  instance<C extends StarlarkObject>(cls: abstract new (...args: never[]) => C, want: string): ArgType<C> {
    return simple<C>(
      want,
      (v) => v instanceof cls,
      (v) => v as C,
    );
  },
  /** One of the given strings. */
  choice<S extends string>(...values: S[]): ArgType<S> {
    const allowed = new Set<string>(values);
    return {
      want: 'string',
      accepts: (v) => typeof v === 'string',
      convert: (v) => {
        if (allowed.has(v as string)) return v as S;
        throw new ArgError(`got ${repr(v)}, want one of ${values.map((x) => repr(x)).join(', ')}`);
      },
    };
  },
  /** A type defined by the host: `convert` may throw `ArgError` for bad contents. */
  custom<T>(want: string, accepts: (v: Value) => boolean, convert: (v: Value) => T): ArgType<T> {
    return { want, accepts, convert };
  },
};

export type ParamMode = 'required' | 'optional' | 'default';

export interface ParamOptions {
  /** Only by keyword (after `*` in a Starlark signature). */
  readonly keywordOnly?: boolean;
  /** Only by position (before `/`). */
  readonly positionalOnly?: boolean;
  /** An explicit None counts as absent (the default applies). */
  readonly noneIsAbsent?: boolean;
}

/** One parameter of a `defineBuiltin` spec; build with `required`, `optional`, `withDefault`. */
export class Param<T> {
  /** Phantom field carrying the converted type. */
  declare readonly __type: T;
  constructor(
    readonly type: ArgType<unknown>,
    readonly mode: ParamMode,
    readonly dflt: unknown,
    readonly options: ParamOptions,
  ) {}
}

export function required<T>(type: ArgType<T>, options: ParamOptions = {}): Param<T> {
  return new Param<T>(type, 'required', undefined, options);
}

/** A parameter that may be absent: the implementation sees `undefined`. */
export function optional<T>(type: ArgType<T>, options: ParamOptions = {}): Param<T | undefined> {
  return new Param<T | undefined>(type, 'optional', undefined, options);
}

/** A parameter with a default (shared between calls: use immutable defaults). */
export function withDefault<T>(type: ArgType<T>, dflt: T, options: ParamOptions = {}): Param<T> {
  return new Param<T>(type, 'default', dflt, options);
}

/** Parameter name → parameter (a bare type means a required positional-or-keyword one). */
export type ParamsSpec = { readonly [name: string]: ArgType<unknown> | Param<unknown> };

/** The typed argument object a `defineBuiltin` implementation receives. */
export type ArgsOf<S extends ParamsSpec> = {
  -readonly [K in keyof S]: S[K] extends Param<infer T> ? T : S[K] extends ArgType<infer T> ? T : never;
};

export interface CallContext {
  readonly thread: Thread;
  /** The builtin being called (its `receiver` is set for methods). */
  readonly fn: Builtin;
  /** Positional arguments beyond the declared ones (only with `varargs`). */
  readonly rest: readonly Value[];
  /** Keyword arguments not declared, as [name, value, ...] (only with `kwargs`). */
  readonly extra: readonly Value[];
}

export interface BuiltinOptions {
  /** Accept extra positional arguments (they go to `ctx.rest`). */
  readonly varargs?: boolean;
  /** Accept undeclared keyword arguments (they go to `ctx.extra`). */
  readonly kwargs?: boolean;
}

interface CompiledParam {
  readonly name: string;
  readonly type: ArgType<unknown>;
  readonly mode: ParamMode;
  readonly dflt: unknown;
  readonly positionalOnly: boolean;
  readonly noneIsAbsent: boolean;
}

const EMPTY: Value[] = [];

/**
 * A built-in function whose arguments are matched, checked and converted from `params`
 * before `impl` runs. Errors use the reference's wording, prefixed by `name`:
 *
 *   const addService = defineBuiltin('add_service', {
 *     name: t.string,
 *     config: t.instance(ServiceConfig, 'ServiceConfig'),
 *     ports: withDefault(t.dictOf(t.string, t.int), new Map()),
 *     description: optional(t.noneOr(t.text), { keywordOnly: true }),
 *   }, (a, ctx) => ...);   // a.name: string, a.ports: Map<string, number>, ...
 *
 * Parameters are declared in order: positional-only first, keyword-only last.
 */
export function defineBuiltin<S extends ParamsSpec>(
  name: string,
  params: S,
  impl: (args: ArgsOf<S>, ctx: CallContext) => Value,
  options: BuiltinOptions = {},
): Builtin {
  const compiled: CompiledParam[] = [];
  const index = new Map<string, number>();
  let npositional = 0;
  let sawKeywordOnly = false;
  let sawNonPositionalOnly = false;
  for (const pname of Object.keys(params)) {
    const spec = params[pname];
    const p: Param<unknown> = spec instanceof Param ? spec : new Param(spec, 'required', undefined, {});
    const kwOnly = p.options.keywordOnly === true;
    const posOnly = p.options.positionalOnly === true;
    if (kwOnly && posOnly) throw new Error(`${name}: parameter ${pname} cannot be both keyword-only and positional-only`);
    if (posOnly && sawNonPositionalOnly) throw new Error(`${name}: positional-only parameter ${pname} must come first`);
    if (!kwOnly && sawKeywordOnly) throw new Error(`${name}: parameter ${pname} follows a keyword-only parameter`);
    if (!posOnly) sawNonPositionalOnly = true;
    if (kwOnly) sawKeywordOnly = true;
    else npositional++;
    index.set(fromUtf8(pname), compiled.length);
    compiled.push({
      name: pname,
      type: p.type,
      mode: p.mode,
      dflt: p.dflt,
      positionalOnly: posOnly,
      noneIsAbsent: p.options.noneIsAbsent === true,
    });
  }
  const n = compiled.length;
  const label = (i: number, nargs: number): string => (i < Math.min(nargs, npositional) ? compiled[i].name : quote(compiled[i].name));
  const varargs = options.varargs === true;
  const acceptsKwargs = options.kwargs === true;

  return new Builtin(name, (thread, fn, args, kwargs) => {
    const fname = fn.name;
    const slots: (Value | undefined)[] = new Array(n).fill(undefined);
    const nargs = args.length;
    let rest = EMPTY;
    if (nargs > npositional) {
      if (!varargs) fail(`${fname}: got ${nargs} arguments, want at most ${npositional}`);
      rest = args.slice(npositional);
    }
    const m = Math.min(nargs, npositional);
    for (let i = 0; i < m; i++) slots[i] = args[i];
    let extra: Value[] = EMPTY;
    if (kwargs !== null) {
      for (let k = 0; k < kwargs.length; k += 2) {
        const kname = kwargs[k] as string;
        const i = index.get(kname);
        if (i === undefined || compiled[i].positionalOnly) {
          if (acceptsKwargs && i === undefined) {
            if (extra === EMPTY) extra = [];
            extra.push(kname, kwargs[k + 1]);
            continue;
          }
          fail(`${fname}: unexpected keyword argument ${quote(kname)}`);
        }
        if (slots[i] !== undefined) fail(`${fname}: got multiple values for keyword argument ${quote(kname)}`);
        slots[i] = kwargs[k + 1];
      }
    }
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const p = compiled[i];
      let v = slots[i];
      if (v === null && p.noneIsAbsent) v = undefined;
      if (v === undefined) {
        if (p.mode === 'required') fail(`${fname}: missing argument for ${p.name}`);
        out[p.name] = p.mode === 'default' ? p.dflt : undefined;
        continue;
      }
      const type = p.type;
      if (!type.accepts(v)) fail(`${fname}: for parameter ${label(i, nargs)}: got ${typeName(v)}, want ${type.want}`);
      try {
        out[p.name] = type.convert(v);
      } catch (e) {
        if (e instanceof ArgError) fail(`${fname}: for parameter ${label(i, nargs)}: ${e.detail}`);
        throw e;
      }
    }
    return impl(out as ArgsOf<S>, { thread, fn, rest, extra });
  });
}
