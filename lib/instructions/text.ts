// The text Starlark's str() gives a runtime value, for substituting future references
// into strings at apply time (references.ts). Runtime values are JSON, so this needs only
// the JSON cases of the language's str and repr: strings verbatim (repr: Go's
// strconv.Quote), ints, floats in Go's shortest 'g' form with a '.', True/False/None,
// lists and dicts. It lives here, not in lib/starlark, so that apply never loads the
// interpreter; test/instructions/text.test.ts checks it against lib/starlark's own str().

/** Go's strconv.IsPrint for non-ASCII runes: letters, marks, numbers, punctuation, symbols. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const HEX = '0123456789abcdef';
const ESCAPES: { readonly [c: number]: string } = { 34: '\\"', 92: '\\\\', 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v' };

/** A string's repr, as the interpreter prints it: double-quoted with Go's strconv.Quote rules. */
export function quoteText(s: string): string {
  if (/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    let r = ch.codePointAt(0)!;
    // A lone surrogate has no UTF-8 form: the interpreter sees U+FFFD in its place.
    if (r >= 0xd800 && r <= 0xdfff) r = 0xfffd;
    if (r < 0x80) {
      if (r >= 0x20 && r < 0x7f && r !== 34 && r !== 92) out += ch;
      else out += ESCAPES[r] ?? `\\x${HEX[r >> 4]}${HEX[r & 15]}`;
    } else if (PRINTABLE.test(String.fromCodePoint(r))) {
      out += String.fromCodePoint(r);
    } else {
      out += r < 0x10000 ? `\\u${r.toString(16).padStart(4, '0')}` : `\\U${r.toString(16).padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}

/** A float as the interpreter's str prints it: Go's shortest 'g' form, always with '.' or 'e'. */
export function floatText(f: number): string {
  if (!Number.isFinite(f)) return Number.isNaN(f) ? 'nan' : f > 0 ? '+inf' : '-inf';
  const neg = f < 0 || Object.is(f, -0);
  const a = Math.abs(f);
  let s: string;
  if (a === 0) {
    s = '0';
  } else {
    const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(a.toExponential())!;
    const digits = (m[1] + (m[2] ?? '')).replace(/0+$/, '');
    const exp = Number(m[3]);
    if (exp < -4 || exp >= 6) {
      const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
      s = `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    } else {
      const dp = exp + 1;
      if (dp <= 0) s = `0.${'0'.repeat(-dp)}${digits}`;
      else if (dp >= digits.length) s = digits + '0'.repeat(dp - digits.length);
      else s = `${digits.slice(0, dp)}.${digits.slice(dp)}`;
    }
  }
  if (!/[.e]/.test(s)) s += '.0';
  return (neg ? '-' : '') + s;
}
