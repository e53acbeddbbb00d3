// The Starlark scanner: turns source text into tokens, one at a time, on the parser's
// demand (as the reference does, so that the first error reported is the same one). It
// walks the source by UTF-16 char code with no regular expressions on the hot path,
// tracks 1-based line and column (column counted in code points), and synthesizes
// NEWLINE / INDENT / OUTDENT tokens with the reference's rules: tabs advance to the next
// multiple of 8, blank and comment-only lines are ignored, newlines inside brackets are
// ignored, and EOF closes any open indentation (preceded by a NEWLINE if needed).
//
// Literal values follow ast.ts: strings are byte strings (UTF-8, one char per byte),
// ints are numbers when safe and bigints otherwise, floats are numbers. Identifier
// names are byte strings too (identical to the source text for ASCII names), so that a
// name in the source and the same name in a string (`load`, `getattr`) compare equal.
import type { Position } from './ast.js';
import { StarlarkSyntaxError } from './errors.js';
import { isPrintRune, unquoteLiteral, utf8Encode } from './quote.js';

export const enum Tok {
  ILLEGAL,
  EOF,
  NEWLINE,
  INDENT,
  OUTDENT,
  IDENT,
  INT,
  FLOAT,
  STRING,
  PLUS,
  MINUS,
  STAR,
  SLASH,
  SLASHSLASH,
  PERCENT,
  AMP,
  PIPE,
  CIRCUMFLEX,
  LTLT,
  GTGT,
  TILDE,
  DOT,
  COMMA,
  EQ,
  SEMI,
  COLON,
  LPAREN,
  RPAREN,
  LBRACK,
  RBRACK,
  LBRACE,
  RBRACE,
  LT,
  GT,
  GE,
  LE,
  EQL,
  NEQ,
  PLUS_EQ,
  MINUS_EQ,
  STAR_EQ,
  SLASH_EQ,
  SLASHSLASH_EQ,
  PERCENT_EQ,
  AMP_EQ,
  PIPE_EQ,
  CIRCUMFLEX_EQ,
  LTLT_EQ,
  GTGT_EQ,
  STARSTAR,
  AND,
  BREAK,
  CONTINUE,
  DEF,
  ELIF,
  ELSE,
  FOR,
  IF,
  IN,
  LAMBDA,
  LOAD,
  NOT,
  NOT_IN,
  OR,
  PASS,
  RETURN,
  WHILE,
}

const tokenNames: readonly string[] = [
  'illegal token',
  'end of file',
  'newline',
  'indent',
  'outdent',
  'identifier',
  'int literal',
  'float literal',
  'string literal',
  '+',
  '-',
  '*',
  '/',
  '//',
  '%',
  '&',
  '|',
  '^',
  '<<',
  '>>',
  '~',
  '.',
  ',',
  '=',
  ';',
  ':',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '<',
  '>',
  '>=',
  '<=',
  '==',
  '!=',
  '+=',
  '-=',
  '*=',
  '/=',
  '//=',
  '%=',
  '&=',
  '|=',
  '^=',
  '<<=',
  '>>=',
  '**',
  'and',
  'break',
  'continue',
  'def',
  'elif',
  'else',
  'for',
  'if',
  'in',
  'lambda',
  'load',
  'not',
  'not in',
  'or',
  'pass',
  'return',
  'while',
];

/** The token's name as the reference prints it ("newline", "+", "for", ...). */
export function tokenName(t: Tok): string {
  return tokenNames[t] ?? 'illegal token';
}

/** The token as the reference quotes it in parse errors: punctuation in single quotes. */
export function tokenDescr(t: Tok): string {
  return t >= Tok.PLUS && t <= Tok.STARSTAR ? `'${tokenNames[t]}'` : tokenName(t);
}

const keywords = new Map<string, Tok>([
  ['and', Tok.AND],
  ['break', Tok.BREAK],
  ['continue', Tok.CONTINUE],
  ['def', Tok.DEF],
  ['elif', Tok.ELIF],
  ['else', Tok.ELSE],
  ['for', Tok.FOR],
  ['if', Tok.IF],
  ['in', Tok.IN],
  ['lambda', Tok.LAMBDA],
  ['load', Tok.LOAD],
  ['not', Tok.NOT],
  ['or', Tok.OR],
  ['pass', Tok.PASS],
  ['return', Tok.RETURN],
  ['while', Tok.WHILE],
  // reserved words: scanned as ILLEGAL, as in the reference
  ['as', Tok.ILLEGAL],
  ['class', Tok.ILLEGAL],
  ['del', Tok.ILLEGAL],
  ['except', Tok.ILLEGAL],
  ['finally', Tok.ILLEGAL],
  ['from', Tok.ILLEGAL],
  ['global', Tok.ILLEGAL],
  ['import', Tok.ILLEGAL],
  ['is', Tok.ILLEGAL],
  ['nonlocal', Tok.ILLEGAL],
  ['raise', Tok.ILLEGAL],
  ['try', Tok.ILLEGAL],
  ['with', Tok.ILLEGAL],
  ['yield', Tok.ILLEGAL],
]);

const letterRe = /^\p{L}$/u;

function isLetter(cp: number): boolean {
  return letterRe.test(String.fromCodePoint(cp));
}

/** Go's %q of a rune: 'x', with escapes for quotes, backslash and unprintable runes. */
function quoteRune(r: number): string {
  let s: string;
  if (r === 39) s = "\\'";
  else if (r === 92) s = '\\\\';
  else if (r === 7) s = '\\a';
  else if (r === 8) s = '\\b';
  else if (r === 12) s = '\\f';
  else if (r === 10) s = '\\n';
  else if (r === 13) s = '\\r';
  else if (r === 9) s = '\\t';
  else if (r === 11) s = '\\v';
  else if (r < 0x20 || r === 0x7f) s = '\\x' + r.toString(16).padStart(2, '0');
  else if (isPrintRune(r)) s = String.fromCodePoint(r);
  else if (r < 0x10000) s = '\\u' + r.toString(16).padStart(4, '0');
  else s = '\\U' + r.toString(16).padStart(8, '0');
  return `'${s}'`;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function isAsciiIdent(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57);
}

const EOF_CHAR = -1;

/**
 * A scanner over one file. Call `next()` repeatedly; after each call `tok` is the token,
 * `tokLine`/`tokCol` its start, `line`/`col` the position just after it (where the
 * reference reports most parse errors), and for literals and identifiers `raw` is its
 * source text and `value` its value (identifiers: the name).
 */
export class Scanner {
  readonly filename: string;
  private readonly src: string;
  private readonly n: number;
  private i = 0;
  line = 1;
  col = 1;
  private depth = 0;
  private readonly indentstk: number[] = [0];
  private dents = 0;
  private lineStart = true;

  tok: Tok = Tok.ILLEGAL;
  tokLine = 1;
  tokCol = 1;
  /** Index of the token's first char code in the source, and one past its last. */
  tokStart = 0;
  tokEnd = 0;
  raw = '';
  value: string | number | bigint = '';

  constructor(filename: string, src: string) {
    this.filename = filename;
    this.src = src;
    this.n = src.length;
  }

  /** The current scanning position (just after the current token). */
  pos(): Position {
    return { line: this.line, col: this.col };
  }

  /** The current token's start. */
  tokPos(): Position {
    return { line: this.tokLine, col: this.tokCol };
  }

  error(line: number, col: number, msg: string): never {
    throw new StarlarkSyntaxError(this.filename, { line, col }, msg);
  }

  private peek(): number {
    if (this.i >= this.n) return EOF_CHAR;
    const c = this.src.charCodeAt(this.i);
    return c === 13 ? 10 : c;
  }

  /** The code point at the current position (a lone surrogate reads as U+FFFD). */
  private peekCodePoint(): number {
    const c = this.src.charCodeAt(this.i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = this.src.charCodeAt(this.i + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) return 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      return 0xfffd;
    }
    return c;
  }

  /** Consumes one code point (CR LF and CR count as one newline). */
  private read(): void {
    const c = this.src.charCodeAt(this.i++);
    if (c === 10) {
      this.line++;
      this.col = 1;
    } else if (c === 13) {
      if (this.src.charCodeAt(this.i) === 10) this.i++;
      this.line++;
      this.col = 1;
    } else {
      if (c >= 0xd800 && c <= 0xdbff) {
        const d = this.src.charCodeAt(this.i);
        if (d >= 0xdc00 && d <= 0xdfff) this.i++;
      }
      this.col++;
    }
  }

  private startToken(): void {
    this.tokLine = this.line;
    this.tokCol = this.col;
    this.tokStart = this.i;
  }

  private setTok(t: Tok): Tok {
    this.tokEnd = this.i;
    this.tok = t;
    return t;
  }

  /** Scans the next token. */
  next(): Tok {
    for (;;) {
      let c: number;
      let blank = false;
      const savedLineStart = this.lineStart;
      if (this.lineStart) {
        this.lineStart = false;
        let col = 0;
        for (;;) {
          c = this.peek();
          if (c === 32) {
            col++;
            this.read();
          } else if (c === 9) {
            col += 8 - ((this.col - 1) % 8);
            this.read();
          } else {
            break;
          }
        }
        if (c === 35 || c === 10 || c === EOF_CHAR) blank = true;
        if (!blank && this.depth === 0) {
          const stk = this.indentstk;
          const cur = stk[stk.length - 1];
          if (col > cur) {
            this.dents++;
            stk.push(col);
          } else if (col < cur) {
            while (stk.length > 0 && col < stk[stk.length - 1]) {
              this.dents--;
              stk.pop();
            }
            if (col !== stk[stk.length - 1]) {
              this.error(this.line, this.col, 'unindent does not match any outer indentation level');
            }
          }
        }
      }

      if (this.dents !== 0) {
        this.startToken();
        this.raw = '';
        if (this.dents < 0) {
          this.dents++;
          return this.setTok(Tok.OUTDENT);
        }
        this.dents--;
        return this.setTok(Tok.INDENT);
      }

      c = this.peek();
      while (c === 32 || c === 9) {
        this.i++;
        this.col++;
        c = this.peek();
      }

      if (c === 35) {
        const src = this.src;
        let i = this.i;
        const n = this.n;
        let col = this.col;
        for (; i < n; i++) {
          const d = src.charCodeAt(i);
          if (d === 10 || d === 13) break;
          if (d >= 0xdc00 && d <= 0xdfff && i > this.i) {
            const p = src.charCodeAt(i - 1);
            if (p >= 0xd800 && p <= 0xdbff) continue;
          }
          col++;
        }
        this.i = i;
        this.col = col;
        c = this.peek();
      }

      if (c === 10) {
        this.lineStart = true;
        if (this.depth > 0 || blank) {
          this.read();
          continue;
        }
        this.startToken();
        this.read();
        this.raw = '\n';
        return this.setTok(Tok.NEWLINE);
      }

      if (c === EOF_CHAR) {
        if (this.indentstk.length > 1) {
          if (savedLineStart) {
            this.dents = 1 - this.indentstk.length;
            this.indentstk.length = 1;
            continue;
          }
          this.lineStart = true;
          this.startToken();
          this.raw = '\n';
          return this.setTok(Tok.NEWLINE);
        }
        this.startToken();
        this.raw = '';
        return this.setTok(Tok.EOF);
      }

      if (c === 92) {
        this.read();
        if (this.peek() !== 10) this.error(this.line, this.col, 'stray backslash in program');
        this.read();
        continue;
      }

      this.startToken();
      return this.scanToken(c);
    }
  }

  private scanToken(c: number): Tok {
    if (c === 44) {
      this.i++;
      this.col++;
      return this.setTok(Tok.COMMA);
    }
    if (c === 34 || c === 39) return this.scanString(c);

    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) {
      if (c === 114) {
        const q = this.src.charCodeAt(this.i + 1);
        if (q === 34 || q === 39) {
          this.i++;
          this.col++;
          return this.scanString(q);
        }
      }
      return this.scanIdent();
    }
    if (c >= 0x80 && isLetter(this.peekCodePoint())) return this.scanIdent();

    switch (c) {
      case 40: // (
      case 91: // [
      case 123: // {
        this.depth++;
        this.i++;
        this.col++;
        return this.setTok(c === 40 ? Tok.LPAREN : c === 91 ? Tok.LBRACK : Tok.LBRACE);
      case 41: // )
      case 93: // ]
      case 125: // }
        if (this.depth === 0) this.error(this.line, this.col, `unexpected ${quoteRune(c)}`);
        this.depth--;
        this.i++;
        this.col++;
        return this.setTok(c === 41 ? Tok.RPAREN : c === 93 ? Tok.RBRACK : Tok.RBRACE);
    }

    if (isDigit(c) || c === 46) return this.scanNumber(c);

    const src = this.src;
    const next = src.charCodeAt(this.i + 1);
    let t: Tok;
    let len = 1;
    switch (c) {
      case 61: // =
        if (next === 61) {
          t = Tok.EQL;
          len = 2;
        } else t = Tok.EQ;
        break;
      case 33: // !
        if (next === 61) {
          t = Tok.NEQ;
          len = 2;
        } else this.error(this.line, this.col, "unexpected input character '!'");
        break;
      case 43: // +
        if (next === 61) {
          t = Tok.PLUS_EQ;
          len = 2;
        } else t = Tok.PLUS;
        break;
      case 45: // -
        if (next === 61) {
          t = Tok.MINUS_EQ;
          len = 2;
        } else t = Tok.MINUS;
        break;
      case 37: // %
        if (next === 61) {
          t = Tok.PERCENT_EQ;
          len = 2;
        } else t = Tok.PERCENT;
        break;
      case 38: // &
        if (next === 61) {
          t = Tok.AMP_EQ;
          len = 2;
        } else t = Tok.AMP;
        break;
      case 124: // |
        if (next === 61) {
          t = Tok.PIPE_EQ;
          len = 2;
        } else t = Tok.PIPE;
        break;
      case 94: // ^
        if (next === 61) {
          t = Tok.CIRCUMFLEX_EQ;
          len = 2;
        } else t = Tok.CIRCUMFLEX;
        break;
      case 60: // <
        if (next === 61) {
          t = Tok.LE;
          len = 2;
        } else if (next === 60) {
          if (src.charCodeAt(this.i + 2) === 61) {
            t = Tok.LTLT_EQ;
            len = 3;
          } else {
            t = Tok.LTLT;
            len = 2;
          }
        } else t = Tok.LT;
        break;
      case 62: // >
        if (next === 61) {
          t = Tok.GE;
          len = 2;
        } else if (next === 62) {
          if (src.charCodeAt(this.i + 2) === 61) {
            t = Tok.GTGT_EQ;
            len = 3;
          } else {
            t = Tok.GTGT;
            len = 2;
          }
        } else t = Tok.GT;
        break;
      case 47: // /
        if (next === 61) {
          t = Tok.SLASH_EQ;
          len = 2;
        } else if (next === 47) {
          if (src.charCodeAt(this.i + 2) === 61) {
            t = Tok.SLASHSLASH_EQ;
            len = 3;
          } else {
            t = Tok.SLASHSLASH;
            len = 2;
          }
        } else t = Tok.SLASH;
        break;
      case 42: // *
        if (next === 42) {
          t = Tok.STARSTAR;
          len = 2;
        } else if (next === 61) {
          t = Tok.STAR_EQ;
          len = 2;
        } else t = Tok.STAR;
        break;
      case 58:
        t = Tok.COLON;
        break;
      case 59:
        t = Tok.SEMI;
        break;
      case 126:
        t = Tok.TILDE;
        break;
      default:
        return this.error(this.line, this.col, `unexpected input character ${quoteRune(c >= 0xd800 ? this.peekCodePoint() : c)}`);
    }
    this.i += len;
    this.col += len;
    return this.setTok(t);
  }

  private scanIdent(): Tok {
    const src = this.src;
    const n = this.n;
    const start = this.i;
    let i = start;
    let col = this.col;
    let ascii = true;
    while (i < n) {
      const c = src.charCodeAt(i);
      if (isAsciiIdent(c)) {
        i++;
        col++;
        continue;
      }
      if (c < 0x80) break;
      const cp = src.codePointAt(i)!;
      if (!isLetter(cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp)) break;
      ascii = false;
      i += cp > 0xffff ? 2 : 1;
      col++;
    }
    this.i = i;
    this.col = col;
    const raw = src.slice(start, i);
    this.raw = raw;
    if (ascii) {
      const k = raw.length <= 8 ? keywords.get(raw) : undefined;
      if (k !== undefined) return this.setTok(k);
      this.value = raw;
    } else {
      this.value = utf8Encode(raw);
    }
    return this.setTok(Tok.IDENT);
  }

  private scanString(quote: number): Tok {
    const startLine = this.line;
    const startCol = this.col;
    const src = this.src;
    const n = this.n;
    let i = this.i;
    let line = this.line;
    let col = this.col;
    const triple = src.charCodeAt(i + 1) === quote && src.charCodeAt(i + 2) === quote;
    let plain = true;
    let sawCR = false;
    let bodyStart: number;
    let bodyEnd: number;
    if (!triple) {
      i++;
      col++;
      bodyStart = i;
      for (;;) {
        if (i >= n) this.unterminated();
        const c = src.charCodeAt(i);
        if (c === quote) {
          bodyEnd = i;
          i++;
          col++;
          break;
        }
        if (c === 10 || c === 13) this.error(this.tokLine, this.tokCol, 'unexpected newline in string');
        if (c === 92) {
          plain = false;
          i++;
          col++;
          if (i >= n) this.unterminated();
          const d = src.charCodeAt(i);
          if (d === 10 || d === 13) {
            if (d === 13) {
              sawCR = true;
              if (src.charCodeAt(i + 1) === 10) i++;
            }
            i++;
            line++;
            col = 1;
            continue;
          }
          if (d >= 0xd800 && d <= 0xdbff) {
            const e = src.charCodeAt(i + 1);
            if (e >= 0xdc00 && e <= 0xdfff) i++;
          }
          i++;
          col++;
          continue;
        }
        if (c >= 0x80) {
          plain = false;
          if (c >= 0xd800 && c <= 0xdbff) {
            const e = src.charCodeAt(i + 1);
            if (e >= 0xdc00 && e <= 0xdfff) i++;
          }
        }
        i++;
        col++;
      }
    } else {
      i += 3;
      col += 3;
      bodyStart = i;
      let quoteCount = 0;
      for (;;) {
        if (i >= n) this.unterminated();
        const c = src.charCodeAt(i);
        if (c === quote) {
          i++;
          col++;
          if (++quoteCount === 3) {
            bodyEnd = i - 3;
            break;
          }
          continue;
        }
        quoteCount = 0;
        if (c === 10 || c === 13) {
          if (c === 13) {
            sawCR = true;
            if (src.charCodeAt(i + 1) === 10) i++;
          }
          i++;
          line++;
          col = 1;
          continue;
        }
        if (c === 92) {
          plain = false;
          i++;
          col++;
          if (i >= n) this.unterminated();
          const d = src.charCodeAt(i);
          if (d === 10 || d === 13) {
            if (d === 13) {
              sawCR = true;
              if (src.charCodeAt(i + 1) === 10) i++;
            }
            i++;
            line++;
            col = 1;
            continue;
          }
          if (d >= 0xd800 && d <= 0xdbff) {
            const e = src.charCodeAt(i + 1);
            if (e >= 0xdc00 && e <= 0xdfff) i++;
          }
          i++;
          col++;
          continue;
        }
        if (c >= 0x80) {
          plain = false;
          if (c >= 0xd800 && c <= 0xdbff) {
            const e = src.charCodeAt(i + 1);
            if (e >= 0xdc00 && e <= 0xdfff) i++;
          }
        }
        i++;
        col++;
      }
    }
    this.i = i;
    this.line = line;
    this.col = col;
    let raw = src.slice(this.tokStart, i);
    if (sawCR) raw = raw.replace(/\r\n?/g, '\n');
    this.raw = raw;
    if (plain && !sawCR) {
      this.value = src.slice(bodyStart, bodyEnd);
    } else {
      const r = unquoteLiteral(raw);
      if ('error' in r) this.error(startLine, startCol, r.error);
      this.value = r.value;
    }
    return this.setTok(Tok.STRING);
  }

  /** An error at index `at` of the number being scanned (numbers are ASCII, one column per char). */
  private errorInNumber(at: number, msg: string): never {
    return this.error(this.line, this.col + (at - this.i), msg);
  }

  private unterminated(): never {
    return this.error(this.tokLine, this.tokCol, 'unexpected EOF in string');
  }

  private scanNumber(c: number): Tok {
    const src = this.src;
    const startLine = this.line;
    const startCol = this.col;
    const start = this.i;
    let i = start;
    let fraction = false;
    let exponent = false;

    if (c === 46) {
      i++;
      if (!isDigit(src.charCodeAt(i))) {
        this.i = i;
        this.col++;
        return this.setTok(Tok.DOT);
      }
      fraction = true;
    } else if (c === 48) {
      i++;
      c = src.charCodeAt(i);
      if (c === 46) {
        fraction = true;
      } else if (c === 120 || c === 88) {
        i++;
        if (!isHexDigit(src.charCodeAt(i))) this.error(startLine, startCol, 'invalid hex literal');
        while (isHexDigit(src.charCodeAt(i))) i++;
        return this.finishInt(i, 16);
      } else if (c === 111 || c === 79) {
        i++;
        c = src.charCodeAt(i);
        if (!(c >= 48 && c <= 55)) this.errorInNumber(i, 'invalid octal literal');
        while ((c = src.charCodeAt(i)) >= 48 && c <= 55) i++;
        return this.finishInt(i, 8);
      } else if (c === 98 || c === 66) {
        i++;
        c = src.charCodeAt(i);
        if (c !== 48 && c !== 49) this.errorInNumber(i, 'invalid binary literal');
        while ((c = src.charCodeAt(i)) === 48 || c === 49) i++;
        return this.finishInt(i, 2);
      } else {
        let allZeros = true;
        let octal = true;
        while (isDigit((c = src.charCodeAt(i)))) {
          if (c !== 48) allZeros = false;
          if (c > 55) octal = false;
          i++;
        }
        if (c === 46) {
          fraction = true;
        } else if (c === 101 || c === 69) {
          exponent = true;
        } else {
          if (allZeros) return this.finishInt(i, 0);
          if (octal) {
            this.errorInNumber(i, `obsolete form of octal literal; use 0o${src.slice(start + 1, i)}`);
          }
          this.error(startLine, startCol, 'invalid int literal');
        }
      }
    } else {
      while (isDigit((c = src.charCodeAt(i)))) i++;
      if (c === 46) fraction = true;
      else if (c === 101 || c === 69) exponent = true;
      else return this.finishInt(i, 10);
    }

    if (fraction) {
      i++;
      while (isDigit((c = src.charCodeAt(i)))) i++;
      if (c === 101 || c === 69) exponent = true;
    }
    if (exponent) {
      i++;
      c = src.charCodeAt(i);
      if (c === 43 || c === 45) {
        i++;
        if (!isDigit(src.charCodeAt(i))) this.errorInNumber(i, 'invalid float literal');
      }
      while (isDigit(src.charCodeAt(i))) i++;
    }
    const raw = src.slice(start, i);
    const f = Number(raw);
    if (!Number.isFinite(f)) this.errorInNumber(i, 'invalid float literal');
    this.i = i;
    this.col += i - start;
    this.raw = raw;
    this.value = f;
    return this.setTok(Tok.FLOAT);
  }

  /** Ends an int literal at `end`; radix 0 means a run of zeros. */
  private finishInt(end: number, radix: number): Tok {
    const start = this.i;
    const raw = this.src.slice(start, end);
    this.i = end;
    this.col += end - start;
    this.raw = raw;
    let v: number | bigint;
    if (radix === 0) {
      v = 0;
    } else if (radix === 10) {
      v = raw.length <= 15 ? Number(raw) : BigInt(raw);
    } else {
      const digits = raw.slice(2);
      const safeLen = radix === 16 ? 13 : radix === 8 ? 17 : 52;
      v = digits.length <= safeLen ? parseInt(digits, radix) : BigInt('0' + raw.charAt(1).toLowerCase() + digits);
    }
    if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER)) v = Number(v);
    this.value = v;
    return this.setTok(Tok.INT);
  }
}

/** A token as returned by `scan`. */
export interface ScannedToken {
  tok: Tok;
  /** tokenName(tok) */
  name: string;
  pos: Position;
  /** Source text (for strings, with CR LF normalized to LF). */
  raw: string;
  /** For IDENT the name; for INT, FLOAT and STRING the value. */
  value?: string | number | bigint;
}

/** Scans a whole file into tokens, ending with EOF. Throws StarlarkSyntaxError. */
export function scan(filename: string, src: string): ScannedToken[] {
  const sc = new Scanner(filename, src);
  const out: ScannedToken[] = [];
  for (;;) {
    const t = sc.next();
    const tok: ScannedToken = { tok: t, name: tokenName(t), pos: sc.tokPos(), raw: '' };
    if (t === Tok.IDENT || t === Tok.INT || t === Tok.FLOAT || t === Tok.STRING) {
      tok.raw = sc.raw;
      tok.value = sc.value;
    } else if (t === Tok.NEWLINE) {
      tok.raw = '\n';
    } else {
      tok.raw = src.slice(sc.tokStart, sc.tokEnd);
    }
    out.push(tok);
    if (t === Tok.EOF) return out;
  }
}
