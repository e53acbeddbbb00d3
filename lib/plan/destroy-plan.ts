// Plans that read no package (issue 12): `plan --destroy` and `plan --refresh-only`.
//
// A destroy plan is the diff of an empty package against the state: a delete for every
// service and files artifact the state records, nothing else; `--target`/`--exclude`
// narrow it like any plan (lib/plan/selection.ts). Applying a whole destroy plan also
// removes the enclave's network (the `destroy` edit says so); a narrowed one leaves it.
//
// A refresh-only plan carries no change at all: its `refresh-only` edit records the drift
// refresh found and the services as the engine has them, and applying it writes exactly
// those records to the state (lib/apply/refresh-only.ts), refusing when the engine or the
// state moved since the plan.
//
// Both are bound to the state they were computed against (lineage and serial) like every
// plan, and name no package: `package.locator` is `(destroy)` or `(refresh-only)`, with
// the digest of nothing and no args.
import type { PlanEdit, SavedPlan } from '../planfile/index.js';
import type { State } from '../state/index.js';
import { digestOf } from '../util/hash.js';
import type { JsonValue } from '../util/json.js';
import { diff } from './diff.js';
import { summarize, type Change, type Instruction, type PlanSummary } from '../instructions/index.js';
import { selectChanges, type SelectionOptions } from './selection.js';
import { stateSensitiveValues } from './sensitive.js';

export interface PackagelessPlan {
  readonly plan: SavedPlan<Instruction, Change>;
  readonly summary: PlanSummary;
}

function envelope(locator: string, state: State, changes: readonly Change[], edits: readonly PlanEdit[]): PackagelessPlan {
  const sensitive = stateSensitiveValues(state);
  return {
    plan: {
      base: { lineage: state.lineage, serial: state.serial },
      package: { locator, digest: digestOf(''), args: {} },
      instructions: [],
      changes,
      outputs: null,
      files: new Map(),
      edits,
      ...(sensitive.length > 0 ? { sensitive: [...sensitive].sort() } : {}),
    },
    summary: summarize(changes),
  };
}

/** The destroy plan of a state (see the file comment). */
export function destroyPlan(state: State, selection: SelectionOptions = {}): PackagelessPlan {
  const all = diff([], state).map((c) => ({ ...c, reason: 'destroy' }));
  const selected = selectChanges([], all, selection);
  return envelope('(destroy)', state, selected.changes, [{ kind: 'destroy' }, ...selected.edits]);
}

/** Whether a saved plan is a whole destroy plan (its apply also removes the enclave network). */
export function isWholeDestroy(plan: { readonly edits?: readonly PlanEdit[] }): boolean {
  const edits = plan.edits ?? [];
  return edits.some((e) => e.kind === 'destroy') && !edits.some((e) => e.kind === 'target' || e.kind === 'exclude');
}

/** The refresh-only plan: the drift refresh found, and the services as the engine has them. */
export function refreshOnlyPlan(state: State, drift: readonly string[], services: JsonValue): PackagelessPlan {
  return envelope('(refresh-only)', state, [], [{ kind: 'refresh-only', drift: [...drift], services }]);
}
