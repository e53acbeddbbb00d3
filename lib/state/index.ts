// The public face of lib/state: the state model, its file, its lock and its blob store.
// Other modules import from here, not from the files behind it.
export * from './model.js';
export { DEFAULT_STATE_FILE, STATE_FORMAT_VERSION, backupPath, parseState, readState, serializeState, writeState, writtenDigestPath } from './statefile.js';
export {
  StateLockedError,
  forceUnlock,
  lockPath,
  lockState,
  readLockInfo,
  resolveStatePath,
  withStateLock,
  type ForceUnlockOptions,
  type LockInfo,
  type LockOptions,
  type StateLock,
} from './lock.js';
export { BlobStore } from './blobstore.js';
export type { HistoryEntry, StateBackend, StateBlobs, StateHistory, StateWorkspaces, WriteOptions } from './backend.js';
export { withBackendLock } from './backend.js';
export { FileStateBackend } from './file-backend.js';
export { backendKind, filePathOf, openStateBackend, type OpenBackendOptions } from './open.js';
export type { WriteStateOptions } from './statefile.js';
