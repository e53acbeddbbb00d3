// Tests of the Starlark scanner and of string-literal decoding and quoting (quote.ts):
// token streams, positions, every literal form and escape, indentation, and the errors
// with the reference's messages and positions. Also a property test that any text
// scans to tokens or to a StarlarkSyntaxError, never another exception.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StarlarkSyntaxError } from '../../lib/starlark/errors.js';
import { scan, Scanner, Tok, tokenName, type ScannedToken } from '../../lib/starlark/scanner.js';
import { quote, unquote, UnquoteError, utf8Decode, utf8DecodeAt, utf8Encode } from '../../lib/starlark/quote.js';

/** A compact rendering: identifiers by name, literals by value, others by token name. */
function render(t: ScannedToken): string {
  switch (t.tok) {
    case Tok.IDENT:
      return String(t.value);
    case Tok.INT:
      return `${String(t.value)}${typeof t.value === 'bigint' ? 'n' : ''}`;
    case Tok.FLOAT:
      return `f${String(t.value)}`;
    case Tok.STRING:
      return JSON.stringify(t.value);
    case Tok.EOF:
      return 'EOF';
    default:
      return t.name;
  }
}

function toks(src: string): string {
  return scan('t.star', src).map(render).join(' ');
}

/** "line:col: message" of the scan error for `src`. */
function scanError(src: string): string {
  try {
    scan('t.star', src);
  } catch (e) {
    assert.ok(e instanceof StarlarkSyntaxError, `not a syntax error: ${String(e)}`);
    return `${e.pos.line}:${e.pos.col}: ${e.msg}`;
  }
  assert.fail(`no error scanning ${JSON.stringify(src)}`);
}

function value(src: string): string | number | bigint | undefined {
  const all = scan('t.star', src);
  assert.equal(all.length, 2, `expected one token in ${JSON.stringify(src)}`);
  return all[0].value;
}

describe('scanner', () => {
  describe('token streams', () => {
    const cases: [string, string][] = [
      ['', 'EOF'],
      ['a.b', 'a . b EOF'],
      ['f(x, y)', 'f ( x , y ) EOF'],
      ['a;b', 'a ; b EOF'],
      ['a\nb', 'a newline b EOF'],
      ['a\r\nb', 'a newline b EOF'],
      ['a\rb', 'a newline b EOF'],
      ['a\n\n\n   \n# comment\n\t# indented comment\nb', 'a newline b EOF'],
      ['x  # trailing comment\ny', 'x newline y EOF'],
      ['f(\n1,\n\n2\n)\n', 'f ( 1 , 2 ) newline EOF'],
      ['x = 1 + \\\n  2', 'x = 1 + 2 EOF'],
      ['+ - * / // % & | ^ << >> ~', '+ - * / // % & | ^ << >> ~ EOF'],
      ['< > <= >= == != =', '< > <= >= == != = EOF'],
      ['+= -= *= /= //= %= &= |= ^= <<= >>= **', '+= -= *= /= //= %= &= |= ^= <<= >>= ** EOF'],
      ['///=', '// /= EOF'],
      ['***', '** * EOF'],
      ['<<<', '<< < EOF'],
      ['~=', '~ = EOF'],
      [
        'and break continue def elif else for if in lambda load not or pass return while',
        'and break continue def elif else for if in lambda load not or pass return while EOF',
      ],
      ['class yield as is', 'illegal token illegal token illegal token illegal token EOF'],
      ['assert', 'assert EOF'],
      ['_x x1 éclair', '_x x1 \xc3\xa9clair EOF'],
      ['0in', '0 in EOF'],
      ['6or', '6 or EOF'],
      ['.e1', '. e1 EOF'],
      ['0xAAG', '170 G EOF'],
      ['0b1012', '5 2 EOF'],
      ['0o128', '10 8 EOF'],
      ['1.5.x', 'f1.5 . x EOF'],
      ['([{}])', '( [ { } ] ) EOF'],
    ];
    for (const [src, want] of cases) {
      it(JSON.stringify(src), () => assert.equal(toks(src), want));
    }
  });

  describe('indentation', () => {
    it('emits INDENT and OUTDENT around blocks', () => {
      assert.equal(
        toks('def f():\n  if x:\n    pass\n  y\nz\n'),
        'def f ( ) : newline indent if x : newline indent pass newline outdent y newline outdent z newline EOF',
      );
    });
    it('closes open blocks at EOF, with a NEWLINE when the last line has none', () => {
      assert.equal(toks('if x:\n  pass'), 'if x : newline indent pass newline outdent EOF');
      assert.equal(toks('if x:\n  pass\n'), 'if x : newline indent pass newline outdent EOF');
      assert.equal(toks('if x:\n  pass\n  # c\n   \n'), 'if x : newline indent pass newline outdent EOF');
      assert.equal(toks('def f():\n  if x:\n    pass\n  '), 'def f ( ) : newline indent if x : newline indent pass newline outdent outdent EOF');
    });
    it('ignores blank and comment-only lines at any indentation', () => {
      assert.equal(toks('if x:\n  a\n      # c\n\n  b\n'), 'if x : newline indent a newline b newline outdent EOF');
    });
    it('ignores indentation inside brackets', () => {
      assert.equal(toks('x = [\n        1,\n  2]\ny\n'), 'x = [ 1 , 2 ] newline y newline EOF');
    });
    it('ignores indentation after a backslash continuation', () => {
      assert.equal(toks('if x:\n  a = \\\n1\n  b\n'), 'if x : newline indent a = 1 newline b newline outdent EOF');
    });
    it('advances tabs to a multiple of 8 counted from the characters read', () => {
      assert.equal(toks('if x:\n\ta\n        b\n'), 'if x : newline indent a newline b newline outdent EOF');
      assert.equal(toks('if x:\n  \ta\n        b\n'), 'if x : newline indent a newline b newline outdent EOF');
      // the reference counts "\t\t" as 15 columns (8, then 8 - 1), not 16
      assert.equal(toks('if x:\n\t\ta\n' + ' '.repeat(15) + 'b\n'), 'if x : newline indent a newline b newline outdent EOF');
      assert.equal(toks('if x:\n\t\ta\n' + ' '.repeat(16) + 'b\n'), 'if x : newline indent a newline indent b newline outdent outdent EOF');
      assert.equal(scanError('if x:\n\t\ta\n' + ' '.repeat(14) + 'b\n'), '3:15: unindent does not match any outer indentation level');
    });
    it('reports an unindent to no outer level after the indentation', () => {
      assert.equal(scanError('def f():\n    a\n  b\n'), '3:3: unindent does not match any outer indentation level');
    });
  });

  describe('positions', () => {
    it('records 1-based line and column of each token', () => {
      const all = scan('t.star', 'x = f(1,\n      "a")\n');
      assert.deepEqual(
        all.map((t) => `${t.name}@${t.pos.line}:${t.pos.col}`),
        ['identifier@1:1', '=@1:3', 'identifier@1:5', '(@1:6', 'int literal@1:7', ',@1:8', 'string literal@2:7', ')@2:10', 'newline@2:11', 'end of file@3:1'],
      );
    });
    it('counts columns in code points (a tab, é and an astral character are one column each)', () => {
      const all = scan('t.star', '"é𝒳" \tx # 𝒳\ny');
      assert.deepEqual(all[1].pos, { line: 1, col: 7 });
      assert.deepEqual(all[3].pos, { line: 2, col: 1 });
    });
    it('counts CR LF as one line break, inside strings too', () => {
      const all = scan('t.star', 'a\r\n"""x\r\ny"""\r\nb');
      assert.deepEqual(
        all.map((t) => t.pos.line),
        [1, 1, 2, 3, 4, 4],
      );
      assert.equal(all[2].value, 'x\ny');
      assert.equal(all[2].raw, '"""x\ny"""');
    });
    it('gives INDENT and OUTDENT the position after the indentation', () => {
      const sc = new Scanner('t.star', 'if x:\n   y\nz');
      const seen: string[] = [];
      for (let t = sc.next(); t !== Tok.EOF; t = sc.next()) seen.push(`${tokenName(t)}@${sc.tokLine}:${sc.tokCol}`);
      assert.deepEqual(seen, [
        'if@1:1',
        'identifier@1:4',
        ':@1:5',
        'newline@1:6',
        'indent@2:4',
        'identifier@2:4',
        'newline@2:5',
        'outdent@3:1',
        'identifier@3:1',
      ]);
    });
    it('exposes the position after the token (where parse errors are reported)', () => {
      const sc = new Scanner('t.star', 'abc  "de"');
      sc.next();
      assert.deepEqual([sc.tokCol, sc.col], [1, 4]);
      sc.next();
      assert.deepEqual([sc.tokCol, sc.col], [6, 10]);
    });
  });

  describe('int literals', () => {
    it('decimal, hex, octal and binary', () => {
      assert.equal(value('0'), 0);
      assert.equal(value('000'), 0);
      assert.equal(value('123'), 123);
      assert.equal(value('0x1f'), 31);
      assert.equal(value('0XFF'), 255);
      assert.equal(value('0o17'), 15);
      assert.equal(value('0O17'), 15);
      assert.equal(value('0b101'), 5);
      assert.equal(value('0B11'), 3);
    });
    it('is a number up to MAX_SAFE_INTEGER and a bigint beyond, in every base', () => {
      assert.equal(value('9007199254740991'), 9007199254740991);
      assert.equal(value('9007199254740992'), 9007199254740992n);
      assert.equal(value('0x1fffffffffffff'), 9007199254740991);
      assert.equal(value('0x20000000000000'), 9007199254740992n);
      assert.equal(value('999999999999999999999999999999'), 999999999999999999999999999999n);
      assert.equal(value('0x12345678deadbeef12345678'), 0x12345678deadbeef12345678n);
      assert.equal(value('0o' + '7'.repeat(30)), 8n ** 30n - 1n);
      assert.equal(value('0b' + '1'.repeat(70)), 2n ** 70n - 1n);
      assert.equal(value('0b' + '0'.repeat(70) + '1'), 1);
    });
    it('keeps the raw text', () => {
      assert.equal(scan('t', '0X1f')[0].raw, '0X1f');
    });
    it('rejects malformed ints at the reference positions', () => {
      assert.equal(scanError('x = 0x'), '1:5: invalid hex literal');
      assert.equal(scanError('0xg'), '1:1: invalid hex literal');
      assert.equal(scanError('x = 0o8'), '1:7: invalid octal literal');
      assert.equal(scanError('0or'), '1:3: invalid octal literal');
      assert.equal(scanError('0b2'), '1:3: invalid binary literal');
      assert.equal(scanError('x = 0755'), '1:9: obsolete form of octal literal; use 0o755');
      assert.equal(scanError('x = 0089'), '1:5: invalid int literal');
      assert.equal(scanError('09'), '1:1: invalid int literal');
    });
  });

  describe('float literals', () => {
    it('all forms', () => {
      assert.equal(value('1.5'), 1.5);
      assert.equal(value('1.'), 1);
      assert.equal(value('.5'), 0.5);
      assert.equal(value('1e3'), 1000);
      assert.equal(value('1E+3'), 1000);
      assert.equal(value('25e-1'), 2.5);
      assert.equal(value('0.e1'), 0);
      assert.equal(value('0123.5'), 123.5);
      assert.equal(value('089e1'), 890);
      assert.equal(value('1e-400'), 0);
      assert.equal(scan('t', '1e3')[0].tok, Tok.FLOAT);
    });
    it('rejects malformed floats', () => {
      assert.equal(scanError('x = 1e400'), '1:10: invalid float literal');
      assert.equal(scanError('1e+'), '1:4: invalid float literal');
      assert.equal(scanError('1e-x'), '1:4: invalid float literal');
      assert.equal(scanError('1e'), '1:3: invalid float literal');
    });
  });

  describe('string literals', () => {
    it('single, double and triple quotes', () => {
      assert.equal(value('"abc"'), 'abc');
      assert.equal(value("'abc'"), 'abc');
      assert.equal(value('""'), '');
      assert.equal(value("''"), '');
      assert.equal(value('""""""'), '');
      assert.equal(value("'''a'b''c'''"), "a'b''c");
      assert.equal(value('"""a\n"b"\n"""'), 'a\n"b"\n');
      assert.equal(value('"""a\\""""'), 'a"');
      assert.equal(value("'a\"b'"), 'a"b');
    });
    it('every escape', () => {
      assert.equal(value('"\\a\\b\\f\\n\\r\\t\\v\\\\\\\'\\""'), '\x07\b\f\n\r\t\v\\\'"');
      assert.equal(value('"\\0\\7\\101\\1010\\377"'), '\x00\x07A' + 'A0' + '\xff');
      assert.equal(value('"\\378"'), '\x1f8');
      assert.equal(value('"\\x41\\x7a\\xff\\xC3"'), 'Az\xff\xc3');
      assert.equal(value('"a\\\nb"'), 'ab');
      assert.equal(value("'''a\\\nb'''"), 'ab');
    });
    it('\\u and \\U escapes denote the UTF-8 bytes of the code point', () => {
      assert.equal(value('"\\u0041"'), 'A');
      assert.equal(value('"\\u00e9"'), '\xc3\xa9');
      assert.equal(value('"\\u20AC"'), '\xe2\x82\xac');
      assert.equal(value('"\\U0001D4B3"'), '\xf0\x9d\x92\xb3');
      assert.equal(value('"\\U0010ffff"'), '\xf4\x8f\xbf\xbf');
    });
    it('non-ASCII source text becomes its UTF-8 bytes', () => {
      assert.equal(value('"é"'), '\xc3\xa9');
      assert.equal(value('"𝒳"'), '\xf0\x9d\x92\xb3');
      assert.equal(value("r'é\\n'"), '\xc3\xa9\\n');
      assert.equal(scan('t', '"é"')[0].raw, '"é"');
    });
    it('raw strings keep backslashes', () => {
      assert.equal(value('r"a\\nb"'), 'a\\nb');
      assert.equal(value("r'\\''"), "\\'");
      assert.equal(value('r"\\""'), '\\"');
      assert.equal(value("r'''\\''''"), "\\'");
      assert.equal(value("r'a\\\nb'"), 'a\\\nb');
      assert.equal(value('r"\\q\\x"'), '\\q\\x');
      assert.equal(scan('t', 'r"x"')[0].raw, 'r"x"');
      assert.equal(toks('rx r'), 'rx r EOF');
    });
    it('normalizes CR and CR LF to LF in the value and the raw text', () => {
      assert.equal(value('"""a\r\nb\rc"""'), 'a\nb\nc');
      assert.equal(value('"a\\\r\nb"'), 'ab');
      assert.equal(value('r"a\\\r\nb"'), 'a\\\nb');
      assert.equal(scan('t', '"""a\r\nb"""')[0].raw, '"""a\nb"""');
    });
    it('reports bad escapes at the opening quote', () => {
      assert.equal(scanError('x = "\\q"'), '1:5: invalid escape sequence \\q');
      assert.equal(scanError('x = "\\400"'), '1:5: invalid escape sequence \\400');
      assert.equal(scanError('"\\x4"'), '1:1: truncated escape sequence \\x4');
      assert.equal(scanError('"\\x-0"'), '1:1: invalid escape sequence \\x-0');
      assert.equal(scanError('"\\u12"'), '1:1: truncated escape sequence \\u12');
      assert.equal(scanError('"\\u12g4"'), '1:1: invalid escape sequence \\u12g4');
      assert.equal(scanError('"\\ud800"'), '1:1: invalid Unicode code point U+D800');
      assert.equal(scanError('"\\U00110000"'), '1:1: code point out of range: \\U00110000 (max \\U00110000)');
      assert.equal(scanError('"""\n\\w"""'), '1:1: invalid escape sequence \\w');
    });
    it('reports unterminated strings at the start of the literal', () => {
      assert.equal(scanError('x = "abc\ny"'), '1:5: unexpected newline in string');
      assert.equal(scanError("x = r'a\nb'"), '1:5: unexpected newline in string');
      assert.equal(scanError('x = "abc'), '1:5: unexpected EOF in string');
      assert.equal(scanError('x = """abc\n\n'), '1:5: unexpected EOF in string');
      assert.equal(scanError('x = "abc\\'), '1:5: unexpected EOF in string');
    });
  });

  describe('errors', () => {
    it('unexpected characters, quoted as the reference quotes them', () => {
      assert.equal(scanError('x = $'), "1:5: unexpected input character '$'");
      assert.equal(scanError('a ! b'), "1:3: unexpected input character '!'");
      assert.equal(scanError('\x01'), "1:1: unexpected input character '\\x01'");
      assert.equal(scanError('x\u00a0'), "1:2: unexpected input character '\\u00a0'");
      assert.equal(scanError('\ufeffx'), "1:1: unexpected input character '\\ufeff'");
      assert.equal(scanError('x = €'), "1:5: unexpected input character '€'");
      assert.equal(scanError('a\0b'), "1:2: unexpected input character '\\x00'");
    });
    it('closing brackets without an opening one', () => {
      assert.equal(scanError('f())'), "1:4: unexpected ')'");
      assert.equal(scanError('\n  ]'), "2:3: unexpected ']'");
    });
    it('a backslash not followed by a newline', () => {
      assert.equal(scanError('x = 1 \\ 2'), '1:8: stray backslash in program');
      assert.equal(scanError('x\\'), '1:3: stray backslash in program');
    });
  });

  it('never throws anything but StarlarkSyntaxError, and tokens advance', () => {
    const anyUnits = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 6 }).map((cs) => String.fromCharCode(...cs));
    const pieces = fc.constantFrom(
      ' ',
      '\t',
      '\n',
      '\r\n',
      '\\',
      '\\\n',
      '"',
      "'",
      '"""',
      'r"',
      '#',
      '(',
      ')',
      '[',
      ']',
      '{',
      '}',
      ',',
      '.',
      '=',
      '!',
      '<',
      '*',
      '0',
      '7',
      '9',
      '0x',
      '0o',
      '0b',
      'e',
      '1.',
      'a',
      'é',
      '𝒳',
      '\ud800',
      '\0',
      '$',
      'if',
      'not',
      '\\x',
      '\\u',
      '\\400',
      '\\q',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, anyUnits), { maxLength: 40 }), (parts) => {
        const src = parts.join('');
        let all: ScannedToken[];
        try {
          all = scan('t.star', src);
        } catch (e) {
          assert.ok(e instanceof StarlarkSyntaxError, String(e));
          assert.ok(e.pos.line >= 1 && e.pos.col >= 1);
          return;
        }
        assert.equal(all[all.length - 1].tok, Tok.EOF);
        for (let i = 1; i < all.length; i++) {
          const a = all[i - 1].pos;
          const b = all[i].pos;
          assert.ok(a.line < b.line || (a.line === b.line && a.col <= b.col), `positions go back at token ${i}`);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('quote.ts', () => {
  it('unquote decodes literal source text and reports triple quotes', () => {
    assert.deepEqual(unquote('"a\\tb"'), { value: 'a\tb', triple: false });
    assert.deepEqual(unquote("'''x'''"), { value: 'x', triple: true });
    assert.deepEqual(unquote('r"\\d"'), { value: '\\d', triple: false });
    assert.deepEqual(unquote('"é"'), { value: '\xc3\xa9', triple: false });
    assert.throws(
      () => unquote('"\\z"'),
      (e: unknown) => e instanceof UnquoteError && e.message === 'invalid escape sequence \\z',
    );
    assert.throws(() => unquote('"'), UnquoteError);
    assert.throws(() => unquote('"a\''), UnquoteError);
  });

  it('quote prints strings as the reference repr does', () => {
    assert.equal(quote(''), '""');
    assert.equal(quote('abc'), '"abc"');
    assert.equal(quote('a"b\\c\'d'), '"a\\"b\\\\c\'d"');
    assert.equal(quote('\x07\b\f\n\r\t\v'), '"\\a\\b\\f\\n\\r\\t\\v"');
    assert.equal(quote('\x00\x1b\x7f'), '"\\x00\\x1b\\x7f"');
    assert.equal(quote(utf8Encode('é€𝒳')), utf8Encode('"é€𝒳"'));
    assert.equal(quote('\xff\xc3'), '"\\xff\\xc3"');
    assert.equal(quote('\xed\xa0\x80'), '"\\xed\\xa0\\x80"');
    assert.equal(quote(utf8Encode('\u00a0\u200b\ufeff\u{e0001}')), '"\\u00a0\\u200b\\ufeff\\U000e0001"');
  });

  it('unquote(quote(s)) gives s back for any byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 30 }), fc.string({ maxLength: 10 }), (bytes, text) => {
        const s = String.fromCharCode(...bytes) + utf8Encode(text);
        assert.equal(unquote(utf8Decode(quote(s))).value, s);
      }),
      { numRuns: 2000 },
    );
  });

  it('converts between JS text and byte strings', () => {
    assert.equal(utf8Encode('aé€𝒳'), 'a\xc3\xa9\xe2\x82\xac\xf0\x9d\x92\xb3');
    assert.equal(utf8Encode('\ud800'), '\xef\xbf\xbd');
    assert.equal(utf8Decode('a\xc3\xa9\xe2\x82\xac\xf0\x9d\x92\xb3'), 'aé€𝒳');
    assert.equal(utf8Decode('\xff\xf0\x9d\x92'), '\ufffd\ufffd\ufffd\ufffd');
    assert.equal(utf8Decode('\xef\xbb\xbfx'), '\ufeffx');
    assert.equal(utf8DecodeAt('\xc3\xa9', 0), 0xe9 * 8 + 2);
    assert.equal(utf8DecodeAt('\xc0\x80', 0), -1);
    assert.equal(utf8DecodeAt('\xed\xa0\x80', 0), -1);
    assert.equal(utf8DecodeAt('\xf4\x90\x80\x80', 0), -1);
  });
});
