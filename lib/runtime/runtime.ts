// The runtime interface: what starform's executor needs from a container engine, said
// without naming any engine. An *enclave* is the set of resources belonging to one state
// file, identified by the state's lineage: a private network on which services find each
// other by name, the service containers, one-off task containers and persistent volumes,
// all labelled with that lineage. The executor drives a Kurtosis-style plan through this
// interface only (add_service → createService, exec → exec, run_sh → runTask, ...), so a
// runtime adapter for another engine stands beside the existing ones (test/runtime/contract.ts).
//
// The layer is deliberately thin: it knows nothing of plans, instructions or state files.
// It never touches a resource that lacks its lineage label, and every failure a user can
// cause surfaces as a RuntimeError (errors.ts) with a message meant for that user.
// Resource amounts use Kurtosis's units: CPU in millicores, memory in megabytes (10^6 B).

import type { RuntimeError } from './errors.js';

export type TransportProtocol = 'TCP' | 'UDP' | 'SCTP';

/** A port a service listens on. */
export interface PortSpec {
  /** Port number inside the container. */
  readonly number: number;
  /** Defaults to TCP. */
  readonly protocol?: TransportProtocol;
  /** A fixed port on the host. When absent the engine picks a free host port. */
  readonly publicPort?: number;
}

/** A tar archive whose entries are unpacked under `mountPath` before the container starts. */
export interface FileMount {
  /** Absolute directory path inside the container; created when missing. */
  readonly mountPath: string;
  /** An uncompressed tar archive (entry names relative to mountPath). */
  readonly archive: Uint8Array;
  /** A file holds a sensitive value (lib/plan/sensitive.ts): a runtime with secrets keeps it as one. */
  readonly sensitive?: boolean;
}

/** A directory whose content outlives the container (a named volume of the enclave). */
export interface PersistentDirectory {
  readonly mountPath: string;
  /** Stable key; the same key in the same enclave always means the same volume. */
  readonly key: string;
}

export interface UserSpec {
  readonly uid: number;
  readonly gid?: number;
}

/** Everything needed to create one service container. */
export interface ServiceSpec {
  /** Service name: unique in the enclave, and the host name other services resolve. */
  readonly name: string;
  readonly image: string;
  /** Overrides the image's entrypoint when given. */
  readonly entrypoint?: readonly string[];
  /** Overrides the image's command when given. */
  readonly cmd?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Keyed by port id (the name the package uses, e.g. "http"). */
  readonly ports?: Readonly<Record<string, PortSpec>>;
  /** Extra labels; keys starting with "starform." are reserved. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly user?: UserSpec;
  readonly maxCpuMillicores?: number;
  /** A CPU reservation; engines without one ignore it. */
  readonly minCpuMillicores?: number;
  readonly maxMemoryMegabytes?: number;
  readonly minMemoryMegabytes?: number;
  readonly files?: readonly FileMount[];
  readonly persistentDirectories?: readonly PersistentDirectory[];
  /**
   * Kurtosis's private_ip_address_placeholder: where this text appears in the entrypoint,
   * cmd or environment values, the service's own IP address replaces it. The address is
   * chosen before the container is created and fixed on it.
   */
  readonly ipAddressPlaceholder?: string;
  /** Runs an init process (tini) as PID 1: Kurtosis's tini_enabled. */
  readonly init?: boolean;
  /** Allocates a terminal for the container (Kurtosis's tty_enabled). */
  readonly tty?: boolean;
  /** Host devices passed through, as `host[:container][:permissions]`. */
  readonly devices?: readonly string[];
  /** GPUs and the related limits (Kurtosis's GpuConfig). */
  readonly gpu?: GpuRequest;
  /**
   * Whether UDP ports are published on the host (default true). Kurtosis's single-host backend
   * publishes them only with publish_udp=True; unpublished ports are still reachable on
   * the enclave network.
   */
  readonly publishUdp?: boolean;
  /** Linux capabilities added to the container. */
  readonly capabilities?: readonly string[];
  /** Host-level powers; the plan allows them only with the user's opt-in. */
  readonly privileged?: boolean;
  readonly hostPidNamespace?: boolean;
  /** Host path → container path bind mounts. */
  readonly bindMounts?: Readonly<Record<string, string>>;
  /**
   * The address the service must have on the enclave network: a replaced service keeps
   * the one it had. When given it is also the address the IP placeholder stands for.
   */
  readonly ipAddress?: string;
  /** Node label → value the node running the service must have (Kurtosis's node_selectors). */
  readonly nodeSelectors?: Readonly<Record<string, string>>;
  /** Keys of the Kubernetes-style tolerations asked for; runtimes without taints refuse or ignore them. */
  readonly tolerations?: readonly string[];
}

/** The host-level settings a service or task may ask for (see ServiceSpec). */
export type HostAccess = Pick<ServiceSpec, 'privileged' | 'hostPidNamespace' | 'bindMounts'>;

/** Kurtosis's GpuConfig. */
export interface GpuRequest {
  /** How many GPUs; -1 for all of them; 0 with no deviceIds for none. */
  readonly count: number;
  readonly deviceIds: readonly string[];
  /** The device driver (`nvidia`). */
  readonly driver: string;
  /** Size of /dev/shm in megabytes; 0 keeps the engine's default. */
  readonly shmSizeMegabytes: number;
  /** ulimit name → limit; -1 means unlimited. */
  readonly ulimits: Readonly<Record<string, number>>;
}

/** Names one service of one enclave; with `containerId` it names that exact container. */
export interface ServiceRef {
  readonly lineage: string;
  readonly name: string;
  /**
   * The container recorded in the state. When given, it is used instead of a lookup by
   * labels, and the runtime refuses (code 'not-owned') if it does not carry this
   * lineage and service name.
   */
  readonly containerId?: string;
  /**
   * Set for a container adopted by `starform import` (with `containerId`): it carries no
   * labels, so the runtime checks only that it is not labelled for another lineage, and
   * takes its port ids from here (no label says them).
   */
  readonly adopted?: { readonly ports: Readonly<Record<string, { readonly number: number; readonly protocol: TransportProtocol }>> };
}

/** A service port as published on the host. */
export interface PublishedPort {
  readonly number: number;
  readonly protocol: TransportProtocol;
  /** Host address to connect to from the machine running starform. */
  readonly hostIp: string;
  readonly hostPort: number;
}

/** What exists after a service was created or started. */
export interface ServiceInfo {
  readonly name: string;
  readonly containerId: string;
  /** Name other services of the enclave use to reach it (the service name). */
  readonly hostname: string;
  /** Address on the enclave network ('' when the container is not running). */
  readonly ipAddress: string;
  /** Keyed by port id; empty while the container is not running. */
  readonly ports: Readonly<Record<string, PublishedPort>>;
  /** The id (sha256:…) of the image the container was created from. */
  readonly imageId?: string;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ServiceStatus extends ServiceInfo {
  readonly running: boolean;
  readonly state: ContainerState;
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Exit code of the last run, when the container has exited. */
  readonly exitCode?: number;
  /** The id of the image the container runs (what its tag named when it was created). */
  readonly imageId?: string;
}

export interface EnclaveInfo {
  readonly lineage: string;
  readonly networkId: string;
  readonly networkName: string;
}

export interface ContainerSummary {
  readonly id: string;
  /** The engine's name for the container. */
  readonly containerName: string;
  /** Service name, for service containers. */
  readonly service?: string;
  /** Task name, for one-off task containers. */
  readonly task?: string;
  readonly image: string;
  readonly state: ContainerState;
  readonly running: boolean;
}

export interface VolumeSummary {
  readonly name: string;
  readonly key: string;
}

/** A container starform does not own, as a binding sees it: its networks' addresses. */
export interface ForeignContainer {
  readonly id: string;
  readonly name: string;
  readonly running: boolean;
  /** Network name → the container's IPv4 address on it, sorted by network name. */
  readonly networks: readonly { readonly network: string; readonly ipAddress: string }[];
}

/** Everything labelled with a lineage. */
export interface EnclaveResources {
  readonly lineage: string;
  readonly network?: EnclaveInfo;
  /** Subnet probe networks of the enclave that a crash left behind (removed with the enclave). */
  readonly probeNetworks?: readonly EnclaveInfo[];
  readonly containers: readonly ContainerSummary[];
  readonly volumes: readonly VolumeSummary[];
}

/** How to build an image (Kurtosis's ImageBuildSpec). */
export interface ImageBuildSpec {
  /** Directory sent to the engine as the build context. */
  readonly contextDir: string;
  /** Path of the Dockerfile relative to contextDir; defaults to "Dockerfile". */
  readonly dockerfile?: string;
  /** Stage of a multi-stage Dockerfile to build. */
  readonly targetStage?: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
}

export type ImagePullPolicy = 'if-missing' | 'always' | 'never';

/** One image the plan needs: present locally, pulled, or built from `build`. */
export interface ImageRequest {
  readonly ref: string;
  /** When given, the image is built (tagged `ref`) instead of pulled. */
  readonly build?: ImageBuildSpec;
  /** For pulled images; defaults to 'if-missing'. Built images are always rebuilt. */
  readonly pull?: ImagePullPolicy;
  /** Credentials for the registry the image is pulled from (Kurtosis's ImageSpec). */
  readonly auth?: RegistryAuth;
  /** Told about the pull's layers and the build's steps as the engine reports them (image-progress.ts). */
  readonly onProgress?: (progress: ImageProgress) => void;
  /**
   * Aborting ends the pull or build in progress (the engine stops it): its outcome fails
   * with 'timeout' ("interrupted"). An image already present or made is not affected.
   */
  readonly signal?: AbortSignal;
}

/** One report of a pull or build in progress, as an adapter reads it from its engine. */
export type ImageProgress =
  | {
      readonly kind: 'layer';
      /** The layer's short id as the engine names it. */
      readonly layer: string;
      /** The engine's word for where the layer is: Waiting, Downloading, Extracting, Pull complete... */
      readonly status: string;
      readonly current?: number;
      readonly total?: number;
    }
  | { readonly kind: 'step'; readonly text: string }
  | { readonly kind: 'status'; readonly text: string };

export interface RegistryAuth {
  readonly username: string;
  readonly password: string;
  /** The registry's address (`registry.example.com`); the engine's default registry when absent. */
  readonly serverAddress?: string;
}

export type ImageOutcome =
  | { readonly ref: string; readonly ok: true; readonly action: 'present' | 'pulled' | 'built'; readonly id: string }
  | { readonly ref: string; readonly ok: false; readonly error: RuntimeError };

export interface ExecOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly user?: UserSpec;
  readonly workdir?: string;
  /** Give up (code 'timeout') after this long; the process may keep running. */
  readonly timeoutMs?: number;
}

export interface ExecResult {
  readonly exitCode: number;
  /** stdout and stderr interleaved in the order the engine delivered them. */
  readonly output: string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where a service's log, or an attached command's output, is written (see Runtime.streamLogs). */
export interface OutputStreams {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export interface LogOptions {
  /** Keep writing what the service prints until it stops or `signal` aborts. */
  readonly follow?: boolean;
  /** Only the last this many lines (before following). */
  readonly tail?: number;
  /** Only what was printed at or after this time (milliseconds since the epoch). */
  readonly sinceMs?: number;
  readonly signal?: AbortSignal;
}

export interface TerminalSize {
  readonly rows: number;
  readonly columns: number;
}

/** A command run in a service with its streams attached (starform exec / shell). */
export interface AttachedExecOptions extends Omit<ExecOptions, 'timeoutMs'> {
  /** Standard input of the command; none when absent (the command reads end of file). */
  readonly stdin?: NodeJS.ReadableStream;
  /** Give the command a terminal of this size: one output stream, raw bytes (stderr unused). */
  readonly tty?: TerminalSize;
  /** Called with a function that resizes the command's terminal (for a window that changes size). */
  readonly onResize?: (resize: (size: TerminalSize) => void) => void;
}

/** What an image is: its id and the registry digests it is known by (none for a local build or import). */
export interface ImageIdentity {
  readonly id: string;
  readonly repoDigests: readonly string[];
}

/** A one-off container (run_sh, run_python): run a command to completion, collect results. */
export interface TaskSpec {
  /** Label for the task (e.g. the instruction's name); need not be unique. */
  readonly name: string;
  readonly image: string;
  readonly cmd: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly user?: UserSpec;
  readonly workdir?: string;
  readonly files?: readonly FileMount[];
  /** Paths copied out of the container after the command finished. */
  readonly storePaths?: readonly string[];
  /** Defaults to 180 s; on expiry the container is killed and 'timeout' is thrown. */
  readonly timeoutMs?: number;
  /** Aborting kills the task's container and fails with 'timeout' ("interrupted"). */
  readonly signal?: AbortSignal;
  readonly labels?: Readonly<Record<string, string>>;
  readonly privileged?: boolean;
  readonly hostPidNamespace?: boolean;
  readonly bindMounts?: Readonly<Record<string, string>>;
}

export interface StoredPath {
  readonly path: string;
  /** Tar archive of the path; its top entry is the path's last component. */
  readonly archive: Buffer;
}

export interface TaskResult extends ExecResult {
  readonly stored: readonly StoredPath[];
}

export interface WaitOptions {
  readonly timeoutMs: number;
  /** Pause between attempts; defaults to 200 ms. */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
}

export interface EngineInfo {
  /** The adapter's kind (Runtime.kind). */
  readonly kind: string;
  readonly version: string;
  readonly apiVersion: string;
  /** Where the engine was reached (a socket path or URL). */
  readonly endpoint: string;
}

export interface Runtime {
  /** The adapter's kind, as `--runtime` names it. */
  readonly kind: string;
  /** Where this runtime talks to its engine (for messages). */
  readonly endpoint: string;

  /** Checks that the engine answers; throws 'engine-unreachable' otherwise. */
  ping(): Promise<EngineInfo>;

  /** Creates the enclave's network unless it exists. */
  ensureEnclave(lineage: string): Promise<EnclaveInfo>;
  /** Lists everything labelled with the lineage. */
  inspectEnclave(lineage: string): Promise<EnclaveResources>;
  /**
   * Removes every container, volume and the network labelled with the lineage; returns what
   * it removed. `keep`: container ids to leave (those `state rm` forgot) with the volumes
   * they use; they are disconnected from the network before it goes.
   */
  removeEnclave(lineage: string, options?: { readonly keep?: readonly string[] }): Promise<EnclaveResources>;
  /**
   * Read-only look at a container starform does not own, by name or id (`plan --override`
   * binds a service to it: lib/apply/handlers/bind.ts); undefined when there is none.
   * Optional: an engine without it cannot bind to existing containers.
   */
  inspectForeignContainer?(nameOrId: string): Promise<ForeignContainer | undefined>;

  imageExists(ref: string): Promise<boolean>;
  /** Pulls an image; 'image-not-found' or 'registry-unreachable' when it cannot. */
  pullImage(ref: string): Promise<void>;
  /** Builds and tags an image; returns its id. */
  buildImage(ref: string, spec: ImageBuildSpec): Promise<string>;
  /** Makes every requested image available, several at a time; never throws per image. */
  ensureImages(requests: readonly ImageRequest[]): Promise<ImageOutcome[]>;
  /** The digest (sha256:…) the image's registry has for the reference now; 'registry-unreachable' / 'image-not-found' when it cannot say. */
  registryDigest?(ref: string, auth?: RegistryAuth): Promise<string>;

  /** Creates, fills (files before start) and starts a service container on the enclave network. */
  createService(lineage: string, spec: ServiceSpec): Promise<ServiceInfo>;
  /** Current status, or undefined when no such container exists. */
  inspectService(ref: ServiceRef): Promise<ServiceStatus | undefined>;
  /**
   * `inspectService` of each of these services of one enclave (every ref of `lineage`), in
   * their order, with the same answers and errors; an engine that can list an enclave
   * answers for most of them with one call.
   */
  inspectServices(lineage: string, refs: readonly ServiceRef[]): Promise<(ServiceStatus | undefined)[]>;
  stopService(ref: ServiceRef, options?: { timeoutSeconds?: number }): Promise<void>;
  /** Starts a stopped service; returns fresh info (host ports may change). */
  startService(ref: ServiceRef): Promise<ServiceInfo>;
  /** Removes the service container; false when there was none. Volumes are kept. */
  removeService(ref: ServiceRef): Promise<boolean>;
  /** The container's log (stdout and stderr interleaved), optionally only the last lines. */
  serviceLogs(ref: ServiceRef, options?: { tail?: number }): Promise<string>;

  /** Writes the container's log to `out`, stdout and stderr apart; with `follow` until it stops or `signal` aborts. */
  streamLogs(ref: ServiceRef, out: OutputStreams, options?: LogOptions): Promise<void>;
  /** Runs a command in the running service with its streams attached; resolves with its exit code. */
  execAttached(ref: ServiceRef, cmd: readonly string[], out: OutputStreams, options?: AttachedExecOptions): Promise<number>;
  /**
   * Runs a command attached in a copy of a service container that is not running (its files
   * as it left them, its volumes, no network), removed afterwards; resolves with its exit code.
   */
  execInCopy(ref: ServiceRef, cmd: readonly string[], out: OutputStreams, options?: AttachedExecOptions): Promise<number>;
  /** The id and registry digests of a local image; undefined when the engine has no such image. */
  imageIdentity(ref: string): Promise<ImageIdentity | undefined>;

  /** Waits until the service's port answers from this host through its published port. */
  waitForPort(ref: ServiceRef, portId: string, options: WaitOptions): Promise<PublishedPort>;
  exec(ref: ServiceRef, cmd: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Unpacks a tar archive under mountPath in the service container. */
  copyToService(ref: ServiceRef, file: FileMount): Promise<void>;
  /** A tar archive of `path` in the service container (top entry: its last component). */
  copyFromService(ref: ServiceRef, path: string): Promise<Buffer>;

  /** Runs a one-off task container to completion on the enclave network, then removes it. */
  runTask(lineage: string, spec: TaskSpec): Promise<TaskResult>;
}
