// The Docker implementation of the Runtime interface, on dockerode.
//
// An enclave is a user-defined bridge network `starform-<lineage>`; a service is a
// container on it, reachable from its peers under the service name (a network alias),
// with its ports published on the host (127.0.0.1 by default) so that starform itself can
// make requests and readiness checks. Files artifacts are copied in with putArchive after
// the container is created and before it starts, so the service sees them from its first
// instruction; persistent directories are named volumes labelled with the lineage.
//
// Safety: a container is acted on only after its labels show it belongs to the lineage
// (and service) the caller named; a container id recorded in a state file is checked the
// same way. Creating a service is all-or-nothing: if copying files or starting fails the
// half-made container is removed before the error is reported.
//
// Concurrency: dockerode calls are independent HTTP requests and run in parallel; an
// in-process per-key lock serialises what must not interleave (an enclave's network, one
// service's create/start/stop/remove), and concurrent requests for the same image share
// one pull or build. Every dockerode failure goes through `call`, which maps it to a
// RuntimeError with a message for the user (docker-errors.ts).

import type Docker from 'dockerode';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve as resolvePath } from 'node:path';
import {
  asDockerodeError,
  engineMessage,
  isUnreachable,
  portInUse,
  pullError,
  shortId,
  unreachableError,
  type DockerodeError,
  tlsError,
} from './docker-errors.js';
import { execAttachedIn, imageIdentityAt, runInCopy, streamContainerLogs } from './docker-logs-exec.js';
import { demuxDockerStream, readMultiplexed, type DemuxedOutput } from './docker-stream.js';
import { isRuntimeError, RuntimeError } from '../runtime/index.js';
import { addressOf, engineGet, type EngineAddress } from './engine-http.js';
import { addressError, ipv4Number, ipv4Range, ipv4Text } from './addresses.js';
import { deviceMapping, gpuHostConfig, hostAccessConfig } from './host-config.js';
export { deviceMapping, gpuHostConfig, hostAccessConfig, ipv4Range };
import { dockerodeOptions, parseHost, resolveEngine, type EngineEndpoint } from './endpoint.js';
import { registryDigest } from './image-identity.js';
import { progressReporter, readImageStream } from './image-progress.js';
import { KeyedLock } from './keyed-lock.js';
import {
  checkLineage,
  checkServiceName,
  checkServiceSpec,
  checkTaskSpec,
  LABEL_LINEAGE,
  LABEL_PROBE,
  LABEL_PORTS,
  LABEL_SERVICE,
  LABEL_TASK,
  LABEL_VOLUME_KEY,
  networkName,
  ownLabels,
  serviceContainerName,
  taskContainerName,
  userString,
  volumeName,
} from './naming.js';
import type {
  ContainerState,
  ContainerSummary,
  ForeignContainer,
  EnclaveInfo,
  EnclaveResources,
  EngineInfo,
  ExecOptions,
  ExecResult,
  AttachedExecOptions,
  FileMount,
  ImageBuildSpec,
  ImageIdentity,
  LogOptions,
  OutputStreams,
  ImageOutcome,
  ImageProgress,
  ImageRequest,
  PersistentDirectory,
  PublishedPort,
  RegistryAuth,
  Runtime,
  ServiceInfo,
  ServiceRef,
  ServiceSpec,
  ServiceStatus,
  StoredPath,
  TaskResult,
  TaskSpec,
  TransportProtocol,
  VolumeSummary,
  WaitOptions,
} from '../runtime/index.js';
import { checkMountPath, collectStream, packDirectory, relocateArchive } from '../runtime/index.js';
import { formatDuration, probeDirect, waitForTcp } from './tcp-wait.js';
import { crashPoint } from '../util/crash-point.js';
import type { AdoptableContainer, ContainerAdoption, ForeignPort } from './adoption.js';

export interface DockerRuntimeOptions {
  /** Unix socket of the engine. Default: DOCKER_HOST, else the usual socket locations. */
  readonly socketPath?: string;
  /** Host address published ports bind to; default 127.0.0.1 (not reachable from other machines). */
  readonly publishHost?: string;
  /** Grace period for stopping a container before it is killed; default 10 s. */
  readonly stopTimeoutSeconds?: number;
  /** How many images ensureImages pulls or builds at once; default 3. */
  readonly imageConcurrency?: number;
  /** How long ping waits for an answer; default 5000 ms. */
  readonly pingTimeoutMs?: number;
  /** The engine itself, already resolved (the Swarm runtime's worker nodes); wins over socketPath. */
  readonly engine?: EngineEndpoint;
}

interface PortLabelEntry {
  readonly number: number;
  readonly protocol: TransportProtocol;
}

const DEFAULT_TASK_TIMEOUT_MS = 180_000;

/** Shared by every DockerRuntime of the process; keys start with the engine's endpoint. */
const locks = new KeyedLock();

export class DockerRuntime implements Runtime, ContainerAdoption {
  readonly kind = 'docker';
  readonly endpoint: string;
  private client: Docker | undefined;
  private readonly dockerOptions: Docker.DockerOptions | undefined;
  /** For the read-only calls of plan and refresh, which must not pay for loading dockerode. */
  private readonly address: EngineAddress;
  private readonly engine: EngineEndpoint;
  private readonly publishHost: string;
  private readonly stopTimeoutSeconds: number;
  private readonly imageConcurrency: number;
  private readonly pingTimeoutMs: number;
  private readonly imageJobs = new Map<string, Promise<ImageOutcome>>();

  constructor(options: DockerRuntimeOptions = {}) {
    const engine = options.engine ?? engineFor(options.socketPath);
    this.dockerOptions = dockerodeOptions(engine) as Docker.DockerOptions;
    this.address = addressOf(engine, (path, query) => this.dialGet(path, query));
    this.endpoint = engine.endpoint;
    this.engine = engine;
    // A remote engine's ports must be reachable from this machine: bound on all its addresses.
    this.publishHost = options.publishHost ?? (engine.local ? '127.0.0.1' : '0.0.0.0');
    this.stopTimeoutSeconds = options.stopTimeoutSeconds ?? 10;
    this.imageConcurrency = Math.max(1, options.imageConcurrency ?? 3);
    this.pingTimeoutMs = options.pingTimeoutMs ?? 5000;
  }

  /** A GET through dockerode's transport (ssh://, which node:http cannot speak). */
  private dialGet(path: string, query: Record<string, string>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.docker.modem.dial(
        { path: `${path}?`, method: 'GET', options: query, statusCodes: { 200: true, 304: true, 400: 'bad parameter', 404: 'no such object', 409: 'conflict', 500: 'server error' } },
        (err: unknown, data: unknown) => (err ? reject(err) : resolve(data)),
      );
    });
  }

  /** Where a port bound on `hostIp` of the engine's host is reached from this machine. */
  private hostAddress(hostIp: string): string {
    if (!this.engine.local) return this.engine.publishedHost;
    if (hostIp === '' || hostIp === '0.0.0.0') return '127.0.0.1';
    if (hostIp === '::') return '::1';
    return hostIp;
  }

  /** dockerode, loaded on first use (see engine-http.ts for why not at start-up). */
  private get docker(): Docker {
    if (this.client === undefined) {
      const DockerClient = createRequire(import.meta.url)('dockerode') as typeof Docker;
      this.client = new DockerClient(this.dockerOptions);
    }
    return this.client;
  }

  async ping(): Promise<EngineInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(unreachableError(this.endpoint, undefined, `no answer within ${formatDuration(this.pingTimeoutMs)}`)),
        this.pingTimeoutMs,
      );
    });
    try {
      const version = await Promise.race([
        this.call('contacting the engine', () => engineGet<{ Version: string; ApiVersion: string }>(this.address, '/version', {}, this.pingTimeoutMs)),
        timeout,
      ]);
      return { kind: this.kind, version: version.Version, apiVersion: version.ApiVersion, endpoint: this.endpoint };
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- enclaves -------------------------------------------------------------------------

  async ensureEnclave(lineage: string): Promise<EnclaveInfo> {
    checkLineage(lineage);
    return this.lock(`enclave:${lineage}`, async () => {
      const existing = await this.findNetwork(lineage);
      // Probe networks an earlier attempt was killed before removing (also after the
      // enclave network itself was made: the kill can fall between the two).
      await this.removeProbes(lineage);
      if (existing) return existing;
      const name = networkName(lineage);
      const create = (subnet: { Subnet: string; Gateway?: string } | undefined): Promise<Docker.Network> =>
        this.call(
          `creating network '${name}'`,
          () =>
            this.docker.createNetwork({
              Name: name,
              Driver: 'bridge',
              CheckDuplicate: true,
              Labels: ownLabels(lineage, undefined, {}),
              ...(subnet ? { IPAM: { Driver: 'default', Config: [subnet] } } : {}),
            }),
          (err) => (err.statusCode === 409 ? new RuntimeError('name-conflict', `a network named '${name}' already exists`) : undefined),
        );
      // A conflict on the name: an earlier attempt killed while the engine was still
      // making this network (the engine finishes a request whose client died), so the
      // list above did not show it yet. Ours when it carries our label; refused otherwise.
      const adoptOnConflict = async (err: unknown): Promise<EnclaveInfo> => {
        if (!(isRuntimeError(err, 'name-conflict'))) throw err;
        for (let attempt = 0; attempt < 20; attempt++) {
          const found = await this.findNetwork(lineage);
          if (found) return found;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new RuntimeError('name-conflict', `a network named '${name}' already exists but does not belong to enclave ${lineage}`);
      };
      // Another network may take the probed subnet in between: probe again, then let the
      // engine choose (static addresses are then unavailable, and say so when asked for).
      for (let attempt = 0; attempt < 3; attempt++) {
        const subnet = await this.freeSubnet(lineage);
        if (subnet === undefined) break;
        try {
          const network = await create(subnet).catch(async (err: unknown) => {
            const adopted = await adoptOnConflict(err);
            return { id: adopted.networkId };
          });
          crashPoint('enclave-network-created');
          // A probe whose removal failed (the engine can refuse it under load) goes now; the
          // next apply or destroy retries what still fails.
          await this.removeProbes(lineage).catch(() => undefined);
          return { lineage, networkId: network.id, networkName: name };
        } catch (err) {
          if (!(err instanceof RuntimeError && /overlap/i.test(err.message))) throw err;
        }
      }
      const network = await create(undefined).catch(async (err: unknown) => ({ id: (await adoptOnConflict(err)).networkId }));
      return { lineage, networkId: network.id, networkName: name };
    });
  }

  async inspectEnclave(lineage: string): Promise<EnclaveResources> {
    checkLineage(lineage);
    const filter = { label: [`${LABEL_LINEAGE}=${lineage}`] };
    const [network, probes, containers, volumes] = await Promise.all([
      this.findNetwork(lineage),
      this.findProbes(lineage),
      this.call(`listing containers of enclave ${lineage}`, () =>
        engineGet<Docker.ContainerInfo[]>(this.address, '/containers/json', { all: 'true', filters: JSON.stringify(filter) }),
      ),
      this.call(`listing volumes of enclave ${lineage}`, () =>
        engineGet<{ Volumes: Docker.VolumeInspectInfo[] | null }>(this.address, '/volumes', { filters: JSON.stringify(filter) }),
      ),
    ]);
    const containerSummaries: ContainerSummary[] = containers.map((c) => {
      const labels = c.Labels ?? {};
      const service = labels[LABEL_SERVICE];
      const task = labels[LABEL_TASK];
      const state = c.State as ContainerState;
      return {
        id: c.Id,
        containerName: (c.Names[0] ?? '').replace(/^\//, ''),
        ...(service !== undefined ? { service } : {}),
        ...(task !== undefined ? { task } : {}),
        image: c.Image,
        state,
        running: state === 'running',
      };
    });
    const volumeSummaries: VolumeSummary[] = (volumes.Volumes ?? []).map((v) => ({
      name: v.Name,
      key: v.Labels?.[LABEL_VOLUME_KEY] ?? '',
    }));
    return {
      lineage,
      ...(network ? { network } : {}),
      ...(probes.length > 0 ? { probeNetworks: probes } : {}),
      containers: containerSummaries.sort((a, b) => byCodeUnits(a.containerName, b.containerName)),
      volumes: volumeSummaries.sort((a, b) => byCodeUnits(a.name, b.name)),
    };
  }

  async removeEnclave(lineage: string, options: { readonly keep?: readonly string[] } = {}): Promise<EnclaveResources> {
    checkLineage(lineage);
    return this.lock(`enclave:${lineage}`, async () => {
      const all = await this.inspectEnclave(lineage);
      // Containers `state rm` forgot stay, with the volumes they use; they leave the network.
      const keep = new Set(options.keep ?? []);
      const kept = await Promise.all([...keep].map((id) => this.lookupContainer(id)));
      const keptVolumes = new Set<string>();
      for (const c of kept) for (const v of c?.volumes ?? []) keptVolumes.add(v);
      const found: EnclaveResources = {
        ...all,
        containers: all.containers.filter((c) => !keep.has(c.id)),
        volumes: all.volumes.filter((v) => !keptVolumes.has(v.name)),
      };
      if (found.network) {
        for (const c of kept) {
          if (c === undefined || c.networks[found.network.networkName] === undefined) continue;
          const network = found.network.networkId;
          await this.callTolerating(404, `disconnecting container ${shortId(c.id)} from ${found.network.networkName}`, () =>
            this.docker.getNetwork(network).disconnect({ Container: c.id, Force: true }),
          );
        }
      }
      // A few at a time: Docker 20.10 was seen to lose count of a network's endpoints when
      // many of its containers were removed at once on a busy engine, after which the
      // network can no longer be removed ("has active endpoints" with no container).
      const queue = [...found.containers];
      const remover = async (): Promise<void> => {
        for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
          const id = c.id;
          await this.callTolerating(404, `removing container ${c.containerName}`, () => this.docker.getContainer(id).remove({ force: true, v: true }));
        }
      };
      await Promise.all(Array.from({ length: Math.min(4, queue.length) }, remover));
      await Promise.all(
        found.volumes.map((v) =>
          this.callTolerating(404, `removing volume ${v.name}`, () => this.docker.getVolume(v.name).remove()),
        ),
      );
      if (found.network) {
        const id = found.network.networkId;
        // A busy engine may still be detaching the containers just removed ("has active
        // endpoints"): retry for a while before calling it a failure.
        const deadline = Date.now() + 20_000;
        for (let attempt = 1; ; attempt++) {
          try {
            await this.callTolerating(404, `removing network ${found.network.networkName}`, () => this.docker.getNetwork(id).remove());
            break;
          } catch (err) {
            if (Date.now() > deadline || !/active endpoints/i.test((err as Error).message)) throw err;
            await new Promise((r) => setTimeout(r, Math.min(250 * attempt, 2000)));
          }
        }
      }
      await this.removeProbes(lineage, found.probeNetworks ?? []);
      return found;
    });
  }

  // ---- images ---------------------------------------------------------------------------

  async imageExists(ref: string): Promise<boolean> {
    return (await this.imageId(ref)) !== undefined;
  }

  async registryDigest(ref: string, auth?: RegistryAuth): Promise<string> {
    try {
      return await registryDigest(this.address, ref, auth);
    } catch (err) {
      throw this.translate(err, `asking the registry about image '${ref}'`);
    }
  }

  async pullImage(ref: string, auth?: RegistryAuth, onProgress?: (p: ImageProgress) => void, signal?: AbortSignal): Promise<void> {
    const interrupted = (): RuntimeError => new RuntimeError('timeout', `pulling image '${ref}' was interrupted: the engine stopped the pull`);
    if (signal?.aborted) throw interrupted();
    const authconfig = auth && { username: auth.username, password: auth.password, ...(auth.serverAddress ? { serveraddress: auth.serverAddress } : {}) };
    const stream = await this.call(`pulling image '${ref}'`, () => this.docker.pull(ref, authconfig ? { authconfig } : {}), (err) =>
      err.statusCode !== undefined ? pullError(ref, engineMessage(err), err) : undefined,
    );
    const events = await readImageStream(stream, progressReporter(onProgress), signal, interrupted);
    const failed = events.find((e) => e.error !== undefined);
    if (failed) throw pullError(ref, failed.error ?? failed.errorDetail?.message ?? 'unknown error');
    if (!(await this.imageExists(ref))) {
      throw new RuntimeError('image-not-found', `pulling image '${ref}' finished but the image is not present`);
    }
  }

  async buildImage(ref: string, spec: ImageBuildSpec, onProgress?: (p: ImageProgress) => void, signal?: AbortSignal): Promise<string> {
    const interrupted = (): RuntimeError => new RuntimeError('timeout', `building image '${ref}' was interrupted: the engine stopped the build`);
    if (signal?.aborted) throw interrupted();
    const contextDir = resolvePath(spec.contextDir);
    const info = await stat(contextDir).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new RuntimeError('build-failed', `cannot build image '${ref}': build context '${spec.contextDir}' is not a directory`);
    }
    const dockerfile = spec.dockerfile ?? 'Dockerfile';
    const dockerfilePath = resolvePath(contextDir, dockerfile);
    const rel = relative(contextDir, dockerfilePath);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      throw new RuntimeError('build-failed', `cannot build image '${ref}': Dockerfile '${dockerfile}' lies outside the build context ${contextDir}`);
    }
    if (!(await stat(dockerfilePath).catch(() => undefined))?.isFile()) {
      throw new RuntimeError('build-failed', `cannot build image '${ref}': no Dockerfile '${dockerfile}' in build context ${contextDir}`);
    }
    const stream = await this.call(`building image '${ref}'`, () =>
      this.docker.buildImage(packDirectory(contextDir), {
        t: ref,
        dockerfile: rel.split('\\').join('/'),
        ...(spec.targetStage ? { target: spec.targetStage } : {}),
        ...(spec.buildArgs ? { buildargs: { ...spec.buildArgs } } : {}),
        ...(spec.labels ? { labels: { ...spec.labels } } : {}),
        rm: true,
        forcerm: true,
      }),
    );
    const events = await readImageStream(stream, progressReporter(onProgress), signal, interrupted);
    const failed = events.find((e) => e.error !== undefined);
    if (failed) {
      const log = events
        .map((e) => e.stream ?? '')
        .join('')
        .trimEnd()
        .split('\n')
        .slice(-10)
        .join('\n');
      const reason = failed.error ?? failed.errorDetail?.message ?? 'unknown error';
      throw new RuntimeError('build-failed', `building image '${ref}' from ${contextDir} failed: ${reason}${log ? `\n${log}` : ''}`);
    }
    const id = await this.imageId(ref);
    if (id === undefined) throw new RuntimeError('build-failed', `building image '${ref}' finished but the image is not present`);
    return id;
  }

  async ensureImages(requests: readonly ImageRequest[]): Promise<ImageOutcome[]> {
    const unique = new Map<string, ImageRequest>();
    for (const request of requests) if (!unique.has(request.ref)) unique.set(request.ref, request);
    const outcomes = await mapLimit([...unique.values()], this.imageConcurrency, (request) => this.ensureImageShared(request));
    const byRef = new Map(outcomes.map((o) => [o.ref, o]));
    return requests.map((r) => byRef.get(r.ref)!);
  }

  private ensureImageShared(request: ImageRequest): Promise<ImageOutcome> {
    const running = this.imageJobs.get(request.ref);
    if (running) return running;
    const job = this.ensureImage(request).finally(() => this.imageJobs.delete(request.ref));
    this.imageJobs.set(request.ref, job);
    return job;
  }

  private async ensureImage(request: ImageRequest): Promise<ImageOutcome> {
    const { ref } = request;
    try {
      if (request.build) return { ref, ok: true, action: 'built', id: await this.buildImage(ref, request.build, request.onProgress, request.signal) };
      const policy = request.pull ?? 'if-missing';
      if (policy !== 'always') {
        const id = await this.imageId(ref);
        if (id !== undefined) return { ref, ok: true, action: 'present', id };
        if (policy === 'never') {
          throw new RuntimeError('image-not-found', `image '${ref}' is not available locally (and pulling is disabled)`);
        }
      }
      await this.pullImage(ref, request.auth, request.onProgress, request.signal);
      return { ref, ok: true, action: 'pulled', id: (await this.imageId(ref)) ?? '' };
    } catch (err) {
      return { ref, ok: false, error: this.translate(err, `preparing image '${ref}'`) };
    }
  }

  private async imageId(ref: string): Promise<string | undefined> {
    try {
      const info = await this.call(`inspecting image '${ref}'`, () => this.docker.getImage(ref).inspect(), (err) =>
        err.statusCode === 404 ? new RuntimeError('image-not-found', ref) : undefined,
      );
      return info.Id;
    } catch (err) {
      if (err instanceof RuntimeError && err.code === 'image-not-found') return undefined;
      throw err;
    }
  }

  // ---- services -------------------------------------------------------------------------

  async createService(lineage: string, spec: ServiceSpec): Promise<ServiceInfo> {
    checkLineage(lineage);
    checkServiceSpec(spec);
    const who = `service '${spec.name}'`;
    return this.lock(serviceKey({ lineage, name: spec.name }), async () => {
      const enclave = await this.ensureEnclave(lineage);
      const placeholder = spec.ipAddressPlaceholder ?? '';
      const mentions = (s: string): boolean => placeholder !== '' && s.includes(placeholder);
      const usesPlaceholder = [...(spec.entrypoint ?? []), ...(spec.cmd ?? []), ...Object.values(spec.env ?? {})].some(mentions);
      if (spec.ipAddress !== undefined || usesPlaceholder) {
        // The address is chosen (or the kept one claimed) and the container started under
        // one lock, so that two services never pick the same one.
        return this.lock(`enclave-addresses:${lineage}`, async () => {
          if (!usesPlaceholder) {
            // Keeping an address is best effort: on a network without a subnet of its own
            // (made by an older starform) or when the address was taken meanwhile, the
            // engine picks one, and the caller sees the new address in the result.
            const kept = (await this.keepableAddress(enclave, spec.ipAddress!)) ? spec.ipAddress : undefined;
            if (kept === undefined) return this.createServiceContainer(lineage, enclave, spec, who);
            return this.createServiceContainer(lineage, enclave, spec, who, kept).catch((err: unknown) => {
              if (!(err instanceof RuntimeError && err.code === 'address-in-use')) throw err;
              return this.createServiceContainer(lineage, enclave, spec, who);
            });
          }
          const address = spec.ipAddress ?? (await this.staticAddress(enclave, who));
          const put = (s: string): string => s.split(placeholder).join(address);
          const env = Object.fromEntries(Object.entries(spec.env ?? {}).map(([k, v]) => [k, put(v)]));
          const fixed: ServiceSpec = {
            ...spec,
            env,
            ...(spec.cmd ? { cmd: spec.cmd.map(put) } : {}),
            ...(spec.entrypoint ? { entrypoint: spec.entrypoint.map(put) } : {}),
          };
          return this.createServiceContainer(lineage, enclave, fixed, who, address);
        });
      }
      return this.createServiceContainer(lineage, enclave, spec, who);
    });
  }

  /** Creates and starts a service's container (createService holds the locks); `address` fixes its IP. */
  private async createServiceContainer(
    lineage: string,
    enclave: EnclaveInfo,
    spec: ServiceSpec,
    who: string,
    address?: string,
  ): Promise<ServiceInfo> {
    const existing = await this.findServiceContainer(lineage, spec.name);
    if (existing) {
      throw new RuntimeError(
        'name-conflict',
        `${who} already exists in enclave ${lineage} (container ${shortId(existing)}); remove it before creating it again`,
      );
    }
    const mounts = await this.ensureVolumes(lineage, spec.persistentDirectories ?? []);
    const exposed: Record<string, Record<string, never>> = {};
    const bindings: Docker.PortMap = {};
    const portsLabel: Record<string, string> = {};
    for (const [id, port] of Object.entries(spec.ports ?? {})) {
      const key = `${port.number}/${(port.protocol ?? 'TCP').toLowerCase()}`;
      exposed[key] = {};
      // As Kurtosis's Docker backend: a fixed public port is always published; a UDP port
      // otherwise only with publishUdp.
      if (port.publicPort !== undefined || port.protocol !== 'UDP' || spec.publishUdp !== false) {
        bindings[key] = [{ HostIp: this.publishHost, HostPort: port.publicPort !== undefined ? String(port.publicPort) : '' }];
      }
      portsLabel[id] = `${port.number}/${port.protocol ?? 'TCP'}`;
    }
    const labels = ownLabels(lineage, spec.labels, {
      [LABEL_SERVICE]: spec.name,
      [LABEL_PORTS]: JSON.stringify(portsLabel),
    });
    const containerName = serviceContainerName(lineage, spec.name);
    const options: Docker.ContainerCreateOptions = {
      name: containerName,
      Hostname: spec.name,
      Image: spec.image,
      Labels: labels,
      Env: envList(spec.env),
      ExposedPorts: exposed,
      ...(spec.cmd ? { Cmd: [...spec.cmd] } : {}),
      ...(spec.entrypoint ? { Entrypoint: [...spec.entrypoint] } : {}),
      ...(spec.user ? { User: userString(spec.user) } : {}),
      ...(spec.tty ? { Tty: true } : {}),
      HostConfig: {
        NetworkMode: enclave.networkName,
        PortBindings: bindings,
        Mounts: mounts,
        ...(spec.maxCpuMillicores !== undefined ? { NanoCpus: spec.maxCpuMillicores * 1_000_000 } : {}),
        ...(spec.maxMemoryMegabytes !== undefined ? { Memory: spec.maxMemoryMegabytes * 1_000_000 } : {}),
        ...(spec.minMemoryMegabytes !== undefined ? { MemoryReservation: spec.minMemoryMegabytes * 1_000_000 } : {}),
        // Sent either way: an engine may be configured to add an init process by default.
        ...(spec.init !== undefined ? { Init: spec.init } : {}),
        ...(spec.devices && spec.devices.length > 0 ? { Devices: spec.devices.map(deviceMapping) } : {}),
        ...(spec.gpu ? gpuHostConfig(spec.gpu) : {}),
        ...(spec.capabilities && spec.capabilities.length > 0 ? { CapAdd: [...spec.capabilities] } : {}),
        ...hostAccessConfig(spec),
      },
      NetworkingConfig: {
        EndpointsConfig: { [enclave.networkName]: { Aliases: [spec.name], ...(address ? { IPAMConfig: { IPv4Address: address } } : {}) } },
      },
    };
    const container = await this.call(
      `creating the container of ${who}`,
      () => this.docker.createContainer(options),
      (err) => this.createError(err, who, spec.image, containerName) ?? addressError(err, who, address),
    );
    try {
      for (const file of spec.files ?? []) await this.putFiles(container, file, who);
      // The address first: Docker's "Address already in use" for a fixed address reads like a taken port.
      await this.call(`starting ${who}`, () => container.start(), (err) => addressError(err, who, address) ?? startError(err, who, spec));
      return this.toStatus(await this.inspectContainer(container.id, who));
    } catch (err) {
      await container.remove({ force: true, v: true }).catch(() => undefined);
      throw err;
    }
  }

  async inspectService(ref: ServiceRef): Promise<ServiceStatus | undefined> {
    const found = await this.resolve(ref);
    return found ? this.toStatus(found, ref) : undefined;
  }

  async stopService(ref: ServiceRef, options: { timeoutSeconds?: number } = {}): Promise<void> {
    await this.lock(serviceKey(ref), async () => {
      const info = await this.require(ref);
      const t = options.timeoutSeconds ?? this.stopTimeoutSeconds;
      await this.callTolerating(304, `stopping ${describe(ref)}`, () => this.docker.getContainer(info.Id).stop({ t }));
    });
  }

  async startService(ref: ServiceRef): Promise<ServiceInfo> {
    return this.lock(serviceKey(ref), async () => {
      const info = await this.require(ref);
      if (!info.State.Running) {
        const ports = portsFromLabel(info.Config.Labels?.[LABEL_PORTS]);
        await this.callTolerating(304, `starting ${describe(ref)}`, () => this.docker.getContainer(info.Id).start(), (err) =>
          startError(err, describe(ref), { ports }),
        );
      }
      return this.toStatus(await this.inspectContainer(info.Id, describe(ref)), ref);
    });
  }

  async removeService(ref: ServiceRef): Promise<boolean> {
    return this.lock(serviceKey(ref), async () => {
      const info = await this.resolve(ref);
      if (!info) return false;
      await this.callTolerating(404, `removing ${describe(ref)}`, () => this.docker.getContainer(info.Id).remove({ force: true, v: true }));
      return true;
    });
  }

  async serviceLogs(ref: ServiceRef, options: { tail?: number } = {}): Promise<string> {
    const info = await this.require(ref);
    return (await this.logs(info.Id, describe(ref), options.tail)).combined.toString('utf8');
  }

  async streamLogs(ref: ServiceRef, out: OutputStreams, options: LogOptions = {}): Promise<void> {
    const info = await this.require(ref);
    await streamContainerLogs(this.docker.getContainer(info.Id), info.Config.Tty, describe(ref), out, options, (what, fn) => this.call(what, fn));
  }

  async execAttached(ref: ServiceRef, cmd: readonly string[], out: OutputStreams, options: AttachedExecOptions = {}): Promise<number> {
    if (cmd.length === 0) throw new RuntimeError('invalid-spec', `exec in ${describe(ref)}: empty command`);
    const info = await this.require(ref);
    if (!info.State.Running) throw await this.notRunning(ref, info.Id, 'cannot exec in it');
    return execAttachedIn(this.docker.getContainer(info.Id), describe(ref), cmd, out, options, (what, fn) => this.call(what, fn));
  }

  async execInCopy(ref: ServiceRef, cmd: readonly string[], out: OutputStreams, options: AttachedExecOptions = {}): Promise<number> {
    if (cmd.length === 0) throw new RuntimeError('invalid-spec', `running in a copy of ${describe(ref)}: empty command`);
    const info = await this.require(ref);
    return runInCopy(this.docker, info, ref.lineage, ref.name, cmd, out, options, (what, fn) => this.call(what, fn));
  }

  imageIdentity(ref: string): Promise<ImageIdentity | undefined> {
    return imageIdentityAt(this.address, ref, (what, fn) => this.call(what, fn));
  }

  async waitForPort(ref: ServiceRef, portId: string, options: WaitOptions): Promise<PublishedPort> {
    const status = await this.inspectService(ref);
    if (!status) throw notFound(ref);
    if (!status.running) throw await this.notRunning(ref, status.containerId, 'cannot wait for its ports');
    const port = status.ports[portId];
    if (!port) {
      const known = Object.keys(status.ports);
      throw new RuntimeError(
        'not-found',
        `${describe(ref)} has no published port '${portId}'${known.length ? ` (its ports: ${known.join(', ')})` : ''}`,
      );
    }
    if (port.protocol !== 'TCP') {
      throw new RuntimeError('invalid-spec', `port '${portId}' of ${describe(ref)} is ${port.protocol}; only TCP ports can be waited for`);
    }
    const what = `port '${portId}' (${port.number}/tcp) of ${describe(ref)}`;
    const check = async (): Promise<void> => {
      const info = await this.inspectContainer(status.containerId, describe(ref));
      if (!info.State.Running) throw await this.notRunning(ref, status.containerId, 'it exited while waiting for its ports');
    };
    const signal = options.signal ? { signal: options.signal } : {};
    // Where the engine's network is routable from here (Linux), ask the container itself:
    // an honest refusal or acceptance, without the published port's proxy and its settle time.
    const direct = status.ipAddress && this.engine.local ? await probeDirect(status.ipAddress, port.number, 300) : 'unreachable';
    if (direct === 'open') return port;
    if (direct === 'refused') {
      await waitForTcp(status.ipAddress!, port.number, { timeoutMs: options.timeoutMs, intervalMs: options.intervalMs ?? 100, settleMs: 0, ...signal, describe: what, check });
    } else {
      await waitForTcp(port.hostIp, port.hostPort, {
        timeoutMs: options.timeoutMs,
        ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
        ...signal,
        describe: what,
        check,
      });
    }
    return port;
  }

  async exec(ref: ServiceRef, cmd: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (cmd.length === 0) throw new RuntimeError('invalid-spec', `exec in ${describe(ref)}: empty command`);
    const info = await this.require(ref);
    if (!info.State.Running) throw await this.notRunning(ref, info.Id, 'cannot exec in it');
    const who = describe(ref);
    const container = this.docker.getContainer(info.Id);
    const exec = await this.call(
      `exec in ${who}`,
      () =>
        container.exec({
          Cmd: [...cmd],
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          ...(options.env ? { Env: envList(options.env) } : {}),
          ...(options.user ? { User: userString(options.user) } : {}),
          ...(options.workdir ? { WorkingDir: options.workdir } : {}),
        }),
      (err) => (err.statusCode === 409 ? new RuntimeError('not-running', `${who} is not running; cannot exec in it`) : undefined),
    );
    const stream = await this.call(`exec in ${who}`, () => exec.start({ hijack: true, stdin: false }));
    const output = await this.call(`exec in ${who}`, () =>
      readMultiplexed(stream, options.timeoutMs, () =>
        new RuntimeError('timeout', `command ${JSON.stringify(cmd)} in ${who} did not finish within ${formatDuration(options.timeoutMs ?? 0)}`),
      ),
    );
    const deadline = Date.now() + 5000;
    for (;;) {
      const state = await this.call(`exec in ${who}`, () => exec.inspect());
      if (!state.Running && state.ExitCode !== null) return execResult(state.ExitCode, output);
      if (Date.now() > deadline) {
        throw new RuntimeError('engine-error', `command ${JSON.stringify(cmd)} in ${who}: the engine did not report an exit code`);
      }
      await sleep(20);
    }
  }

  async copyToService(ref: ServiceRef, file: FileMount): Promise<void> {
    const info = await this.require(ref);
    await this.putFiles(this.docker.getContainer(info.Id), file, describe(ref));
  }

  async copyFromService(ref: ServiceRef, path: string): Promise<Buffer> {
    const info = await this.require(ref);
    return this.getPath(info.Id, path, describe(ref));
  }

  // ---- tasks ----------------------------------------------------------------------------

  async runTask(lineage: string, spec: TaskSpec): Promise<TaskResult> {
    checkLineage(lineage);
    checkTaskSpec(spec);
    const who = `task '${spec.name}'`;
    const enclave = await this.ensureEnclave(lineage);
    const name = taskContainerName(lineage, spec.name, randomBytes(4).toString('hex'));
    const container = await this.call(
      `creating the container of ${who}`,
      () =>
        this.docker.createContainer({
          name,
          Image: spec.image,
          Cmd: [...spec.cmd],
          ...(spec.entrypoint ? { Entrypoint: [...spec.entrypoint] } : {}),
          Env: envList(spec.env),
          ...(spec.user ? { User: userString(spec.user) } : {}),
          ...(spec.workdir ? { WorkingDir: spec.workdir } : {}),
          Labels: ownLabels(lineage, spec.labels, { [LABEL_TASK]: spec.name }),
          HostConfig: { NetworkMode: enclave.networkName, ...hostAccessConfig(spec) },
        }),
      (err) => this.createError(err, who, spec.image, name),
    );
    try {
      for (const file of spec.files ?? []) await this.putFiles(container, file, who);
      await this.call(`starting ${who}`, () => container.start());
      const timeoutMs = spec.timeoutMs ?? DEFAULT_TASK_TIMEOUT_MS;
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const waited = this.call(`waiting for ${who}`, () => container.wait() as Promise<{ StatusCode: number }>);
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<'aborted'>((resolve) => {
        onAbort = () => resolve('aborted');
        if (spec.signal?.aborted) resolve('aborted');
        else spec.signal?.addEventListener('abort', onAbort, { once: true });
      });
      const outcome = await Promise.race([waited, expired, aborted]).finally(() => {
        clearTimeout(timer);
        if (onAbort) spec.signal?.removeEventListener('abort', onAbort);
      });
      if (outcome === 'aborted') {
        waited.catch(() => undefined);
        await container.kill().catch(() => undefined);
        throw new RuntimeError('timeout', `${who} was interrupted: its container was stopped`);
      }
      if (outcome === 'timeout') {
        waited.catch(() => undefined);
        await container.kill().catch(() => undefined);
        const sofar = (await this.logs(container.id, who, 20).catch(() => undefined))?.combined.toString('utf8').trimEnd();
        throw new RuntimeError(
          'timeout',
          `${who} did not finish within ${formatDuration(timeoutMs)}${sofar ? `; its last output:\n${sofar}` : ''}`,
        );
      }
      const output = await this.logs(container.id, who);
      const stored: StoredPath[] = [];
      for (const path of spec.storePaths ?? []) {
        stored.push({ path, archive: await this.getPath(container.id, path, who) });
      }
      return { ...execResult(outcome.StatusCode, output), stored };
    } finally {
      await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  // ---- containers starform did not create (adoption.ts) ---------------------------------

  async lookupContainer(idOrName: string): Promise<(AdoptableContainer & { readonly volumes: readonly string[] }) | undefined> {
    if (idOrName.trim() === '' || /[\s/]/.test(idOrName.replace(/^\//, ''))) return undefined;
    const info = await this.call(`inspecting container '${idOrName}'`, () =>
      engineGet<Docker.ContainerInspectInfo>(this.address, `/containers/${encodeURIComponent(idOrName)}/json`),
      (err) => (err.statusCode === 404 ? new RuntimeError('not-found', `no container '${idOrName}'`) : undefined),
    ).catch((err: unknown) => {
      if (isRuntimeError(err, 'not-found')) return undefined;
      throw err;
    });
    if (info === undefined) return undefined;
    const image = await this.call(`inspecting image '${info.Image}'`, () =>
      engineGet<Docker.ImageInspectInfo>(this.address, `/images/${encodeURIComponent(info.Image)}/json`),
    ).catch(() => undefined);
    const imageEnv = new Set(image?.Config?.Env ?? []);
    const env: Record<string, string> = {};
    for (const entry of info.Config.Env ?? []) {
      if (imageEnv.has(entry)) continue;
      const at = entry.indexOf('=');
      if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
    }
    const ports = new Map<string, ForeignPort>();
    const keys = new Set([...Object.keys(info.Config.ExposedPorts ?? {}), ...Object.keys(info.HostConfig.PortBindings ?? {})]);
    for (const key of [...keys].sort()) {
      const m = /^(\d+)\/(tcp|udp|sctp)$/.exec(key);
      if (m === null) continue;
      const binding = (info.NetworkSettings.Ports?.[key] ?? []).find((b) => !b.HostIp.includes(':'));
      ports.set(key, { number: Number(m[1]), protocol: m[2]!.toUpperCase() as TransportProtocol, hostPort: binding ? Number(binding.HostPort) : null });
    }
    const networks: Record<string, string> = {};
    for (const [name, n] of Object.entries(info.NetworkSettings.Networks ?? {})) networks[name] = n.IPAddress ?? '';
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      labels: { ...(info.Config.Labels ?? {}) },
      image: info.Config.Image,
      imageId: info.Image,
      running: info.State.Running,
      state: info.State.Status,
      entrypoint: asList(info.Config.Entrypoint),
      cmd: asList(info.Config.Cmd),
      imageEntrypoint: asList(image?.Config?.Entrypoint),
      imageCmd: asList(image?.Config?.Cmd),
      env,
      ports: [...ports.values()],
      mountPaths: (info.Mounts ?? []).map((m) => m.Destination).sort(),
      volumes: (info.Mounts ?? []).filter((m) => m.Type === 'volume' && m.Name).map((m) => m.Name!),
      user: info.Config.User ?? '',
      memoryBytes: info.HostConfig.Memory ?? 0,
      nanoCpus: info.HostConfig.NanoCpus ?? 0,
      networks,
    };
  }

  async attachToEnclave(lineage: string, containerId: string, alias: string, options: { readonly ipAddress?: string } = {}): Promise<string> {
    checkLineage(lineage);
    checkServiceName(alias);
    const enclave = await this.ensureEnclave(lineage);
    const network = this.docker.getNetwork(enclave.networkId);
    const what = `attaching container ${shortId(containerId)} to ${enclave.networkName} as '${alias}'`;
    await this.lock(`enclave-addresses:${lineage}`, async () => {
      const before = await this.lookupContainer(containerId);
      if (before === undefined) throw new RuntimeError('not-found', `container ${shortId(containerId)} no longer exists`);
      if (before.networks[enclave.networkName] !== undefined) {
        await this.call(what, () => network.disconnect({ Container: containerId, Force: true }));
      }
      const ip = options.ipAddress !== undefined && (await this.keepableAddress(enclave, options.ipAddress)) ? options.ipAddress : undefined;
      await this.call(what, () =>
        network.connect({ Container: containerId, EndpointConfig: { Aliases: [alias], ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}) } }),
      );
    });
    const after = await this.lookupContainer(containerId);
    return after?.networks[enclave.networkName] ?? '';
  }

  // ---- helpers --------------------------------------------------------------------------

  private lock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return locks.run(`${this.endpoint}|${key}`, fn);
  }

  private async call<T>(
    what: string,
    fn: () => Promise<T>,
    special?: (err: DockerodeError) => RuntimeError | undefined,
  ): Promise<T> {
    try {
      return await fn();
    } catch (raw) {
      throw this.translate(raw, what, special);
    }
  }

  /** Like call, but an answer with `status` (404: already gone, 304: already so) counts as success. */
  private async callTolerating<T>(
    status: number,
    what: string,
    fn: () => Promise<T>,
    special?: (err: DockerodeError) => RuntimeError | undefined,
  ): Promise<T | undefined> {
    try {
      return await fn();
    } catch (raw) {
      if (asDockerodeError(raw).statusCode === status) return undefined;
      throw this.translate(raw, what, special);
    }
  }

  private translate(raw: unknown, what: string, special?: (err: DockerodeError) => RuntimeError | undefined): RuntimeError {
    if (raw instanceof RuntimeError) return raw;
    const err = asDockerodeError(raw);
    if (isUnreachable(err)) return unreachableError(this.endpoint, raw);
    const tls = tlsError(this.endpoint, raw);
    if (tls) return tls;
    const mapped = special?.(err);
    if (mapped) return mapped;
    return new RuntimeError('engine-error', `Docker Engine error while ${what}: ${engineMessage(err)}`, { cause: raw });
  }

  private createError(err: DockerodeError, who: string, image: string, containerName: string): RuntimeError | undefined {
    const msg = engineMessage(err);
    if (err.statusCode === 404 && /no such image/i.test(msg)) {
      return new RuntimeError('image-not-found', `image '${image}' of ${who} is not available locally; pull or build it first`, { cause: err });
    }
    if (err.statusCode === 404 && /network/i.test(msg)) {
      return new RuntimeError('not-found', `the enclave network of ${who} disappeared (${msg})`, { cause: err });
    }
    if (err.statusCode === 409) {
      return new RuntimeError('name-conflict', `cannot create ${who}: a container named '${containerName}' already exists`, { cause: err });
    }
    return undefined;
  }

  /**
   * A subnet the engine would give a new network now, found by making and removing a probe
   * network. The enclave network is created with it explicitly, because Docker fixes a
   * container's address (as private_ip_address_placeholder needs) only on networks whose
   * subnet was given by their creator. Undefined when the engine will not say.
   */
  private async freeSubnet(lineage: string): Promise<{ Subnet: string; Gateway?: string } | undefined> {
    try {
      // Labelled with the lineage (already in the state file when this runs), so that a
      // probe a crash leaves behind is found and removed by the next apply or destroy.
      const probe = await this.docker.createNetwork({
        Name: `starform-probe-${randomBytes(6).toString('hex')}`,
        Driver: 'bridge',
        Labels: { [LABEL_PROBE]: 'true', [LABEL_LINEAGE]: lineage },
      });
      crashPoint('enclave-probe-created');
      try {
        const config = ((await probe.inspect()) as Docker.NetworkInspectInfo).IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'));
        return config?.Subnet ? { Subnet: config.Subnet, ...(config.Gateway ? { Gateway: config.Gateway } : {}) } : undefined;
      } finally {
        await probe.remove().catch(() => undefined);
      }
    } catch {
      return undefined;
    }
  }

  /**
   * A free address for a service that must know its own before it starts (see
   * ServiceSpec.ipAddressPlaceholder): the highest one of the enclave's subnet that no
   * endpoint uses, since the engine hands out addresses from the bottom. Called under the
   * enclave's address lock, which is held until the container has started.
   */
  private async staticAddress(enclave: EnclaveInfo, who: string): Promise<string> {
    const [network, containers] = await Promise.all([
      this.call(`inspecting network '${enclave.networkName}'`, () =>
        engineGet<Docker.NetworkInspectInfo>(this.address, `/networks/${enclave.networkId}`),
      ),
      // Stopped containers keep their fixed addresses but are not among the network's endpoints.
      this.call(`listing containers of enclave ${enclave.lineage}`, () =>
        engineGet<Docker.ContainerInfo[]>(this.address, '/containers/json', {
          all: 'true',
          filters: JSON.stringify({ label: [`${LABEL_LINEAGE}=${enclave.lineage}`] }),
        }),
      ),
    ]);
    const subnet = network.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'))?.Subnet;
    const range = subnet === undefined ? undefined : ipv4Range(subnet);
    if (range === undefined) {
      throw new RuntimeError('invalid-spec', `${who} uses the private IP address placeholder, but the enclave network has no IPv4 subnet`);
    }
    const used = new Set<number>();
    for (const gateway of network.IPAM?.Config ?? []) if (gateway.Gateway) used.add(ipv4Number(gateway.Gateway));
    for (const c of Object.values(network.Containers ?? {})) if (c.IPv4Address) used.add(ipv4Number(c.IPv4Address.split('/')[0]!));
    for (const c of containers) {
      const endpoint = c.NetworkSettings?.Networks?.[enclave.networkName];
      for (const a of [endpoint?.IPAMConfig?.IPv4Address, endpoint?.IPAddress]) if (a) used.add(ipv4Number(a));
    }
    for (let n = range.last - 1; n > range.first; n--) if (!used.has(n)) return ipv4Text(n);
    throw new RuntimeError('invalid-spec', `${who} needs a fixed address, but the enclave network ${subnet} has none free`);
  }

  /** Whether `address` lies in the enclave network's own IPv4 subnet, so that a container can be given it. */
  private async keepableAddress(enclave: EnclaveInfo, address: string): Promise<boolean> {
    const network = await this.call(`inspecting network '${enclave.networkName}'`, () =>
      engineGet<Docker.NetworkInspectInfo>(this.address, `/networks/${enclave.networkId}`),
    );
    const subnet = network.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'))?.Subnet;
    const range = subnet === undefined ? undefined : ipv4Range(subnet);
    if (range === undefined || !/^\d+\.\d+\.\d+\.\d+$/.test(address)) return false;
    const n = ipv4Number(address);
    return n > range.first && n < range.last;
  }

  /** The subnet probe networks of an enclave (see freeSubnet) that are still there. */
  private async findProbes(lineage: string): Promise<EnclaveInfo[]> {
    const networks = await this.call(`listing probe networks of enclave ${lineage}`, () =>
      engineGet<Docker.NetworkInspectInfo[]>(this.address, '/networks', {
        filters: JSON.stringify({ label: [`${LABEL_LINEAGE}=${lineage}`, `${LABEL_PROBE}=true`] }),
      }),
    );
    return networks
      .filter((n) => n.Name.startsWith('starform-probe-'))
      .map((n) => ({ lineage, networkId: n.Id, networkName: n.Name }))
      .sort((a, b) => byCodeUnits(a.networkName, b.networkName));
  }

  private async removeProbes(lineage: string, probes?: readonly EnclaveInfo[]): Promise<void> {
    for (const probe of probes ?? (await this.findProbes(lineage))) {
      await this.callTolerating(404, `removing probe network ${probe.networkName}`, () => this.docker.getNetwork(probe.networkId).remove());
    }
  }

  private async findNetwork(lineage: string): Promise<EnclaveInfo | undefined> {
    const name = networkName(lineage);
    const networks = await this.call(`listing networks`, () =>
      engineGet<Docker.NetworkInspectInfo[]>(this.address, '/networks', { filters: JSON.stringify({ name: [name] }) }),
    );
    const match = networks.find((n) => n.Name === name);
    if (!match) return undefined;
    if (match.Labels?.[LABEL_LINEAGE] !== lineage) {
      throw new RuntimeError(
        'not-owned',
        `network '${name}' exists but is not labelled ${LABEL_LINEAGE}=${lineage}; refusing to use it (remove or rename it)`,
      );
    }
    return { lineage, networkId: match.Id, networkName: name };
  }

  private async findServiceContainer(lineage: string, name: string): Promise<string | undefined> {
    const list = await this.call(`looking up service '${name}'`, () =>
      this.docker.listContainers({
        all: true,
        filters: { label: [`${LABEL_LINEAGE}=${lineage}`, `${LABEL_SERVICE}=${name}`] },
      }),
    );
    return list[0]?.Id;
  }

  /** The container of a service reference, after checking it is ours; undefined when absent. */
  private async resolve(ref: ServiceRef): Promise<Docker.ContainerInspectInfo | undefined> {
    checkLineage(ref.lineage);
    checkServiceName(ref.name);
    const id = ref.containerId ?? (await this.findServiceContainer(ref.lineage, ref.name));
    if (id === undefined) return undefined;
    const info = await this.call(`inspecting ${describe(ref)}`, () => this.docker.getContainer(id).inspect(), (err) =>
      err.statusCode === 404 ? new RuntimeError('not-found', id) : undefined,
    ).catch((err: unknown) => {
      if (err instanceof RuntimeError && err.code === 'not-found') return undefined;
      throw err;
    });
    if (!info) return undefined;
    const labels = info.Config.Labels ?? {};
    // An adopted container (starform import) is ours by the id the state records; one
    // labelled for another enclave is still refused.
    if (ref.adopted !== undefined && ref.containerId !== undefined && labels[LABEL_LINEAGE] === undefined) return info;
    if (labels[LABEL_LINEAGE] !== ref.lineage) {
      throw new RuntimeError(
        'not-owned',
        `refusing to touch container ${shortId(info.Id)} (${info.Name.replace(/^\//, '')}): ` +
          `it does not carry the label ${LABEL_LINEAGE}=${ref.lineage}, so it is not part of this enclave`,
      );
    }
    if (labels[LABEL_SERVICE] !== ref.name) {
      throw new RuntimeError(
        'not-owned',
        `refusing to touch container ${shortId(info.Id)}: it belongs to ` +
          `${labels[LABEL_SERVICE] ? `service '${labels[LABEL_SERVICE]}'` : 'no service'}, not service '${ref.name}'`,
      );
    }
    return info;
  }

  private async require(ref: ServiceRef): Promise<Docker.ContainerInspectInfo> {
    const info = await this.resolve(ref);
    if (!info) throw notFound(ref);
    return info;
  }

  async inspectForeignContainer(nameOrId: string): Promise<ForeignContainer | undefined> {
    const info = await this.callTolerating(404, `inspecting container '${nameOrId}'`, () => this.docker.getContainer(nameOrId).inspect());
    if (info === undefined) return undefined;
    const networks = Object.entries(info.NetworkSettings?.Networks ?? {})
      .map(([network, n]) => ({ network, ipAddress: n.IPAddress ?? '' }))
      .filter((n) => n.ipAddress !== '')
      .sort((a, b) => (a.network < b.network ? -1 : a.network > b.network ? 1 : 0));
    return { id: info.Id, name: info.Name.replace(/^\//, ''), running: info.State.Running, networks };
  }

  private inspectContainer(id: string, who: string): Promise<Docker.ContainerInspectInfo> {
    return this.call(`inspecting ${who}`, () => this.docker.getContainer(id).inspect(), (err) =>
      err.statusCode === 404 ? new RuntimeError('not-found', `the container of ${who} (${shortId(id)}) no longer exists`) : undefined,
    );
  }

  private async notRunning(ref: ServiceRef, id: string, consequence: string): Promise<RuntimeError> {
    const info = await this.inspectContainer(id, describe(ref)).catch(() => undefined);
    const state = info ? `${info.State.Status}${info.State.Status === 'exited' ? `, exit code ${info.State.ExitCode}` : ''}` : 'gone';
    const tail = (await this.logs(id, describe(ref), 10).catch(() => undefined))?.combined.toString('utf8').trimEnd();
    return new RuntimeError(
      'not-running',
      `${describe(ref)} is not running (${state}); ${consequence}${tail ? `\nits last output:\n${tail}` : ''}`,
    );
  }

  private async ensureVolumes(lineage: string, dirs: readonly PersistentDirectory[]): Promise<Docker.MountSettings[]> {
    const mounts: Docker.MountSettings[] = [];
    for (const dir of dirs) {
      const name = volumeName(lineage, dir.key);
      const existing = await this.call(`inspecting volume '${name}'`, () => this.docker.getVolume(name).inspect(), (err) =>
        err.statusCode === 404 ? new RuntimeError('not-found', name) : undefined,
      ).catch((err: unknown) => {
        if (err instanceof RuntimeError && err.code === 'not-found') return undefined;
        throw err;
      });
      if (existing && existing.Labels?.[LABEL_LINEAGE] !== lineage) {
        throw new RuntimeError('not-owned', `volume '${name}' exists but is not labelled ${LABEL_LINEAGE}=${lineage}; refusing to use it`);
      }
      if (!existing) {
        await this.call(`creating volume '${name}'`, () =>
          this.docker.createVolume({ Name: name, Labels: ownLabels(lineage, undefined, { [LABEL_VOLUME_KEY]: dir.key }) }),
        );
      }
      mounts.push({ Type: 'volume', Source: name, Target: checkMountPath(dir.mountPath) });
    }
    return mounts;
  }

  private async putFiles(container: Docker.Container, file: FileMount, who: string): Promise<void> {
    const archive = await relocateArchive(file.archive, file.mountPath);
    await this.call(`copying files to ${file.mountPath} in ${who}`, () => container.putArchive(archive, { path: '/' }));
  }

  private async getPath(id: string, path: string, who: string): Promise<Buffer> {
    const clean = checkMountPath(path);
    const stream = await this.call(`copying ${clean} out of ${who}`, () => this.docker.getContainer(id).getArchive({ path: clean }), (err) =>
      err.statusCode === 404 ? new RuntimeError('path-not-found', `path '${clean}' does not exist in ${who}`) : undefined,
    );
    return collectStream(stream);
  }

  private async logs(id: string, who: string, tail?: number): Promise<DemuxedOutput> {
    const container = this.docker.getContainer(id);
    const [info, data] = await Promise.all([
      this.inspectContainer(id, who),
      this.call(`reading the output of ${who}`, () =>
        container.logs({ stdout: true, stderr: true, follow: false, ...(tail !== undefined ? { tail } : {}) }),
      ),
    ]);
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(String(data));
    // A container with a terminal has one output stream, sent as it is (not multiplexed).
    if (info.Config.Tty) return { stdout: bytes, stderr: Buffer.alloc(0), combined: bytes };
    return demuxDockerStream(bytes);
  }

  /** A container's status; an adopted one (no labels) takes its enclave, name and port ids from `ref`. */
  private toStatus(info: Docker.ContainerInspectInfo, ref?: ServiceRef): ServiceStatus {
    const labels = info.Config.Labels ?? {};
    const adopted = ref?.adopted !== undefined && labels[LABEL_LINEAGE] === undefined ? ref : undefined;
    const lineage = adopted?.lineage ?? labels[LABEL_LINEAGE] ?? '';
    const name = adopted?.name ?? labels[LABEL_SERVICE] ?? '';
    const network = info.NetworkSettings.Networks?.[networkName(lineage)];
    const ports: Record<string, PublishedPort> = {};
    for (const [id, port] of Object.entries(adopted?.adopted?.ports ?? portsFromLabel(labels[LABEL_PORTS]))) {
      const bindings = info.NetworkSettings.Ports?.[`${port.number}/${port.protocol.toLowerCase()}`] ?? [];
      const binding = bindings.find((b) => !b.HostIp.includes(':')) ?? bindings[0];
      if (!binding) continue;
      ports[id] = {
        number: port.number,
        protocol: port.protocol,
        hostIp: this.hostAddress(binding.HostIp),
        hostPort: Number(binding.HostPort),
      };
    }
    const state = info.State.Status as ContainerState;
    return {
      name,
      containerId: info.Id,
      hostname: name,
      ipAddress: network?.IPAddress ?? '',
      ports,
      running: info.State.Running,
      state,
      image: info.Config.Image,
      imageId: info.Image,
      labels: { ...labels },
      ...(state === 'exited' || state === 'dead' ? { exitCode: info.State.ExitCode } : {}),
    };
  }
}

// ---- module helpers -------------------------------------------------------------------

/** The engine a runtime talks to: the given socket, else what the environment names (endpoint.ts). */
export function engineFor(socketPath: string | undefined): EngineEndpoint {
  return socketPath !== undefined ? parseHost(`unix://${socketPath}`, undefined, 'the socketPath option') : resolveEngine();
}

function serviceKey(ref: ServiceRef): string {
  return `service:${ref.lineage}/${ref.name}`;
}

function describe(ref: ServiceRef): string {
  return `service '${ref.name}'`;
}

function notFound(ref: ServiceRef): RuntimeError {
  return new RuntimeError(
    'not-found',
    ref.containerId
      ? `service '${ref.name}' has no container ${shortId(ref.containerId)} any more (enclave ${ref.lineage})`
      : `service '${ref.name}' has no container in enclave ${ref.lineage}`,
  );
}

function startError(err: DockerodeError, who: string, spec: { ports?: Readonly<Record<string, { number: number; publicPort?: number }>> }): RuntimeError | undefined {
  const port = portInUse(err);
  if (port === undefined) return undefined;
  const id = Object.entries(spec.ports ?? {}).find(([, p]) => p.publicPort === port)?.[0];
  return new RuntimeError(
    'port-in-use',
    `cannot start ${who}: host port ${port || '(unknown)'}${id ? ` (port '${id}')` : ''} is already in use on this machine; ` +
      `choose another public port or stop what holds it (${engineMessage(err)})`,
    { cause: err },
  );
}

function portsFromLabel(label: string | undefined): Record<string, PortLabelEntry & { publicPort?: number }> {
  const result: Record<string, PortLabelEntry> = {};
  if (!label) return result;
  let parsed: unknown;
  try {
    parsed = JSON.parse(label);
  } catch {
    return result;
  }
  if (!parsed || typeof parsed !== 'object') return result;
  for (const [id, value] of Object.entries(parsed as Record<string, unknown>)) {
    const match = typeof value === 'string' ? /^(\d+)\/(TCP|UDP|SCTP)$/.exec(value) : null;
    if (match) result[id] = { number: Number(match[1]), protocol: match[2] as TransportProtocol };
  }
  return result;
}


function asList(v: string | readonly string[] | null | undefined): string[] {
  if (v === null || v === undefined) return [];
  return typeof v === 'string' ? [v] : [...v];
}

function envList(env: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`);
}

function execResult(exitCode: number, output: DemuxedOutput): ExecResult {
  return {
    exitCode,
    output: output.combined.toString('utf8'),
    stdout: output.stdout.toString('utf8'),
    stderr: output.stderr.toString('utf8'),
  };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Plain string order (localeCompare would load ICU's collator: ~10 ms on every refresh). */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A device in Docker's `--device` form (`host[:container][:permissions]`) as the engine takes it. */
