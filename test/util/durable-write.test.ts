// The read-back check of staged writes (lib/util/durable-write.ts): chunk by chunk, it must
// still notice any difference, a missing tail or an extra one, at every size around its
// chunk boundary.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBack, stage } from '../../lib/util/durable-write.js';
import { cleanupTempDirs, tempDir } from './tmp.js';

describe('util/durable-write: read-back', () => {
  afterEach(() => cleanupTempDirs());
  const CHUNK = 64 * 1024;

  it('finds a file the same as what was written, at every size around a chunk', async () => {
    const dir = tempDir();
    for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17]) {
      const data = randomBytes(size);
      const file = join(dir, `f${size}`);
      writeFileSync(file, data);
      assert.equal(await readBack(file, data), 'same', `size ${size}`);
      // A view into a larger buffer compares by its own bytes.
      const padded = Buffer.concat([Buffer.from('xx'), data, Buffer.from('yy')]);
      assert.equal(await readBack(file, padded.subarray(2, 2 + size)), 'same', `size ${size}, a view`);
    }
  });

  it('notices a changed byte anywhere, a missing tail and an extra one', async () => {
    const dir = tempDir();
    const data = randomBytes(2 * CHUNK + 5);
    const file = join(dir, 'f');
    for (const at of [0, CHUNK - 1, CHUNK, data.length - 1]) {
      const changed = Buffer.from(data);
      changed[at] = changed[at]! ^ 1;
      writeFileSync(file, changed);
      assert.equal(await readBack(file, data), data.length, `byte ${at}`);
    }
    writeFileSync(file, data.subarray(0, CHUNK));
    assert.equal(await readBack(file, data), CHUNK, 'short');
    writeFileSync(file, Buffer.concat([data, Buffer.from('!')]));
    assert.equal(await readBack(file, data), data.length + 1, 'long');
    writeFileSync(file, data.subarray(0, 3));
    assert.equal(await readBack(file, Buffer.alloc(0)), 3, 'something where nothing was written');
  });

  it('stages a large write through it and commits it whole', async () => {
    const target = join(tempDir(), 'big.json');
    const data = randomBytes(5 * CHUNK + 3);
    await (await stage(target, data)).commit();
    assert.ok(readFileSync(target).equals(data));
  });
});
