// How the CLI reports failures: a user's mistake (bad input, a Starlark error, a refused
// plan) is one message on standard error and exit code 1; anything else is a bug of ours,
// shown with its stack only under --debug so users never see our internals by default.
// A system error of the machine (a file that cannot be read or written, a full disk, a
// port in use, a refused connection) is never "internal": whatever path led to it, it
// is reported as a condition the user can fix, with the path or address it concerns.
// Messages quote package values, so their control characters are shown, not obeyed (and
// the output guard of lib/render/redact.ts masks any secret in them).
import { neutraliseControl } from '../render/redact.js';
import { streams } from './streams.js';

export interface UserFacingError {
  /** The message to show, already including a location where one exists. */
  readonly message: string;
  readonly userFacing: true;
}

function isUserFacing(err: unknown): err is UserFacingError {
  return typeof err === 'object' && err !== null && (err as { userFacing?: unknown }).userFacing === true;
}

export function reportError(err: unknown, debug: boolean): number {
  if (isUserFacing(err)) {
    streams.err.write(`${neutraliseControl(err.message)}\n`);
    if (debug && err instanceof Error && err.stack) streams.err.write(`${err.stack}\n`);
    const code = (err as { exitCode?: unknown }).exitCode;
    return typeof code === 'number' && Number.isInteger(code) && code > 0 && code < 256 ? code : 1;
  }
  const system = systemErrorMessage(err);
  if (system !== null) {
    streams.err.write(`${system}\n`);
    if (debug && err instanceof Error && err.stack) streams.err.write(`${err.stack}\n`);
    return 1;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  streams.err.write(`starform: internal error: ${neutraliseControl(e.message)}\n`);
  streams.err.write(debug ? `${e.stack}\n` : 'Run again with --debug to see where it happened, and please report it.\n');
  return 1;
}

/** What the machine's error codes mean, in the words starform uses elsewhere. */
const SYSTEM_CONDITIONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the directory is not empty',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EBUSY: 'it is busy',
  ETXTBSY: 'the file is busy',
  EIO: 'an input/output error',
  EADDRINUSE: 'the address is already in use',
  EADDRNOTAVAIL: 'the address is not available on this machine',
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the other end closed the connection',
  ETIMEDOUT: 'the operation timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

/**
 * The one-line message of a Node system error (`code` + `syscall`, with a path or an
 * address), e.g. `/srv/state.json: cannot open: permission denied`; null for other errors.
 */
export function systemErrorMessage(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  const e = err as NodeJS.ErrnoException & { address?: unknown; port?: unknown; dest?: unknown };
  const condition = typeof e.code === 'string' ? SYSTEM_CONDITIONS[e.code] : undefined;
  if (condition === undefined || typeof e.syscall !== 'string') return null;
  const where =
    typeof e.path === 'string' ? e.path : typeof e.address === 'string' ? (typeof e.port === 'number' ? `${e.address}:${e.port}` : e.address) : undefined;
  const what = `cannot ${e.syscall}${typeof e.dest === 'string' ? ` to ${e.dest}` : ''}: ${condition}`;
  return where !== undefined ? `${where}: ${what}` : `starform: ${what}`;
}
