// Durable replacement of starform's own files (state, backup, blobs, plans, notes), made
// for the case where the disk fills up or the process dies half way.
//
// A new version is first *staged*: written in full to a fresh temporary file beside its
// target (created exclusively, 0600 or the target's own mode), fsynced, closed and read
// back to check that every byte arrived. Only then does anything replace the old
// version, by a rename, which needs no space and is atomic; the directory is fsynced so
// that the rename survives a power loss. A write that cannot complete (ENOSPC, EIO, a
// kill) therefore leaves the old file exactly as it was, plus at most a temporary file,
// which `removeLeftovers` (run under the state lock) deletes later.
//
// The backup of a state file is made with a hard link to the current file, never by
// copying it over the old backup: linking costs no space, so a full disk cannot
// truncate the backup, and the backup always is a complete earlier version.
import { randomBytes } from 'node:crypto';
import { link, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMP_INFIX = '.starform-tmp-';

/** The temporary name a staged version of `path` gets. */
function tempName(path: string): string {
  return join(dirname(path), `${basename(path)}${TEMP_INFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Whether `name` (a bare file name) is a temporary file staged for `target` (a bare file name). */
export function isLeftoverOf(target: string, name: string): boolean {
  return name.startsWith(`${target}${TEMP_INFIX}`);
}

/** A version of a file written in full beside it, not yet in its place. */
export interface Staged {
  readonly tempPath: string;
  readonly target: string;
  /** Puts the staged version in place of the target (rename + directory fsync). */
  commit(): Promise<void>;
  /** Removes the staged file; for when the write is abandoned. Never throws. */
  discard(): Promise<void>;
}

/**
 * Writes `data` as a staged version of `target` (see the file comment). The staged file
 * gets the target's permissions when the target exists, `createMode` otherwise, or
 * `forceMode` in either case (set exactly, whatever the umask). On any failure the
 * temporary file is removed and the error (with its errno code) is thrown.
 */
export async function stage(target: string, data: Uint8Array, createMode = 0o600, forceMode?: number): Promise<Staged> {
  const mode =
    forceMode ??
    (await stat(target).then(
      (s) => s.mode & 0o7777,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return createMode;
        throw err;
      },
    ));
  const tempPath = tempName(target);
  const discard = (): Promise<void> => rm(tempPath, { force: true }).catch(() => undefined);
  try {
    const handle = await open(tempPath, 'wx', mode);
    try {
      if (forceMode !== undefined) await handle.chmod(forceMode);
      let offset = 0;
      while (offset < data.byteLength) {
        const { bytesWritten } = await handle.write(data, offset, data.byteLength - offset);
        if (bytesWritten <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
        offset += bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    const back = await readBack(tempPath, data);
    if (back !== 'same') {
      throw Object.assign(new Error(`the file read back differs from what was written (${back} of ${data.byteLength} bytes)`), {
        code: 'EIO',
      });
    }
  } catch (err) {
    await discard();
    throw err;
  }
  return {
    tempPath,
    target,
    async commit(): Promise<void> {
      try {
        await rename(tempPath, target);
      } catch (err) {
        await discard();
        throw err;
      }
      await fsyncDirectory(dirname(target));
    },
    discard,
  };
}

const READ_BACK_CHUNK = 64 * 1024;

/**
 * Reads a file back in chunks and compares it with `data`: 'same', or how many bytes it
 * holds when it differs. A chunk at a time, so checking a large plan or state does not
 * hold a second copy of it.
 */
export async function readBack(path: string, data: Uint8Array): Promise<'same' | number> {
  const expected = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(Math.min(READ_BACK_CHUNK, Math.max(1, expected.byteLength + 1)));
    let offset = 0;
    let differs = false;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.byteLength, offset);
      if (bytesRead === 0) break;
      if (!differs && !chunk.subarray(0, bytesRead).equals(expected.subarray(offset, offset + bytesRead))) differs = true;
      offset += bytesRead;
    }
    return !differs && offset === expected.byteLength ? 'same' : offset;
  } finally {
    await handle.close();
  }
}

/** Writes `data` to `target` durably: stage, then commit. */
export async function durableWrite(target: string, data: Uint8Array, createMode = 0o600, forceMode?: number): Promise<void> {
  await (await stage(target, data, createMode, forceMode)).commit();
}

/**
 * Makes `backup` another name of the file `current` is now (a hard link: no copy, no
 * space), replacing the old backup in one rename. Where the file system has no hard links,
 * the backup is a staged copy of `bytes` (the current file's content) instead; that can
 * fail on a full disk, but then the old backup is still there.
 */
export async function linkBackup(current: string, backup: string, bytes: Uint8Array): Promise<void> {
  const temp = tempName(backup);
  try {
    await link(current, temp);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK' && code !== 'EXDEV' && code !== 'ENOSYS') throw err;
    await durableWrite(backup, bytes);
    return;
  }
  try {
    await rename(temp, backup);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDirectory(dirname(backup));
}

/** Removes the temporary files that writes of `targets` (all in one directory) killed midway left behind. */
export async function removeLeftovers(dir: string, targets: readonly string[]): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const bases = targets.map((t) => basename(t));
  for (const name of names) {
    if (bases.some((b) => isLeftoverOf(b, name))) await rm(join(dir, name), { force: true }).catch(() => undefined);
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw err;
  } finally {
    await handle?.close();
  }
}
