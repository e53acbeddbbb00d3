// The views of the two checking commands: `starform validate` (is the package valid? its
// warnings and problems on standard error, one line of result, or the JSON document of
// schemas/output-validate.schema.json) and `starform drift` (does the engine still match
// the state? each difference, or schemas/output-drift.schema.json). See lib/render/view.ts.
import type { Problem } from '../instructions/index.js';
import { formatJson } from '../util/json.js';
import { validateDocument } from './json-views.js';
import { renderProblems } from './plan-view.js';
import { neutraliseControl } from './redact.js';
import { paint, useColor } from './style.js';
import type { View } from './view.js';

export interface Validated {
  readonly instructions: number;
  readonly problems: readonly Problem[];
  readonly warnings: readonly string[];
}

export const validateView: View<Validated> = {
  human({ instructions, problems, warnings }, { out, err }) {
    for (const w of warnings) err.write(`warning: ${neutraliseControl(w)}\n`);
    if (problems.length > 0) {
      err.write(renderProblems(problems, { color: useColor(err) }).replace('nothing was planned', 'the package is not valid'));
      return;
    }
    out.write(`The package is valid: ${instructions} instruction${instructions === 1 ? '' : 's'}.\n`);
  },
  json(validated, { out }) {
    out.write(formatJson(validateDocument(validated)));
  },
};

/** What `drift` found (lib/apply/drift.ts): the state it compared, and each difference. */
export interface Drifted {
  readonly state: { readonly lineage: string | null; readonly serial: number };
  readonly entries: readonly { readonly kind: string; readonly service?: string; readonly containerId?: string; readonly message: string }[];
}

export const driftView: View<Drifted> = {
  human({ state, entries }, { out }) {
    if (entries.length === 0) {
      out.write(state.lineage === null ? 'No drift: there is no state yet.\n' : `No drift: the engine matches the state (serial ${state.serial}).\n`);
      return;
    }
    const p = paint(useColor(out));
    out.write(`${p.bold(`The engine differs from the state (serial ${state.serial}) in ${entries.length} way${entries.length === 1 ? '' : 's'}:`)}\n`);
    for (const d of entries) out.write(`  ${p.yellow('~')} ${neutraliseControl(d.message)}\n`);
    out.write('\n`starform plan --refresh-only` shows the state update; `starform plan` what an apply would do about it.\n');
  },
  json({ state, entries }, { out }) {
    out.write(
      formatJson({
        format_version: 1,
        state: { lineage: state.lineage, serial: state.serial },
        drifted: entries.length > 0,
        drift: entries.map((d) => ({
          kind: d.kind,
          ...(d.service !== undefined ? { service: d.service } : {}),
          ...(d.containerId !== undefined ? { container_id: d.containerId } : {}),
          message: d.message,
        })),
      }),
    );
  },
};
