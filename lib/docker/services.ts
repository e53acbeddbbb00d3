// The Docker adapter's services: a service is a container on its enclave network, reachable
// from its peers under its name (a network alias), its ports published on the host. Creating
// (all-or-nothing, files copied in before it starts, fixed addresses under the enclave's
// address lock), inspecting, starting, stopping, removing, logs and waiting for a port. A
// container is acted on only after its labels show it belongs to the lineage and service named.

import type Docker from 'dockerode';
import { engineMessage, portInUse, shortId, type DockerodeError } from './docker-errors.js';
import { streamContainerLogs } from './docker-logs-exec.js';
import {
  RuntimeError,
  type ContainerState,
  type EnclaveInfo,
  type LogOptions,
  type OutputStreams,
  type PersistentDirectory,
  type PublishedPort,
  type ServiceInfo,
  type ServiceRef,
  type ServiceSpec,
  type ServiceStatus,
  type TransportProtocol,
  type WaitOptions,
  checkMountPath,
} from '../runtime/index.js';
import { addressError } from './addresses.js';
import { engineGet, engineRequest } from './engine-http.js';
import { deviceMapping, gpuHostConfig, hostAccessConfig } from './host-config.js';
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
  serviceContainerName,
  userString,
  volumeName,
} from './naming.js';
import { probeDirect, waitForTcp } from './tcp-wait.js';
import type { DockerContext } from './context.js';
import { containerInfo, createError, envList, inspectContainer, logs, putFiles, removeContainer, startContainer } from './containers.js';
import { ensureEnclave, keepableAddress, staticAddress } from './enclave.js';

interface PortLabelEntry {
  readonly number: number;
  readonly protocol: TransportProtocol;
}

export async function createService(ctx: DockerContext, lineage: string, spec: ServiceSpec): Promise<ServiceInfo> {
  checkLineage(lineage);
  checkServiceSpec(spec);
  const who = `service '${spec.name}'`;
  return ctx.lock(serviceKey({ lineage, name: spec.name }), async () => {
    const enclave = await ensureEnclave(ctx, lineage);
    const placeholder = spec.ipAddressPlaceholder ?? '';
    const mentions = (s: string): boolean => placeholder !== '' && s.includes(placeholder);
    const usesPlaceholder = [...(spec.entrypoint ?? []), ...(spec.cmd ?? []), ...Object.values(spec.env ?? {})].some(mentions);
    if (spec.ipAddress !== undefined && !usesPlaceholder) {
      // Keeping an address is best effort: on a network without a subnet of its own (made
      // by an older starform) or when the address was taken meanwhile, the engine picks
      // one, and the caller sees the new address in the result. Services keeping their own
      // (distinct) addresses start side by side; one picking a free address (below) waits
      // for them, so it never picks an address being claimed.
      return ctx.lockShared(`enclave-addresses:${lineage}`, async () => {
        const kept = (await keepableAddress(ctx, enclave, spec.ipAddress!)) ? spec.ipAddress : undefined;
        if (kept === undefined) return createServiceContainer(ctx, lineage, enclave, spec, who);
        return createServiceContainer(ctx, lineage, enclave, spec, who, kept).catch((err: unknown) => {
          if (!(err instanceof RuntimeError && err.code === 'address-in-use')) throw err;
          return createServiceContainer(ctx, lineage, enclave, spec, who);
        });
      });
    }
    if (usesPlaceholder) {
      // The address is chosen and the container started under one lock, so that two
      // services never pick the same one.
      return ctx.lock(`enclave-addresses:${lineage}`, async () => {
        const address = spec.ipAddress ?? (await staticAddress(ctx, enclave, who));
        const put = (s: string): string => s.split(placeholder).join(address);
        const env = Object.fromEntries(Object.entries(spec.env ?? {}).map(([k, v]) => [k, put(v)]));
        const fixed: ServiceSpec = {
          ...spec,
          env,
          ...(spec.cmd ? { cmd: spec.cmd.map(put) } : {}),
          ...(spec.entrypoint ? { entrypoint: spec.entrypoint.map(put) } : {}),
        };
        return createServiceContainer(ctx, lineage, enclave, fixed, who, address);
      });
    }
    return createServiceContainer(ctx, lineage, enclave, spec, who);
  });
}

/** Creates and starts a service's container (createService holds the locks); `address` fixes its IP. */
async function createServiceContainer(
  ctx: DockerContext,
  lineage: string,
  enclave: EnclaveInfo,
  spec: ServiceSpec,
  who: string,
  address?: string,
): Promise<ServiceInfo> {
  const existing = await findServiceContainer(ctx, lineage, spec.name);
  if (existing) {
    throw new RuntimeError('name-conflict', `${who} already exists in enclave ${lineage} (container ${shortId(existing)}); remove it before creating it again`);
  }
  const mounts = await ensureVolumes(ctx, lineage, spec.persistentDirectories ?? []);
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Docker.PortMap = {};
  const portsLabel: Record<string, string> = {};
  for (const [id, port] of Object.entries(spec.ports ?? {})) {
    const key = `${port.number}/${(port.protocol ?? 'TCP').toLowerCase()}`;
    exposed[key] = {};
    // As Kurtosis's Docker backend: a fixed public port is always published; a UDP port
    // otherwise only with publishUdp.
    if (port.publicPort !== undefined || port.protocol !== 'UDP' || spec.publishUdp !== false) {
      bindings[key] = [{ HostIp: ctx.publishHost, HostPort: port.publicPort !== undefined ? String(port.publicPort) : '' }];
    }
    portsLabel[id] = `${port.number}/${port.protocol ?? 'TCP'}`;
  }
  const labels = ownLabels(lineage, spec.labels, {
    [LABEL_SERVICE]: spec.name,
    [LABEL_PORTS]: JSON.stringify(portsLabel),
  });
  const containerName = serviceContainerName(lineage, spec.name);
  const options: Docker.ContainerCreateOptions = {
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
  const { Id: id } = await ctx.call(
    `creating the container of ${who}`,
    () => engineRequest<{ Id: string }>(ctx.address, { method: 'POST', path: '/containers/create', query: { name: containerName }, body: options }),
    (err) => createError(err, who, spec.image, containerName) ?? addressError(err, who, address),
  );
  try {
    for (const file of spec.files ?? []) await putFiles(ctx, id, file, who);
    // The address first: Docker's "Address already in use" for a fixed address reads like a taken port.
    await ctx.call(
      `starting ${who}`,
      () => startContainer(ctx, id),
      (err) => addressError(err, who, address) ?? startError(err, who, spec),
    );
    return toStatus(ctx, await inspectContainer(ctx, id, who));
  } catch (err) {
    await removeContainer(ctx, id).catch(() => undefined);
    throw err;
  }
}

export async function inspectService(ctx: DockerContext, ref: ServiceRef): Promise<ServiceStatus | undefined> {
  const found = await resolveService(ctx, ref);
  return found ? toStatus(ctx, found, ref) : undefined;
}

/**
 * `inspectService` of many services of one enclave: one listing of the enclave's
 * containers answers for those it says enough about, the same answer an inspection
 * gives; the others are inspected one by one. The listing says less in a few cases, which
 * are inspected: a container that is not running (its exit code; a paused one, which
 * the engine counts as running), one whose image reference no longer names its image
 * (the listing then gives the image id, not the reference it was created from), an
 * adopted container (it carries no labels to list it by), and one the listing does not
 * show as this service's (gone, or another's: the inspection says which).
 */
export async function inspectServices(ctx: DockerContext, lineage: string, refs: readonly ServiceRef[]): Promise<(ServiceStatus | undefined)[]> {
  checkLineage(lineage);
  for (const ref of refs) {
    if (ref.lineage !== lineage) throw new Error(`inspectServices: ${describe(ref)} is of enclave ${ref.lineage}, not ${lineage}`);
  }
  const byId = new Map<string, Docker.ContainerInfo>();
  if (refs.some((r) => r.containerId !== undefined && r.adopted === undefined)) {
    const listed = await ctx.call(`listing the containers of enclave ${lineage}`, () =>
      engineGet<Docker.ContainerInfo[]>(ctx.address, '/containers/json', { all: 'true', filters: JSON.stringify({ label: [`${LABEL_LINEAGE}=${lineage}`] }) }),
    );
    for (const c of listed) byId.set(c.Id, c);
  }
  return Promise.all(
    refs.map((ref) => {
      const summary = ref.containerId !== undefined && ref.adopted === undefined ? byId.get(ref.containerId) : undefined;
      const conclusive =
        summary !== undefined && summary.State === 'running' && summary.Image !== summary.ImageID && summary.Labels?.[LABEL_SERVICE] === ref.name;
      return conclusive ? Promise.resolve(statusOfSummary(ctx, summary)) : inspectService(ctx, ref);
    }),
  );
}

/** What `toStatus` says of a running container, from its listing (see inspectServices). */
function statusOfSummary(ctx: DockerContext, c: Docker.ContainerInfo): ServiceStatus {
  return statusOf(ctx, {
    id: c.Id,
    labels: c.Labels ?? {},
    networks: c.NetworkSettings?.Networks,
    bindings: (number, protocol) =>
      (c.Ports ?? [])
        .filter((p) => p.PrivatePort === number && p.Type === protocol && p.PublicPort !== undefined)
        .map((p) => ({ ip: p.IP ?? '', port: p.PublicPort })),
    running: true,
    state: 'running',
    image: c.Image,
    imageId: c.ImageID,
  });
}

export async function stopService(ctx: DockerContext, ref: ServiceRef, options: { timeoutSeconds?: number } = {}): Promise<void> {
  await ctx.lock(serviceKey(ref), async () => {
    const info = await requireService(ctx, ref);
    const t = options.timeoutSeconds ?? ctx.stopTimeoutSeconds;
    await ctx.callTolerating(304, `stopping ${describe(ref)}`, () =>
      engineRequest(ctx.address, { method: 'POST', path: `/containers/${info.Id}/stop`, query: { t: String(t) }, timeoutMs: (t + 30) * 1000 }),
    );
  });
}

export async function startService(ctx: DockerContext, ref: ServiceRef): Promise<ServiceInfo> {
  return ctx.lock(serviceKey(ref), async () => {
    const info = await requireService(ctx, ref);
    if (!info.State.Running) {
      const ports = portsFromLabel(info.Config.Labels?.[LABEL_PORTS]);
      await ctx.callTolerating(
        304,
        `starting ${describe(ref)}`,
        () => startContainer(ctx, info.Id),
        (err) => startError(err, describe(ref), { ports }),
      );
    }
    return toStatus(ctx, await inspectContainer(ctx, info.Id, describe(ref)), ref);
  });
}

export async function removeService(ctx: DockerContext, ref: ServiceRef): Promise<boolean> {
  return ctx.lock(serviceKey(ref), async () => {
    const info = await resolveService(ctx, ref);
    if (!info) return false;
    await ctx.callTolerating(404, `removing ${describe(ref)}`, () => removeContainer(ctx, info.Id));
    return true;
  });
}

export async function serviceLogs(ctx: DockerContext, ref: ServiceRef, options: { tail?: number } = {}): Promise<string> {
  const info = await requireService(ctx, ref);
  return (await logs(ctx, info.Id, describe(ref), options.tail)).combined.toString('utf8');
}

export async function streamLogs(ctx: DockerContext, ref: ServiceRef, out: OutputStreams, options: LogOptions = {}): Promise<void> {
  const info = await requireService(ctx, ref);
  await streamContainerLogs(ctx.docker.getContainer(info.Id), info.Config.Tty, describe(ref), out, options, (what, fn) => ctx.call(what, fn));
}

export async function waitForPort(ctx: DockerContext, ref: ServiceRef, portId: string, options: WaitOptions): Promise<PublishedPort> {
  const status = await inspectService(ctx, ref);
  if (!status) throw notFound(ref);
  if (!status.running) throw await notRunning(ctx, ref, status.containerId, 'cannot wait for its ports');
  const port = status.ports[portId];
  if (!port) {
    const known = Object.keys(status.ports);
    throw new RuntimeError('not-found', `${describe(ref)} has no published port '${portId}'${known.length ? ` (its ports: ${known.join(', ')})` : ''}`);
  }
  if (port.protocol !== 'TCP') {
    throw new RuntimeError('invalid-spec', `port '${portId}' of ${describe(ref)} is ${port.protocol}; only TCP ports can be waited for`);
  }
  const what = `port '${portId}' (${port.number}/tcp) of ${describe(ref)}`;
  const check = async (): Promise<void> => {
    const info = await inspectContainer(ctx, status.containerId, describe(ref));
    if (!info.State.Running) throw await notRunning(ctx, ref, status.containerId, 'it exited while waiting for its ports');
  };
  const signal = options.signal ? { signal: options.signal } : {};
  // Where the engine's network is routable from here (Linux), ask the container itself:
  // an honest refusal or acceptance, without the published port's proxy and its settle time.
  const direct = status.ipAddress && ctx.engine.local ? await probeDirect(status.ipAddress, port.number, 300) : 'unreachable';
  if (direct === 'open') return port;
  if (direct === 'refused') {
    await waitForTcp(status.ipAddress!, port.number, {
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs ?? 100,
      settleMs: 0,
      ...signal,
      describe: what,
      check,
    });
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

async function findServiceContainer(ctx: DockerContext, lineage: string, name: string): Promise<string | undefined> {
  const list = await ctx.call(`looking up service '${name}'`, () =>
    engineGet<Docker.ContainerInfo[]>(ctx.address, '/containers/json', {
      all: 'true',
      filters: JSON.stringify({ label: [`${LABEL_LINEAGE}=${lineage}`, `${LABEL_SERVICE}=${name}`] }),
    }),
  );
  return list[0]?.Id;
}

/** The container of a service reference, after checking it is ours; undefined when absent. */
async function resolveService(ctx: DockerContext, ref: ServiceRef): Promise<Docker.ContainerInspectInfo | undefined> {
  checkLineage(ref.lineage);
  checkServiceName(ref.name);
  const id = ref.containerId ?? (await findServiceContainer(ctx, ref.lineage, ref.name));
  if (id === undefined) return undefined;
  const info = await ctx
    .call(
      `inspecting ${describe(ref)}`,
      () => containerInfo(ctx, id),
      (err) => (err.statusCode === 404 ? new RuntimeError('not-found', id) : undefined),
    )
    .catch((err: unknown) => {
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

export async function requireService(ctx: DockerContext, ref: ServiceRef): Promise<Docker.ContainerInspectInfo> {
  const info = await resolveService(ctx, ref);
  if (!info) throw notFound(ref);
  return info;
}

export async function notRunning(ctx: DockerContext, ref: ServiceRef, id: string, consequence: string): Promise<RuntimeError> {
  const info = await inspectContainer(ctx, id, describe(ref)).catch(() => undefined);
  const state = info ? `${info.State.Status}${info.State.Status === 'exited' ? `, exit code ${info.State.ExitCode}` : ''}` : 'gone';
  const tail = (await logs(ctx, id, describe(ref), 10).catch(() => undefined))?.combined.toString('utf8').trimEnd();
  return new RuntimeError('not-running', `${describe(ref)} is not running (${state}); ${consequence}${tail ? `\nits last output:\n${tail}` : ''}`);
}

async function ensureVolumes(ctx: DockerContext, lineage: string, dirs: readonly PersistentDirectory[]): Promise<Docker.MountSettings[]> {
  const mounts: Docker.MountSettings[] = [];
  for (const dir of dirs) {
    const name = volumeName(lineage, dir.key);
    const existing = await ctx
      .call(
        `inspecting volume '${name}'`,
        () => engineGet<Docker.VolumeInspectInfo>(ctx.address, `/volumes/${encodeURIComponent(name)}`),
        (err) => (err.statusCode === 404 ? new RuntimeError('not-found', name) : undefined),
      )
      .catch((err: unknown) => {
        if (err instanceof RuntimeError && err.code === 'not-found') return undefined;
        throw err;
      });
    if (existing && existing.Labels?.[LABEL_LINEAGE] !== lineage) {
      throw new RuntimeError('not-owned', `volume '${name}' exists but is not labelled ${LABEL_LINEAGE}=${lineage}; refusing to use it`);
    }
    if (!existing) {
      await ctx.call(`creating volume '${name}'`, () =>
        engineRequest(ctx.address, {
          method: 'POST',
          path: '/volumes/create',
          body: { Name: name, Labels: ownLabels(lineage, undefined, { [LABEL_VOLUME_KEY]: dir.key }) },
        }),
      );
    }
    mounts.push({ Type: 'volume', Source: name, Target: checkMountPath(dir.mountPath) });
  }
  return mounts;
}

/** A container's status; an adopted one (no labels) takes its enclave, name and port ids from `ref`. */
function toStatus(ctx: DockerContext, info: Docker.ContainerInspectInfo, ref?: ServiceRef): ServiceStatus {
  const state = info.State.Status as ContainerState;
  return statusOf(
    ctx,
    {
      id: info.Id,
      labels: info.Config.Labels ?? {},
      networks: info.NetworkSettings.Networks,
      bindings: (number, protocol) => (info.NetworkSettings.Ports?.[`${number}/${protocol}`] ?? []).map((b) => ({ ip: b.HostIp, port: Number(b.HostPort) })),
      running: info.State.Running,
      state,
      image: info.Config.Image,
      imageId: info.Image,
      ...(state === 'exited' || state === 'dead' ? { exitCode: info.State.ExitCode } : {}),
    },
    ref,
  );
}

/** What an inspection or a listing says of a container, in the terms a ServiceStatus needs. */
interface ContainerFacts {
  readonly id: string;
  readonly labels: Record<string, string>;
  readonly networks: Record<string, { readonly IPAddress: string }> | undefined;
  /** The host bindings of a container port (`protocol` in lower case). */
  bindings(number: number, protocol: string): { readonly ip: string; readonly port: number }[];
  readonly running: boolean;
  readonly state: ContainerState;
  readonly image: string;
  readonly imageId: string;
  readonly exitCode?: number;
}

function statusOf(ctx: DockerContext, c: ContainerFacts, ref?: ServiceRef): ServiceStatus {
  const adopted = ref?.adopted !== undefined && c.labels[LABEL_LINEAGE] === undefined ? ref : undefined;
  const lineage = adopted?.lineage ?? c.labels[LABEL_LINEAGE] ?? '';
  const name = adopted?.name ?? c.labels[LABEL_SERVICE] ?? '';
  const ports: Record<string, PublishedPort> = {};
  for (const [id, port] of Object.entries(adopted?.adopted?.ports ?? portsFromLabel(c.labels[LABEL_PORTS]))) {
    const bindings = c.bindings(port.number, port.protocol.toLowerCase());
    // The IPv4 binding where the engine publishes on both.
    const binding = bindings.find((b) => !b.ip.includes(':')) ?? bindings[0];
    if (binding) ports[id] = { number: port.number, protocol: port.protocol, hostIp: ctx.hostAddress(binding.ip), hostPort: binding.port };
  }
  return {
    name,
    containerId: c.id,
    hostname: name,
    ipAddress: c.networks?.[networkName(lineage)]?.IPAddress ?? '',
    ports,
    running: c.running,
    state: c.state,
    image: c.image,
    imageId: c.imageId,
    labels: { ...c.labels },
    ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
  };
}

function serviceKey(ref: ServiceRef): string {
  return `service:${ref.lineage}/${ref.name}`;
}

export function describe(ref: ServiceRef): string {
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

function startError(
  err: DockerodeError,
  who: string,
  spec: { ports?: Readonly<Record<string, { number: number; publicPort?: number }>> },
): RuntimeError | undefined {
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
