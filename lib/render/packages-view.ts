// The views of `starform packages fetch | list` (lib/cli/packages.ts): the repositories a
// package uses as a table (locator, ref, commit, what pins it, whether this run fetched
// it), and — on the error stream — the problems that stopped the interpretation early (so
// the list may be short). `list --json` prints the repositories and problems as a document
// (and nothing on the error stream); the command sets the exit code.
import type { ResolvedRepository } from '../package/index.js';
import { textView, type View } from './view.js';

export interface PackagesResolved {
  readonly used: readonly ResolvedRepository[];
  /** `file:line:col: message` of each problem met while interpreting. */
  readonly problems: readonly string[];
}

function table(used: readonly ResolvedRepository[]): string {
  const rows = used.map((r) => [
    r.locator,
    r.ref ?? '(default branch)',
    r.commit.slice(0, 12),
    r.source === 'lock' ? 'starform.lock' : r.source === 'resolved' ? 'resolved now' : 'cache record',
    r.fetched ? 'fetched' : 'cached',
  ]);
  const head = ['REPOSITORY', 'REF', 'COMMIT', 'PINNED BY', 'COPY'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

const indented = (problems: readonly string[]): string => problems.map((p) => `  ${p}`).join('\n');

export const packagesFetchedView = textView<PackagesResolved>(({ used, problems }, { out, err }) => {
  out.write(used.length === 0 ? 'The package uses no repository by locator: nothing to fetch.\n' : table(used));
  if (problems.length > 0) err.write(`The package could not be interpreted to the end, so it may use more repositories than these:\n${indented(problems)}\n`);
});

export const packagesListView: View<PackagesResolved> = {
  human({ used, problems }, { out, err }) {
    out.write(used.length === 0 ? 'The package uses no repository by locator.\n' : table(used));
    if (problems.length > 0) err.write(`The package could not be interpreted to the end:\n${indented(problems)}\n`);
  },
  json({ used, problems }, { out }) {
    const repositories = used.map((r) => ({ locator: r.locator, ref: r.ref, commit: r.commit, digest: r.digest, pinned_by: r.source, fetched: r.fetched }));
    out.write(JSON.stringify({ repositories, problems }, null, 2) + '\n');
  },
};
