// Encryption at rest: the envelope that states, blobs and saved plans are written in when
// a passphrase is configured (STARFORM_ENCRYPTION_PASSPHRASE or --encryption-key-file).
//
// Layout (docs/formats.md "Encrypted envelope"):
//
//     STARFORM-ENCRYPTED/1\n
//     {"cipher":"aes-256-gcm","iv":"…","kdf":{…},"key_id":"…"}\n
//     <ciphertext bytes><16-byte GCM tag>
//
// The first line is the magic and the envelope's format version; the second, one line of
// JSON, says how the key was derived (PBKDF2-SHA512 with 600,000 iterations, or scrypt,
// each with its salt) and the cipher's nonce. Both lines are the GCM additional data, so a
// header changed by hand fails authentication like a changed ciphertext. Everything is
// node:crypto: no cryptography of our own.
//
// Deriving a key costs about half a second on purpose, so each (passphrase, salt,
// parameters) is derived once per process and cached, and a writer reuses the salt of a
// key it has derived already (the nonce, random for every message, keeps messages apart).
// A no-op apply therefore derives once, for the salt of the state it reads.
//
// Rotation: the primary passphrase writes; a fallback passphrase (STARFORM_ENCRYPTION_
// FALLBACK_PASSPHRASE) is tried too for reading, so states written with the old key stay
// readable until their next write re-encrypts them with the new one. `key_id` (a short
// digest of the derived key) tells which key wrote an envelope without revealing it.
import { createCipheriv, createDecipheriv, createHash, pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UserError } from './errors.js';

const ENVELOPE_MAGIC = 'STARFORM-ENCRYPTED/';
const ENVELOPE_VERSION = 1;
const MAGIC_LINE = Buffer.from(`${ENVELOPE_MAGIC}${ENVELOPE_VERSION}\n`, 'latin1');
const PREFIX = Buffer.from(ENVELOPE_MAGIC, 'latin1');

export const PBKDF2_ITERATIONS = 600_000;
const SCRYPT_DEFAULT = { n: 2 ** 17, r: 8, p: 1 };
const TAG_BYTES = 16;
const IV_BYTES = 12;

export type KdfParams =
  | { readonly name: 'pbkdf2-sha512'; readonly iterations: number; readonly salt: string }
  | { readonly name: 'scrypt'; readonly n: number; readonly r: number; readonly p: number; readonly salt: string };

interface Header {
  readonly cipher: 'aes-256-gcm';
  readonly kdf: KdfParams;
  readonly iv: string;
  readonly key_id: string;
}

/** A passphrase and where it came from (named in messages; the passphrase never is). */
export interface Passphrase {
  readonly secret: string;
  readonly source: string;
}

export interface EncryptionConfig {
  /** Writes (and reads). */
  readonly primary: Passphrase;
  /** Also tried for reading: the previous key during a rotation. */
  readonly fallback?: Passphrase;
  readonly kdf?: 'pbkdf2-sha512' | 'scrypt';
  /** Read plaintext too (for migrating an unencrypted state); it is written encrypted. */
  readonly allowPlaintext?: boolean;
}

/** Whether these bytes are an envelope (any version). */
export function isEnvelope(bytes: Uint8Array): boolean {
  return bytes.byteLength >= PREFIX.length && Buffer.from(bytes.buffer, bytes.byteOffset, PREFIX.length).equals(PREFIX);
}

const derived = new Map<string, Promise<Buffer>>();
/** The salts derived for each passphrase so far, to write with without deriving again. */
const saltsOf = new Map<string, KdfParams>();

function cacheKey(secret: string, kdf: KdfParams): string {
  return createHash('sha256').update(secret).update('\0').update(JSON.stringify(kdf)).digest('hex');
}

function secretId(secret: string): string {
  return createHash('sha256').update('starform-passphrase\0').update(secret).digest('hex');
}

function checkKdf(kdf: KdfParams): void {
  if (kdf.name === 'pbkdf2-sha512') {
    if (!Number.isSafeInteger(kdf.iterations) || kdf.iterations < PBKDF2_ITERATIONS || kdf.iterations > 100_000_000) {
      throw new Error(`PBKDF2 iterations ${kdf.iterations} out of range`);
    }
  } else if (kdf.name === 'scrypt') {
    if (![kdf.n, kdf.r, kdf.p].every((v) => Number.isSafeInteger(v) && v > 0) || kdf.n < 2 ** 14 || kdf.n > 2 ** 22 || kdf.r > 32 || kdf.p > 16) {
      throw new Error('scrypt parameters out of range');
    }
  } else {
    throw new Error(`unknown key derivation '${(kdf as { name: string }).name}'`);
  }
}

/** The AES-256 key for a passphrase and KDF parameters; derived once per process. */
function deriveKey(secret: string, kdf: KdfParams): Promise<Buffer> {
  const key = cacheKey(secret, kdf);
  let p = derived.get(key);
  if (p === undefined) {
    checkKdf(kdf);
    const salt = Buffer.from(kdf.salt, 'base64');
    p = new Promise<Buffer>((resolve, reject) => {
      const done = (err: Error | null, out: Buffer): void => (err ? reject(err) : resolve(out));
      if (kdf.name === 'pbkdf2-sha512') pbkdf2(secret, salt, kdf.iterations, 32, 'sha512', done);
      else scrypt(secret, salt, 32, { N: kdf.n, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.n * kdf.r + 32 * 1024 * 1024 }, done);
    });
    derived.set(key, p);
    p.catch(() => derived.delete(key));
  }
  return p;
}

function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('starform-key-id\0').update(key).digest('hex').slice(0, 16);
}

function newKdf(kind: 'pbkdf2-sha512' | 'scrypt'): KdfParams {
  const salt = randomBytes(16).toString('base64');
  return kind === 'scrypt' ? { name: 'scrypt', ...SCRYPT_DEFAULT, salt } : { name: 'pbkdf2-sha512', iterations: PBKDF2_ITERATIONS, salt };
}

/**
 * Seals and opens envelopes with one configuration. `open` passes plaintext through only
 * with `allowPlaintext`; an envelope no configured key opens is a UserError naming `file`.
 */
export class Encryption {
  constructor(readonly config: EncryptionConfig) {}

  /** The envelope of `plain`, sealed with the primary passphrase. */
  async seal(plain: Uint8Array): Promise<Buffer> {
    const { secret } = this.config.primary;
    const kind = this.config.kdf ?? 'pbkdf2-sha512';
    const sid = `${secretId(secret)}:${kind}`;
    let kdf = saltsOf.get(sid);
    if (kdf === undefined) {
      kdf = newKdf(kind);
      saltsOf.set(sid, kdf);
    }
    const key = await deriveKey(secret, kdf);
    const iv = randomBytes(IV_BYTES);
    const header: Header = { cipher: 'aes-256-gcm', iv: iv.toString('base64'), kdf, key_id: keyIdOf(key) };
    const aad = Buffer.concat([MAGIC_LINE, Buffer.from(`${JSON.stringify(header)}\n`, 'utf8')]);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return Buffer.concat([aad, body]);
  }

  /** The plaintext of an envelope (or of plaintext bytes, when allowed). */
  async open(bytes: Uint8Array, file: string, what: string): Promise<Buffer> {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!isEnvelope(buf)) {
      if (this.config.allowPlaintext === true) return buf;
      throw new UserError(`the ${what} is not encrypted, but encryption is configured (${this.config.primary.source}); refusing to read it`, {
        location: { file },
        hint: 'If it was written before encryption was configured, run the command once with --allow-plaintext: it is read as it is (and a state is written back encrypted).',
      });
    }
    const { header, aad, body } = parseEnvelope(buf, file, what);
    const candidates = [this.config.primary, ...(this.config.fallback ? [this.config.fallback] : [])];
    for (const pass of candidates) {
      let key: Buffer;
      try {
        key = await deriveKey(pass.secret, header.kdf);
      } catch (err) {
        throw new UserError(`the ${what}'s key derivation parameters are not acceptable: ${(err as Error).message}`, { location: { file } });
      }
      const id = Buffer.from(keyIdOf(key));
      if (id.length !== header.key_id.length || !timingSafeEqual(id, Buffer.from(header.key_id))) continue;
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(header.iv, 'base64'));
      decipher.setAAD(aad);
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new UserError(`the ${what} is damaged: its encrypted content does not authenticate (key ${header.key_id})`, { location: { file } });
      }
    }
    const tried = candidates.map((c) => c.source).join(' and ');
    throw new UserError(`cannot decrypt the ${what}: it was encrypted with another key (key id ${header.key_id}) than ${tried}`, {
      location: { file },
      hint: 'Give the passphrase it was written with; during a key rotation, put the old one in STARFORM_ENCRYPTION_FALLBACK_PASSPHRASE.',
    });
  }
}

/** Opens bytes that must not be an envelope: without encryption configured, an envelope is refused clearly. */
function refuseEnvelope(bytes: Uint8Array, file: string, what: string): void {
  if (isEnvelope(bytes)) {
    throw new UserError(`the ${what} is encrypted, but no encryption key is configured`, {
      location: { file },
      hint: 'Set STARFORM_ENCRYPTION_PASSPHRASE or pass --encryption-key-file with the passphrase it was written with.',
    });
  }
}

/** Either seals/opens with `encryption`, or checks that nothing is an envelope. */
export async function openBytes(encryption: Encryption | undefined, bytes: Uint8Array, file: string, what: string): Promise<Buffer> {
  if (encryption !== undefined) return encryption.open(bytes, file, what);
  refuseEnvelope(bytes, file, what);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export async function sealBytes(encryption: Encryption | undefined, bytes: Uint8Array): Promise<Buffer> {
  return encryption !== undefined ? encryption.seal(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function parseEnvelope(buf: Buffer, file: string, what: string): { header: Header; aad: Buffer; body: Buffer } {
  const bad = (why: string): UserError => new UserError(`the encrypted ${what} is not a valid envelope: ${why}`, { location: { file } });
  const first = buf.indexOf(0x0a);
  if (first < 0) throw bad('no header');
  const version = buf.subarray(PREFIX.length, first).toString('latin1');
  if (version !== String(ENVELOPE_VERSION)) {
    throw new UserError(
      `the ${what} is an encrypted envelope of version ${version}, which this starform does not read (it reads version ${ENVELOPE_VERSION})`,
      {
        location: { file },
        hint: 'It was written by a newer starform: use that version.',
      },
    );
  }
  const second = buf.indexOf(0x0a, first + 1);
  if (second < 0) throw bad('no header');
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(first + 1, second).toString('utf8')) as Header;
  } catch {
    throw bad('its header is not JSON');
  }
  if (header === null || typeof header !== 'object' || header.cipher !== 'aes-256-gcm' || typeof header.iv !== 'string' || typeof header.key_id !== 'string') {
    throw bad('its header lacks the cipher, nonce or key id');
  }
  const kdf = header.kdf as Partial<Record<string, unknown>> | undefined;
  if (kdf === undefined || typeof kdf !== 'object' || kdf === null || typeof kdf['salt'] !== 'string') throw bad('its header lacks the key derivation');
  const body = buf.subarray(second + 1);
  if (body.length < TAG_BYTES) throw bad('it is truncated');
  return { header, aad: buf.subarray(0, second + 1), body };
}

/**
 * The encryption configuration from the environment and the command line, or undefined
 * when none is configured. A key file holds the passphrase (its last line break dropped).
 */
export function encryptionFromEnvironment(env: NodeJS.ProcessEnv, options: { keyFile?: string; allowPlaintext?: boolean } = {}): Encryption | undefined {
  let primary: Passphrase | undefined;
  const keyFile = options.keyFile ?? nonEmpty(env['STARFORM_ENCRYPTION_KEY_FILE']);
  if (keyFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(keyFile, 'utf8');
    } catch (err) {
      throw new UserError(`cannot read the encryption key file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
        location: { file: keyFile },
      });
    }
    const secret = text.replace(/\r?\n$/, '');
    if (secret.length === 0) throw new UserError('the encryption key file is empty', { location: { file: keyFile } });
    primary = { secret, source: `the key file ${keyFile}` };
  } else if (nonEmpty(env['STARFORM_ENCRYPTION_PASSPHRASE']) !== undefined) {
    primary = { secret: env['STARFORM_ENCRYPTION_PASSPHRASE']!, source: 'STARFORM_ENCRYPTION_PASSPHRASE' };
  }
  const fallbackSecret = nonEmpty(env['STARFORM_ENCRYPTION_FALLBACK_PASSPHRASE']);
  if (primary === undefined) {
    if (fallbackSecret !== undefined) {
      throw new UserError('STARFORM_ENCRYPTION_FALLBACK_PASSPHRASE is set without a primary key', {
        hint: 'The fallback only reads during a rotation: set STARFORM_ENCRYPTION_PASSPHRASE (or --encryption-key-file) to the new key.',
      });
    }
    return undefined;
  }
  const kdfName = nonEmpty(env['STARFORM_ENCRYPTION_KDF']);
  if (kdfName !== undefined && kdfName !== 'pbkdf2-sha512' && kdfName !== 'scrypt') {
    throw new UserError(`STARFORM_ENCRYPTION_KDF must be pbkdf2-sha512 or scrypt (got '${kdfName}')`);
  }
  return new Encryption({
    primary,
    ...(fallbackSecret !== undefined ? { fallback: { secret: fallbackSecret, source: 'STARFORM_ENCRYPTION_FALLBACK_PASSPHRASE' } } : {}),
    ...(kdfName !== undefined ? { kdf: kdfName } : {}),
    ...(options.allowPlaintext === true ? { allowPlaintext: true } : {}),
  });
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
