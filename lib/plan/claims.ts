// Several packages in one state (one enclave), and the names the state holds for others.
//
// Each service, files artifact and applied step records the package that owns it (its
// kurtosis.yml name, or its locator without `@ref`). A package is planned against *its
// own* part of the state (`ownView`): what other packages own is never deleted, replaced
// or re-run by its plan. It may read other packages' entities — get_service,
// get_files_artifact, request, wait, mounting an artifact, using a service's address —
// and its plan lists what it reads (`uses`), but it may not claim their names (add a
// service or make an artifact another package owns) nor act on their services (exec,
// remove, start, stop): each is a problem at the instruction's position. Entities with no
// owner recorded (a state from before ownership was recorded) belong to whichever package
// plans them, as they always did. A service name held by a container `state rm` forgot is
// refused too: that container still answers to the name on the enclave network; so is
// the name a renamed service's container still carries in its labels (`state mv`).
import type { State } from '../state/index.js';
import { artifactsCreated, type Instruction, type Problem } from '../instructions/index.js';

/** The owner name of a package as the plan file names it: a locator loses its `@ref`. */
export function packageOwner(locator: string): string {
  const at = locator.indexOf('@');
  return at === -1 ? locator : locator.slice(0, at);
}

/** Whether an entity recorded with `owner` belongs to the package `planner`. */
export function ownedBy(owner: string | undefined, planner: string): boolean {
  return owner === undefined || owner === planner;
}

/** The state as the package `owner` plans against it: its own (and unowned) entities only. */
export function ownView(state: State, owner: string): State {
  const others = [...state.services.values(), ...state.filesArtifacts.values(), ...state.steps].some((e) => !ownedBy(e.package, owner));
  if (!others) return state;
  return {
    ...state,
    services: new Map([...state.services].filter(([, r]) => ownedBy(r.package, owner))),
    filesArtifacts: new Map([...state.filesArtifacts].filter(([, r]) => ownedBy(r.package, owner))),
    steps: state.steps.filter((s) => ownedBy(s.package, owner)),
  };
}

/** One entity of another package that a plan reads. */
export interface UsedEntity {
  readonly address: string;
  readonly package: string;
}

/** The entities of other packages the instructions read, sorted by address. */
export function usedEntities(instructions: readonly Instruction[], state: State, owner: string): UsedEntity[] {
  const used = new Map<string, string>();
  const refService = (step: string): string | undefined => (step.startsWith('service.') ? step.slice('service.'.length) : undefined);
  for (const ins of instructions) {
    const services = new Set([...ins.services, ...ins.refs.map(refService).filter((s): s is string => s !== undefined)]);
    for (const name of services) {
      const owned = state.services.get(name)?.package;
      if (owned !== undefined && owned !== owner) used.set(`service.${name}`, owned);
    }
    for (const name of ins.artifacts) {
      const owned = state.filesArtifacts.get(name)?.package;
      if (owned !== undefined && owned !== owner) used.set(`artifact.${name}`, owned);
    }
  }
  return [...used].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([address, pkg]) => ({ address, package: pkg }));
}

/** Instruction kinds that change the service they name. */
const ACTS_ON: ReadonlySet<string> = new Set(['exec', 'remove_service', 'start_service', 'stop_service', 'set_service']);

/** The problems of a package's claims on the state (see the file comment). */
export function claimProblems(instructions: readonly Instruction[], state: State, owner: string): Problem[] {
  const problems: Problem[] = [];
  const at = (ins: Instruction, message: string): void => {
    problems.push({ message, position: ins.position, stack: ins.stack, stepId: ins.id });
  };
  const forgotten = new Map((state.forgotten ?? []).map((f) => [f.service, f.containerId]));
  const labelled = new Map([...state.services].filter(([, r]) => r.labelName !== undefined).map(([n, r]) => [r.labelName!, n]));
  for (const ins of instructions) {
    if (ins.kind === 'add_service' && ins.declares?.type === 'service') {
      const name = ins.declares.name;
      const other = state.services.get(name)?.package;
      if (other !== undefined && other !== owner) {
        at(
          ins,
          `service '${name}' belongs to package ${other}: package ${owner} cannot add a service of that name (a name can be claimed by one package only)`,
        );
      } else if (!state.services.has(name) && labelled.has(name)) {
        at(
          ins,
          `service '${name}' cannot be created: the container of service '${labelled.get(name)}' (renamed by \`starform state mv\`) still carries the name '${name}' in its labels; ` +
            `give the new service another name, or replace service '${labelled.get(name)}' first`,
        );
      } else if (!state.services.has(name) && forgotten.has(name)) {
        const id = forgotten.get(name)!.slice(0, 12);
        at(
          ins,
          `service '${name}' cannot be created: container ${id}, which \`starform state rm\` forgot, still holds that name in the enclave; ` +
            `remove it (docker rm -f ${id}) or adopt it again (starform import service.${name} ${id})`,
        );
      }
    }
    for (const name of artifactsCreated(ins)) {
      const other = state.filesArtifacts.get(name)?.package;
      if (other !== undefined && other !== owner) {
        at(
          ins,
          `files artifact '${name}' belongs to package ${other}: package ${owner} cannot make an artifact of that name (a name can be claimed by one package only)`,
        );
      }
    }
    if (ACTS_ON.has(ins.kind)) {
      for (const name of ins.services) {
        const other = state.services.get(name)?.package;
        if (other !== undefined && other !== owner) {
          at(ins, `${ins.kind} acts on service '${name}' of package ${other}: package ${owner} may only read it (get_service, request, wait)`);
        }
      }
    }
  }
  return problems;
}
