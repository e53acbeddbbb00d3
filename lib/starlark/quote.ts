// String literals and byte strings. Starlark strings are byte strings: at run time (and in
// the syntax tree) a string is a JS string holding one character, 0-255, per byte of its
// UTF-8 encoding. This file converts between that form and ordinary JS text, decodes
// string literals the way the reference scanner does (escapes work on the UTF-8 bytes of
// the literal), and quotes byte strings the way the reference prints a string's repr
// (Go's strconv.Quote: valid printable UTF-8 kept, everything else escaped).

/** The UTF-8 encoding of JS text as a byte string. Lone surrogates become U+FFFD. */
export function utf8Encode(s: string): string {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) >= 0x80) return Buffer.from(s, 'utf8').toString('latin1');
  }
  return s;
}

/**
 * Decodes one UTF-8 sequence of byte string `b` at `i` with Go's rules (no overlong forms,
 * no surrogates, nothing above U+10FFFF). Returns the code point times 8 plus the length
 * (1-4), or -1 for an invalid or truncated sequence (which Go decodes as U+FFFD, 1 byte).
 */
export function utf8DecodeAt(b: string, i: number): number {
  const n = b.length;
  const c0 = b.charCodeAt(i);
  if (c0 < 0x80) return c0 * 8 + 1;
  if (c0 < 0xc2 || c0 > 0xf4 || i + 1 >= n) return -1;
  const c1 = b.charCodeAt(i + 1);
  if (c0 < 0xe0) {
    if ((c1 & 0xc0) !== 0x80) return -1;
    return (((c0 & 0x1f) << 6) | (c1 & 0x3f)) * 8 + 2;
  }
  let lo = 0x80;
  let hi = 0xbf;
  if (c0 === 0xe0) lo = 0xa0;
  else if (c0 === 0xed) hi = 0x9f;
  else if (c0 === 0xf0) lo = 0x90;
  else if (c0 === 0xf4) hi = 0x8f;
  if (c1 < lo || c1 > hi || i + 2 >= n) return -1;
  const c2 = b.charCodeAt(i + 2);
  if ((c2 & 0xc0) !== 0x80) return -1;
  if (c0 < 0xf0) return (((c0 & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f)) * 8 + 3;
  if (i + 3 >= n) return -1;
  const c3 = b.charCodeAt(i + 3);
  if ((c3 & 0xc0) !== 0x80) return -1;
  return (((c0 & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f)) * 8 + 4;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** JS text from a byte string; each invalid UTF-8 byte becomes U+FFFD (as Go's decoder does). */
export function utf8Decode(b: string): string {
  let i = 0;
  const n = b.length;
  while (i < n && b.charCodeAt(i) < 0x80) i++;
  if (i === n) return b;
  try {
    return strictUtf8.decode(Buffer.from(b, 'latin1'));
  } catch {
    // invalid UTF-8: decode rune by rune below
  }
  const parts: string[] = [b.slice(0, i)];
  let start = i;
  while (i < n) {
    if (b.charCodeAt(i) < 0x80) {
      i++;
      continue;
    }
    if (start < i) parts.push(b.slice(start, i));
    const r = utf8DecodeAt(b, i);
    if (r < 0) {
      parts.push('\ufffd');
      i++;
    } else {
      parts.push(String.fromCodePoint(r >> 3));
      i += r & 7;
    }
    start = i;
  }
  if (start < n) parts.push(b.slice(start));
  return parts.join('');
}

/** A malformed string literal (message as the reference reports it). */
export class UnquoteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnquoteError';
  }
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const simpleEscapes: Record<number, number> = {
  97: 7, // a
  98: 8, // b
  102: 12, // f
  110: 10, // n
  114: 13, // r
  116: 9, // t
  118: 11, // v
  92: 92,
  39: 39,
  34: 34,
};

/**
 * Decodes a literal's body `q` (a byte string, quotes removed). Returns the value, or an
 * error message in an object. Kept separate from `unquote` so the scanner needs no
 * try/catch on its fast path.
 */
function decodeBody(q: string, raw: boolean): string | { error: string } {
  const n = q.length;
  let i = 0;
  for (; i < n; i++) {
    const c = q.charCodeAt(i);
    if (c === 13 || (c === 92 && !raw)) break;
  }
  if (i === n) return q;
  const out = new Uint8Array(n);
  for (let k = 0; k < i; k++) out[k] = q.charCodeAt(k);
  let j = i;
  while (i < n) {
    const c = q.charCodeAt(i);
    if (c === 13) {
      out[j++] = 10;
      i += i + 1 < n && q.charCodeAt(i + 1) === 10 ? 2 : 1;
      continue;
    }
    if (c !== 92 || raw) {
      out[j++] = c;
      i++;
      continue;
    }
    if (i + 1 >= n) return { error: 'truncated escape sequence \\' };
    const e = q.charCodeAt(i + 1);
    if (e === 10) {
      i += 2;
    } else if (simpleEscapes[e] !== undefined) {
      out[j++] = simpleEscapes[e];
      i += 2;
    } else if (e >= 48 && e <= 55) {
      let v = e - 48;
      i += 2;
      for (let k = 1; k < 3 && i < n; k++) {
        const d = q.charCodeAt(i);
        if (d < 48 || d > 55) break;
        v = v * 8 + (d - 48);
        i++;
      }
      if (v >= 256) return { error: `invalid escape sequence \\${v.toString(8)}` };
      out[j++] = v;
    } else if (e === 120) {
      if (n - i < 4) return { error: `truncated escape sequence ${utf8Decode(q.slice(i))}` };
      const h1 = hexVal(q.charCodeAt(i + 2));
      const h2 = hexVal(q.charCodeAt(i + 3));
      if (h1 < 0 || h2 < 0) return { error: `invalid escape sequence ${utf8Decode(q.slice(i, i + 4))}` };
      out[j++] = h1 * 16 + h2;
      i += 4;
    } else if (e === 117 || e === 85) {
      const sz = e === 117 ? 6 : 10;
      if (n - i < sz) return { error: `truncated escape sequence ${utf8Decode(q.slice(i))}` };
      let v = 0;
      for (let k = i + 2; k < i + sz; k++) {
        const h = hexVal(q.charCodeAt(k));
        if (h < 0) return { error: `invalid escape sequence ${utf8Decode(q.slice(i, i + sz))}` };
        v = v * 16 + h;
      }
      if (v > 0x10ffff) {
        return { error: `code point out of range: ${q.slice(i, i + sz)} (max \\U${v.toString(16).padStart(8, '0')})` };
      }
      if (v >= 0xd800 && v < 0xe000) {
        return { error: `invalid Unicode code point U+${v.toString(16).toUpperCase().padStart(4, '0')}` };
      }
      if (v < 0x80) {
        out[j++] = v;
      } else if (v < 0x800) {
        out[j++] = 0xc0 | (v >> 6);
        out[j++] = 0x80 | (v & 0x3f);
      } else if (v < 0x10000) {
        out[j++] = 0xe0 | (v >> 12);
        out[j++] = 0x80 | ((v >> 6) & 0x3f);
        out[j++] = 0x80 | (v & 0x3f);
      } else {
        out[j++] = 0xf0 | (v >> 18);
        out[j++] = 0x80 | ((v >> 12) & 0x3f);
        out[j++] = 0x80 | ((v >> 6) & 0x3f);
        out[j++] = 0x80 | (v & 0x3f);
      }
      i += sz;
    } else {
      return { error: `invalid escape sequence \\${String.fromCharCode(e)}` };
    }
  }
  return j <= 256 ? String.fromCharCode.apply(null, out.subarray(0, j) as unknown as number[]) : Buffer.from(out.buffer, 0, j).toString('latin1');
}

/**
 * Decodes a literal and reports whether it is triple-quoted, or returns an error message.
 * `raw` is the literal's source text: optional `r` prefix, quotes included.
 */
export function unquoteLiteral(raw: string): { value: string; triple: boolean } | { error: string } {
  let q = utf8Encode(raw);
  let isRaw = false;
  if (q.charCodeAt(0) === 114) {
    isRaw = true;
    q = q.slice(1);
  }
  const n = q.length;
  if (n < 2) return { error: 'string literal too short' };
  const quoteChar = q.charCodeAt(0);
  if ((quoteChar !== 34 && quoteChar !== 39) || quoteChar !== q.charCodeAt(n - 1)) {
    return { error: 'string literal has invalid quotes' };
  }
  let triple = false;
  let body: string;
  if (n >= 6 && q.charCodeAt(1) === quoteChar && q.charCodeAt(2) === quoteChar && q.charCodeAt(n - 2) === quoteChar && q.charCodeAt(n - 3) === quoteChar) {
    triple = true;
    body = q.slice(3, n - 3);
  } else {
    body = q.slice(1, n - 1);
  }
  const value = decodeBody(body, isRaw);
  if (typeof value !== 'string') return value;
  return { value, triple };
}

/**
 * Decodes a string literal's source text (`"..."`, `'...'`, triple-quoted, `r` prefix)
 * into its value as a byte string. Throws UnquoteError for a malformed literal.
 */
export function unquote(raw: string): { value: string; triple: boolean } {
  const r = unquoteLiteral(raw);
  if ('error' in r) throw new UnquoteError(r.error);
  return r;
}

const printableRe = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
export function isPrintRune(r: number): boolean {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  return printableRe.test(String.fromCodePoint(r));
}

const HEX = '0123456789abcdef';

function needsQuoting(c: number): boolean {
  return c < 0x20 || c >= 0x7f || c === 34 || c === 92;
}

/**
 * The reference's repr of a string: `s` (a byte string) double-quoted with Go's
 * strconv.Quote rules. The result is itself a byte string (printable non-ASCII runes are
 * kept as their UTF-8 bytes); for ASCII input it is plain text.
 */
export function quote(s: string): string {
  const n = s.length;
  let i = 0;
  while (i < n && !needsQuoting(s.charCodeAt(i))) i++;
  if (i === n) return '"' + s + '"';
  const out: string[] = ['"', s.slice(0, i)];
  let start = i;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (!needsQuoting(c)) {
      i++;
      continue;
    }
    if (start < i) out.push(s.slice(start, i));
    if (c < 0x80) {
      switch (c) {
        case 34:
          out.push('\\"');
          break;
        case 92:
          out.push('\\\\');
          break;
        case 7:
          out.push('\\a');
          break;
        case 8:
          out.push('\\b');
          break;
        case 12:
          out.push('\\f');
          break;
        case 10:
          out.push('\\n');
          break;
        case 13:
          out.push('\\r');
          break;
        case 9:
          out.push('\\t');
          break;
        case 11:
          out.push('\\v');
          break;
        default:
          out.push('\\x' + HEX[c >> 4] + HEX[c & 15]);
      }
      i++;
    } else {
      const d = utf8DecodeAt(s, i);
      if (d < 0) {
        out.push('\\x' + HEX[c >> 4] + HEX[c & 15]);
        i++;
      } else {
        const r = d >> 3;
        const len = d & 7;
        if (isPrintRune(r)) {
          out.push(s.slice(i, i + len));
        } else if (r < 0x10000) {
          out.push('\\u' + r.toString(16).padStart(4, '0'));
        } else {
          out.push('\\U' + r.toString(16).padStart(8, '0'));
        }
        i += len;
      }
    }
    start = i;
  }
  if (start < n) out.push(s.slice(start));
  out.push('"');
  return out.join('');
}
