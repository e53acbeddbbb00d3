// Edits of the state that the user asks for by address, as Terraform's `state rm`,
// `state mv`, `import` and `state push` make them: pure functions from a State to a State
// (the commands in lib/cli take the lock, read, call one of these, write once), so a
// refused edit changes nothing and a failed write leaves the file as it was.
//
// Addresses: `service.NAME`, `artifact.NAME`, or a step id; a bare name when it names one
// service or one artifact only.
//
// Forgetting (`state rm`) is Terraform's meaning: the container keeps running and is no
// longer starform's. Docker cannot take a label off a container, so a forgotten service
// container still carries the enclave's labels; the state lists it in `forgotten`, and
// refresh, apply's removal of unnamed containers and destroy leave exactly those ids alone.
// Renaming (`state mv`) keeps the container: the record remembers the name its labels
// carry (`labelName`) so the runtime still finds it ours, and references to the old
// address in the state are rewritten, so the next plan of a package that now names it
// NEW is a no-op. Adopting (`import`) records a container by id (`adopted`).
import { UserError } from '../util/errors.js';
import { jsonDigest } from '../util/hash.js';
import type { JsonObject, JsonValue } from '../util/json.js';
import {
  putService,
  removeFilesArtifact,
  removeService,
  removeStep,
  setRuntimeValue,
  type AppliedStep,
  type FilesArtifactRecord,
  type ForgottenContainer,
  type ServiceRecord,
  type State,
} from './model.js';

export type Address =
  | { readonly type: 'service'; readonly address: string; readonly name: string; readonly record: ServiceRecord }
  | { readonly type: 'artifact'; readonly address: string; readonly name: string; readonly record: FilesArtifactRecord }
  | { readonly type: 'step'; readonly address: string; readonly step: AppliedStep };

const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Where an error about an edit points: the state file. */
function at(file: string, message: string, hint?: string): UserError {
  return new UserError(message, { location: { file }, ...(hint !== undefined ? { hint } : {}) });
}

/**
 * What an address names in the state; undefined when nothing. Lenient, for reading
 * (`state show`): a bare name that is both a service and a files artifact is the service.
 */
export function lookupAddress(state: State, address: string): Address | undefined {
  const service = (name: string): Address | undefined => {
    const record = state.services.get(name);
    return record ? { type: 'service', address: `service.${name}`, name, record } : undefined;
  };
  const artifact = (name: string): Address | undefined => {
    const record = state.filesArtifacts.get(name);
    return record ? { type: 'artifact', address: `artifact.${name}`, name, record } : undefined;
  };
  if (address.startsWith('service.')) {
    const found = service(address.slice('service.'.length));
    if (found) return found;
  }
  if (address.startsWith('artifact.')) {
    const found = artifact(address.slice('artifact.'.length));
    if (found) return found;
  }
  const step = state.steps.find((s) => s.id === address);
  if (step) return { type: 'step', address, step };
  return service(address) ?? artifact(address);
}

/** What an address names in the state, or a UserError saying it names nothing. */
export function resolveStateAddress(state: State, address: string, file: string): Address {
  const service = (name: string): Address | undefined => {
    const record = state.services.get(name);
    return record ? { type: 'service', address: `service.${name}`, name, record } : undefined;
  };
  const artifact = (name: string): Address | undefined => {
    const record = state.filesArtifacts.get(name);
    return record ? { type: 'artifact', address: `artifact.${name}`, name, record } : undefined;
  };
  let found: Address | undefined;
  if (address.startsWith('service.')) found = service(address.slice('service.'.length));
  else if (address.startsWith('artifact.')) found = artifact(address.slice('artifact.'.length));
  if (found === undefined) {
    const step = state.steps.find((s) => s.id === address);
    if (step !== undefined) found = { type: 'step', address, step };
  }
  if (found === undefined && !address.includes('.')) {
    const s = service(address);
    const a = artifact(address);
    if (s !== undefined && a !== undefined) {
      throw at(file, `'${address}' names both a service and a files artifact`, `Say which: service.${address} or artifact.${address}.`);
    }
    found = s ?? a;
  }
  if (found === undefined) {
    const any = state.services.size + state.filesArtifacts.size > 0;
    throw at(file, `the state has no '${address}'`, any ? 'See `starform state list` for what it has.' : 'The state is empty.');
  }
  return found;
}

/** A service address the user gives for something not in the state yet (`import`, `state mv` NEW). */
export function parseServiceAddress(address: string, file: string): string {
  const name = address.startsWith('service.') ? address.slice('service.'.length) : address;
  if (!SERVICE_NAME.test(name)) {
    throw at(file, `'${address}' is not a service address`, 'Use service.NAME, NAME being 1-63 lower-case letters, digits or -, starting with a letter.');
  }
  return name;
}

/** The state with a container added to the forgotten list (sorted, no duplicates). */
function withForgotten(state: State, entry: ForgottenContainer): State {
  const others = (state.forgotten ?? []).filter((f) => f.containerId !== entry.containerId);
  const forgotten = [...others, entry].sort((a, b) => (a.containerId < b.containerId ? -1 : a.containerId > b.containerId ? 1 : 0));
  return { ...state, forgotten };
}

/** The state without a forgotten container (adopted again, or gone from the engine). */
export function unforget(state: State, containerId: string): State {
  if (!(state.forgotten ?? []).some((f) => f.containerId === containerId)) return state;
  const forgotten = (state.forgotten ?? []).filter((f) => f.containerId !== containerId);
  if (forgotten.length > 0) return { ...state, forgotten };
  const { forgotten: _gone, ...rest } = state;
  return rest;
}

/**
 * Removes an applied step and every runtime value it recorded (`<step id>.<field>`): what
 * `state rm`, apply's deletions and its dropping of steps a package no longer makes share.
 */
export function forgetStep(state: State, stepId: string): State {
  let next = removeStep(state, stepId);
  for (const key of state.runtimeValues.keys()) if (key.startsWith(`${stepId}.`)) next = setRuntimeValue(next, key, undefined);
  return next;
}

/** What `forget` did, for the command's message. */
export interface Forgotten {
  readonly state: State;
  readonly message: string;
}

/** `state rm`: the state without the entry; a service's container is remembered as forgotten. */
export function forget(state: State, entry: Address): Forgotten {
  if (entry.type === 'service') {
    const next = withForgotten(forgetStep(removeService(state, entry.name), entry.address), {
      containerId: entry.record.containerId,
      service: entry.record.labelName ?? entry.name,
    });
    return {
      state: next,
      message:
        `Forgot ${entry.address}: its container ${entry.record.containerId.slice(0, 12)} keeps running and is no longer managed by starform ` +
        '(apply, refresh and destroy leave it alone).',
    };
  }
  if (entry.type === 'artifact') {
    return { state: forgetStep(removeFilesArtifact(state, entry.name), entry.address), message: `Forgot ${entry.address}.` };
  }
  return { state: forgetStep(state, entry.address), message: `Forgot step ${entry.address}: the next plan runs it again.` };
}

/** Replaces every `{{starform:OLD.` reference prefix in a JSON value. */
function renameRefs(value: JsonValue, from: string, to: string): JsonValue {
  const needle = `{{starform:${from}.`;
  const text = JSON.stringify(value);
  if (!text.includes(needle)) return value;
  return JSON.parse(text.split(needle).join(`{{starform:${to}.`)) as JsonValue;
}

/** The state with the arguments of a step (and a service's configuration) renamed. */
function renamedArgs(args: JsonObject, fromStep: string, toStep: string, newName?: string): JsonObject {
  const renamed = renameRefs(args, fromStep, toStep) as JsonObject;
  return newName === undefined ? renamed : { ...renamed, name: newName };
}

/** `state mv`: renames a service or files artifact without touching what exists. */
export function move(state: State, from: Address, toAddress: string, file: string): State {
  if (from.type === 'step') throw at(file, `'${from.address}' is a step; only services and files artifacts can be renamed`);
  if (from.type === 'service') {
    const to = parseServiceAddress(toAddress, file);
    if (to === from.name) throw at(file, `${from.address} already has that name`);
    if (state.services.has(to))
      throw at(file, `the state has service.${to} already`, `Forget it first (starform state rm service.${to}) if the new one should take its place.`);
    const fromStep = from.address;
    const toStep = `service.${to}`;
    const labelName = from.record.adopted === true ? undefined : (from.record.labelName ?? from.name);
    const config = renamedArgs(from.record.config, fromStep, toStep, to);
    const { labelName: _old, ...base } = from.record;
    const record: ServiceRecord = {
      ...base,
      config,
      configHash: jsonDigest(config),
      ...(labelName !== undefined && labelName !== to ? { labelName } : {}),
    };
    let next = putService(removeService(state, from.name), to, record);
    next = renameEverywhere(next, fromStep, toStep, (step) => (step.id === fromStep ? { id: toStep, args: config } : undefined));
    const hostKey = `${toStep}.hostname`;
    if (next.runtimeValues.has(hostKey)) next = setRuntimeValue(next, hostKey, to);
    return next;
  }
  const to = toAddress.startsWith('artifact.') ? toAddress.slice('artifact.'.length) : toAddress;
  if (to === '' || to.includes('{{')) throw at(file, `'${toAddress}' is not a files artifact address`);
  if (state.filesArtifacts.has(to)) throw at(file, `the state has artifact.${to} already`);
  const fromStep = from.address;
  const toStep = `artifact.${to}`;
  const files = new Map(state.filesArtifacts);
  files.delete(from.name);
  files.set(to, from.record);
  return renameEverywhere({ ...state, filesArtifacts: files }, fromStep, toStep, (step) =>
    step.id === fromStep ? { id: toStep, args: { ...step.args, name: to } } : undefined,
  );
}

/**
 * Renames a step id in the steps, the runtime values and every recorded reference (steps'
 * arguments, services' configurations, outputs); `own` gives the renamed step its new id
 * and arguments.
 */
function renameEverywhere(state: State, fromStep: string, toStep: string, own: (step: AppliedStep) => { id: string; args: JsonObject } | undefined): State {
  const steps = state.steps.map((step): AppliedStep => {
    const mine = own(step);
    const args = mine?.args ?? (renameRefs(step.args, fromStep, toStep) as JsonObject);
    if (mine === undefined && args === step.args) return step;
    return { ...step, id: mine?.id ?? step.id, args, argsHash: jsonDigest(args) };
  });
  const services = new Map<string, ServiceRecord>();
  for (const [name, record] of state.services) {
    const config = renameRefs(record.config, fromStep, toStep) as JsonObject;
    services.set(name, config === record.config ? record : { ...record, config, configHash: jsonDigest(config) });
  }
  const runtimeValues = new Map<string, JsonValue>();
  for (const [key, value] of state.runtimeValues) {
    runtimeValues.set(key.startsWith(`${fromStep}.`) ? `${toStep}${key.slice(fromStep.length)}` : key, value);
  }
  return { ...state, steps, services, runtimeValues, outputs: renameRefs(state.outputs, fromStep, toStep) };
}

/** `import`: the state with an adopted (or unrecorded labelled) container as service `name`. */
export function adopt(state: State, name: string, record: ServiceRecord, file: string): State {
  if (state.services.has(name)) {
    throw at(
      file,
      `service.${name} is in the state already (container ${state.services.get(name)!.containerId.slice(0, 12)})`,
      `Forget it first with \`starform state rm service.${name}\` to import another container as it.`,
    );
  }
  for (const [other, r] of state.services) {
    if (r.containerId === record.containerId) throw at(file, `container ${record.containerId.slice(0, 12)} is in the state already, as service.${other}`);
  }
  return unforget(putService(state, name, record), record.containerId);
}

/**
 * `state push`: the state `incoming` as the next version of `current`, or a UserError when
 * lineage or serial forbid it (Terraform's rules): another lineage, or a serial behind the
 * current one (someone wrote the state since that copy was taken), is refused unless
 * `force`. The result carries the current serial (the write adds one) and, forced, the
 * pushed lineage.
 */
export function pushed(current: State, incoming: State, options: { readonly force: boolean; readonly file: string }): State {
  if (!options.force && current.lineage !== null) {
    if (incoming.lineage !== current.lineage) {
      throw at(
        options.file,
        `cannot push: the file is another state (lineage ${incoming.lineage}, the current state has ${current.lineage})`,
        'Pass --force to replace the state all the same.',
      );
    }
    if (incoming.serial < current.serial) {
      throw at(
        options.file,
        `cannot push: the file is at serial ${incoming.serial}, the current state at ${current.serial}`,
        'The state was written since that copy was taken; pull it again and edit that, or pass --force.',
      );
    }
  }
  return { ...incoming, lineage: options.force || current.lineage === null ? incoming.lineage : current.lineage, serial: current.serial };
}
