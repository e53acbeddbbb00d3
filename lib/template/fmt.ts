// Go's fmt package (Sprint, Sprintln, Sprintf) over the template value model.
//
// The structure follows fmt/print.go and fmt/format.go closely — printArg, handleMethods,
// printValue, the flag/width/precision state and the %!verb(type=value) error forms — since
// template output must match Go byte for byte and fmt's behaviour lives in those details
// (flags applying to every element of a map, Stringer only for v/s/x/X/q, <nil> inside
// collections). The only types with methods are json.Number (a Stringer) and error values.
// Map and slice addresses (%p) cannot be reproduced; they print a fixed placeholder.

import { GoComplex, GoInt, GoMap, GoSlice, JsonNumber, NIL, type Val, kindOf, typeName } from './values.js';
import { type FloatFmt, canBackquote, formatFloat, quote, quoteRune } from './strconv.js';
import { MAX_RUNE, RUNE_ERROR, decodeRune, encodeRune, isPrint, runeCount } from './utf8.js';

/** An error value (its message is a byte string); prints via Error() like Go errors. */
export class GoError {
  constructor(readonly message: string) {}
}

/** An argument to a print function: a Go value, an error, or nil. */
export type FmtArg = Val | GoError | null;

const LDIGITS = '0123456789abcdefx';
const UDIGITS = '0123456789ABCDEFX';

type Verb = number;

class Printer {
  buf = '';
  arg: FmtArg = null;
  value: Val = undefined;
  erroring = false;
  wrapErrs = false;
  wrappedErr = false;
  reordered = false;
  goodArgNum = true;
  // fmt flags
  widPresent = false;
  precPresent = false;
  minus = false;
  plus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  wid = 0;
  prec = 0;

  clearflags(): void {
    this.widPresent = this.precPresent = this.minus = this.plus = this.sharp = false;
    this.space = this.zero = this.plusV = this.sharpV = false;
    this.wid = this.prec = 0;
  }

  // ---- format.go ----

  writePadding(n: number): void {
    if (n <= 0) return;
    this.buf += (this.zero ? '0' : ' ').repeat(n);
  }

  pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.buf += s;
    } else {
      this.buf += s;
      this.writePadding(width);
    }
  }

  fmtBoolean(v: boolean): void {
    this.pad(v ? 'true' : 'false');
  }

  fmtUnicode(u: bigint): void {
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    let tail = '';
    if (this.sharp && u <= BigInt(MAX_RUNE) && isPrint(Number(u))) tail = " '" + encodeRune(Number(u)) + "'";
    let hex = u.toString(16).toUpperCase();
    if (hex.length < prec) hex = '0'.repeat(prec - hex.length) + hex;
    const oldZero = this.zero;
    this.zero = false;
    this.pad('U+' + hex + tail);
    this.zero = oldZero;
  }

  fmtInteger(v: bigint, base: number, isSigned: boolean, verb: Verb, digits: string): void {
    const negative = isSigned && v < 0n;
    const u = negative ? -v : v;
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    let s = u === 0n ? '0' : '';
    if (u !== 0n) {
      s = u.toString(base);
      if (base === 16) s = digits === UDIGITS ? s.toUpperCase() : s;
    }
    if (s.length < prec) s = '0'.repeat(prec - s.length) + s;
    if (this.sharp) {
      if (base === 2) s = '0b' + s;
      else if (base === 8) {
        if (s[0] !== '0') s = '0' + s;
      } else if (base === 16) s = '0' + digits[16] + s;
    }
    if (verb === 0x4f) s = '0o' + s;
    if (negative) s = '-' + s;
    else if (this.plus) s = '+' + s;
    else if (this.space) s = ' ' + s;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  truncateString(s: string): string {
    if (this.precPresent) {
      let n = this.prec;
      for (let i = 0; i < s.length;) {
        n--;
        if (n < 0) return s.slice(0, i);
        const c = s.charCodeAt(i);
        i += c < 0x80 ? 1 : decodeRune(s, i) & 7;
      }
    }
    return s;
  }

  fmtS(s: string): void {
    this.pad(this.truncateString(s));
  }

  fmtSx(s: string, digits: string): void {
    let length = s.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) {
        width += 2;
      }
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    let out = '';
    if (this.sharp) out += '0' + digits[16];
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        out += ' ';
        if (this.sharp) out += '0' + digits[16];
      }
      const c = s.charCodeAt(i);
      out += digits[c >> 4]! + digits[c & 15]!;
    }
    this.buf += out;
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
  }

  fmtQ(s: string): void {
    s = this.truncateString(s);
    if (this.sharp && canBackquote(s)) {
      this.pad('`' + s + '`');
      return;
    }
    this.pad(quote(s, this.plus));
  }

  fmtC(c: bigint): void {
    const r = c < 0n || c > BigInt(MAX_RUNE) ? RUNE_ERROR : Number(c);
    this.pad(encodeRune(r));
  }

  fmtQc(c: bigint): void {
    const r = c < 0n || c > BigInt(MAX_RUNE) ? RUNE_ERROR : Number(c);
    this.pad(quoteRune(r, this.plus));
  }

  fmtFloatRaw(v: number, verb: FloatFmt, prec: number): void {
    if (this.precPresent) prec = this.prec;
    let num = formatFloat(v, verb, prec);
    if (num[0] === '-' || num[0] === '+') {
      // keep
    } else num = '+' + num;
    if (this.space && num[0] === '+' && !this.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === 'N' && !this.space && !this.plus) num = num.slice(1);
      this.pad(num);
      this.zero = oldZero;
      return;
    }
    if (this.sharp && verb !== 'b') {
      let digits = 0;
      if (verb === 'g' || verb === 'G' || verb === 'x') {
        digits = prec;
        if (digits === -1) digits = 6;
      }
      let tail = '';
      let hasDecimalPoint = false;
      let sawNonzeroDigit = false;
      for (let i = 1; i < num.length; i++) {
        const ch = num[i]!;
        if (ch === '.') {
          hasDecimalPoint = true;
        } else if (ch === 'p' || ch === 'P') {
          tail = num.slice(i);
          num = num.slice(0, i);
          break;
        } else if ((ch === 'e' || ch === 'E') && verb !== 'x' && verb !== 'X') {
          tail = num.slice(i);
          num = num.slice(0, i);
          break;
        } else {
          if (ch !== '0') sawNonzeroDigit = true;
          if (sawNonzeroDigit) digits--;
        }
      }
      if (!hasDecimalPoint) {
        if (num.length === 2 && num[1] === '0') digits--;
        num += '.';
      }
      while (digits > 0) {
        num += '0';
        digits--;
      }
      num += tail;
    }
    if (this.plus || num[0] !== '+') {
      if (this.zero && this.widPresent && this.wid > num.length) {
        this.buf += num[0];
        this.writePadding(this.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  // ---- print.go ----

  badVerb(verb: Verb): void {
    this.erroring = true;
    this.buf += '%!' + encodeRune(verb) + '(';
    if (this.arg !== null) {
      this.buf += argTypeName(this.arg) + '=';
      this.printArg(this.arg, 0x76);
    } else if (this.value !== undefined) {
      this.buf += typeName(this.value) + '=';
      this.printValue(this.value, 0x76, 0);
    } else {
      this.buf += '<nil>';
    }
    this.buf += ')';
    this.erroring = false;
  }

  fmtBool(v: boolean, verb: Verb): void {
    if (verb === 0x74 || verb === 0x76) this.fmtBoolean(v);
    else this.badVerb(verb);
  }

  fmt0x64(v: bigint, leading0x: boolean): void {
    const sharp = this.sharp;
    this.sharp = leading0x;
    this.fmtInteger(v, 16, false, 0x76, LDIGITS);
    this.sharp = sharp;
  }

  fmtIntegerVerb(v: bigint, isSigned: boolean, verb: Verb): void {
    switch (verb) {
      case 0x76: // v
        if (this.sharpV && !isSigned) this.fmt0x64(v, true);
        else this.fmtInteger(v, 10, isSigned, verb, LDIGITS);
        return;
      case 0x64:
        this.fmtInteger(v, 10, isSigned, verb, LDIGITS);
        return; // d
      case 0x62:
        this.fmtInteger(v, 2, isSigned, verb, LDIGITS);
        return; // b
      case 0x6f:
      case 0x4f:
        this.fmtInteger(v, 8, isSigned, verb, LDIGITS);
        return; // o O
      case 0x78:
        this.fmtInteger(v, 16, isSigned, verb, LDIGITS);
        return; // x
      case 0x58:
        this.fmtInteger(v, 16, isSigned, verb, UDIGITS);
        return; // X
      case 0x63:
        this.fmtC(v);
        return; // c
      case 0x71:
        this.fmtQc(v);
        return; // q
      case 0x55:
        this.fmtUnicode(BigInt.asUintN(64, v));
        return; // U
    }
    this.badVerb(verb);
  }

  fmtFloat(v: number, verb: Verb): void {
    switch (verb) {
      case 0x76:
        this.fmtFloatRaw(v, 'g', -1);
        return;
      case 0x62:
      case 0x67:
      case 0x47:
      case 0x78:
      case 0x58:
        this.fmtFloatRaw(v, String.fromCharCode(verb) as FloatFmt, -1);
        return;
      case 0x66:
      case 0x65:
      case 0x45:
        this.fmtFloatRaw(v, String.fromCharCode(verb) as FloatFmt, 6);
        return;
      case 0x46:
        this.fmtFloatRaw(v, 'f', 6);
        return;
    }
    this.badVerb(verb);
  }

  fmtComplex(v: GoComplex, verb: Verb): void {
    switch (verb) {
      case 0x76:
      case 0x62:
      case 0x67:
      case 0x47:
      case 0x78:
      case 0x58:
      case 0x66:
      case 0x46:
      case 0x65:
      case 0x45: {
        const oldPlus = this.plus;
        this.buf += '(';
        this.fmtFloat(v.re, verb);
        this.plus = true;
        this.fmtFloat(v.im, verb);
        this.buf += 'i)';
        this.plus = oldPlus;
        return;
      }
    }
    this.badVerb(verb);
  }

  fmtString(v: string, verb: Verb): void {
    switch (verb) {
      case 0x76:
        if (this.sharpV) this.fmtQ(v);
        else this.fmtS(v);
        return;
      case 0x73:
        this.fmtS(v);
        return;
      case 0x78:
        this.fmtSx(v, LDIGITS);
        return;
      case 0x58:
        this.fmtSx(v, UDIGITS);
        return;
      case 0x71:
        this.fmtQ(v);
        return;
    }
    this.badVerb(verb);
  }

  fmtPointer(v: FmtArg, verb: Verb): void {
    if (!(v instanceof GoMap || v instanceof GoSlice)) {
      this.badVerb(verb);
      return;
    }
    const u = 0xc000010000n;
    switch (verb) {
      case 0x76:
        if (this.sharpV) {
          this.buf += '(' + argTypeName(v) + ')(';
          this.fmt0x64(u, true);
          this.buf += ')';
        } else {
          this.fmt0x64(u, !this.sharp);
        }
        return;
      case 0x70:
        this.fmt0x64(u, !this.sharp);
        return;
      case 0x62:
      case 0x6f:
      case 0x64:
      case 0x78:
      case 0x58:
        this.fmtIntegerVerb(u, false, verb);
        return;
    }
    this.badVerb(verb);
  }

  handleMethods(verb: Verb): boolean {
    if (this.erroring) return false;
    const arg = this.arg;
    if (verb === 0x77) {
      // w
      if (!(arg instanceof GoError) || !this.wrapErrs || this.wrappedErr) {
        this.wrappedErr = false;
        this.wrapErrs = false;
        this.badVerb(verb);
        return true;
      }
      this.wrappedErr = true;
      verb = 0x76;
    }
    if (this.sharpV) return false;
    switch (verb) {
      case 0x76:
      case 0x73:
      case 0x78:
      case 0x58:
      case 0x71:
        if (arg instanceof GoError) {
          this.fmtString(arg.message, verb);
          return true;
        }
        if (arg instanceof JsonNumber) {
          this.fmtString(arg.text, verb);
          return true;
        }
    }
    return false;
  }

  printArg(arg: FmtArg, verb: Verb): void {
    if (arg === undefined || arg === NIL) arg = null;
    this.arg = arg;
    this.value = undefined;
    if (arg === null) {
      if (verb === 0x54 || verb === 0x76) this.pad('<nil>');
      else this.badVerb(verb);
      return;
    }
    if (verb === 0x54) {
      // T
      this.fmtS(argTypeName(arg));
      return;
    }
    if (verb === 0x70) {
      // p
      this.fmtPointer(arg, 0x70);
      return;
    }
    switch (typeof arg) {
      case 'boolean':
        this.fmtBool(arg, verb);
        return;
      case 'number':
        this.fmtFloat(arg, verb);
        return;
      case 'string':
        this.fmtString(arg, verb);
        return;
    }
    if (arg instanceof GoInt) {
      this.fmtIntegerVerb(arg.v, arg.t !== 'uint8', verb);
      return;
    }
    if (arg instanceof GoComplex) {
      this.fmtComplex(arg, verb);
      return;
    }
    if (!this.handleMethods(verb)) {
      if (arg instanceof GoError) {
        // *errors.errorString: a pointer to a struct
        this.buf += '&{';
        this.printValue(arg.message, verb, 1);
        this.buf += '}';
        return;
      }
      this.printValue(arg as Val, verb, 0);
    }
  }

  /** Prints an element held in an interface{} slot (slice element or map value). */
  printElem(v: Val, verb: Verb, depth: number): void {
    if (v === NIL || v === undefined) {
      this.arg = null;
      this.value = undefined;
      this.buf += this.sharpV ? 'interface {}(nil)' : '<nil>';
      return;
    }
    this.printValue(v, verb, depth + 1);
  }

  printValue(value: Val, verb: Verb, depth: number): void {
    if (depth > 0 && value !== undefined && value !== NIL) {
      this.arg = value;
      if (this.handleMethods(verb)) return;
    }
    this.arg = null;
    this.value = value;
    switch (kindOf(value)) {
      case 'invalid':
        if (depth === 0) this.buf += '<invalid reflect.Value>';
        else if (verb === 0x76) this.buf += '<nil>';
        else this.badVerb(verb);
        return;
      case 'interface':
        this.buf += this.sharpV ? 'interface {}(nil)' : '<nil>';
        return;
      case 'bool':
        this.fmtBool(value as boolean, verb);
        return;
      case 'int':
        this.fmtIntegerVerb((value as GoInt).v, true, verb);
        return;
      case 'uint':
        this.fmtIntegerVerb((value as GoInt).v, false, verb);
        return;
      case 'float':
        this.fmtFloat(value as number, verb);
        return;
      case 'complex':
        this.fmtComplex(value as GoComplex, verb);
        return;
      case 'string':
        this.fmtString(typeof value === 'string' ? value : (value as JsonNumber).text, verb);
        return;
      case 'map': {
        const m = value as GoMap;
        if (this.sharpV) this.buf += 'map[string]interface {}{';
        else this.buf += 'map[';
        const keys = m.keys();
        for (let i = 0; i < keys.length; i++) {
          if (i > 0) this.buf += this.sharpV ? ', ' : ' ';
          this.printValue(keys[i]!, verb, depth + 1);
          this.buf += ':';
          this.printElem(m.entries.get(keys[i]!), verb, depth + 1);
        }
        this.buf += this.sharpV ? '}' : ']';
        return;
      }
      case 'slice': {
        const s = value as GoSlice;
        if (this.sharpV) {
          this.buf += '[]interface {}{';
          for (let i = 0; i < s.len; i++) {
            if (i > 0) this.buf += ', ';
            this.printElem(s.at(i), verb, depth + 1);
          }
          this.buf += '}';
        } else {
          this.buf += '[';
          for (let i = 0; i < s.len; i++) {
            if (i > 0) this.buf += ' ';
            this.printElem(s.at(i), verb, depth + 1);
          }
          this.buf += ']';
        }
        return;
      }
    }
  }

  // ---- Printf ----

  argNumber(argNum: number, format: string, i: number, numArgs: number): [number, number, boolean] {
    if (format.length <= i || format[i] !== '[') return [argNum, i, false];
    this.reordered = true;
    const [index, wid, ok] = parseArgNumber(format.slice(i));
    if (ok && index >= 0 && index < numArgs) return [index, i + wid, true];
    this.goodArgNum = false;
    return [argNum, i + wid, ok];
  }

  doPrintf(format: string, a: readonly FmtArg[]): void {
    const end = format.length;
    let argNum = 0;
    let afterIndex = false;
    this.reordered = false;
    formatLoop: for (let i = 0; i < end;) {
      this.goodArgNum = true;
      const lasti = i;
      while (i < end && format.charCodeAt(i) !== 0x25) i++;
      if (i > lasti) this.buf += format.slice(lasti, i);
      if (i >= end) break;
      i++;
      this.clearflags();
      simple: for (; i < end; i++) {
        const c = format.charCodeAt(i);
        switch (c) {
          case 0x23:
            this.sharp = true;
            break;
          case 0x30:
            this.zero = !this.minus;
            break;
          case 0x2b:
            this.plus = true;
            break;
          case 0x2d:
            this.minus = true;
            this.zero = false;
            break;
          case 0x20:
            this.space = true;
            break;
          default:
            if (c >= 0x61 && c <= 0x7a && argNum < a.length) {
              if (c === 0x76) {
                this.sharpV = this.sharp;
                this.sharp = false;
                this.plusV = this.plus;
                this.plus = false;
              }
              this.printArg(a[argNum]!, c);
              argNum++;
              i++;
              continue formatLoop;
            }
            break simple;
        }
      }
      [argNum, i, afterIndex] = this.argNumber(argNum, format, i, a.length);
      if (i < end && format[i] === '*') {
        i++;
        [this.wid, this.widPresent, argNum] = intFromArg(a, argNum);
        if (!this.widPresent) this.buf += '%!(BADWIDTH)';
        if (this.wid < 0) {
          this.wid = -this.wid;
          this.minus = true;
          this.zero = false;
        }
        afterIndex = false;
      } else {
        [this.wid, this.widPresent, i] = parsenum(format, i, end);
        if (afterIndex && this.widPresent) this.goodArgNum = false;
      }
      if (i + 1 < end && format[i] === '.') {
        i++;
        if (afterIndex) this.goodArgNum = false;
        [argNum, i, afterIndex] = this.argNumber(argNum, format, i, a.length);
        if (i < end && format[i] === '*') {
          i++;
          [this.prec, this.precPresent, argNum] = intFromArg(a, argNum);
          if (this.prec < 0) {
            this.prec = 0;
            this.precPresent = false;
          }
          if (!this.precPresent) this.buf += '%!(BADPREC)';
          afterIndex = false;
        } else {
          [this.prec, this.precPresent, i] = parsenum(format, i, end);
          if (!this.precPresent) {
            this.prec = 0;
            this.precPresent = true;
          }
        }
      }
      if (!afterIndex) [argNum, i, afterIndex] = this.argNumber(argNum, format, i, a.length);
      if (i >= end) {
        this.buf += '%!(NOVERB)';
        break;
      }
      let verb = format.charCodeAt(i);
      let size = 1;
      if (verb >= 0x80) {
        const d = decodeRune(format, i);
        verb = d >> 3;
        size = d & 7;
      }
      i += size;
      if (verb === 0x25) this.buf += '%';
      else if (!this.goodArgNum) this.buf += '%!' + encodeRune(verb) + '(BADINDEX)';
      else if (argNum >= a.length) this.buf += '%!' + encodeRune(verb) + '(MISSING)';
      else {
        if (verb === 0x76) {
          this.sharpV = this.sharp;
          this.sharp = false;
          this.plusV = this.plus;
          this.plus = false;
        }
        this.printArg(a[argNum]!, verb);
        argNum++;
      }
    }
    if (!this.reordered && argNum < a.length) {
      this.clearflags();
      this.buf += '%!(EXTRA ';
      for (let i = argNum; i < a.length; i++) {
        if (i > argNum) this.buf += ', ';
        const arg = a[i]!;
        if (arg === null || arg === undefined || arg === NIL) this.buf += '<nil>';
        else {
          this.buf += argTypeName(arg) + '=';
          this.printArg(arg, 0x76);
        }
      }
      this.buf += ')';
    }
  }
}

function argTypeName(a: FmtArg): string {
  if (a instanceof GoError) return '*errors.errorString';
  if (a === null) return '<nil>';
  return typeName(a);
}

function tooLarge(x: number): boolean {
  return x > 1e6 || x < -1e6;
}

function parsenum(s: string, start: number, end: number): [number, boolean, number] {
  if (start >= end) return [0, false, end];
  let num = 0;
  let isnum = false;
  let i = start;
  for (; i < end && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39; i++) {
    if (tooLarge(num)) return [0, false, end];
    num = num * 10 + s.charCodeAt(i) - 0x30;
    isnum = true;
  }
  return [num, isnum, i];
}

function parseArgNumber(format: string): [number, number, boolean] {
  if (format.length < 3) return [0, 1, false];
  for (let i = 1; i < format.length; i++) {
    if (format[i] === ']') {
      const [width, ok, newi] = parsenum(format, 1, i);
      if (!ok || newi !== i) return [0, i + 1, false];
      return [width - 1, i + 1, true];
    }
  }
  return [0, 1, false];
}

function intFromArg(a: readonly FmtArg[], argNum: number): [number, boolean, number] {
  let num = 0;
  let isInt = false;
  let newArgNum = argNum;
  if (argNum < a.length) {
    const v = a[argNum];
    if (v instanceof GoInt) {
      const n = v.v;
      if (n >= -(1n << 63n) && n < 1n << 63n) {
        num = Number(n);
        isInt = true;
      }
    }
    newArgNum = argNum + 1;
    if (tooLarge(num)) {
      num = 0;
      isInt = false;
    }
  }
  return [num, isInt, newArgNum];
}

function isStringKind(a: FmtArg): boolean {
  return typeof a === 'string' || a instanceof JsonNumber;
}

/** fmt.Sprint */
export function sprint(args: readonly FmtArg[]): string {
  const p = new Printer();
  let prevString = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const isString = isStringKind(arg);
    if (i > 0 && !isString && !prevString) p.buf += ' ';
    p.printArg(arg, 0x76);
    prevString = isString;
  }
  return p.buf;
}

/** fmt.Sprintln */
export function sprintln(args: readonly FmtArg[]): string {
  const p = new Printer();
  for (let i = 0; i < args.length; i++) {
    if (i > 0) p.buf += ' ';
    p.printArg(args[i]!, 0x76);
  }
  return p.buf + '\n';
}

/** fmt.Sprintf (or, with wrapErrs, the formatting fmt.Errorf does). Byte strings in and out. */
export function sprintf(format: string, args: readonly FmtArg[], wrapErrs = false): string {
  const p = new Printer();
  p.wrapErrs = wrapErrs;
  p.doPrintf(format, args);
  return p.buf;
}

/** fmt.Sprint of a single value, the common case of printing an action's result. */
export function printOne(v: Val): string {
  if (typeof v === 'string') return v;
  if (v instanceof JsonNumber) return v.text;
  return sprint([v]);
}
