// The content-addressed store beside a state file: files artifacts' contents, which are
// too large and too binary for the state file itself. Layout, after OCI image layouts:
//
//     <state>.d/blobs/sha256/<64 hex digits>
//
// A blob's name is the sha256 of its bytes, so putting the same content twice is free,
// a blob is never modified in place, and `get` can tell a damaged blob from a good one.
// A blob is staged under a temporary name (written, fsynced, read back and hashed) and
// renamed to its digest only when its bytes hash to that digest, so a full disk or a
// crash leaves either the whole blob or none under the final name. A blob damaged all the
// same (by hand, by the disk) is found by `check` — which refresh, and so plan, runs over
// the blobs the state refers to — and `put` replaces it rather than trusting its name.
// The state refers to blobs by digest; `prune` removes those no state refers to any more
// (keep the backup's too, so that restoring it stays possible).
//
// With encryption configured each blob file is an envelope (lib/util/envelope.ts) of the
// content; its name stays the digest of the plaintext, and `check` decrypts to verify it.
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { ioError } from '../util/files.js';
import { digestHex, digestOf, isDigest, type Digest } from '../util/hash.js';
import { isLeftoverOf, stage } from '../util/durable-write.js';
import { openBytes, sealBytes, type Encryption } from '../util/envelope.js';

/** What `check` found of a blob. */
export type BlobCondition = 'ok' | 'missing' | 'damaged';

export class BlobStore {
  /** `root` is the store's directory (`<state>.d`); it is created on the first put. */
  constructor(
    readonly root: string,
    private readonly encryption?: Encryption,
  ) {}

  /** The store that belongs to a state file. */
  static forState(statePath: string, encryption?: Encryption): BlobStore {
    return new BlobStore(`${statePath}.d`, encryption);
  }

  private get dir(): string {
    return join(this.root, 'blobs', 'sha256');
  }

  /** Where the blob with this digest is (or would be) stored. */
  pathOf(digest: Digest): string {
    return join(this.dir, digestHex(digest));
  }

  /**
   * Stores content and returns its digest. Storing content that is there already writes
   * nothing; a blob under that name that is damaged is replaced.
   */
  async put(content: Uint8Array): Promise<Digest> {
    const digest = digestOf(content);
    const path = this.pathOf(digest);
    if ((await this.check(digest, content.byteLength)) === 'ok') return digest;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      // stage() reads the temporary file back and compares it with `content`, whose
      // digest this is: only bytes that hash to the name get the name.
      await (await stage(path, await sealBytes(this.encryption, content))).commit();
    } catch (err) {
      const full = (err as NodeJS.ErrnoException).code === 'ENOSPC' || (err as NodeJS.ErrnoException).code === 'EDQUOT';
      if (full) {
        throw new UserError('cannot store a files artifact: the disk is full (no space left on the device)', {
          location: { file: path },
          hint: 'Nothing was stored under that name. Free some space on that file system, then run the command again.',
          cause: err,
        });
      }
      throw ioError(err, path, 'cannot store a files artifact');
    }
    return digest;
  }

  /**
   * Whether the blob with this digest is there and intact: its size is `size` (when
   * given) and its bytes hash to its digest. A wrong size is found without reading it.
   */
  async check(digest: Digest, size?: number): Promise<BlobCondition> {
    const path = this.pathOf(digest);
    try {
      const info = await stat(path);
      if (!info.isFile()) return 'damaged';
      if (this.encryption !== undefined) {
        let plain: Buffer;
        try {
          plain = await this.encryption.open(await readFile(path), path, 'files artifact content');
        } catch {
          return 'damaged';
        }
        return (size === undefined || plain.length === size) && digestOf(plain) === digest ? 'ok' : 'damaged';
      }
      if (size !== undefined && info.size !== size) return 'damaged';
      return digestOf(await readFile(path)) === digest ? 'ok' : 'damaged';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw ioError(err, path, 'cannot look up a files artifact');
    }
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      return (await stat(this.pathOf(digest))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw ioError(err, this.pathOf(digest), 'cannot look up a files artifact');
    }
  }

  /** The content of a blob, checked against its digest. Missing or damaged: UserError. */
  async get(digest: Digest): Promise<Uint8Array> {
    const path = this.pathOf(digest);
    let content: Buffer;
    try {
      content = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new UserError(`files artifact content ${digest} is missing from the blob store`, {
          location: { file: path },
          hint: 'The state refers to content that is not there: was the .d directory beside the state file moved or deleted?',
        });
      }
      throw ioError(err, path, 'cannot read a files artifact');
    }
    content = await openBytes(this.encryption, content, path, 'files artifact content');
    const actual = digestOf(content);
    if (actual !== digest) {
      throw new UserError(`files artifact content is damaged: its sha256 is ${actual}, not ${digest}`, {
        location: { file: path },
      });
    }
    return new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
  }

  /** The digests of all stored blobs, sorted. */
  async list(): Promise<Digest[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(err, this.dir, 'cannot list the blob store');
    }
    return names
      .map((n) => `sha256:${n}`)
      .filter(isDigest)
      .sort();
  }

  /**
   * Removes every blob not in `keep`, and temporary files that a write killed midway left
   * behind (run it holding the state lock); returns the removed digests.
   */
  async prune(keep: ReadonlySet<Digest>): Promise<Digest[]> {
    const removed: Digest[] = [];
    for (const digest of await this.list()) {
      if (keep.has(digest)) continue;
      await rm(this.pathOf(digest), { force: true });
      removed.push(digest);
    }
    // Temporary names: this store's own (lib/util/durable-write.ts), and those of older starforms.
    const leftovers = (await readdir(this.dir).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{64}\.\d+$/.test(n) || isLeftoverOf(n.slice(0, 64), n));
    for (const name of leftovers) await rm(join(this.dir, name), { force: true });
    return removed;
  }
}
