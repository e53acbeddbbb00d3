// The views of the state commands (lib/cli/state.ts, lib/cli/state-history.ts): `state
// list`, `show`, `rm`, `mv`, `pull`, `push`, `history`, `rollback` and `migrate`. Each
// command computes its result and hands it here with the streams (lib/render/view.ts);
// `list`, `show` and `history` have a JSON form (--json), the edits are text only. The
// texts of a state's entries are lib/render/state-view.ts's, its JSON documents
// lib/render/json-views.ts's.
import { serializeState, type HistoryEntry, type State } from '../state/index.js';
import { formatJson } from '../util/json.js';
import { stateEntryDocument, stateListDocument } from './json-views.js';
import { renderEntry, renderStateList, type ArtifactFile, type StateEntry } from './state-view.js';
import { useColor } from './style.js';
import { textView, type View } from './view.js';

/** `state list`: the addresses of what the state holds. */
export const stateListView: View<State> = {
  human(state, { out }) {
    out.write(renderStateList(state));
  },
  json(state, { out }) {
    out.write(formatJson(stateListDocument(state)));
  },
};

/** What `state show ADDRESS` found: the entry, and a files artifact's files when its blob could be read. */
export interface StateEntryShown {
  readonly state: State;
  readonly entry: StateEntry;
  readonly files?: readonly ArtifactFile[] | undefined;
}

export const stateEntryView: View<StateEntryShown> = {
  human({ state, entry, files }, { out }) {
    out.write(renderEntry(state, entry, { color: useColor(out), ...(files ? { files } : {}) }));
  },
  json({ state, entry, files }, { out }) {
    out.write(formatJson(stateEntryDocument(state, entry, files)));
  },
};

/** `state rm`: one line per address forgotten, and the serial written. */
export const stateRemovedView = textView<{ readonly messages: readonly string[]; readonly serial: number }>(({ messages, serial }, { out }) => {
  out.write(`${messages.join('\n')}\nThe state is now at serial ${serial}.\n`);
});

/** `state mv`: the address it had, the one it has now (as given, with its type when the name was bare), the serial written. */
export const stateMovedView = textView<{ readonly from: string; readonly to: string; readonly serial: number }>(({ from, to, serial }, { out }) => {
  out.write(`Moved ${from} to ${to}. The state is now at serial ${serial}.\n`);
});

/** `state pull`: the state as its file holds it (the command masks its secrets on a terminal). */
export const statePulledView = textView<State>((state, { out }) => {
  out.write(serializeState(state));
});

/** `state push`: the file pushed, the lineage and serial it carried, the serial written. */
export const statePushedView = textView<{ readonly source: string; readonly lineage: string | null; readonly serial: number; readonly written: number }>(
  ({ source, lineage, serial, written }, { out }) => {
    out.write(`Pushed ${source} (lineage ${lineage}, serial ${serial}). The state is now at serial ${written}.\n`);
  },
);

/** The history as a table, newest first, the current serial marked. */
export function historyText(entries: readonly HistoryEntry[], current: number): string {
  if (entries.length === 0) return 'No versions: the state was never written.\n';
  const rows = entries.map((e) => [`${e.serial === current ? '*' : ' '} ${e.serial}`, e.written, String(e.services), e.by]);
  const head = ['  SERIAL', 'WRITTEN', 'SERVICES', 'BY'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

/** `state history`: the versions the backend keeps and the state's current serial. */
export const stateHistoryView: View<{ readonly entries: readonly HistoryEntry[]; readonly current: number }> = {
  human({ entries, current }, { out }) {
    out.write(historyText(entries, current));
  },
  json({ entries, current }, { out }) {
    out.write(formatJson({ format_version: 1, current_serial: current, versions: entries.map((e) => ({ ...e })) }));
  },
};

/** `state rollback SERIAL`: the serial restored, the one written, the one it replaced. */
export const stateRolledBackView = textView<{ readonly restored: number; readonly written: number; readonly previous: number }>(
  ({ restored, written, previous }, { out }) => {
    out.write(
      `Rolled back to serial ${restored}: the state is now serial ${written}, a copy of it (serial ${previous} stays in the history).\n` +
        'The engine was not touched: run `starform plan` to see what differs from what runs.\n',
    );
  },
);

/** `state migrate`: the state copied (as written to the target) and where from and to. */
export interface StateMigrated {
  readonly lineage: string | null;
  readonly serial: number;
  readonly services: number;
  readonly artifacts: number;
  readonly from: string;
  readonly to: string;
}

export const stateMigratedView = textView<StateMigrated>(({ lineage, serial, services, artifacts, from, to }, { out }) => {
  out.write(
    `Migrated the state (lineage ${lineage}, serial ${serial}, ${services} service${services === 1 ? '' : 's'}, ` +
      `${artifacts} files artifact${artifacts === 1 ? '' : 's'}) from ${from} to ${to}.\n` +
      'The source is unchanged: give the target as --state from now on, and remove the source when you no longer need it.\n',
  );
});
