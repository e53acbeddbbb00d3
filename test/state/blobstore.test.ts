import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobStore } from '../../lib/state/blobstore.js';
import { digestOf } from '../../lib/util/hash.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('state/blobstore', () => {
  let store: BlobStore;
  let statePath: string;

  beforeEach(() => {
    statePath = join(tempDir(), 'starform.state.json');
    store = BlobStore.forState(statePath);
  });
  afterEach(cleanupTempDirs);

  it('stores content under its sha256 beside the state file', async () => {
    const digest = await store.put(bytes('hello'));
    assert.equal(digest, digestOf('hello'));
    assert.equal(store.pathOf(digest), `${statePath}.d/blobs/sha256/${digest.slice(7)}`);
    assert.ok(await store.has(digest));
    assert.deepEqual(Buffer.from(await store.get(digest)).toString(), 'hello');
    assert.equal(statSync(store.pathOf(digest)).mode & 0o777, 0o600);
  });

  it('stores the same content once', async () => {
    const a = await store.put(bytes('same'));
    const mtime = statSync(store.pathOf(a)).mtimeMs;
    assert.equal(await store.put(bytes('same')), a);
    assert.equal(statSync(store.pathOf(a)).mtimeMs, mtime);
    assert.deepEqual(await store.list(), [a]);
  });

  it('reports missing and damaged blobs', async () => {
    const missing = digestOf('nothing');
    assert.equal(await store.has(missing), false);
    await assert.rejects(store.get(missing), /blobs\/sha256\/[0-9a-f]{64}: files artifact content sha256:[0-9a-f]{64} is missing/);
    const d = await store.put(bytes('good'));
    writeFileSync(store.pathOf(d), 'evil');
    await assert.rejects(store.get(d), /files artifact content is damaged: its sha256 is sha256:[0-9a-f]+, not sha256:/);
  });

  it('prunes what is not kept, and leftovers of interrupted writes', async () => {
    const keep = await store.put(bytes('keep'));
    const drop = await store.put(bytes('drop'));
    writeFileSync(`${store.pathOf(keep)}.123456`, 'partial');
    assert.deepEqual(await store.prune(new Set([keep])), [drop]);
    assert.deepEqual(readdirSync(join(statePath + '.d', 'blobs', 'sha256')), [keep.slice(7)]);
  });

  it('lists nothing before the first put', async () => {
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(await store.prune(new Set()), []);
  });
});

describe('state/blobstore integrity', () => {
  let store: BlobStore;
  beforeEach(() => {
    store = BlobStore.forState(join(tempDir(), 'starform.state.json'));
  });
  afterEach(cleanupTempDirs);

  it('tells a blob that is there, missing, or damaged (wrong size or wrong bytes)', async () => {
    const content = bytes('the content');
    const digest = await store.put(content);
    assert.equal(await store.check(digest, content.byteLength), 'ok');
    assert.equal(await store.check(digestOf('never stored')), 'missing');
    writeFileSync(store.pathOf(digest), 'the conten');
    assert.equal(await store.check(digest, content.byteLength), 'damaged', 'truncated: found by its size');
    writeFileSync(store.pathOf(digest), 'THE CONTENT');
    assert.equal(await store.check(digest, content.byteLength), 'damaged', 'same size, other bytes: found by its hash');
  });

  it('replaces a damaged blob on put instead of trusting its name', async () => {
    const content = bytes('complete content');
    const digest = digestOf(content);
    mkdirSync(join(store.root, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(store.pathOf(digest), 'complete');
    assert.equal(await store.put(content), digest);
    assert.equal(Buffer.from(await store.get(digest)).toString(), 'complete content');
    assert.deepEqual(readdirSync(join(store.root, 'blobs', 'sha256')), [digest.slice(7)], 'no temporary file is left');
  });
});
