// The Docker implementation of the Runtime interface, on dockerode: a thin class that
// composes the adapter's parts, each a set of functions over one shared DockerContext
// (context.ts: the client, the engine's address, the settings, the locks and `call`):
//   enclave.ts            enclave networks, subnets and fixed addresses, attaching containers
//   images.ts             presence, pull, build, registry digest, identity, ensureImages
//   services.ts           service containers: create, inspect, start, stop, remove, logs, ports
//   tasks.ts              one-off task containers, exec in services, file copies
//   foreign-containers.ts containers starform did not create (adoption.ts)
//
// An enclave is a user-defined bridge network `starform-<lineage>`; a service is a
// container on it, reachable from its peers under the service name (a network alias),
// with its ports published on the host (127.0.0.1 by default) so that starform itself can
// make requests and readiness checks. Files artifacts are copied in with putArchive after
// the container is created and before it starts, so the service sees them from its first
// instruction; persistent directories are named volumes labelled with the lineage.
//
// Safety: a container is acted on only after its labels show it belongs to the lineage
// (and service) the caller named; a container id recorded in a state file is checked the
// same way. Creating a service is all-or-nothing: if copying files or starting fails the
// half-made container is removed before the error is reported.
//
// Concurrency: dockerode calls are independent HTTP requests and run in parallel; an
// in-process per-key lock serialises what must not interleave (an enclave's network, one
// service's create/start/stop/remove), and concurrent requests for the same image share
// one pull or build. Every dockerode failure goes through `call`, which maps it to a
// RuntimeError with a message for the user (docker-errors.ts).

import { unreachableError } from './docker-errors.js';
import { engineGet } from './engine-http.js';
import { ipv4Range } from './addresses.js';
import { deviceMapping, gpuHostConfig, hostAccessConfig } from './host-config.js';
export { deviceMapping, gpuHostConfig, hostAccessConfig, ipv4Range };
import { DockerContext, type DockerRuntimeOptions } from './context.js';
export { engineFor, type DockerRuntimeOptions } from './context.js';
import { attachToEnclave, ensureEnclave, inspectEnclave, removeEnclave } from './enclave.js';
import { inspectForeignContainer, lookupContainer } from './foreign-containers.js';
import { buildImage, ensureImages, imageExists, imageIdentity, pullImage, registryDigest } from './images.js';
import { createService, inspectService, inspectServices, removeService, serviceLogs, startService, stopService, streamLogs, waitForPort } from './services.js';
import { copyFromService, copyToService, execAttached, execInCopy, execService, runTask } from './tasks.js';
import { formatDuration } from './tcp-wait.js';
import type {
  AttachedExecOptions,
  EnclaveInfo,
  EnclaveResources,
  EngineInfo,
  ExecOptions,
  ExecResult,
  FileMount,
  ForeignContainer,
  ImageBuildSpec,
  ImageIdentity,
  ImageOutcome,
  ImageProgress,
  ImageRequest,
  LogOptions,
  OutputStreams,
  PublishedPort,
  RegistryAuth,
  Runtime,
  ServiceInfo,
  ServiceRef,
  ServiceSpec,
  ServiceStatus,
  TaskResult,
  TaskSpec,
  WaitOptions,
} from '../runtime/index.js';
import type { AdoptableContainer, ContainerAdoption } from './adoption.js';

export class DockerRuntime implements Runtime, ContainerAdoption {
  readonly kind = 'docker';
  readonly endpoint: string;
  private readonly ctx: DockerContext;

  constructor(options: DockerRuntimeOptions = {}) {
    this.ctx = new DockerContext(options);
    this.endpoint = this.ctx.endpoint;
  }

  async ping(): Promise<EngineInfo> {
    const ctx = this.ctx;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(unreachableError(this.endpoint, undefined, `no answer within ${formatDuration(ctx.pingTimeoutMs)}`)), ctx.pingTimeoutMs);
    });
    try {
      const version = await Promise.race([
        ctx.call('contacting the engine', () => engineGet<{ Version: string; ApiVersion: string }>(ctx.address, '/version', {}, ctx.pingTimeoutMs)),
        timeout,
      ]);
      return { kind: this.kind, version: version.Version, apiVersion: version.ApiVersion, endpoint: this.endpoint };
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- enclaves (enclave.ts) -----------------------------------------------------------

  ensureEnclave(lineage: string): Promise<EnclaveInfo> {
    return ensureEnclave(this.ctx, lineage);
  }

  inspectEnclave(lineage: string): Promise<EnclaveResources> {
    return inspectEnclave(this.ctx, lineage);
  }

  removeEnclave(lineage: string, options?: { readonly keep?: readonly string[] }): Promise<EnclaveResources> {
    return removeEnclave(this.ctx, lineage, options);
  }

  // ---- images (images.ts) --------------------------------------------------------------

  imageExists(ref: string): Promise<boolean> {
    return imageExists(this.ctx, ref);
  }

  registryDigest(ref: string, auth?: RegistryAuth): Promise<string> {
    return registryDigest(this.ctx, ref, auth);
  }

  pullImage(ref: string, auth?: RegistryAuth, onProgress?: (p: ImageProgress) => void, signal?: AbortSignal): Promise<void> {
    return pullImage(this.ctx, ref, auth, onProgress, signal);
  }

  buildImage(ref: string, spec: ImageBuildSpec, onProgress?: (p: ImageProgress) => void, signal?: AbortSignal): Promise<string> {
    return buildImage(this.ctx, ref, spec, onProgress, signal);
  }

  ensureImages(requests: readonly ImageRequest[]): Promise<ImageOutcome[]> {
    return ensureImages(this.ctx, requests);
  }

  imageIdentity(ref: string): Promise<ImageIdentity | undefined> {
    return imageIdentity(this.ctx, ref);
  }

  // ---- services (services.ts) ----------------------------------------------------------

  createService(lineage: string, spec: ServiceSpec): Promise<ServiceInfo> {
    return createService(this.ctx, lineage, spec);
  }

  inspectService(ref: ServiceRef): Promise<ServiceStatus | undefined> {
    return inspectService(this.ctx, ref);
  }

  inspectServices(lineage: string, refs: readonly ServiceRef[]): Promise<(ServiceStatus | undefined)[]> {
    return inspectServices(this.ctx, lineage, refs);
  }

  stopService(ref: ServiceRef, options?: { timeoutSeconds?: number }): Promise<void> {
    return stopService(this.ctx, ref, options);
  }

  startService(ref: ServiceRef): Promise<ServiceInfo> {
    return startService(this.ctx, ref);
  }

  removeService(ref: ServiceRef): Promise<boolean> {
    return removeService(this.ctx, ref);
  }

  serviceLogs(ref: ServiceRef, options?: { tail?: number }): Promise<string> {
    return serviceLogs(this.ctx, ref, options);
  }

  streamLogs(ref: ServiceRef, out: OutputStreams, options?: LogOptions): Promise<void> {
    return streamLogs(this.ctx, ref, out, options);
  }

  waitForPort(ref: ServiceRef, portId: string, options: WaitOptions): Promise<PublishedPort> {
    return waitForPort(this.ctx, ref, portId, options);
  }

  // ---- tasks, exec and file copies (tasks.ts) ------------------------------------------

  runTask(lineage: string, spec: TaskSpec): Promise<TaskResult> {
    return runTask(this.ctx, lineage, spec);
  }

  exec(ref: ServiceRef, cmd: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return execService(this.ctx, ref, cmd, options);
  }

  execAttached(ref: ServiceRef, cmd: readonly string[], out: OutputStreams, options?: AttachedExecOptions): Promise<number> {
    return execAttached(this.ctx, ref, cmd, out, options);
  }

  execInCopy(ref: ServiceRef, cmd: readonly string[], out: OutputStreams, options?: AttachedExecOptions): Promise<number> {
    return execInCopy(this.ctx, ref, cmd, out, options);
  }

  copyToService(ref: ServiceRef, file: FileMount): Promise<void> {
    return copyToService(this.ctx, ref, file);
  }

  copyFromService(ref: ServiceRef, path: string): Promise<Buffer> {
    return copyFromService(this.ctx, ref, path);
  }

  // ---- containers starform did not create (foreign-containers.ts, adoption.ts) ---------

  lookupContainer(idOrName: string): Promise<(AdoptableContainer & { readonly volumes: readonly string[] }) | undefined> {
    return lookupContainer(this.ctx, idOrName);
  }

  inspectForeignContainer(nameOrId: string): Promise<ForeignContainer | undefined> {
    return inspectForeignContainer(this.ctx, nameOrId);
  }

  attachToEnclave(lineage: string, containerId: string, alias: string, options?: { readonly ipAddress?: string }): Promise<string> {
    return attachToEnclave(this.ctx, lineage, containerId, alias, options);
  }
}
