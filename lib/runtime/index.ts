// The runtime port's public face: the engine-neutral interface every runtime adapter
// implements (lib/docker today), its one error type, and the archive format (tar) in which
// files travel into and out of containers. Nothing here names an engine; code outside an
// adapter imports runtime types from here only.

export type * from './runtime.js';
export { RuntimeError, isRuntimeError, type RuntimeErrorCode } from './errors.js';
export { packFiles, readArchive, type ArchiveEntry, type ArchiveFileInput } from './tar.js';
