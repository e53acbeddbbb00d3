// The per-key lock: same key runs one at a time in arrival order, different keys overlap,
// and a failing holder does not block the next one.

import assert from 'node:assert/strict';
import { KeyedLock } from '../../lib/docker/keyed-lock.js';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('docker runtime: keyed lock', () => {
  it('serialises one key and overlaps different keys', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const job = (key: string, name: string, ms: number) =>
      lock.run(key, async () => {
        events.push(`${name}+`);
        await tick(ms);
        events.push(`${name}-`);
        return name;
      });
    const results = await Promise.all([job('a', 'a1', 20), job('a', 'a2', 1), job('b', 'b1', 5)]);
    assert.deepEqual(results, ['a1', 'a2', 'b1']);
    assert.ok(events.indexOf('a1-') < events.indexOf('a2+'), events.join(' '));
    assert.ok(events.indexOf('b1+') < events.indexOf('a1-'), events.join(' '));
  });

  it('releases the key when the holder fails', async () => {
    const lock = new KeyedLock();
    await assert.rejects(
      lock.run('k', async () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await lock.run('k', async () => 42), 42);
  });
});
