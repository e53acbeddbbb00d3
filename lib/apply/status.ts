// The enclave as it is now, for `starform status` and the table that ends an apply: each
// service of the state with what the engine says of its container (running, stopped,
// exited with a code, missing), the image it runs and that image's digest, its address,
// and every port with the host address a user can open; the files artifacts with the
// files they hold; the outputs of run(), with in-enclave addresses in them translated to
// host addresses where a port of the service maps.
//
// One listing of the enclave's containers (the runtime inspects those it does not say
// enough about) and one engine call per distinct image, all at once; nothing is changed. The state's own record is the fallback when the engine has
// no answer (a container gone), so the table still says what the state believes.
import type { Runtime, ServiceStatus as ContainerStatus } from '../docker/index.js';
import type { State, StateBlobs } from '../state/index.js';
import { recordRef } from './owned-ref.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../util/json.js';

export interface PortStatus {
  readonly id: string;
  readonly number: number;
  readonly transportProtocol: string;
  readonly applicationProtocol: string | null;
  /** `127.0.0.1:32849`; null when the port is not published (or the service is not running). */
  readonly hostAddress: string | null;
  /** `http://127.0.0.1:32849`: the application protocol as scheme, else tcp:// or udp://. */
  readonly hostUrl: string | null;
}

export type ContainerCondition = 'running' | 'stopped' | 'exited' | 'missing' | 'other';

export interface ServiceStatusRow {
  readonly name: string;
  /** What the state records: running, stopped, or failed (kept by --keep-failed). */
  readonly recorded: string;
  /** What the engine says now. */
  readonly condition: ContainerCondition;
  /** The engine's own word for the container's state ('created', 'paused'...); absent when missing. */
  readonly engineState?: string;
  readonly exitCode?: number;
  readonly containerId: string;
  readonly image: string;
  /** The registry digest of the image the container runs (repo@sha256:…), else its image id. */
  readonly digest: string | null;
  readonly hostname: string;
  readonly ipAddress: string | null;
  readonly ports: readonly PortStatus[];
}

export interface ArtifactStatus {
  readonly name: string;
  /** Size of the stored archive. */
  readonly size: number;
  /** The files it holds, with their own sizes; null when the stored content cannot be read. */
  readonly files: readonly { readonly path: string; readonly size: number }[] | null;
}

/** An address found in an output value, and where the host reaches it. */
export interface OutputAddress {
  /** The output's path (`db_url`, `nodes[0].rpc`). */
  readonly output: string;
  /** The address as it appears in the value (`10.1.0.3:8545`, `db:5432`). */
  readonly address: string;
  readonly service: string;
  readonly portId: string;
  /** The value with the address replaced by the host's, a scheme added when it had none. */
  readonly hostUrl: string;
}

export interface EnclaveStatus {
  readonly lineage: string | null;
  readonly serial: number;
  readonly networkName: string | null;
  readonly services: readonly ServiceStatusRow[];
  readonly artifacts: readonly ArtifactStatus[];
  readonly outputs: JsonValue;
  readonly outputAddresses: readonly OutputAddress[];
}

/** The URL of a published port (see PortStatus.hostUrl). */
export function hostUrl(hostAddress: string, transport: string, applicationProtocol: string | null): string {
  const scheme = applicationProtocol !== null && /^[a-z][a-z0-9+.-]*$/i.test(applicationProtocol) ? applicationProtocol.toLowerCase() : transport.toLowerCase();
  return `${scheme}://${hostAddress}`;
}

/** What the engine says, read against the state: a container the state stopped is stopped, any other that is not running exited. */
function condition(found: ContainerStatus | undefined, recorded: string): ContainerCondition {
  if (found === undefined) return 'missing';
  if (found.running) return 'running';
  if (recorded === 'stopped' || found.state === 'created') return 'stopped';
  if (found.state === 'exited' || found.state === 'dead') return 'exited';
  return 'other';
}

/** The files of an artifact's stored archive with their sizes; null when it cannot be read. */
async function artifactFiles(blobs: Pick<StateBlobs, 'get'>, digest: Parameters<StateBlobs['get']>[0]): Promise<ArtifactStatus['files']> {
  try {
    const { readArchive } = await import('../docker/index.js');
    const entries = await readArchive(await blobs.get(digest));
    return entries.filter((e) => e.type === 'file').map((e) => ({ path: e.path, size: e.content.length }));
  } catch {
    return null;
  }
}

/** The enclave's status (see the file comment); `runtime` is asked only when the state has services. */
export async function enclaveStatus(state: State, blobs: Pick<StateBlobs, 'get'>, runtime: () => Promise<Runtime>): Promise<EnclaveStatus> {
  const names = [...state.services.keys()].sort();
  const rt = names.length > 0 && state.lineage !== null ? await runtime() : undefined;
  const lineage = state.lineage ?? '';
  // An engine that cannot answer is an error, not a table of missing services.
  const found: (ContainerStatus | undefined)[] = rt
    ? await rt.inspectServices(
        lineage,
        names.map((name) => recordRef(lineage, name, state.services.get(name)!)),
      )
    : names.map(() => undefined);
  const imageIds = [...new Set(found.map((f) => f?.imageId).filter((id): id is string => id !== undefined))];
  const identities = new Map(await Promise.all(imageIds.map(async (id) => [id, await rt!.imageIdentity(id).catch(() => undefined)] as const)));
  const services = names.map((name, i): ServiceStatusRow => {
    const record = state.services.get(name)!;
    const live = found[i];
    const image = live?.image ?? imageOfConfig(record.config);
    const identity = live?.imageId !== undefined ? identities.get(live.imageId) : undefined;
    // A digest under another repository (the same image pushed elsewhere) would name something the service does not use.
    const repoDigest = identity?.repoDigests.find((d) => sameRepository(d.slice(0, d.indexOf('@')), image));
    const ports = [...record.ports].map(([id, p]): PortStatus => {
      const published = live?.running ? live.ports[id] : undefined;
      const hostPort = published?.hostPort ?? (live === undefined ? p.hostPort : null);
      const hostAddress = hostPort === null ? null : `${published?.hostIp ?? '127.0.0.1'}:${hostPort}`;
      return {
        id,
        number: p.number,
        transportProtocol: p.transportProtocol,
        applicationProtocol: p.applicationProtocol,
        hostAddress,
        hostUrl: hostAddress === null ? null : hostUrl(hostAddress, p.transportProtocol, p.applicationProtocol),
      };
    });
    return {
      name,
      recorded: record.status,
      condition: condition(live, record.status),
      ...(live !== undefined ? { engineState: live.state } : {}),
      ...(live?.exitCode !== undefined && !live.running ? { exitCode: live.exitCode } : {}),
      containerId: record.containerId,
      image,
      digest: repoDigest ?? live?.imageId ?? null,
      hostname: name,
      ipAddress: live === undefined ? record.ipAddress : live.ipAddress === '' ? null : live.ipAddress,
      ports: ports.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    };
  });
  const artifacts = await Promise.all(
    [...state.filesArtifacts.keys()].sort().map(async (name): Promise<ArtifactStatus> => {
      const record = state.filesArtifacts.get(name)!;
      return { name, size: record.size, files: await artifactFiles(blobs, record.contentHash) };
    }),
  );
  return {
    lineage: state.lineage,
    serial: state.serial,
    networkName: state.enclave?.networkName ?? null,
    services,
    artifacts,
    outputs: state.outputs,
    outputAddresses: outputAddresses(state.outputs, services, state),
  };
}

function imageOfConfig(record: JsonObject): string {
  const config = record['config'];
  const image = isJsonObject(config) ? config['image'] : undefined;
  const ref = isJsonObject(image) ? (image['image'] ?? image['image_name']) : undefined;
  return typeof ref === 'string' ? ref : '';
}

/** Whether a repository name and an image reference name the same repository (`docker.io/library/` and a tag aside). */
export function sameRepository(repository: string, ref: string): boolean {
  const norm = (r: string): string =>
    r
      .replace(/@.*$/, '')
      .replace(/:[^/:]*$/, '')
      .replace(/^(docker\.io|index\.docker\.io)\//, '')
      .replace(/^library\//, '');
  return repository !== '' && norm(repository) === norm(ref);
}

const ADDRESS = /\b([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})\b/g;

/**
 * The in-enclave addresses (`ip:port`, `hostname:port`) in the outputs that a published
 * port of a service maps to the host. The services' recorded addresses are matched, as
 * well as their current ones (a restarted service may have another).
 */
function outputAddresses(outputs: JsonValue, services: readonly ServiceStatusRow[], state: State): OutputAddress[] {
  const byHost = new Map<string, ServiceStatusRow>();
  for (const s of services) {
    byHost.set(s.hostname, s);
    if (s.ipAddress) byHost.set(s.ipAddress, s);
    const recorded = state.services.get(s.name)?.ipAddress;
    if (recorded) byHost.set(recorded, s);
  }
  const found: OutputAddress[] = [];
  const visit = (value: JsonValue, path: string): void => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(ADDRESS)) {
        const service = byHost.get(m[1]!);
        const port = service?.ports.find((p) => p.number === Number(m[2]) && p.hostAddress !== null);
        if (service === undefined || port === undefined) continue;
        const replaced = value.split(m[0]).join(port.hostAddress!);
        found.push({
          output: path,
          address: m[0],
          service: service.name,
          portId: port.id,
          hostUrl: /^[a-z][a-z0-9+.-]*:\/\//i.test(replaced) ? replaced : value === m[0] ? port.hostUrl! : replaced,
        });
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, `${path}[${i}]`));
    } else if (isJsonObject(value)) {
      for (const key of Object.keys(value).sort()) visit(value[key]!, path === '' ? key : `${path}.${key}`);
    }
  };
  visit(outputs, '');
  return found;
}
