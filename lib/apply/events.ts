// What an apply reports while it runs: a stream of events, the one thing every progress
// view (ink on a terminal, plain lines, NDJSON with --json) is built from. The executor
// emits them as things happen, so steps that run concurrently interleave; views that
// must be deterministic (plain text, JSON) pass them through `inStepOrder`, which holds
// back a step's events until every earlier step has finished, so two runs of the same
// plan print the same lines in the same order (durations aside).
import type { SourcePosition } from '../instructions/index.js';
import type { JsonValue } from '../util/json.js';

export type StepAction = 'create' | 'replace' | 'run' | 'delete';

/** One step of the apply: a change of the plan that is not a no-op. */
export interface StepInfo {
  /** Position in the apply order (0-based). */
  readonly index: number;
  readonly stepId: string;
  readonly kind: string;
  readonly action: StepAction;
  readonly description: string;
  /** Where the instruction is in the package; absent for deletions of dropped entities. */
  readonly position?: SourcePosition;
  /** Why the plan chose this action. */
  readonly reason: string;
}

export interface ApplySummary {
  readonly created: number;
  readonly replaced: number;
  readonly run: number;
  readonly deleted: number;
}

export type ImageAction = 'present' | 'pulled' | 'built';

/** One layer of an image being pulled, as the engine last reported it. */
export interface LayerProgress {
  readonly id: string;
  /** The engine's word: Waiting, Downloading, Verifying Checksum, Extracting, Pull complete, Already exists... */
  readonly status: string;
  /** Bytes downloaded (or extracted) so far, and of how many, when the engine says. */
  readonly current?: number;
  readonly total?: number;
}

export type ApplyEvent =
  | { readonly type: 'apply_start'; readonly steps: readonly StepInfo[]; readonly unchanged: number; readonly parallelism: number }
  | { readonly type: 'drift'; readonly message: string }
  | { readonly type: 'image'; readonly ref: string; readonly action: ImageAction; readonly durationMs: number }
  | {
      /** An image being pulled or built (lib/apply/image-progress.ts says when one is sent). */
      readonly type: 'image_progress';
      readonly ref: string;
      readonly operation: 'pull' | 'build';
      /** What happened, as a line: a layer's new status, a build step, a build output line, or "still pulling… 20s". */
      readonly message: string;
      /** Every layer of a pull so far; empty for a build. */
      readonly layers: readonly LayerProgress[];
      /** The build step running (`Step 2/3 : RUN make`), for a build. */
      readonly buildStep?: string;
      readonly elapsedMs: number;
    }
  | { readonly type: 'step_slow'; readonly step: StepInfo; readonly elapsedMs: number }
  | {
      /** Ctrl-C (SIGINT) or SIGTERM: the first starts no new step, the second aborts the running ones. */
      readonly type: 'interrupt';
      readonly count: number;
      /** Steps running when it came. */
      readonly running: number;
      /** Image pulls in progress when it came (before the first step), when there were any. */
      readonly pulls?: number;
      /** Image builds in progress when it came, when there were any. */
      readonly builds?: number;
    }
  | { readonly type: 'step_start'; readonly step: StepInfo }
  | { readonly type: 'step_done'; readonly step: StepInfo; readonly durationMs: number; readonly message: string; readonly result?: JsonValue }
  | { readonly type: 'step_failed'; readonly step: StepInfo; readonly durationMs: number; readonly error: string }
  | { readonly type: 'step_skipped'; readonly step: StepInfo; readonly why: string }
  | {
      readonly type: 'apply_done';
      readonly summary: ApplySummary;
      readonly outputs: JsonValue;
      readonly serial: number;
      readonly durationMs: number;
    }
  | {
      readonly type: 'apply_failed';
      readonly summary: ApplySummary;
      readonly error: string;
      readonly serial: number;
      readonly durationMs: number;
    };

export type EventSink = (event: ApplyEvent) => void;

function stepIndex(e: ApplyEvent): number | undefined {
  switch (e.type) {
    case 'step_start':
    case 'step_done':
    case 'step_failed':
    case 'step_skipped':
      return e.step.index;
    default:
      return undefined;
  }
}

function isFinal(e: ApplyEvent): boolean {
  return e.type === 'step_done' || e.type === 'step_failed' || e.type === 'step_skipped';
}

/**
 * A sink that forwards events to `sink` in step order: events of step i wait until step
 * i-1 has ended (done, failed or skipped). Other events pass at once, except the final
 * apply_done / apply_failed, which flushes whatever is still held first.
 */
export function inStepOrder(sink: EventSink): EventSink {
  const held = new Map<number, ApplyEvent[]>();
  const ended = new Set<number>();
  let next = 0;
  const release = (): void => {
    for (;;) {
      const events = held.get(next);
      if (events !== undefined) {
        held.delete(next);
        for (const e of events) sink(e);
      }
      if (!ended.has(next)) return;
      next++;
    }
  };
  return (event) => {
    const index = stepIndex(event);
    if (index === undefined) {
      if (event.type === 'apply_done' || event.type === 'apply_failed') {
        for (const i of [...held.keys()].sort((a, b) => a - b)) for (const e of held.get(i)!) sink(e);
        held.clear();
      }
      sink(event);
      return;
    }
    if (index < next) {
      sink(event);
      return;
    }
    const list = held.get(index) ?? [];
    list.push(event);
    held.set(index, list);
    if (isFinal(event)) ended.add(index);
    release();
  };
}

export function emptySummary(): ApplySummary {
  return { created: 0, replaced: 0, run: 0, deleted: 0 };
}
