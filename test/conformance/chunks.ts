// Chunked test files, read exactly the way the reference implementation's test harness
// reads them (go.starlark.net/internal/chunkedfile): a file splits on "\n---\n" into
// independent inputs; each chunk's source is prefixed with newlines so that positions
// are lines of the whole file; a line containing `### "regexp"` expects an error on that
// line whose message matches the regexp (a Go string literal holding a Go regexp).
// Reporting follows the harness too: an error on a line with an expectation consumes it
// and must match; any other error is unexpected; expectations left over are missing.
import { goRegExp } from './goregexp.js';

export interface Expectation {
  readonly line: number;
  /** The Go pattern, after unquoting. */
  readonly pattern: string;
  readonly regexp: RegExp;
}

export interface Problem {
  readonly line: number;
  readonly msg: string;
}

export interface Chunk {
  /** Line of the file on which the chunk's text starts. */
  readonly startLine: number;
  /** The chunk's text, padded with (startLine - 1) newlines. */
  readonly source: string;
  readonly expectations: ReadonlyMap<number, Expectation>;
  /** Malformed `###` lines: reported as failures of the chunk. */
  readonly malformed: readonly Problem[];
}

/** Split a chunked file. */
export function readChunks(data: string): Chunk[] {
  const chunks: Chunk[] = [];
  let linenum = 1;
  for (const text of data.split('\n---\n')) {
    const startLine = linenum;
    const source = '\n'.repeat(linenum - 1) + text;
    const expectations = new Map<number, Expectation>();
    const malformed: Problem[] = [];
    for (const line of text.split('\n')) {
      const hashes = line.indexOf('###');
      if (hashes >= 0) {
        const rest = line.slice(hashes + 3).trim();
        try {
          const pattern = goUnquote(rest);
          expectations.set(linenum, { line: linenum, pattern, regexp: goRegExp(pattern) });
        } catch (e) {
          malformed.push({ line: linenum, msg: `bad expectation: ${(e as Error).message}` });
        }
      }
      linenum++;
    }
    linenum++;
    chunks.push({ startLine, source, expectations, malformed });
  }
  return chunks;
}

/** Collects the errors reported for one chunk and decides whether the chunk passed. */
export class ChunkReport {
  private readonly pending: Map<number, Expectation>;
  readonly problems: Problem[];

  constructor(chunk: Chunk) {
    this.pending = new Map(chunk.expectations);
    this.problems = [...chunk.malformed];
  }

  /** An error occurred at `line`. */
  gotError(line: number, msg: string): void {
    const want = this.pending.get(line);
    if (want === undefined) {
      this.problems.push({ line, msg: `unexpected error: ${msg}` });
      return;
    }
    this.pending.delete(line);
    if (!want.regexp.test(msg)) {
      this.problems.push({ line, msg: `error ${JSON.stringify(msg)} does not match pattern ${JSON.stringify(want.pattern)}` });
    }
  }

  /** A failure that is not a Starlark error (a crash of the implementation, a timeout). */
  fail(line: number, msg: string): void {
    this.problems.push({ line, msg });
  }

  /** No more errors will come: every expectation not yet met is a problem. */
  done(): void {
    for (const want of this.pending.values()) {
      this.problems.push({ line: want.line, msg: `expected error matching ${JSON.stringify(want.pattern)}` });
    }
    this.pending.clear();
    this.problems.sort((a, b) => a.line - b.line);
  }
}

export class GoUnquoteError extends Error {
  constructor(text: string, reason: string) {
    super(`not a quoted Go string: ${text} (${reason})`);
    this.name = 'GoUnquoteError';
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
};

/**
 * Go's strconv.Unquote: a "double-quoted" string with Go escapes, a `raw` string, or a
 * 'c' rune literal. \x and octal escapes denote bytes; the result is the UTF-8 decoding.
 */
export function goUnquote(text: string): string {
  const fail = (reason: string): never => {
    throw new GoUnquoteError(text, reason);
  };
  if (text.length < 2) fail('too short');
  const quote = text[0]!;
  if (quote !== text[text.length - 1]) fail('unbalanced quotes');
  const body = text.slice(1, -1);
  if (quote === '`') {
    if (body.includes('`')) fail('backquote inside raw string');
    return body.replace(/\r/g, '');
  }
  if (quote !== '"' && quote !== "'") fail('no quotes');
  if (body.includes('\n')) fail('newline in string');

  const bytes: number[] = [];
  const pushRune = (cp: number): void => {
    bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
  };
  let runes = 0;
  for (let i = 0; i < body.length; runes++) {
    const c = body[i]!;
    if (c === quote && quote === "'") fail('unescaped quote');
    if (c === '"' && quote === '"') fail('unescaped quote');
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      pushRune(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) fail('trailing backslash');
    i += 2;
    if (e! in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[e!]!);
    } else if (e === quote) {
      bytes.push(quote.charCodeAt(0));
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i, i + len);
      if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) fail(`bad \\${e} escape`);
      i += len;
      const v = parseInt(hex, 16);
      if (e === 'x') bytes.push(v);
      else if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) fail('invalid Unicode code point');
      else pushRune(v);
    } else if (e! >= '0' && e! <= '7') {
      const oct = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(oct)) fail('bad octal escape');
      const v = parseInt(oct, 8);
      if (v > 255) fail('octal escape out of range');
      bytes.push(v);
      i += 2;
    } else {
      fail(`unknown escape \\${e}`);
    }
  }
  if (quote === "'" && runes !== 1) fail('a rune literal holds exactly one character');
  return Buffer.from(bytes).toString('utf8');
}
