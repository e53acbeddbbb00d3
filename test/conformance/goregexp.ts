// Go regular expressions (RE2 syntax, as accepted by Go's regexp package) translated to
// equivalent JavaScript RegExps. The reference test files state their expected errors as
// Go patterns, so matching them with JavaScript semantics would accept or reject the
// wrong messages. The translation walks the pattern once and rewrites every construct
// whose meaning differs: leading flag groups such as `(?i)`, `(?P<name>`, `\Q...\E`,
// `\A` and `\z`, octal and `\x{...}` escapes, Go's narrower `.` and `\s`, POSIX classes,
// Unicode classes, and the literal `{`, `}` and `]` that Go accepts but JavaScript's
// unicode mode rejects. Constructs that JavaScript cannot express (inline flag changes
// mid-pattern, ungreedy mode) raise GoRegExpError instead of matching wrongly.

export class GoRegExpError extends Error {
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(`cannot translate Go regexp ${JSON.stringify(pattern)}: ${reason}`);
    this.name = 'GoRegExpError';
  }
}

const GO_SPACE = '\\t\\n\\f\\r ';

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const GENERAL_CATEGORIES = new Set([
  'C',
  'Cc',
  'Cf',
  'Co',
  'Cs',
  'L',
  'Ll',
  'Lm',
  'Lo',
  'Lt',
  'Lu',
  'M',
  'Mc',
  'Me',
  'Mn',
  'N',
  'Nd',
  'Nl',
  'No',
  'P',
  'Pc',
  'Pd',
  'Pe',
  'Pf',
  'Pi',
  'Po',
  'Ps',
  'S',
  'Sc',
  'Sk',
  'Sm',
  'So',
  'Z',
  'Zl',
  'Zp',
  'Zs',
  'Any',
]);

/** Characters that must be escaped to be literal outside a JavaScript character class. */
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));
/** Characters that must be escaped to be literal inside a JavaScript character class. */
const JS_CLASS_SYNTAX = new Set('\\]-^['.split(''));

function literal(ch: string, inClass: boolean): string {
  const special = inClass ? JS_CLASS_SYNTAX : JS_SYNTAX;
  return special.has(ch) ? '\\' + ch : ch;
}

function codePoint(cp: number, inClass: boolean): string {
  if (cp > 0x10ffff) throw new RangeError('code point out of range');
  if (cp >= 0x20 && cp < 0x7f) return literal(String.fromCharCode(cp), inClass);
  return `\\u{${cp.toString(16)}}`;
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

/** Translate a Go regexp pattern into a JavaScript RegExp with the same matches. */
export function goRegExp(pattern: string): RegExp {
  return new RegExp(...translateGoRegExp(pattern));
}

/** The JavaScript source and flags equivalent to a Go regexp pattern. */
export function translateGoRegExp(pattern: string): [source: string, flags: string] {
  const fail = (reason: string): never => {
    throw new GoRegExpError(pattern, reason);
  };
  const flags: Flags = { i: false, m: false, s: false };
  let i = 0;
  for (let m = /^\(\?([imsU]+)\)/.exec(pattern); m; m = /^\(\?([imsU]+)\)/.exec(pattern.slice(i))) {
    for (const f of m[1]!) {
      if (f === 'U') fail('ungreedy mode (?U) has no JavaScript equivalent');
      flags[f as keyof Flags] = true;
    }
    i += m[0].length;
  }

  let out = '';
  let inClass = false;
  let depth = 0;
  const n = pattern.length;

  const escape = (): void => {
    // pattern[i] is the backslash
    const d = pattern[i + 1];
    if (d === undefined) fail('trailing backslash');
    i += 2;
    switch (d) {
      case 'Q': {
        const end = pattern.indexOf('\\E', i);
        const text = end < 0 ? pattern.slice(i) : pattern.slice(i, end);
        for (const ch of text) out += literal(ch, inClass);
        i = end < 0 ? n : end + 2;
        return;
      }
      case 'a':
        out += '\\x07';
        return;
      case 'f':
        out += '\\f';
        return;
      case 't':
        out += '\\t';
        return;
      case 'n':
        out += '\\n';
        return;
      case 'r':
        out += '\\r';
        return;
      case 'v':
        out += '\\v';
        return;
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        out += '\\' + d;
        return;
      case 'b':
      case 'B':
        if (inClass) fail(`\\${d} inside a character class`);
        out += '\\' + d;
        return;
      case 's':
        out += inClass ? GO_SPACE : `[${GO_SPACE}]`;
        return;
      case 'S':
        if (inClass) fail('\\S inside a character class');
        out += `[^${GO_SPACE}]`;
        return;
      case 'A':
        if (inClass) fail('\\A inside a character class');
        out += '(?<![\\s\\S])';
        return;
      case 'z':
        if (inClass) fail('\\z inside a character class');
        out += '(?![\\s\\S])';
        return;
      case 'x': {
        let hex: string;
        if (pattern[i] === '{') {
          const close = pattern.indexOf('}', i);
          if (close < 0) fail('unterminated \\x{');
          hex = pattern.slice(i + 1, close);
          i = close + 1;
        } else {
          hex = pattern.slice(i, i + 2);
          i += 2;
        }
        if (!/^[0-9A-Fa-f]{1,8}$/.test(hex) || parseInt(hex, 16) > 0x10ffff) fail(`invalid escape \\x${hex}`);
        out += codePoint(parseInt(hex, 16), inClass);
        return;
      }
      case 'p':
      case 'P': {
        let name: string;
        if (pattern[i] === '{') {
          const close = pattern.indexOf('}', i);
          if (close < 0) fail('unterminated \\p{');
          name = pattern.slice(i + 1, close);
          i = close + 1;
        } else {
          name = pattern[i] ?? '';
          i += 1;
        }
        let negate = d === 'P';
        if (name.startsWith('^')) {
          negate = !negate;
          name = name.slice(1);
        }
        if (!/^[A-Za-z_]+$/.test(name)) fail(`invalid Unicode class \\${d}{${name}}`);
        const prop = GENERAL_CATEGORIES.has(name) ? name : `Script=${name}`;
        out += `\\${negate ? 'P' : 'p'}{${prop}}`;
        return;
      }
      default:
        break;
    }
    if (d >= '0' && d <= '7') {
      const m = /^[0-7]{1,3}/.exec(pattern.slice(i - 1))!;
      if (d !== '0' && m[0].length === 1) fail(`backreference \\${d} is not supported by Go`);
      i = i - 1 + m[0].length;
      out += codePoint(parseInt(m[0], 8), inClass);
      return;
    }
    if (d.charCodeAt(0) < 0x80 && !/[0-9A-Za-z]/.test(d)) {
      out += literal(d, inClass);
      return;
    }
    fail(`invalid escape \\${d}`);
  };

  while (i < n) {
    const c = pattern[i]!;
    if (c === '\\') {
      escape();
      continue;
    }
    if (inClass) {
      if (c === ']') {
        inClass = false;
        out += ']';
        i++;
      } else if (c === '[' && pattern[i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(i));
        if (!m) {
          out += '\\[';
          i++;
          continue;
        }
        const ranges = POSIX_CLASSES[m[2]!];
        if (ranges === undefined) fail(`unknown POSIX class [:${m[2]}:]`);
        if (m[1]) fail(`negated POSIX class [:^${m[2]}:] inside a character class`);
        out += ranges;
        i += m[0].length;
      } else if (c === '[') {
        out += '\\[';
        i++;
      } else {
        const cp = pattern.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        out += ch;
        i += ch.length;
      }
      continue;
    }
    switch (c) {
      case '[': {
        inClass = true;
        out += '[';
        i++;
        if (pattern[i] === '^') {
          out += '^';
          i++;
        }
        if (pattern[i] === ']') {
          out += '\\]';
          i++;
        }
        break;
      }
      case '(': {
        if (pattern[i + 1] !== '?') {
          out += '(';
          i++;
        } else if (pattern.startsWith('(?:', i)) {
          out += '(?:';
          i += 3;
        } else {
          const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(pattern.slice(i));
          if (!named) fail('inline flag groups other than a leading (?flags) are not supported');
          out += `(?<${named![1]}>`;
          i += named![0].length;
        }
        depth++;
        break;
      }
      case ')':
        if (depth === 0) fail('unexpected )');
        depth--;
        out += ')';
        i++;
        break;
      case '.':
        out += flags.s ? '[\\s\\S]' : '[^\\n]';
        i++;
        break;
      case '{': {
        const rep = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i));
        if (rep) {
          out += rep[0];
          i += rep[0].length;
        } else {
          out += '\\{';
          i++;
        }
        break;
      }
      case '}':
        out += '\\}';
        i++;
        break;
      case ']':
        out += '\\]';
        i++;
        break;
      case '/':
        out += '\\/';
        i++;
        break;
      default: {
        const ch = String.fromCodePoint(pattern.codePointAt(i)!);
        out += ch;
        i += ch.length;
      }
    }
  }
  if (inClass) fail('missing closing ]');
  if (depth !== 0) fail('missing closing )');
  const jsFlags = 'u' + (flags.i ? 'i' : '') + (flags.m ? 'm' : '');
  try {
    new RegExp(out, jsFlags);
  } catch (e) {
    fail(`JavaScript rejects the translation /${out}/${jsFlags}: ${(e as Error).message}`);
  }
  return [out, jsFlags];
}
