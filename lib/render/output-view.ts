// The view of `starform output [NAME]` (lib/cli/output.ts): every output as `name = value`
// lines, or one output's value (a string as it is, for scripts; on a terminal its control
// characters are shown, not obeyed); --json prints the state's outputs document. The
// command masks the values (or not, with --show-sensitive) and hands the redactor in force.
import type { State } from '../state/index.js';
import { formatJson, type JsonValue } from '../util/json.js';
import { outputsText } from './apply-view.js';
import { outputDocument } from './json-views.js';
import { neutraliseControl, type Redactor } from './redact.js';
import type { View } from './view.js';

export interface OutputsShown {
  readonly state: State;
  /** The state's outputs, redacted by `redactor`. */
  readonly outputs: JsonValue;
  readonly redactor: Redactor;
  /** The one output asked for (a key of `outputs`, checked by the command). */
  readonly name?: string | undefined;
}

export const outputView: View<OutputsShown> = {
  human({ outputs, redactor, name }, { out, err }) {
    if (name === undefined) {
      if (outputs === null) err.write('No outputs: nothing has been applied with this state, or run() returned None.\n');
      else out.write(outputsText(outputs, redactor));
      return;
    }
    const value = (outputs as Record<string, JsonValue>)[name]!;
    const text = typeof value === 'string' && out.isTTY === true ? neutraliseControl(value) : value;
    out.write(typeof text === 'string' ? `${text}\n` : formatJson(value));
  },
  json({ state, name }, { out }) {
    out.write(formatJson(name === undefined ? outputDocument(state) : outputDocument(state, name)));
  },
};
