// A per-key mutex for one process. The runtime serialises operations that must not
// interleave for the same thing (creating an enclave's network, creating or removing one
// service) while letting different keys proceed in parallel. Each key holds the tail of
// a promise chain; the entry is dropped once its last holder finishes, so the map stays
// as small as the set of keys in use.

export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
