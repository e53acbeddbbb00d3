// The local file backend: today's state file (statefile.ts), its lock directory
// (lock.ts) and its blob store (blobstore.ts) behind the StateBackend interface. The
// previous version is the `<state>.backup` file; there is no history beyond it and no
// workspaces (one file is one state: use another path for another state).
import { UserError } from '../util/errors.js';
import type { Encryption } from '../util/envelope.js';
import type { StateBackend, WriteOptions } from './backend.js';
import { BlobStore } from './blobstore.js';
import { forceUnlock, lockState, readLockInfo, resolveStatePath, type ForceUnlockOptions, type LockInfo, type LockOptions, type StateLock } from './lock.js';
import { referencedBlobs, type State } from './model.js';
import { backupPath, readState, writeState } from './statefile.js';

export class FileStateBackend implements StateBackend {
  readonly kind = 'file';
  readonly blobs: BlobStore;

  /** `path` must be resolved already (resolveStatePath), so that messages and locks agree. */
  private constructor(
    readonly location: string,
    private readonly encryption: Encryption | undefined,
  ) {
    this.blobs = BlobStore.forState(location, encryption);
  }

  static async open(path: string, encryption?: Encryption): Promise<FileStateBackend> {
    return new FileStateBackend(await resolveStatePath(path), encryption);
  }

  /** The absolute path of the state file. */
  get path(): string {
    return this.location;
  }

  read(): Promise<State> {
    return readState(this.location, this.encryption);
  }

  async write(previous: Pick<State, 'lineage' | 'serial'>, next: State, lock: StateLock, options: WriteOptions = {}): Promise<State> {
    if (previous.lineage !== null && next.lineage !== null && next.lineage !== previous.lineage) {
      throw new UserError(`refusing to write a state of lineage ${next.lineage} over lineage ${previous.lineage}`, { location: { file: this.location } });
    }
    const expected: State = { ...next, lineage: next.lineage ?? previous.lineage, serial: previous.serial };
    return writeState(this.location, expected, lock, {
      ...(this.encryption ? { encryption: this.encryption } : {}),
      ...(options.serial !== undefined ? { serial: options.serial } : {}),
    });
  }

  lock(options: LockOptions): Promise<StateLock> {
    return lockState(this.location, options);
  }

  readLockInfo(): Promise<LockInfo | null> {
    return readLockInfo(this.location);
  }

  forceUnlock(id: string, options?: ForceUnlockOptions): Promise<LockInfo> {
    return forceUnlock(this.location, id, options);
  }

  /** Keeps the blobs of the state and of its backup; skipped when the backup cannot be read. */
  async pruneBlobs(state: State): Promise<void> {
    let keep: Set<string>;
    try {
      const backup = await readState(backupPath(this.location), this.encryption);
      keep = new Set([...referencedBlobs(state), ...referencedBlobs(backup)]);
    } catch {
      return;
    }
    await this.blobs.prune(keep as Set<`sha256:${string}`>);
  }

  async close(): Promise<void> {
    // nothing held open
  }
}
