// `starform import service.NAME CONTAINER`: adopt a container starform did not create, as
// Terraform's import adopts a resource. As there, the package must declare the service
// (its add_service gives the port ids, and what to compare): the container is compared
// with that configuration on everything the engine shows — image, entrypoint, command,
// environment beyond the image's own, the declared ports, the mounts of files and
// persistent directories, memory and CPU limits, user — and the state records the
// configuration *as the container has it*: the package's, with each setting that differs
// replaced by the container's. The next plan is therefore a no-op when they agree, and a
// replacement showing exactly what differs when they do not.
//
// Docker cannot add labels to an existing container, so the record is marked `adopted`
// and its id is what makes it part of the enclave (ServiceRef.adopted); a container
// labelled for another enclave, or for another service of this one, is refused. A
// labelled container of this enclave that the state does not name (an interrupted apply
// left it) is adopted as an ordinary record. The container joins the enclave network under
// the service's name, so the package's other services reach it as they would reach one
// starform made. The lineage reaches the state file before the network exists (a state
// never written is written first), and the record is written once, after the engine
// succeeded, so a failure leaves the state as it was.
import type { ContainerAdoption, AdoptableContainer, Runtime } from '../docker/index.js';
import { argsOf, type Instruction, type ServiceConfigJson } from '../instructions/index.js';
import {
  adopt,
  appliedStep,
  parseServiceAddress,
  readState,
  serviceRecord,
  setEnclave,
  setRuntimeValue,
  recordStep,
  withLineage,
  writeState,
  type PortRecord,
  type ServiceRecord,
  type State,
  type StateLock,
} from '../state/index.js';
import { UserError } from '../util/errors.js';
import type { JsonObject } from '../util/json.js';

const LABEL_LINEAGE = 'starform.lineage';
const LABEL_SERVICE = 'starform.service';
const LABEL_TASK = 'starform.task';

export interface ImportOptions {
  readonly statePath: string;
  readonly lock: StateLock;
  readonly address: string;
  readonly container: string;
  /** The package's instructions (interpreted and validated against the state). */
  readonly instructions: readonly Instruction[];
  /** Where the package is, for messages. */
  readonly packageDir: string;
  readonly runtime: Runtime & ContainerAdoption;
  /** The owning package to record (several packages in one state). */
  readonly owner?: string;
}

export interface ImportResult {
  readonly state: State;
  readonly name: string;
  readonly containerId: string;
  readonly adopted: boolean;
  /** The settings in which the container differs from the package (the next plan replaces it). */
  readonly differences: readonly string[];
}

export async function importService(options: ImportOptions): Promise<ImportResult> {
  const file = options.statePath;
  const name = parseServiceAddress(options.address, file);
  let state = await readState(file);
  // An address the state has already is refused before the package or the engine is asked.
  if (state.services.has(name)) adopt(state, name, state.services.get(name)!, file);
  const ins = [...options.instructions].reverse().find((i) => i.kind === 'add_service' && i.args['name'] === name);
  if (ins === undefined) {
    throw new UserError(`the package does not add service '${name}': there is nothing to import it as`, {
      location: { file: options.packageDir },
      hint: 'As with Terraform, the package must declare what is imported: add the service, then import.',
    });
  }
  const args = argsOf(ins, 'add_service');
  const found = await options.runtime.lookupContainer(options.container);
  if (found === undefined) throw new UserError(`there is no container '${options.container}' on the engine (${options.runtime.endpoint})`);
  const lineageLabel = found.labels[LABEL_LINEAGE];
  if (found.labels[LABEL_TASK] !== undefined) {
    throw new UserError(`container ${short(found.id)} is a one-off task container of starform, not a service`);
  }
  if (lineageLabel !== undefined && lineageLabel !== state.lineage) {
    throw new UserError(`container ${short(found.id)} (${found.name}) belongs to another starform state (lineage ${lineageLabel}); refusing to import it`, {
      hint: 'Import it with the state of that lineage, or forget it there first.',
    });
  }
  const labelled = lineageLabel !== undefined;
  if (labelled && found.labels[LABEL_SERVICE] !== name) {
    throw new UserError(
      `container ${short(found.id)} is service '${found.labels[LABEL_SERVICE] ?? '?'}' of this enclave, not '${name}' (its labels cannot change)`,
      { hint: `Import it as service.${found.labels[LABEL_SERVICE] ?? ''}, then rename it with \`starform state mv\`.` },
    );
  }
  const { config, differences } = observedConfig(args.config, found);
  const observed: JsonObject = { ...ins.args, config };

  // The lineage is on disk before the engine sees it (a crash then leaves nothing unnamed).
  if (state.lineage === null) state = await writeState(file, withLineage(state), options.lock);
  const lineage = state.lineage!;
  const ip = labelled ? (found.networks[`starform-${lineage}`] ?? '') : await options.runtime.attachToEnclave(lineage, found.id, name);
  const enclave = await options.runtime.ensureEnclave(lineage);
  const ports = new Map<string, PortRecord>();
  for (const [id, p] of Object.entries(config.ports)) {
    const onContainer = found.ports.find((q) => q.number === p.number && q.protocol === p.transport_protocol);
    ports.set(id, {
      number: p.number,
      transportProtocol: p.transport_protocol,
      applicationProtocol: p.application_protocol === '' ? null : p.application_protocol,
      hostPort: found.running ? (onContainer?.hostPort ?? null) : null,
    });
  }
  const base = serviceRecord({
    config: observed,
    containerId: found.id,
    ipAddress: found.running && ip !== '' ? ip : null,
    ports,
    status: found.running ? 'running' : 'stopped',
  });
  const record: ServiceRecord = { ...base, ...(labelled ? {} : { adopted: true }), ...(options.owner !== undefined ? { package: options.owner } : {}) };
  let next = adopt(state, name, record, file);
  if (next.enclave?.networkId !== enclave.networkId) next = setEnclave(next, { networkName: enclave.networkName, networkId: enclave.networkId });
  const id = `service.${name}`;
  next = recordStep(
    next,
    appliedStep({
      id,
      kind: 'add_service',
      args: observed,
      result: { container_id: found.id, ip_address: ip, hostname: name, ports: Object.fromEntries([...ports].map(([k, p]) => [k, p.hostPort])) },
      ...(options.owner !== undefined ? { package: options.owner } : {}),
    }),
  );
  next = setRuntimeValue(setRuntimeValue(next, `${id}.ip_address`, ip), `${id}.hostname`, name);
  const written = await writeState(file, next, options.lock);
  return { state: written, name, containerId: found.id, adopted: !labelled, differences };
}

function short(id: string): string {
  return id.slice(0, 12);
}

/** `repo/name:tag` in one spelling: Docker Hub's prefixes dropped, `:latest` when no tag or digest. */
export function normalImage(ref: string): string {
  let r = ref.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
  const last = r.slice(r.lastIndexOf('/') + 1);
  if (!last.includes(':') && !r.includes('@')) r = `${r}:latest`;
  return r;
}

const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The package's configuration with every setting the container has otherwise replaced by the container's. */
export function observedConfig(config: ServiceConfigJson, c: AdoptableContainer): { config: ServiceConfigJson; differences: string[] } {
  const differences: string[] = [];
  let out: ServiceConfigJson = config;
  const set = <K extends keyof ServiceConfigJson>(key: K, value: ServiceConfigJson[K], what: string): void => {
    out = { ...out, [key]: value };
    differences.push(what);
  };
  const wanted = 'image_name' in config.image ? config.image.image_name : config.image.image;
  if (normalImage(wanted) !== normalImage(c.image)) {
    set('image', { type: 'image', image: c.image }, `image: the container runs ${c.image}, the package says ${wanted}`);
  }
  const entrypoint = config.entrypoint.length > 0 ? config.entrypoint : c.imageEntrypoint;
  if (!same(entrypoint, c.entrypoint)) set('entrypoint', same(c.entrypoint, c.imageEntrypoint) ? [] : [...c.entrypoint], 'entrypoint');
  const cmd = config.cmd.length > 0 ? config.cmd : config.entrypoint.length > 0 ? [] : c.imageCmd;
  if (!same(cmd, c.cmd)) set('cmd', same(c.cmd, c.imageCmd) ? [] : [...c.cmd], 'cmd');
  const env = Object.entries(config.env_vars).sort();
  const has = Object.entries(c.env).sort();
  if (JSON.stringify(env) !== JSON.stringify(has)) set('env_vars', { ...c.env }, 'env_vars');
  const ports = Object.fromEntries(
    Object.entries(config.ports).filter(([, p]) => c.ports.some((q) => q.number === p.number && q.protocol === p.transport_protocol)),
  );
  if (Object.keys(ports).length !== Object.keys(config.ports).length) {
    const missing = Object.keys(config.ports).filter((id) => !(id in ports));
    set('ports', ports, `ports: the container neither exposes nor publishes ${missing.join(', ')}`);
  }
  const files = Object.fromEntries(
    Object.entries(config.files).filter(([path, d]) => d.artifact_names.length === 0 && d.persistent_key !== null && c.mountPaths.includes(path)),
  );
  if (Object.keys(files).length !== Object.keys(config.files).length)
    set('files', files, 'files: the container has no starform files artifacts or persistent directories there');
  const memory = Math.round(c.memoryBytes / 1_000_000);
  if (memory !== config.max_memory) set('max_memory', memory, 'max_memory');
  const cpu = Math.round(c.nanoCpus / 1_000_000);
  if (cpu !== config.max_cpu) set('max_cpu', cpu, 'max_cpu');
  const user = config.user === null ? '' : config.user.gid === null ? `${config.user.uid}` : `${config.user.uid}:${config.user.gid}`;
  if (user !== c.user) {
    const m = /^(\d+)(?::(\d+))?$/.exec(c.user);
    set('user', m === null ? null : { uid: Number(m[1]), gid: m[2] === undefined ? null : Number(m[2]) }, 'user');
  }
  return { config: out, differences };
}
