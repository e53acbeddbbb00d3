// The executor: carries out a saved plan against the runtime and records every step in
// the state file.
//
//   1. lock the state (or use the caller's lock), read it, refuse a stale plan;
//   2. with nothing to change, only record run()'s outputs (no engine is contacted);
//   3. ping the engine, make every image the steps need available (pull or build, in
//      parallel) — a missing image fails here, before anything changed;
//   4. give the state its lineage and the enclave network, record what refresh finds
//      (vanished or stopped containers), remove containers the state does not name;
//   5. run the steps — deletions first, then instructions in plan order — each as soon
//      as the steps it depends on have finished (graph.ts), at most `parallelism` at a
//      time; each finished step is written to the state before its dependents start
//      (state-writer.ts) — except the records of steps that touch no engine resource
//      (print, verify, lookups), which ride along with the next write;
//   6. on the first failure start nothing new, let the steps in flight finish and be
//      recorded, and fail with the step's Starlark position; otherwise resolve run()'s
//      outputs, drop steps of earlier applies the package no longer makes, and prune
//      blobs nothing refers to.
//
// Future references resolve from the state's runtime values: those of steps run now, and
// those recorded by earlier applies for the steps this plan skips. The engine is reached
// only through the Runtime interface.
import type { Runtime } from '../runtime/index.js';
import { descriptorOf, isInstructionKind, substituteDeep, type Instruction, type ReferenceResolver } from '../instructions/index.js';
import { checkPlanIsCurrent, type ChangeCore, type InstructionCore, type SavedPlan } from '../planfile/index.js';
import {
  forgetStep,
  FileStateBackend,
  appliedStep,
  recordStep,
  setEnclave,
  setOutputs,
  setRuntimeValue,
  withLineage,
  withSensitiveValues,
  type AppliedStep,
  type State,
  type StateBackend,
  type StateLock,
} from '../state/index.js';
import { crashPoint } from '../util/crash-point.js';
import { UserError, formatLocation } from '../util/errors.js';
import type { JsonValue } from '../util/json.js';
import type { BaseContext, StepContext, StepOutcome } from './context.js';
import { checkLineageUnused } from './binding.js';
import { ApplyError, detailOf, isExpectedError } from './errors.js';
import { emptySummary, type ApplyEvent, type ApplySummary, type EventSink, type StepInfo } from './events.js';
import { buildWork, schedule, type WorkItem } from './graph.js';
import { imagesNeeded, ImagesInterrupted, prepareImages } from './images.js';
import { othersOwn, ownerStamp } from './ownership.js';
import { ownedBy, packageOwner } from '../plan/index.js';
import { refreshState } from './refresh.js';
import { DeferredRecords, type QueuedRecord } from './deferred-records.js';
import { StateWriter, type StateChange } from './state-writer.js';
import { applyRefreshOnly, refreshOnlyEdit } from './refresh-only.js';
import { isWholeDestroy } from '../plan/index.js';

const DEFAULT_PARALLELISM = 8;

export interface ApplyOptions {
  /** The state file (when no `backend` is given). */
  readonly statePath?: string;
  /** The state backend (lib/state/backend.ts); default: the file backend of `statePath`. */
  readonly backend?: StateBackend;
  /** The engine, or a factory called only when the plan has something to do. */
  readonly runtime: Runtime | (() => Promise<Runtime>);
  /** Steps running at once; default 8. */
  readonly parallelism?: number;
  /** How long to wait for another holder of the state lock; default 0 (fail at once). */
  readonly lockTimeoutMs?: number;
  /** A lock of this state the caller holds already (plan-then-apply locks before planning). */
  readonly lock?: StateLock;
  /** The state file as read under `lock` (plan-then-apply has read it already). */
  readonly lockedState?: State;
  /** The plan file, named in stale-plan errors. */
  readonly planFile?: string;
  readonly onEvent?: EventSink;
  /** Aborting stops starting new steps; the steps in flight run to their end. */
  readonly signal?: AbortSignal;
  /** Aborting also ends the waits of steps in flight (readiness, wait, retries): those steps fail. */
  readonly cancel?: AbortSignal;
  /**
   * Contact the engine even when no step changes anything, to remove the containers no
   * state names (the plan showed them; a plan with steps always removes them).
   */
  readonly removeOrphans?: boolean;
  /** How often a running step (or image pull or build) says it still runs; default 10 000 ms. */
  readonly noticeEveryMs?: number;
  /** Keep the container of a service that fails to become ready, stopped and recorded as failed (apply --keep-failed). */
  readonly keepFailed?: boolean;
}

export interface ApplyResult {
  readonly state: State;
  readonly summary: ApplySummary;
  readonly outputs: JsonValue;
  /** Steps carried out (changes that were not no-ops). */
  readonly steps: number;
}

/** A plan whose records may be the plan module's own types or records read from a file. */
export type ApplicablePlan = SavedPlan<InstructionCore, ChangeCore>;

/** The plan module's Instruction for a record read from a plan file (checked by its schema). */
function asInstruction(record: object): Instruction {
  const r = record as Record<string, unknown>;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    ...(r as unknown as Instruction),
    description: typeof r['description'] === 'string' ? r['description'] : String(r['kind']),
    services: strings(r['services']),
    artifacts: strings(r['artifacts']),
    refs: strings(r['refs']),
    produces: strings(r['produces']),
  };
}

function stepInfo(item: WorkItem): StepInfo {
  const ins = item.instruction;
  const what = item.stepId.startsWith('service.') ? 'service' : 'files artifact';
  return {
    index: item.index,
    stepId: item.stepId,
    kind: item.kind,
    action: item.action,
    description: ins?.description ?? `Deleting ${what} '${item.stepId.slice(item.stepId.indexOf('.') + 1)}'`,
    ...(ins ? { position: ins.position } : {}),
    reason: item.reason,
  };
}

/** The tags the plan says to pull first (plan --pull found newer images in their registries). */
function pulledTags(plan: ApplicablePlan): Set<string> {
  const tags = new Set<string>();
  for (const c of plan.changes as readonly (ChangeCore & { readonly pullImage?: unknown })[]) {
    if (c.action === 'replace' && typeof c.pullImage === 'string') tags.add(c.pullImage);
  }
  return tags;
}

/** The step id a runtime-value key (`<step id>.<field>`) belongs to. */
function valueOwner(key: string): string {
  const parts = key.split('.');
  return `${parts[0]}.${parts[1] ?? ''}`;
}

/** Outputs with every reference that has a value replaced; unknown references are left as they are. */
function resolveOutputs(outputs: JsonValue, state: State): JsonValue {
  const resolve: ReferenceResolver = (stepId, field) => state.runtimeValues.get(`${stepId}.${field}`) ?? `{{starform:${stepId}.${field}}}`;
  return substituteDeep(outputs, resolve);
}

/** Drops the steps (and their values) of earlier applies that this plan's package (`owner`) no longer makes. */
function pruneSteps(state: State, planIds: ReadonlySet<string>, owner: string): State {
  let next = state;
  for (const step of state.steps) if (!planIds.has(step.id) && ownedBy(step.package, owner)) next = forgetStep(next, step.id);
  for (const key of next.runtimeValues.keys()) {
    if (!planIds.has(valueOwner(key)) && !next.steps.some((s) => key.startsWith(`${s.id}.`)) && !othersOwn(next, valueOwner(key), owner)) {
      next = setRuntimeValue(next, key, undefined);
    }
  }
  return next;
}

function userFacing(err: unknown): Error {
  if (err instanceof UserError) return err;
  if (isExpectedError(err)) return new UserError(err.message, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}

/** Applies a saved plan (see the file comment). Resolves with the final state; throws ApplyError on failure. */
export async function applyPlan(plan: ApplicablePlan, options: ApplyOptions): Promise<ApplyResult> {
  const started = Date.now();
  const emit = (e: ApplyEvent): void => options.onEvent?.(e);
  if (refreshOnlyEdit(plan) !== undefined) {
    const backend = await backendOf(options);
    const { lockTimeoutMs, planFile } = options;
    const state = await applyRefreshOnly(plan, {
      backend,
      runtime: options.runtime,
      onEvent: emit,
      ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}),
      ...(planFile !== undefined ? { planFile } : {}),
    });
    return { state, summary: emptySummary(), outputs: state.outputs, steps: 0 };
  }
  const path = await backendOf(options);
  const lock = options.lock ?? (await path.lock({ operation: 'apply', timeoutMs: options.lockTimeoutMs ?? 0, releaseOnSignal: false }));
  try {
    return await applyLocked(plan, options, path, lock, started, emit);
  } finally {
    if (options.lock === undefined) await lock.release();
  }
}

async function applyLocked(
  plan: ApplicablePlan,
  options: ApplyOptions,
  path: StateBackend,
  lock: StateLock,
  started: number,
  emit: (e: ApplyEvent) => void,
): Promise<ApplyResult> {
  const initial = options.lock !== undefined && options.lockedState !== undefined ? options.lockedState : await path.read();
  checkPlanIsCurrent(plan, initial, options.planFile ?? '(plan)');

  const instructions = plan.instructions.map(asInstruction);
  const order = new Map(instructions.map((ins, i) => [ins.id, i]));
  const planIds = new Set(order.keys());
  for (const ins of instructions) {
    if (!isInstructionKind(ins.kind)) {
      throw new ApplyError(`unknown instruction kind '${ins.kind}' in the plan (step ${ins.id})`, ins.id, ins.position);
    }
  }
  const items = buildWork(instructions, plan.changes, [...initial.services.keys()]);
  const infos = items.map(stepInfo);
  const parallelism = Math.max(1, Math.floor(options.parallelism ?? DEFAULT_PARALLELISM));
  emit({ type: 'apply_start', steps: infos, unchanged: plan.changes.length - items.length, parallelism });

  // Several packages in one state (lib/plan/claims.ts): what this plan makes is its package's.
  const owner = packageOwner(plan.package.locator);
  const claim = ownerStamp(owner, instructions);
  const summary = { ...emptySummary() } as { created: number; replaced: number; run: number; deleted: number };
  const finish = async (writer: StateWriter): Promise<ApplyResult> => {
    await writer.commit((s) => {
      const pruned = pruneSteps(s, planIds, owner);
      return claim(s, setOutputs(pruned, resolveOutputs(plan.outputs, pruned)), true);
    });
    await writer.flush();
    const state = writer.state;
    if (items.some((i) => i.writes.some((w) => w.startsWith('artifact:')))) await path.pruneBlobs(state);
    emit({ type: 'apply_done', summary, outputs: state.outputs, serial: state.serial, durationMs: Date.now() - started });
    return { state, summary, outputs: state.outputs, steps: items.length };
  };

  // A plan made against no state gives the new state its lineage, and always reaches the
  // engine: to check that it was not applied already, and to leave the enclave (binding.ts).
  const creates = initial.lineage === null && plan.base.lineage !== null ? plan.base.lineage : null;
  const start = withSensitiveValues(creates === null ? withLineage(initial) : { ...initial, lineage: creates }, plan.sensitive);
  // A whole destroy plan (`plan --destroy`) also removes the enclave network at its end.
  const wholeDestroy = isWholeDestroy(plan) && initial.enclave !== null;
  if (items.length === 0 && creates === null && options.removeOrphans !== true && !wholeDestroy) {
    return finish(new StateWriter(path, lock, start, order));
  }

  let runtime: Runtime;
  try {
    runtime = typeof options.runtime === 'function' ? await options.runtime() : options.runtime;
    await runtime.ping();
    if (creates !== null) await checkLineageUnused(runtime, creates, options.planFile ?? '(plan)');
    await prepareImages(runtime, imagesNeeded(items), plan.files, (ref, action, durationMs) => emit({ type: 'image', ref, action, durationMs }), {
      pull: pulledTags(plan),
      onProgress: emit,
      ...(options.noticeEveryMs !== undefined ? { timings: { noticeEveryMs: options.noticeEveryMs } } : {}),
      ...(options.cancel !== undefined ? { signal: options.cancel } : {}),
    });
  } catch (err) {
    if (err instanceof ImagesInterrupted) throw interruptedBeforeSteps(err, items, infos, initial.serial, started, emit);
    throw userFacing(err);
  }
  // Interrupted while the images were made: no step starts, and nothing was changed.
  if (options.signal?.aborted === true || options.cancel?.aborted === true)
    throw interruptedBeforeSteps(undefined, items, infos, initial.serial, started, emit);

  const writer = new StateWriter(path, lock, start, order);
  const lineage = writer.state.lineage!;
  const known = knownOf(initial);
  try {
    // The lineage reaches the state file before anything carrying it exists (issue 18.5).
    crashPoint('apply-before-enclave');
    await writer.persist();
    const enclave = await runtime.ensureEnclave(lineage);
    const current = writer.state.enclave;
    const runtimeKind = runtime.kind === 'docker' ? undefined : runtime.kind;
    if (current?.networkId !== enclave.networkId || current.networkName !== enclave.networkName || current.runtime !== runtimeKind) {
      await writer.commit((s) =>
        setEnclave(s, { networkName: enclave.networkName, networkId: enclave.networkId, ...(runtimeKind !== undefined ? { runtime: runtimeKind } : {}) }),
      );
    }
    const refreshed = await refreshState(writer.state, runtime);
    for (const message of refreshed.drift) emit({ type: 'drift', message });
    if (refreshed.state !== writer.state) {
      const services = refreshed.state.services;
      await writer.commit((s) => ({ ...s, services, ...(refreshed.state.forgotten !== s.forgotten ? { forgotten: refreshed.state.forgotten } : {}) }));
    }
    for (const orphan of refreshed.orphans) {
      await runtime.removeService({ lineage, name: orphan.service, containerId: orphan.containerId });
      emit({
        type: 'drift',
        message: `removed container ${orphan.containerId.slice(0, 12)} of service '${orphan.service}': the state did not name it (left by an interrupted apply)`,
      });
    }
  } catch (err) {
    await writer.flush().catch(() => undefined);
    throw userFacing(err);
  }

  const { handlerOf, deleteDroppedArtifact, deleteDroppedService } = await import('./handlers/index.js');
  const signal = options.signal ?? new AbortController().signal;
  const cancel = options.cancel ?? new AbortController().signal;
  const deferred = new DeferredRecords(
    (change) => writer.commit((s) => claim(s, change(s)), { durable: false }),
    (s, batch) => recordAll(s, batch, known),
  );
  /** Every state change goes through here, so queued records land first, in the order steps finished. */
  const commit = (change: StateChange): Promise<void> => {
    deferred.flush();
    return writer.commit((s) => claim(s, change(s)));
  };
  const resolve: ReferenceResolver = (stepId, field) => {
    const key = `${stepId}.${field}`;
    return deferred.value(key) ?? writer.state.runtimeValues.get(key);
  };
  const base: BaseContext = {
    lineage,
    runtime,
    blobs: path.blobs,
    planFiles: plan.files,
    signal: cancel,
    ...(options.keepFailed ? { keepFailed: true } : {}),
    state: () => writer.state,
    resolve,
    commit,
  };
  let failure: { item: WorkItem; error: unknown } | undefined;

  const noticeEvery = Math.max(10, options.noticeEveryMs ?? 10_000);
  const runItem = async (item: WorkItem): Promise<void> => {
    const info = infos[item.index]!;
    const t0 = Date.now();
    emit({ type: 'step_start', step: info });
    // A long step says so (step_slow), so no view goes silent while it runs.
    const slow = setInterval(() => emit({ type: 'step_slow', step: info, elapsedMs: Date.now() - t0 }), noticeEvery);
    slow.unref();
    try {
      const ins = item.instruction;
      let outcome: StepOutcome;
      if (ins === undefined) {
        outcome = item.stepId.startsWith('service.') ? await deleteDroppedService(base, item.stepId) : await deleteDroppedArtifact(base, item.stepId);
      } else {
        const ctx: StepContext = { ...base, instruction: ins, action: item.action };
        outcome = await handlerOf(ins.kind)(ctx);
      }
      // A step that touches no engine resource (its kind's descriptor says so) and changes
      // nothing else in the state has its record committed without waiting for the disk
      // (state-writer.ts). A crash can then lose the record, never a container, network or
      // files artifact: the step just runs again. Everything else is on disk before the
      // steps after it start.
      if (ins !== undefined && descriptorOf(ins.kind).deferrableRecord === true && outcome.change === undefined) deferred.add(item, outcome);
      else await commit((s) => recordAll(s, [{ item, outcome }], known));
      summary[item.action === 'create' ? 'created' : item.action === 'replace' ? 'replaced' : item.action === 'delete' ? 'deleted' : 'run']++;
      emit({ type: 'step_done', step: info, durationMs: Date.now() - t0, message: outcome.message, result: outcome.result });
    } catch (err) {
      failure ??= { item, error: err };
      emit({ type: 'step_failed', step: info, durationMs: Date.now() - t0, error: detailOf(err) });
      throw err;
    } finally {
      clearInterval(slow);
    }
  };

  const { notStarted } = await schedule(items, parallelism, runItem, () => signal.aborted || cancel.aborted);
  // After a second interrupt, a step that failed was aborted: the apply was interrupted.
  const aborted = cancel.aborted;
  const why = failure !== undefined && !aborted ? `not started: ${failure.item.stepId} failed` : 'not started: the apply was interrupted';
  for (const index of notStarted) emit({ type: 'step_skipped', step: infos[index]!, why });

  deferred.flush();
  if (failure === undefined && notStarted.length === 0) {
    try {
      if (wholeDestroy) {
        await writer.commit((s) => ({ ...s, enclave: null }));
        await runtime.removeEnclave(lineage);
      }
      return await finish(writer);
    } catch (err) {
      throw userFacing(err);
    }
  }

  let serial = writer.state.serial;
  let writeError: unknown;
  try {
    await writer.flush();
    serial = writer.state.serial;
  } catch (err) {
    writeError = err;
  }
  // Steps whose record reached the state (with a failed write, some that ran did not).
  const done = summary.created + summary.replaced + summary.run + summary.deleted;
  const progress = `${done} of ${items.length} step${items.length === 1 ? '' : 's'} finished and recorded in the state (serial ${serial})`;
  let error: ApplyError;
  if (failure !== undefined) {
    const { item, error: cause } = failure;
    const label = item.instruction ? `${item.stepId} (${item.instruction.description})` : item.stepId;
    error = aborted
      ? new ApplyError(`the apply was interrupted: ${label} was aborted (${detailOf(cause)})`, item.stepId, item.instruction?.position, {
          hint: `${progress}. Plan and apply again to continue from there.`,
          cause,
        })
      : new ApplyError(`${label} failed: ${detailOf(cause)}`, item.stepId, item.instruction?.position, {
          hint: `${progress}. Fix the cause, then plan and apply again to continue from there.`,
          cause,
        });
  } else {
    error = new ApplyError(`the apply was interrupted`, undefined, undefined, {
      hint: `${progress}. Plan and apply again to continue from there.`,
    });
  }
  if (writeError !== undefined && failure?.error === writeError && writeError instanceof UserError) {
    // The step itself failed only because its record could not be written (a full disk):
    // say that, where it happened (the state file), once.
    error = new ApplyError(`${writeError.location ? `${formatLocation(writeError.location)}: ` : ''}${writeError.detail}`, failure.item.stepId, undefined, {
      hint: `${writeError.hint ? `${writeError.hint}\n` : ''}${progress}; ${failure.item.stepId} ran but could not be recorded (the next apply removes what it left). Plan and apply again to continue from there.`,
      cause: writeError,
    });
  } else if (writeError !== undefined) {
    error = new ApplyError(`${error.detail}\nand the state could not be written: ${detailOf(writeError)}`, error.stepId, undefined, { cause: writeError });
  }
  emit({ type: 'apply_failed', summary, error: error.message, serial, durationMs: Date.now() - started });
  throw error;
}

/**
 * The apply was interrupted while its images were pulled or built (`aborted`: by a second
 * interrupt, which ended the pulls and builds in progress): every step is reported not
 * started, and the error says that nothing changed (the state was not written).
 */
function interruptedBeforeSteps(
  aborted: ImagesInterrupted | undefined,
  items: readonly WorkItem[],
  infos: readonly StepInfo[],
  serial: number,
  started: number,
  emit: (e: ApplyEvent) => void,
): ApplyError {
  for (const item of items) emit({ type: 'step_skipped', step: infos[item.index]!, why: 'not started: the apply was interrupted' });
  const what = aborted === undefined ? 'the apply was interrupted' : `the apply was interrupted: ${aborted.detail}`;
  const hint = `0 of ${items.length} step${items.length === 1 ? '' : 's'} started; nothing was changed.${aborted === undefined ? ' The images are ready.' : ''} Plan and apply again to continue.`;
  const error = new ApplyError(what, aborted?.stepId, undefined, { hint, ...(aborted !== undefined ? { cause: aborted } : {}) });
  emit({ type: 'apply_failed', summary: emptySummary(), error: error.message, serial, durationMs: Date.now() - started });
  return error;
}

/** What the state held before this apply, so that recording a step need not search it. */
interface Known {
  /** The ids of its applied steps. */
  readonly steps: ReadonlySet<string>;
  /**
   * Every prefix before a dot of its runtime-value keys: the step ids that may own values
   * (a key is `<step id>.<field>`, and ids may contain dots).
   */
  readonly valueOwners: ReadonlySet<string>;
}

function knownOf(state: State): Known {
  const valueOwners = new Set<string>();
  for (const key of state.runtimeValues.keys()) {
    for (let at = key.indexOf('.'); at !== -1; at = key.indexOf('.', at + 1)) valueOwners.add(key.slice(0, at));
  }
  return { steps: new Set(state.steps.map((s) => s.id)), valueOwners };
}

/**
 * Records finished steps, in order: each one's other changes, the applied step, its
 * runtime values. Steps the state did not hold before this apply are appended together,
 * without searching the list for them: one copy of the list per batch, where recordStep
 * per step (a search and a copy each) made recording n steps O(n²).
 */
function recordAll(state: State, batch: readonly QueuedRecord[], known: Known): State {
  let next = state;
  let fresh: AppliedStep[] = [];
  const appendFresh = (): void => {
    if (fresh.length > 0) next = { ...next, steps: [...next.steps, ...fresh] };
    fresh = [];
  };
  for (const { item, outcome } of batch) {
    if (outcome.change) {
      appendFresh();
      next = outcome.change(next);
    }
    const ins = item.instruction;
    if (ins === undefined || outcome.record === false) continue;
    const id = ins.id;
    // Values of an earlier apply of this step (each step runs once per apply, so no others).
    if (outcome.change !== undefined || known.valueOwners.has(id)) {
      for (const key of next.runtimeValues.keys()) if (key.startsWith(`${id}.`)) next = setRuntimeValue(next, key, undefined);
    }
    const step = appliedStep({ id, kind: ins.kind, args: ins.args, result: outcome.result });
    if (known.steps.has(id)) {
      appendFresh();
      next = recordStep(next, step);
    } else {
      fresh.push(step);
    }
    for (const [field, value] of Object.entries(outcome.values ?? {})) next = setRuntimeValue(next, `${id}.${field}`, value);
  }
  appendFresh();
  return next;
}

/** The state backend of an apply: the one given, or the file backend of `statePath`. */
export async function backendOf(options: { readonly backend?: StateBackend; readonly statePath?: string }): Promise<StateBackend> {
  if (options.backend !== undefined) return options.backend;
  if (options.statePath === undefined) throw new Error('neither a state backend nor a state path was given');
  return FileStateBackend.open(options.statePath);
}
