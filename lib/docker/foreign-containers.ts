// Containers starform did not create (adoption.ts), as the Docker adapter reads them:
// lookupContainer gathers what `starform import` compares with the package, and
// inspectForeignContainer what a package's reference to an outside container needs.

import type Docker from 'dockerode';
import { isRuntimeError, RuntimeError, type ForeignContainer, type TransportProtocol } from '../runtime/index.js';
import { engineGet } from './engine-http.js';
import { containerInfo } from './containers.js';
import type { AdoptableContainer, ForeignPort } from './adoption.js';
import type { DockerContext } from './context.js';

export async function lookupContainer(
  ctx: DockerContext,
  idOrName: string,
): Promise<(AdoptableContainer & { readonly volumes: readonly string[] }) | undefined> {
  if (idOrName.trim() === '' || /[\s/]/.test(idOrName.replace(/^\//, ''))) return undefined;
  const info = await ctx
    .call(
      `inspecting container '${idOrName}'`,
      () => containerInfo(ctx, idOrName),
      (err) => (err.statusCode === 404 ? new RuntimeError('not-found', `no container '${idOrName}'`) : undefined),
    )
    .catch((err: unknown) => {
      if (isRuntimeError(err, 'not-found')) return undefined;
      throw err;
    });
  if (info === undefined) return undefined;
  const image = await ctx
    .call(`inspecting image '${info.Image}'`, () => engineGet<Docker.ImageInspectInfo>(ctx.address, `/images/${encodeURIComponent(info.Image)}/json`))
    .catch(() => undefined);
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

export async function inspectForeignContainer(ctx: DockerContext, nameOrId: string): Promise<ForeignContainer | undefined> {
  const info = await ctx.callTolerating(404, `inspecting container '${nameOrId}'`, () => containerInfo(ctx, nameOrId));
  if (info === undefined) return undefined;
  const networks = Object.entries(info.NetworkSettings?.Networks ?? {})
    .map(([network, n]) => ({ network, ipAddress: n.IPAddress ?? '' }))
    .filter((n) => n.ipAddress !== '')
    .sort((a, b) => (a.network < b.network ? -1 : a.network > b.network ? 1 : 0));
  return { id: info.Id, name: info.Name.replace(/^\//, ''), running: info.State.Running, networks };
}

function asList(v: string | readonly string[] | null | undefined): string[] {
  if (v === null || v === undefined) return [];
  return typeof v === 'string' ? [v] : [...v];
}
