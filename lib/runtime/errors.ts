// The runtime's one error type. Everything the runtime layer throws is a RuntimeError
// whose `code` says what went wrong in engine-neutral terms and whose message is meant
// for the person running starform: it names the thing involved (socket, image, port,
// service, container) and, where there is one, the usual fix. Callers branch on `code`
// (the executor turns e.g. 'port-in-use' into a failed step) and print `message` as is.

export type RuntimeErrorCode =
  /** The engine could not be contacted at all (no socket, refused, no permission). */
  | 'engine-unreachable'
  /** The engine answered with an error this layer has no better name for. */
  | 'engine-error'
  /** An image is not present locally, or the registry says it does not exist. */
  | 'image-not-found'
  /** Pulling failed because the registry could not be reached. */
  | 'registry-unreachable'
  /** Building an image failed (bad context, Dockerfile error, failing RUN step). */
  | 'build-failed'
  /** A host port to publish is already taken (by a container or another process). */
  | 'port-in-use'
  /** The fixed address asked for on the enclave network belongs to another container. */
  | 'address-in-use'
  /** A container, service or volume of that name exists already. */
  | 'name-conflict'
  /** The service, container or network asked for does not exist. */
  | 'not-found'
  /** The container exists but does not carry this enclave's lineage label. */
  | 'not-owned'
  /** The operation needs a running container and it is not running. */
  | 'not-running'
  /** A path to copy out of a container does not exist there. */
  | 'path-not-found'
  /** Waiting (readiness, exec, task) ran out of time. */
  | 'timeout'
  /** The request itself is malformed (bad name, bad port, bad archive). */
  | 'invalid-spec';

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RuntimeError';
  }
}

export function isRuntimeError(value: unknown, code?: RuntimeErrorCode): value is RuntimeError {
  return value instanceof RuntimeError && (code === undefined || value.code === code);
}
