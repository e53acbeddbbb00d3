// The Docker side of operating a running enclave: a service's log as a stream (`starform
// logs`, also followed), a command with its streams attached (`starform exec`, and with a
// terminal `starform shell`), and an image's identity (`starform status`).
//
// Both streams arrive on one connection. Without a terminal the engine multiplexes them in
// frames (docker-stream.ts explains the format); this file demultiplexes them *as they
// arrive*, writing each payload to the caller's stdout or stderr at once, so a followed log
// or a long command shows its lines live and keeps them apart. With a terminal (a container
// or exec created with Tty) there is one raw byte stream, passed through untouched, so the
// remote shell's escape sequences reach the user's terminal as they are.
//
// Standard input of an attached exec is piped into the hijacked connection; its end
// half-closes the connection, which the engine passes on as end of file to the command.
// The exit code is read from the exec's inspection once the output has ended (the engine
// may take a moment to record it).
//
// A stopped container takes no exec, yet a user debugging a failed service (kept by apply
// --keep-failed) wants a shell on it: `runInCopy` commits the container to a temporary
// image and runs the command in a new container of it — the files as the service left
// them, its volumes shared (VolumesFrom), no network — then removes both. The copy is
// labelled as a task of the enclave, so `destroy` finds one that a crash left behind.
//
// DockerRuntime calls these after it has resolved (and checked the ownership of) the
// container, and maps engine failures through its `call`.
import type Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import type { AttachedExecOptions, ImageIdentity, LogOptions, OutputStreams } from '../runtime/index.js';
import { RuntimeError } from '../runtime/index.js';
import { engineGet, type EngineAddress } from './engine-http.js';
import { randomBytes } from 'node:crypto';
import { LABEL_TASK, ownLabels, taskContainerName, userString } from './naming.js';

/** Maps a failing engine call to a RuntimeError (DockerRuntime's `call`). */
export type EngineCall = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

const HEADER = 8;

/** Writes the frames of a multiplexed stream to stdout / stderr as they complete. */
export class FrameWriter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly out: OutputStreams) {}

  push(chunk: Uint8Array): void {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    let offset = 0;
    while (data.length - offset >= HEADER) {
      const size = data.readUInt32BE(offset + 4);
      if (data.length - offset - HEADER < size) break;
      const payload = data.subarray(offset + HEADER, offset + HEADER + size);
      (data[offset] === 2 ? this.out.stderr : this.out.stdout).write(Buffer.from(payload));
      offset += HEADER + size;
    }
    data = data.subarray(offset);
    this.pending = Buffer.from(data);
  }
}

/** Copies `stream` to `out` (framed or raw) until it ends, fails, or `signal` aborts. */
function pump(stream: NodeJS.ReadableStream, out: OutputStreams, tty: boolean, signal?: AbortSignal): Promise<void> {
  const frames = new FrameWriter(out);
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onAbort = (): void => {
      finish();
      (stream as Partial<Duplex>).destroy?.();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk: Buffer) => (tty ? out.stdout.write(chunk) : frames.push(chunk)));
    stream.on('end', () => finish());
    stream.on('close', () => finish());
    stream.on('error', (err: Error) => finish(err));
  });
}

/** `docker logs` of one container (see the file comment). */
export async function streamContainerLogs(
  container: Docker.Container,
  tty: boolean,
  who: string,
  out: OutputStreams,
  options: LogOptions,
  call: EngineCall,
): Promise<void> {
  const query = {
    stdout: true,
    stderr: true,
    ...(options.tail !== undefined ? { tail: options.tail } : {}),
    // The engine takes seconds, with a fraction, since the epoch.
    ...(options.sinceMs !== undefined ? { since: (options.sinceMs / 1000).toFixed(3) } : {}),
  };
  if (!options.follow) {
    const data = await call(`reading the log of ${who}`, () => container.logs({ ...query, follow: false }));
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(String(data));
    if (tty) out.stdout.write(bytes);
    else new FrameWriter(out).push(bytes);
    return;
  }
  const stream = await call(`following the log of ${who}`, () => container.logs({ ...query, follow: true }));
  await call(`following the log of ${who}`, () => pump(stream, out, tty, options.signal));
}

/** Runs `cmd` in the container with its streams attached; resolves with its exit code. */
export async function execAttachedIn(
  container: Docker.Container,
  who: string,
  cmd: readonly string[],
  out: OutputStreams,
  options: AttachedExecOptions,
  call: EngineCall,
): Promise<number> {
  const tty = options.tty;
  const exec = await call(`exec in ${who}`, () =>
    container.exec({
      Cmd: [...cmd],
      AttachStdin: options.stdin !== undefined,
      AttachStdout: true,
      AttachStderr: true,
      Tty: tty !== undefined,
      ...(tty !== undefined ? { ConsoleSize: [tty.rows, tty.columns] } : {}),
      ...(options.env ? { Env: Object.entries(options.env).map(([k, v]) => `${k}=${v}`) } : {}),
      ...(options.user ? { User: userString(options.user) } : {}),
      ...(options.workdir ? { WorkingDir: options.workdir } : {}),
    }),
  );
  const stream = await call(`exec in ${who}`, () =>
    exec.start({ hijack: true, stdin: options.stdin !== undefined, Tty: tty !== undefined, ...(tty ? { ConsoleSize: [tty.rows, tty.columns] } : {}) }),
  );
  const stdin = options.stdin;
  if (stdin !== undefined) stdin.pipe(stream);
  if (tty !== undefined) {
    const resize = (size: { rows: number; columns: number }): void => {
      exec.resize({ h: size.rows, w: size.columns }).catch(() => undefined);
    };
    // Engines before API 1.42 ignore ConsoleSize: the size is set as soon as the command
    // runs (the engine has started it when it answers), and once more a moment later.
    resize(tty);
    setTimeout(() => resize(tty), 50).unref();
    options.onResize?.(resize);
  }
  try {
    await call(`exec in ${who}`, () => pump(stream, out, tty !== undefined));
  } finally {
    if (stdin !== undefined) stdin.unpipe(stream);
  }
  const deadline = Date.now() + 5000;
  for (;;) {
    const state = await call(`exec in ${who}`, () => exec.inspect());
    if (!state.Running && state.ExitCode !== null) return state.ExitCode;
    if (Date.now() > deadline) throw new RuntimeError('engine-error', `command ${JSON.stringify(cmd)} in ${who}: the engine did not report an exit code`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs `cmd` attached in a copy of the stopped container `info` (see the file comment); resolves with its exit code. */
export async function runInCopy(
  docker: Docker,
  info: Docker.ContainerInspectInfo,
  lineage: string,
  service: string,
  cmd: readonly string[],
  out: OutputStreams,
  options: AttachedExecOptions,
  call: EngineCall,
): Promise<number> {
  const who = `service '${service}'`;
  const tty = options.tty;
  const stdin = options.stdin;
  const image = (await call(`copying the container of ${who}`, () =>
    docker.getContainer(info.Id).commit({ comment: `starform: a copy of ${who} to debug it`, pause: false }),
  )) as { Id: string };
  try {
    const env = [...(info.Config.Env ?? []), ...Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`)];
    const container = await call(`creating a copy of ${who}`, () =>
      docker.createContainer({
        name: taskContainerName(lineage, `debug-${service}`, randomBytes(4).toString('hex')),
        Image: image.Id,
        Entrypoint: [cmd[0]!],
        Cmd: cmd.slice(1),
        Env: env,
        Tty: tty !== undefined,
        OpenStdin: stdin !== undefined,
        StdinOnce: stdin !== undefined,
        AttachStdin: stdin !== undefined,
        AttachStdout: true,
        AttachStderr: true,
        ...(options.user ? { User: userString(options.user) } : info.Config.User ? { User: info.Config.User } : {}),
        ...(options.workdir ? { WorkingDir: options.workdir } : info.Config.WorkingDir ? { WorkingDir: info.Config.WorkingDir } : {}),
        Labels: ownLabels(lineage, undefined, { [LABEL_TASK]: `debug-${service}` }),
        HostConfig: { VolumesFrom: [info.Id], NetworkMode: 'none' },
      }),
    );
    try {
      const stream = (await call(`attaching to the copy of ${who}`, () =>
        container.attach({ stream: true, stdin: stdin !== undefined, stdout: true, stderr: true, hijack: true }),
      )) as NodeJS.ReadWriteStream;
      if (stdin !== undefined) stdin.pipe(stream);
      try {
        await call(`starting the copy of ${who}`, () => container.start());
        if (tty !== undefined) {
          const resize = (size: { rows: number; columns: number }): void => {
            container.resize({ h: size.rows, w: size.columns }).catch(() => undefined);
          };
          resize(tty);
          options.onResize?.(resize);
        }
        await call(`running in the copy of ${who}`, () => pump(stream, out, tty !== undefined));
      } finally {
        if (stdin !== undefined) stdin.unpipe(stream);
      }
      const ended = (await call(`running in the copy of ${who}`, () => container.wait())) as { StatusCode: number };
      return ended.StatusCode;
    } finally {
      // Not `v`: the volumes are the service's own (VolumesFrom).
      await container.remove({ force: true }).catch(() => undefined);
    }
  } finally {
    await docker
      .getImage(image.Id)
      .remove({ force: true, noprune: false })
      .catch(() => undefined);
  }
}

/** An image's id and registry digests; undefined when the engine has no such image. */
export async function imageIdentityAt(address: EngineAddress, ref: string, call: EngineCall): Promise<ImageIdentity | undefined> {
  const info = await call(`inspecting image '${ref}'`, () =>
    engineGet<{ Id: string; RepoDigests?: string[] | null }>(address, `/images/${encodeURI(ref)}/json`).catch((err: { statusCode?: number }) => {
      if (err.statusCode === 404) return undefined;
      throw err;
    }),
  );
  return info === undefined ? undefined : { id: info.Id, repoDigests: [...(info.RepoDigests ?? [])].sort() };
}
