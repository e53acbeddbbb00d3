// How the CLI reports failures: a user's mistake (bad input, a Starlark error, a refused
// plan) is one message on standard error and exit code 1; anything else is a bug of ours,
// shown with its stack only under --debug so users never see our internals by default.
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
    process.stderr.write(`${err.message}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    const code = (err as { exitCode?: unknown }).exitCode;
    return typeof code === 'number' && Number.isInteger(code) && code > 0 && code < 256 ? code : 1;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`starform: internal error: ${e.message}\n`);
  process.stderr.write(debug ? `${e.stack}\n` : 'Run again with --debug to see where it happened, and please report it.\n');
  return 1;
}
