// Drift: how the engine differs from what the state records, for `starform drift` (and the
// same sentences `plan` and `plan --refresh-only` print, refresh.ts). Read-only: one
// `inspectEnclave` round trip, nothing changed on the engine or in any file.
//
// Per service of the state: its container was removed, stopped, runs although the state
// says stopped, or was changed (it runs another image than the state records: the tag was
// moved or removed, or someone recreated the container from another image). Per container
// of the enclave's lineage that no service of the state names, and task containers left
// behind: unknown (left by an interrupted apply, or made by hand with our labels). Subnet probe networks a killed
// apply left are drift too.
import type { Runtime } from '../docker/index.js';
import type { State } from '../state/index.js';
import { isJsonObject, type JsonObject } from '../util/json.js';
import { shortId } from './refresh.js';

export type DriftKind = 'removed' | 'stopped' | 'started' | 'changed' | 'unknown-container' | 'probe-network';

export interface DriftEntry {
  readonly kind: DriftKind;
  /** The service concerned (absent for probe networks). */
  readonly service?: string;
  readonly containerId?: string;
  readonly message: string;
}

/** The image reference a service record was created from (plain images only). */
function recordedImage(config: JsonObject): string | undefined {
  const inner = config['config'];
  const image = isJsonObject(inner) ? inner['image'] : undefined;
  if (!isJsonObject(image) || image['type'] !== 'image' || typeof image['image'] !== 'string') return undefined;
  return image['image'];
}

/** Everything that drifted, sorted by service name (see the file comment). */
export async function detectDrift(state: State, runtime: Runtime): Promise<DriftEntry[]> {
  if (state.lineage === null) return [];
  const found = await runtime.inspectEnclave(state.lineage);
  const byId = new Map(found.containers.map((c) => [c.id, c]));
  const out: DriftEntry[] = [];
  for (const name of [...state.services.keys()].sort()) {
    const record = state.services.get(name)!;
    const c = byId.get(record.containerId);
    const id = record.containerId;
    if (c === undefined || c.service !== name) {
      out.push({ kind: 'removed', service: name, containerId: id, message: `service '${name}': its container ${shortId(id)} no longer exists` });
      continue;
    }
    if (!c.running && record.status === 'running') {
      out.push({ kind: 'stopped', service: name, containerId: id, message: `service '${name}': its container ${shortId(id)} is ${c.state}, not running` });
    } else if (c.running && record.status === 'stopped') {
      out.push({
        kind: 'started',
        service: name,
        containerId: id,
        message: `service '${name}': its container ${shortId(id)} runs, although the state says stopped`,
      });
    }
    const image = recordedImage(record.config);
    if (image !== undefined && c.image !== image) {
      out.push({
        kind: 'changed',
        service: name,
        containerId: id,
        message: `service '${name}': its container ${shortId(id)} runs image ${c.image}, the state records ${image}`,
      });
    }
  }
  const unknown = found.containers
    .filter((c) => c.service !== undefined && state.services.get(c.service)?.containerId !== c.id)
    .sort((a, b) => (a.service! < b.service! ? -1 : a.service! > b.service! ? 1 : a.id < b.id ? -1 : 1));
  for (const c of unknown) {
    out.push({
      kind: 'unknown-container',
      service: c.service!,
      containerId: c.id,
      message: `service '${c.service!}': container ${shortId(c.id)} carries the enclave's labels, but the state does not name it`,
    });
  }
  for (const c of found.containers.filter((x) => x.service === undefined && x.task !== undefined).sort((a, b) => (a.id < b.id ? -1 : 1))) {
    out.push({
      kind: 'unknown-container',
      containerId: c.id,
      message: `task container ${shortId(c.id)} ('${c.task!}') carries the enclave's labels, but no step runs it now (left by an interrupted apply)`,
    });
  }
  for (const probe of found.probeNetworks ?? []) {
    out.push({ kind: 'probe-network', message: `network '${probe.networkName}' is a subnet probe left by an interrupted apply` });
  }
  return out;
}
