// The diff: what applying this instruction list to the state would change. Kurtosis
// compares a new run with the previous one instruction by instruction (equal / update /
// new); starform extends that to a declarative end state, Terraform-style:
//
//   create   a service or files artifact the state lacks, or a step never applied
//   replace  the same service / artifact with another configuration or content, a
//            force_update, or something it depends on changes in this plan
//   run      a one-off step (exec, request, wait, verify, print, run_sh, run_python,
//            start/stop_service) that is new, changed, or depends on a change
//   delete   a service or artifact of the state the package no longer produces, or a
//            remove_service whose service exists
//   no-op    equal, and nothing it depends on changes
//
// Which rule an instruction follows is its kind's role (lib/instructions/kinds.ts): a
// service, a files artifact, an end state of a service (remove/start/stop), a one-off step,
// or a lookup.
//
// The walk simulates the environment instruction by instruction (what exists, running or
// stopped), so remove/start/stop_service describe end states and stay idempotent: a
// package that stops a service leaves it stopped, and re-applying it does nothing.
// Dependencies come from the records alone: services acted on, artifacts mounted, and
// future references used. A change marks its step "dirty"; whatever uses a dirty step is
// re-run or replaced, so changing one service touches only it and what depends on it.
// Deletions of dropped entities come first, so a renamed service's ports and names are
// free before its successor is created.
//
// A replaced service keeps its IP address and its hostname (apply recreates it on the
// same address, as Kurtosis's update keeps it), so an instruction that only uses those two
// values of a replaced service is not touched by the replace; using anything else of it
// (its exec output...) or acting on it (exec, request...) still is. A service the package
// only looks up or acts on (get_service, exec, a mount of an artifact...) without adding
// it again is kept, not deleted: the package needs it, as it needs it in Kurtosis's enclave.
// A task that stores into an artifact re-runs when an earlier producer of that artifact
// changes, and what mounts the artifact after it depends on it.
import type { State } from '../state/index.js';
import { jsonDigest } from '../util/hash.js';
import { artifactsCreated, descriptorOf, findReferences, type Action, type Change, type Instruction, type Reference } from '../instructions/index.js';

/** The fields of a replaced service that stay the same: its address and its name. */
const KEPT_ON_REPLACE = new Set(['ip_address', 'hostname']);

interface SimService {
  exists: boolean;
  running: boolean;
}

/** Edits of the diff: `replace` holds add_service step ids to replace although unchanged (`plan --replace`). */
export interface DiffOptions {
  readonly replace?: ReadonlySet<string>;
}

export function diff(instructions: readonly Instruction[], state: State, options: DiffOptions = {}): Change[] {
  const applied = new Map(state.steps.map((s) => [s.id, s]));
  const dirty = new Set<string>();
  const world = new Map<string, SimService>();
  for (const [name, rec] of state.services) world.set(name, { exists: true, running: rec.status === 'running' });
  const artifacts = new Set(state.filesArtifacts.keys());
  const declaredServices = new Set<string>();
  const declaredArtifacts = new Set<string>();

  // The desired end state of each service: present or absent, running or stopped.
  const finalPresence = new Map<string, boolean>();
  const finalRunning = new Map<string, boolean>();
  for (const ins of instructions) {
    const name = serviceOf(ins);
    if (name === undefined) continue;
    const d = descriptorOf(ins.kind);
    if (d.role === 'service') {
      finalPresence.set(name, true);
      finalRunning.set(name, true);
    } else if (d.endState?.present === false) finalPresence.set(name, false);
    else if (d.endState?.running !== undefined) finalRunning.set(name, d.endState.running);
  }

  /** Service steps replaced in this plan: their address and hostname do not change. */
  const keepsAddress = new Set<string>();
  /** For artifacts written by several steps: the last writer so far. */
  const writer = new Map<string, string>();
  const changes: Change[] = [];
  instructions.forEach((ins, index) => {
    const hash = jsonDigest(ins.args);
    const prev = applied.get(ins.id);
    const dep = dirtyDependency(ins, dirty, keepsAddress, writer);
    let action: Action = 'no-op';
    let reason = 'unchanged';
    let before: Change['before'];
    let cause: string | undefined;
    const after: Change['after'] = ins.args;
    const kind = descriptorOf(ins.kind);

    // The kind's descriptor (lib/instructions/kinds.ts) says which rule applies.
    switch (kind.role) {
      case 'service': {
        const name = serviceOf(ins)!;
        if (ins.args['binding'] !== undefined) {
          // Bound by an override file (lib/plan/override.ts): never created; the step only
          // records the bound endpoint's address. A container an earlier apply created for
          // the service is removed by that step (a replace), not kept beside the binding.
          const own = state.services.get(name);
          if (own !== undefined && world.get(name)?.exists === true) {
            declaredServices.add(name);
            action = 'replace';
            reason = 'bound by the override file: the container starform made for it is removed';
            before = own.config;
          } else if (prev === undefined || prev.argsHash !== hash) {
            action = 'run';
            reason = prev?.args['binding'] === undefined ? 'bind to what the override file names' : 'the binding changed';
            if (prev !== undefined) before = prev.args;
          } else if (dep !== undefined) {
            action = 'run';
            reason = `depends on ${dep}, which changes`;
            cause = dep;
          }
          world.set(name, { exists: true, running: true });
          break;
        }
        declaredServices.add(name);
        const rec = state.services.get(name);
        const sim = world.get(name);
        if (rec === undefined || !sim?.exists) {
          const removedLater = finalPresence.get(name) === false;
          if (removedLater && prev !== undefined && prev.argsHash === hash && dep === undefined) {
            reason = 'already applied; removed again later in the package';
          } else {
            action = 'create';
            reason = rec === undefined ? 'new service' : 'removed earlier in the package';
          }
        } else if (rec.status === 'failed') {
          action = 'replace';
          reason = 'it failed at the last apply; --keep-failed kept its container';
          before = rec.config;
        } else if (rec.configHash !== hash) {
          action = 'replace';
          reason = 'configuration changed';
          before = rec.config;
        } else if (rec.imageChange !== undefined) {
          // Refresh found that the tag names another image (lib/apply/image-identity.ts).
          action = 'replace';
          reason = rec.imageChange.reason;
          before = rec.config;
        } else if (ins.forceUpdate) {
          action = 'replace';
          reason = 'force_update is set';
          before = rec.config;
        } else if (options.replace?.has(ins.id) === true) {
          action = 'replace';
          reason = 'replacement requested (--replace)';
          before = rec.config;
        } else if (dep !== undefined) {
          action = 'replace';
          reason = `depends on ${dep}, which changes`;
          cause = dep;
          before = rec.config;
        } else if (!sim.running && finalRunning.get(name) !== false) {
          action = 'replace';
          reason = 'its container is not running';
          before = rec.config;
        }
        if (action === 'replace' && rec?.adopted === true)
          reason = `${reason}; replaces the imported container ${rec.containerId.slice(0, 12)} (removed) with one starform creates`;
        world.set(name, { exists: action !== 'no-op' || sim?.exists === true, running: true });
        if (action === 'no-op' && sim !== undefined) world.set(name, sim);
        if (action === 'replace' && rec?.ipAddress) keepsAddress.add(ins.id);
        break;
      }
      case 'state': {
        const name = serviceOf(ins)!;
        const sim = world.get(name);
        if (kind.endState?.present !== false) {
          // start_service / stop_service: the running state it asks for.
          const wantRunning = kind.endState?.running === true;
          if (sim?.exists && sim.running !== wantRunning) {
            action = 'run';
            reason = wantRunning ? 'service is stopped' : 'service is running';
          } else {
            reason = wantRunning ? 'already running' : 'already stopped';
          }
          if (sim?.exists) world.set(name, { exists: true, running: wantRunning });
          break;
        }
        // remove_service
        if (sim?.exists) {
          action = 'delete';
          reason = 'remove_service';
          before = state.services.get(name)?.config;
        } else {
          reason = 'already absent';
        }
        world.set(name, { exists: false, running: false });
        break;
      }
      case 'artifact': {
        const name = ins.declares?.type === 'artifact' ? ins.declares.name : ins.id;
        declaredArtifacts.add(name);
        if (!artifacts.has(name) || prev === undefined) {
          action = 'create';
          reason = 'new files artifact';
        } else if (prev.argsHash !== hash) {
          action = 'replace';
          reason = 'content changed';
          before = prev.args;
        } else if (dep !== undefined) {
          action = 'replace';
          reason = `depends on ${dep}, which changes`;
          cause = dep;
          before = prev.args;
        }
        artifacts.add(name);
        break;
      }
      case 'step': {
        if (prev === undefined) {
          action = 'run';
          reason = 'new step';
        } else if (prev.argsHash !== hash) {
          action = 'run';
          reason = 'arguments changed';
          before = prev.args;
        } else if (dep !== undefined) {
          action = 'run';
          reason = `depends on ${dep}, which changes`;
          cause = dep;
        } else {
          const rewritten = artifactsCreated(ins).find((a) => dirty.has(writer.get(a) ?? `artifact.${a}`));
          if (rewritten !== undefined) {
            action = 'run';
            reason = `updates files artifact '${rewritten}', which changes earlier in this plan`;
          }
        }
        for (const name of artifactsCreated(ins)) declaredArtifacts.add(name);
        break;
      }
      case 'lookup':
        reason = 'lookup only';
    }
    if (kind.endState?.present !== false) for (const name of ins.services) if (state.services.has(name)) declaredServices.add(name);
    for (const name of ins.artifacts) declaredArtifacts.add(name);
    for (const name of artifactsCreated(ins)) writer.set(name, ins.id);
    if (action !== 'no-op') dirty.add(ins.id);
    const pullImage = action === 'replace' && kind.role === 'service' ? pulledTag(state, serviceOf(ins)!) : undefined;
    changes.push({
      action,
      stepId: ins.id,
      kind: ins.kind,
      reason,
      ...(cause !== undefined ? { cause } : {}),
      ...(before !== undefined ? { before } : {}),
      after,
      instruction: index,
      ...(pullImage !== undefined ? { pullImage } : {}),
    });
  });

  const deletions: Change[] = [];
  for (const [name, rec] of state.services) {
    if (!declaredServices.has(name) && world.get(name)?.exists !== false) {
      deletions.push({ action: 'delete', stepId: `service.${name}`, kind: 'add_service', reason: 'no longer in the package', before: rec.config });
    }
  }
  for (const name of state.filesArtifacts.keys()) {
    if (!declaredArtifacts.has(name)) {
      const step = applied.get(`artifact.${name}`);
      deletions.push({
        action: 'delete',
        stepId: `artifact.${name}`,
        kind: (step?.kind as Change['kind']) ?? 'upload_files',
        reason: 'no longer in the package',
        ...(step ? { before: step.args } : {}),
      });
    }
  }
  return [...deletions, ...changes];
}

/** The image tag apply must pull before it replaces the service: refresh found a newer image in its registry (plan --pull). */
function pulledTag(state: State, name: string): string | undefined {
  const rec = state.services.get(name);
  if (rec?.imageChange?.pull !== true) return undefined;
  const image = (rec.config as { config?: { image?: { image?: unknown } } }).config?.image;
  return typeof image?.image === 'string' ? image.image : undefined;
}

/** The service an instruction declares or acts on, if it is about one service. */
function serviceOf(ins: Instruction): string | undefined {
  if (ins.declares?.type === 'service') return ins.declares.name;
  if (descriptorOf(ins.kind).role === 'state') return ins.services[0];
  return undefined;
}

/**
 * The first thing this instruction depends on that changes in this plan. An artifact's
 * step is its last writer so far (a task may rewrite an uploaded artifact); a reference to
 * a replaced service counts only when it uses more than the address and hostname it keeps.
 */
function dirtyDependency(
  ins: Instruction,
  dirty: ReadonlySet<string>,
  keepsAddress: ReadonlySet<string>,
  writer: ReadonlyMap<string, string>,
): string | undefined {
  const own = serviceOf(ins);
  for (const s of ins.services) {
    if (s === own && descriptorOf(ins.kind).role === 'service') continue;
    if (dirty.has(`service.${s}`)) return `service.${s}`;
  }
  for (const a of ins.artifacts) {
    const step = writer.get(a) ?? `artifact.${a}`;
    if (dirty.has(step)) return step;
  }
  let kept: Reference[] | undefined;
  for (const r of ins.refs) {
    if (r === ins.id || !dirty.has(r)) continue;
    if (keepsAddress.has(r)) {
      kept ??= findReferences(ins.args);
      if (kept.every((x) => x.stepId !== r || KEPT_ON_REPLACE.has(x.field))) continue;
    }
    return r;
  }
  return undefined;
}
