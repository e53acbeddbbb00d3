// Refresh: compare the services a state records with what the engine really runs, and
// return the state as it is on the engine, with one line of drift per difference.
//
// A service whose container vanished is dropped from the state (the diff then plans to
// create it again, or plans nothing when the package no longer has it); a service whose
// container stopped is marked stopped with no address and no host ports (the diff plans
// to replace it unless the package stops it itself); a service that runs again although
// the state says stopped is marked running. One `inspectEnclave` call lists everything
// the enclave's lineage labels, so refreshing costs one engine round trip however many
// services there are (a container `starform import` adopted carries no labels: it is
// inspected by its id, one call each). Containers of the enclave that no service of the state names are
// reported as orphans (an interrupted apply leaves them; `apply` removes them) — except
// those `state rm` forgot (State.forgotten), which are no longer ours — and so
// are subnet probe networks an apply was killed before removing. Refresh only reads: it never changes the engine or a file; `plan`
// shows the drift, `apply` records the refreshed state before its first step.
//
// `refreshBlobs` does the same for the files artifacts' content in the blob store beside
// the state file (no engine involved): an artifact whose blob is missing or damaged
// (wrong size, or bytes that do not hash to its digest) is dropped from the state, so the
// plan creates it again from the package (and the apply stores it afresh).
import type { ContainerSummary, Runtime } from '../runtime/index.js';
import {
  BlobStore,
  putService,
  removeFilesArtifact,
  removeService,
  resolveStatePath,
  unforget,
  type ServiceRecord,
  type State,
  type StateBackend,
  type StateBlobs,
} from '../state/index.js';
import { forgottenIds } from './forgotten.js';
import { recordRef } from './owned-ref.js';

export interface RefreshResult {
  readonly state: State;
  /** One sentence per service whose record differs from the engine, sorted by service name. */
  readonly drift: string[];
  /** Containers labelled as services of the enclave that the state does not name. */
  readonly orphans: { readonly service: string; readonly containerId: string }[];
}

/** The state as the engine has it (see the file comment); `state` itself is not changed. */
export async function refreshState(state: State, runtime: Runtime): Promise<RefreshResult> {
  if (state.lineage === null) return { state, drift: [], orphans: [] };
  const lineage = state.lineage;
  const found = await runtime.inspectEnclave(lineage);
  const byId = new Map<string, ContainerSummary>(found.containers.map((c) => [c.id, c]));
  // Adopted containers (starform import) carry no labels: each is looked up by its id.
  const adopted = [...state.services].filter(([, r]) => r.adopted === true);
  const adoptedStatus = await Promise.all(adopted.map(([name, r]) => runtime.inspectService(recordRef(lineage, name, r))));
  adopted.forEach(([name, r], i) => {
    const status = adoptedStatus[i];
    if (status !== undefined) {
      byId.set(r.containerId, {
        id: status.containerId,
        containerName: status.name,
        service: name,
        image: status.image,
        state: status.state,
        running: status.running,
      });
    }
  });
  let next = state;
  const drift: string[] = [];
  for (const name of [...state.services.keys()].sort()) {
    const record = state.services.get(name)!;
    const container = byId.get(record.containerId);
    if (container === undefined || container.service !== (record.adopted === true ? name : (record.labelName ?? name))) {
      next = removeService(next, name);
      drift.push(`service '${name}': its container ${shortId(record.containerId)} no longer exists`);
    } else if (!container.running && record.status === 'running') {
      next = putService(next, name, stopped(record));
      drift.push(`service '${name}': its container ${shortId(record.containerId)} is ${container.state}, not running`);
    } else if (container.running && record.status === 'stopped') {
      next = putService(next, name, { ...record, status: 'running' });
      drift.push(`service '${name}': its container ${shortId(record.containerId)} runs, although the state says stopped`);
    }
  }
  // Containers `state rm` forgot are no one's orphans; those gone from the engine leave the
  // list (an unlabelled one, adopted before it was forgotten, is looked up by its id).
  const forgotten = forgottenIds(state);
  const named = new Set([...state.services.values()].map((r) => r.containerId));
  const unseen = (state.forgotten ?? []).filter((f) => !byId.has(f.containerId));
  const still = await Promise.all(unseen.map((f) => runtime.inspectService({ lineage, name: f.service, containerId: f.containerId, adopted: { ports: {} } })));
  unseen.forEach((f, i) => {
    if (still[i] === undefined) next = unforget(next, f.containerId);
  });
  const orphans = found.containers
    .filter((c) => c.service !== undefined && !named.has(c.id) && !forgotten.has(c.id))
    .map((c) => ({ service: c.service!, containerId: c.id }))
    .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  for (const o of orphans) {
    drift.push(`service '${o.service}': container ${shortId(o.containerId)} is not named by the state (left by an interrupted apply)`);
  }
  for (const probe of found.probeNetworks ?? []) {
    drift.push(`network '${probe.networkName}' is a subnet probe left by an interrupted apply (the next apply or destroy removes it)`);
  }
  return { state: next, drift, orphans };
}

/** A service record for a container that is not running: no address, no host ports. */
export function stopped(record: ServiceRecord): ServiceRecord {
  const ports = new Map([...record.ports].map(([id, p]) => [id, { ...p, hostPort: null }]));
  return { ...record, status: 'stopped', ipAddress: null, ports };
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** The state without the files artifacts whose stored content is missing or damaged (see the file comment). */
export async function refreshBlobs(state: State, statePath: string | StateBackend): Promise<{ state: State; drift: string[] }> {
  if (state.filesArtifacts.size === 0) return { state, drift: [] };
  const blobs: StateBlobs = typeof statePath === 'string' ? BlobStore.forState(await resolveStatePath(statePath)) : statePath.blobs;
  let next = state;
  const drift: string[] = [];
  const names = [...state.filesArtifacts.keys()].sort();
  const conditions = await Promise.all(
    names.map((name) => {
      const record = state.filesArtifacts.get(name)!;
      return blobs.check(record.contentHash, record.size);
    }),
  );
  names.forEach((name, i) => {
    const condition = conditions[i];
    if (condition === 'ok') return;
    const record = state.filesArtifacts.get(name)!;
    next = removeFilesArtifact(next, name);
    drift.push(`files artifact '${name}': its stored content (${record.contentHash}) is ${condition}; it will be created again`);
  });
  return { state: next, drift };
}
