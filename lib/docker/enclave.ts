// The Docker adapter's enclaves and addresses: an enclave is a user-defined bridge network
// `starform-<lineage>`, created with a subnet found by a probe network (so that containers
// can be given fixed addresses), adopted when an earlier killed attempt made it, inspected
// and removed with everything labelled with its lineage. Also the fixed addresses services
// ask for (addresses.ts does the arithmetic) and attaching an adopted container.

import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { shortId } from './docker-errors.js';
import {
  isRuntimeError,
  RuntimeError,
  type ContainerState,
  type ContainerSummary,
  type EnclaveInfo,
  type EnclaveResources,
  type VolumeSummary,
} from '../runtime/index.js';
import { engineGet, engineRequest } from './engine-http.js';
import { removeContainer } from './containers.js';
import { ipv4Number, ipv4Range, ipv4Text } from './addresses.js';
import { checkLineage, checkServiceName, LABEL_LINEAGE, LABEL_PROBE, LABEL_SERVICE, LABEL_TASK, LABEL_VOLUME_KEY, networkName, ownLabels } from './naming.js';
import { crashPoint } from '../util/crash-point.js';
import type { DockerContext } from './context.js';
import { lookupContainer } from './foreign-containers.js';

export async function ensureEnclave(ctx: DockerContext, lineage: string): Promise<EnclaveInfo> {
  checkLineage(lineage);
  return ctx.lock(`enclave:${lineage}`, async () => {
    const existing = await findNetwork(ctx, lineage);
    // Probe networks an earlier attempt was killed before removing (also after the
    // enclave network itself was made: the kill can fall between the two).
    await removeProbes(ctx, lineage);
    if (existing) return existing;
    const name = networkName(lineage);
    const create = (subnet: { Subnet: string; Gateway?: string } | undefined): Promise<{ id: string }> =>
      ctx.call(
        `creating network '${name}'`,
        async () => ({
          id: await createNetwork(ctx, {
            Name: name,
            Driver: 'bridge',
            CheckDuplicate: true,
            Labels: ownLabels(lineage, undefined, {}),
            ...(subnet ? { IPAM: { Driver: 'default', Config: [subnet] } } : {}),
          }),
        }),
        (err) => (err.statusCode === 409 ? new RuntimeError('name-conflict', `a network named '${name}' already exists`) : undefined),
      );
    // A conflict on the name: an earlier attempt killed while the engine was still
    // making this network (the engine finishes a request whose client died), so the
    // list above did not show it yet. Ours when it carries our label; refused otherwise.
    const adoptOnConflict = async (err: unknown): Promise<EnclaveInfo> => {
      if (!isRuntimeError(err, 'name-conflict')) throw err;
      for (let attempt = 0; attempt < 20; attempt++) {
        const found = await findNetwork(ctx, lineage);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new RuntimeError('name-conflict', `a network named '${name}' already exists but does not belong to enclave ${lineage}`);
    };
    // Another network may take the probed subnet in between: probe again, then let the
    // engine choose (static addresses are then unavailable, and say so when asked for).
    for (let attempt = 0; attempt < 3; attempt++) {
      const subnet = await freeSubnet(ctx, lineage);
      if (subnet === undefined) break;
      try {
        const network = await create(subnet).catch(async (err: unknown) => {
          const adopted = await adoptOnConflict(err);
          return { id: adopted.networkId };
        });
        crashPoint('enclave-network-created');
        // A probe whose removal failed (the engine can refuse it under load) goes now; the
        // next apply or destroy retries what still fails.
        await removeProbes(ctx, lineage).catch(() => undefined);
        return { lineage, networkId: network.id, networkName: name };
      } catch (err) {
        if (!(err instanceof RuntimeError && /overlap/i.test(err.message))) throw err;
      }
    }
    const network = await create(undefined).catch(async (err: unknown) => ({ id: (await adoptOnConflict(err)).networkId }));
    return { lineage, networkId: network.id, networkName: name };
  });
}

/** Creates a network (the engine's NetworkCreateRequest); resolves with its id. */
async function createNetwork(ctx: DockerContext, request: Record<string, unknown>): Promise<string> {
  return (await engineRequest<{ Id: string }>(ctx.address, { method: 'POST', path: '/networks/create', body: request })).Id;
}

function removeNetwork(ctx: DockerContext, id: string): Promise<unknown> {
  return engineRequest(ctx.address, { method: 'DELETE', path: `/networks/${id}` });
}

export async function inspectEnclave(ctx: DockerContext, lineage: string): Promise<EnclaveResources> {
  checkLineage(lineage);
  const filter = { label: [`${LABEL_LINEAGE}=${lineage}`] };
  const [network, probes, containers, volumes] = await Promise.all([
    findNetwork(ctx, lineage),
    findProbes(ctx, lineage),
    ctx.call(`listing containers of enclave ${lineage}`, () =>
      engineGet<Docker.ContainerInfo[]>(ctx.address, '/containers/json', { all: 'true', filters: JSON.stringify(filter) }),
    ),
    ctx.call(`listing volumes of enclave ${lineage}`, () =>
      engineGet<{ Volumes: Docker.VolumeInspectInfo[] | null }>(ctx.address, '/volumes', { filters: JSON.stringify(filter) }),
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

export async function removeEnclave(ctx: DockerContext, lineage: string, options: { readonly keep?: readonly string[] } = {}): Promise<EnclaveResources> {
  checkLineage(lineage);
  return ctx.lock(`enclave:${lineage}`, async () => {
    const all = await inspectEnclave(ctx, lineage);
    // Containers `state rm` forgot stay, with the volumes they use; they leave the network.
    const keep = new Set(options.keep ?? []);
    const kept = await Promise.all([...keep].map((id) => lookupContainer(ctx, id)));
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
        await ctx.callTolerating(404, `disconnecting container ${shortId(c.id)} from ${found.network.networkName}`, () =>
          engineRequest(ctx.address, { method: 'POST', path: `/networks/${network}/disconnect`, body: { Container: c.id, Force: true } }),
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
        await ctx.callTolerating(404, `removing container ${c.containerName}`, () => removeContainer(ctx, id));
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, queue.length) }, remover));
    await Promise.all(
      found.volumes.map((v) =>
        ctx.callTolerating(404, `removing volume ${v.name}`, () =>
          engineRequest(ctx.address, { method: 'DELETE', path: `/volumes/${encodeURIComponent(v.name)}` }),
        ),
      ),
    );
    if (found.network) {
      const id = found.network.networkId;
      // A busy engine may still be detaching the containers just removed ("has active
      // endpoints"): retry for a while before calling it a failure.
      const deadline = Date.now() + 20_000;
      for (let attempt = 1; ; attempt++) {
        try {
          await ctx.callTolerating(404, `removing network ${found.network.networkName}`, () => removeNetwork(ctx, id));
          break;
        } catch (err) {
          if (Date.now() > deadline || !/active endpoints/i.test((err as Error).message)) throw err;
          await new Promise((r) => setTimeout(r, Math.min(250 * attempt, 2000)));
        }
      }
    }
    await removeProbes(ctx, lineage, found.probeNetworks ?? []);
    return found;
  });
}

/**
 * A subnet the engine would give a new network now, found by making and removing a probe
 * network. The enclave network is created with it explicitly, because Docker fixes a
 * container's address (as private_ip_address_placeholder needs) only on networks whose
 * subnet was given by their creator. Undefined when the engine will not say.
 */
async function freeSubnet(ctx: DockerContext, lineage: string): Promise<{ Subnet: string; Gateway?: string } | undefined> {
  try {
    // Labelled with the lineage (already in the state file when this runs), so that a
    // probe a crash leaves behind is found and removed by the next apply or destroy.
    const probe = await createNetwork(ctx, {
      Name: `starform-probe-${randomBytes(6).toString('hex')}`,
      Driver: 'bridge',
      Labels: { [LABEL_PROBE]: 'true', [LABEL_LINEAGE]: lineage },
    });
    crashPoint('enclave-probe-created');
    try {
      const info = await engineGet<Docker.NetworkInspectInfo>(ctx.address, `/networks/${probe}`);
      const config = info.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'));
      return config?.Subnet ? { Subnet: config.Subnet, ...(config.Gateway ? { Gateway: config.Gateway } : {}) } : undefined;
    } finally {
      await removeNetwork(ctx, probe).catch(() => undefined);
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
export async function staticAddress(ctx: DockerContext, enclave: EnclaveInfo, who: string): Promise<string> {
  const [network, containers] = await Promise.all([
    ctx.call(`inspecting network '${enclave.networkName}'`, () => engineGet<Docker.NetworkInspectInfo>(ctx.address, `/networks/${enclave.networkId}`)),
    // Stopped containers keep their fixed addresses but are not among the network's endpoints.
    ctx.call(`listing containers of enclave ${enclave.lineage}`, () =>
      engineGet<Docker.ContainerInfo[]>(ctx.address, '/containers/json', {
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
export async function keepableAddress(ctx: DockerContext, enclave: EnclaveInfo, address: string): Promise<boolean> {
  const network = await ctx.call(`inspecting network '${enclave.networkName}'`, () =>
    engineGet<Docker.NetworkInspectInfo>(ctx.address, `/networks/${enclave.networkId}`),
  );
  const subnet = network.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'))?.Subnet;
  const range = subnet === undefined ? undefined : ipv4Range(subnet);
  if (range === undefined || !/^\d+\.\d+\.\d+\.\d+$/.test(address)) return false;
  const n = ipv4Number(address);
  return n > range.first && n < range.last;
}

/** The subnet probe networks of an enclave (see freeSubnet) that are still there. */
async function findProbes(ctx: DockerContext, lineage: string): Promise<EnclaveInfo[]> {
  const networks = await ctx.call(`listing probe networks of enclave ${lineage}`, () =>
    engineGet<Docker.NetworkInspectInfo[]>(ctx.address, '/networks', {
      filters: JSON.stringify({ label: [`${LABEL_LINEAGE}=${lineage}`, `${LABEL_PROBE}=true`] }),
    }),
  );
  return networks
    .filter((n) => n.Name.startsWith('starform-probe-'))
    .map((n) => ({ lineage, networkId: n.Id, networkName: n.Name }))
    .sort((a, b) => byCodeUnits(a.networkName, b.networkName));
}

async function removeProbes(ctx: DockerContext, lineage: string, probes?: readonly EnclaveInfo[]): Promise<void> {
  for (const probe of probes ?? (await findProbes(ctx, lineage))) {
    await ctx.callTolerating(404, `removing probe network ${probe.networkName}`, () => removeNetwork(ctx, probe.networkId));
  }
}

async function findNetwork(ctx: DockerContext, lineage: string): Promise<EnclaveInfo | undefined> {
  const name = networkName(lineage);
  const networks = await ctx.call(`listing networks`, () =>
    engineGet<Docker.NetworkInspectInfo[]>(ctx.address, '/networks', { filters: JSON.stringify({ name: [name] }) }),
  );
  const match = networks.find((n) => n.Name === name);
  if (!match) return undefined;
  if (match.Labels?.[LABEL_LINEAGE] !== lineage) {
    throw new RuntimeError('not-owned', `network '${name}' exists but is not labelled ${LABEL_LINEAGE}=${lineage}; refusing to use it (remove or rename it)`);
  }
  return { lineage, networkId: match.Id, networkName: name };
}

export async function attachToEnclave(
  ctx: DockerContext,
  lineage: string,
  containerId: string,
  alias: string,
  options: { readonly ipAddress?: string } = {},
): Promise<string> {
  checkLineage(lineage);
  checkServiceName(alias);
  const enclave = await ensureEnclave(ctx, lineage);
  const network = (action: 'connect' | 'disconnect', body: unknown): Promise<unknown> =>
    engineRequest(ctx.address, { method: 'POST', path: `/networks/${enclave.networkId}/${action}`, body });
  const what = `attaching container ${shortId(containerId)} to ${enclave.networkName} as '${alias}'`;
  await ctx.lock(`enclave-addresses:${lineage}`, async () => {
    const before = await lookupContainer(ctx, containerId);
    if (before === undefined) throw new RuntimeError('not-found', `container ${shortId(containerId)} no longer exists`);
    if (before.networks[enclave.networkName] !== undefined) {
      await ctx.call(what, () => network('disconnect', { Container: containerId, Force: true }));
    }
    const ip = options.ipAddress !== undefined && (await keepableAddress(ctx, enclave, options.ipAddress)) ? options.ipAddress : undefined;
    await ctx.call(what, () =>
      network('connect', { Container: containerId, EndpointConfig: { Aliases: [alias], ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}) } }),
    );
  });
  const after = await lookupContainer(ctx, containerId);
  return after?.networks[enclave.networkName] ?? '';
}

/** Plain string order (localeCompare would load ICU's collator: ~10 ms on every refresh). */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
