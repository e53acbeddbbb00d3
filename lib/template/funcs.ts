// The built-in template functions (text/template/funcs.go) and json.Number's methods.
//
// Each function is described by its Go parameter types, because the evaluator converts
// arguments the way reflect does for those types: `value` is a reflect.Value parameter (gets
// anything, including "no value"), `any` an interface{} parameter (no value becomes nil),
// `string` a string parameter (only strings; other types are errors). Errors a function
// returns — and the reflect panics Go turns into errors, such as `len` of no value — are
// thrown as FuncError and reported by the evaluator as "error calling NAME: ...".
// `and`/`or` are listed for their signatures; their short-circuit evaluation is in exec.ts.

import { type FmtArg, sprint, sprintf, sprintln } from './fmt.js';
import { parseFloat64, parseInt64 } from './strconv.js';
import { decodeRune, isPrint } from './utf8.js';
import { type GoComplex, GoInt, GoMap, GoSlice, JsonNumber, type Kind, NIL, type Val, goInt, kindOf, typeName } from './values.js';

/** An error returned by a template function (message is a byte string). */
export class FuncError {
  constructor(readonly message: string) {}
}

export type ParamType = 'value' | 'any' | 'string';

export interface GoFunc {
  readonly fixed: readonly ParamType[];
  readonly variadic: ParamType | null;
  readonly impl: (args: Val[]) => Val;
}

function fail(format: string, ...args: FmtArg[]): never {
  throw new FuncError(sprintf(format, args));
}

function indirectInterface(v: Val): Val {
  return v === NIL ? undefined : v;
}

/** Go's isTrue on a non-interface value: the zero value of its type is false. */
export function isTrue(v: Val): boolean {
  if (v === undefined || v === NIL) return false;
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
  }
  if (v instanceof JsonNumber) return v.text.length > 0;
  if (v instanceof GoInt) return v.v !== 0n;
  if (v instanceof GoMap) return v.entries.size > 0;
  if (v instanceof GoSlice) return v.len > 0;
  return v.re !== 0 || v.im !== 0;
}

function truth(v: Val): boolean {
  return isTrue(indirectInterface(v));
}

function strBytes(v: string | JsonNumber): string {
  return typeof v === 'string' ? v : v.text;
}

// ---- indexing, slicing, length ----

function indexArg(index: Val, cap: number): number {
  let x: bigint;
  if (index instanceof GoInt) x = index.v;
  else if (index === undefined) return fail('cannot index slice/array with nil');
  else return fail('cannot index slice/array with type %s', typeName(index));
  if (x < 0n || x > BigInt(cap)) fail('index out of range: %d', new GoInt(x, 'int64'));
  return Number(x);
}

function index(args: Val[]): Val {
  let item = indirectInterface(args[0]);
  if (item === undefined) fail('index of untyped nil');
  for (let k = 1; k < args.length; k++) {
    const idx = indirectInterface(args[k]);
    if (item === NIL) fail('index of nil pointer');
    if (typeof item === 'string' || item instanceof JsonNumber) {
      const s = strBytes(item);
      const x = indexArg(idx, s.length);
      if (x === s.length) fail('reflect: string index out of range');
      item = new GoInt(BigInt(s.charCodeAt(x)), 'uint8');
    } else if (item instanceof GoSlice) {
      const x = indexArg(idx, item.len);
      if (x === item.len) fail('reflect: slice index out of range');
      item = item.at(x);
    } else if (item instanceof GoMap) {
      if (idx === undefined) fail('value is nil; should be of type string');
      if (typeof idx !== 'string') fail('value has type %s; should be string', typeName(idx));
      const v = item.entries.get(idx);
      item = v === undefined ? NIL : v;
    } else {
      fail("can't index item of type %s", typeName(item));
    }
  }
  return item;
}

function slice(args: Val[]): Val {
  const item = indirectInterface(args[0]);
  if (item === undefined) fail('slice of untyped nil');
  const indexes = args.slice(1);
  if (indexes.length > 3) fail('too many slice indexes: %d', goInt(indexes.length));
  let cap: number;
  let len: number;
  if (typeof item === 'string' || item instanceof JsonNumber) {
    if (indexes.length === 3) fail('cannot 3-index slice a string');
    cap = len = strBytes(item).length;
  } else if (item instanceof GoSlice) {
    cap = item.cap;
    len = item.len;
  } else {
    return fail("can't slice item of type %s", typeName(item));
  }
  const idx = [0, len, 0];
  for (let i = 0; i < indexes.length; i++) idx[i] = indexArg(indexes[i], cap);
  if (idx[0]! > idx[1]!) fail('invalid slice index: %d > %d', goInt(idx[0]!), goInt(idx[1]!));
  if (item instanceof GoSlice) {
    if (indexes.length < 3) return new GoSlice(item.backing, item.off + idx[0]!, idx[1]! - idx[0]!, cap - idx[0]!);
    if (idx[1]! > idx[2]!) fail('invalid slice index: %d > %d', goInt(idx[1]!), goInt(idx[2]!));
    return new GoSlice(item.backing, item.off + idx[0]!, idx[1]! - idx[0]!, idx[2]! - idx[0]!);
  }
  const s = strBytes(item).slice(idx[0], idx[1]);
  return typeof item === 'string' ? s : new JsonNumber(s);
}

function length(args: Val[]): Val {
  const item = args[0];
  if (item === NIL) fail('len of nil pointer');
  if (item === undefined) fail('reflect: call of reflect.Value.Type on zero Value');
  if (typeof item === 'string') return goInt(item.length);
  if (item instanceof JsonNumber) return goInt(item.text.length);
  if (item instanceof GoSlice) return goInt(item.len);
  if (item instanceof GoMap) return goInt(item.entries.size);
  return fail('len of type %s', typeName(item));
}

function call(args: Val[]): Val {
  const fn = indirectInterface(args[0]);
  if (fn === undefined) fail('call of nil');
  return fail('non-function of type %s', typeName(fn));
}

// ---- comparison ----

type BasicKind = 'invalid' | 'bool' | 'complex' | 'int' | 'float' | 'string' | 'uint';

function basicKind(v: Val): BasicKind {
  const k: Kind = kindOf(v);
  switch (k) {
    case 'bool':
    case 'int':
    case 'uint':
    case 'float':
    case 'complex':
    case 'string':
      return k;
  }
  return 'invalid';
}

function intOf(v: Val): bigint {
  return (v as GoInt).v;
}

function eqSame(k: BasicKind, a: Val, b: Val): boolean {
  switch (k) {
    case 'bool':
      return a === b;
    case 'complex':
      return (a as GoComplex).re === (b as GoComplex).re && (a as GoComplex).im === (b as GoComplex).im;
    case 'float':
      return a === b;
    case 'int':
    case 'uint':
      return intOf(a) === intOf(b);
    case 'string':
      return strBytes(a as string | JsonNumber) === strBytes(b as string | JsonNumber);
  }
  return false;
}

function eq(args: Val[]): Val {
  const arg1 = indirectInterface(args[0]);
  if (args.length < 2) fail('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (let i = 1; i < args.length; i++) {
    const arg = indirectInterface(args[i]);
    const k2 = basicKind(arg);
    let t = false;
    if (k1 !== k2) {
      if (k1 === 'int' && k2 === 'uint') t = intOf(arg1) >= 0n && intOf(arg1) === intOf(arg);
      else if (k1 === 'uint' && k2 === 'int') t = intOf(arg) >= 0n && intOf(arg1) === intOf(arg);
      else if (arg1 !== undefined && arg !== undefined) fail('incompatible types for comparison');
    } else if (k1 !== 'invalid') {
      t = eqSame(k1, arg1, arg);
    } else {
      const c1 = kindOf(arg1);
      const c2 = kindOf(arg);
      if (c1 !== c2 && c1 !== 'invalid' && c2 !== 'invalid') {
        fail('non-comparable types %s: %v, %s: %v', arg1, typeName(arg1), typeName(arg), arg);
      }
      if (arg1 === undefined || arg === undefined) t = (arg1 === undefined) === (arg === undefined);
      else fail('non-comparable type %s: %v', arg, typeName(arg));
    }
    if (t) return true;
  }
  return false;
}

function ne(args: Val[]): Val {
  return !eq(args);
}

function lt(args: Val[]): Val {
  const a = indirectInterface(args[0]);
  const k1 = basicKind(a);
  if (k1 === 'invalid') fail('invalid type for comparison');
  const b = indirectInterface(args[1]);
  const k2 = basicKind(b);
  if (k2 === 'invalid') fail('invalid type for comparison');
  if (k1 !== k2) {
    if (k1 === 'int' && k2 === 'uint') return intOf(a) < 0n || intOf(a) < intOf(b);
    if (k1 === 'uint' && k2 === 'int') return intOf(b) >= 0n && intOf(a) < intOf(b);
    return fail('incompatible types for comparison');
  }
  switch (k1) {
    case 'bool':
    case 'complex':
      return fail('invalid type for comparison');
    case 'float':
      return (a as number) < (b as number);
    case 'int':
    case 'uint':
      return intOf(a) < intOf(b);
    default:
      return strBytes(a as string | JsonNumber) < strBytes(b as string | JsonNumber);
  }
}

function le(args: Val[]): Val {
  return lt(args) || eq(args);
}

function gt(args: Val[]): Val {
  return !le(args);
}

function ge(args: Val[]): Val {
  return !lt(args);
}

// ---- printing and escaping ----

function fmtArgs(args: Val[]): FmtArg[] {
  return args.map((a) => (a === undefined || a === NIL ? null : a));
}

/** evalArgs: fmt.Sprint, but nil arguments print as <no value>. */
function evalArgs(args: Val[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined || a === NIL ? '<no value>' : a)));
}

function htmlEscape(s: string): string {
  if (!/['"&<>\0]/.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    switch (c) {
      case '\0':
        out += '\xef\xbf\xbd';
        break;
      case '"':
        out += '&#34;';
        break;
      case "'":
        out += '&#39;';
        break;
      case '&':
        out += '&amp;';
        break;
      case '<':
        out += '&lt;';
        break;
      case '>':
        out += '&gt;';
        break;
      default:
        out += c;
    }
  }
  return out;
}

const HEX = '0123456789ABCDEF';

function jsEscape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      switch (c) {
        case 0x5c:
          out += '\\\\';
          continue;
        case 0x27:
          out += "\\'";
          continue;
        case 0x22:
          out += '\\"';
          continue;
        case 0x3c:
          out += '\\u003C';
          continue;
        case 0x3e:
          out += '\\u003E';
          continue;
        case 0x26:
          out += '\\u0026';
          continue;
        case 0x3d:
          out += '\\u003D';
          continue;
      }
      if (c < 0x20) out += '\\u00' + HEX[c >> 4] + HEX[c & 15];
      else out += s[i];
      continue;
    }
    const d = decodeRune(s, i);
    const r = d >> 3;
    const w = d & 7;
    if (isPrint(r)) out += s.slice(i, i + w);
    else out += '\\u' + r.toString(16).toUpperCase().padStart(4, '0');
    i += w - 1;
  }
  return out;
}

function urlQueryEscape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f || c === 0x2e || c === 0x7e) {
      out += s[i];
    } else if (c === 0x20) {
      out += '+';
    } else {
      out += '%' + HEX[c >> 4] + HEX[c & 15];
    }
  }
  return out;
}

// ---- tables ----

const V: ParamType = 'value';

export const BUILTINS: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([
  ['and', { fixed: [V], variadic: V, impl: () => undefined }],
  ['or', { fixed: [V], variadic: V, impl: () => undefined }],
  ['call', { fixed: [V], variadic: V, impl: call }],
  ['html', { fixed: [], variadic: 'any', impl: (a) => htmlEscape(evalArgs(a)) }],
  ['js', { fixed: [], variadic: 'any', impl: (a) => jsEscape(evalArgs(a)) }],
  ['urlquery', { fixed: [], variadic: 'any', impl: (a) => urlQueryEscape(evalArgs(a)) }],
  ['index', { fixed: [V], variadic: V, impl: index }],
  ['slice', { fixed: [V], variadic: V, impl: slice }],
  ['len', { fixed: [V], variadic: null, impl: length }],
  ['not', { fixed: [V], variadic: null, impl: (a) => !truth(a[0]) }],
  ['print', { fixed: [], variadic: 'any', impl: (a) => sprint(fmtArgs(a)) }],
  ['printf', { fixed: ['string'], variadic: 'any', impl: (a) => sprintf(a[0] as string, fmtArgs(a.slice(1))) }],
  ['println', { fixed: [], variadic: 'any', impl: (a) => sprintln(fmtArgs(a)) }],
  ['eq', { fixed: [V], variadic: V, impl: eq }],
  ['ne', { fixed: [V, V], variadic: null, impl: ne }],
  ['lt', { fixed: [V, V], variadic: null, impl: lt }],
  ['le', { fixed: [V, V], variadic: null, impl: le }],
  ['gt', { fixed: [V, V], variadic: null, impl: gt }],
  ['ge', { fixed: [V, V], variadic: null, impl: ge }],
]);

function numError(fn: string, text: string, err: 'syntax' | 'range'): never {
  return fail('strconv.%s: parsing %q: %s', fn, text, err === 'syntax' ? 'invalid syntax' : 'value out of range');
}

/** The methods of json.Number, reachable as fields (`.n.Int64`). */
export const JSON_NUMBER_METHODS: ReadonlyMap<string, (n: JsonNumber) => GoFunc> = new Map([
  ['String', (n: JsonNumber): GoFunc => ({ fixed: [], variadic: null, impl: () => n.text })],
  [
    'Float64',
    (n: JsonNumber): GoFunc => ({
      fixed: [],
      variadic: null,
      impl: () => {
        const r = parseFloat64(n.text);
        return r.ok ? r.value : numError('ParseFloat', n.text, r.err);
      },
    }),
  ],
  [
    'Int64',
    (n: JsonNumber): GoFunc => ({
      fixed: [],
      variadic: null,
      impl: () => {
        const r = parseInt64(n.text, 10);
        return r.ok ? new GoInt(r.value, 'int64') : numError('ParseInt', n.text, r.err);
      },
    }),
  ],
]);
