// Destroy: remove everything of a state's enclave from the engine and empty the state.
//
// The enclave is whatever carries the state's lineage label (containers, volumes, the
// network) — also containers the state no longer names — so destroy leaves nothing of it
// behind. The emptied state (same lineage, serial + 1, no services, artifacts, steps,
// values, outputs or enclave) is written *before* the engine is asked to remove
// anything: a crash in between leaves labelled resources the state does not name, which
// the next destroy (or apply) removes, never a state naming containers that are gone.
import type { EnclaveResources, Runtime } from '../runtime/index.js';
import { emptyState, type State, type StateBackend, type StateLock } from '../state/index.js';
import { backendOf } from './executor.js';
import { UserError } from '../util/errors.js';

export interface DestroyOptions {
  /** The state file (when no `backend` is given). */
  readonly statePath?: string;
  readonly backend?: StateBackend;
  readonly runtime: Runtime | (() => Promise<Runtime>);
  readonly lock?: StateLock;
  readonly lockTimeoutMs?: number;
}

export interface DestroyResult {
  /** What the engine removed; null when the state has no enclave (never applied). */
  readonly removed: EnclaveResources | null;
  /** What the state recorded before. */
  readonly before: State;
  readonly state: State;
}

/** The state after destroy: the same lineage, nothing in it. */
export function destroyedState(state: State): State {
  return { ...emptyState(), lineage: state.lineage, serial: state.serial };
}

export async function destroyEnclave(options: DestroyOptions): Promise<DestroyResult> {
  const backend = await backendOf(options);
  const lock = options.lock ?? (await backend.lock({ operation: 'destroy', timeoutMs: options.lockTimeoutMs ?? 0 }));
  try {
    const before = await backend.read();
    if (before.lineage === null) return { removed: null, before, state: before };
    let runtime: Runtime;
    try {
      runtime = typeof options.runtime === 'function' ? await options.runtime() : options.runtime;
      await runtime.ping();
    } catch (err) {
      throw err instanceof UserError ? err : new UserError((err as Error).message, { cause: err });
    }
    const empty = destroyedState(before);
    const state = isEmpty(before) ? before : await backend.write(before, empty, lock);
    let removed: EnclaveResources;
    try {
      removed = await runtime.removeEnclave(before.lineage);
    } catch (err) {
      throw new UserError(`${(err as Error).message}`, {
        hint: 'The state was emptied already; run `starform destroy` again to remove what is left.',
        cause: err,
      });
    }
    await backend.pruneBlobs(state);
    return { removed, before, state };
  } finally {
    if (options.lock === undefined) await lock.release();
  }
}

function isEmpty(s: State): boolean {
  return s.services.size === 0 && s.filesArtifacts.size === 0 && s.steps.length === 0 && s.runtimeValues.size === 0 && s.outputs === null && s.enclave === null;
}
