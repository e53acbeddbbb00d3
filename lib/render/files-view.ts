// The views of `starform files inspect ARTIFACT` and `files download ARTIFACT DIR`
// (lib/cli/files.ts): the files of an artifact with their own sizes, right-aligned, and a
// total line (--json: the same as a document); what a download wrote. Paths from the
// archive are shown with their control characters escaped.
import { formatJson } from '../util/json.js';
import { neutraliseInline } from './redact.js';
import { sizeText } from './status-view.js';
import { textView, type View } from './view.js';

export interface FilesInspected {
  readonly name: string;
  readonly files: readonly { readonly path: string; readonly size: number }[];
}

function total(files: FilesInspected['files']): number {
  return files.reduce((n, f) => n + f.size, 0);
}

export const filesInspectView: View<FilesInspected> = {
  human({ files }, { out }) {
    const width = Math.max(0, ...files.map((f) => sizeText(f.size).length));
    for (const f of files) out.write(`${sizeText(f.size).padStart(width)}  ${neutraliseInline(f.path)}\n`);
    out.write(`${files.length} file${files.length === 1 ? '' : 's'}, ${sizeText(total(files))}\n`);
  },
  json({ name, files }, { out }) {
    out.write(formatJson({ format_version: 1, name, files: files.map((f) => ({ ...f })), total_size: total(files) }));
  },
};

/** `files download`: how many files were written, of which artifact, under which directory (as given, normalised). */
export const filesDownloadedView = textView<{ readonly name: string; readonly count: number; readonly dir: string }>(({ name, count, dir }, { out }) => {
  out.write(`Wrote ${count} file${count === 1 ? '' : 's'} of files artifact '${neutraliseInline(name)}' under ${dir}\n`);
});
