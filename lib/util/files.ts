// Reading and writing starform's own files (state, plan, blobs) safely.
//
// Writes are atomic: the new content is written in full to a temporary file beside the
// target, fsynced and read back, then renamed over the target, so a reader (or a crash, or
// a full disk) sees either the old file or the new one, never half of one; the directory
// is fsynced afterwards so that the rename itself survives a power loss (durable-write.ts;
// write-file-atomic was given up because it ignores short writes, which a nearly full
// disk produces, and renamed truncated files into place). Reads turn the usual I/O failures into UserErrors naming the
// file. `checkFormatVersion` is the first look at a parsed file: is it ours, and is its
// format version one this starform reads?
import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { durableWrite } from './durable-write.js';
import { UserError } from './errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { STARFORM_VERSION } from './package-info.js';

export interface AtomicWriteOptions {
  /** Permissions for a file that does not exist yet; an existing file keeps its own. */
  readonly createMode?: number;
  /** Permissions for the file whether it exists or not (the temporary file has them from the start). */
  readonly mode?: number;
}

export async function atomicWriteFile(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  await durableWrite(path, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, options.createMode ?? 0o666, options.mode);
}

/** Reads a file as UTF-8; `null` when it does not exist; other failures as UserErrors. */
export async function readTextFileIfExists(path: string, what: string): Promise<string | null> {
  const bytes = await readFileIfExists(path, what);
  return bytes === null ? null : decodeText(bytes);
}

/** Reads a file's bytes; null when it does not exist; other failures are UserErrors. */
export async function readFileIfExists(path: string, what: string): Promise<Buffer | null> {
  try {
    // Synchronous on purpose: fs/promises' readFile closes the file in a later turn of the
    // event loop, which a command that then computes for a while (plan) waits for at exit.
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw ioError(err, path, `cannot read the ${what}`);
  }
}

/**
 * UTF-8 bytes as text. Our files are mostly ASCII, and ASCII is its own Latin-1: decoding
 * it as such skips UTF-8 validation (a 3 MB state file: 0.5 ms instead of 9 ms).
 */
export function decodeText(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** Reads a file as UTF-8; a missing file is a UserError. */
export async function readTextFile(path: string, what: string): Promise<string> {
  const text = await readTextFileIfExists(path, what);
  if (text === null) throw new UserError(`${what} not found`, { location: { file: path } });
  return text;
}

/** A UserError for a failed file operation, worded for people. */
export function ioError(err: unknown, path: string, doing: string): UserError {
  const e = err as NodeJS.ErrnoException;
  const reason =
    e.code === 'EACCES' || e.code === 'EPERM'
      ? 'permission denied'
      : e.code === 'EISDIR'
        ? 'it is a directory'
        : e.code === 'ENOSPC'
          ? 'no space left on the device'
          : e.code === 'ENOTDIR'
            ? 'a part of the path is not a directory'
            : e.code === 'ENOENT'
              ? 'no such file or directory'
              : (e.message ?? String(err));
  return new UserError(`${doing}: ${reason}`, { location: { file: path }, cause: err });
}

export interface FormatVersionCheck {
  /** What the file is, for messages: "state file", "plan file". */
  readonly what: string;
  /** The format versions this starform reads. */
  readonly supported: readonly number[];
}

/**
 * Checks that a parsed file is an object carrying a supported `format_version`, and
 * returns it with that version. Anything else is a UserError that says what is wrong.
 */
export function checkFormatVersion(raw: JsonValue, file: string, check: FormatVersionCheck): { readonly object: JsonObject; readonly version: number } {
  const location = { file };
  const newest = Math.max(...check.supported);
  const version = isJsonObject(raw) ? raw['format_version'] : undefined;
  if (!isJsonObject(raw) || version === undefined) {
    throw new UserError(`not a starform ${check.what}: it has no "format_version"`, { location });
  }
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new UserError(`not a starform ${check.what}: "format_version" is ${JSON.stringify(version)}`, { location });
  }
  if (!check.supported.includes(version)) {
    const newer = version > newest;
    throw new UserError(
      `${check.what} format version ${version} is ${newer ? 'newer than this starform knows' : 'not supported'}; ` +
        `starform ${STARFORM_VERSION} reads format version ${check.supported.join(', ')}`,
      {
        location,
        hint: newer ? `It was written by a newer starform: use that version (or a later one) to read it.` : undefined,
      },
    );
  }
  return { object: raw, version };
}
