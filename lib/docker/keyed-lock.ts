// A per-key readers-writer lock for one process. The runtime serialises operations that
// must not interleave for the same thing (creating an enclave's network, creating or
// removing one service) while letting different keys proceed in parallel; `runShared`
// holders of one key run beside each other but never beside a `run` holder (services
// that keep their own addresses start together, a service picking a free address waits
// for all of them). Waiters are served in order: a `run` queued behind shared holders
// waits for them, and shared holders queued after it wait for it. Each key holds the tail
// of a promise chain; the entry is dropped once its last holder finishes, so the map stays
// as small as the set of keys in use.

interface KeyState {
  /** Settles when every holder queued so far has finished. */
  tail: Promise<void>;
  /** The shared holders at the end of the queue, which a new shared holder joins. */
  group?: { readonly gate: Promise<void>; readonly members: Promise<void>[] };
}

export class KeyedLock {
  private readonly keys = new Map<string, KeyState>();

  /** Runs `fn` alone for `key`: after every holder queued before, before any queued after. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const entry = this.entry(key);
    const previous = entry.tail;
    const { done, release } = released();
    entry.tail = previous.then(() => done);
    delete entry.group;
    await previous;
    return this.hold(key, entry, fn, release);
  }

  /** Runs `fn` for `key` beside other shared holders, but never beside a `run` holder. */
  async runShared<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const entry = this.entry(key);
    const group = entry.group ?? (entry.group = { gate: entry.tail, members: [] });
    const { done, release } = released();
    group.members.push(done);
    entry.tail = Promise.all([group.gate, ...group.members]).then(() => undefined);
    await group.gate;
    return this.hold(key, entry, fn, release);
  }

  private entry(key: string): KeyState {
    let entry = this.keys.get(key);
    if (entry === undefined) {
      entry = { tail: Promise.resolve() };
      this.keys.set(key, entry);
    }
    return entry;
  }

  private async hold<T>(key: string, entry: KeyState, fn: () => Promise<T>, release: () => void): Promise<T> {
    try {
      return await fn();
    } finally {
      release();
      // The entry goes once nothing is queued behind this holder's turn.
      const tail = entry.tail;
      void tail.then(() => {
        if (this.keys.get(key) === entry && entry.tail === tail) this.keys.delete(key);
      });
    }
  }
}

function released(): { done: Promise<void>; release: () => void } {
  let release!: () => void;
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { done, release };
}
