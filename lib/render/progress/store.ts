// The live view's model: apply events folded into what the terminal shows — the lines of
// ended steps, in step order (so the scrollback reads like the plain log), the steps
// running now with the time they started, and the images being pulled or built with
// their layers or build step. Ink components subscribe to it; the store knows nothing of
// React.
import { inStepOrder, type ApplyEvent, type LayerProgress, type StepInfo } from '../../apply/events.js';

export interface RunningStep {
  readonly step: StepInfo;
  readonly startedAt: number;
}

export interface ImageInFlight {
  readonly ref: string;
  readonly operation: 'pull' | 'build';
  readonly startedAt: number;
  readonly layers: readonly LayerProgress[];
  readonly buildStep?: string;
  /** The last thing the engine said (a build's output line, a layer's new status). */
  readonly message: string;
}

export interface ProgressSnapshot {
  /** Events whose lines are final (ended steps, notes), in order. */
  readonly ended: readonly ApplyEvent[];
  /** Steps in flight, by index. */
  readonly running: readonly RunningStep[];
  /** Images being pulled or built, in the order they started. */
  readonly images: readonly ImageInFlight[];
  readonly total: number;
  readonly finished: number;
  /** The apply_done / apply_failed event once it came. */
  readonly closing: ApplyEvent | null;
}

export class ProgressStore {
  private snapshot: ProgressSnapshot = { ended: [], running: [], images: [], total: 0, finished: 0, closing: null };
  private readonly listeners = new Set<() => void>();
  private readonly ordered = inStepOrder((e) => this.addEnded(e));

  get current(): ProgressSnapshot {
    return this.snapshot;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes one event of the apply, as the executor emits it. */
  push(event: ApplyEvent): void {
    const s = this.snapshot;
    switch (event.type) {
      case 'apply_start':
        this.update({ total: event.steps.length });
        break;
      case 'step_start':
        this.update({ running: [...s.running, { step: event.step, startedAt: Date.now() }].sort((a, b) => a.step.index - b.step.index) });
        break;
      case 'step_done':
      case 'step_failed':
      case 'step_skipped':
        this.update({ running: s.running.filter((r) => r.step.index !== event.step.index), finished: s.finished + 1 });
        break;
      case 'image_progress': {
        const before = s.images.find((i) => i.ref === event.ref);
        const item: ImageInFlight = {
          ref: event.ref,
          operation: event.operation,
          startedAt: before?.startedAt ?? Date.now() - event.elapsedMs,
          layers: event.layers,
          ...(event.buildStep !== undefined ? { buildStep: event.buildStep } : {}),
          message: event.message,
        };
        this.update({ images: before === undefined ? [...s.images, item] : s.images.map((i) => (i === before ? item : i)) });
        // The running area shows it; the scrollback keeps only what ended.
        return;
      }
      case 'image':
        this.update({ images: s.images.filter((i) => i.ref !== event.ref) });
        break;
      case 'step_slow':
        // The running step's line says "still creating… 20s" by itself.
        return;
      case 'apply_failed':
        this.update({ images: [] });
        break;
    }
    this.ordered(event);
  }

  private addEnded(event: ApplyEvent): void {
    if (event.type === 'apply_done' || event.type === 'apply_failed') {
      this.update({ closing: event });
      return;
    }
    if (event.type === 'step_start' || event.type === 'apply_start') return;
    this.update({ ended: [...this.snapshot.ended, event] });
  }

  private update(change: Partial<ProgressSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    for (const l of this.listeners) l();
  }
}
