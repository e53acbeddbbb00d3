// Destroy: remove everything of a state's enclave from the engine and empty the state.
//
// The enclave is whatever carries the state's lineage label (containers, volumes, the
// network) — also containers the state no longer names — so destroy leaves nothing of it
// behind. The emptied state (same lineage, serial + 1, no services, artifacts, steps,
// values, outputs or enclave) is written *before* the engine is asked to remove
// anything: a crash in between leaves labelled resources the state does not name, which
// the next destroy (or apply) removes, never a state naming containers that are gone.
import type { EnclaveResources, Runtime } from '../runtime/index.js';
import { BlobStore, backupPath, emptyState, lockState, readState, referencedBlobs, resolveStatePath, writeState, type State, type StateLock } from '../state/index.js';
import { UserError } from '../util/errors.js';

export interface DestroyOptions {
  readonly statePath: string;
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
  const path = await resolveStatePath(options.statePath);
  const lock = options.lock ?? (await lockState(path, { operation: 'destroy', timeoutMs: options.lockTimeoutMs ?? 0 }));
  try {
    const before = await readState(path);
    if (before.lineage === null) return { removed: null, before, state: before };
    let runtime: Runtime;
    try {
      runtime = typeof options.runtime === 'function' ? await options.runtime() : options.runtime;
      await runtime.ping();
    } catch (err) {
      throw err instanceof UserError ? err : new UserError((err as Error).message, { cause: err });
    }
    const empty = destroyedState(before);
    const state = isEmpty(before) ? before : await writeState(path, empty, lock);
    let removed: EnclaveResources;
    try {
      removed = await runtime.removeEnclave(before.lineage);
    } catch (err) {
      throw new UserError(`${(err as Error).message}`, {
        hint: 'The state was emptied already; run `starform destroy` again to remove what is left.',
        cause: err,
      });
    }
    try {
      const backup = await readState(backupPath(path));
      await BlobStore.forState(path).prune(new Set([...referencedBlobs(state), ...referencedBlobs(backup)]));
    } catch {
      // an unreadable backup: keep every blob
    }
    return { removed, before, state };
  } finally {
    if (options.lock === undefined) await lock.release();
  }
}

function isEmpty(s: State): boolean {
  return s.services.size === 0 && s.filesArtifacts.size === 0 && s.steps.length === 0 && s.runtimeValues.size === 0 && s.outputs === null && s.enclave === null;
}
