// The "package versions" section of `starform show` (text and Markdown): the repositories
// a plan fetched by locator and the commit of each, so a reviewer sees exactly which
// package versions will run. Kept in its own file, apart from the plan views.
import type { PinnedRepository } from '../planfile/index.js';

function refText(r: PinnedRepository): string {
  return r.ref === null ? 'default branch' : r.ref;
}

/** Text: one line a repository; '' when the plan fetched none. */
export function packageVersionsText(repos: readonly PinnedRepository[]): string {
  if (repos.length === 0) return '';
  const width = Math.max(...repos.map((r) => r.locator.length));
  const lines = repos.map((r) => `  ${r.locator.padEnd(width)}  ${r.commit}  (${refText(r)})`);
  return `\nPackage versions (from starform.lock):\n${lines.join('\n')}\n`;
}

/** A Markdown code span that holds `text` whatever backticks it contains. */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Markdown: a table; '' when the plan fetched none. */
export function packageVersionsMarkdown(repos: readonly PinnedRepository[]): string {
  if (repos.length === 0) return '';
  const rows = repos.map((r) => `| ${code(r.locator)} | ${r.ref === null ? 'default branch' : code(r.ref).replaceAll('|', '\\|')} | ${code(r.commit)} |`);
  return `\n#### Package versions\n\n| Repository | Ref | Commit |\n| --- | --- | --- |\n${rows.join('\n')}\n`;
}
