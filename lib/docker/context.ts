// What every part of the Docker adapter shares (enclave.ts, images.ts, services.ts,
// tasks.ts, foreign-containers.ts): one engine's dockerode client (loaded on first use),
// its read-only HTTP address, the runtime's settings, the per-key locks, and `call`, which
// maps every dockerode failure to a RuntimeError with a message for the user
// (docker-errors.ts). DockerRuntime makes one and hands it to the functions it delegates to.

import type Docker from 'dockerode';
import { createRequire } from 'node:module';
import { asDockerodeError, engineMessage, isUnreachable, tlsError, unreachableError, type DockerodeError } from './docker-errors.js';
import { RuntimeError, type ImageOutcome } from '../runtime/index.js';
import { addressOf, type EngineAddress, type EngineCall } from './engine-http.js';
import { dockerodeOptions, parseHost, resolveEngine, type EngineEndpoint } from './endpoint.js';
import { KeyedLock } from './keyed-lock.js';

export interface DockerRuntimeOptions {
  /** Unix socket of the engine. Default: DOCKER_HOST, else the usual socket locations. */
  readonly socketPath?: string;
  /** Host address published ports bind to; default 127.0.0.1 (not reachable from other machines). */
  readonly publishHost?: string;
  /** Grace period for stopping a container before it is killed; default 10 s. */
  readonly stopTimeoutSeconds?: number;
  /** How many images ensureImages pulls or builds at once; default 3. */
  readonly imageConcurrency?: number;
  /** How long ping waits for an answer; default 5000 ms. */
  readonly pingTimeoutMs?: number;
  /** The engine itself, already resolved (the Swarm runtime's worker nodes); wins over socketPath. */
  readonly engine?: EngineEndpoint;
}

/** The engine a runtime talks to: the given socket, else what the environment names (endpoint.ts). */
export function engineFor(socketPath: string | undefined): EngineEndpoint {
  return socketPath !== undefined ? parseHost(`unix://${socketPath}`, undefined, 'the socketPath option') : resolveEngine();
}

/** Shared by every DockerRuntime of the process; keys start with the engine's endpoint. */
const locks = new KeyedLock();

export class DockerContext {
  readonly endpoint: string;
  private client: Docker | undefined;
  private readonly dockerOptions: Docker.DockerOptions | undefined;
  /** For the read-only calls of plan and refresh, which must not pay for loading dockerode. */
  readonly address: EngineAddress;
  readonly engine: EngineEndpoint;
  readonly publishHost: string;
  readonly stopTimeoutSeconds: number;
  readonly imageConcurrency: number;
  readonly pingTimeoutMs: number;
  /** Pulls and builds under way, by image reference: concurrent requests share one. */
  readonly imageJobs = new Map<string, Promise<ImageOutcome>>();

  constructor(options: DockerRuntimeOptions = {}) {
    const engine = options.engine ?? engineFor(options.socketPath);
    this.dockerOptions = dockerodeOptions(engine) as Docker.DockerOptions;
    this.address = addressOf(engine, (call) => this.dial(call));
    this.endpoint = engine.endpoint;
    this.engine = engine;
    // A remote engine's ports must be reachable from this machine: bound on all its addresses.
    this.publishHost = options.publishHost ?? (engine.local ? '127.0.0.1' : '0.0.0.0');
    this.stopTimeoutSeconds = options.stopTimeoutSeconds ?? 10;
    this.imageConcurrency = Math.max(1, options.imageConcurrency ?? 3);
    this.pingTimeoutMs = options.pingTimeoutMs ?? 5000;
  }

  /** An engine call through dockerode's transport (ssh://, which node:http cannot speak). */
  private dial(call: EngineCall): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.docker.modem.dial(
        {
          path: `${call.path}?`,
          method: call.method,
          // An empty body is left out (docker-modem drops `{}`): starting a container refuses any body.
          options: { _query: call.query ?? {}, _body: call.body ?? {} },
          statusCodes: {
            200: true,
            201: true,
            204: true,
            304: call.method === 'GET' ? true : 'not modified',
            400: 'bad parameter',
            404: 'no such object',
            409: 'conflict',
            500: 'server error',
          },
        },
        (err: unknown, data: unknown) => (err ? reject(err) : resolve(data)),
      );
    });
  }

  /** Where a port bound on `hostIp` of the engine's host is reached from this machine. */
  hostAddress(hostIp: string): string {
    if (!this.engine.local) return this.engine.publishedHost;
    if (hostIp === '' || hostIp === '0.0.0.0') return '127.0.0.1';
    if (hostIp === '::') return '::1';
    return hostIp;
  }

  /** dockerode, loaded on first use (see engine-http.ts for why not at start-up). */
  get docker(): Docker {
    if (this.client === undefined) {
      const DockerClient = createRequire(import.meta.url)('dockerode') as typeof Docker;
      this.client = new DockerClient(this.dockerOptions);
    }
    return this.client;
  }

  lock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return locks.run(`${this.endpoint}|${key}`, fn);
  }

  /** Beside other shared holders of the key, never beside a `lock` holder (keyed-lock.ts). */
  lockShared<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return locks.runShared(`${this.endpoint}|${key}`, fn);
  }

  async call<T>(what: string, fn: () => Promise<T>, special?: (err: DockerodeError) => RuntimeError | undefined): Promise<T> {
    try {
      return await fn();
    } catch (raw) {
      throw this.translate(raw, what, special);
    }
  }

  /** Like call, but an answer with `status` (404: already gone, 304: already so) counts as success. */
  async callTolerating<T>(
    status: number,
    what: string,
    fn: () => Promise<T>,
    special?: (err: DockerodeError) => RuntimeError | undefined,
  ): Promise<T | undefined> {
    try {
      return await fn();
    } catch (raw) {
      if (asDockerodeError(raw).statusCode === status) return undefined;
      throw this.translate(raw, what, special);
    }
  }

  translate(raw: unknown, what: string, special?: (err: DockerodeError) => RuntimeError | undefined): RuntimeError {
    if (raw instanceof RuntimeError) return raw;
    const err = asDockerodeError(raw);
    if (isUnreachable(err)) return unreachableError(this.endpoint, raw);
    const tls = tlsError(this.endpoint, raw);
    if (tls) return tls;
    const mapped = special?.(err);
    if (mapped) return mapped;
    return new RuntimeError('engine-error', `Docker Engine error while ${what}: ${engineMessage(err)}`, { cause: raw });
  }
}
