// The Docker adapter's commands: one-off task containers (run_sh, run_python: run to the
// end on the enclave network, output and stored paths collected, removed either way), exec
// in a service's container (captured, attached, or in a copy of it) and copying files to
// and from a service.

import { randomBytes } from 'node:crypto';
import { execAttachedIn, runInCopy } from './docker-logs-exec.js';
import { readMultiplexed } from './docker-stream.js';
import {
  RuntimeError,
  type ExecOptions,
  type ExecResult,
  type AttachedExecOptions,
  type FileMount,
  type OutputStreams,
  type ServiceRef,
  type StoredPath,
  type TaskResult,
  type TaskSpec,
} from '../runtime/index.js';
import { checkLineage, checkTaskSpec, LABEL_TASK, ownLabels, taskContainerName, userString } from './naming.js';
import { formatDuration } from './tcp-wait.js';
import { hostAccessConfig } from './host-config.js';
import type { DockerContext } from './context.js';
import { createError, envList, execResult, getPath, logs, putFiles } from './containers.js';
import { ensureEnclave } from './enclave.js';
import { describe, notRunning, requireService } from './services.js';

const DEFAULT_TASK_TIMEOUT_MS = 180_000;

export async function runTask(ctx: DockerContext, lineage: string, spec: TaskSpec): Promise<TaskResult> {
  checkLineage(lineage);
  checkTaskSpec(spec);
  const who = `task '${spec.name}'`;
  const enclave = await ensureEnclave(ctx, lineage);
  const name = taskContainerName(lineage, spec.name, randomBytes(4).toString('hex'));
  const container = await ctx.call(
    `creating the container of ${who}`,
    () =>
      ctx.docker.createContainer({
        name,
        Image: spec.image,
        Cmd: [...spec.cmd],
        ...(spec.entrypoint ? { Entrypoint: [...spec.entrypoint] } : {}),
        Env: envList(spec.env),
        ...(spec.user ? { User: userString(spec.user) } : {}),
        ...(spec.workdir ? { WorkingDir: spec.workdir } : {}),
        Labels: ownLabels(lineage, spec.labels, { [LABEL_TASK]: spec.name }),
        HostConfig: { NetworkMode: enclave.networkName, ...hostAccessConfig(spec) },
      }),
    (err) => createError(err, who, spec.image, name),
  );
  try {
    for (const file of spec.files ?? []) await putFiles(ctx, container.id, file, who);
    await ctx.call(`starting ${who}`, () => container.start());
    const timeoutMs = spec.timeoutMs ?? DEFAULT_TASK_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const waited = ctx.call(`waiting for ${who}`, () => container.wait() as Promise<{ StatusCode: number }>);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      if (spec.signal?.aborted) resolve('aborted');
      else spec.signal?.addEventListener('abort', onAbort, { once: true });
    });
    const outcome = await Promise.race([waited, expired, aborted]).finally(() => {
      clearTimeout(timer);
      if (onAbort) spec.signal?.removeEventListener('abort', onAbort);
    });
    if (outcome === 'aborted') {
      waited.catch(() => undefined);
      await container.kill().catch(() => undefined);
      throw new RuntimeError('timeout', `${who} was interrupted: its container was stopped`);
    }
    if (outcome === 'timeout') {
      waited.catch(() => undefined);
      await container.kill().catch(() => undefined);
      const sofar = (await logs(ctx, container.id, who, 20).catch(() => undefined))?.combined.toString('utf8').trimEnd();
      throw new RuntimeError('timeout', `${who} did not finish within ${formatDuration(timeoutMs)}${sofar ? `; its last output:\n${sofar}` : ''}`);
    }
    const output = await logs(ctx, container.id, who);
    const stored: StoredPath[] = [];
    for (const path of spec.storePaths ?? []) {
      stored.push({ path, archive: await getPath(ctx, container.id, path, who) });
    }
    return { ...execResult(outcome.StatusCode, output), stored };
  } finally {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

export async function execService(ctx: DockerContext, ref: ServiceRef, cmd: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  if (cmd.length === 0) throw new RuntimeError('invalid-spec', `exec in ${describe(ref)}: empty command`);
  const info = await requireService(ctx, ref);
  if (!info.State.Running) throw await notRunning(ctx, ref, info.Id, 'cannot exec in it');
  const who = describe(ref);
  const container = ctx.docker.getContainer(info.Id);
  const exec = await ctx.call(
    `exec in ${who}`,
    () =>
      container.exec({
        Cmd: [...cmd],
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        ...(options.env ? { Env: envList(options.env) } : {}),
        ...(options.user ? { User: userString(options.user) } : {}),
        ...(options.workdir ? { WorkingDir: options.workdir } : {}),
      }),
    (err) => (err.statusCode === 409 ? new RuntimeError('not-running', `${who} is not running; cannot exec in it`) : undefined),
  );
  const stream = await ctx.call(`exec in ${who}`, () => exec.start({ hijack: true, stdin: false }));
  const output = await ctx.call(`exec in ${who}`, () =>
    readMultiplexed(
      stream,
      options.timeoutMs,
      () => new RuntimeError('timeout', `command ${JSON.stringify(cmd)} in ${who} did not finish within ${formatDuration(options.timeoutMs ?? 0)}`),
    ),
  );
  const deadline = Date.now() + 5000;
  for (;;) {
    const state = await ctx.call(`exec in ${who}`, () => exec.inspect());
    if (!state.Running && state.ExitCode !== null) return execResult(state.ExitCode, output);
    if (Date.now() > deadline) {
      throw new RuntimeError('engine-error', `command ${JSON.stringify(cmd)} in ${who}: the engine did not report an exit code`);
    }
    await sleep(20);
  }
}

export async function execAttached(
  ctx: DockerContext,
  ref: ServiceRef,
  cmd: readonly string[],
  out: OutputStreams,
  options: AttachedExecOptions = {},
): Promise<number> {
  if (cmd.length === 0) throw new RuntimeError('invalid-spec', `exec in ${describe(ref)}: empty command`);
  const info = await requireService(ctx, ref);
  if (!info.State.Running) throw await notRunning(ctx, ref, info.Id, 'cannot exec in it');
  return execAttachedIn(ctx.docker.getContainer(info.Id), describe(ref), cmd, out, options, (what, fn) => ctx.call(what, fn));
}

export async function execInCopy(
  ctx: DockerContext,
  ref: ServiceRef,
  cmd: readonly string[],
  out: OutputStreams,
  options: AttachedExecOptions = {},
): Promise<number> {
  if (cmd.length === 0) throw new RuntimeError('invalid-spec', `running in a copy of ${describe(ref)}: empty command`);
  const info = await requireService(ctx, ref);
  return runInCopy(ctx.docker, info, ref.lineage, ref.name, cmd, out, options, (what, fn) => ctx.call(what, fn));
}

export async function copyToService(ctx: DockerContext, ref: ServiceRef, file: FileMount): Promise<void> {
  const info = await requireService(ctx, ref);
  await putFiles(ctx, info.Id, file, describe(ref));
}

export async function copyFromService(ctx: DockerContext, ref: ServiceRef, path: string): Promise<Buffer> {
  const info = await requireService(ctx, ref);
  return getPath(ctx, info.Id, path, describe(ref));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
