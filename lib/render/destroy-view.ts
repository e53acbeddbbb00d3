// The views of `starform destroy` (lib/cli/destroy.ts): what will go, before it asks (the
// state's services and files artifacts, or one package's entities with --package), and
// what was removed — a line of text, or the JSON document of --json
// (schemas/output-destroy.schema.json). See lib/render/view.ts for the View contract.
import type { DestroyResult } from '../apply/index.js';
import type { State } from '../state/index.js';
import { formatJson } from '../util/json.js';
import { destroyDocument } from './json-views.js';
import { neutraliseInline } from './redact.js';
import { paint, useColor } from './style.js';
import type { View } from './view.js';

/** The state about to be destroyed; `lineage` null: there is none yet, and nothing will be. */
export const destroyingView: View<State> = {
  human(state, { out }) {
    if (state.lineage === null) {
      out.write('Nothing to destroy: there is no state yet.\n');
      return;
    }
    const p = paint(useColor(out));
    out.write('starform will destroy the enclave of this state:\n');
    for (const n of [...state.services.keys()].sort()) out.write(p.red(`  - service.${neutraliseInline(n)}\n`));
    for (const a of [...state.filesArtifacts.keys()].sort()) out.write(p.red(`  - artifact.${neutraliseInline(a)}\n`));
    out.write(p.dim('  and every other container, volume and network labelled with lineage ' + state.lineage + '\n'));
  },
  json(state, { out }) {
    // The document comes when it is done; with no state there is nothing to wait for.
    if (state.lineage === null) out.write(formatJson(destroyDocument({ removed: null, state })));
  },
};

export const destroyedView: View<Pick<DestroyResult, 'removed' | 'state'>> = {
  human({ removed }, { out }) {
    const p = paint(useColor(out));
    const c = removed?.containers.length ?? 0;
    const v = removed?.volumes.length ?? 0;
    out.write(
      `\n${p.bold(p.green(`Destroy complete: ${c} container${c === 1 ? '' : 's'}, ${v} volume${v === 1 ? '' : 's'}${removed?.network ? ' and the network' : ''} removed.`))}\n`,
    );
  },
  json(result, { out }) {
    out.write(formatJson(destroyDocument(result)));
  },
};

/** `destroy --package NAME`: the entities the package owns, before it asks. */
export const destroyingPackageView: View<{ readonly name: string; readonly entities: readonly string[] }> = {
  human({ name, entities }, { out }) {
    const p = paint(useColor(out));
    out.write(`starform will destroy what package ${neutraliseInline(name)} owns in this state:\n`);
    for (const a of entities) out.write(p.red(`  - ${neutraliseInline(a)}\n`));
  },
  json(shown, streams) {
    destroyingPackageView.human(shown, streams); // --json is refused with --package
  },
};

export const destroyedPackageView: View<{ readonly name: string; readonly containers: number; readonly entries: number }> = {
  human({ name, containers: c, entries: n }, { out }) {
    const p = paint(useColor(out));
    out.write(
      `\n${p.bold(p.green(`Destroy complete: package ${neutraliseInline(name)}: ${c} container${c === 1 ? '' : 's'} removed; ${n} entr${n === 1 ? 'y' : 'ies'} removed from the state.`))}\n`,
    );
  },
  json(shown, streams) {
    destroyedPackageView.human(shown, streams);
  },
};
