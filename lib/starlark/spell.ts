// Spelling suggestions ("undefined: fop (did you mean foo?)"), as the reference's
// internal/spell: the candidate nearest by edit distance over the UTF-8 bytes, ignoring
// case and underscores, when fewer than half the characters differ. Shared by the
// resolver (undefined names) and the evaluator (fields, methods, load).
/** Orders strings by code point (as Go's sort of strings). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n;) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

const utf8 = new TextEncoder();

function fold(s: string): Uint8Array {
  let out = '';
  for (const ch of s) {
    if (ch !== '_') out += ch.toLowerCase();
  }
  return utf8.encode(out);
}

/**
 * The candidate nearest to `x` by edit distance, ignoring case and underscores, or ""
 * when none is within half the length of `x` (the reference's suggestion rule).
 */
export function spellNearest(x: string, candidates: readonly string[]): string {
  const fx = fold(x);
  let best = '';
  let bestD = Math.floor((fx.length + 1) / 2);
  for (const c of candidates) {
    const d = levenshtein(fx, fold(c), bestD);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/** Edit distance between byte strings; may stop early with some value above `max`. */
function levenshtein(x: Uint8Array, y: Uint8Array, max: number): number {
  if (x.length > y.length) [x, y] = [y, x];
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) {
      x = x.subarray(i);
      y = y.subarray(i);
      break;
    }
  }
  if (x.length === 0) return y.length;
  const lenDiff = Math.abs(x.length - y.length);
  if (lenDiff > max) return lenDiff;

  const row = new Int32Array(y.length + 1);
  for (let j = 0; j <= y.length; j++) row[j] = j;
  for (let i = 1; i <= x.length; i++) {
    row[0] = i;
    let best = i;
    let prev = i - 1;
    for (let j = 1; j <= y.length; j++) {
      const a = prev + (x[i - 1] !== y[j - 1] ? 1 : 0);
      const b = 1 + row[j - 1]!;
      const c = 1 + row[j]!;
      const k = Math.min(a, b, c);
      prev = row[j]!;
      row[j] = k;
      best = Math.min(best, k);
    }
    if (best > max) return best;
  }
  return row[y.length]!;
}
