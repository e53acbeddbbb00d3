// State file format version 1: the JSON shape (snake_case, objects keyed by name) and its
// translation to and from the in-memory State. Validity is the schema
// (schemas/state.schema.json) plus what a schema cannot say: step ids are unique, and
// every stored hash is the hash of what it stands beside. The same checks run on what we
// read and on what we are about to write. Described for users in docs/formats.md.
import { jsonDigest, type Digest } from '../util/hash.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../util/json.js';
import { schemaValidator } from '../util/schema.js';
import type { FilesArtifactRecord, PortRecord, ServiceRecord, State, TransportProtocol, ServiceStatus } from './model.js';

export const FORMAT_VERSION = 1;

interface PortV1 {
  readonly number: number;
  readonly transport_protocol: TransportProtocol;
  readonly application_protocol: string | null;
  readonly host_port: number | null;
}

interface ServiceV1 {
  readonly config: JsonObject;
  readonly config_hash: Digest;
  readonly container_id: string;
  readonly ip_address: string | null;
  readonly ports: { readonly [id: string]: PortV1 };
  readonly status: ServiceStatus;
  readonly image?: { readonly id: string; readonly digest: string | null };
  readonly adopted?: true;
  readonly label_name?: string;
  readonly package?: string;
}

interface FilesArtifactV1 {
  readonly content_hash: Digest;
  readonly size: number;
  readonly package?: string;
}

interface StepV1 {
  readonly id: string;
  readonly kind: string;
  /** Absent when the step is its service's add_service (see `sharedConfig`). */
  readonly args?: JsonObject;
  readonly args_hash: Digest;
  readonly result: JsonValue;
  readonly package?: string;
}

interface StateFileV1 {
  readonly format_version: 1;
  readonly starform_version: string;
  readonly lineage: string;
  readonly serial: number;
  readonly enclave: { readonly network_name: string; readonly network_id: string; readonly runtime?: string } | null;
  readonly services: { readonly [name: string]: ServiceV1 };
  readonly files_artifacts: { readonly [name: string]: FilesArtifactV1 };
  readonly steps: readonly StepV1[];
  readonly runtime_values: JsonObject;
  readonly outputs: JsonValue;
  readonly sensitive_values?: readonly string[];
  readonly forgotten?: readonly { readonly container_id: string; readonly service: string }[];
}

/** The order of the top-level keys in the file; everything below is sorted. */
export const LEADING_KEYS = [
  'format_version',
  'starform_version',
  'lineage',
  'serial',
  'enclave',
  'services',
  'files_artifacts',
  'steps',
  'runtime_values',
  'outputs',
  'sensitive_values',
  'forgotten',
] as const;

/** The optional ownership fields of a record, in file form (absent when unset). */
function ownedV1(r: { readonly package?: string }): { package?: string } {
  return r.package !== undefined ? { package: r.package } : {};
}

function mapObject<V, W>(map: ReadonlyMap<string, V>, f: (v: V) => W): { [key: string]: W } {
  return Object.fromEntries([...map].map(([k, v]) => [k, f(v)]));
}

function objectMap<V, W>(obj: { readonly [key: string]: V }, f: (v: V) => W): Map<string, W> {
  const out = new Map<string, W>();
  for (const k of Object.keys(obj)) out.set(k, f(obj[k]));
  return out;
}

/** The file form of a state. Its lineage must be set. */
export function encode(state: State, starformVersion: string): JsonObject {
  if (state.lineage === null) throw new Error('a state without lineage cannot be encoded');
  const file: StateFileV1 = {
    format_version: FORMAT_VERSION,
    starform_version: starformVersion,
    lineage: state.lineage,
    serial: state.serial,
    enclave: state.enclave && {
      network_name: state.enclave.networkName,
      network_id: state.enclave.networkId,
      ...(state.enclave.runtime !== undefined ? { runtime: state.enclave.runtime } : {}),
    },
    services: mapObject(state.services, (s) => ({
      config: s.config,
      config_hash: s.configHash,
      container_id: s.containerId,
      ip_address: s.ipAddress,
      ports: mapObject(s.ports, (p) => ({
        number: p.number,
        transport_protocol: p.transportProtocol,
        application_protocol: p.applicationProtocol,
        host_port: p.hostPort,
      })),
      status: s.status,
      ...(s.image !== undefined ? { image: { id: s.image.id, digest: s.image.digest } } : {}),
      ...(s.adopted === true ? { adopted: true as const } : {}),
      ...(s.labelName !== undefined ? { label_name: s.labelName } : {}),
      ...ownedV1(s),
    })),
    files_artifacts: mapObject(state.filesArtifacts, (a) => ({ content_hash: a.contentHash, size: a.size, ...ownedV1(a) })),
    steps: state.steps.map((s) =>
      sharedConfig(s.id, s.kind, s.argsHash, (name) => state.services.get(name)?.configHash)
        ? { id: s.id, kind: s.kind, args_hash: s.argsHash, result: s.result, ...ownedV1(s) }
        : { id: s.id, kind: s.kind, args: s.args, args_hash: s.argsHash, result: s.result, ...ownedV1(s) },
    ),
    runtime_values: Object.fromEntries(state.runtimeValues),
    outputs: state.outputs,
    ...(state.sensitiveValues !== undefined && state.sensitiveValues.length > 0 ? { sensitive_values: [...state.sensitiveValues] } : {}),
    ...(state.forgotten !== undefined && state.forgotten.length > 0
      ? { forgotten: state.forgotten.map((f) => ({ container_id: f.containerId, service: f.service })) }
      : {}),
  };
  return file as unknown as JsonObject;
}

/**
 * Whether a step's arguments are its service's configuration: an add_service step
 * `service.<name>` whose service records the same hash. The file then keeps them once,
 * in the service (the state of a large environment would otherwise hold every
 * configuration twice).
 */
function sharedConfig(id: string, kind: string, argsHash: string, hashOf: (service: string) => string | undefined): boolean {
  return kind === 'add_service' && id.startsWith('service.') && hashOf(id.slice('service.'.length)) === argsHash;
}

/**
 * The problems of a parsed file; empty when it is a valid version 1 state file.
 * `hashes: false` skips recomputing the records' hashes (for bytes this starform wrote
 * and noted, see statefile.ts); the schema and every structural check always run.
 */
export function check(raw: JsonValue, options: { readonly hashes?: boolean } = {}): string[] {
  const hashes = options.hashes !== false;
  const problems = schemaValidator('state.schema.json')(raw);
  if (problems.length > 0 || !isJsonObject(raw)) return problems;
  const file = raw as unknown as StateFileV1;
  // JSON numbers are doubles: above 2^53 - 1 a serial no longer counts writes exactly
  // (2^53 + 1 reads as 2^53), and a plan made before a write would still look current.
  if (!Number.isSafeInteger(file.serial)) {
    problems.push(`serial: ${file.serial} is beyond ${Number.MAX_SAFE_INTEGER}, the largest integer that stays exact`);
  }
  const seen = new Set<string>();
  file.steps.forEach((step, i) => {
    if (seen.has(step.id)) problems.push(`steps[${i}].id: step id ${JSON.stringify(step.id)} appears twice`);
    seen.add(step.id);
    if (step.args === undefined) {
      if (!sharedConfig(step.id, step.kind, step.args_hash, (name) => file.services[name]?.config_hash)) {
        problems.push(`steps[${i}].args: missing (only an add_service step whose service has the same configuration may leave it out)`);
      }
    } else if (hashes && jsonDigest(step.args) !== step.args_hash) {
      problems.push(`steps[${i}].args_hash: is not the hash of its args`);
    }
  });
  for (const [name, service] of Object.entries(file.services)) {
    if (hashes && jsonDigest(service.config) !== service.config_hash) {
      problems.push(`services.${name}.config_hash: is not the hash of its config`);
    }
  }
  return problems;
}

/** The state in a file that `check` found valid. */
export function decode(raw: JsonObject): State {
  const file = raw as unknown as StateFileV1;
  return {
    lineage: file.lineage,
    serial: file.serial,
    enclave: file.enclave && {
      networkName: file.enclave.network_name,
      networkId: file.enclave.network_id,
      ...(file.enclave.runtime !== undefined ? { runtime: file.enclave.runtime } : {}),
    },
    services: objectMap(file.services, (s): ServiceRecord => ({
      config: s.config,
      configHash: s.config_hash,
      containerId: s.container_id,
      ipAddress: s.ip_address,
      ports: objectMap(s.ports, (p): PortRecord => ({
        number: p.number,
        transportProtocol: p.transport_protocol,
        applicationProtocol: p.application_protocol,
        hostPort: p.host_port,
      })),
      status: s.status,
      ...(s.image !== undefined ? { image: { id: s.image.id, digest: s.image.digest } } : {}),
      ...(s.adopted === true ? { adopted: true } : {}),
      ...(s.label_name !== undefined ? { labelName: s.label_name } : {}),
      ...ownedV1(s),
    })),
    filesArtifacts: objectMap(file.files_artifacts, (a): FilesArtifactRecord => ({ contentHash: a.content_hash, size: a.size, ...ownedV1(a) })),
    steps: file.steps.map((s) => ({
      id: s.id,
      kind: s.kind,
      args: s.args ?? file.services[s.id.slice('service.'.length)].config,
      argsHash: s.args_hash,
      result: s.result,
      ...ownedV1(s),
    })),
    runtimeValues: objectMap(file.runtime_values, (v) => v),
    outputs: file.outputs,
    ...(file.sensitive_values !== undefined ? { sensitiveValues: file.sensitive_values } : {}),
    ...(file.forgotten !== undefined ? { forgotten: file.forgotten.map((f) => ({ containerId: f.container_id, service: f.service })) } : {}),
  };
}
