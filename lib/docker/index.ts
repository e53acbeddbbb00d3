// The Docker adapter's public face: the Docker implementation of the runtime port and its
// Docker-specific helpers. The port itself (interface, errors, archives) lives in
// lib/runtime and is re-exported here so existing imports keep working.

export type * from '../runtime/runtime.js';
export { RuntimeError, isRuntimeError, type RuntimeErrorCode } from '../runtime/errors.js';
export { DockerRuntime, deviceMapping, gpuHostConfig, ipv4Range, type DockerRuntimeOptions } from './docker-runtime.js';
export { LABEL_LINEAGE, LABEL_SERVICE, LABEL_TASK } from './naming.js';
export { packFiles, readArchive, type ArchiveEntry, type ArchiveFileInput } from '../runtime/tar.js';
