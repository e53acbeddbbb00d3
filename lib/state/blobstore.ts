// The content-addressed store beside a state file: files artifacts' contents, which are
// too large and too binary for the state file itself. Layout, after OCI image layouts:
//
//     <state>.d/blobs/sha256/<64 hex digits>
//
// A blob's name is the sha256 of its bytes, so putting the same content twice is free,
// a blob is never modified in place, and `get` can tell a damaged blob from a good one.
// Blobs are written atomically (temporary file, fsync, rename), so a crash leaves either
// the whole blob or none. The state refers to blobs by digest; `prune` removes those no
// state refers to any more (keep the backup's too, so that restoring it stays possible).
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { atomicWriteFile, ioError } from '../util/files.js';
import { digestHex, digestOf, isDigest, type Digest } from '../util/hash.js';

export class BlobStore {
  /** `root` is the store's directory (`<state>.d`); it is created on the first put. */
  constructor(readonly root: string) {}

  /** The store that belongs to a state file. */
  static forState(statePath: string): BlobStore {
    return new BlobStore(`${statePath}.d`);
  }

  private get dir(): string {
    return join(this.root, 'blobs', 'sha256');
  }

  /** Where the blob with this digest is (or would be) stored. */
  pathOf(digest: Digest): string {
    return join(this.dir, digestHex(digest));
  }

  /** Stores content and returns its digest; storing existing content writes nothing. */
  async put(content: Uint8Array): Promise<Digest> {
    const digest = digestOf(content);
    if (await this.has(digest)) return digest;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await atomicWriteFile(this.pathOf(digest), content, { createMode: 0o600 });
    } catch (err) {
      throw ioError(err, this.pathOf(digest), 'cannot store a files artifact');
    }
    return digest;
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
    const leftovers = (await readdir(this.dir).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{64}\.\d+$/.test(n));
    for (const name of leftovers) await rm(join(this.dir, name), { force: true });
    return removed;
  }
}
