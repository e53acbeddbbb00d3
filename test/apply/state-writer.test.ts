// The apply's state writer: changes handed in while a write is in progress are written
// together, in order; steps are kept in plan order; an unchanged state is not written;
// a failed write fails every waiting change and the ones after it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StateWriter } from '../../lib/apply/state-writer.js';
import { appliedStep, emptyState, lockState, parseState, recordStep, setOutputs, withLineage, type State } from '../../lib/state/index.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';

const step = (id: string) => (s: State) => recordStep(s, appliedStep({ id, kind: 'print', args: { msg: id }, result: null }));

describe('apply state writer', () => {
  afterEach(cleanupTempDirs);

  it('persist puts a new state (its lineage) on disk, once; a written state is not written again', async () => {
    const path = join(tempDir(), 'starform.state.json');
    const lock = await lockState(path, { operation: 'test' });
    try {
      const writer = new StateWriter(path, lock, withLineage(emptyState()), new Map());
      assert.equal(existsSync(path), false);
      await writer.persist();
      const onDisk = parseState(readFileSync(path, 'utf8'), path);
      assert.equal(onDisk.lineage, writer.state.lineage);
      assert.equal(onDisk.serial, 1);
      await writer.persist();
      assert.equal(writer.writes, 1, 'nothing new to write');
    } finally {
      await lock.release();
    }
  });

  it('coalesces concurrent changes, keeps plan order and skips unchanged states', async () => {
    const path = join(tempDir(), 'starform.state.json');
    const lock = await lockState(path, { operation: 'test' });
    try {
      const order = new Map([
        ['a', 0],
        ['b', 1],
        ['c', 2],
      ]);
      const writer = new StateWriter(path, lock, withLineage(emptyState()), order);
      await Promise.all([writer.commit(step('c')), writer.commit(step('b')), writer.commit(step('a'))]);
      assert.ok(writer.writes <= 2, `three changes, ${writer.writes} writes`);
      const onDisk = parseState(readFileSync(path, 'utf8'), path);
      assert.deepEqual(
        onDisk.steps.map((s) => s.id),
        ['a', 'b', 'c'],
      );
      const writes = writer.writes;
      await writer.commit((s) => s);
      await writer.commit((s) => setOutputs(s, s.outputs));
      assert.equal(writer.writes, writes, 'an unchanged state is not written');
      await writer.commit((s) => setOutputs(s, { x: 1 }));
      assert.equal(parseState(readFileSync(path, 'utf8'), path).serial, writer.state.serial);
    } finally {
      await lock.release();
    }
  });

  it('fails every change once a write failed', async () => {
    const dir = tempDir();
    const path = join(dir, 'starform.state.json');
    const lock = await lockState(path, { operation: 'test' });
    try {
      const writer = new StateWriter(path, lock, withLineage(emptyState()), new Map());
      await writer.commit(step('a'));
      rmSync(path);
      await assert.rejects(writer.commit(step('b')), /the state file has disappeared/);
      await assert.rejects(writer.commit(step('c')), /the state file has disappeared/);
      await assert.rejects(writer.flush(), /the state file has disappeared/);
    } finally {
      await lock.release();
    }
  });
});
