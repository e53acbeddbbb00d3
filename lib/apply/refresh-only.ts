// Applying a refresh-only plan (`plan --refresh-only --out FILE`, lib/plan/destroy-plan.ts):
// write to the state what refresh found on the engine, and change no container.
//
// The plan recorded the services as the engine had them when it was made (`servicesSnapshot`:
// container, status, address and host ports of each service). Under the state lock, apply
// refuses a plan whose state moved on (like any plan), refreshes again, and refuses too when
// the engine now differs from what the plan showed: the reviewer approved those records, not
// whatever the engine has by the time of the apply. The state is written only when refresh
// changed something (serial + 1); orphaned containers are listed by the plan but left alone.
import type { Runtime } from '../docker/index.js';
import { checkPlanIsCurrent, type PlanEdit } from '../planfile/index.js';
import type { State, StateBackend } from '../state/index.js';
import { UserError } from '../util/errors.js';
import { canonicalJson, type JsonObject, type JsonValue } from '../util/json.js';
import { emptySummary, type ApplyEvent } from './events.js';
import { refreshState } from './refresh.js';

/** What refresh decides about each service, as JSON (sorted by name): what a refresh-only plan shows and checks. */
export function servicesSnapshot(state: State): JsonValue {
  const out: Record<string, JsonObject> = {};
  for (const name of [...state.services.keys()].sort()) {
    const r = state.services.get(name)!;
    const ports: Record<string, JsonValue> = {};
    for (const id of [...r.ports.keys()].sort()) ports[id] = r.ports.get(id)!.hostPort;
    out[name] = { container_id: r.containerId, status: r.status, ip_address: r.ipAddress, host_ports: ports };
  }
  return out;
}

/** The refresh-only edit of a plan, if it is one. */
export function refreshOnlyEdit(plan: { readonly edits?: readonly PlanEdit[] }): Extract<PlanEdit, { kind: 'refresh-only' }> | undefined {
  return plan.edits?.find((e): e is Extract<PlanEdit, { kind: 'refresh-only' }> => e.kind === 'refresh-only');
}

export interface RefreshOnlyOptions {
  /** Where the state is (the executor's backendOf). */
  readonly backend: StateBackend;
  readonly runtime: Runtime | (() => Promise<Runtime>);
  readonly lockTimeoutMs?: number;
  readonly planFile?: string;
  readonly onEvent?: (e: ApplyEvent) => void;
}

/** Applies a refresh-only plan (see the file comment); resolves with the state as written. */
export async function applyRefreshOnly(
  plan: { readonly base: { lineage: string | null; serial: number }; readonly edits?: readonly PlanEdit[] },
  options: RefreshOnlyOptions,
): Promise<State> {
  const edit = refreshOnlyEdit(plan);
  if (edit === undefined) throw new Error('applyRefreshOnly: not a refresh-only plan');
  const started = Date.now();
  const planFile = options.planFile ?? '(plan)';
  const backend = options.backend;
  const lock = await backend.lock({ operation: 'apply', timeoutMs: options.lockTimeoutMs ?? 0 });
  try {
    const state = await backend.read();
    checkPlanIsCurrent(plan, state, planFile);
    options.onEvent?.({ type: 'apply_start', steps: [], unchanged: 0, parallelism: 1 });
    const runtime = typeof options.runtime === 'function' ? await options.runtime() : options.runtime;
    const refreshed = state.lineage === null ? { state, drift: [] } : await refreshState(state, runtime);
    if (canonicalJson(servicesSnapshot(refreshed.state)) !== canonicalJson(edit.services)) {
      throw new UserError('stale plan: the engine changed since this refresh-only plan was made; the state was not changed', {
        location: { file: planFile },
        hint: 'Run `starform plan --refresh-only` again and review what it shows now.',
      });
    }
    for (const message of refreshed.drift) options.onEvent?.({ type: 'drift', message });
    const written = refreshed.state === state ? state : await backend.write(state, refreshed.state, lock);
    options.onEvent?.({ type: 'apply_done', summary: emptySummary(), outputs: written.outputs, serial: written.serial, durationMs: Date.now() - started });
    return written;
  } finally {
    await lock.release();
  }
}
