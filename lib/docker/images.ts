// The Docker adapter's images: whether one is present, pulling (with registry auth) and
// building from a context directory with progress (image-progress.ts), the registry digest
// and local identity (image-identity.ts), and ensureImages, which pulls or builds a few at a
// time and shares one job between concurrent requests for the same reference.

import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve as resolvePath } from 'node:path';
import { engineMessage, pullError } from './docker-errors.js';
import { imageIdentityAt } from './docker-logs-exec.js';
import {
  RuntimeError,
  type ImageBuildSpec,
  type ImageIdentity,
  type ImageOutcome,
  type ImageProgress,
  type ImageRequest,
  type RegistryAuth,
  packDirectory,
} from '../runtime/index.js';
import { registryDigest as registryDigestAt } from './image-identity.js';
import { progressReporter, readImageStream } from './image-progress.js';
import type { DockerContext } from './context.js';
import { engineGet } from './engine-http.js';

export async function imageExists(ctx: DockerContext, ref: string): Promise<boolean> {
  return (await imageId(ctx, ref)) !== undefined;
}

export async function registryDigest(ctx: DockerContext, ref: string, auth?: RegistryAuth): Promise<string> {
  try {
    return await registryDigestAt(ctx.address, ref, auth);
  } catch (err) {
    throw ctx.translate(err, `asking the registry about image '${ref}'`);
  }
}

export async function pullImage(
  ctx: DockerContext,
  ref: string,
  auth?: RegistryAuth,
  onProgress?: (p: ImageProgress) => void,
  signal?: AbortSignal,
): Promise<void> {
  const interrupted = (): RuntimeError => new RuntimeError('timeout', `pulling image '${ref}' was interrupted: the engine stopped the pull`);
  if (signal?.aborted) throw interrupted();
  const authconfig = auth && { username: auth.username, password: auth.password, ...(auth.serverAddress ? { serveraddress: auth.serverAddress } : {}) };
  const stream = await ctx.call(
    `pulling image '${ref}'`,
    () => ctx.docker.pull(ref, authconfig ? { authconfig } : {}),
    (err) => (err.statusCode !== undefined ? pullError(ref, engineMessage(err), err) : undefined),
  );
  const events = await readImageStream(stream, progressReporter(onProgress), signal, interrupted);
  const failed = events.find((e) => e.error !== undefined);
  if (failed) throw pullError(ref, failed.error ?? failed.errorDetail?.message ?? 'unknown error');
  if (!(await imageExists(ctx, ref))) {
    throw new RuntimeError('image-not-found', `pulling image '${ref}' finished but the image is not present`);
  }
}

export async function buildImage(
  ctx: DockerContext,
  ref: string,
  spec: ImageBuildSpec,
  onProgress?: (p: ImageProgress) => void,
  signal?: AbortSignal,
): Promise<string> {
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
  const stream = await ctx.call(`building image '${ref}'`, () =>
    ctx.docker.buildImage(packDirectory(contextDir), {
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
  const id = await imageId(ctx, ref);
  if (id === undefined) throw new RuntimeError('build-failed', `building image '${ref}' finished but the image is not present`);
  return id;
}

export async function ensureImages(ctx: DockerContext, requests: readonly ImageRequest[]): Promise<ImageOutcome[]> {
  const unique = new Map<string, ImageRequest>();
  for (const request of requests) if (!unique.has(request.ref)) unique.set(request.ref, request);
  const outcomes = await mapLimit([...unique.values()], ctx.imageConcurrency, (request) => ensureImageShared(ctx, request));
  const byRef = new Map(outcomes.map((o) => [o.ref, o]));
  return requests.map((r) => byRef.get(r.ref)!);
}

function ensureImageShared(ctx: DockerContext, request: ImageRequest): Promise<ImageOutcome> {
  const running = ctx.imageJobs.get(request.ref);
  if (running) return running;
  const job = ensureImage(ctx, request).finally(() => ctx.imageJobs.delete(request.ref));
  ctx.imageJobs.set(request.ref, job);
  return job;
}

async function ensureImage(ctx: DockerContext, request: ImageRequest): Promise<ImageOutcome> {
  const { ref } = request;
  try {
    if (request.build) return { ref, ok: true, action: 'built', id: await buildImage(ctx, ref, request.build, request.onProgress, request.signal) };
    const policy = request.pull ?? 'if-missing';
    if (policy !== 'always') {
      const id = await imageId(ctx, ref);
      if (id !== undefined) return { ref, ok: true, action: 'present', id };
      if (policy === 'never') {
        throw new RuntimeError('image-not-found', `image '${ref}' is not available locally (and pulling is disabled)`);
      }
    }
    await pullImage(ctx, ref, request.auth, request.onProgress, request.signal);
    return { ref, ok: true, action: 'pulled', id: (await imageId(ctx, ref)) ?? '' };
  } catch (err) {
    return { ref, ok: false, error: ctx.translate(err, `preparing image '${ref}'`) };
  }
}

async function imageId(ctx: DockerContext, ref: string): Promise<string | undefined> {
  try {
    const info = await ctx.call(
      `inspecting image '${ref}'`,
      // A plain GET (engine-http.ts): an apply whose images are all present never loads dockerode.
      () => engineGet<{ Id: string }>(ctx.address, `/images/${ref}/json`),
      (err) => (err.statusCode === 404 ? new RuntimeError('image-not-found', ref) : undefined),
    );
    return info.Id;
  } catch (err) {
    if (err instanceof RuntimeError && err.code === 'image-not-found') return undefined;
    throw err;
  }
}

export function imageIdentity(ctx: DockerContext, ref: string): Promise<ImageIdentity | undefined> {
  return imageIdentityAt(ctx.address, ref, (what, fn) => ctx.call(what, fn));
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
