// The embedding API of starform's Starlark: everything host code (the `plan` module, the
// `eval` command, tests) may use. Host code never reaches into the other files of this
// folder; it runs modules with predeclared names and a `load` hook, calls Starlark
// functions, defines built-ins and types, and converts values, all through this file.
//
//   const thread = new Thread();
//   thread.load = (t, module) => ...;              // optional
//   const globals = execFile(thread, 'main.star', src, { predeclared: { plan } });
//   const run = globals.get('run');
//   call(thread, run, [planValue]);
import type { DialectOptions } from './ast.js';
import { compileModule, compileProgram, programOf } from './eval.js';
import type { ProgramCache } from './program-cache.js';
import { universe as makeUniverse } from './builtins.js';
import type { Thread, Value } from './values.js';

export type { DialectOptions, Position } from './ast.js';
export { StarlarkSyntaxError, StarlarkResolveError } from './errors.js';
export { parse, parseExpr } from './parser.js';
export { quote, utf8DecodeAt } from './quote.js';
export {
  Builtin,
  Callable,
  Dict,
  EvalError,
  Float,
  NoSuchAttrError,
  isIterable,
  nearest,
  List,
  Range,
  StarSet,
  StarlarkObject,
  Thread,
  call,
  compare,
  equals,
  fail,
  formatFloat,
  freeze,
  fromUtf8,
  getAttr,
  hasAttr,
  hashKey,
  isInt,
  iterate,
  length,
  repr,
  str,
  toArray,
  toUnicode,
  truth,
  typeName,
  type BuiltinImpl,
  type CallFrame,
  type CompareOp,
  type HashKey,
  type KwArgs,
  type Tuple,
  type Value,
  type ValueIterator,
} from './values.js';
export { StarlarkFunction } from './eval.js';
export { toStarlark, toJS, type JsValue, type ToStarlarkOptions } from './convert.js';
export * from './unpack.js';
export { Struct, Module, structBuiltin, moduleBuiltin } from './struct.js';
export { jsonModule as json, encodeJSON, decodeJSON } from './json.js';
export { timeModule as time } from './time.js';

/** The dialect Kurtosis packages are written in: no recursion, while, sets or global reassignment. */
export const KURTOSIS_DIALECT: DialectOptions = Object.freeze({});

/** Every option on: plain Starlark as the reference's command-line tool runs it. */
export const FULL_DIALECT: DialectOptions = Object.freeze({
  set: true,
  while: true,
  recursion: true,
  globalReassign: true,
  topLevelControl: true,
});

export interface ExecOptions {
  /** Names the host predeclares for this module (e.g. `plan` helpers, `json`). */
  readonly predeclared?: ReadonlyMap<string, Value> | Readonly<Record<string, Value>>;
  readonly dialect?: DialectOptions;
  /** Compiled modules kept between runs (see program-cache.ts); the host saves it when done. */
  readonly cache?: ProgramCache;
}

/** The universal built-ins for a dialect (with `set` only where the dialect allows it). */
export function universe(dialect: DialectOptions = {}): ReadonlyMap<string, Value> {
  return makeUniverse(dialect);
}

function asMap(p: ExecOptions['predeclared']): ReadonlyMap<string, Value> {
  if (p === undefined) return new Map();
  if (p instanceof Map) return p as ReadonlyMap<string, Value>;
  return new Map(Object.entries(p as Record<string, Value>));
}

/**
 * Executes a Starlark file on a thread and returns its globals (frozen). Throws
 * StarlarkSyntaxError, StarlarkResolveError or EvalError (with a backtrace).
 */
export function execFile(thread: Thread, filename: string, src: string, options: ExecOptions = {}): Map<string, Value> {
  const dialect = options.dialect ?? KURTOSIS_DIALECT;
  const predeclared = asMap(options.predeclared);
  const u = universe(dialect);
  const cache = options.cache;
  if (cache === undefined) return compileProgram(filename, src, (n) => predeclared.has(n), u, dialect).run(thread, predeclared, u);
  const key = cache.key(filename, src, dialect, predeclared.keys(), u.keys());
  const compiled =
    cache.load(key, filename) ??
    cache.compile(key, filename, (makeFactory) => compileModule(filename, src, (n) => predeclared.has(n), u, dialect, makeFactory));
  return programOf(compiled, filename, dialect).run(thread, predeclared, u);
}

export { compileProgram };
export { ProgramCache, type ProgramCacheStore } from './program-cache.js';
