// The views of `starform import service.NAME CONTAINER [DIR]` (lib/cli/import.ts): the
// package's problems when it cannot be checked (on the error stream, before the command
// fails), and what the import did — the container adopted, how it is recognised, the
// serial written, and whether the next plan keeps or replaces it. Text only.
import type { Problem } from '../instructions/index.js';
import { renderProblems } from './plan-view.js';
import { textView } from './view.js';

export const importProblemsView = textView<readonly Problem[]>((problems, { err }) => {
  err.write(renderProblems(problems, { color: false }));
});

export interface Imported {
  readonly containerId: string;
  readonly name: string;
  /** Recorded by its id (it had no starform labels), or recognised by this enclave's labels. */
  readonly adopted: boolean;
  readonly serial: number;
  /** How it differs from what the package declares; empty when it matches. */
  readonly differences: readonly string[];
}

export const importedView = textView<Imported>(({ containerId, name, adopted, serial, differences }, { out }) => {
  const how = adopted ? 'recorded by its id (it has no starform labels)' : "it carries this enclave's labels";
  out.write(`Imported container ${containerId.slice(0, 12)} as service.${name}: ${how}. The state is now at serial ${serial}.\n`);
  if (differences.length === 0) out.write('It matches the package: the next plan leaves it as it is.\n');
  else out.write(`It differs from the package, so the next plan replaces it:\n${differences.map((d) => `  - ${d}`).join('\n')}\n`);
});
