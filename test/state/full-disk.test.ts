// The state and the blob store on a full disk (issue 18 items 1 and 2), on a real 100 KiB
// tmpfs: a write that does not fit must fail with a UserError saying the disk is full and
// naming the file, and leave the state file, its backup and the blobs exactly as they
// were: nothing truncated, nothing under a final name that is not complete.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BlobStore } from '../../lib/state/blobstore.js';
import { lockState, type StateLock } from '../../lib/state/lock.js';
import { setOutputs, type State } from '../../lib/state/model.js';
import { backupPath, parseState, readState, writeState } from '../../lib/state/statefile.js';
import { UserError } from '../../lib/util/errors.js';
import { digestOf } from '../../lib/util/hash.js';
import { fill, useTmpfs } from './helpers/tmpfs.js';
import { sampleState } from './helpers/sample.js';

/** Deterministic filler of `n` bytes that does not compress (tmpfs does not compress anyway). */
function padding(n: number, seed: number): string {
  let out = '';
  let x = seed * 2654435761;
  while (out.length < n) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += x.toString(36);
  }
  return out.slice(0, n);
}

/** The names in the directory, minus the lock and the blob store (which the lock creates/uses). */
function leftovers(dir: string, statePath: string): string[] {
  const base = statePath.slice(dir.length + 1);
  return readdirSync(dir).filter((n) => n !== base && n !== `${base}.backup` && n !== `${base}.lock` && n !== `${base}.d` && n !== 'filler');
}

describe('state on a full disk (100 KiB tmpfs)', function () {
  this.timeout(60_000);
  const tmpfs = useTmpfs(100);
  let path: string;
  let lock: StateLock;

  beforeEach(async () => {
    path = join(tmpfs.dir, 's.json');
    lock = await lockState(path, { operation: 'test' });
  });
  afterEach(async () => {
    await lock?.release();
  });

  it('a state write that does not fit leaves the state file and its backup intact and says the disk is full', async () => {
    let state: State = await writeState(path, sampleState(null), lock);
    const texts = [readFileSync(path, 'utf8')];
    let failure: unknown;
    for (let i = 1; i < 100 && failure === undefined; i++) {
      try {
        state = await writeState(path, setOutputs(state, padding(i * 3000, i)), lock);
        texts.push(readFileSync(path, 'utf8'));
      } catch (err) {
        failure = err;
      }
    }
    assert.ok(failure instanceof UserError, `expected a UserError, got ${String(failure)}`);
    assert.equal(failure.location?.file, path);
    assert.match(failure.message, /s\.json: cannot write the state file: the disk is full \(no space left on the device\)/);
    assert.match(failure.message, new RegExp(`The state file \\(serial ${state.serial}\\) and its backup are unchanged`));
    assert.ok(texts.length >= 3, 'several writes fitted before the disk was full');
    assert.equal(readFileSync(path, 'utf8'), texts.at(-1), 'the state file is the last one written');
    assert.equal(readFileSync(backupPath(path), 'utf8'), texts.at(-2), 'the backup is the one before');
    assert.equal((await readState(path)).serial, state.serial);
    parseState(readFileSync(backupPath(path), 'utf8'), backupPath(path));
    assert.deepEqual(leftovers(tmpfs.dir, path), [], 'no temporary file is left');
  });

  it('leaves the state and its backup intact whatever the free space when a write fails', async () => {
    let state: State = await writeState(path, sampleState(null), lock);
    state = await writeState(path, setOutputs(state, padding(8000, 1)), lock);
    for (let free = 0; free <= 40_000; free += 4096) {
      const before = { state: readFileSync(path, 'utf8'), backup: readFileSync(backupPath(path), 'utf8') };
      fill(tmpfs.dir, free);
      try {
        state = await writeState(path, setOutputs(state, padding(12_000, free)), lock);
        parseState(readFileSync(path, 'utf8'), path);
        assert.equal(readFileSync(backupPath(path), 'utf8'), before.state, `free ${free}: the backup is the previous state`);
      } catch (err) {
        assert.ok(err instanceof UserError && /the disk is full/.test(err.message), `free ${free}: ${String(err)}`);
        assert.equal(readFileSync(path, 'utf8'), before.state, `free ${free}: the state file is unchanged`);
        assert.equal(readFileSync(backupPath(path), 'utf8'), before.backup, `free ${free}: the backup is unchanged`);
      } finally {
        rmSync(join(tmpfs.dir, 'filler'), { force: true });
      }
      assert.deepEqual(leftovers(tmpfs.dir, path), [], `free ${free}: no temporary file is left`);
    }
    assert.ok(state.serial > 2, 'some of the writes fitted');
  });

  it('a blob that does not fit is never stored under its name, whatever the free space; the store says the disk is full', async () => {
    const store = BlobStore.forState(path);
    await store.put(new TextEncoder().encode('small'));
    const dir = join(`${path}.d`, 'blobs', 'sha256');
    let full = 0;
    for (let free = 0; free <= 48_000; free += 4096) {
      const big = new TextEncoder().encode(padding(40_000, free));
      const digest = digestOf(big);
      fill(tmpfs.dir, free);
      try {
        const err = await store.put(big).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (err !== undefined) {
          full++;
          assert.ok(err instanceof UserError, `free ${free}: expected a UserError, got ${String(err)}`);
          assert.match(err.message, /cannot store a files artifact: the disk is full/);
          assert.equal(err.location?.file, store.pathOf(digest));
        }
        // Under its final name: the complete blob, or nothing.
        assert.notEqual(await store.check(digest), 'damaged', `free ${free}: a damaged blob under its final name`);
        assert.deepEqual(
          readdirSync(dir).filter((n) => n.length !== 64),
          [],
          `free ${free}: no temporary file is left`,
        );
      } finally {
        rmSync(join(tmpfs.dir, 'filler'), { force: true });
        rmSync(store.pathOf(digest), { force: true });
      }
    }
    assert.ok(full > 0, 'some of the blobs did not fit');
  });
});
