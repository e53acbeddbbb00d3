// Encryption at rest (lib/util/envelope.ts) and what uses it on disk: the envelope's
// round trip and its refusals (tampering, a wrong key, plaintext when encryption is
// configured), key rotation with a fallback key, the configuration from the environment,
// an encrypted state file with its blobs, and an encrypted plan file whose checksum and
// stale-plan checks still hold inside the envelope.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPlanFile, writePlanFile, checkPlanIsCurrent } from '../../lib/planfile/index.js';
import { FileStateBackend, emptyState, lockState, putService, readState, serviceRecord, withLineage } from '../../lib/state/index.js';
import { Encryption, PBKDF2_ITERATIONS, encryptionFromEnvironment, isEnvelope } from '../../lib/util/envelope.js';
import { samplePlan } from '../planfile/helpers/sample.js';
import { cleanupTempDirs, tempDir } from './tmp.js';

const OLD = { secret: 'old passphrase', source: 'the old key' };
const NEW = { secret: 'new passphrase', source: 'STARFORM_ENCRYPTION_PASSPHRASE' };

describe('util: encryption at rest', function () {
  this.timeout(120_000);
  afterEach(cleanupTempDirs);
  const text = Buffer.from('{"format_version": 1, "services": {"db": "password=hunter2"}}\n');

  it('seals into a versioned envelope that opens only with its key, and notices any change', async () => {
    const enc = new Encryption({ primary: NEW });
    const sealed = await enc.seal(text);
    assert.ok(isEnvelope(sealed));
    assert.ok(!sealed.includes('hunter2'));
    const header = JSON.parse(sealed.toString('utf8').split('\n')[1]!) as { kdf: { name: string; iterations: number }; cipher: string };
    assert.equal(header.cipher, 'aes-256-gcm');
    assert.equal(header.kdf.name, 'pbkdf2-sha512');
    assert.ok(header.kdf.iterations >= 600_000 && PBKDF2_ITERATIONS >= 600_000);
    assert.deepEqual(await enc.open(sealed, 'f', 'state'), text);
    // Two messages, two nonces; the key is derived once (the salt is reused).
    const again = await enc.seal(text);
    assert.notDeepEqual(again, sealed);
    assert.equal(JSON.parse(again.toString('utf8').split('\n')[1]!).kdf.salt, JSON.parse(sealed.toString('utf8').split('\n')[1]!).kdf.salt);
    const t0 = Date.now();
    await enc.seal(text);
    assert.ok(Date.now() - t0 < 100, 'the derived key is cached');

    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 20] ^= 1;
    await assert.rejects(enc.open(flipped, 'f', 'state'), /f: the state is damaged: its encrypted content does not authenticate/);
    const lines = sealed.toString('latin1').split('\n');
    const weakened = Buffer.from([lines[0], lines[1]!.replace(/"iterations":\d+/, '"iterations":1000'), ...lines.slice(2)].join('\n'), 'latin1');
    await assert.rejects(enc.open(weakened, 'f', 'state'), /key derivation parameters are not acceptable/);
    const future = Buffer.from(sealed.toString('latin1').replace('STARFORM-ENCRYPTED/1', 'STARFORM-ENCRYPTED/9'), 'latin1');
    await assert.rejects(enc.open(future, 'f', 'state'), /envelope of version 9, which this starform does not read/);
  });

  it('refuses a wrong key and plaintext clearly; reads plaintext only when allowed', async () => {
    const sealed = await new Encryption({ primary: OLD }).seal(text);
    await assert.rejects(new Encryption({ primary: NEW }).open(sealed, 'st.json', 'state'), (err: Error) => {
      assert.match(
        err.message,
        /^st\.json: cannot decrypt the state: it was encrypted with another key \(key id [0-9a-f]{16}\) than STARFORM_ENCRYPTION_PASSPHRASE/,
      );
      assert.doesNotMatch(err.message, /new passphrase|old passphrase/);
      return true;
    });
    await assert.rejects(new Encryption({ primary: NEW }).open(text, 'st.json', 'state'), /st\.json: the state is not encrypted, but encryption is configured/);
    assert.deepEqual(await new Encryption({ primary: NEW, allowPlaintext: true }).open(text, 'st.json', 'state'), text);
  });

  it('rotates keys: the fallback reads, the primary writes', async () => {
    const byOld = await new Encryption({ primary: OLD }).seal(text);
    const rotating = new Encryption({ primary: NEW, fallback: OLD });
    assert.deepEqual(await rotating.open(byOld, 'f', 'state'), text);
    const rewritten = await rotating.seal(text);
    assert.deepEqual(await new Encryption({ primary: NEW }).open(rewritten, 'f', 'state'), text);
    await assert.rejects(new Encryption({ primary: OLD }).open(rewritten, 'f', 'state'), /encrypted with another key/);
  });

  it('derives with scrypt when asked', async () => {
    const enc = new Encryption({ primary: NEW, kdf: 'scrypt' });
    const sealed = await enc.seal(text);
    assert.equal(JSON.parse(sealed.toString('utf8').split('\n')[1]!).kdf.name, 'scrypt');
    assert.deepEqual(await new Encryption({ primary: NEW }).open(sealed, 'f', 'state'), text);
  });

  it('is configured from the environment or a key file', () => {
    const dir = tempDir();
    assert.equal(encryptionFromEnvironment({}), undefined);
    assert.equal(encryptionFromEnvironment({ STARFORM_ENCRYPTION_PASSPHRASE: 'p' })?.config.primary.source, 'STARFORM_ENCRYPTION_PASSPHRASE');
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, 'from a file\n');
    const fromFile = encryptionFromEnvironment({ STARFORM_ENCRYPTION_PASSPHRASE: 'p' }, { keyFile, allowPlaintext: true })!;
    assert.equal(fromFile.config.primary.secret, 'from a file');
    assert.equal(fromFile.config.allowPlaintext, true);
    writeFileSync(keyFile, '');
    assert.throws(() => encryptionFromEnvironment({}, { keyFile }), /the encryption key file is empty/);
    assert.throws(() => encryptionFromEnvironment({}, { keyFile: join(dir, 'none') }), /cannot read the encryption key file: ENOENT/);
    assert.throws(() => encryptionFromEnvironment({ STARFORM_ENCRYPTION_FALLBACK_PASSPHRASE: 'o' }), /FALLBACK_PASSPHRASE is set without a primary key/);
    assert.throws(() => encryptionFromEnvironment({ STARFORM_ENCRYPTION_PASSPHRASE: 'p', STARFORM_ENCRYPTION_KDF: 'md5' }), /must be pbkdf2-sha512 or scrypt/);
  });

  it('encrypts a state file and its blobs; without the key the state is refused, not misread', async () => {
    const dir = tempDir();
    const path = join(dir, 'starform.state.json');
    const enc = new Encryption({ primary: NEW });
    const backend = await FileStateBackend.open(path, enc);
    const lock = await backend.lock({ operation: 'apply' });
    const digest = await backend.blobs.put(new TextEncoder().encode('artifact-plaintext'));
    const state = putService(
      withLineage(emptyState()),
      'db',
      serviceRecord({ config: { env: 'password=hunter2' }, containerId: 'c1', ipAddress: null, ports: new Map(), status: 'running' }),
    );
    const first = await backend.write(emptyState(), state, lock);
    await backend.write(first, { ...first, filesArtifacts: new Map([['a', { contentHash: digest, size: 18 }]]) }, lock);
    await lock.release();
    const bytes = readFileSync(path);
    assert.ok(isEnvelope(bytes) && !bytes.includes('hunter2') && !bytes.includes('"db"'));
    const blob = readFileSync(backend.blobs.pathOf(digest));
    assert.ok(isEnvelope(blob) && !blob.includes('artifact-plaintext'));
    assert.ok(isEnvelope(readFileSync(`${path}.backup`)));
    const read = await backend.read();
    assert.equal(read.serial, 2);
    assert.equal(await backend.blobs.check(digest, 18), 'ok');
    assert.equal(Buffer.from(await backend.blobs.get(digest)).toString(), 'artifact-plaintext');
    await assert.rejects(readState(path), /the state file is encrypted, but no encryption key is configured/);

    // An existing plaintext state: refused, then read with allowPlaintext and written back encrypted.
    const plainPath = join(dir, 'plain.json');
    const plainLock = await lockState(plainPath, { operation: 'test' });
    await (await FileStateBackend.open(plainPath)).write(emptyState(), withLineage(emptyState()), plainLock);
    await assert.rejects((await FileStateBackend.open(plainPath, enc)).read(), /is not encrypted, but encryption is configured/);
    const migrating = await FileStateBackend.open(plainPath, new Encryption({ primary: NEW, allowPlaintext: true }));
    const plain = await migrating.read();
    await migrating.write(plain, plain, plainLock);
    await plainLock.release();
    assert.ok(isEnvelope(readFileSync(plainPath)));
    assert.equal((await (await FileStateBackend.open(plainPath, enc)).read()).serial, 2);
  });

  it('encrypts a plan file; its checksum, edits and staleness are still checked inside', async () => {
    const dir = tempDir();
    const path = join(dir, 'change.plan');
    const enc = new Encryption({ primary: NEW });
    const checksum = await writePlanFile(path, samplePlan(), { encryption: enc });
    const bytes = readFileSync(path);
    assert.ok(isEnvelope(bytes));
    const loaded = await readPlanFile(path, enc);
    assert.equal(loaded.checksum, checksum);
    assert.throws(() => checkPlanIsCurrent(loaded.plan, { lineage: 'another', serial: 9 }, path), /the plan was made for another state/);
    await assert.rejects(readPlanFile(path), /the plan file is encrypted, but no encryption key is configured/);
    await assert.rejects(readPlanFile(path, new Encryption({ primary: OLD })), /cannot decrypt the plan file/);
    // An edit of the plaintext, sealed again with the right key: the checksum inside still refuses it.
    const inner = (await enc.open(bytes, path, 'plan file')).toString('utf8').replace('"format_version"', '"format_version" ');
    const edited = inner.replace(/"outputs": [^\n]*/, '"outputs": "edited",');
    writeFileSync(path, await enc.seal(Buffer.from(edited)));
    await assert.rejects(readPlanFile(path, enc), /modified after starform wrote it|not valid JSON|not a valid plan file/);
    const plainPlan = join(dir, 'plain.plan');
    await writePlanFile(plainPlan, samplePlan());
    await assert.rejects(readPlanFile(plainPlan, enc), /the plan file is not encrypted, but encryption is configured/);
    assert.equal((await readPlanFile(plainPlan, new Encryption({ primary: NEW, allowPlaintext: true }))).checksum, checksum);
  });
});
