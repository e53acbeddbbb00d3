// An in-memory Runtime for the executor's unit tests: containers are records, exec and
// tasks answer through functions the test supplies, and every call is logged, so the
// tests can check what the executor asked of the engine (and in which order) without
// a Docker Engine. Hooks let a test fail a call or look at the state file at the moment
// a call is made (crash-safety ordering). It passes the runtime contract (test/runtime/contract.ts)
// except the cases that need real processes.
import { randomBytes } from 'node:crypto';
import { packFiles, readArchive } from '../../../lib/runtime/index.js';
import { RuntimeError } from '../../../lib/runtime/errors.js';
import type {
  AttachedExecOptions,
  ContainerSummary,
  ImageIdentity,
  LogOptions,
  OutputStreams,
  EnclaveInfo,
  EnclaveResources,
  EngineInfo,
  ExecOptions,
  ExecResult,
  FileMount,
  ImageBuildSpec,
  ImageOutcome,
  ImageRequest,
  PublishedPort,
  Runtime,
  ServiceInfo,
  ServiceRef,
  ServiceSpec,
  ServiceStatus,
  TaskResult,
  TaskSpec,
  WaitOptions,
} from '../../../lib/runtime/index.js';

export interface FakeContainer {
  readonly id: string;
  readonly lineage: string;
  readonly name: string;
  readonly spec: ServiceSpec;
  running: boolean;
  /** Set when the container has exited (see FakeRuntime.exitOnStart). */
  exitCode?: number;
  ip: string;
  ports: Record<string, PublishedPort>;
  /** Absolute path → content of the files put into the container. */
  files?: Map<string, Buffer>;
}

export class FakeRuntime implements Runtime {
  readonly kind = 'fake';
  readonly endpoint = 'fake://engine';
  readonly containers = new Map<string, FakeContainer>();
  readonly calls: string[] = [];
  readonly missingImages = new Set<string>();
  unreachable = false;
  /** Services whose container exits with this code right after it starts. */
  readonly exitOnStart = new Map<string, number>();
  /** Answers exec calls; default: exit 0, output "ok". */
  onExec: (name: string, cmd: readonly string[]) => Promise<ExecResult> | ExecResult = () => ({ exitCode: 0, output: 'ok', stdout: 'ok', stderr: '' });
  onTask: (spec: TaskSpec) => Promise<TaskResult> | TaskResult = () => ({ exitCode: 0, output: 'done\n', stdout: 'done\n', stderr: '', stored: [] });
  /** Called at the start of every call with its name; may throw or wait. */
  hook: (call: string, detail: string) => Promise<void> | void = () => undefined;
  /** Lineages whose enclave network exists. */
  readonly enclaves = new Set<string>();
  private next = 1;

  private async enter(call: string, detail = ''): Promise<void> {
    this.calls.push(detail ? `${call} ${detail}` : call);
    await this.hook(call, detail);
  }

  async ping(): Promise<EngineInfo> {
    await this.enter('ping');
    if (this.unreachable) throw new RuntimeError('engine-unreachable', 'cannot reach the fake engine');
    return { kind: 'fake', version: '1', apiVersion: '1', endpoint: this.endpoint };
  }

  async ensureEnclave(lineage: string): Promise<EnclaveInfo> {
    await this.enter('ensureEnclave');
    this.enclaves.add(lineage);
    return { lineage, networkId: `net-${lineage}`, networkName: `starform-${lineage}` };
  }

  async inspectEnclave(lineage: string): Promise<EnclaveResources> {
    await this.enter('inspectEnclave');
    const containers: ContainerSummary[] = [...this.containers.values()]
      .filter((c) => c.lineage === lineage)
      .map((c) => ({
        id: c.id,
        containerName: `${c.name}--${lineage}`,
        service: c.name,
        image: c.spec.image,
        state: c.running ? 'running' : 'exited',
        running: c.running,
      }));
    const network = this.enclaves.has(lineage) ? { network: { lineage, networkId: `net-${lineage}`, networkName: `starform-${lineage}` } } : {};
    return { lineage, ...network, containers, volumes: [] };
  }

  async removeEnclave(lineage: string): Promise<EnclaveResources> {
    const found = await this.inspectEnclave(lineage);
    await this.enter('removeEnclave');
    for (const c of found.containers) this.containers.delete(c.id);
    this.enclaves.delete(lineage);
    return found;
  }

  async imageExists(ref: string): Promise<boolean> {
    return !this.missingImages.has(ref);
  }
  async pullImage(ref: string): Promise<void> {
    if (this.missingImages.has(ref)) throw new RuntimeError('image-not-found', `image '${ref}' does not exist`);
  }
  async buildImage(ref: string, _spec: ImageBuildSpec): Promise<string> {
    return `sha256:${ref}`;
  }
  async ensureImages(requests: readonly ImageRequest[]): Promise<ImageOutcome[]> {
    await this.enter('ensureImages', requests.map((r) => r.ref).join(','));
    return requests.map((r) =>
      this.missingImages.has(r.ref)
        ? { ref: r.ref, ok: false, error: new RuntimeError('image-not-found', `pulling image '${r.ref}' failed: it does not exist`) }
        : { ref: r.ref, ok: true, action: 'present', id: `sha256:${r.ref}` },
    );
  }

  private find(ref: ServiceRef): FakeContainer | undefined {
    if (ref.containerId !== undefined) {
      const c = this.containers.get(ref.containerId);
      if (c && (c.lineage !== ref.lineage || c.name !== ref.name)) throw new RuntimeError('not-owned', 'not ours');
      return c;
    }
    return [...this.containers.values()].find((c) => c.lineage === ref.lineage && c.name === ref.name);
  }

  private info(c: FakeContainer): ServiceInfo {
    return { name: c.name, containerId: c.id, hostname: c.name, ipAddress: c.running ? c.ip : '', ports: c.running ? c.ports : {} };
  }

  async createService(lineage: string, spec: ServiceSpec): Promise<ServiceInfo> {
    await this.enter('createService', spec.name);
    if (this.find({ lineage, name: spec.name })) throw new RuntimeError('name-conflict', `service '${spec.name}' already exists`);
    const n = this.next++;
    const ports: Record<string, PublishedPort> = {};
    for (const [id, p] of Object.entries(spec.ports ?? {})) {
      ports[id] = { number: p.number, protocol: p.protocol ?? 'TCP', hostIp: '127.0.0.1', hostPort: p.publicPort ?? 40000 + n };
    }
    const c: FakeContainer = { id: randomBytes(32).toString('hex'), lineage, name: spec.name, spec, running: true, ip: `10.0.0.${n}`, ports };
    for (const file of spec.files ?? []) await this.putFiles(c, file);
    this.containers.set(c.id, c);
    const info = this.info(c);
    const code = this.exitOnStart.get(spec.name);
    if (code !== undefined) {
      c.running = false;
      c.exitCode = code;
    }
    return info;
  }

  inspectServices(lineage: string, refs: readonly ServiceRef[]): Promise<(ServiceStatus | undefined)[]> {
    return Promise.all(
      refs.map(async (ref) => {
        if (ref.lineage !== lineage) throw new Error(`inspectServices: service '${ref.name}' is of enclave ${ref.lineage}, not ${lineage}`);
        return this.inspectService(ref);
      }),
    );
  }

  async inspectService(ref: ServiceRef): Promise<ServiceStatus | undefined> {
    const c = this.find(ref);
    if (!c) return undefined;
    return {
      ...this.info(c),
      running: c.running,
      state: c.running ? 'running' : 'exited',
      image: c.spec.image,
      imageId: `sha256:${'0'.repeat(64)}`,
      labels: {},
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
    };
  }

  async stopService(ref: ServiceRef): Promise<void> {
    await this.enter('stopService', ref.name);
    const c = this.find(ref);
    if (!c) throw new RuntimeError('not-found', `no ${ref.name}`);
    c.running = false;
  }

  async startService(ref: ServiceRef): Promise<ServiceInfo> {
    await this.enter('startService', ref.name);
    const c = this.find(ref);
    if (!c) throw new RuntimeError('not-found', `no ${ref.name}`);
    c.running = true;
    return this.info(c);
  }

  async removeService(ref: ServiceRef): Promise<boolean> {
    await this.enter('removeService', ref.name);
    const c = this.find(ref);
    if (!c) return false;
    this.containers.delete(c.id);
    return true;
  }

  async serviceLogs(): Promise<string> {
    return 'fake log line\n';
  }

  async streamLogs(ref: ServiceRef, out: OutputStreams, _options?: LogOptions): Promise<void> {
    await this.enter('streamLogs', ref.name);
    if (!this.find(ref)) throw new RuntimeError('not-found', `no ${ref.name}`);
    out.stdout.write('fake log line\n');
  }

  async execAttached(ref: ServiceRef, cmd: readonly string[], out: OutputStreams, _options?: AttachedExecOptions): Promise<number> {
    const result = await this.exec(ref, cmd);
    out.stdout.write(result.stdout);
    out.stderr.write(result.stderr);
    return result.exitCode;
  }

  async execInCopy(ref: ServiceRef, cmd: readonly string[], out: OutputStreams, _options?: AttachedExecOptions): Promise<number> {
    await this.enter('execInCopy', `${ref.name} ${cmd.join(' ')}`);
    if (!this.find(ref)) throw new RuntimeError('not-found', `no ${ref.name}`);
    const result = await this.onExec(ref.name, cmd);
    out.stdout.write(result.stdout);
    return result.exitCode;
  }

  async imageIdentity(ref: string): Promise<ImageIdentity | undefined> {
    return this.missingImages.has(ref) ? undefined : { id: `sha256:${'0'.repeat(64)}`, repoDigests: [] };
  }

  async waitForPort(ref: ServiceRef, portId: string, _options: WaitOptions): Promise<PublishedPort> {
    await this.enter('waitForPort', `${ref.name}/${portId}`);
    const c = this.find(ref);
    if (!c) throw new RuntimeError('not-found', `no ${ref.name}`);
    return c.ports[portId]!;
  }

  async exec(ref: ServiceRef, cmd: readonly string[], _options?: ExecOptions): Promise<ExecResult> {
    await this.enter('exec', `${ref.name} ${cmd.join(' ')}`);
    const c = this.find(ref);
    if (!c) throw new RuntimeError('not-found', `no ${ref.name}`);
    if (!c.running) throw new RuntimeError('not-running', `${ref.name} is not running`);
    return this.onExec(ref.name, cmd);
  }

  private async putFiles(c: FakeContainer, file: FileMount): Promise<void> {
    const root = file.mountPath.replace(/\/+$/, '');
    for (const entry of await readArchive(Buffer.from(file.archive)))
      if (entry.type === 'file') (c.files ??= new Map()).set(`${root}/${entry.path}`, entry.content);
  }

  async copyToService(ref: ServiceRef, file: FileMount): Promise<void> {
    await this.enter('copyToService');
    const c = this.find(ref);
    if (!c) throw new RuntimeError('not-found', `no ${ref.name}`);
    await this.putFiles(c, file);
  }

  /** What was put in under `path`; a path nothing was put under holds one made-up file. */
  async copyFromService(ref: ServiceRef, path: string): Promise<Buffer> {
    await this.enter('copyFromService', `${ref.name}:${path}`);
    const c = this.find(ref);
    if (!c) throw new RuntimeError('not-found', `no ${ref.name}`);
    const clean = path.replace(/\/+$/, '');
    const base = clean.split('/').filter(Boolean).pop() ?? 'root';
    const parent = clean.slice(0, clean.length - base.length);
    const files = c.files ?? new Map<string, Buffer>();
    const entries = [...files].filter(([p]) => p === clean || p.startsWith(`${clean}/`)).map(([p, content]) => ({ path: p.slice(parent.length), content }));
    if (entries.length > 0) return packFiles(entries);
    if (files.size > 0) throw new RuntimeError('path-not-found', `path '${clean}' does not exist in service '${ref.name}'`);
    return packFiles([{ path: `${base}/file.txt`, content: `from ${ref.name}` }]);
  }

  async runTask(_lineage: string, spec: TaskSpec): Promise<TaskResult> {
    await this.enter('runTask', spec.name);
    return this.onTask(spec);
  }
}
