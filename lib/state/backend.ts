// The state backend interface: where a state lives, how it is locked, where its blobs go.
//
// Every command reaches the state through one StateBackend, which `openStateBackend`
// (open.ts) makes from the `--state` spec: a path or `file://…` (file-backend.ts, the
// state file with its lock directory and blob store beside it), or `postgres://…`
// (postgres-backend.ts). The contract every backend keeps:
//
// - `read` never repairs and never invents a lineage (a state never written: lineage
//   null, serial 0);
// - `write(previous, next, lock)` is a compare-and-swap: it lands only if the stored state
//   is still `previous` (same lineage, same serial) and `lock` is still held, and writes
//   `next` as serial previous + 1 (lineage assigned on the first write); a write that lost
//   a race is refused with a UserError, never merged;
// - `lock` takes the one-writer lock, naming its holder (StateLockedError) when refused;
//   a lock that is lost while held (removed, taken over, its connection gone) makes every
//   later write fail;
// - blobs are content-addressed by the sha256 of their plaintext;
// - encryption at rest (lib/util/envelope.ts), when configured, is the backend's
//   business: callers only ever see plaintext.
import type { Digest } from '../util/hash.js';
import type { BlobCondition } from './blobstore.js';
import type { ForceUnlockOptions, LockInfo, LockOptions, StateLock } from './lock.js';
import type { State } from './model.js';

/** The content-addressed store of files artifacts' contents. */
export interface StateBlobs {
  /** Stores content (a no-op if present and intact); returns its digest. */
  put(content: Uint8Array): Promise<Digest>;
  /** Whether the blob is there and intact (its size, when given, and its digest). */
  check(digest: Digest, size?: number): Promise<BlobCondition>;
  /** The content, checked against its digest; missing or damaged: UserError. */
  get(digest: Digest): Promise<Uint8Array>;
}

/** One stored version of a state (backends with history). */
export interface HistoryEntry {
  readonly serial: number;
  readonly lineage: string;
  /** When it was written (ISO 8601). */
  readonly written: string;
  /** Who wrote it: the lock holder's operation and user@host. */
  readonly by: string;
  readonly services: number;
}

/** The versions a backend keeps, for `state history` and `state rollback`. */
export interface StateHistory {
  /** Newest first. */
  list(): Promise<HistoryEntry[]>;
  /** The state as it was at `serial`; UserError when not kept. */
  read(serial: number): Promise<State>;
}

/** Workspaces: several independent states in one backend; `default` always exists. */
export interface StateWorkspaces {
  readonly current: string;
  list(): Promise<string[]>;
  create(name: string): Promise<void>;
  /** Deletes a workspace's state, history and lock row; refuses `default` and a non-empty state unless forced. */
  remove(name: string, options: { force: boolean; lockTimeoutMs: number }): Promise<void>;
}

export interface WriteOptions {
  /** Write this serial instead of previous + 1 (`state migrate` keeps the serial); must be above previous. */
  readonly serial?: number;
  /** `state push --force` of another state: the lineage changes with the write. */
  readonly replacingLineage?: boolean;
}

export interface StateBackend {
  /** 'file' or 'postgres'. */
  readonly kind: string;
  /** Where the state is, for messages and error locations (no password). */
  readonly location: string;
  read(): Promise<State>;
  write(previous: Pick<State, 'lineage' | 'serial'>, next: State, lock: StateLock, options?: WriteOptions): Promise<State>;
  lock(options: LockOptions): Promise<StateLock>;
  /** Who holds the lock; null when it is free. */
  readLockInfo(): Promise<LockInfo | null>;
  forceUnlock(id: string, options?: ForceUnlockOptions): Promise<LockInfo>;
  readonly blobs: StateBlobs;
  /**
   * Removes blobs nothing refers to any more (run holding the lock). `state` is the state
   * just written; the backend keeps also what its older versions (a backup, history) need.
   */
  pruneBlobs(state: State): Promise<void>;
  readonly history?: StateHistory;
  readonly workspaces?: StateWorkspaces;
  /**
   * Starts connecting (where there is a server to connect to) while the caller does other
   * work; the next operation uses that connection and throws its errors. Optional.
   */
  preconnect?(): void;
  /** Closes connections; the backend is not used after. */
  close(): Promise<void>;
}

/** Runs `fn` holding the backend's lock, and releases it however `fn` ends. */
export async function withBackendLock<T>(backend: StateBackend, options: LockOptions, fn: (lock: StateLock) => Promise<T>): Promise<T> {
  const lock = await backend.lock(options);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
