// Tests of the compiled-module cache (lib/starlark/program-cache.ts) through execFile: a
// module run from an entry behaves exactly as a freshly compiled one (values, floats,
// closures, errors with their positions), entries are keyed by everything that changes the
// compiled form, and a damaged entry is a miss, never a wrong result.
import assert from 'node:assert/strict';
import { EvalError, ProgramCache, Thread, call, execFile, repr, type ProgramCacheStore, type Value } from '../../lib/starlark/index.js';

class MemoryStore implements ProgramCacheStore {
  readonly entries = new Map<string, Buffer>();
  read(key: string): Buffer | undefined {
    return this.entries.get(key);
  }
  write(key: string, bytes: Buffer): void {
    this.entries.set(key, bytes);
  }
}

const SOURCE = `
RATE = 2.5
NEG = -0.0
def scale(xs, by = RATE):
    return [x * by for x in xs]

def closure(n):
    def add(m):
        return n + m
    return add

def boom(d):
    return d["missing"]

out = {"scaled": scale([1, 2]), "neg": NEG, "big": 1 << 70, "text": "héllo", "add": closure(40)(2)}
`;

function runModule(cache: ProgramCache | undefined, src = SOURCE, predeclared: Record<string, Value> = {}): Map<string, Value> {
  const thread = new Thread();
  const globals = execFile(thread, 'lib/module.star', src, { predeclared, ...(cache ? { cache } : {}) });
  cache?.save();
  return globals;
}

describe('starlark/program-cache', () => {
  it('runs a module from its entry exactly as a fresh compile', () => {
    const store = new MemoryStore();
    const fresh = repr(runModule(undefined).get('out')!);
    const first = new ProgramCache(store, 'compiler-1');
    assert.equal(repr(runModule(first).get('out')!), fresh);
    assert.deepEqual(first.stats, { hits: 0, misses: 1 });
    assert.equal(store.entries.size, 1);
    const second = new ProgramCache(store, 'compiler-1');
    const globals = runModule(second);
    assert.deepEqual(second.stats, { hits: 1, misses: 0 });
    assert.equal(repr(globals.get('out')!), fresh);
    assert.match(fresh, /-0\.0/);
    // Functions from the entry run and fail with the positions and names of the source.
    const err = (() => {
      try {
        call(new Thread(), globals.get('boom')!, [runModule(second, '{}\nd = {}').get('d')!]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof EvalError);
    assert.match(err.backtrace(), /lib\/module\.star:13:13: in boom/);
    assert.match(err.message, /key "missing" not in dict/);
  });

  it('keys entries by compiler, file name, text and predeclared names', () => {
    const store = new MemoryStore();
    const cache = new ProgramCache(store, 'compiler-1');
    runModule(cache, 'x = 1');
    runModule(cache, 'x = 2');
    runModule(cache, 'x = 1', { extra: 'y' });
    runModule(new ProgramCache(store, 'compiler-2'), 'x = 1');
    assert.equal(store.entries.size, 4);
    assert.equal(runModule(new ProgramCache(store, 'compiler-1'), 'x = 2').get('x'), 2);
    const other = new Thread();
    execFile(other, 'other.star', 'x = 1', { cache });
    cache.save();
    assert.equal(store.entries.size, 5);
  });

  it('treats a damaged entry as a miss and writes it again', () => {
    const store = new MemoryStore();
    runModule(new ProgramCache(store, 'c'));
    const [key, bytes] = [...store.entries][0]!;
    for (const damaged of [
      Buffer.alloc(0),
      bytes.subarray(0, 10),
      Buffer.concat([Buffer.from([0, 0, 0, 2]), Buffer.from('{}')]),
      Buffer.from('not an entry at all'),
    ]) {
      store.entries.set(key, damaged);
      const cache = new ProgramCache(store, 'c');
      assert.equal(repr(runModule(cache).get('out')!), repr(runModule(undefined).get('out')!));
      assert.deepEqual(cache.stats, { hits: 0, misses: 1 });
      assert.ok(store.entries.get(key)!.length > 100, 'the entry is written again');
    }
    // An entry whose V8 part is garbage still runs: V8 rejects its code cache and compiles.
    const good = store.entries.get(key)!;
    const headerEnd = 4 + good.readUInt32BE(0);
    store.entries.set(key, Buffer.concat([good.subarray(0, headerEnd), Buffer.from('garbage code cache')]));
    const cache = new ProgramCache(store, 'c');
    assert.equal(repr(runModule(cache).get('out')!), repr(runModule(undefined).get('out')!));
    assert.deepEqual(cache.stats, { hits: 1, misses: 0 });
  });

  it('keeps nothing of a module that does not compile', () => {
    const store = new MemoryStore();
    const cache = new ProgramCache(store, 'c');
    assert.throws(() => runModule(cache, 'def f(:\n  pass'), /got ':', want '\)'/);
    assert.throws(() => runModule(cache, 'x = undefined_name'), /undefined: undefined_name/);
    assert.equal(store.entries.size, 0);
  });
});
