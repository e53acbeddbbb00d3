// Pure translation from the runtime port's ServiceSpec to a Docker Swarm service spec, and
// back from Swarm's task states to the port's container states. Kept apart from the
// adapter (swarm-runtime.ts) so the mapping can be read and tested without an engine.
//
// What Swarm cannot express is refused here with one message naming the setting, rather
// than silently dropped: Swarm services have no fixed task addresses (so no
// private_ip_address_placeholder), no device pass-through, GPUs, privileged mode or host
// PID namespace, and no taints (so no tolerations).
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { RuntimeError } from '../runtime/index.js';
import type { ContainerState, ServiceSpec } from '../runtime/index.js';
import { LABEL_PORTS, LABEL_SERVICE, ownLabels, userString } from '../docker/naming.js';

/** How published ports reach the service: Swarm's routing mesh, or the port on the task's node. */
export type PublishMode = 'ingress' | 'host';

/** Marks the Swarm configs and secrets starform made (files artifacts, volume anchors). */
export const LABEL_CONFIG = 'starform.config';
/** On a volume anchor config: the node that holds the volume. */
export const LABEL_NODE = 'starform.node';

function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * The Swarm service's name: unique in the swarm, at most 63 characters (a DNS label), and
 * readable. Peers never use it: they resolve the service name through its network alias.
 */
function swarmServiceName(lineage: string, service: string): string {
  return `sf-${service.slice(0, 40)}-${hash(`${lineage}/${service}`, 12)}`;
}

export function configName(lineage: string, digest: string): string {
  return `sf-${hash(lineage, 12)}-${digest.slice(0, 32)}`;
}

/** A secret's name says nothing of its content (a digest of a short secret could be reversed). */
export function secretName(lineage: string, nonce: string): string {
  return `sf-${hash(lineage, 12)}-s-${nonce}`;
}

export function anchorName(lineage: string, key: string): string {
  return `sf-vol-${hash(`${lineage}/${key}`, 24)}`;
}

/** The settings of `spec` Swarm has no equivalent for; the first one found is refused. */
export function checkSwarmSupport(spec: ServiceSpec): void {
  const who = `service '${spec.name}'`;
  const refuse = (what: string, why: string): never => {
    throw new RuntimeError('invalid-spec', `${who}: ${what} is not available on the Swarm runtime: ${why}`);
  };
  if ((spec.tolerations ?? []).length > 0) {
    refuse(`tolerations (${spec.tolerations!.join(', ')})`, 'Swarm nodes have no taints to tolerate; use node_selectors (node labels) to place services');
  }
  if (
    spec.ipAddressPlaceholder &&
    [...(spec.entrypoint ?? []), ...(spec.cmd ?? []), ...Object.values(spec.env ?? {})].some((v) => v.includes(spec.ipAddressPlaceholder!))
  ) {
    refuse('private_ip_address_placeholder', 'Swarm gives a task its address only when it starts, so it cannot be written into the command');
  }
  if ((spec.devices ?? []).length > 0) refuse('devices', 'Swarm services cannot pass host devices through');
  if (spec.gpu && (spec.gpu.count !== 0 || spec.gpu.deviceIds.length > 0)) refuse('gpu', 'Swarm services cannot request GPUs this way');
  if (spec.privileged) refuse('privileged mode', 'Swarm services cannot run privileged');
  if (spec.hostPidNamespace) refuse('the host PID namespace', 'Swarm services cannot share it');
}

export interface SwarmServiceInputs {
  readonly lineage: string;
  readonly spec: ServiceSpec;
  readonly networkId: string;
  readonly publishMode: PublishMode;
  readonly configs: readonly Docker.ConfigReference[];
  /** Files that hold sensitive values, as Swarm secrets (absent: none). */
  readonly secrets?: readonly Docker.SecretReference[];
  readonly mounts: readonly Docker.MountSettings[];
  /** Placement constraints beyond the node selectors (the volume pin). */
  readonly constraints: readonly string[];
  readonly stopTimeoutSeconds: number;
}

/** The ports label: port id → "number/PROTOCOL", as the Docker adapter writes it. */
function portsLabel(spec: ServiceSpec): string {
  return JSON.stringify(Object.fromEntries(Object.entries(spec.ports ?? {}).map(([id, p]) => [id, `${p.number}/${p.protocol ?? 'TCP'}`])));
}

function serviceLabels(lineage: string, spec: ServiceSpec): Record<string, string> {
  return ownLabels(lineage, spec.labels, { [LABEL_SERVICE]: spec.name, [LABEL_PORTS]: portsLabel(spec) });
}

export function swarmServiceSpec(inputs: SwarmServiceInputs): Docker.CreateServiceOptions {
  const { lineage, spec } = inputs;
  const labels = serviceLabels(lineage, spec);
  const ports = Object.values(spec.ports ?? {})
    .filter((p) => (p.protocol ?? 'TCP') !== 'UDP' || spec.publishUdp !== false)
    .map((p) => ({
      Protocol: (p.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp' | 'sctp',
      TargetPort: p.number,
      ...(p.publicPort !== undefined ? { PublishedPort: p.publicPort } : {}),
      PublishMode: inputs.publishMode,
    }));
  const constraints = [...Object.entries(spec.nodeSelectors ?? {}).map(([k, v]) => `node.labels.${k}==${v}`), ...inputs.constraints];
  const limits = {
    ...(spec.maxCpuMillicores ? { NanoCPUs: spec.maxCpuMillicores * 1_000_000 } : {}),
    ...(spec.maxMemoryMegabytes ? { MemoryBytes: spec.maxMemoryMegabytes * 1_000_000 } : {}),
  };
  const reservations = {
    ...(spec.minCpuMillicores ? { NanoCPUs: spec.minCpuMillicores * 1_000_000 } : {}),
    ...(spec.minMemoryMegabytes ? { MemoryBytes: spec.minMemoryMegabytes * 1_000_000 } : {}),
  };
  const bindMounts: Docker.MountSettings[] = Object.entries(spec.bindMounts ?? {}).map(([source, target]) => ({
    Type: 'bind',
    Source: source,
    Target: target,
  }));
  return {
    Name: swarmServiceName(lineage, spec.name),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: spec.image,
        ...(spec.entrypoint ? { Command: [...spec.entrypoint] } : {}),
        ...(spec.cmd ? { Args: [...spec.cmd] } : {}),
        Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
        Labels: labels,
        Hostname: spec.name,
        ...(spec.user ? { User: userString(spec.user) } : {}),
        ...(spec.init ? { Init: true } : {}),
        ...(spec.tty ? { TTY: true } : {}),
        ...(spec.capabilities && spec.capabilities.length > 0 ? { CapabilityAdd: [...spec.capabilities] } : {}),
        Mounts: [...inputs.mounts, ...bindMounts],
        Configs: [...inputs.configs],
        ...(inputs.secrets && inputs.secrets.length > 0 ? { Secrets: [...inputs.secrets] } : {}),
        StopGracePeriod: inputs.stopTimeoutSeconds * 1_000_000_000,
      } as Docker.ContainerSpec,
      Resources: { Limits: limits, Reservations: reservations },
      // A task that exits stays exited, as a Docker container does: the executor decides.
      RestartPolicy: { Condition: 'none' },
      Placement: { Constraints: constraints },
      Networks: [{ Target: inputs.networkId, Aliases: [spec.name] }],
    },
    Mode: { Replicated: { Replicas: 1 } },
    // The routing mesh needs virtual IPs (IPVS); host-mode ports go with DNS round robin.
    EndpointSpec: { Mode: inputs.publishMode === 'ingress' ? 'vip' : 'dnsrr', Ports: ports },
  };
}

/** Swarm's task state as the port's container state. */
export function containerState(taskState: string | undefined): ContainerState {
  switch (taskState) {
    case 'running':
      return 'running';
    case 'new':
    case 'pending':
    case 'assigned':
    case 'accepted':
    case 'preparing':
    case 'ready':
    case 'starting':
      return 'created';
    case 'remove':
      return 'removing';
    case 'failed':
    case 'rejected':
    case 'orphaned':
      return 'dead';
    default:
      return 'exited';
  }
}

/** Terminal task states: the task will not run (again). */
export function taskEnded(state: string | undefined): boolean {
  return ['complete', 'shutdown', 'failed', 'rejected', 'orphaned', 'remove'].includes(state ?? '');
}

/** The image a service runs, without the digest Swarm pins to it. */
export function imageOf(spec: Docker.ServiceSpec | undefined): string {
  const image = (spec?.TaskTemplate as { ContainerSpec?: { Image?: string } } | undefined)?.ContainerSpec?.Image ?? '';
  return image.replace(/@sha256:[0-9a-f]+$/, '');
}
