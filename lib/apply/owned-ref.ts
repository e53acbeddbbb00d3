// The runtime reference to a service the state records: its container id, the name its
// labels carry (another one after `state mv`), and for a container `starform import`
// adopted (no labels at all) the port ids the package gave it. Every step that acts on a
// recorded service builds its reference here, so the runtime's ownership checks see what
// the state knows.
import type { ServiceRef } from '../docker/index.js';
import type { ServiceRecord } from '../state/index.js';

export function recordRef(lineage: string, name: string, record: ServiceRecord): ServiceRef {
  const ref: ServiceRef = { lineage, name: record.labelName ?? name, containerId: record.containerId };
  if (record.adopted !== true) return ref;
  const ports = Object.fromEntries([...record.ports].map(([id, p]) => [id, { number: p.number, protocol: p.transportProtocol }]));
  return { ...ref, adopted: { ports } };
}
