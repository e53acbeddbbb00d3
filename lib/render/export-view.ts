// The views of `starform export PLAN --format F [--out DIR]` (lib/cli/export.ts): what the
// target cannot express, one `export: not expressed:` line each on the error stream;
// then either the one file of the definition on standard output (no --out) or, on the
// error stream, how many files were written where. Text only.
import type { ExportFile, ExportNote } from '../export/index.js';
import { textView } from './view.js';

export const exportNotesView = textView<readonly ExportNote[]>((notes, { err }) => {
  for (const n of notes) err.write(`export: not expressed: ${n.position === '-' ? '' : `${n.position}: `}${n.message}\n`);
});

/** The definition's one file, printed as it is (for `> env.yaml`). */
export const exportPrintedView = textView<ExportFile>((file, { out }) => {
  out.write(typeof file.content === 'string' ? file.content : Buffer.from(file.content).toString('utf8'));
});

export const exportWrittenView = textView<{ readonly count: number; readonly dir: string; readonly first: string }>(({ count, dir, first }, { err }) => {
  err.write(`export: wrote ${count} file${count === 1 ? '' : 's'} to ${dir} (${first} first)\n`);
});
