// Recording which package owns what it creates (several packages in one state, see
// lib/plan/claims.ts): every state change the executor commits passes through the stamp,
// which gives the services, files artifacts and applied steps this plan declares and that
// carry no owner yet the plan's package. The handlers build their records without an
// owner; stamping at the commit means a record is owned from its first write, so an apply
// that fails half-way leaves nothing another package's plan could take for its own.
import { artifactsCreated, type Instruction } from '../instructions/index.js';
import { ownedBy } from '../plan/index.js';
import type { FilesArtifactRecord, ServiceRecord, State } from '../state/index.js';

/** `(before, after)` → `after` with this plan's unowned entities owned by `owner`; `full` checks every entity. */
export type OwnerStamp = (before: State, after: State, full?: boolean) => State;

export function ownerStamp(owner: string, instructions: readonly Instruction[]): OwnerStamp {
  const services = new Set<string>();
  const artifacts = new Set<string>();
  const steps = new Set<string>();
  for (const ins of instructions) {
    steps.add(ins.id);
    if (ins.kind === 'add_service' && ins.declares?.type === 'service') services.add(ins.declares.name);
    for (const a of artifactsCreated(ins)) artifacts.add(a);
  }
  return (before, after, full = false) => {
    let next = after;
    if (full || after.services !== before.services) {
      let changed: Map<string, ServiceRecord> | undefined;
      for (const name of services) {
        const r = after.services.get(name);
        if (r === undefined || r.package !== undefined) continue;
        changed ??= new Map(after.services);
        changed.set(name, { ...r, package: owner });
      }
      if (changed) next = { ...next, services: changed };
    }
    if (full || after.filesArtifacts !== before.filesArtifacts) {
      let changed: Map<string, FilesArtifactRecord> | undefined;
      for (const name of artifacts) {
        const r = after.filesArtifacts.get(name);
        if (r === undefined || r.package !== undefined) continue;
        changed ??= new Map(after.filesArtifacts);
        changed.set(name, { ...r, package: owner });
      }
      if (changed) next = { ...next, filesArtifacts: changed };
    }
    if ((full || after.steps !== before.steps) && after.steps.some((s) => s.package === undefined && steps.has(s.id))) {
      next = { ...next, steps: after.steps.map((s) => (s.package === undefined && steps.has(s.id) ? { ...s, package: owner } : s)) };
    }
    return next;
  };
}

/** Whether the step `stepId` (or the service / artifact it declares) belongs to a package other than `owner`. */
export function othersOwn(state: State, stepId: string, owner: string): boolean {
  if (stepId.startsWith('service.') && !ownedBy(state.services.get(stepId.slice('service.'.length))?.package, owner)) return true;
  if (stepId.startsWith('artifact.') && !ownedBy(state.filesArtifacts.get(stepId.slice('artifact.'.length))?.package, owner)) return true;
  return state.steps.some((s) => s.id === stepId && !ownedBy(s.package, owner));
}
