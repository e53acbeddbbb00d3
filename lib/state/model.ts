// The state: what starform has created and run in one enclave, as the program holds it.
// It knows nothing of files (lib/state/statefile.ts turns it into one format version or
// another); names are camelCase and keyed collections are Maps, so a service called
// `constructor` or a reference id `__proto__` is just a key.
//
// A State is immutable. The functions below return a new State; those that build records
// compute their hashes, so a record's hash always matches its content (the file reader
// checks it again). There are no timestamps anywhere: applying the same plan to the same
// state gives the same state, apart from what the runtime assigns (container ids, IPs).
//
// Identity: `lineage` is a random UUID fixed when the state is first written and never
// changed; `serial` counts the writes. A state that was never written has lineage null
// and serial 0, which is also what a plan computed against "no state yet" records. The
// lineage is not made up while reading, because `plan` only reads: a lineage invented
// then would differ from the one `apply` finally writes, and every plan against a new
// state would look stale. `withLineage` (or the first write) assigns it.
import { randomUUID } from 'node:crypto';
import { digestOf, jsonDigest, type Digest } from '../util/hash.js';
import { canonicalJson, type JsonObject, type JsonValue } from '../util/json.js';

/** 'failed': a container that did not become ready, kept stopped by `apply --keep-failed`; the next apply replaces it. */
export type ServiceStatus = 'running' | 'stopped' | 'failed';
export type TransportProtocol = 'TCP' | 'UDP' | 'SCTP';

/** The Docker network (or another engine's equivalent) holding the services. */
export interface Enclave {
  readonly networkName: string;
  readonly networkId: string;
  /** The runtime adapter the enclave lives on; absent: docker (lib/cli/runtime-option.ts). */
  readonly runtime?: string;
}

/** A declared port and where the host publishes it. */
export interface PortRecord {
  readonly number: number;
  readonly transportProtocol: TransportProtocol;
  /** e.g. "http", "postgresql"; null when the package declared none. */
  readonly applicationProtocol: string | null;
  /** The published host port; null when not published (or the service is stopped). */
  readonly hostPort: number | null;
}

export interface ServiceRecord {
  /** The canonical service configuration the plan module produced (defaults filled in). */
  readonly config: JsonObject;
  /** jsonDigest(config). */
  readonly configHash: Digest;
  readonly containerId: string;
  /** The service's address in the enclave network; null while it has none (stopped). */
  readonly ipAddress: string | null;
  readonly ports: ReadonlyMap<string, PortRecord>;
  readonly status: ServiceStatus;
}

/** A files artifact; its content lives in the blob store under `contentHash`. */
export interface FilesArtifactRecord {
  readonly contentHash: Digest;
  /** Size of the content in bytes. */
  readonly size: number;
}

/** One instruction that was applied, with its result. */
export interface AppliedStep {
  /** The stable step id the plan module computed. */
  readonly id: string;
  /** The instruction kind, e.g. "add_service", "exec". */
  readonly kind: string;
  /** Canonical arguments, future references left as `{{starform:...}}` strings. */
  readonly args: JsonObject;
  /** jsonDigest(args). */
  readonly argsHash: Digest;
  /** What the step produced (an exec's code and output, a request's body...). */
  readonly result: JsonValue;
}

export interface State {
  /** Fixed at the first write; null for a state never written. */
  readonly lineage: string | null;
  /** The number of writes so far; 0 for a state never written. */
  readonly serial: number;
  readonly enclave: Enclave | null;
  readonly services: ReadonlyMap<string, ServiceRecord>;
  readonly filesArtifacts: ReadonlyMap<string, FilesArtifactRecord>;
  /** In the order they were applied. Step ids are unique. */
  readonly steps: readonly AppliedStep[];
  /** Future-reference id (e.g. "service.db.ip_address") → the value it had. */
  readonly runtimeValues: ReadonlyMap<string, JsonValue>;
  /** What run() returned, with references resolved; null before the first apply. */
  readonly outputs: JsonValue;
  /** The values renderings of the state mask (the plans' sensitive values), sorted; absent when none. */
  readonly sensitiveValues?: readonly string[];
}

export function emptyState(): State {
  return {
    lineage: null,
    serial: 0,
    enclave: null,
    services: new Map(),
    filesArtifacts: new Map(),
    steps: [],
    runtimeValues: new Map(),
    outputs: null,
  };
}

/** The state with a lineage: its own, or a new random one if it was never written. */
export function withLineage(state: State): State {
  return state.lineage === null ? { ...state, lineage: randomUUID() } : state;
}

/** A state that has never been written (no lineage yet). */
/** The state with these sensitive values recorded too (lib/plan/sensitive.ts). */
export function withSensitiveValues(state: State, values: readonly string[] | undefined): State {
  const all = [...new Set([...(state.sensitiveValues ?? []), ...(values ?? [])])].sort();
  return all.length === (state.sensitiveValues?.length ?? 0) ? state : { ...state, sensitiveValues: all };
}

export function isNewState(state: State): boolean {
  return state.lineage === null;
}

export function serviceRecord(init: Omit<ServiceRecord, 'configHash'>): ServiceRecord {
  return { ...init, configHash: jsonDigest(init.config) };
}

export function appliedStep(init: Omit<AppliedStep, 'argsHash'>): AppliedStep {
  return { ...init, argsHash: jsonDigest(init.args) };
}

export function filesArtifactRecord(content: Uint8Array): FilesArtifactRecord {
  return { contentHash: digestOf(content), size: content.byteLength };
}

function withEntry<V>(map: ReadonlyMap<string, V>, key: string, value: V | undefined): ReadonlyMap<string, V> {
  const next = new Map(map);
  if (value === undefined) next.delete(key);
  else next.set(key, value);
  return next;
}

export function setEnclave(state: State, enclave: Enclave | null): State {
  return { ...state, enclave };
}

export function putService(state: State, name: string, record: ServiceRecord): State {
  return { ...state, services: withEntry(state.services, name, record) };
}

export function removeService(state: State, name: string): State {
  return { ...state, services: withEntry(state.services, name, undefined) };
}

export function putFilesArtifact(state: State, name: string, record: FilesArtifactRecord): State {
  return { ...state, filesArtifacts: withEntry(state.filesArtifacts, name, record) };
}

export function removeFilesArtifact(state: State, name: string): State {
  return { ...state, filesArtifacts: withEntry(state.filesArtifacts, name, undefined) };
}

/** Records a step: replaces the step with the same id where it stands, or appends it. */
export function recordStep(state: State, step: AppliedStep): State {
  const i = state.steps.findIndex((s) => s.id === step.id);
  const steps = i === -1 ? [...state.steps, step] : state.steps.map((s, j) => (j === i ? step : s));
  return { ...state, steps };
}

export function removeStep(state: State, id: string): State {
  return { ...state, steps: state.steps.filter((s) => s.id !== id) };
}

/** Sets a recorded runtime value; `undefined` removes it. */
export function setRuntimeValue(state: State, id: string, value: JsonValue | undefined): State {
  return { ...state, runtimeValues: withEntry(state.runtimeValues, id, value) };
}

/** The state with these outputs (the same state when they are equal, so nothing is rewritten). */
export function setOutputs(state: State, outputs: JsonValue): State {
  if (state.outputs === outputs || canonicalJson(state.outputs) === canonicalJson(outputs)) return state;
  return { ...state, outputs };
}

/** The blob digests the state refers to (what a blob store must keep). */
export function referencedBlobs(state: State): Set<Digest> {
  return new Set([...state.filesArtifacts.values()].map((a) => a.contentHash));
}
