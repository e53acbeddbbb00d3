// The per-key lock: same key runs one at a time in arrival order, different keys overlap,
// and a failing holder does not block the next one; shared holders overlap each other but
// never an exclusive one, in arrival order.

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

  it('overlaps shared holders of a key, and keeps exclusive holders apart from them in arrival order', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const job = (mode: 'run' | 'runShared', name: string, ms: number) =>
      lock[mode]('k', async () => {
        events.push(`${name}+`);
        await tick(ms);
        events.push(`${name}-`);
        return name;
      });
    const results = await Promise.all([
      job('runShared', 's1', 30),
      job('runShared', 's2', 10),
      job('run', 'x1', 10),
      job('runShared', 's3', 10),
      job('runShared', 's4', 10),
    ]);
    assert.deepEqual(results, ['s1', 's2', 'x1', 's3', 's4']);
    const at = (e: string): number => events.indexOf(e);
    // s1 and s2 together; x1 after both; s3 and s4 after x1, together.
    assert.ok(at('s2+') < at('s1-'), events.join(' '));
    assert.ok(at('x1+') > at('s1-') && at('x1+') > at('s2-'), events.join(' '));
    assert.ok(at('s3+') > at('x1-') && at('s4+') > at('x1-'), events.join(' '));
    assert.ok(at('s4+') < at('s3-'), events.join(' '));
  });

  it('lets the next holder in after a failing shared holder', async () => {
    const lock = new KeyedLock();
    await assert.rejects(
      lock.runShared('k', async () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await lock.run('k', async () => 7), 7);
    assert.equal(await lock.runShared('k', async () => 8), 8);
  });
});
