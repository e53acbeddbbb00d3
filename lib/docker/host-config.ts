// Docker HostConfig fields for the host-level settings of a service or task: device
// pass-through, privileged mode / host PID namespace / bind mounts, and GPU requests. Pure
// translations from the runtime port's types, apart from the adapter's calls.
import type Docker from 'dockerode';
import type { GpuRequest, HostAccess } from '../runtime/index.js';

/** A `host[:container][:permissions]` device as Docker's HostConfig.Devices entry. */
export function deviceMapping(device: string): { PathOnHost: string; PathInContainer: string; CgroupPermissions: string } {
  const parts = device.split(':');
  const host = parts[0] ?? '';
  // `host:permissions`: the second part is permissions when it is not a path.
  const container = parts[1] !== undefined && parts[1].startsWith('/') ? parts[1] : undefined;
  const permissions = container === undefined ? parts[1] : parts[2];
  return { PathOnHost: host, PathInContainer: container ?? host, CgroupPermissions: permissions || 'rwm' };
}

/** The HostConfig fields of a GPU request: device requests, /dev/shm size, ulimits. */
/** Privileged mode, the host's PID namespace and bind mounts, in Docker's HostConfig terms. */
export function hostAccessConfig(spec: HostAccess): Pick<Docker.HostConfig, 'Privileged' | 'PidMode' | 'Binds'> {
  const binds = Object.entries(spec.bindMounts ?? {}).map(([host, container]) => `${host}:${container}`);
  return {
    ...(spec.privileged ? { Privileged: true } : {}),
    ...(spec.hostPidNamespace ? { PidMode: 'host' } : {}),
    ...(binds.length > 0 ? { Binds: binds } : {}),
  };
}

export function gpuHostConfig(gpu: GpuRequest): Pick<Docker.HostConfig, 'DeviceRequests' | 'ShmSize' | 'Ulimits'> {
  const out: Pick<Docker.HostConfig, 'DeviceRequests' | 'ShmSize' | 'Ulimits'> = {};
  if (gpu.deviceIds.length > 0) {
    out.DeviceRequests = [{ Driver: gpu.driver, DeviceIDs: [...gpu.deviceIds], Capabilities: [['gpu']] }];
  } else if (gpu.count !== 0) {
    out.DeviceRequests = [{ Driver: gpu.driver, Count: gpu.count, Capabilities: [['gpu']] }];
  }
  if (gpu.shmSizeMegabytes > 0) out.ShmSize = gpu.shmSizeMegabytes * 1024 * 1024;
  const ulimits = Object.entries(gpu.ulimits);
  if (ulimits.length > 0) out.Ulimits = ulimits.map(([Name, limit]) => ({ Name, Soft: limit, Hard: limit }));
  return out;
}
