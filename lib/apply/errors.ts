// Errors of the execution phase. A step fails with a StepFailure (a condition of the
// package: an exit code not accepted, a verification that does not hold, a timeout) or
// with an error of a layer below (a RuntimeError from the engine, an unresolved future
// reference, a missing blob); the executor turns whichever it was into one ApplyError
// that names the step and starts with the instruction's Starlark position, the form
// every starform error takes (`main.star:12:5: ...`). Errors that are not the user's
// (bugs) keep their stack as the cause, for --debug.
import type { SourcePosition } from '../instructions/index.js';
import { UserError } from '../util/errors.js';

/** A step did not succeed for a reason the package or its environment caused. */
export class StepFailure extends Error {
  readonly userFacing = true as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StepFailure';
  }
}

/** Whether an error is one the user can act on (ours, the runtime's, lib/state's...). */
export function isExpectedError(err: unknown): err is Error {
  if (!(err instanceof Error)) return false;
  if ((err as { userFacing?: unknown }).userFacing === true) return true;
  return err.name === 'RuntimeError' || err.name === 'UnresolvedReferenceError';
}

/**
 * Whether an error is the runtime's RuntimeError (with this code, when given). Checked by
 * name and code rather than by class, so that lib/apply does not load the Docker
 * implementation (a quarter of a second) just to recognise its errors.
 */
export function isRuntimeError(err: unknown, code?: string): err is Error & { readonly code: string } {
  return err instanceof Error && err.name === 'RuntimeError' && (code === undefined || (err as { code?: unknown }).code === code);
}

/** The message of an error without the location prefix a UserError carries. */
export function detailOf(err: unknown): string {
  if (err instanceof UserError) return err.hint ? `${err.detail}\n${err.hint}` : err.detail;
  if (err instanceof Error) return isExpectedError(err as unknown) ? err.message : `internal error: ${err.message}`;
  return String(err);
}

/** The failure of an apply: at the failed step's position when it has one. */
export class ApplyError extends UserError {
  constructor(
    detail: string,
    readonly stepId: string | undefined,
    position: SourcePosition | undefined,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(detail, {
      ...(position ? { location: { file: position.file, line: position.line, col: position.col } } : {}),
      ...(options.hint ? { hint: options.hint } : {}),
      ...(options.cause !== undefined ? { cause: options.cause } : {}),
    });
    this.name = 'ApplyError';
  }
}
