// Destroy: remove everything of a state's enclave from the engine and empty the state.
//
// The enclave is whatever carries the state's lineage label (containers, volumes, the
// network) — also containers the state no longer names — so destroy leaves nothing of it
// behind. The emptied state (same lineage, serial + 1, no services, artifacts, steps,
// values, outputs or enclave) is written *before* the engine is asked to remove
// anything: a crash in between leaves labelled resources the state does not name, which
// the next destroy (or apply) removes, never a state naming containers that are gone.
// Containers `starform import` adopted (no labels) are removed by their recorded ids;
// containers `state rm` forgot are left running (only disconnected from the network).
import type { EnclaveResources, Runtime } from '../docker/index.js';
import { BlobStore, backupPath, emptyState, lockState, readState, referencedBlobs, resolveStatePath, writeState, type State, type StateLock } from '../state/index.js';
import { UserError } from '../util/errors.js';
import { forgottenIds } from './forgotten.js';
import { recordRef } from './owned-ref.js';

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
  // Forgotten containers keep their labels and outlive the enclave: remembering them keeps
  // a later apply of this lineage from taking them for containers it left behind.
  return { ...emptyState(), lineage: state.lineage, serial: state.serial, ...(state.forgotten ? { forgotten: state.forgotten } : {}) };
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
      // Containers `starform import` adopted carry no labels: removed by their recorded ids.
      const lineage = before.lineage;
      const adopted = [...before.services].filter(([, r]) => r.adopted === true);
      await Promise.all(adopted.map(([name, r]) => runtime.removeService(recordRef(lineage, name, r))));
      removed = await runtime.removeEnclave(lineage, { keep: [...forgottenIds(before)] });
      if (adopted.length > 0) {
        const extra = adopted.map(([name, r]) => ({ id: r.containerId, containerName: name, service: name, image: '', state: 'removing' as const, running: false }));
        removed = { ...removed, containers: [...extra, ...removed.containers] };
      }
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
