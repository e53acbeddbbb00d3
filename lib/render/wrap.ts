// Word wrapping for terminal lines that may carry colour (ANSI SGR escapes). A line
// longer than the terminal is broken at the last space that fits, and its continuation
// lines are indented under the text (so a wrapped step line still reads as one entry);
// a word is broken only when it alone is wider than the line (a long URL or digest),
// never otherwise — terminals wrap at the last column, mid-word, which is what this
// replaces. Widths count code points: escapes count 0, everything else 1.

const ESCAPE = /\u001b\[[0-9;]*m/g;

/** The width of `text` on a terminal, without its colour escapes. */
export function visibleWidth(text: string): number {
  return [...text.replace(ESCAPE, '')].length;
}

interface Token {
  readonly text: string;
  readonly width: number;
}

/** Splits a line into words and the runs of spaces between them, escapes kept with the text that follows. */
function tokens(line: string): Token[] {
  const out: Token[] = [];
  for (const part of line.split(/( +)/)) {
    if (part === '') continue;
    out.push({ text: part, width: visibleWidth(part) });
  }
  return out;
}

/** Breaks one word wider than `width` into pieces of `width` code points (escapes kept in place). */
function breakWord(word: string, width: number): string[] {
  const pieces: string[] = [];
  let current = '';
  let w = 0;
  for (const m of word.matchAll(/\u001b\[[0-9;]*m|[\s\S]/gu)) {
    const ch = m[0];
    const cw = ch.startsWith('\u001b') ? 0 : 1;
    if (w + cw > width && w > 0) {
      pieces.push(current);
      current = '';
      w = 0;
    }
    current += ch;
    w += cw;
  }
  if (current !== '') pieces.push(current);
  return pieces;
}

/**
 * `text` (which may hold several lines) wrapped to `width` columns at word boundaries;
 * continuation lines start with `hang` spaces more than the line's own indentation.
 */
export function wrapWords(text: string, width: number, hang = 4): string {
  if (!Number.isFinite(width) || width < 10) return text;
  return text
    .split('\n')
    .map((line) => wrapLine(line, width, hang))
    .join('\n');
}

function wrapLine(line: string, width: number, hang: number): string {
  if (visibleWidth(line) <= width) return line;
  const own = /^ */.exec(line.replace(ESCAPE, ''))![0].length;
  const indent = ' '.repeat(Math.min(own + hang, Math.floor(width / 2)));
  const lines: string[] = [];
  let current = '';
  let w = 0;
  const push = (): void => {
    lines.push(current.replace(/ +$/, ''));
    current = indent;
    w = indent.length;
  };
  for (const t of tokens(line)) {
    const isSpace = /^ +$/.test(t.text);
    if (isSpace) {
      if (w + t.width <= width) {
        current += t.text;
        w += t.width;
      } else if (w > indent.length || lines.length === 0) push();
      continue;
    }
    if (w + t.width <= width) {
      current += t.text;
      w += t.width;
      continue;
    }
    if (w > (lines.length === 0 ? 0 : indent.length)) push();
    if (w + t.width <= width) {
      current += t.text;
      w += t.width;
      continue;
    }
    // A word wider than a whole line: the one case where a word is broken.
    const pieces = breakWord(t.text, Math.max(1, width - indent.length));
    for (let i = 0; i < pieces.length; i++) {
      current += pieces[i];
      w += visibleWidth(pieces[i]!);
      if (i < pieces.length - 1) push();
    }
  }
  if (current.trim() !== '') lines.push(current.replace(/ +$/, ''));
  return lines.join('\n');
}
