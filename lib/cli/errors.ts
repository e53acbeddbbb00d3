// How the CLI reports failures: a user's mistake (bad input, a Starlark error, a refused
// plan) is one message on standard error and exit code 1; anything else is a bug of ours,
// shown with its stack only under --debug so users never see our internals by default.
// Messages quote package values, so their control characters are shown, not obeyed (and
// the output guard of lib/render/redact.ts masks any secret in them).
import { neutraliseControl } from '../render/redact.js';

export interface UserFacingError {
  /** The message to show, already including a location where one exists. */
  readonly message: string;
  readonly userFacing: true;
}

export function isUserFacing(err: unknown): err is UserFacingError {
  return typeof err === 'object' && err !== null && (err as { userFacing?: unknown }).userFacing === true;
}

export function reportError(err: unknown, debug: boolean): number {
  if (isUserFacing(err)) {
    process.stderr.write(`${neutraliseControl(err.message)}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`starform: internal error: ${neutraliseControl(e.message)}\n`);
  process.stderr.write(debug ? `${e.stack}\n` : 'Run again with --debug to see where it happened, and please report it.\n');
  return 1;
}
