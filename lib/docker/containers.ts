// Container-level helpers the service and task parts of the Docker adapter share
// (services.ts, tasks.ts): inspecting a container, copying files in and out, reading its
// output, the environment and exec-result forms, and what a failed container creation means.

import type Docker from 'dockerode';
import { engineMessage, shortId, type DockerodeError } from './docker-errors.js';
import { demuxDockerStream, type DemuxedOutput } from './docker-stream.js';
import { RuntimeError, type ExecResult, type FileMount, checkMountPath, collectStream, relocateArchive } from '../runtime/index.js';
import type { DockerContext } from './context.js';
import { engineGet, engineRequest } from './engine-http.js';

/** The engine's inspection of a container, as a plain GET (engine-http.ts): read paths never load dockerode. */
export function containerInfo(ctx: DockerContext, idOrName: string): Promise<Docker.ContainerInspectInfo> {
  return engineGet<Docker.ContainerInspectInfo>(ctx.address, `/containers/${encodeURIComponent(idOrName)}/json`);
}

export function inspectContainer(ctx: DockerContext, id: string, who: string): Promise<Docker.ContainerInspectInfo> {
  return ctx.call(
    `inspecting ${who}`,
    () => containerInfo(ctx, id),
    (err) => (err.statusCode === 404 ? new RuntimeError('not-found', `the container of ${who} (${shortId(id)}) no longer exists`) : undefined),
  );
}

export function startContainer(ctx: DockerContext, id: string): Promise<unknown> {
  return engineRequest(ctx.address, { method: 'POST', path: `/containers/${encodeURIComponent(id)}/start` });
}

/** Removes a container, running or not, with its anonymous volumes. */
export function removeContainer(ctx: DockerContext, id: string): Promise<unknown> {
  return engineRequest(ctx.address, { method: 'DELETE', path: `/containers/${encodeURIComponent(id)}`, query: { force: 'true', v: 'true' } });
}

export async function putFiles(ctx: DockerContext, id: string, file: FileMount, who: string): Promise<void> {
  const archive = await relocateArchive(file.archive, file.mountPath);
  await ctx.call(`copying files to ${file.mountPath} in ${who}`, () => ctx.docker.getContainer(id).putArchive(archive, { path: '/' }));
}

export async function getPath(ctx: DockerContext, id: string, path: string, who: string): Promise<Buffer> {
  const clean = checkMountPath(path);
  const stream = await ctx.call(
    `copying ${clean} out of ${who}`,
    () => ctx.docker.getContainer(id).getArchive({ path: clean }),
    (err) => (err.statusCode === 404 ? new RuntimeError('path-not-found', `path '${clean}' does not exist in ${who}`) : undefined),
  );
  return collectStream(stream);
}

export async function logs(ctx: DockerContext, id: string, who: string, tail?: number): Promise<DemuxedOutput> {
  const container = ctx.docker.getContainer(id);
  const [info, data] = await Promise.all([
    inspectContainer(ctx, id, who),
    ctx.call(`reading the output of ${who}`, () => container.logs({ stdout: true, stderr: true, follow: false, ...(tail !== undefined ? { tail } : {}) })),
  ]);
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(String(data));
  // A container with a terminal has one output stream, sent as it is (not multiplexed).
  if (info.Config.Tty) return { stdout: bytes, stderr: Buffer.alloc(0), combined: bytes };
  return demuxDockerStream(bytes);
}

export function createError(err: DockerodeError, who: string, image: string, containerName: string): RuntimeError | undefined {
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

export function envList(env: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`);
}

export function execResult(exitCode: number, output: DemuxedOutput): ExecResult {
  return {
    exitCode,
    output: output.combined.toString('utf8'),
    stdout: output.stdout.toString('utf8'),
    stderr: output.stderr.toString('utf8'),
  };
}
