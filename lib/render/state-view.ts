// Views of a state for `starform state list` and `state show`: human text and JSON.
//
// Addresses name what a state holds, as the plan names it: `service.<name>` and
// `artifact.<name>` for the entities, step ids (`exec.3f2a9c1b04de`) for applied steps.
// What an address names is lib/state's to say (`lookupAddress`).
// Both views mask the state's sensitive values (those it records and those its own
// records show by name or flag); names are shown with control characters escaped.
import type { Address, State } from '../state/index.js';
import { formatJson, type JsonValue } from '../util/json.js';
import { stateSensitiveValues } from '../plan/sensitive.js';
import { neutraliseInline, Redactor } from './redact.js';
import { paint, type Painter } from './style.js';

/** The redactor of a state: the values it records as sensitive, and those its records show. */
function stateRedactor(state: State): Redactor {
  return new Redactor(stateSensitiveValues(state));
}

/** What an address names in a state (lib/state's `Address`). */
export type StateEntry = Address;

/** The addresses of the services and files artifacts of a state, sorted. */
function stateAddresses(state: State): string[] {
  return [...[...state.services.keys()].sort().map((n) => `service.${n}`), ...[...state.filesArtifacts.keys()].sort().map((n) => `artifact.${n}`)];
}

export function renderStateList(state: State): string {
  const lines = stateAddresses(state).map(neutraliseInline);
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

export function stateListJson(state: State): JsonValue {
  return {
    lineage: state.lineage,
    serial: state.serial,
    services: [...state.services.keys()].sort().map((name) => {
      const s = state.services.get(name)!;
      return { address: `service.${name}`, name, status: s.status, container_id: s.containerId, ip_address: s.ipAddress };
    }),
    files_artifacts: [...state.filesArtifacts.keys()].sort().map((name) => {
      const a = state.filesArtifacts.get(name)!;
      return { address: `artifact.${name}`, name, content_hash: a.contentHash, size: a.size };
    }),
    steps: state.steps.map((s) => s.id),
  };
}

function indentBlock(text: string, by = '  '): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

/** The values a step recorded (`<id>.<field>` entries), by field. */
function valuesOf(state: State, stepId: string): { [field: string]: JsonValue } {
  const out: { [field: string]: JsonValue } = {};
  for (const [key, value] of [...state.runtimeValues].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (key.startsWith(`${stepId}.`)) out[key.slice(stepId.length + 1)] = value;
  }
  return out;
}

/** A file of an artifact, for `state show artifact.x`. */
export interface ArtifactFile {
  readonly path: string;
  readonly size: number;
}

export function renderEntry(state: State, entry: StateEntry, options: { color?: boolean; files?: readonly ArtifactFile[]; redactor?: Redactor } = {}): string {
  const p: Painter = paint(options.color === true);
  const r = options.redactor ?? stateRedactor(state);
  const masked = (v: JsonValue): string => formatJson(r.redactJson(v));
  const out: string[] = [p.bold(`# ${neutraliseInline(entry.address)}`)];
  const field = (name: string, value: string): void => {
    out.push(`${name.padEnd(14)}= ${value}`);
  };
  if (entry.type === 'service') {
    const s = entry.record;
    field('status', s.status);
    field('container_id', s.containerId);
    field('ip_address', s.ipAddress ?? '(none)');
    field('config_hash', s.configHash);
    if (s.package !== undefined) field('package', neutraliseInline(s.package));
    if (s.adopted === true) field('adopted', 'yes (starform import: recorded by its container id, no labels)');
    if (s.labelName !== undefined) field('label_name', `${s.labelName} (its container's labels, before state mv)`);
    if (s.ports.size > 0) {
      out.push('ports:');
      for (const [id, port] of [...s.ports].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const app = port.applicationProtocol ? ` (${port.applicationProtocol})` : '';
        const host = port.hostPort !== null ? ` → 127.0.0.1:${port.hostPort}` : ' (not published)';
        out.push(`  ${neutraliseInline(id).padEnd(12)}${port.number}/${port.transportProtocol}${neutraliseInline(app)}${host}`);
      }
    }
    out.push('config:', indentBlock(masked(s.config)));
    const values = valuesOf(state, `service.${entry.name}`);
    if (Object.keys(values).length > 0) out.push('values:', indentBlock(masked(values)));
  } else if (entry.type === 'artifact') {
    field('content_hash', entry.record.contentHash);
    field('size', `${entry.record.size} bytes`);
    if (entry.record.package !== undefined) field('package', neutraliseInline(entry.record.package));
    if (options.files) {
      out.push('files:');
      for (const f of options.files) out.push(`  ${neutraliseInline(r.redact(f.path))}  (${f.size} bytes)`);
    }
    const step = state.steps.find((s) => s.id === entry.address);
    if (step) out.push(`made by       = ${neutraliseInline(step.kind)}`, 'args:', indentBlock(masked(step.args)));
  } else {
    const s = entry.step;
    field('kind', neutraliseInline(s.kind));
    field('args_hash', s.argsHash);
    out.push('args:', indentBlock(masked(s.args)), 'result:', indentBlock(masked(s.result)));
    const values = valuesOf(state, s.id);
    if (Object.keys(values).length > 0) out.push('values:', indentBlock(masked(values)));
  }
  return out.join('\n') + '\n';
}

export function entryJson(state: State, entry: StateEntry, files?: readonly ArtifactFile[], redactor: Redactor = stateRedactor(state)): JsonValue {
  return redactor.redactJson(entryJsonInClear(state, entry, files));
}

function entryJsonInClear(state: State, entry: StateEntry, files?: readonly ArtifactFile[]): JsonValue {
  if (entry.type === 'service') {
    const s = entry.record;
    return {
      address: entry.address,
      type: 'service',
      name: entry.name,
      status: s.status,
      container_id: s.containerId,
      ip_address: s.ipAddress,
      config_hash: s.configHash,
      ports: Object.fromEntries(
        [...s.ports].map(([id, port]) => [
          id,
          { number: port.number, transport_protocol: port.transportProtocol, application_protocol: port.applicationProtocol, host_port: port.hostPort },
        ]),
      ),
      config: s.config,
      values: valuesOf(state, `service.${entry.name}`),
    };
  }
  if (entry.type === 'artifact') {
    return {
      address: entry.address,
      type: 'artifact',
      name: entry.name,
      content_hash: entry.record.contentHash,
      size: entry.record.size,
      ...(files ? { files: files.map((f) => ({ path: f.path, size: f.size })) } : {}),
    };
  }
  const s = entry.step;
  return { address: entry.address, type: 'step', kind: s.kind, args: s.args, args_hash: s.argsHash, result: s.result, values: valuesOf(state, s.id) };
}
