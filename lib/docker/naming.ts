// Names and labels of enclave resources, and the checks on the names callers pass in.
// Every resource the runtime creates carries `starform.lineage=<lineage>`; that label,
// not a name, is what makes a resource ours, and the runtime refuses to act on anything
// without it. Names are derived from the lineage so that two enclaves on one engine never
// collide: network `starform-<lineage>`, service container `<service>--<lineage>`, volume
// `starform-<lineage>-<key>`. Inside the enclave network a service is reached by its bare
// name (a network alias), which is the host name packages use.

import { RuntimeError } from '../runtime/index.js';
import { checkMountPath } from '../runtime/index.js';
import type { PortSpec, ServiceSpec, TaskSpec, TransportProtocol, UserSpec } from '../runtime/index.js';

const LABEL_PREFIX = 'starform.';
export const LABEL_LINEAGE = 'starform.lineage';
export const LABEL_SERVICE = 'starform.service';
export const LABEL_TASK = 'starform.task';
export const LABEL_PORTS = 'starform.ports';
export const LABEL_VOLUME_KEY = 'starform.volume-key';
/** On the short-lived networks that find a free subnet for an enclave (with the enclave's lineage). */
export const LABEL_PROBE = 'starform.probe';

const LINEAGE_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
const SERVICE_RE = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
const VOLUME_KEY_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const PROTOCOLS: readonly TransportProtocol[] = ['TCP', 'UDP', 'SCTP'];

export function networkName(lineage: string): string {
  return `starform-${lineage}`;
}

export function serviceContainerName(lineage: string, service: string): string {
  return `${service}--${lineage}`;
}

export function volumeName(lineage: string, key: string): string {
  return `starform-${lineage}-${key}`;
}

export function taskContainerName(lineage: string, task: string, unique: string): string {
  const slug =
    task
      .replace(/[^a-zA-Z0-9_.-]+/g, '-')
      .replace(/^[^a-zA-Z0-9]+/, '')
      .slice(0, 40) || 'task';
  return `${slug}--${lineage}--${unique}`;
}

export function checkLineage(lineage: string): void {
  if (!LINEAGE_RE.test(lineage)) {
    throw new RuntimeError('invalid-spec', `invalid lineage '${lineage}': use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit`);
  }
}

export function checkServiceName(name: string): void {
  if (!SERVICE_RE.test(name)) {
    throw new RuntimeError('invalid-spec', `invalid service name '${name}': use 1-63 letters, digits or '-', starting and ending with a letter or digit`);
  }
}

export function checkServiceSpec(spec: ServiceSpec): void {
  checkServiceName(spec.name);
  const what = `service '${spec.name}'`;
  checkImage(spec.image, what);
  checkLabels(spec.labels, what);
  checkEnv(spec.env, what);
  if (spec.user) checkUser(spec.user, what);
  const seen = new Map<string, string>();
  for (const [id, port] of Object.entries(spec.ports ?? {})) {
    checkPort(id, port, what);
    const key = `${port.number}/${port.protocol ?? 'TCP'}`;
    const other = seen.get(key);
    if (other !== undefined) {
      throw new RuntimeError('invalid-spec', `${what}: ports '${other}' and '${id}' both use ${key}`);
    }
    seen.set(key, id);
  }
  checkAmount(spec.maxCpuMillicores, 'max CPU (millicores)', what);
  checkAmount(spec.minCpuMillicores, 'min CPU (millicores)', what);
  checkAmount(spec.maxMemoryMegabytes, 'max memory (MB)', what);
  checkAmount(spec.minMemoryMegabytes, 'min memory (MB)', what);
  if (spec.maxMemoryMegabytes !== undefined && spec.maxMemoryMegabytes < 6) {
    throw new RuntimeError('invalid-spec', `${what}: max memory must be at least 6 MB (got ${spec.maxMemoryMegabytes})`);
  }
  if (spec.maxMemoryMegabytes !== undefined && spec.minMemoryMegabytes !== undefined && spec.minMemoryMegabytes > spec.maxMemoryMegabytes) {
    throw new RuntimeError('invalid-spec', `${what}: min memory ${spec.minMemoryMegabytes} MB exceeds max memory ${spec.maxMemoryMegabytes} MB`);
  }
  for (const file of spec.files ?? []) checkMountPath(file.mountPath);
  const keys = new Set<string>();
  for (const dir of spec.persistentDirectories ?? []) {
    checkMountPath(dir.mountPath);
    if (!VOLUME_KEY_RE.test(dir.key)) {
      throw new RuntimeError('invalid-spec', `${what}: invalid persistent directory key '${dir.key}': use letters, digits, '_', '.' or '-'`);
    }
    if (keys.has(dir.key)) throw new RuntimeError('invalid-spec', `${what}: persistent key '${dir.key}' used twice`);
    keys.add(dir.key);
  }
}

export function checkTaskSpec(spec: TaskSpec): void {
  const what = `task '${spec.name}'`;
  checkImage(spec.image, what);
  checkLabels(spec.labels, what);
  checkEnv(spec.env, what);
  if (spec.user) checkUser(spec.user, what);
  if (spec.cmd.length === 0 && (spec.entrypoint ?? []).length === 0) {
    throw new RuntimeError('invalid-spec', `${what}: no command to run`);
  }
  for (const file of spec.files ?? []) checkMountPath(file.mountPath);
  for (const path of spec.storePaths ?? []) checkMountPath(path);
  if (spec.timeoutMs !== undefined && !(spec.timeoutMs > 0)) {
    throw new RuntimeError('invalid-spec', `${what}: timeout must be positive`);
  }
}

/** The labels every resource of the enclave carries, plus the caller's own. */
export function ownLabels(lineage: string, extra: Readonly<Record<string, string>> | undefined, own: Readonly<Record<string, string>>): Record<string, string> {
  return { ...(extra ?? {}), ...own, [LABEL_LINEAGE]: lineage };
}

export function userString(user: UserSpec): string {
  return user.gid === undefined ? `${user.uid}` : `${user.uid}:${user.gid}`;
}

function checkImage(image: string, what: string): void {
  if (image.trim() === '' || /\s/.test(image)) {
    throw new RuntimeError('invalid-spec', `${what}: invalid image name '${image}'`);
  }
}

function checkLabels(labels: Readonly<Record<string, string>> | undefined, what: string): void {
  for (const key of Object.keys(labels ?? {})) {
    if (key.startsWith(LABEL_PREFIX)) {
      throw new RuntimeError('invalid-spec', `${what}: label '${key}' is reserved (labels starting with '${LABEL_PREFIX}' belong to starform)`);
    }
    if (key === '') throw new RuntimeError('invalid-spec', `${what}: empty label key`);
  }
}

function checkEnv(env: Readonly<Record<string, string>> | undefined, what: string): void {
  for (const key of Object.keys(env ?? {})) {
    if (key === '' || key.includes('=')) {
      throw new RuntimeError('invalid-spec', `${what}: invalid environment variable name '${key}'`);
    }
  }
}

function checkUser(user: UserSpec, what: string): void {
  for (const [label, value] of [
    ['uid', user.uid],
    ['gid', user.gid],
  ] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      throw new RuntimeError('invalid-spec', `${what}: user ${label} must be a non-negative integer (got ${value})`);
    }
  }
}

function checkPort(id: string, port: PortSpec, what: string): void {
  if (id === '') throw new RuntimeError('invalid-spec', `${what}: empty port id`);
  const valid = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65535;
  if (!valid(port.number)) {
    throw new RuntimeError('invalid-spec', `${what}: port '${id}' number ${port.number} is not in 1-65535`);
  }
  if (port.publicPort !== undefined && !valid(port.publicPort)) {
    throw new RuntimeError('invalid-spec', `${what}: port '${id}' public port ${port.publicPort} is not in 1-65535`);
  }
  if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) {
    throw new RuntimeError('invalid-spec', `${what}: port '${id}' protocol '${String(port.protocol)}' is not one of TCP, UDP, SCTP`);
  }
}

function checkAmount(value: number | undefined, label: string, what: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new RuntimeError('invalid-spec', `${what}: ${label} must be a positive integer (got ${value})`);
  }
}
