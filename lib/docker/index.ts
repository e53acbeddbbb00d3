// The runtime layer's public face: the engine-neutral interface and its types, the one
// error type, the Docker implementation, and the tar helpers callers need to build and
// read files artifacts. Code outside lib/docker imports from here only.

export type * from './runtime.js';
export type * from './adoption.js';
export { RuntimeError, isRuntimeError, type RuntimeErrorCode } from './errors.js';
export { DockerRuntime, deviceMapping, gpuHostConfig, ipv4Range, type DockerRuntimeOptions } from './docker-runtime.js';
export { LABEL_LINEAGE, LABEL_SERVICE, LABEL_TASK } from './naming.js';
export { packFiles, readArchive, type ArchiveEntry, type ArchiveFileInput } from './tar.js';
