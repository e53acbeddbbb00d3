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
import type { EnclaveResources, Runtime } from '../runtime/index.js';
import {
  forgetStep,
  emptyState,
  removeFilesArtifact,
  removeService,
  type ServiceRecord,
  type State,
  type StateBackend,
  type StateLock,
} from '../state/index.js';
import { backendOf } from './executor.js';
import { UserError } from '../util/errors.js';
import { forgottenIds } from './forgotten.js';
import { recordRef } from './owned-ref.js';

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
function destroyedState(state: State): State {
  // Forgotten containers keep their labels and outlive the enclave: remembering them keeps
  // a later apply of this lineage from taking them for containers it left behind.
  return { ...emptyState(), lineage: state.lineage, serial: state.serial, ...(state.forgotten ? { forgotten: state.forgotten } : {}) };
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
      // Containers `starform import` adopted carry no labels: removed by their recorded ids.
      const lineage = before.lineage;
      const adopted = [...before.services].filter(([, r]) => r.adopted === true);
      await Promise.all(adopted.map(([name, r]) => runtime.removeService(recordRef(lineage, name, r))));
      removed = await runtime.removeEnclave(lineage, { keep: [...forgottenIds(before)] });
      if (adopted.length > 0) {
        const extra = adopted.map(([name, r]) => ({
          id: r.containerId,
          containerName: name,
          service: name,
          image: '',
          state: 'removing' as const,
          running: false,
        }));
        removed = { ...removed, containers: [...extra, ...removed.containers] };
      }
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

export interface DestroyPackageResult {
  /** The addresses removed from the state (services, files artifacts), sorted. */
  readonly removed: readonly string[];
  /** Containers removed from the engine. */
  readonly containers: number;
  readonly state: State;
}

/**
 * `destroy --package NAME`: removes one package's services (their containers) and files
 * artifacts, its steps and their values, and nothing of the other packages of the state
 * (lib/plan/claims.ts). Refused while another package's records use one of them. As for
 * destroy, the state is written first, then the containers go; their volumes stay for a
 * whole `destroy` (other packages' services may mount them).
 */
export async function destroyPackage(options: DestroyOptions & { readonly package: string }): Promise<DestroyPackageResult> {
  const backend = await backendOf(options);
  const lock = options.lock ?? (await backend.lock({ operation: 'destroy', timeoutMs: options.lockTimeoutMs ?? 0 }));
  try {
    const before = await backend.read();
    const { services, artifacts, steps, removed } = packageEntities(before, options.package, backend.location);
    let next = before;
    for (const [n] of services) next = removeService(next, n);
    for (const a of artifacts) next = removeFilesArtifact(next, a);
    for (const id of new Set([...steps, ...services.map(([n]) => `service.${n}`), ...artifacts.map((a) => `artifact.${a}`)])) next = forgetStep(next, id);
    if (next === before) return { removed, containers: 0, state: before };
    let runtime: Runtime | undefined;
    if (services.length > 0) {
      try {
        runtime = typeof options.runtime === 'function' ? await options.runtime() : options.runtime;
        await runtime.ping();
      } catch (err) {
        throw err instanceof UserError ? err : new UserError((err as Error).message, { cause: err });
      }
    }
    const state = await backend.write(before, next, lock);
    let containers = 0;
    try {
      for (const [n, r] of services) if (await runtime!.removeService(recordRef(before.lineage!, n, r))) containers++;
    } catch (err) {
      throw new UserError(`${(err as Error).message}`, {
        hint: 'The state no longer names them; run `starform destroy` to remove what is left of the enclave.',
        cause: err,
      });
    }
    return { removed, containers, state };
  } finally {
    if (options.lock === undefined) await lock.release();
  }
}

/**
 * What package `name` owns in the state, or a UserError: the state has nothing of it, or
 * other packages' records use something of it.
 */
export function packageEntities(
  state: State,
  name: string,
  file: string,
): { services: [string, ServiceRecord][]; artifacts: string[]; steps: string[]; removed: string[] } {
  const owners = packagesOf(state);
  if (!owners.includes(name)) {
    throw new UserError(`the state has nothing of package ${name}`, {
      location: { file },
      hint: owners.length > 0 ? `Its packages: ${owners.join(', ')}.` : 'No package in it has recorded its ownership yet.',
    });
  }
  const services = [...state.services].filter(([, r]) => r.package === name);
  const artifacts = [...state.filesArtifacts].filter(([, r]) => r.package === name).map(([n]) => n);
  const steps = state.steps.filter((s) => s.package === name).map((s) => s.id);
  const users = dependents(
    state,
    name,
    [...services.map(([n]) => `service.${n}`), ...steps],
    services.map(([n]) => n),
    artifacts,
  );
  if (users.length > 0) {
    throw new UserError(`cannot destroy package ${name}: other packages use what it owns:\n${users.map((u) => `  - ${u}`).join('\n')}`, {
      location: { file },
      hint: 'Destroy those packages first (starform destroy --package NAME), or everything (starform destroy).',
    });
  }
  const removed = [...services.map(([n]) => `service.${n}`), ...artifacts.map((a) => `artifact.${a}`)].sort();
  return { services, artifacts, steps, removed };
}

/** The packages that own something in the state, sorted. */
function packagesOf(state: State): string[] {
  const names = new Set<string>();
  for (const e of [...state.services.values(), ...state.filesArtifacts.values(), ...state.steps]) if (e.package !== undefined) names.add(e.package);
  return [...names].sort();
}

/** What of other packages uses the given steps' values, services or artifacts, one line each. */
function dependents(state: State, owner: string, stepIds: readonly string[], services: readonly string[], artifacts: readonly string[]): string[] {
  const out = new Set<string>();
  const refs = stepIds.map((id) => `{{starform:${id}.`);
  const mentions = (text: string): boolean =>
    refs.some((r) => text.includes(r)) ||
    services.some((s) => text.includes(`"service_name":${JSON.stringify(s)}`)) ||
    artifacts.some((a) => text.includes(`"artifact_names":[`) && new RegExp(`"artifact_names":\\[[^\\]]*${escapeRegExp(JSON.stringify(a))}`).test(text));
  for (const [n, r] of state.services) {
    if (r.package !== undefined && r.package !== owner && mentions(JSON.stringify(r.config))) out.add(`service.${n} of package ${r.package}`);
  }
  for (const s of state.steps) {
    if (s.package !== undefined && s.package !== owner && mentions(JSON.stringify(s.args))) out.add(`step ${s.id} of package ${s.package}`);
  }
  return [...out].sort();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
