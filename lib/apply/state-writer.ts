// The apply's single writer of the state file. Steps finish concurrently; each hands its
// changes over as a function from state to state, and `commit` resolves once a state
// file containing them is on disk (written atomically by lib/state under the held lock).
// Changes that arrive while a write is in progress are applied together in the next
// write, so a burst of finishing steps costs one write, not one each, and the order in
// which they are applied is the order they arrived.
//
// Determinism: before each write the applied steps are put in plan order (steps of
// earlier applies that this plan does not make keep their relative order in front), so
// the file does not depend on which of two concurrent steps finished first. A state that
// did not change is not written at all, except by `persist`, which puts a state that was
// never written on disk (its lineage first of all) before the engine is asked for
// anything labelled with that lineage: a crash then never leaves labelled resources that
// no state file names.
import { serializeState, writeState, type State, type StateLock } from '../state/index.js';

export type StateChange = (state: State) => State;

interface Pending {
  readonly change: StateChange;
  /** Write even when nothing changed (persist). */
  readonly force?: boolean;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class StateWriter {
  private current: State;
  private pending: Pending[] = [];
  private writing: Promise<void> | null = null;
  private failure: unknown = undefined;
  /** How many times the file was written. */
  writes = 0;

  constructor(
    private readonly path: string,
    private readonly lock: StateLock,
    initial: State,
    private readonly order: ReadonlyMap<string, number>,
  ) {
    this.current = initial;
  }

  /** The state as last committed (or being committed), with every change handed in so far applied. */
  get state(): State {
    return this.current;
  }

  /** Applies a change and resolves when a state file containing it has been written. */
  commit(change: StateChange): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ change, resolve, reject });
      this.writing ??= Promise.resolve().then(() => this.drain());
    });
  }

  /**
   * Resolves once a state file holds the state as it is now: writes it if it never was
   * (serial 0, a new state), otherwise only waits for the writes in progress.
   */
  persist(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.current.serial !== 0 || this.pending.some((p) => p.force)) return this.flush();
    return new Promise((resolve, reject) => {
      this.pending.push({ change: (s) => s, force: true, resolve, reject });
      this.writing ??= Promise.resolve().then(() => this.drain());
    });
  }

  /** Resolves when every change handed in so far is on disk (or rejects with the write error). */
  async flush(): Promise<void> {
    while (this.writing !== null) await this.writing;
    if (this.failure !== undefined) throw this.failure;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0);
        try {
          let next = this.current;
          for (const p of batch) next = p.change(next);
          next = ordered(next, this.order);
          if (differs(next, this.current) || (batch.some((p) => p.force) && next.serial === 0)) {
            this.current = await writeState(this.path, next, this.lock);
            this.writes++;
          }
          for (const p of batch) p.resolve();
        } catch (err) {
          this.failure = err;
          for (const p of [...batch, ...this.pending.splice(0)]) p.reject(err);
        }
      }
    } finally {
      this.writing = null;
    }
  }
}

/** Steps in plan order; steps the plan does not know keep their relative order, in front. */
export function ordered(state: State, order: ReadonlyMap<string, number>): State {
  const rank = (id: string): number => order.get(id) ?? -1;
  const steps = state.steps.map((s, i) => ({ s, i }));
  steps.sort((a, b) => rank(a.s.id) - rank(b.s.id) || a.i - b.i);
  if (steps.every((x, i) => x.i === i)) return state;
  return { ...state, steps: steps.map((x) => x.s) };
}

function differs(a: State, b: State): boolean {
  if (a === b) return false;
  if (a.lineage === null || b.lineage === null || a.serial !== b.serial) return true;
  const text = (s: State): string => serializeState({ ...s, serial: s.serial + 1 });
  return text(a) !== text(b);
}
