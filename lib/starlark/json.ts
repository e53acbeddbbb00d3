// The `json` module (encode, decode, indent) as go.starlark.net/lib/json defines it, which
// is what Kurtosis predeclares as `json`.
//
// Output and error text follow the reference byte for byte: encode writes compact JSON
// with dict keys sorted, ints of any size, floats in Go's %g form, and strings escaped as
// Go does (strconv.Quote for printable ASCII, encoding/json's HTML-safe escaping otherwise);
// decode accepts exactly what the reference's hand-written parser accepts, reporting
// "at offset N, ..."; indent is a port of Go's encoding/json.Indent and its validating
// scanner, whose messages ("invalid character 'x' looking for beginning of value") it keeps.
// Starlark strings are byte strings, so everything here works on bytes (UTF-8).
import { Builtin, Dict, EvalError, Float, List, StarlarkObject, fail, formatG, iterate, normInt, repr, typeName, type Value } from './values.js';
import { quote, utf8DecodeAt } from './quote.js';
import { asString, isIterable, unpackArgs, unpackPositional } from './unpack.js';
import { Module, setStructJsonEncoder } from './struct.js';
import { encodeRune } from './builtins.js';

/** A host value that writes its own JSON (Go's json.Marshaler). */
export interface JsonMarshaler {
  /** The value's JSON text, as a byte string. */
  marshalJSON(): string;
}

function isMarshaler(x: StarlarkObject): x is StarlarkObject & JsonMarshaler {
  return typeof (x as Partial<JsonMarshaler>).marshalJSON === 'function';
}

const baseAttrNames = StarlarkObject.prototype.attrNames;

// ---- encode ------------------------------------------------------------------------------------

const HEX = '0123456789abcdef';

/** A JSON string literal for a byte string, escaped exactly as the reference does. */
export function quoteJSON(s: string): string {
  const n = s.length;
  let i = 0;
  let special = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x80) break;
    if (c === 0x22 || c === 0x5c) special = true;
  }
  if (i === n) return special ? `"${s.replace(/["\\]/g, '\\$&')}"` : `"${s}"`;
  return quoteNonASCII(s);
}

/** Go's encoding/json string escaping (HTML-safe), for strings with control or non-ASCII bytes. */
function quoteNonASCII(s: string): string {
  const n = s.length;
  let out = '"';
  let start = 0;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c !== 0x3c && c !== 0x3e && c !== 0x26) {
        i++;
        continue;
      }
      out += s.slice(start, i);
      switch (c) {
        case 0x22:
          out += '\\"';
          break;
        case 0x5c:
          out += '\\\\';
          break;
        case 0x0a:
          out += '\\n';
          break;
        case 0x0d:
          out += '\\r';
          break;
        case 0x09:
          out += '\\t';
          break;
        case 0x08:
          out += '\\b';
          break;
        case 0x0c:
          out += '\\f';
          break;
        default:
          out += '\\u00' + HEX[c >> 4] + HEX[c & 15];
      }
      start = ++i;
      continue;
    }
    const d = utf8DecodeAt(s, i);
    if (d < 0) {
      out += s.slice(start, i) + '\\ufffd';
      start = ++i;
      continue;
    }
    const r = d >> 3;
    if (r === 0x2028 || r === 0x2029) {
      out += s.slice(start, i) + (r === 0x2028 ? '\\u2028' : '\\u2029');
      i += d & 7;
      start = i;
      continue;
    }
    i += d & 7;
  }
  return out + s.slice(start) + '"';
}

/** Go's %g of a finite float (shortest digits; exponent form below 1e-4 and from 1e6 on). */
function formatJSONFloat(f: number): string {
  const a = Math.abs(f);
  if (a >= 1e-4 && a < 1e6) return String(f);
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  return formatG(f, -1);
}

class EncodeError extends Error {
  constructor(readonly detail: string) {
    super(detail);
  }
}

function wrapEncodeError(e: unknown, context: string): unknown {
  return e instanceof EncodeError ? new EncodeError(`${context}: ${e.detail}`) : e;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class Encoder {
  out = '';
  /** The containers being encoded, outermost first (to detect cycles). */
  private readonly path: object[] = [];

  emit(x: Value): void {
    switch (typeof x) {
      case 'string':
        this.out += quoteJSON(x);
        return;
      case 'number':
        this.out += String(x);
        return;
      case 'bigint':
        this.out += x.toString();
        return;
      case 'boolean':
        this.out += x ? 'true' : 'false';
        return;
    }
    if (x === null) {
      this.out += 'null';
      return;
    }
    if (x instanceof Float) {
      if (!Number.isFinite(x.v)) throw new EncodeError(`cannot encode non-finite float ${repr(x)}`);
      this.out += formatJSONFloat(x.v);
      return;
    }
    const path = this.path;
    for (let i = 0; i < path.length; i++) if (path[i] === x) throw new EncodeError('cycle in JSON structure');
    path.push(x as object);
    if (x instanceof Dict) this.emitDict(x);
    else if (x instanceof List) this.emitArray(x.elems, 'list');
    else if (Array.isArray(x)) this.emitArray(x as readonly Value[], 'tuple');
    else this.emitObject(x as StarlarkObject);
    path.pop();
  }

  private emitDict(x: Dict): void {
    // String keys are their own hash keys, so the entries can be read straight from the map.
    const keys: string[] = [];
    for (const hk of x.map.keys()) {
      if (typeof hk !== 'string' || hk.charCodeAt(0) === 0x100) {
        const k = x.keyFor(hk);
        throw new EncodeError(`${x.typeName} has ${typeName(k)} key, want string`);
      }
      keys.push(hk);
    }
    if (keys.length > 1) keys.sort(); // byte strings: code-unit order is byte order
    this.out += '{';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (i > 0) this.out += ',';
      this.out += quoteJSON(k) + ':';
      try {
        this.emit(x.map.get(k) as Value);
      } catch (e) {
        throw wrapEncodeError(e, `in ${x.typeName} key ${repr(k)}`);
      }
    }
    this.out += '}';
  }

  private emitArray(elems: readonly Value[], type: string): void {
    this.out += '[';
    for (let i = 0; i < elems.length; i++) {
      if (i > 0) this.out += ',';
      try {
        this.emit(elems[i]);
      } catch (e) {
        throw wrapEncodeError(e, `at ${type} index ${i}`);
      }
    }
    this.out += ']';
  }

  private emitObject(x: StarlarkObject): void {
    if (isMarshaler(x)) {
      this.out += x.marshalJSON();
      return;
    }
    if (isIterable(x)) {
      this.out += '[';
      const it = iterate(x);
      try {
        let i = 0;
        for (let v = it.next(); v !== undefined; v = it.next(), i++) {
          if (i > 0) this.out += ',';
          try {
            this.emit(v);
          } catch (e) {
            throw wrapEncodeError(e, `at ${x.typeName} index ${i}`);
          }
        }
      } finally {
        it.done();
      }
      this.out += ']';
      return;
    }
    if (x.attrNames !== baseAttrNames) {
      const names = x.attrNames().sort(byteOrder);
      this.out += '{';
      for (let i = 0; i < names.length; i++) {
        const name = names[i];
        const v = x.attr(name);
        if (v === undefined) throw new EncodeError(`internal error: dir(${x.typeName}) includes "${name}" but value has no .${name} field`);
        if (i > 0) this.out += ',';
        this.out += quoteJSON(name) + ':';
        try {
          this.emit(v);
        } catch (e) {
          throw wrapEncodeError(e, `in field .${name}`);
        }
      }
      this.out += '}';
      return;
    }
    throw new EncodeError(`cannot encode ${x.typeName} as JSON`);
  }
}

/** The compact JSON encoding of a value, as `json.encode`; errors are unprefixed. */
export function encodeJSON(x: Value): string {
  const enc = new Encoder();
  try {
    enc.emit(x);
  } catch (e) {
    if (e instanceof EncodeError) fail(e.detail);
    throw e;
  }
  return enc.out;
}

setStructJsonEncoder(encodeJSON);

// ---- decode ------------------------------------------------------------------------------------

/**
 * Go's %q of a byte taken as a rune ('x', '\'', '\n', '\u0080', 'é'), which is also
 * encoding/json's quoteChar; the result is a byte string.
 */
function quoteByte(b: number): string {
  if (b === 0x27) return "'\\''";
  if (b === 0x22) return `'"'`;
  const q = quote(b < 0x80 ? String.fromCharCode(b) : String.fromCharCode(0xc0 | (b >> 6), 0x80 | (b & 0x3f)));
  return `'${q.slice(1, -1)}'`;
}

class DecodeFailure extends Error {}

const floatSyntax = /^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hex4(s: string, i: number): number {
  if (i + 6 > s.length || s.charCodeAt(i) !== 0x5c || s.charCodeAt(i + 1) !== 0x75) return -1;
  const h = s.slice(i + 2, i + 6);
  return /^[0-9a-fA-F]{4}$/.test(h) ? parseInt(h, 16) : -1;
}

/**
 * The contents of a JSON string literal `lit` (quotes included) that needs real unquoting,
 * as Go's encoding/json: validated first (the scanner's messages), then escapes decoded,
 * invalid UTF-8 replaced by U+FFFD.
 */
function unquoteJSON(lit: string): string {
  const err = new Scanner().check(lit);
  if (err !== null) throw new DecodeFailure(err);
  let out = '';
  let start = 1;
  const end = lit.length - 1;
  let i = 1;
  while (i < end) {
    const c = lit.charCodeAt(i);
    if (c === 0x5c) {
      out += lit.slice(start, i);
      const e = lit[i + 1];
      switch (e) {
        case 'b':
          out += '\b';
          i += 2;
          break;
        case 'f':
          out += '\f';
          i += 2;
          break;
        case 'n':
          out += '\n';
          i += 2;
          break;
        case 'r':
          out += '\r';
          i += 2;
          break;
        case 't':
          out += '\t';
          i += 2;
          break;
        case 'u': {
          let r = hex4(lit, i);
          i += 6;
          if (r >= 0xd800 && r < 0xe000) {
            const r2 = hex4(lit, i);
            if (r < 0xdc00 && r2 >= 0xdc00 && r2 < 0xe000) {
              r = 0x10000 + ((r - 0xd800) << 10) + (r2 - 0xdc00);
              i += 6;
            } else {
              r = 0xfffd;
            }
          }
          out += encodeRune(r);
          break;
        }
        default:
          out += e;
          i += 2;
      }
      start = i;
    } else if (c < 0x80) {
      i++;
    } else {
      const d = utf8DecodeAt(lit, i);
      if (d < 0) {
        out += lit.slice(start, i) + '\xef\xbf\xbd';
        start = ++i;
      } else {
        i += d & 7;
      }
    }
  }
  return out + lit.slice(start, end);
}

/** The reference's hand-written JSON parser; `i` is where an error is reported. */
class Decoder {
  i = 0;
  constructor(private readonly s: string) {}

  fail(msg: string): never {
    throw new DecodeFailure(msg);
  }

  /** Skips JSON whitespace; whether input remains. */
  skipSpace(): boolean {
    const s = this.s;
    const n = s.length;
    let i = this.i;
    for (; i < n; i++) {
      const b = s.charCodeAt(i);
      if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) break;
    }
    this.i = i;
    return i < n;
  }

  /** The next non-space byte (not consumed). */
  next(): number {
    if (this.skipSpace()) return this.s.charCodeAt(this.i);
    return this.fail('unexpected end of file');
  }

  parse(): Value {
    const s = this.s;
    const b = this.next();
    switch (b) {
      case 0x22:
        return this.parseString();
      case 0x6e:
        if (s.startsWith('null', this.i)) {
          this.i += 4;
          return null;
        }
        break;
      case 0x74:
        if (s.startsWith('true', this.i)) {
          this.i += 4;
          return true;
        }
        break;
      case 0x66:
        if (s.startsWith('false', this.i)) {
          this.i += 5;
          return false;
        }
        break;
      case 0x5b: {
        const elems: Value[] = [];
        this.i++;
        if (this.next() !== 0x5d) {
          for (;;) {
            elems.push(this.parse());
            const c = this.next();
            if (c !== 0x2c) {
              if (c !== 0x5d) this.fail(`got ${quoteByte(c)}, want ',' or ']'`);
              break;
            }
            this.i++;
          }
        }
        this.i++;
        return new List(elems);
      }
      case 0x7b: {
        const dict = new Dict();
        this.i++;
        if (this.next() !== 0x7d) {
          for (;;) {
            const key = this.parse();
            if (typeof key !== 'string') this.fail(`got ${typeName(key)} for object key, want string`);
            let c = this.next();
            if (c !== 0x3a) this.fail(`after object key, got ${quoteByte(c)}, want ':' `);
            this.i++;
            dict.setUnchecked(key, this.parse());
            c = this.next();
            if (c !== 0x2c) {
              if (c !== 0x7d) this.fail(`in object, got ${quoteByte(c)}, want ',' or '}'`);
              break;
            }
            this.i++;
          }
        }
        this.i++;
        return dict;
      }
      default:
        if (isDigit(b) || b === 0x2d) return this.parseNumber();
    }
    return this.fail(`unexpected character ${quoteByte(b)}`);
  }

  private parseString(): string {
    const s = this.s;
    const n = s.length;
    const i = this.i;
    let safe = true;
    let j = i + 1;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c === 0x22) break;
      if (c === 0x5c) {
        safe = false;
        j++;
      } else if (c >= 0x80) {
        safe = false;
      }
    }
    if (j >= n) this.fail('unclosed string literal');
    j++;
    this.i = j;
    return safe ? s.slice(i + 1, j - 1) : unquoteJSON(s.slice(i, j));
  }

  private parseNumber(): Value {
    const s = this.s;
    const n = s.length;
    const i = this.i;
    let isFloat = false;
    let j = i + 1;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (isDigit(c)) continue;
      if (c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d) isFloat = true;
      else break;
    }
    const num = s.slice(i, j);
    this.i = j;
    const d0 = num.charCodeAt(0) === 0x2d ? 1 : 0;
    if (num.length === d0 || (num.charCodeAt(d0) === 0x30 && num.length > d0 + 1 && isDigit(num.charCodeAt(d0 + 1)))) {
      this.fail(`invalid number: ${num}`);
    }
    if (isFloat) {
      if (!floatSyntax.test(num)) this.fail(`invalid number: ${num}`);
      const f = Number(num);
      if (!Number.isFinite(f)) this.fail(`invalid number: ${num}`);
      return new Float(f);
    }
    if (num.length - d0 < 16) {
      const v = Number(num);
      return v === 0 ? 0 : v;
    }
    return normInt(BigInt(num));
  }
}

/** The value a JSON text denotes, as `json.decode`; errors are the full reference message. */
export function decodeJSON(s: string): Value {
  const d = new Decoder(s);
  try {
    const x = d.parse();
    if (d.skipSpace()) d.fail(`unexpected character ${quoteByte(s.charCodeAt(d.i))} after value`);
    return x;
  } catch (e) {
    if (e instanceof DecodeFailure) fail(`json.decode: at offset ${d.i}, ${e.message}`);
    throw e;
  }
}

// ---- the validating scanner (Go's encoding/json) and indent -----------------------------------

const enum Op {
  Continue,
  BeginLiteral,
  BeginObject,
  ObjectKey,
  ObjectValue,
  EndObject,
  BeginArray,
  ArrayValue,
  EndArray,
  SkipSpace,
  End,
  Error,
}

const enum St {
  BeginValueOrEmpty,
  BeginValue,
  BeginStringOrEmpty,
  BeginString,
  EndValue,
  EndTop,
  InString,
  InStringEsc,
  InStringEscU,
  InStringEscU1,
  InStringEscU12,
  InStringEscU123,
  Neg,
  One,
  Zero,
  Dot,
  Dot0,
  E,
  ESign,
  E0,
  T,
  Tr,
  Tru,
  F,
  Fa,
  Fal,
  Fals,
  N,
  Nu,
  Nul,
  Error,
}

const enum Parse {
  ObjectKey,
  ObjectValue,
  ArrayValue,
}

const MAX_NESTING = 10000;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

class Scanner {
  private state = St.BeginValue;
  private readonly stack: Parse[] = [];
  endTop = false;
  err: string | null = null;

  private error(c: number, context: string): Op {
    this.state = St.Error;
    this.err = `invalid character ${quoteByte(c)} ${context}`;
    return Op.Error;
  }

  private push(c: number, p: Parse, ok: Op): Op {
    this.stack.push(p);
    if (this.stack.length <= MAX_NESTING) return ok;
    return this.error(c, 'exceeded max depth');
  }

  private pop(): void {
    this.stack.pop();
    if (this.stack.length === 0) {
      this.state = St.EndTop;
      this.endTop = true;
    } else {
      this.state = St.EndValue;
    }
  }

  private beginValue(c: number): Op {
    if (isSpace(c)) return Op.SkipSpace;
    switch (c) {
      case 0x7b:
        this.state = St.BeginStringOrEmpty;
        return this.push(c, Parse.ObjectKey, Op.BeginObject);
      case 0x5b:
        this.state = St.BeginValueOrEmpty;
        return this.push(c, Parse.ArrayValue, Op.BeginArray);
      case 0x22:
        this.state = St.InString;
        return Op.BeginLiteral;
      case 0x2d:
        this.state = St.Neg;
        return Op.BeginLiteral;
      case 0x30:
        this.state = St.Zero;
        return Op.BeginLiteral;
      case 0x74:
        this.state = St.T;
        return Op.BeginLiteral;
      case 0x66:
        this.state = St.F;
        return Op.BeginLiteral;
      case 0x6e:
        this.state = St.N;
        return Op.BeginLiteral;
    }
    if (c >= 0x31 && c <= 0x39) {
      this.state = St.One;
      return Op.BeginLiteral;
    }
    return this.error(c, 'looking for beginning of value');
  }

  private endValue(c: number): Op {
    const n = this.stack.length;
    if (n === 0) {
      this.state = St.EndTop;
      this.endTop = true;
      return this.endTopStep(c);
    }
    if (isSpace(c)) {
      this.state = St.EndValue;
      return Op.SkipSpace;
    }
    switch (this.stack[n - 1]) {
      case Parse.ObjectKey:
        if (c === 0x3a) {
          this.stack[n - 1] = Parse.ObjectValue;
          this.state = St.BeginValue;
          return Op.ObjectKey;
        }
        return this.error(c, 'after object key');
      case Parse.ObjectValue:
        if (c === 0x2c) {
          this.stack[n - 1] = Parse.ObjectKey;
          this.state = St.BeginString;
          return Op.ObjectValue;
        }
        if (c === 0x7d) {
          this.pop();
          return Op.EndObject;
        }
        return this.error(c, 'after object key:value pair');
      case Parse.ArrayValue:
        if (c === 0x2c) {
          this.state = St.BeginValue;
          return Op.ArrayValue;
        }
        if (c === 0x5d) {
          this.pop();
          return Op.EndArray;
        }
        return this.error(c, 'after array element');
    }
    return this.error(c, '');
  }

  private endTopStep(c: number): Op {
    if (!isSpace(c)) this.error(c, 'after top-level value');
    return Op.End;
  }

  private literal(c: number, want: number, next: St, context: string): Op {
    if (c === want) {
      this.state = next;
      return Op.Continue;
    }
    return this.error(c, context);
  }

  step(c: number): Op {
    switch (this.state) {
      case St.BeginValueOrEmpty:
        if (isSpace(c)) return Op.SkipSpace;
        if (c === 0x5d) return this.endValue(c);
        return this.beginValue(c);
      case St.BeginValue:
        return this.beginValue(c);
      case St.BeginStringOrEmpty:
        if (isSpace(c)) return Op.SkipSpace;
        if (c === 0x7d) {
          this.stack[this.stack.length - 1] = Parse.ObjectValue;
          return this.endValue(c);
        }
        return this.beginString(c);
      case St.BeginString:
        return this.beginString(c);
      case St.EndValue:
        return this.endValue(c);
      case St.EndTop:
        return this.endTopStep(c);
      case St.InString:
        if (c === 0x22) {
          this.state = St.EndValue;
          return Op.Continue;
        }
        if (c === 0x5c) {
          this.state = St.InStringEsc;
          return Op.Continue;
        }
        if (c < 0x20) return this.error(c, 'in string literal');
        return Op.Continue;
      case St.InStringEsc:
        switch (c) {
          case 0x62:
          case 0x66:
          case 0x6e:
          case 0x72:
          case 0x74:
          case 0x5c:
          case 0x2f:
          case 0x22:
            this.state = St.InString;
            return Op.Continue;
          case 0x75:
            this.state = St.InStringEscU;
            return Op.Continue;
        }
        return this.error(c, 'in string escape code');
      case St.InStringEscU:
      case St.InStringEscU1:
      case St.InStringEscU12:
      case St.InStringEscU123:
        if (isHex(c)) {
          this.state = this.state === St.InStringEscU123 ? St.InString : this.state + 1;
          return Op.Continue;
        }
        return this.error(c, 'in \\u hexadecimal character escape');
      case St.Neg:
        if (c === 0x30) {
          this.state = St.Zero;
          return Op.Continue;
        }
        if (c >= 0x31 && c <= 0x39) {
          this.state = St.One;
          return Op.Continue;
        }
        return this.error(c, 'in numeric literal');
      case St.One:
        if (isDigit(c)) return Op.Continue;
        return this.zero(c);
      case St.Zero:
        return this.zero(c);
      case St.Dot:
        if (isDigit(c)) {
          this.state = St.Dot0;
          return Op.Continue;
        }
        return this.error(c, 'after decimal point in numeric literal');
      case St.Dot0:
        if (isDigit(c)) return Op.Continue;
        if (c === 0x65 || c === 0x45) {
          this.state = St.E;
          return Op.Continue;
        }
        return this.endValue(c);
      case St.E:
        if (c === 0x2b || c === 0x2d) {
          this.state = St.ESign;
          return Op.Continue;
        }
        return this.eSign(c);
      case St.ESign:
        return this.eSign(c);
      case St.E0:
        if (isDigit(c)) return Op.Continue;
        return this.endValue(c);
      case St.T:
        return this.literal(c, 0x72, St.Tr, "in literal true (expecting 'r')");
      case St.Tr:
        return this.literal(c, 0x75, St.Tru, "in literal true (expecting 'u')");
      case St.Tru:
        return this.literal(c, 0x65, St.EndValue, "in literal true (expecting 'e')");
      case St.F:
        return this.literal(c, 0x61, St.Fa, "in literal false (expecting 'a')");
      case St.Fa:
        return this.literal(c, 0x6c, St.Fal, "in literal false (expecting 'l')");
      case St.Fal:
        return this.literal(c, 0x73, St.Fals, "in literal false (expecting 's')");
      case St.Fals:
        return this.literal(c, 0x65, St.EndValue, "in literal false (expecting 'e')");
      case St.N:
        return this.literal(c, 0x75, St.Nu, "in literal null (expecting 'u')");
      case St.Nu:
        return this.literal(c, 0x6c, St.Nul, "in literal null (expecting 'l')");
      case St.Nul:
        return this.literal(c, 0x6c, St.EndValue, "in literal null (expecting 'l')");
      case St.Error:
        return Op.Error;
    }
  }

  private beginString(c: number): Op {
    if (isSpace(c)) return Op.SkipSpace;
    if (c === 0x22) {
      this.state = St.InString;
      return Op.BeginLiteral;
    }
    return this.error(c, 'looking for beginning of object key string');
  }

  private zero(c: number): Op {
    if (c === 0x2e) {
      this.state = St.Dot;
      return Op.Continue;
    }
    if (c === 0x65 || c === 0x45) {
      this.state = St.E;
      return Op.Continue;
    }
    return this.endValue(c);
  }

  private eSign(c: number): Op {
    if (isDigit(c)) {
      this.state = St.E0;
      return Op.Continue;
    }
    return this.error(c, 'in exponent of numeric literal');
  }

  /** At end of input: Op.End if a complete value was scanned, else Op.Error (err set). */
  eof(): Op {
    if (this.err !== null) return Op.Error;
    if (this.endTop) return Op.End;
    this.step(0x20);
    if (this.endTop) return Op.End;
    this.err ??= 'unexpected end of JSON input';
    return Op.Error;
  }

  /** Validates a whole JSON text; the error message, or null. */
  check(s: string): string | null {
    const n = s.length;
    for (let i = 0; i < n; i++) {
      if (this.state === St.InString) {
        // Ordinary string bytes leave the state unchanged: skip them in bulk.
        let c = s.charCodeAt(i);
        while (c !== 0x22 && c !== 0x5c && c >= 0x20 && ++i < n) c = s.charCodeAt(i);
        if (i === n) break;
      }
      if (this.step(s.charCodeAt(i)) === Op.Error) return this.err;
    }
    return this.eof() === Op.Error ? this.err : null;
  }
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Go's json.Indent: `src` re-indented, or the scanner's message (thrown) if it is not valid
 * JSON. Valid input is reformatted token by token, which gives Go's output: space between
 * tokens dropped, each element on its own line, `{}` and `[]` kept together, the space
 * after the top-level value kept.
 */
export function indentJSON(src: string, prefix = '', indent = '\t'): string {
  const err = new Scanner().check(src);
  if (err !== null) throw new EvalError(err);
  const n = src.length;
  let out = '';
  let depth = 0;
  let needIndent = false;
  const newline = (): void => {
    out += '\n' + prefix;
    for (let d = 0; d < depth; d++) out += indent;
  };
  let i = 0;
  while (i < n && isJsonSpace(src.charCodeAt(i))) i++;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (isJsonSpace(c)) {
      i++;
      continue;
    }
    if (needIndent && c !== 0x7d && c !== 0x5d) {
      needIndent = false;
      depth++;
      newline();
    }
    let end = i + 1;
    switch (c) {
      case 0x7b:
      case 0x5b:
        needIndent = true;
        out += src[i];
        break;
      case 0x7d:
      case 0x5d:
        if (needIndent) needIndent = false;
        else {
          depth--;
          newline();
        }
        out += src[i];
        break;
      case 0x2c:
        out += ',';
        newline();
        break;
      case 0x3a:
        out += ': ';
        break;
      case 0x22:
        for (; end < n; end++) {
          const d = src.charCodeAt(end);
          if (d === 0x5c) end++;
          else if (d === 0x22) break;
        }
        end++;
        out += src.slice(i, end);
        break;
      default:
        while (end < n) {
          const d = src.charCodeAt(end);
          if (isJsonSpace(d) || d === 0x2c || d === 0x3a || d === 0x5d || d === 0x7d) break;
          end++;
        }
        out += src.slice(i, end);
    }
    i = end;
    if (depth === 0 && !needIndent && (c === 0x7d || c === 0x5d || (c !== 0x7b && c !== 0x5b && c !== 0x2c && c !== 0x3a))) {
      return out + src.slice(i);
    }
  }
  return out;
}

// ---- the module ----------------------------------------------------------------------------------

const encode = new Builtin('json.encode', (_thread, fn, args, kwargs) => {
  unpackPositional(fn.name, args, kwargs, 1, 1);
  try {
    return encodeJSON(args[0]);
  } catch (e) {
    if (e instanceof EvalError && e.callStack.length === 0) throw new EvalError(`${fn.name}: ${e.msg}`);
    throw e;
  }
});

const decode = new Builtin('json.decode', (_thread, fn, args, kwargs) => {
  const [x, dflt] = unpackArgs(fn.name, args, kwargs, ['x', 'default?']);
  if (args.length < 1) fail(`${fn.name}: unexpected keyword argument x`);
  const s = asString(x as Value, fn.name, 'x'); // positional: by keyword was refused above
  if (dflt === undefined) return decodeJSON(s);
  try {
    return decodeJSON(s);
  } catch (e) {
    if (e instanceof EvalError) return dflt;
    throw e;
  }
});

const indent = new Builtin('json.indent', (_thread, fn, args, kwargs) => {
  const [prefixV, indentV] = unpackArgs(fn.name, [], kwargs, ['prefix?', 'indent?']);
  const prefix = prefixV === undefined ? '' : asString(prefixV, fn.name, '"prefix"');
  const ind = indentV === undefined ? '\t' : asString(indentV, fn.name, '"indent"');
  unpackPositional(fn.name, args, null, 1, 1);
  const str = asString(args[0], fn.name, 1);
  try {
    return indentJSON(str, prefix, ind);
  } catch (e) {
    if (e instanceof EvalError) throw new EvalError(`${fn.name}: ${e.msg}`);
    throw e;
  }
});

/** The `json` module value. */
export const jsonModule = new Module('json', { encode, decode, indent });
