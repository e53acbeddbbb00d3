// Content hashes. starform names every hash in its files with its algorithm, the way OCI
// image layouts do (`sha256:<64 hex digits>`), so a later format can move to another
// algorithm without guessing. A JSON value is hashed through its canonical text, which
// makes the hash independent of key order and formatting.
import { createHash, hash } from 'node:crypto';
import { canonicalJson, type JsonValue } from './json.js';

export type Digest = `sha256:${string}`;

/** The JSON Schema pattern of a Digest (kept in step with the schemas in schemas/). */
const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

export function sha256Hex(data: string | Uint8Array): string {
  // The one-shot crypto.hash (Node 20.12+) skips creating a Hash object: half the cost for
  // the many small records plan and apply hash.
  return hash('sha256', data, 'hex');
}

export function digestOf(data: string | Uint8Array): Digest {
  return `sha256:${sha256Hex(data)}`;
}

/**
 * The digest of a text that `write` produces in pieces (UTF-8, each piece whole
 * characters), hashed as it comes in chunks of about 64 KB: the text is never held whole.
 */
export function digestOfPieces(write: (emit: (piece: string) => void) => void): Digest {
  const h = createHash('sha256');
  let chunk = '';
  write((piece) => {
    chunk += piece;
    if (chunk.length >= 65_536) {
      h.update(chunk, 'utf8');
      chunk = '';
    }
  });
  h.update(chunk, 'utf8');
  return `sha256:${h.digest('hex')}`;
}

/**
 * Digests of JSON objects already hashed. The records hashed (instruction arguments,
 * service configurations) are never mutated once built, and the same object is hashed
 * by the recorder, validation, the diff and the state writer.
 */
const digestCache = new WeakMap<object, Digest>();

/** The digest of a JSON value's canonical text. */
export function jsonDigest(value: JsonValue): Digest {
  if (typeof value !== 'object' || value === null) return digestOf(canonicalJson(value));
  let d = digestCache.get(value);
  if (d === undefined) {
    d = digestOf(canonicalJson(value));
    digestCache.set(value, d);
  }
  return d;
}

export function isDigest(value: string): value is Digest {
  return DIGEST_PATTERN.test(value);
}

/** The hex part of a digest (what content-addressed file names use). */
export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}
