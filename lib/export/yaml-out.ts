// Deterministic YAML text for every export target, and the header comment that lists what
// a target could not express. Documents are built as plain objects in a fixed key order;
// `yaml` prints them with no line folding and plain scalars where YAML reads them back as
// the same strings (it quotes "5432", "true", "1:2"...), so the same model gives the same
// bytes.
import { stringify } from 'yaml';
import type { ExportEnvironment, ExportNote } from './model.js';

/** One YAML document. */
export function yamlText(value: unknown): string {
  return stringify(value, { version: '1.1', lineWidth: 0, minContentWidth: 0, indentSeq: true, aliasDuplicateObjects: false });
}

function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** `# ` lines: what the file is, from which plan, and every note (null: a file that lists none). */
export function headerComment(title: string, env: ExportEnvironment, notes: readonly ExportNote[] | null, extra: readonly string[] = []): string {
  const lines = [
    title,
    `Exported by \`starform export\` from a plan of ${oneLine(env.locator)} (plan checksum ${env.checksum}).`,
    'Regenerate it rather than editing it: the same plan gives the same bytes.',
    ...extra,
  ];
  if (notes === null) {
    // The definition's main file lists them.
  } else if (notes.length === 0) lines.push('Everything the plan does is expressed here.');
  else {
    lines.push(`Not expressed, or only approximately (${notes.length}):`);
    for (const n of notes) lines.push(`  - ${n.position === '-' ? '' : `${n.position}: `}${oneLine(n.message)}`);
  }
  return `${lines.map((l) => (l === '' ? '#' : `# ${oneLine(l)}`)).join('\n')}\n`;
}
