// Service steps: add_service (create or replace), remove_service, start_service,
// stop_service, and the deletion of a service the package dropped.
//
// A service's canonical configuration (ServiceConfigJson) becomes the runtime's
// ServiceSpec: future references in cmd, entrypoint and env values substituted, files
// artifacts read from the blob store and copied in before the container starts,
// persistent directories as volumes keyed by service and key, ports published on the
// host (a `public_ports` entry fixes the host port of the port with the same id).
//
// Crash safety decides the order of every step here. The state may only ever name
// containers that exist, so a container is recorded only once it is created and ready,
// and a record is removed (and written) *before* its container is removed. A crash in
// between leaves at worst a container the state does not name; it carries the enclave's
// lineage label, so the next apply removes it (it is in the way when the service is
// created again) and `destroy` finds it. A service that does not become ready is removed
// again, so planning again plans to create it again.
import type { GpuRequest, HostAccess, ServiceInfo, ServiceSpec } from '../../runtime/index.js';
import { readArchive } from '../../runtime/index.js';
import {
  argsOf,
  type InstructionKind,
  privilegedFeatures,
  substituteString,
  type GpuJson,
  type ImageJson,
  type PrivilegedSettings,
  type ServiceConfigJson,
} from '../../instructions/index.js';
import { forgetStep, putService, removeService, serviceRecord, setRuntimeValue, type PortRecord, type ServiceRecord, type State } from '../../state/index.js';
import type { JsonValue } from '../../util/json.js';
import { durationMs, type BaseContext, type StepContext, type StepHandler, type StepOutcome } from '../context.js';
import { checkMountLinks, type MountedArchive } from '../mount-links.js';
import { StepFailure, isRuntimeError } from '../errors.js';
import { forgottenHolder } from '../forgotten.js';
import { recordRef } from '../owned-ref.js';
import { waitFor } from '../recipes.js';
import { stopped } from '../refresh.js';
import { recordedImage } from '../image-identity.js';
import { exitedAfterStart, failService, START_SETTLE_MS } from './service-failure.js';

/** The image reference a canonical image stands for; NixBuildSpec is not supported. */
export function imageRef(image: ImageJson): string {
  switch (image.type) {
    case 'image':
    case 'registry':
      return image.image;
    case 'build':
      return image.image_name;
    case 'nix':
      throw new StepFailure(`NixBuildSpec images are not supported by starform (image '${image.image_name}')`);
  }
}

/** The runtime's spec for a service: references substituted, artifacts read from the blob store. */
/** Whether a file of the archive holds one of the plan's sensitive values (the Swarm runtime makes it a secret). */
async function holdsSensitive(archive: Uint8Array, values: readonly string[] | undefined): Promise<boolean> {
  if (values === undefined || values.length === 0) return false;
  for (const entry of await readArchive(archive)) {
    if (entry.type === 'file' && values.some((v) => v !== '' && Buffer.from(entry.content).includes(v))) return true;
  }
  return false;
}

async function serviceSpec(ctx: StepContext, name: string, config: ServiceConfigJson): Promise<ServiceSpec> {
  const sub = (s: string): string => substituteString(s, ctx.resolve);
  // Validation refuses files_to_be_moved before anything runs; a plan file made otherwise is refused here.
  if (Object.keys(config.files_to_be_moved).length > 0) throw new StepFailure('ServiceConfig.files_to_be_moved is not supported by starform');

  const ports: Record<string, { number: number; protocol: 'TCP' | 'UDP' | 'SCTP'; publicPort?: number }> = {};
  for (const [id, p] of Object.entries(config.ports)) {
    const pub = config.public_ports[id];
    ports[id] = { number: p.number, protocol: p.transport_protocol, ...(pub ? { publicPort: pub.number } : {}) };
  }
  for (const [id, p] of Object.entries(config.public_ports)) {
    if (!(id in ports)) ports[id] = { number: p.number, protocol: p.transport_protocol, publicPort: p.number };
  }

  const state = ctx.state();
  const files: { mountPath: string; archive: Uint8Array }[] = [];
  const persistentDirectories: { mountPath: string; key: string }[] = [];
  const mounted: MountedArchive[] = [];
  for (const mountPath of Object.keys(config.files).sort()) {
    const dir = config.files[mountPath]!;
    if (dir.persistent_key !== null) {
      persistentDirectories.push({ mountPath, key: `${name}.${dir.persistent_key}` });
      continue;
    }
    for (const artifact of dir.artifact_names) {
      const record = state.filesArtifacts.get(artifact);
      if (record === undefined) throw new StepFailure(`files artifact '${artifact}' (to be mounted at ${mountPath}) does not exist`);
      const archive = await ctx.blobs.get(record.contentHash);
      files.push({ mountPath, archive, ...((await holdsSensitive(archive, state.sensitiveValues)) ? { sensitive: true } : {}) });
      mounted.push({ mountPath, artifact, archive });
    }
  }
  await checkMountLinks(name, mounted);

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.env_vars)) env[k] = sub(v);
  return {
    name,
    image: imageRef(config.image),
    ...(config.entrypoint.length > 0 ? { entrypoint: config.entrypoint.map(sub) } : {}),
    ...(config.cmd.length > 0 ? { cmd: config.cmd.map(sub) } : {}),
    env,
    ports,
    labels: { ...config.labels },
    ...(config.user !== null ? { user: { uid: config.user.uid, ...(config.user.gid !== null ? { gid: config.user.gid } : {}) } } : {}),
    ...(config.max_cpu > 0 ? { maxCpuMillicores: config.max_cpu } : {}),
    ...(config.min_cpu > 0 ? { minCpuMillicores: config.min_cpu } : {}),
    ...(config.max_memory > 0 ? { maxMemoryMegabytes: config.max_memory } : {}),
    ...(config.min_memory > 0 ? { minMemoryMegabytes: config.min_memory } : {}),
    files,
    persistentDirectories,
    ipAddressPlaceholder: config.private_ip_address_placeholder,
    init: config.tini_enabled,
    tty: config.tty_enabled,
    devices: config.devices,
    ...(config.gpu !== null ? { gpu: gpuRequest(config.gpu) } : {}),
    publishUdp: config.publish_udp === true,
    ...(config.capabilities !== undefined && config.capabilities.length > 0 ? { capabilities: config.capabilities } : {}),
    ...hostAccess(ctx, config),
    ...(Object.keys(config.node_selectors ?? {}).length > 0 ? { nodeSelectors: { ...config.node_selectors } } : {}),
    ...((config.tolerations ?? []).length > 0 ? { tolerations: config.tolerations.map((t) => t.key) } : {}),
  };
}

/**
 * The host-level settings of a service or task (privileged, host PID namespace, bind
 * mounts). The plan allows them only when the user opted in, and then says so on the
 * instruction; a plan file that has them without saying so was not made by `plan`.
 */
export function hostAccess(ctx: StepContext, settings: Partial<PrivilegedSettings>): HostAccess {
  const used = privilegedFeatures(settings);
  if (used === '') return {};
  if (ctx.instruction.privileged !== true) {
    throw new StepFailure(`the step asks for ${used} but its plan was not made with --privileged; plan again with --privileged to allow it`);
  }
  return {
    ...(settings.privileged === true ? { privileged: true } : {}),
    ...(settings.host_pid_namespace === true ? { hostPidNamespace: true } : {}),
    ...(settings.bind_mounts !== undefined && Object.keys(settings.bind_mounts).length > 0 ? { bindMounts: settings.bind_mounts } : {}),
  };
}

function gpuRequest(gpu: GpuJson): GpuRequest {
  return {
    count: gpu.count,
    deviceIds: gpu.device_ids,
    // Plans written before the driver was always a dict carry the name alone.
    driver: typeof gpu.driver === 'string' ? gpu.driver : gpu.driver.docker,
    shmSizeMegabytes: gpu.shm_size,
    ulimits: gpu.ulimits,
  };
}

function portRecords(config: ServiceConfigJson, info: ServiceInfo): Map<string, PortRecord> {
  const out = new Map<string, PortRecord>();
  for (const [id, p] of Object.entries({ ...config.public_ports, ...config.ports })) {
    out.set(id, {
      number: p.number,
      transportProtocol: p.transport_protocol,
      applicationProtocol: p.application_protocol === '' ? null : p.application_protocol,
      hostPort: info.ports[id]?.hostPort ?? null,
    });
  }
  return out;
}

function portsText(record: ServiceRecord): string {
  const parts = [...record.ports].filter(([, p]) => p.hostPort !== null).map(([id, p]) => `${id} → 127.0.0.1:${p.hostPort}`);
  return parts.length > 0 ? `; ${parts.join(', ')}` : '';
}

/** add_service: (re)creates the container and waits until it is ready. */
export async function addService(ctx: StepContext): Promise<StepOutcome> {
  const args = argsOf(ctx.instruction, 'add_service');
  const name = args.name;
  const config = args.config;
  const existing = ctx.state().services.get(name);
  // A replaced service keeps its address (the diff counts on it: services that only use
  // its ip_address are left alone).
  const keep = existing?.ipAddress ?? undefined;
  const spec = { ...(await serviceSpec(ctx, name, config)), ...(keep ? { ipAddress: keep } : {}) };
  const ref = { lineage: ctx.lineage, name };

  if (existing !== undefined) {
    await ctx.commit((s) => removeService(s, name));
    await ctx.runtime.removeService(recordRef(ctx.lineage, name, existing)).catch((err: unknown) => {
      if (!isRuntimeError(err, 'not-found')) throw err;
    });
  }
  let info: ServiceInfo;
  try {
    info = await ctx.runtime.createService(ctx.lineage, spec);
  } catch (err) {
    if (!isRuntimeError(err, 'name-conflict')) throw err;
    // A container of this service that the state does not name: left by an interrupted apply
    // — unless `state rm` forgot it, and then it is not ours to remove.
    const holder = await ctx.runtime.inspectService(ref);
    if (holder !== undefined && (ctx.state().forgotten ?? []).some((f) => f.containerId === holder.containerId)) {
      throw new StepFailure(forgottenHolder(name, holder.containerId));
    }
    await ctx.runtime.removeService(ref);
    info = await ctx.runtime.createService(ctx.lineage, spec);
  }

  const image = await recordedImage(ctx.runtime, spec.image, info.imageId);
  const record = serviceRecord({
    config: ctx.instruction.args,
    containerId: info.containerId,
    ipAddress: info.ipAddress === '' ? null : info.ipAddress,
    ports: portRecords(config, info),
    status: 'running',
    ...(image !== undefined ? { image } : {}),
  });
  // A container that exits at once is a failure, never "created" (see service-failure.ts).
  const checked = hasReadinessChecks(config);
  let early: Awaited<ReturnType<typeof exitedAfterStart>>;
  try {
    early = await exitedAfterStart(ctx, { ...ref, containerId: info.containerId }, checked ? 0 : START_SETTLE_MS);
    if (early === undefined) await waitUntilReady(ctx, name, config, record);
  } catch (err) {
    await failService(ctx, name, record, { phase: 'ready', error: err });
  }
  if (early !== undefined) await failService(ctx, name, record, { phase: 'start' });
  if (checked && (await exitedAfterStart(ctx, { ...ref, containerId: info.containerId }, 0)) !== undefined) {
    await failService(ctx, name, record, { phase: 'ready' });
  }

  const values: Record<string, JsonValue> = { ip_address: info.ipAddress, hostname: info.hostname };
  const moved =
    keep !== undefined && info.ipAddress !== keep
      ? `; its address changed from ${keep} (the enclave network cannot fix addresses): services that use its ip_address still have the old one until they are replaced`
      : '';
  return {
    result: {
      container_id: info.containerId,
      ip_address: info.ipAddress,
      hostname: info.hostname,
      ports: Object.fromEntries([...record.ports].map(([id, p]) => [id, p.hostPort])),
    },
    values,
    message: `container ${info.containerId.slice(0, 12)}, ip ${info.ipAddress}${portsText(record)}${moved}`,
    change: (s) => putService(s, name, record),
  };
}

function hasReadinessChecks(config: ServiceConfigJson): boolean {
  return config.ready_conditions !== null || Object.values(config.ports).some((p) => p.wait !== null && p.transport_protocol === 'TCP');
}

/** Port checks (every TCP port whose `wait` is set), then the ReadyCondition, if any. */
async function waitUntilReady(ctx: StepContext, name: string, config: ServiceConfigJson, record: ServiceRecord): Promise<void> {
  const ref = recordRef(ctx.lineage, name, record);
  const waits = Object.entries(config.ports).filter(([, p]) => p.wait !== null && p.transport_protocol === 'TCP');
  await Promise.all(waits.map(([id, p]) => ctx.runtime.waitForPort(ref, id, { timeoutMs: durationMs(p.wait!), signal: ctx.signal })));
  const rc = config.ready_conditions;
  if (rc === null) return;
  const withService: StepContext = { ...ctx, state: () => putService(ctx.state(), name, record) };
  await waitFor(withService, {
    serviceName: name,
    recipe: rc.recipe,
    field: rc.field,
    assertion: rc.assertion,
    targetValue: rc.target_value,
    targetType: rc.target_type,
    intervalMs: durationMs(rc.interval),
    timeoutMs: durationMs(rc.timeout),
  });
}

function serviceName(ctx: StepContext): string {
  return argsOf(ctx.instruction, 'remove_service', 'start_service', 'stop_service').name;
}

/** remove_service: forgets the service (written first), then removes its container. */
async function removeServiceStep(ctx: StepContext): Promise<StepOutcome> {
  const name = serviceName(ctx);
  const record = ctx.state().services.get(name);
  if (record === undefined) return { result: null, message: 'already absent' };
  await ctx.commit((s) => removeService(s, name));
  const removed = await ctx.runtime.removeService(recordRef(ctx.lineage, name, record));
  return { result: null, message: removed ? `removed (${record.containerId.slice(0, 12)})` : 'its container was already gone' };
}

/** stop_service / start_service. */
async function stopServiceStep(ctx: StepContext): Promise<StepOutcome> {
  const name = serviceName(ctx);
  const record = ctx.state().services.get(name);
  if (record === undefined) throw new StepFailure(`service '${name}' does not exist in the enclave`);
  await ctx.runtime.stopService(recordRef(ctx.lineage, name, record));
  return { result: null, message: 'stopped', change: (s) => putService(s, name, stopped(record)) };
}

async function startServiceStep(ctx: StepContext): Promise<StepOutcome> {
  const name = serviceName(ctx);
  const record = ctx.state().services.get(name);
  if (record === undefined) throw new StepFailure(`service '${name}' does not exist in the enclave`);
  const info = await ctx.runtime.startService(recordRef(ctx.lineage, name, record));
  const ports = new Map([...record.ports].map(([id, p]) => [id, { ...p, hostPort: info.ports[id]?.hostPort ?? null }]));
  const next: ServiceRecord = { ...record, status: 'running', ipAddress: info.ipAddress === '' ? null : info.ipAddress, ports };
  const ipKey = `service.${name}.ip_address`;
  return {
    result: { ip_address: info.ipAddress },
    message: `started: ip ${info.ipAddress}${portsText(next)}`,
    change: (s: State) => {
      const withRecord = putService(s, name, next);
      return withRecord.runtimeValues.has(ipKey) ? setRuntimeValue(withRecord, ipKey, info.ipAddress) : withRecord;
    },
  };
}

/** The deletion of a service the package no longer has: record, step and values go first. */
export async function deleteDroppedService(ctx: BaseContext, stepId: string): Promise<StepOutcome> {
  const name = stepId.slice('service.'.length);
  const record = ctx.state().services.get(name);
  await ctx.commit((s) => forgetStep(removeService(s, name), stepId));
  const removed = await ctx.runtime.removeService(record ? recordRef(ctx.lineage, name, record) : { lineage: ctx.lineage, name });
  return { result: null, message: removed ? 'deleted' : 'its container was already gone', record: false };
}

/** The handlers of this family, by kind, but add_service (handlers/index.ts: it may be a binding). */
export const SERVICE_HANDLERS = {
  remove_service: removeServiceStep,
  start_service: startServiceStep,
  stop_service: stopServiceStep,
} satisfies { readonly [K in InstructionKind]?: StepHandler };
