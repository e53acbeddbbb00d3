// The records of deferrable steps (print, verify, lookups: steps that touch no engine
// resource), gathered and handed to the state writer together. Recording one step copies
// the state's step list (the state is immutable), so recording n steps one by one costs
// O(n²); gathered, a burst of steps that finish in the same turn of the event loop costs
// one copy. Queued records reach the writer before the next durable change (the executor
// flushes this queue first, so the state receives changes in the order steps finished),
// at the end of the current turn otherwise; the writer then defers their disk write too
// (state-writer.ts). Until then their runtime values are answered from here, so a step
// that depends on a queued one resolves its references as if it had been recorded.
import type { JsonValue } from '../util/json.js';
import type { State } from '../state/index.js';
import type { StepOutcome } from './context.js';
import type { WorkItem } from './graph.js';

export interface QueuedRecord {
  readonly item: WorkItem;
  readonly outcome: StepOutcome;
}

export class DeferredRecords {
  private queue: QueuedRecord[] = [];
  private readonly values = new Map<string, JsonValue>();
  private scheduled = false;

  constructor(
    /** Commits a change without waiting for the disk. */
    private readonly commit: (change: (s: State) => State) => Promise<void>,
    /** Records a batch of finished steps in a state. */
    private readonly recordAll: (state: State, batch: readonly QueuedRecord[]) => State,
  ) {}

  /** Queues a finished step's record. */
  add(item: WorkItem, outcome: StepOutcome): void {
    this.queue.push({ item, outcome });
    const id = item.instruction?.id;
    if (id !== undefined) for (const [field, value] of Object.entries(outcome.values ?? {})) this.values.set(`${id}.${field}`, value);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** A runtime value of a queued step (`<step id>.<field>`), if one is queued. */
  value(key: string): JsonValue | undefined {
    return this.values.get(key);
  }

  /** Hands every queued record to the writer now. A failed write surfaces at the writer's next durable commit or flush. */
  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.values.clear();
    this.commit((s) => this.recordAll(s, batch)).catch(() => undefined);
  }
}
