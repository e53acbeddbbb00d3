// The state backend interface over the file backend: `--state` specs (paths, file://
// URLs, unknown schemes), compare-and-swap writes through `write(previous, next)`, an
// exact serial for migrations, the lock with its holder, and blobs pruned with the backup's kept.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  FileStateBackend,
  StateLockedError,
  backendKind,
  emptyState,
  openStateBackend,
  putService,
  serviceRecord,
  withLineage,
  type State,
  type StateBackend,
} from '../../lib/state/index.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';

function withService(state: State, name: string): State {
  return putService(state, name, serviceRecord({ config: { name }, containerId: `c-${name}`, ipAddress: null, ports: new Map(), status: 'running' }));
}

describe('state: the backend interface (file backend)', () => {
  afterEach(cleanupTempDirs);

  it('opens paths and file:// URLs as the file backend, and refuses unknown schemes', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.json');
    const byUrl = await openStateBackend(pathToFileURL(path).href);
    assert.equal(byUrl.kind, 'file');
    assert.equal(byUrl.location, (await openStateBackend(path)).location);
    assert.equal(backendKind('postgres://u@h/db'), 'postgres');
    assert.equal(backendKind('postgresql://u@h/db'), 'postgres');
    assert.equal(backendKind('relative/state.json'), 'file');
    assert.throws(() => backendKind('s3://bucket/key'), /no state backend for 's3:\/\/' URLs/);
    await assert.rejects(openStateBackend(''), /the state location is empty/);
  });

  it('writes compare-and-swap: a write from a stale read is refused and the file kept', async () => {
    const dir = tempDir();
    const backend = await FileStateBackend.open(join(dir, 's.json'));
    const lock = await backend.lock({ operation: 'test' });
    try {
      const one = await backend.write(emptyState(), withService(withLineage(emptyState()), 'a'), lock);
      const two = await backend.write(one, withService(one, 'b'), lock);
      const before = readFileSync(backend.path, 'utf8');
      await assert.rejects(backend.write(one, withService(one, 'c'), lock), /changed while this operation ran \(serial 2 on disk, 1 expected\)/);
      await assert.rejects(backend.write(emptyState(), withLineage(emptyState()), lock), /created by someone else|belongs to another state/);
      assert.equal(readFileSync(backend.path, 'utf8'), before);
      assert.equal((await backend.read()).serial, two.serial);
      const generic: StateBackend = backend;
      assert.equal(generic.history, undefined);
      assert.equal(generic.workspaces, undefined);
    } finally {
      await lock.release();
    }
  });

  it('writes an exact serial for a migration, and names the holder of its lock', async () => {
    const dir = tempDir();
    const backend = await FileStateBackend.open(join(dir, 's.json'));
    const lock = await backend.lock({ operation: 'state migrate' });
    try {
      const state = { ...withService(withLineage(emptyState()), 'a'), serial: 41 };
      const written = await backend.write(emptyState(), state, lock, { serial: 41 });
      assert.equal(written.serial, 41);
      assert.equal(written.lineage, state.lineage);
      const refused = await (await FileStateBackend.open(backend.path)).lock({ operation: 'apply' }).catch((e: unknown) => e);
      assert.ok(refused instanceof StateLockedError);
      assert.equal(refused.holder?.operation, 'state migrate');
      assert.equal((await backend.readLockInfo())?.id, lock.info.id);
    } finally {
      await lock.release();
    }
  });

  it('prunes blobs that neither the state nor its backup refers to', async () => {
    const dir = tempDir();
    const backend = await FileStateBackend.open(join(dir, 's.json'));
    const lock = await backend.lock({ operation: 'test' });
    try {
      const a = await backend.blobs.put(new TextEncoder().encode('a'));
      const b = await backend.blobs.put(new TextEncoder().encode('b'));
      const c = await backend.blobs.put(new TextEncoder().encode('c'));
      const art = (d: typeof a): State['filesArtifacts'] => new Map([['x', { contentHash: d, size: 1 }]]);
      const one = await backend.write(emptyState(), { ...withLineage(emptyState()), filesArtifacts: art(a) }, lock);
      const two = await backend.write(one, { ...one, filesArtifacts: art(b) }, lock);
      await backend.pruneBlobs(two);
      assert.equal(await backend.blobs.check(a), 'ok', 'the backup refers to it');
      assert.equal(await backend.blobs.check(b), 'ok');
      assert.equal(await backend.blobs.check(c), 'missing');
    } finally {
      await lock.release();
    }
  });
});
