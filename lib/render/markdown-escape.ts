// Escaping for the Markdown views (a pull-request comment): every string that comes from
// a package — service and artifact names, descriptions, arguments, file names, warnings —
// can hold Markdown or HTML that would break out of the comment (`</summary></details>`,
// a heading, an image, a mention). One function, `packageText`, takes each such string to
// the context it is written in; it is also the one place where masking of sensitive
// values (lib/render/redact.ts) belongs, before any escaping.
//
// Inline text (summary lines of <details>, table cells, list items, headings) is written
// with every ASCII punctuation character as a numeric character reference (`&#46;`).
// CommonMark never treats a character reference as structure — not as emphasis, a link,
// a table pipe, a heading or an HTML tag — and HTML decodes it to the same character, so
// the same text is safe both in Markdown and inside the HTML blocks (<details>) where
// backslash escapes would show. Line breaks and other control, bidirectional and
// invisible characters are shown as `\n`, `\u001b`... so one name stays one line; an `@`
// is followed by a word joiner (U+2060), so a package cannot mention (notify) anyone.
//
// Code blocks keep the text as it is (nothing is interpreted inside a fence) but still
// show control characters visibly; their fence is longer than any run of backticks in the
// body (`fenced`). Mermaid labels use mermaid's own `#NN;` references.

/** Where a string from a package is written. */
export type MarkdownContext = 'inline' | 'inline-code' | 'code' | 'mermaid';

/**
 * The hook every package-derived string passes before escaping: the place for masking
 * sensitive values. Identity until lib/render/redact.ts provides a masker.
 */
function beforeEscaping(s: string): string {
  return s;
}

/** Characters shown as `\uXXXX`: C0/C1 controls (tab and line feed aside), bidi controls, invisible separators. */
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

function visible(c: string): string {
  return `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`;
}

function inlineText(s: string, mentions: boolean): string {
  let out = '';
  for (const ch of s
    .replace(/\r\n?|\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(INVISIBLE, visible)) {
    const code = ch.codePointAt(0)!;
    const punct = (code >= 0x21 && code <= 0x2f) || (code >= 0x3a && code <= 0x40) || (code >= 0x5b && code <= 0x60) || (code >= 0x7b && code <= 0x7e);
    // A word joiner after `@` keeps GitHub from reading a mention (and notifying someone).
    out += code === 0x40 && mentions ? '&#64;\u2060' : punct ? `&#${code};` : ch;
  }
  return out;
}

function mermaidText(s: string): string {
  let out = '';
  for (const ch of s
    .replace(/\r\n?|\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(INVISIBLE, visible)) {
    out += /^[A-Za-z0-9 ]$/.test(ch) ? ch : `#${ch.codePointAt(0)!};`;
  }
  return out;
}

/**
 * A string from a package, made safe for `context`: inline Markdown/HTML text, the same
 * inside <code> (where GitHub reads no mentions, so `@` stays as it is for copying), the
 * body of a code block (see `fenced`), or a mermaid node label (inside `["..."]`).
 */
export function packageText(s: string, context: MarkdownContext): string {
  const text = beforeEscaping(s);
  switch (context) {
    case 'inline':
      return inlineText(text, true);
    case 'inline-code':
      return inlineText(text, false);
    case 'code':
      return text.replace(/\r\n?/g, '\n').replace(INVISIBLE, visible);
    case 'mermaid':
      return mermaidText(text);
  }
}

/**
 * A fenced code block around `body` (already passed through packageText(..., 'code')):
 * the fence is one backtick longer than the longest backtick run in the body (at least
 * three), so no line of the body can close it.
 */
export function fenced(info: string, body: string): string {
  let longest = 0;
  for (const run of body.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${body.replace(/\n+$/, '')}\n${fence}`;
}

/** Inline code for text that comes from a package: <code> with escaped text (a Markdown code span cannot hold references). */
export function packageCode(s: string): string {
  return `<code>${packageText(s, 'inline-code')}</code>`;
}
