// Signed plans: so that a CI job applies only plans its own planner produced. The checksum
// of a plan file (planfile.ts) proves the file was not edited by accident; anyone can
// recompute it. A signature proves who wrote it: `plan --out` signs the plan's checksum
// with a key, and `apply`, given the matching key, refuses a plan that is unsigned or
// whose signature does not verify.
//
// Two kinds of key, both through node:crypto:
//   - HMAC-SHA256 with a shared secret (STARFORM_PLAN_SIGNING_KEY): planner and applier
//     hold the same secret;
//   - Ed25519 (a PEM key file, --signing-key-file or STARFORM_PLAN_SIGNING_KEY_FILE): the
//     planner holds the private key, the applier only the public key (a private key file
//     works for verifying too).
//
// What is signed is `starform-plan-signature-v1\n<checksum>`: the checksum covers every
// other field of the file (the signature aside), so the signature covers the whole plan,
// and the prefix keeps these signatures from meaning anything elsewhere. Both algorithms
// are deterministic, so a signed plan file stays byte-identical for the same inputs.
//
// Each key has an id (`key_id` in the file, shown by `show`): for Ed25519 a digest of the
// public key, for HMAC an HMAC of a fixed text with the secret (the secret itself never
// appears). A plan signed with another key than the one configured is refused naming both.
import { createHmac, createPrivateKey, createPublicKey, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UserError } from '../util/errors.js';
import { digestOf } from '../util/hash.js';

export type SignatureAlgorithm = 'hmac-sha256' | 'ed25519';

/** The `signature` field of a plan file. */
export interface PlanSignature {
  readonly algorithm: SignatureAlgorithm;
  readonly keyId: string;
  /** base64 */
  readonly value: string;
}

/** A configured key: what signs at `plan`, what verifies at `apply`. */
export type PlanKey =
  | { readonly algorithm: 'hmac-sha256'; readonly id: string; readonly secret: Buffer; readonly source: string }
  | { readonly algorithm: 'ed25519'; readonly id: string; readonly publicKey: KeyObject; readonly privateKey?: KeyObject; readonly source: string };

export const SIGNING_KEY_ENV = 'STARFORM_PLAN_SIGNING_KEY';
export const SIGNING_KEY_FILE_ENV = 'STARFORM_PLAN_SIGNING_KEY_FILE';

/** The shortest HMAC secret accepted (bytes). */
const MIN_SECRET_BYTES = 16;

function signedBytes(checksum: string): Buffer {
  return Buffer.from(`starform-plan-signature-v1\n${checksum}`, 'utf8');
}

/** An HMAC key from its secret. */
export function hmacKey(secret: string, source: string = SIGNING_KEY_ENV): PlanKey {
  const bytes = Buffer.from(secret, 'utf8');
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new UserError(`${source}: the plan signing secret is too short (${bytes.length} bytes; at least ${MIN_SECRET_BYTES})`, {
      hint: 'Use a long random secret, e.g. the output of `openssl rand -hex 32`.',
    });
  }
  const id = createHmac('sha256', bytes).update('starform-plan-key-id').digest('hex').slice(0, 16);
  return { algorithm: 'hmac-sha256', id: `hmac:${id}`, secret: bytes, source };
}

/** An Ed25519 key from the text of a PEM file: a private key (signs and verifies) or a public key (verifies). */
export function ed25519Key(pem: string, source: string): PlanKey {
  let privateKey: KeyObject | undefined;
  let publicKey: KeyObject;
  try {
    if (/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(pem)) {
      privateKey = createPrivateKey(pem);
      publicKey = createPublicKey(privateKey);
    } else {
      publicKey = createPublicKey(pem);
    }
  } catch (err) {
    throw new UserError(`not a PEM private or public key: ${(err as Error).message}`, {
      location: { file: source },
      hint: 'Make a key pair with: openssl genpkey -algorithm ed25519 -out plan-key.pem && openssl pkey -in plan-key.pem -pubout -out plan-key.pub.pem',
    });
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new UserError(`the plan signing key is a ${publicKey.asymmetricKeyType ?? 'unknown'} key; starform signs plans with Ed25519 keys`, {
      location: { file: source },
    });
  }
  const id = digestOf(publicKey.export({ type: 'spki', format: 'der' })).slice('sha256:'.length, 'sha256:'.length + 16);
  return { algorithm: 'ed25519', id: `ed25519:${id}`, publicKey, ...(privateKey ? { privateKey } : {}), source };
}

/**
 * The key configured: `--signing-key-file` (or STARFORM_PLAN_SIGNING_KEY_FILE) for an
 * Ed25519 key, STARFORM_PLAN_SIGNING_KEY for an HMAC secret; undefined when none is.
 * Both at once is refused: which one would apply check?
 */
export function configuredKey(env: NodeJS.ProcessEnv, keyFile: string | undefined): PlanKey | undefined {
  const file = keyFile ?? (env[SIGNING_KEY_FILE_ENV] || undefined);
  const secret = env[SIGNING_KEY_ENV];
  if (file !== undefined && secret !== undefined && secret !== '') {
    throw new UserError(`two plan signing keys are configured: ${SIGNING_KEY_ENV} and the key file ${file}; configure one`);
  }
  if (file !== undefined) {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UserError(code === 'ENOENT' ? 'plan signing key file not found' : `cannot read the plan signing key file: ${(err as Error).message}`, {
        location: { file },
      });
    }
    return ed25519Key(pem, file);
  }
  if (secret !== undefined && secret !== '') return hmacKey(secret);
  return undefined;
}

/** Signs a plan's checksum; the key must be able to sign (an HMAC secret or an Ed25519 private key). */
export function signChecksum(checksum: string, key: PlanKey): PlanSignature {
  if (key.algorithm === 'hmac-sha256') {
    return { algorithm: key.algorithm, keyId: key.id, value: createHmac('sha256', key.secret).update(signedBytes(checksum)).digest('base64') };
  }
  if (key.privateKey === undefined) {
    throw new UserError('the plan signing key file holds a public key, which can only verify; `plan` signs with the private key', {
      location: { file: key.source },
    });
  }
  return { algorithm: key.algorithm, keyId: key.id, value: sign(null, signedBytes(checksum), key.privateKey).toString('base64') };
}

/** Whether `signature` is a valid signature of `checksum` by `key`. */
export function signatureVerifies(checksum: string, signature: PlanSignature, key: PlanKey): boolean {
  if (signature.algorithm !== key.algorithm || signature.keyId !== key.id) return false;
  const value = Buffer.from(signature.value, 'base64');
  if (key.algorithm === 'hmac-sha256') {
    const expected = createHmac('sha256', key.secret).update(signedBytes(checksum)).digest();
    return value.length === expected.length && timingSafeEqual(value, expected);
  }
  return verify(null, signedBytes(checksum), key.publicKey, value);
}

/** How a loaded plan stands with the configured key, for `show` and `apply`. */
export type SignatureStatus =
  { readonly state: 'unsigned' } | { readonly state: 'signed'; readonly signature: PlanSignature; readonly verified: boolean | undefined };

export function signatureStatus(checksum: string, signature: PlanSignature | null, key: PlanKey | undefined): SignatureStatus {
  if (signature === null) return { state: 'unsigned' };
  return { state: 'signed', signature, verified: key === undefined ? undefined : signatureVerifies(checksum, signature, key) };
}

/** One line saying whether the plan is signed, by which key, and whether that was checked. */
export function describeSignature(status: SignatureStatus, key: PlanKey | undefined): string {
  if (status.state === 'unsigned') {
    return key === undefined ? 'Not signed.' : `Not signed: apply with the configured key (${key.id}) refuses it.`;
  }
  const by = `Signed (${status.signature.algorithm}, key ${status.signature.keyId})`;
  if (status.verified === undefined) return `${by}; not verified: no plan signing key is configured.`;
  return status.verified
    ? `${by}; the signature verifies with the configured key.`
    : `${by}; the signature does NOT verify with the configured key (${key!.id}): apply refuses it.`;
}

/**
 * Refuses a plan whose signature the configured key does not accept: unsigned, signed
 * with another key or algorithm, or a signature that does not verify.
 */
export function checkSignature(checksum: string, signature: PlanSignature | null, key: PlanKey, planFile: string): void {
  const location = { file: planFile };
  const hint = 'Apply only plans made by a `starform plan --out` that signs with this key; run it again.';
  if (signature === null) {
    throw new UserError(`the plan is not signed, and a plan signing key is configured (${key.id}); refusing it`, { location, hint });
  }
  if (signature.algorithm !== key.algorithm || signature.keyId !== key.id) {
    throw new UserError(
      `the plan is signed with another key (${signature.algorithm}, key ${signature.keyId}; the configured key is ${key.algorithm}, key ${key.id}); refusing it`,
      { location, hint },
    );
  }
  if (!signatureVerifies(checksum, signature, key)) {
    throw new UserError(`the plan's signature does not verify with the configured key (${key.id}); refusing it`, { location, hint });
  }
}
