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
export * from './edits.js';
