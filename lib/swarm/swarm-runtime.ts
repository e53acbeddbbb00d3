// The Docker Swarm adapter of the runtime port (`--runtime swarm`).
//
// The enclave is an attachable overlay network `starform-<lineage>`; each service is a
// Swarm service with one replica on it, reachable from its peers under the service name
// (a network alias). A service's reference id (ServiceInfo.containerId, recorded in the
// state) is the Swarm service id, which outlives its tasks. Files artifacts become Swarm
// configs (content-addressed, labelled with the lineage) mounted at their paths, so the
// task sees them from its first instruction on whichever node it lands. Persistent
// directories are named volumes; since a volume lives on one node, the first service to
// use one pins it there (a small "anchor" config records the node) and every service that
// mounts it gets a placement constraint on that node. node_selectors become constraints
// on node labels.
//
// Files that hold a sensitive value (FileMount.sensitive) are Swarm secrets instead, one
// per file and service.
//
// Everything that acts inside a container (exec, copying files in and out, logs) goes to
// the task's container through the engine of the node that runs it (lib/docker's
// DockerRuntime, which checks the container's lineage and service labels like any other):
// the manager's own, or for a worker the engine its `starform.engine` node label names,
// since the manager's API does not reach into a worker's containers. One-off tasks
// (run_sh, run_python) are plain containers on the manager attached to the attachable
// overlay network, so they resolve services by name as services do. Images are made
// present on the manager's engine.
//
// Published ports: by default host-mode ports on the task's node with DNS round-robin
// service discovery; `publishMode: 'ingress'` uses the routing mesh (virtual IPs), which
// needs IPVS in the engine's kernel (docs/decisions.md). Readiness waits for the task to
// run and then for the port to answer at the address of the task's node (the engine's
// host for the manager of a remote engine).
//
// Safety is the Docker adapter's: nothing is touched unless its labels name the lineage
// (and service) asked for; creating a service is all-or-nothing (a service whose task
// fails to start is removed before the error is reported).
import type Docker from 'dockerode';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { isRuntimeError, RuntimeError } from '../runtime/index.js';
import type {
  ContainerSummary,
  EnclaveInfo,
  EnclaveResources,
  EngineInfo,
  ExecOptions,
  ExecResult,
  FileMount,
  ImageBuildSpec,
  ImageOutcome,
  ImageRequest,
  PersistentDirectory,
  PublishedPort,
  Runtime,
  ServiceInfo,
  ServiceRef,
  ServiceSpec,
  ServiceStatus,
  TaskResult,
  TaskSpec,
  TransportProtocol,
  VolumeSummary,
  WaitOptions,
  AttachedExecOptions,
  ImageIdentity,
  LogOptions,
  OutputStreams,
} from '../runtime/index.js';
import { checkMountPath, packFiles, readArchive, type ArchiveFileInput } from '../runtime/index.js';
import { DockerRuntime, engineFor, type DockerRuntimeOptions } from '../docker/docker-runtime.js';
import { dockerodeOptions, parseHost, type EngineEndpoint } from '../docker/endpoint.js';
import { asDockerodeError, engineMessage, isUnreachable, unreachableError, shortId } from '../docker/docker-errors.js';
import { KeyedLock } from '../docker/keyed-lock.js';
import {
  checkLineage,
  checkServiceName,
  checkServiceSpec,
  LABEL_LINEAGE,
  LABEL_PORTS,
  LABEL_SERVICE,
  LABEL_VOLUME_KEY,
  networkName,
  ownLabels,
  volumeName,
} from '../docker/naming.js';
import { formatDuration, waitForTcp } from '../docker/tcp-wait.js';
import { crashPoint } from '../util/crash-point.js';
import {
  anchorName,
  checkSwarmSupport,
  configName,
  containerState,
  imageOf,
  LABEL_CONFIG,
  LABEL_NODE,
  secretName,
  swarmServiceSpec,
  taskEnded,
  type PublishMode,
} from './swarm-spec.js';

export interface SwarmRuntimeOptions extends DockerRuntimeOptions {
  /** How ports are published; default host (see the header). */
  readonly publishMode?: PublishMode;
  /** How long a service's task may take to reach running; default 120 s. */
  readonly startTimeoutMs?: number;
}

/** A Swarm config holds at most 500 KiB. */
const CONFIG_LIMIT = 500 * 1024;
const locks = new KeyedLock();

interface TaskView {
  readonly id: string;
  readonly state: string;
  readonly desired: string;
  readonly message: string;
  readonly error: string;
  readonly nodeId: string;
  readonly containerId: string;
  readonly exitCode: number | undefined;
  readonly address: string;
  readonly createdAt: string;
  /** The ports Swarm published for the task (host mode: on its node). */
  readonly ports: readonly { protocol: string; target: number; published: number }[];
}

/** What the runtime needs of a Swarm node: where its ports are reached, where its engine is. */
interface NodeView {
  readonly id: string;
  readonly addr: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A node label naming the engine of that node, for work inside its task containers. */
const LABEL_ENGINE = 'starform.engine';
/** How long a node's address and labels are trusted before being asked again. */
const NODE_TTL_MS = 10_000;

export class SwarmRuntime implements Runtime {
  readonly kind = 'swarm';
  readonly endpoint: string;
  private client: Docker | undefined;
  private readonly dockerOptions: Docker.DockerOptions | undefined;
  /** The manager's engine, for images, tasks and everything inside a task's container. */
  private readonly local: DockerRuntime;
  private readonly publishMode: PublishMode;
  private readonly startTimeoutMs: number;
  private readonly stopTimeoutSeconds: number;
  private readonly connectHost: string;
  private readonly engine: EngineEndpoint;
  private selfNode: string | undefined;
  private readonly nodes = new Map<string, { view: Promise<NodeView | undefined>; at: number }>();
  private readonly nodeRuntimes = new Map<string, { runtime: DockerRuntime; docker: Docker }>();
  private readonly options: SwarmRuntimeOptions;

  constructor(options: SwarmRuntimeOptions = {}) {
    const engine = engineFor(options.socketPath);
    this.dockerOptions = dockerodeOptions(engine) as Docker.DockerOptions;
    this.endpoint = engine.endpoint;
    this.local = new DockerRuntime(options);
    this.publishMode = options.publishMode ?? 'host';
    this.startTimeoutMs = options.startTimeoutMs ?? 120_000;
    this.stopTimeoutSeconds = options.stopTimeoutSeconds ?? 10;
    this.connectHost = engine.publishedHost;
    this.engine = engine;
    this.options = options;
  }

  private get docker(): Docker {
    if (this.client === undefined) {
      const DockerClient = createRequire(import.meta.url)('dockerode') as typeof Docker;
      this.client = new DockerClient(this.dockerOptions);
    }
    return this.client;
  }

  async ping(): Promise<EngineInfo> {
    const info = await this.local.ping();
    await this.managerNode();
    return { ...info, kind: this.kind };
  }

  /** The node id of the manager this runtime talks to; refuses an engine that is not one. */
  private async managerNode(): Promise<string> {
    const info = (await this.call('asking the engine for its swarm state', () => this.docker.info())) as {
      Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string };
    };
    const swarm = info.Swarm;
    if (swarm?.LocalNodeState === 'active' && swarm.ControlAvailable === true && swarm.NodeID) this.selfNode = swarm.NodeID;
    if (swarm?.LocalNodeState !== 'active' || swarm.ControlAvailable !== true || !swarm.NodeID) {
      throw new RuntimeError(
        'engine-unreachable',
        `the Docker Engine at ${this.endpoint} is not a Swarm manager (swarm state: ${swarm?.LocalNodeState ?? 'unknown'}${swarm?.LocalNodeState === 'active' ? ', a worker' : ''}); ` +
          'run `docker swarm init` there (or point DOCKER_HOST at a manager), or use --runtime docker',
      );
    }
    return swarm.NodeID;
  }

  // ---- enclaves -------------------------------------------------------------------------

  async ensureEnclave(lineage: string): Promise<EnclaveInfo> {
    checkLineage(lineage);
    return this.lock(`enclave:${lineage}`, async () => {
      const existing = await this.findNetwork(lineage);
      if (existing) return existing;
      await this.managerNode();
      const name = networkName(lineage);
      try {
        const network = await this.call(
          `creating overlay network '${name}'`,
          () => this.docker.createNetwork({ Name: name, Driver: 'overlay', Attachable: true, CheckDuplicate: true, Labels: ownLabels(lineage, undefined, {}) }),
          (err) => (err.statusCode === 409 ? new RuntimeError('name-conflict', `a network named '${name}' already exists`) : undefined),
        );
        crashPoint('enclave-network-created');
        return { lineage, networkId: network.id, networkName: name };
      } catch (err) {
        if (!isRuntimeError(err, 'name-conflict')) throw err;
        const found = await this.findNetwork(lineage);
        if (found) return found;
        throw new RuntimeError('name-conflict', `a network named '${name}' already exists but does not belong to enclave ${lineage}`);
      }
    });
  }

  private async findNetwork(lineage: string): Promise<EnclaveInfo | undefined> {
    const name = networkName(lineage);
    const networks = await this.call('listing networks', () => this.docker.listNetworks({ filters: { name: [name] } }));
    const match = networks.find((n) => n.Name === name);
    if (!match) return undefined;
    if (match.Labels?.[LABEL_LINEAGE] !== lineage) {
      throw new RuntimeError('not-owned', `network '${name}' exists but is not labelled ${LABEL_LINEAGE}=${lineage}; refusing to use it (remove or rename it)`);
    }
    // (A network the manager is still setting up may be listed without its driver.)
    if (match.Driver && match.Driver !== 'overlay') {
      throw new RuntimeError(
        'name-conflict',
        `network '${name}' of enclave ${lineage} is a ${match.Driver} network: the enclave was made by the docker runtime, not the swarm runtime`,
      );
    }
    return { lineage, networkId: match.Id, networkName: name };
  }

  async inspectEnclave(lineage: string): Promise<EnclaveResources> {
    checkLineage(lineage);
    const filter = { label: [`${LABEL_LINEAGE}=${lineage}`] };
    const [network, services, local] = await Promise.all([
      this.findNetwork(lineage),
      this.call(`listing services of enclave ${lineage}`, () => this.docker.listServices({ filters: filter })),
      this.local.inspectEnclave(lineage).catch((err: unknown) => {
        // The local view names the overlay network too; only its containers and volumes are used.
        if (isRuntimeError(err, 'name-conflict')) return undefined;
        throw err;
      }),
    ]);
    const summaries: ContainerSummary[] = [];
    // One listing for the tasks of every service (a no-op apply's refresh must stay cheap).
    const all =
      services.length === 0
        ? []
        : ((await this.call('listing tasks', () => this.docker.listTasks({ filters: { service: services.map((s) => s.ID) } }))) as RawTask[]);
    const newest = new Map<string, TaskView>();
    for (const raw of all) {
      const t = taskView(raw);
      const known = newest.get(raw.ServiceID ?? '');
      if (!known || known.createdAt < t.createdAt) newest.set(raw.ServiceID ?? '', t);
    }
    for (const s of services) {
      const name = s.Spec?.Labels?.[LABEL_SERVICE];
      if (name === undefined) continue;
      const task = newest.get(s.ID);
      const state = replicas(s) === 0 ? 'exited' : containerState(task?.state);
      summaries.push({ id: s.ID, containerName: s.Spec?.Name ?? s.ID, service: name, image: imageOf(s.Spec), state, running: state === 'running' });
    }
    // One-off task containers a crash left behind (service task containers are the services').
    for (const c of local?.containers ?? []) if (c.task !== undefined) summaries.push(c);
    const configs = await this.ownConfigs(lineage);
    const volumes: VolumeSummary[] = [...(local?.volumes ?? [])];
    for (const anchor of configs) {
      const key = anchor.Spec?.Labels?.[LABEL_VOLUME_KEY];
      if (key !== undefined && !volumes.some((v) => v.key === key)) volumes.push({ name: volumeName(lineage, key), key });
    }
    return {
      lineage,
      ...(network ? { network } : {}),
      containers: summaries.sort((a, b) => (a.containerName < b.containerName ? -1 : a.containerName > b.containerName ? 1 : 0)),
      volumes: volumes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    };
  }

  async removeEnclave(lineage: string): Promise<EnclaveResources> {
    checkLineage(lineage);
    return this.lock(`enclave:${lineage}`, async () => {
      const found = await this.inspectEnclave(lineage);
      const services = await this.call(`listing services of enclave ${lineage}`, () =>
        this.docker.listServices({ filters: { label: [`${LABEL_LINEAGE}=${lineage}`] } }),
      );
      // All at once, then one wait for their task containers (Swarm stops them in parallel).
      await this.removeSwarmServices(services.map((s) => s.ID));
      // Containers, volumes (on this node) and the network, by label, as the Docker adapter removes them.
      await this.local.removeEnclave(lineage).catch(async (err: unknown) => {
        if (!isRuntimeError(err, 'name-conflict')) throw err;
      });
      await this.removeNodeVolumes(lineage);
      const network = await this.findNetwork(lineage);
      if (network) await this.removeOverlay(network);
      for (const c of await this.ownConfigs(lineage)) {
        await this.callTolerating(404, `removing config ${c.Spec?.Name ?? c.ID}`, () => this.docker.getConfig(c.ID).remove());
      }
      await this.removeSecrets((await this.ownSecrets(lineage)).map((x) => x.ID));
      return found;
    });
  }

  /** The enclave's volumes on the other nodes whose engines the runtime reaches (their label). */
  private async removeNodeVolumes(lineage: string): Promise<void> {
    const anchors = (await this.ownConfigs(lineage)).filter((c) => c.Spec?.Labels?.[LABEL_VOLUME_KEY] !== undefined);
    const self = await this.selfNodeId();
    if (!anchors.some((c) => (c.Spec?.Labels?.[LABEL_NODE] ?? self) !== self)) return;
    for (const docker of await this.otherNodeEngines()) {
      const volumes =
        (await this.call('listing volumes of a node', () => docker.listVolumes({ filters: { label: [`${LABEL_LINEAGE}=${lineage}`] } }))).Volumes ?? [];
      for (const v of volumes) {
        // The task that used it may still be stopping on that node: "volume is in use" for a while.
        const deadline = Date.now() + 30_000;
        for (;;) {
          try {
            await this.callTolerating(404, `removing volume ${v.Name} of a node`, () => docker.getVolume(v.Name).remove());
            break;
          } catch (err) {
            if (Date.now() > deadline || !/in use/i.test((err as Error).message)) throw err;
            await sleep(500);
          }
        }
      }
    }
  }

  /**
   * Removes the enclave's overlay network. A task on a node whose engine the runtime does not
   * reach may still be stopping (its containers could not be waited for), and the manager
   * refuses while a task uses the network: retried for a while.
   */
  private async removeOverlay(network: EnclaveInfo): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.callTolerating(404, `removing network ${network.networkName}`, () => this.docker.getNetwork(network.networkId).remove());
        return;
      } catch (err) {
        if (Date.now() > deadline || !/in use|active endpoints/i.test((err as Error).message)) throw err;
        await sleep(Math.min(250 * attempt, 2000));
      }
    }
  }

  private ownConfigs(lineage: string): Promise<Docker.ConfigInfo[]> {
    return this.call(`listing configs of enclave ${lineage}`, () =>
      this.docker.listConfigs({ filters: { label: [`${LABEL_LINEAGE}=${lineage}`, LABEL_CONFIG] } }),
    ) as Promise<Docker.ConfigInfo[]>;
  }

  // ---- images (on the manager's engine) ------------------------------------------------------

  imageExists(ref: string): Promise<boolean> {
    return this.local.imageExists(ref);
  }
  pullImage(ref: string): Promise<void> {
    return this.local.pullImage(ref);
  }
  buildImage(ref: string, spec: ImageBuildSpec): Promise<string> {
    return this.local.buildImage(ref, spec);
  }
  ensureImages(requests: readonly ImageRequest[]): Promise<ImageOutcome[]> {
    return this.local.ensureImages(requests);
  }

  // ---- services ---------------------------------------------------------------------------

  async createService(lineage: string, spec: ServiceSpec): Promise<ServiceInfo> {
    checkLineage(lineage);
    checkServiceSpec(spec);
    checkSwarmSupport(spec);
    const who = `service '${spec.name}'`;
    return this.lock(`service:${lineage}/${spec.name}`, async () => {
      const enclave = await this.ensureEnclave(lineage);
      if (await this.findService(lineage, spec.name)) {
        throw new RuntimeError('name-conflict', `${who} already exists in enclave ${lineage}`);
      }
      const configs: Docker.ConfigReference[] = [];
      const secrets: Docker.SecretReference[] = [];
      for (const file of spec.files ?? []) {
        if (file.sensitive) secrets.push(...(await this.fileSecrets(lineage, spec.name, file, who)));
        else configs.push(...(await this.fileConfigs(lineage, file, who)));
      }
      const { mounts, constraints } = await this.volumes(lineage, spec.persistentDirectories ?? [], spec, who);
      const options = swarmServiceSpec({
        lineage,
        spec,
        networkId: enclave.networkId,
        publishMode: this.publishMode,
        configs,
        secrets,
        mounts,
        constraints,
        stopTimeoutSeconds: this.stopTimeoutSeconds,
      });
      try {
        const { id, task } = await this.createAndStart(options, who, spec);
        return this.serviceInfo(id, spec.name, task);
      } catch (err) {
        await this.removeSecrets(secrets.map((r) => r.SecretID ?? ''));
        throw err;
      }
    });
  }

  /**
   * Creates the Swarm service and waits for its task to run; a task that fails is removed
   * with its service. A host-mode port the engine chose itself that then turns out taken
   * (Docker 20.10 allocates 0.0.0.0:N while another container holds 127.0.0.1:N) is tried
   * again, twice: the next attempt gets another port.
   */
  private async createAndStart(options: Docker.CreateServiceOptions, who: string, spec: ServiceSpec): Promise<{ id: string; task: TaskView }> {
    const chosen = Object.values(spec.ports ?? {}).every((p) => p.publicPort === undefined);
    for (let attempt = 1; ; attempt++) {
      const created = (await this.call(
        `creating ${who}`,
        () => this.docker.createService(options),
        (err) => (err.statusCode === 409 ? new RuntimeError('name-conflict', `a Swarm service named '${options.Name}' already exists`) : undefined),
      )) as { id?: string; ID?: string };
      const id = created.id ?? created.ID ?? '';
      crashPoint('service-created');
      try {
        return { id, task: await this.waitRunning(id, who, spec) };
      } catch (err) {
        await this.removeSwarmService(id, who).catch(() => undefined);
        if (!(chosen && this.publishMode === 'host' && attempt < 3 && isRuntimeError(err, 'port-in-use'))) throw err;
      }
    }
  }

  /** One config per file of the archive, created unless one with that content exists. */
  private async fileConfigs(lineage: string, file: FileMount, who: string): Promise<Docker.ConfigReference[]> {
    const root = checkMountPath(file.mountPath).replace(/\/+$/, '');
    const refs: Docker.ConfigReference[] = [];
    for (const entry of await readArchive(file.archive)) {
      if (entry.type === 'directory') continue;
      if (entry.type !== 'file') {
        throw new RuntimeError('invalid-spec', `${who}: '${entry.path}' under ${root} is a ${entry.type}; Swarm configs hold regular files only`);
      }
      if (entry.content.length > CONFIG_LIMIT) {
        throw new RuntimeError('invalid-spec', `${who}: '${entry.path}' under ${root} has ${entry.content.length} bytes; a Swarm config holds at most 500 KiB`);
      }
      const digest = createHash('sha256').update(entry.content).digest('hex');
      const name = configName(lineage, digest);
      const id = await this.ensureConfig(name, entry.content, ownLabels(lineage, undefined, { [LABEL_CONFIG]: 'file' }), lineage);
      refs.push({ ConfigID: id, ConfigName: name, File: { Name: `${root}/${entry.path}`, UID: '0', GID: '0', Mode: entry.mode & 0o777 || 0o644 } });
    }
    return refs;
  }

  /**
   * One Swarm secret per file of an archive that holds a sensitive value: its content is
   * then kept encrypted in the swarm's store and given only to the task's node, in memory
   * (Swarm's configs are neither). Secrets are never shared between services: each is made
   * for one service (a random name, labelled with the service) and removed with it.
   */
  private async fileSecrets(lineage: string, service: string, file: FileMount, who: string): Promise<Docker.SecretReference[]> {
    const root = checkMountPath(file.mountPath).replace(/\/+$/, '');
    const refs: Docker.SecretReference[] = [];
    for (const entry of await readArchive(file.archive)) {
      if (entry.type === 'directory') continue;
      if (entry.type !== 'file') {
        throw new RuntimeError('invalid-spec', `${who}: '${entry.path}' under ${root} is a ${entry.type}; Swarm secrets hold regular files only`);
      }
      if (entry.content.length > CONFIG_LIMIT) {
        throw new RuntimeError('invalid-spec', `${who}: '${entry.path}' under ${root} has ${entry.content.length} bytes; a Swarm secret holds at most 500 KiB`);
      }
      const name = secretName(lineage, randomBytes(12).toString('hex'));
      const labels = ownLabels(lineage, undefined, { [LABEL_CONFIG]: 'secret', [LABEL_SERVICE]: service });
      const made = (await this.call(`creating a secret for '${entry.path}' of ${who}`, () =>
        this.docker.createSecret({ Name: name, Labels: labels, Data: Buffer.from(entry.content).toString('base64') }),
      )) as { id?: string; ID?: string };
      refs.push({
        SecretID: made.id ?? made.ID ?? '',
        SecretName: name,
        File: { Name: `${root}/${entry.path}`, UID: '0', GID: '0', Mode: entry.mode & 0o777 || 0o600 },
      });
    }
    return refs;
  }

  private async removeSecrets(ids: readonly string[]): Promise<void> {
    for (const id of ids) if (id !== '') await this.callTolerating(404, `removing secret ${shortId(id)}`, () => this.docker.getSecret(id).remove());
  }

  private ownSecrets(lineage: string): Promise<{ ID: string }[]> {
    return this.call(`listing secrets of enclave ${lineage}`, () =>
      this.docker.listSecrets({ filters: { label: [`${LABEL_LINEAGE}=${lineage}`, LABEL_CONFIG] } }),
    ) as Promise<{ ID: string }[]>;
  }

  private async ensureConfig(name: string, data: Buffer, labels: Record<string, string>, lineage: string): Promise<string> {
    const existing = await this.findConfig(name, lineage);
    if (existing) return existing.ID;
    try {
      const made = (await this.call(
        `creating config '${name}'`,
        () => this.docker.createConfig({ Name: name, Labels: labels, Data: data.toString('base64') }),
        (err) => (err.statusCode === 409 ? new RuntimeError('name-conflict', name) : undefined),
      )) as { id?: string; ID?: string };
      return made.id ?? made.ID ?? '';
    } catch (err) {
      // Made at the same moment by a parallel step of the same enclave.
      const raced = isRuntimeError(err, 'name-conflict') ? await this.findConfig(name, lineage) : undefined;
      if (raced) return raced.ID;
      throw err;
    }
  }

  private async findConfig(name: string, lineage: string): Promise<Docker.ConfigInfo | undefined> {
    const list = (await this.call(`looking up config '${name}'`, () => this.docker.listConfigs({ filters: { name: [name] } }))) as Docker.ConfigInfo[];
    const match = list.find((c) => c.Spec?.Name === name);
    if (match && match.Spec?.Labels?.[LABEL_LINEAGE] !== lineage) {
      throw new RuntimeError('not-owned', `config '${name}' exists but is not labelled ${LABEL_LINEAGE}=${lineage}; refusing to use it`);
    }
    return match;
  }

  /**
   * Volume mounts for the persistent directories, and the constraint that keeps the service
   * on the node holding them. A volume's node is fixed when it is first used: the node the
   * service's node selectors allow (the manager when it qualifies), recorded in an anchor.
   */
  private async volumes(
    lineage: string,
    dirs: readonly PersistentDirectory[],
    spec: ServiceSpec,
    who: string,
  ): Promise<{ mounts: Docker.MountSettings[]; constraints: string[] }> {
    const mounts: Docker.MountSettings[] = [];
    const nodes = new Set<string>();
    for (const dir of dirs) {
      const name = volumeName(lineage, dir.key);
      const anchor = anchorName(lineage, dir.key);
      let found = await this.findConfig(anchor, lineage);
      if (!found) {
        const node = await this.placeVolume(spec, who);
        await this.ensureConfig(
          anchor,
          Buffer.from(node),
          ownLabels(lineage, undefined, { [LABEL_CONFIG]: 'volume', [LABEL_VOLUME_KEY]: dir.key, [LABEL_NODE]: node }),
          lineage,
        );
        found = await this.findConfig(anchor, lineage);
      }
      const node = found?.Spec?.Labels?.[LABEL_NODE];
      if (node) nodes.add(node);
      mounts.push({
        Type: 'volume',
        Source: name,
        Target: checkMountPath(dir.mountPath),
        VolumeOptions: { Labels: ownLabels(lineage, undefined, { [LABEL_VOLUME_KEY]: dir.key }) },
      } as Docker.MountSettings);
    }
    if (nodes.size > 1) {
      throw new RuntimeError(
        'invalid-spec',
        `${who}: its persistent directories live on different Swarm nodes (${[...nodes].join(', ')}); one service can use volumes of one node only`,
      );
    }
    return { mounts, constraints: [...nodes].map((n) => `node.id==${n}`) };
  }

  private async placeVolume(spec: ServiceSpec, who: string): Promise<string> {
    const manager = await this.managerNode();
    const selectors = Object.entries(spec.nodeSelectors ?? {});
    const nodes = (await this.call('listing swarm nodes', () => this.docker.listNodes())) as {
      ID: string;
      Spec?: { Labels?: Record<string, string>; Availability?: string };
      Status?: { State?: string };
    }[];
    const fits = nodes
      .filter((n) => n.Status?.State === 'ready' && (n.Spec?.Availability ?? 'active') === 'active')
      .filter((n) => selectors.every(([k, v]) => n.Spec?.Labels?.[k] === v))
      .map((n) => n.ID)
      .sort();
    if (fits.length === 0) throw new RuntimeError('invalid-spec', `${who}: no ready Swarm node has the labels its node_selectors ask for`);
    return fits.includes(manager) ? manager : fits[0]!;
  }

  /** One inspection per service: a Swarm service's status needs its current task, which no listing carries. */
  inspectServices(lineage: string, refs: readonly ServiceRef[]): Promise<(ServiceStatus | undefined)[]> {
    return Promise.all(
      refs.map(async (ref) => {
        if (ref.lineage !== lineage) throw new Error(`inspectServices: service '${ref.name}' is of enclave ${ref.lineage}, not ${lineage}`);
        return this.inspectService(ref);
      }),
    );
  }

  async inspectService(ref: ServiceRef): Promise<ServiceStatus | undefined> {
    const service = await this.resolve(ref);
    if (!service) return undefined;
    const task = await this.currentTask(service.ID);
    const stopped = replicas(service) === 0;
    const state = stopped ? 'exited' : containerState(task?.state);
    const info = await this.serviceInfo(service.ID, ref.name, state === 'running' ? task : undefined, service);
    return {
      ...info,
      running: state === 'running',
      state,
      image: imageOf(service.Spec),
      labels: { ...(service.Spec?.Labels ?? {}) },
      ...((state === 'exited' || state === 'dead') && task?.exitCode !== undefined ? { exitCode: task.exitCode } : {}),
    };
  }

  async stopService(ref: ServiceRef): Promise<void> {
    const service = await this.require(ref);
    await this.lock(`service:${ref.lineage}/${ref.name}`, async () => {
      await this.scale(service.ID, 0, `service '${ref.name}'`);
      const deadline = Date.now() + (this.stopTimeoutSeconds + 30) * 1000;
      for (;;) {
        const tasks = await this.tasks(service.ID);
        if (tasks.every((t) => taskEnded(t.state))) return;
        if (Date.now() > deadline) throw new RuntimeError('timeout', `service '${ref.name}' did not stop within ${formatDuration(deadline - Date.now())}`);
        await sleep(250);
      }
    });
  }

  async startService(ref: ServiceRef): Promise<ServiceInfo> {
    const service = await this.require(ref);
    return this.lock(`service:${ref.lineage}/${ref.name}`, async () => {
      const before = new Set((await this.tasks(service.ID)).map((t) => t.id));
      await this.scale(service.ID, 1, `service '${ref.name}'`);
      const task = await this.waitRunning(service.ID, `service '${ref.name}'`, undefined, this.startTimeoutMs, before);
      return this.serviceInfo(service.ID, ref.name, task);
    });
  }

  async removeService(ref: ServiceRef): Promise<boolean> {
    const service = await this.resolve(ref);
    if (!service) return false;
    await this.lock(`service:${ref.lineage}/${ref.name}`, () => this.removeSwarmService(service.ID, `service '${ref.name}'`));
    // Configs of files no other service of the enclave uses any more (in use: the engine refuses, and they stay).
    for (const c of (service.Spec?.TaskTemplate as { ContainerSpec?: { Configs?: Docker.ConfigReference[] } } | undefined)?.ContainerSpec?.Configs ?? []) {
      if (c.ConfigID)
        await this.docker
          .getConfig(c.ConfigID)
          .remove()
          .catch(() => undefined);
    }
    await this.removeSecrets(serviceSecrets(service).map((r) => r.SecretID ?? ''));
    return true;
  }

  async serviceLogs(ref: ServiceRef, options: { tail?: number } = {}): Promise<string> {
    const { runtime, ref: taskRef } = await this.taskContainer(ref, 'reading its log', true);
    return runtime.serviceLogs(taskRef, options);
  }

  async streamLogs(ref: ServiceRef, out: OutputStreams, options?: LogOptions): Promise<void> {
    const { runtime, ref: taskRef } = await this.taskContainer(ref, 'reading its log', true);
    return runtime.streamLogs(taskRef, out, options);
  }

  async execAttached(ref: ServiceRef, cmd: readonly string[], out: OutputStreams, options?: AttachedExecOptions): Promise<number> {
    const { runtime, ref: taskRef } = await this.taskContainer(ref, 'running a command in it');
    return runtime.execAttached(taskRef, cmd, out, options);
  }

  /** A stopped task's container, copied: Swarm restarts nothing of it (one replica, no restart on a copy). */
  async execInCopy(ref: ServiceRef, cmd: readonly string[], out: OutputStreams, options?: AttachedExecOptions): Promise<number> {
    const { runtime, ref: taskRef } = await this.taskContainer(ref, 'copying its container', true);
    return runtime.execInCopy(taskRef, cmd, out, options);
  }

  imageIdentity(ref: string): Promise<ImageIdentity | undefined> {
    return this.local.imageIdentity(ref);
  }

  async waitForPort(ref: ServiceRef, portId: string, options: WaitOptions): Promise<PublishedPort> {
    const who = `service '${ref.name}'`;
    const deadline = Date.now() + options.timeoutMs;
    const service = await this.require(ref);
    const task = await this.waitRunning(service.ID, who, undefined, options.timeoutMs);
    const info = await this.serviceInfo(service.ID, ref.name, task, service);
    const port = info.ports[portId];
    if (!port) throw new RuntimeError('invalid-spec', `${who} has no published port '${portId}'`);
    await waitForTcp(port.hostIp, port.hostPort, {
      timeoutMs: Math.max(1, deadline - Date.now()),
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      describe: `port '${portId}' of ${who}`,
      check: async () => {
        const now = await this.currentTask(service.ID);
        if (now?.id !== task.id || now.state !== 'running') {
          throw new RuntimeError(
            'not-running',
            `${who} stopped while waiting for port '${portId}' (task ${now?.state ?? 'gone'}${now?.error ? `: ${now.error}` : ''})`,
          );
        }
      },
    });
    return port;
  }

  async exec(ref: ServiceRef, cmd: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    const { runtime, ref: taskRef } = await this.taskContainer(ref, 'running a command in it');
    return runtime.exec(taskRef, cmd, options);
  }

  async copyToService(ref: ServiceRef, file: FileMount): Promise<void> {
    const { runtime, ref: taskRef } = await this.taskContainer(ref, 'copying files into it');
    return runtime.copyToService(taskRef, file);
  }

  /**
   * The engine's archive of `path`, with the files that are Swarm configs filled in: the
   * engine reads a container's own file system, where a config is an empty mount point.
   */
  async copyFromService(ref: ServiceRef, path: string): Promise<Buffer> {
    const { runtime, ref: taskRef } = await this.taskContainer(ref, 'copying files out of it', true);
    const archive = await runtime.copyFromService(taskRef, path);
    const service = await this.require(ref);
    const configs = (service.Spec?.TaskTemplate as { ContainerSpec?: { Configs?: Docker.ConfigReference[] } } | undefined)?.ContainerSpec?.Configs ?? [];
    const clean = checkMountPath(path).replace(/\/+$/, '');
    const parent = clean.slice(0, clean.lastIndexOf('/') + 1);
    const within = (name: string | undefined): name is string => name !== undefined && (name === clean || name.startsWith(`${clean}/`));
    const inside = configs.filter((c) => within(c.File?.Name));
    const secrets = new Map(
      serviceSecrets(service)
        .filter((r) => within(r.File?.Name))
        .map((r) => [r.File!.Name!.slice(parent.length), r.File!.Name!]),
    );
    if (inside.length === 0 && secrets.size === 0) return archive;
    const byPath = new Map<string, string>(inside.map((c) => [c.File!.Name!.slice(parent.length), c.ConfigID ?? '']));
    const entries = await readArchive(archive);
    const files: ArchiveFileInput[] = [];
    for (const entry of entries) {
      if (entry.type === 'directory') continue;
      const configId = byPath.get(entry.path);
      const secret = secrets.get(entry.path);
      if (secret !== undefined) {
        files.push({ path: entry.path, content: await this.readSecretFile(runtime, taskRef, secret, ref.name), mode: entry.mode });
      } else if (configId) {
        const config = (await this.call(`reading config of '${entry.path}'`, () => this.docker.getConfig(configId).inspect())) as { Spec?: { Data?: string } };
        files.push({ path: entry.path, content: Buffer.from(config.Spec?.Data ?? '', 'base64'), mode: entry.mode });
      } else if (entry.type === 'file') {
        files.push({ path: entry.path, content: entry.content, mode: entry.mode });
      }
    }
    return packFiles(files);
  }

  /**
   * A secret's content as the task sees it: the engine gives secrets out to the task's node
   * only (neither the API nor the container's archive has them), so it is read in the
   * running container. Text only: a command's output is decoded as UTF-8.
   */
  private async readSecretFile(runtime: DockerRuntime, taskRef: ServiceRef, path: string, service: string): Promise<Buffer> {
    const result = await runtime.exec(taskRef, ['cat', path]).catch((err: unknown) => {
      throw new RuntimeError(
        'not-running',
        `cannot copy ${path} out of service '${service}': it is a Swarm secret, read in the running task (${(err as Error).message})`,
      );
    });
    if (result.exitCode !== 0) {
      throw new RuntimeError(
        'engine-error',
        `cannot copy ${path} out of service '${service}': it is a Swarm secret, and \`cat\` in its container exited with ${result.exitCode}`,
      );
    }
    if (result.stdout.includes('\uFFFD')) {
      throw new RuntimeError(
        'invalid-spec',
        `cannot copy ${path} out of service '${service}': it is a Swarm secret holding binary data, which the runtime reads back as text only`,
      );
    }
    return Buffer.from(result.stdout, 'utf8');
  }

  async runTask(lineage: string, spec: TaskSpec): Promise<TaskResult> {
    await this.ensureEnclave(lineage);
    return this.local.runTask(lineage, spec);
  }

  // ---- helpers --------------------------------------------------------------------------

  /**
   * The task container of a service, as a reference the Docker adapter checks by its labels,
   * and the engine of the node that runs it (the manager's own, or the one the node's
   * `starform.engine` label names).
   */
  private async taskContainer(ref: ServiceRef, doing: string, anyState = false): Promise<{ runtime: DockerRuntime; ref: ServiceRef; task: TaskView }> {
    const service = await this.require(ref);
    const task = await this.currentTask(service.ID);
    if (!task || !task.containerId || (!anyState && task.state !== 'running')) {
      throw new RuntimeError(
        'not-running',
        `service '${ref.name}' has no running task (${task?.state ?? 'none'}${task?.error ? `: ${task.error}` : ''}); cannot go on ${doing}`,
      );
    }
    const runtime = await this.nodeRuntime(task.nodeId, `service '${ref.name}'`, doing);
    return { runtime, ref: { lineage: ref.lineage, name: ref.name, containerId: task.containerId }, task };
  }

  // ---- nodes ------------------------------------------------------------------------------

  private async selfNodeId(): Promise<string> {
    return this.selfNode ?? (await this.managerNode());
  }

  /** A node's address and labels (cached a few seconds: a no-op apply asks for every service). */
  private node(id: string): Promise<NodeView | undefined> {
    const cached = this.nodes.get(id);
    if (cached && Date.now() - cached.at < NODE_TTL_MS) return cached.view;
    // The promise is kept, so the services of one refresh ask once between them.
    const view = (async (): Promise<NodeView | undefined> => {
      const raw = (await this.callTolerating(404, `inspecting Swarm node ${shortId(id)}`, () => this.docker.getNode(id).inspect())) as
        { ID: string; Spec?: { Labels?: Record<string, string> }; Status?: { Addr?: string } } | undefined;
      return raw ? { id: raw.ID, addr: raw.Status?.Addr ?? '', labels: raw.Spec?.Labels ?? {} } : undefined;
    })();
    this.nodes.set(id, { view, at: Date.now() });
    view.catch(() => this.nodes.delete(id));
    return view;
  }

  /**
   * Where the ports a task publishes on its node are reached from this machine: the engine's
   * own host for the manager of a remote engine (the address this machine already reaches
   * it at), otherwise the address the node has in the swarm (Status.Addr: on this machine's
   * swarm, 127.0.0.1 or the address of a node in a network namespace; on a remote swarm, the
   * node's address there).
   */
  private async portHost(nodeId: string): Promise<string> {
    if (!this.engine.local && nodeId === (await this.selfNodeId())) return this.connectHost;
    const addr = (await this.node(nodeId))?.addr ?? '';
    return addr === '' || addr === '0.0.0.0' || addr === '::' ? this.connectHost : addr;
  }

  /**
   * The engine of the node that runs a task: the manager's for its own tasks; for another
   * node, the engine its `starform.engine` label names (unix://, tcp:// with the TLS material
   * of the manager's engine, ssh://): the manager's API does not reach into a worker's containers.
   */
  private async nodeRuntime(nodeId: string, who: string, doing: string): Promise<DockerRuntime> {
    if (nodeId === (await this.selfNodeId())) return this.local;
    return (await this.nodeEngine(nodeId, who, doing)).runtime;
  }

  private async nodeEngine(nodeId: string, who: string, doing: string): Promise<{ runtime: DockerRuntime; docker: Docker }> {
    const known = this.nodeRuntimes.get(nodeId);
    if (known) return known;
    const node = await this.node(nodeId);
    const address = node?.labels[LABEL_ENGINE];
    if (!address) {
      throw new RuntimeError(
        'engine-unreachable',
        `${who} runs on Swarm node ${shortId(nodeId)}${node?.addr ? ` (${node.addr})` : ''}, whose engine this runtime does not reach (only the manager at ${this.endpoint}); cannot go on ${doing}. ` +
          `Name that node's engine in its ${LABEL_ENGINE} label: docker node update --label-add ${LABEL_ENGINE}=tcp://HOST:2376 ${shortId(nodeId)}`,
      );
    }
    const engine = parseHost(
      address,
      address.startsWith('unix://') ? undefined : this.engine.tls,
      `the ${LABEL_ENGINE} label of Swarm node ${shortId(nodeId)}`,
    );
    const DockerClient = createRequire(import.meta.url)('dockerode') as typeof Docker;
    const made = { runtime: new DockerRuntime({ ...this.options, engine }), docker: new DockerClient(dockerodeOptions(engine) as Docker.DockerOptions) };
    this.nodeRuntimes.set(nodeId, made);
    return made;
  }

  /** The engines of the other nodes that name one (for removing what lives on them: volumes). */
  private async otherNodeEngines(): Promise<Docker[]> {
    const self = await this.selfNodeId();
    const nodes = (await this.call('listing swarm nodes', () => this.docker.listNodes())) as { ID: string; Spec?: { Labels?: Record<string, string> } }[];
    const result: Docker[] = [];
    for (const n of nodes) {
      if (n.ID === self || !n.Spec?.Labels?.[LABEL_ENGINE]) continue;
      result.push((await this.nodeEngine(n.ID, `Swarm node ${shortId(n.ID)}`, 'removing the enclave')).docker);
    }
    return result;
  }

  private async findService(lineage: string, name: string): Promise<Docker.Service | undefined> {
    const list = await this.call(`looking up service '${name}'`, () =>
      this.docker.listServices({ filters: { label: [`${LABEL_LINEAGE}=${lineage}`, `${LABEL_SERVICE}=${name}`] } }),
    );
    return list[0];
  }

  private async resolve(ref: ServiceRef): Promise<Docker.Service | undefined> {
    checkLineage(ref.lineage);
    checkServiceName(ref.name);
    if (ref.containerId === undefined) return this.findService(ref.lineage, ref.name);
    const id = ref.containerId;
    const service = await this.callTolerating(404, `inspecting service '${ref.name}'`, () => this.docker.getService(id).inspect() as Promise<Docker.Service>);
    if (!service) return undefined;
    const labels = service.Spec?.Labels ?? {};
    if (labels[LABEL_LINEAGE] !== ref.lineage) {
      throw new RuntimeError(
        'not-owned',
        `refusing to touch Swarm service ${shortId(service.ID)} (${service.Spec?.Name ?? ''}): it does not carry the label ${LABEL_LINEAGE}=${ref.lineage}, so it is not part of this enclave`,
      );
    }
    if (labels[LABEL_SERVICE] !== ref.name) {
      throw new RuntimeError(
        'not-owned',
        `refusing to touch Swarm service ${shortId(service.ID)}: it belongs to ${labels[LABEL_SERVICE] ? `service '${labels[LABEL_SERVICE]}'` : 'no service'}, not service '${ref.name}'`,
      );
    }
    return service;
  }

  private async require(ref: ServiceRef): Promise<Docker.Service> {
    const service = await this.resolve(ref);
    if (!service) {
      throw new RuntimeError(
        'not-found',
        ref.containerId
          ? `service '${ref.name}' has no Swarm service ${shortId(ref.containerId)} any more (enclave ${ref.lineage})`
          : `service '${ref.name}' has no Swarm service in enclave ${ref.lineage}`,
      );
    }
    return service;
  }

  private async tasks(serviceId: string): Promise<TaskView[]> {
    const list = (await this.call('listing tasks', () => this.docker.listTasks({ filters: { service: [serviceId] } }))) as RawTask[];
    return list.map(taskView).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  /** The newest task (the one that runs or last ran). */
  private async currentTask(serviceId: string): Promise<TaskView | undefined> {
    return (await this.tasks(serviceId))[0];
  }

  /** Waits until the service's newest task runs; a task that fails or ends is an error with its reason. */
  private async waitRunning(
    serviceId: string,
    who: string,
    spec?: ServiceSpec,
    timeoutMs = this.startTimeoutMs,
    earlier?: ReadonlySet<string>,
  ): Promise<TaskView> {
    const deadline = Date.now() + timeoutMs;
    let last: TaskView | undefined;
    for (;;) {
      // Tasks from before a restart are history, not the task being waited for.
      last = (await this.tasks(serviceId)).find((t) => !earlier?.has(t.id));
      if (last?.state === 'running' && last.containerId) return last;
      if (last && taskEnded(last.state) && last.desired !== 'running') throw taskFailure(who, last, spec);
      if (last && ['failed', 'rejected'].includes(last.state)) throw taskFailure(who, last, spec);
      if (Date.now() > deadline) {
        throw new RuntimeError(
          'timeout',
          `${who} did not start within ${formatDuration(timeoutMs)} (its task is ${last?.state ?? 'not scheduled'}${last?.message ? `: ${last.message}` : ''}${last?.error ? `; ${last.error}` : ''})`,
        );
      }
      await sleep(200);
    }
  }

  private async scale(serviceId: string, count: number, who: string): Promise<void> {
    const service = this.docker.getService(serviceId);
    const current = (await this.call(`inspecting ${who}`, () => service.inspect())) as Docker.Service;
    if (replicas(current) === count) return;
    // Scaling up again also forces an update: with restart condition none and an overlay
    // network, Docker 20.10's orchestrator makes no new task for a service scaled from 0
    // to 1 (seen on this engine); a forced update always schedules one.
    const spec = current.Spec as Docker.ServiceSpec | undefined;
    const template =
      count > 0 && spec?.TaskTemplate
        ? { TaskTemplate: { ...spec.TaskTemplate, ForceUpdate: ((spec.TaskTemplate as { ForceUpdate?: number }).ForceUpdate ?? 0) + 1 } }
        : {};
    await this.call(`scaling ${who} to ${count}`, () =>
      service.update({ ...spec, ...template, Mode: { Replicated: { Replicas: count } }, version: current.Version?.Index ?? 0 } as Docker.ServiceSpec & {
        version: number;
      }),
    );
  }

  /** Removes a Swarm service and waits until its task containers are gone (so its volumes and network are free). */
  private removeSwarmService(id: string, who: string): Promise<void> {
    return this.removeSwarmServices([id], who);
  }

  private async removeSwarmServices(ids: readonly string[], who?: string): Promise<void> {
    if (ids.length === 0) return;
    const tasks = (await this.call('listing tasks', () => this.docker.listTasks({ filters: { service: [...ids] } })).catch(() => [])) as RawTask[];
    await Promise.all(
      ids.map((id) => this.callTolerating(404, `removing ${who ?? `Swarm service ${shortId(id)}`}`, () => this.docker.getService(id).remove())),
    );
    await this.waitContainersGone(tasks);
  }

  /**
   * Waits until the task containers are gone, on each node's engine: the manager's, and
   * those of the other nodes whose engines the runtime reaches (their label); a node it
   * does not reach is not waited for.
   */
  private async waitContainersGone(tasks: readonly RawTask[]): Promise<void> {
    const self = await this.selfNodeId().catch(() => '');
    const byNode = new Map<string, Set<string>>();
    for (const t of tasks) {
      const id = t.Status?.ContainerStatus?.ContainerID ?? '';
      if (id === '') continue;
      const node = t.NodeID ?? self;
      byNode.set(node, (byNode.get(node) ?? new Set()).add(id));
    }
    const deadline = Date.now() + 60_000;
    await Promise.all(
      [...byNode].map(async ([node, containers]) => {
        const docker =
          node === self
            ? this.docker
            : (this.nodeRuntimes.get(node)?.docker ?? (await this.nodeEngine(node, 'a task', 'waiting for it to go').catch(() => undefined))?.docker);
        if (docker === undefined) return;
        while (containers.size > 0 && Date.now() < deadline) {
          const present = new Set(
            (await this.call('listing containers', () => docker.listContainers({ all: true, filters: { id: [...containers] } }))).map((c) => c.Id),
          );
          for (const c of [...containers]) if (!present.has(c)) containers.delete(c);
          if (containers.size > 0) await sleep(250);
        }
      }),
    );
  }

  private async serviceInfo(id: string, name: string, task: TaskView | undefined, known?: Docker.Service): Promise<ServiceInfo> {
    const ports: Record<string, PublishedPort> = {};
    if (task?.state === 'running') {
      const service = known ?? ((await this.call(`inspecting service '${name}'`, () => this.docker.getService(id).inspect())) as Docker.Service);
      const declared = portsFromLabel(service.Spec?.Labels?.[LABEL_PORTS]);
      // Host mode: the task's own port status says which port its node published (the
      // container may be on another node's engine); reached at that node's address.
      const hostIp = this.publishMode === 'host' && Object.keys(declared).length > 0 ? await this.portHost(task.nodeId) : this.connectHost;
      for (const [portId, p] of Object.entries(declared)) {
        const proto = p.protocol.toLowerCase();
        const hostPort =
          this.publishMode === 'ingress'
            ? service.Endpoint?.Ports?.find((e) => e.TargetPort === p.number && e.Protocol === proto)?.PublishedPort
            : task.ports.find((e) => e.target === p.number && e.protocol === proto)?.published;
        if (hostPort) ports[portId] = { number: p.number, protocol: p.protocol, hostIp, hostPort };
      }
    }
    return { name, containerId: id, hostname: name, ipAddress: task?.state === 'running' ? task.address : '', ports };
  }

  private lock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return locks.run(`${this.endpoint}|${key}`, fn);
  }

  private async call<T>(what: string, fn: () => Promise<T>, special?: (err: ReturnType<typeof asDockerodeError>) => RuntimeError | undefined): Promise<T> {
    try {
      return await fn();
    } catch (raw) {
      throw this.translate(raw, what, special);
    }
  }

  private async callTolerating<T>(status: number, what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (raw) {
      if (asDockerodeError(raw).statusCode === status) return undefined;
      throw this.translate(raw, what);
    }
  }

  private translate(raw: unknown, what: string, special?: (err: ReturnType<typeof asDockerodeError>) => RuntimeError | undefined): RuntimeError {
    if (raw instanceof RuntimeError) return raw;
    const err = asDockerodeError(raw);
    if (isUnreachable(err)) return unreachableError(this.endpoint, raw);
    const mapped = special?.(err);
    if (mapped) return mapped;
    if (err.statusCode === 503 && /not a swarm manager|swarm/i.test(engineMessage(err))) {
      return new RuntimeError(
        'engine-unreachable',
        `the Docker Engine at ${this.endpoint} is not a Swarm manager (${engineMessage(err)}); run \`docker swarm init\` there, or use --runtime docker`,
        { cause: raw },
      );
    }
    return new RuntimeError('engine-error', `Docker Engine error while ${what}: ${engineMessage(err)}`, { cause: raw });
  }
}

interface RawTask {
  ID: string;
  ServiceID?: string;
  CreatedAt?: string;
  NodeID?: string;
  DesiredState?: string;
  Status?: {
    State?: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
    PortStatus?: { Ports?: { Protocol?: string; TargetPort?: number; PublishedPort?: number }[] };
  };
  NetworksAttachments?: { Network?: { Spec?: { Labels?: Record<string, string> } }; Addresses?: string[] }[];
}

function taskView(t: RawTask): TaskView {
  const enclave = (t.NetworksAttachments ?? []).find((a) => a.Network?.Spec?.Labels?.[LABEL_LINEAGE] !== undefined);
  return {
    id: t.ID,
    state: t.Status?.State ?? 'new',
    desired: t.DesiredState ?? '',
    message: t.Status?.Message ?? '',
    error: t.Status?.Err ?? '',
    nodeId: t.NodeID ?? '',
    containerId: t.Status?.ContainerStatus?.ContainerID ?? '',
    exitCode: t.Status?.ContainerStatus?.ExitCode,
    address: (enclave?.Addresses?.[0] ?? '').split('/')[0] ?? '',
    createdAt: t.CreatedAt ?? '',
    ports: (t.Status?.PortStatus?.Ports ?? []).map((p) => ({ protocol: p.Protocol ?? 'tcp', target: p.TargetPort ?? 0, published: p.PublishedPort ?? 0 })),
  };
}

function taskFailure(who: string, task: TaskView, spec: ServiceSpec | undefined): RuntimeError {
  const reason = task.error || task.message || task.state;
  if (/no such image|manifest unknown|pull access denied/i.test(reason)) {
    return new RuntimeError('image-not-found', `cannot start ${who}: its image ${spec ? `'${spec.image}' ` : ''}is not available on the node (${reason})`);
  }
  if (/port.*(already|in use|allocated)|address already in use/i.test(reason)) {
    return new RuntimeError('port-in-use', `cannot start ${who}: a host port it publishes is already in use (${reason})`);
  }
  return new RuntimeError(
    'not-running',
    `${who} did not start: its task is ${task.state}${task.exitCode !== undefined && task.exitCode !== 0 ? ` with exit code ${task.exitCode}` : ''} (${reason})`,
  );
}

function serviceSecrets(service: Docker.Service): Docker.SecretReference[] {
  return (service.Spec?.TaskTemplate as { ContainerSpec?: { Secrets?: Docker.SecretReference[] } } | undefined)?.ContainerSpec?.Secrets ?? [];
}

function replicas(service: Docker.Service): number | undefined {
  return (service.Spec?.Mode as { Replicated?: { Replicas?: number } } | undefined)?.Replicated?.Replicas;
}

function portsFromLabel(label: string | undefined): Record<string, { number: number; protocol: TransportProtocol }> {
  const result: Record<string, { number: number; protocol: TransportProtocol }> = {};
  let parsed: unknown;
  try {
    parsed = label ? JSON.parse(label) : {};
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
