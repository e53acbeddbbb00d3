// The error every module throws for a mistake the user can fix: a bad file, a locked
// state, a stale plan, a wrong argument. The CLI prints its message (no stack trace) and
// exits with `exitCode` (1); it recognizes such errors by `userFacing: true` (see
// lib/cli/errors.ts), so other modules' error types can join in without importing this
// class. Anything else that escapes is a bug of ours.
//
// The message starts with the location it concerns, in the `file:line:col: ` form that
// editors and the Starlark errors use, so that printing `message` alone is always enough;
// `detail`, `location` and `hint` stay available apart for JSON output.

/** Where a problem is: a file, optionally a 1-based line and column in it. */
export interface SourceLocation {
  readonly file: string;
  readonly line?: number;
  readonly col?: number;
}

export interface UserErrorOptions {
  readonly location?: SourceLocation;
  /** What the user can do about it; printed on its own line after the message. */
  readonly hint?: string;
  readonly cause?: unknown;
}

/** Renders a location as `file`, `file:line` or `file:line:col`. */
export function formatLocation(loc: SourceLocation): string {
  if (loc.line === undefined) return loc.file;
  return loc.col === undefined ? `${loc.file}:${loc.line}` : `${loc.file}:${loc.line}:${loc.col}`;
}

export class UserError extends Error {
  readonly exitCode = 1 as const;
  readonly userFacing = true as const;
  /** The message without location and hint. */
  readonly detail: string;
  readonly location: SourceLocation | undefined;
  readonly hint: string | undefined;

  constructor(detail: string, options: UserErrorOptions = {}) {
    const where = options.location ? `${formatLocation(options.location)}: ` : '';
    const hint = options.hint ? `\n${options.hint}` : '';
    super(`${where}${detail}${hint}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.detail = detail;
    this.location = options.location;
    this.hint = options.hint;
  }
}

/** Lines as an indented list, one problem a line, for multi-problem messages. */
export function bulletList(lines: readonly string[]): string {
  return lines.map((l) => `  - ${l}`).join('\n');
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
