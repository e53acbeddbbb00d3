// Planning against a state, the one operation behind `plan`, `apply DIR` and `destroy`
// (and `plan --destroy` / `plan --refresh-only`): read the state (the caller holds the lock
// when it needs one), mask its secrets, check the stored files artifacts, refresh the state
// from the engine (with the images' identities) while the package is interpreted and
// validated in a worker thread, then diff — or, without a package, make the destroy or
// refresh-only plan. It prints nothing: the commands hand its result to their views
// (lib/render), and it returns the notes (drift) and warnings for them to show.
//
// It lives in lib/cli, the composition root, because it joins the planning pipeline
// (lib/plan), the refresh (lib/apply) and the runtime the command opened
// (lib/cli/runtime-option.ts, the one place adapters are made); it loads each of them
// lazily, so that a command loads only what it needs (start-up time is measured).
import type { PlanResult } from '../plan/index.js';
import type { PackagelessPlan } from '../plan/destroy-plan.js';
import type { OverrideSpec } from '../plan/override.js';
import type { PlanEdit } from '../planfile/index.js';
import type { Runtime } from '../runtime/index.js';
import type { State, StateBackend } from '../state/index.js';
import type { packageInputs } from './shared-options.js';
import { UserError } from '../util/errors.js';
import { openRuntime, requestedRuntime, settleRuntime, type RuntimeKind } from './runtime-option.js';

export interface Orphan {
  readonly service: string;
  readonly containerId: string;
}

/** The engine the state's enclave runs on: settled from the state once it is read, opened when the refresh needs it. */
export interface RuntimeAccess {
  settle(state: State): RuntimeKind;
  open(): Promise<Runtime>;
}

interface Common {
  /** The state's backend, open (and locked by the caller when the operation must hold the lock). */
  readonly backend: StateBackend;
  readonly runtime: RuntimeAccess;
  /** Compare the state with the engine first (--refresh). */
  readonly refresh: boolean;
  /** Also ask the registries whether the images' tags moved (--pull). */
  readonly pull?: boolean;
  /** Told every secret as soon as it is known, so that whatever is printed from then on masks it. */
  readonly mask: (values: readonly string[]) => void;
  /** The error a failed refresh is reported as (each command says how to plan without the engine). */
  readonly refreshError: (err: unknown) => unknown;
}

export interface PackageWork extends Common {
  readonly inputs: Awaited<ReturnType<typeof packageInputs>>;
  /** How the user named the package (a directory, a .star file or a locator). */
  readonly locator: string;
  readonly selection?: { readonly targets: readonly string[]; readonly excludes: readonly string[]; readonly replace: readonly string[] };
  readonly override?: { readonly spec: OverrideSpec; readonly edit: PlanEdit; readonly file: string };
  /** Record the containers no state names in the plan (`plan`); `apply DIR` removes them without. */
  readonly orphansInPlan?: boolean;
}

export interface PackagePlanned {
  /** The state as read. */
  readonly stored: State;
  /** The state as refreshed (what the diff was made against). */
  readonly state: State;
  readonly runtimeKind: RuntimeKind;
  readonly result: PlanResult;
  /** Drift found by the refresh and the files-artifact check ("note: ..."). */
  readonly notes: readonly string[];
  readonly orphans: readonly Orphan[];
}

type PlanningModules = [
  typeof import('../plan/index.js'),
  typeof import('../plan/interpret-worker.js'),
  typeof import('../plan/sensitive.js'),
  typeof import('../apply/refresh.js'),
];
let planning: Promise<PlanningModules> | undefined;

/** Starts loading the planning modules (while the caller awaits the lock, the state and the engine). */
export function preloadPlanning(): Promise<PlanningModules> {
  planning ??= Promise.all([import('../plan/index.js'), import('../plan/interpret-worker.js'), import('../plan/sensitive.js'), import('../apply/refresh.js')]);
  planning.catch(() => undefined);
  return planning;
}

/** Plans the package against the state (see the file comment). */
export async function planPackageAgainstState(work: PackageWork): Promise<PackagePlanned> {
  const modules = preloadPlanning();
  const { backend } = work;
  const stored = await readState(backend, work.mask);
  const [{ planFromCheck }, { checkPackageInterruptibly }, { planSensitiveValues }, { refreshBlobs }] = await modules;
  const runtimeKind = work.runtime.settle(stored);
  // The package is interpreted (in a worker thread, so that Ctrl-C stops a runaway package:
  // lib/plan/interpret-worker.ts) from the state as stored, while the blobs are checked
  // and the engine answers the refresh's requests; what follows (and which error wins) is
  // as if the refresh had come first. The worker has its inputs before the refresh starts.
  const overriding = work.override !== undefined ? { override: work.override.spec, overrideFile: work.override.file } : {};
  const checking = checkPackageInterruptibly({ ...work.inputs, state: stored, runtime: runtimeKind, ...overriding });
  checking.catch(() => undefined);
  const blobsChecked = await refreshBlobs(stored, backend).catch(async (err: unknown) => {
    // The interpretation under way ends first (a Ctrl-C still stops it), so that no
    // thread is left running when the error is reported.
    await checking.catch(() => undefined);
    throw err;
  });
  let state = blobsChecked.state;
  const refreshing = work.refresh && refreshable(state, true) ? refreshFromEngine(state, work) : undefined;
  refreshing?.catch(() => undefined);
  let checked: Awaited<ReturnType<typeof checkPackageInterruptibly>> | undefined;
  let failure: { error: unknown } | undefined;
  try {
    checked = await checking;
  } catch (error) {
    failure = { error };
  }
  const notes: string[] = [...blobsChecked.drift];
  let orphans: readonly Orphan[] = [];
  if (refreshing !== undefined) {
    const refreshed = await refreshing;
    state = refreshed.state;
    notes.push(...refreshed.drift);
    orphans = refreshed.orphans;
  }
  if (failure !== undefined) throw failure.error;
  const planned = planFromCheck(checked!, {
    ...work.inputs,
    locator: work.locator,
    state,
    runtime: runtimeKind,
    ...(work.selection !== undefined ? { selection: work.selection } : {}),
    ...(work.override !== undefined ? { edits: [work.override.edit] } : {}),
  });
  // Containers no state names: recorded in the plan, which apply then removes (issue 18).
  const result =
    work.orphansInPlan === true && planned.plan !== null && orphans.length > 0 ? { ...planned, plan: { ...planned.plan, orphans: [...orphans] } } : planned;
  work.mask(result.plan?.sensitive ?? planSensitiveValues({ args: work.inputs.args, instructions: result.instructions, outputs: null }, state));
  return { stored, state, runtimeKind, result, notes, orphans };
}

export interface PackagelessWork extends Common {
  /** `plan --destroy` and `destroy` (narrowed by --target / --exclude), or `plan --refresh-only`. */
  readonly make: { readonly destroy: { readonly targets: readonly string[]; readonly excludes: readonly string[] } } | { readonly refreshOnly: true };
}

export interface PackagelessPlanned {
  readonly stored: State;
  readonly state: State;
  /** Null when there is no state yet (no lineage): nothing to destroy or refresh. */
  readonly made: PackagelessPlan | null;
  readonly drift: readonly string[];
  readonly orphans: readonly Orphan[];
}

/** The destroy or refresh-only plan of the state: what a plan that reads no package would change. */
export async function planWithoutPackage(work: PackagelessWork): Promise<PackagelessPlanned> {
  const { destroyPlan, refreshOnlyPlan } = await import('../plan/destroy-plan.js');
  const stored = await readState(work.backend, work.mask);
  if (stored.lineage === null) return { stored, state: stored, made: null, drift: [], orphans: [] };
  let state = stored;
  let drift: readonly string[] = [];
  let orphans: readonly Orphan[] = [];
  if (work.refresh && refreshable(stored, false)) {
    work.runtime.settle(stored);
    ({ state, drift, orphans } = await refreshFromEngine(stored, work));
  }
  if ('refreshOnly' in work.make) {
    const { servicesSnapshot } = await import('../apply/refresh-only.js');
    return { stored, state, made: refreshOnlyPlan(stored, drift, servicesSnapshot(state)), drift, orphans };
  }
  return { stored, state, made: destroyPlan(state, { targets: work.make.destroy.targets, excludes: work.make.destroy.excludes }), drift, orphans };
}

/**
 * The operation's first step, which `destroy` shares (it neither refreshes nor diffs: it
 * removes what carries the state's lineage): the state as stored, its secrets masked from
 * here on.
 */
export async function readState(backend: StateBackend, mask: (values: readonly string[]) => void): Promise<State> {
  const [state, { stateSensitiveValues }] = await Promise.all([backend.read(), import('../plan/sensitive.js')]);
  mask(stateSensitiveValues(state));
  return state;
}

/** Whether the engine may hold something of this state (a state with an enclave network may have containers an interrupted apply did not record). */
function refreshable(state: State, forgotten: boolean): boolean {
  return state.services.size > 0 || state.enclave !== null || (forgotten && (state.forgotten?.length ?? 0) > 0);
}

/** The state refreshed from the engine, with the images the services run (a tag that now names another image replaces its service). */
async function refreshFromEngine(state: State, work: Common): Promise<{ state: State; drift: string[]; orphans: Orphan[] }> {
  try {
    const [{ refreshState }, { checkImages }] = await Promise.all([import('../apply/refresh.js'), import('../apply/image-identity.js')]);
    const runtime = await work.runtime.open();
    const refreshed = await refreshState(state, runtime);
    return { ...refreshed, state: await checkImages(refreshed.state, runtime, { pull: work.pull ?? false }) };
  } catch (err) {
    throw work.refreshError(err);
  }
}

/** The runtime a plan refreshes from: the state's, opened afresh (plan never writes the state). */
export function planRuntime(requested: string | undefined, stateFile: string): RuntimeAccess {
  let kind: RuntimeKind = 'docker';
  return {
    settle: (s) => (kind = settleRuntime(requestedRuntime(requested), s.enclave?.runtime, s.enclave !== null, stateFile)),
    open: () => openRuntime({ kind }),
  };
}

/** A refresh that failed: planning can do without the engine, and says how. */
export function planRefreshError(e: unknown): unknown {
  if (e instanceof UserError && e.hint !== undefined) return e; // plan --pull's, with its own hint
  if (e instanceof UserError || (e instanceof Error && e.name === 'RuntimeError')) {
    return new UserError(e.message, {
      hint: 'To plan from the state file alone (e.g. on a machine without Docker), pass --refresh=false.',
    });
  }
  return e;
}
