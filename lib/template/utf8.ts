// Byte strings and UTF-8 for the Go template engine.
//
// Go strings are byte sequences: `len` counts bytes, `index` yields bytes, `slice` may cut a
// character in half, map keys sort bytewise and error columns are byte offsets. To get all of
// that exactly, the engine works on "byte strings": JS strings whose every code unit is one
// byte (0–255), i.e. latin1-decoded UTF-8. Pure-ASCII text is the same in both forms, so the
// conversions below are free for the common case. This file also holds the few Unicode
// predicates Go's lexer, fmt and escapers use (IsLetter, IsDigit, IsPrint, IsSpace).
import { utf8DecodeAt } from '../starlark/index.js';

const ASCII_ONLY = /^[\x00-\x7f]*$/;

export const RUNE_ERROR = 0xfffd;
export const MAX_RUNE = 0x10ffff;

/** Converts a JS (UTF-16) string to its UTF-8 byte string. */
export function toBytes(s: string): string {
  return ASCII_ONLY.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

/** Converts a byte string back to a JS string (invalid UTF-8 becomes U+FFFD). */
export function fromBytes(b: string): string {
  return ASCII_ONLY.test(b) ? b : Buffer.from(b, 'latin1').toString('utf8');
}

/** The bytes of a byte string, exactly. */
export function bytesToBuffer(b: string): Buffer {
  return Buffer.from(b, 'latin1');
}

/**
 * Decodes the rune starting at byte `i` of byte string `s`, like Go's utf8.DecodeRune:
 * invalid or truncated sequences decode as RUNE_ERROR with width 1. Returns rune*8+width.
 */
export function decodeRune(s: string, i: number): number {
  if (i >= s.length) return RUNE_ERROR * 8 + 0;
  const r = utf8DecodeAt(s, i);
  return r < 0 ? RUNE_ERROR * 8 + 1 : r;
}

/** Decodes the last rune of s[0:end] (Go's utf8.DecodeLastRune), returning rune*8+width. */
export function decodeLastRune(s: string, end: number): number {
  if (end <= 0) return RUNE_ERROR * 8 + 0;
  const c = s.charCodeAt(end - 1);
  if (c < 0x80) return c * 8 + 1;
  const lim = Math.max(0, end - 4);
  let start = end - 1;
  while (start > lim && (s.charCodeAt(start) & 0xc0) === 0x80) start--;
  const d = decodeRune(s, start);
  if (start + (d & 7) !== end) return RUNE_ERROR * 8 + 1;
  return d;
}

/** Whether r is a valid Unicode scalar value. */
export function validRune(r: number): boolean {
  return (r >= 0 && r < 0xd800) || (r > 0xdfff && r <= MAX_RUNE);
}

/** The UTF-8 encoding of rune r as a byte string (invalid runes encode U+FFFD). */
export function encodeRune(r: number): string {
  if (r >= 0 && r < 0x80) return String.fromCharCode(r);
  if (!validRune(r)) r = RUNE_ERROR;
  if (r < 0x800) return String.fromCharCode(0xc0 | (r >> 6), 0x80 | (r & 0x3f));
  if (r < 0x10000) {
    return String.fromCharCode(0xe0 | (r >> 12), 0x80 | ((r >> 6) & 0x3f), 0x80 | (r & 0x3f));
  }
  return String.fromCharCode(0xf0 | (r >> 18), 0x80 | ((r >> 12) & 0x3f), 0x80 | ((r >> 6) & 0x3f), 0x80 | (r & 0x3f));
}

/** Number of runes in a byte string (invalid bytes count one each), like utf8.RuneCountInString. */
export function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; n++) {
    const c = s.charCodeAt(i);
    i += c < 0x80 ? 1 : decodeRune(s, i) & 7;
  }
  return n;
}

/** Whether the byte string is valid UTF-8. */
export function validUtf8(s: string): boolean {
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      i++;
      continue;
    }
    const d = decodeRune(s, i);
    if ((d & 7) === 1) return false;
    i += d & 7;
  }
  return true;
}

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;
const PRINT = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** unicode.IsLetter */
export function isLetter(r: number): boolean {
  if (r < 0x80) return (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a);
  return LETTER.test(String.fromCodePoint(r));
}

/** unicode.IsDigit */
export function isDigit(r: number): boolean {
  if (r < 0x80) return r >= 0x30 && r <= 0x39;
  return DIGIT.test(String.fromCodePoint(r));
}

/** unicode.IsPrint / strconv.IsPrint: letters, marks, numbers, punctuation, symbols, ASCII space. */
export function isPrint(r: number): boolean {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  if (!validRune(r)) return false;
  return PRINT.test(String.fromCodePoint(r));
}

/** unicode.IsSpace */
function isUnicodeSpace(r: number): boolean {
  switch (r) {
    case 0x09:
    case 0x0a:
    case 0x0b:
    case 0x0c:
    case 0x0d:
    case 0x20:
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
      return true;
  }
  return r >= 0x2000 && r <= 0x200a;
}

/** bytes.TrimSpace(s) is empty: the byte string holds only Unicode white space. */
export function isAllSpace(s: string): boolean {
  for (let i = 0; i < s.length;) {
    const d = decodeRune(s, i);
    const r = d >> 3;
    if ((d & 7) === 1 && r === RUNE_ERROR) return false;
    if (!isUnicodeSpace(r)) return false;
    i += d & 7;
  }
  return true;
}
