// What a step handler works with, and what it hands back.
//
// A handler gets its instruction (canonical args, future references unresolved), the
// runtime, the blob store, the plan's embedded files, a resolver for future references
// (values recorded in the state: by the steps this one depends on, which have finished,
// or by earlier applies for steps this plan skips), and `commit`, for the rare handler
// that must record an intermediate state (a service replacement first records that the
// old container is gone). It returns the step's result and runtime values and any other
// change to the state; the executor records the applied step and the values.
import type { Runtime, ServiceRef } from '../runtime/index.js';
import type { Instruction, ReferenceResolver } from '../instructions/index.js';
import type { StateBlobs, State } from '../state/index.js';
import type { JsonValue } from '../util/json.js';
import { StepFailure } from './errors.js';
import { recordRef } from './owned-ref.js';
import type { StateChange } from './state-writer.js';

/** What every step needs, also the deletion of an entity the plan no longer has (no instruction). */
export interface BaseContext {
  readonly lineage: string;
  readonly runtime: Runtime;
  readonly blobs: StateBlobs;
  /** Contents the plan embeds (uploads, templates, build contexts), by digest. */
  readonly planFiles: ReadonlyMap<string, Uint8Array>;
  /** Aborted when the apply is cancelled: waits (readiness, wait, retries) end early and the step fails. */
  readonly signal: AbortSignal;
  /** apply --keep-failed: a service that fails to become ready keeps its (stopped) container, recorded as failed. */
  readonly keepFailed?: boolean;
  /** The state as committed so far. */
  state(): State;
  readonly resolve: ReferenceResolver;
  commit(change: StateChange): Promise<void>;
}

export interface StepContext extends BaseContext {
  readonly instruction: Instruction;
  readonly action: 'create' | 'replace' | 'run' | 'delete';
}

export interface StepOutcome {
  /** Recorded as the applied step's result. */
  readonly result: JsonValue;
  /** Runtime values by field (`code`, `output`, `ip_address`...), recorded as `<step id>.<field>`. */
  readonly values?: Readonly<Record<string, JsonValue>>;
  /** One line for the progress view. */
  readonly message: string;
  /** Other changes to the state (services, files artifacts), applied with the step. */
  readonly change?: StateChange;
  /** False for steps that must not be recorded as applied (e.g. remove_service keeps no record). Default true. */
  readonly record?: boolean;
}

export type StepHandler = (ctx: StepContext) => Promise<StepOutcome>;

/** The reference to a service of the state, by its recorded container. */
export function serviceRef(ctx: BaseContext, name: string): ServiceRef {
  const record = ctx.state().services.get(name);
  if (record === undefined) {
    throw new StepFailure(`service '${name}' does not exist in the enclave (it is not in the state)`);
  }
  return recordRef(ctx.lineage, name, record);
}

/** Milliseconds of a Go duration text as the plan writes them ("15s", "2m0s", "1.5s", "300ms"). */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, '\u00b5s': 1e-3, '\u03bcs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (text === '0') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  let rest = text.replace(/^[-+]/, '');
  let total = 0;
  while (rest !== '') {
    const m = /^([0-9]*\.?[0-9]*)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/.exec(rest);
    if (m === null || m[1] === '' || m[1] === '.') throw new StepFailure(`invalid duration '${text}'`);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/** Resolves after `ms`, or rejects early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(interrupted());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(interrupted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function interrupted(): StepFailure {
  return new StepFailure('interrupted');
}
