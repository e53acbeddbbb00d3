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
//
// Deferred records (issue 18.10: a whole-state write per step made an apply of n steps
// O(n²)): a change committed with `durable: false` — the record of a step that touches
// no engine resource (print, verify, lookups), whose loss in a crash only means the step
// runs again — is applied to the in-memory state at once and resolves at once; it reaches
// the disk with the next durable change, at `flush`, or in a background write a little
// later, spaced so that writing takes at most a fifth of the time. So "the state
// describes what exists" still holds after any crash, and a run of n such steps costs
// O(n) writes' worth of bytes in total, not n whole-state writes.
import { serializeState, writeState, type State, type StateBackend, type StateLock } from '../state/index.js';

export type StateChange = (state: State) => State;

export interface CommitOptions {
  /**
   * Whether `commit` resolves only once the change is on disk (default true). False for
   * records whose loss in a crash is harmless (see the file comment).
   */
  readonly durable?: boolean;
}

interface Waiter {
  /** The change (by arrival number) that must be on disk. */
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** A deferred change waits at least this long, and at least DEFERRED_FACTOR times the last write. */
const DEFERRED_MIN_MS = 100;
const DEFERRED_FACTOR = 4;

export class StateWriter {
  /** Every change handed in so far, applied. */
  private head: State;
  /** The state as last written (or as read). */
  private written: State;
  /** `written`'s content text (see contentText), computed when first compared. */
  private writtenContent: (() => string) | undefined;
  /** Changes handed in, and how many of them are on disk. */
  private seq = 0;
  private writtenSeq = 0;
  private waiters: Waiter[] = [];
  private writing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastWriteMs = 0;
  private failure: unknown = undefined;
  /** A write is due even if nothing changed (persist of a state never written). */
  private forceWrite = false;
  /** How many times the file was written. */
  writes = 0;

  /** `target`: the state backend, or the path of a state file. */
  constructor(
    private readonly target: string | StateBackend,
    private readonly lock: StateLock,
    initial: State,
    private readonly order: ReadonlyMap<string, number>,
  ) {
    this.head = initial;
    this.written = initial;
  }

  /** The state with every change handed in so far applied (on disk or about to be). */
  get state(): State {
    return this.head;
  }

  /**
   * Applies a change and resolves when a state file containing it has been written, or
   * at once with `durable: false` (it is written soon, with whatever comes next).
   */
  commit(change: StateChange, options: CommitOptions = {}): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    try {
      this.head = change(this.head);
    } catch (err) {
      return Promise.reject(err);
    }
    const seq = ++this.seq;
    if (options.durable === false) {
      this.deferWrite();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.writeSoon();
    });
  }

  /**
   * Resolves once a state file holds the state as it is now: writes it if it never was
   * (serial 0, a new state), otherwise only waits for the writes in progress.
   */
  persist(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.written.serial !== 0 || this.forceWrite) return this.flush();
    this.forceWrite = true;
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.writeSoon();
    });
  }

  /** Resolves when every change handed in so far is on disk (or rejects with the write error). */
  async flush(): Promise<void> {
    if (this.failure === undefined && this.writtenSeq < this.seq) {
      await new Promise<void>((resolve, reject) => {
        this.waiters.push({ seq: this.seq, resolve, reject });
        this.writeSoon();
      });
    }
    while (this.writing !== null) await this.writing;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Starts a write now (after the one in progress, if any). */
  private writeSoon(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.writing ??= Promise.resolve().then(() => this.drain());
  }

  /** Schedules a background write for deferred changes, unless one is due anyway. */
  private deferWrite(): void {
    if (this.writing !== null || this.timer !== null || this.failure !== undefined) return;
    const delay = Math.max(DEFERRED_MIN_MS, DEFERRED_FACTOR * this.lastWriteMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.writeSoon();
    }, delay);
  }

  /** Whether `a` (with its content text) differs from the state as written. */
  private changed(a: State, content: () => string): boolean {
    const b = this.written;
    if (a === b) return false;
    if (a.lineage === null || b.lineage === null || a.serial !== b.serial) return true;
    // Steps were recorded or dropped: no need to compare the texts of two large states.
    if (a.steps.length !== b.steps.length || a.services.size !== b.services.size || a.runtimeValues.size !== b.runtimeValues.size) return true;
    this.writtenContent ??= contentText(b);
    return content() !== this.writtenContent();
  }

  private async drain(): Promise<void> {
    try {
      // Writes while durable changes wait; deferred ones ride along, or wait for their timer.
      while (this.writtenSeq < this.seq && this.failure === undefined) {
        const upTo = this.seq;
        const snapshot = this.head;
        const started = Date.now();
        try {
          const next = ordered(snapshot, this.order);
          const force = this.forceWrite && next.serial === 0;
          const content = contentText(next);
          if (this.changed(next, content) || force) {
            const written =
              typeof this.target === 'string' ? await writeState(this.target, next, this.lock) : await this.target.write(this.written, next, this.lock);
            this.forceWrite = false;
            this.writes++;
            this.written = written;
            // What was written is `next` with a new serial: the same content text, unless the write gave it its lineage.
            this.writtenContent = written.lineage === next.lineage ? content : undefined;
            this.head = this.head === snapshot ? written : { ...this.head, serial: written.serial, lineage: written.lineage };
          }
          this.writtenSeq = upTo;
          this.lastWriteMs = Date.now() - started;
          const waiting = this.waiters;
          this.waiters = [];
          for (const w of waiting) {
            if (w.seq <= upTo) w.resolve();
            else this.waiters.push(w);
          }
        } catch (err) {
          this.failure = err;
          for (const w of this.waiters.splice(0)) w.reject(err);
        }
        if (this.waiters.length === 0) break;
      }
    } finally {
      this.writing = null;
      if (this.failure === undefined && this.writtenSeq < this.seq) {
        if (this.waiters.length > 0) this.writeSoon();
        else this.deferWrite();
      }
    }
  }
}

/** Steps in plan order; steps the plan does not know keep their relative order, in front. */
function ordered(state: State, order: ReadonlyMap<string, number>): State {
  const rank = (id: string): number => order.get(id) ?? -1;
  const steps = state.steps.map((s, i) => ({ s, i }));
  steps.sort((a, b) => rank(a.s.id) - rank(b.s.id) || a.i - b.i);
  if (steps.every((x, i) => x.i === i)) return state;
  return { ...state, steps: steps.map((x) => x.s) };
}

/**
 * A state's text with one serial for all (the lowest valid), computed on first use: two
 * states of one serial and lineage with the same content text are the same state.
 */
function contentText(state: State): () => string {
  let text: string | undefined;
  return () => (text ??= serializeState({ ...state, serial: 1 }));
}
