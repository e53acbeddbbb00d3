// The state file on disk: reading any known format version, writing the current one.
//
// Reading never repairs: a missing file is the empty state (lineage null, serial 0: no
// lineage is invented, see model.ts), and anything that is not a valid state file is a
// UserError naming the file and the problem; nothing ever writes over such a file.
//
// Writing takes the held StateLock as proof of ownership and, before touching anything,
// reads the file again: it must be the state the caller started from (same lineage, same
// serial), otherwise some other writer got in between and the write is refused rather than
// losing its changes. The new state (serial + 1, lineage assigned on the first write and
// never changed after) is validated against the schema and staged in full beside the file
// (lib/util/durable-write.ts); only then does the current file become `<file>.backup` (a
// hard link) and the new one take its place (a rename), so a full disk or a crash never
// leaves either file truncated. New state files are created readable by their owner
// only: service configurations can hold secrets.
//
// The file text is deterministic: sorted keys, two-space indent, no timestamps.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError, bulletList } from '../util/errors.js';
import { atomicWriteFile, checkFormatVersion, decodeText, ioError, readFileIfExists } from '../util/files.js';
import { sha256Hex } from '../util/hash.js';
import { formatJson, parseJson } from '../util/json.js';
import { STARFORM_VERSION } from '../util/package-info.js';
import { openBytes, sealBytes, type Encryption } from '../util/envelope.js';
import { linkBackup, removeLeftovers, stage, type Staged } from '../util/durable-write.js';
import { resolveStatePath, type StateLock } from './lock.js';
import { emptyState, withLineage, type State } from './model.js';
import * as v1 from './statefile-v1.js';

export const DEFAULT_STATE_FILE = 'starform.state.json';

/** The format version this starform writes. */
export const STATE_FORMAT_VERSION = v1.FORMAT_VERSION;

const WHAT = 'state file';

/** Where the previous version of a state file is kept. */
export function backupPath(statePath: string): string {
  return `${statePath}.backup`;
}

/**
 * Where starform notes the sha256 of the state file as it last wrote it, and its own
 * version. A file that still has exactly those bytes had every record's hash checked by
 * this starform before it was written, so reading it skips recomputing them (the larger
 * part of reading a large state). The schema and the structural checks run on every read
 * all the same: the note is no key, and whoever can edit the state file can rewrite the
 * note too, so it must never let an invalid file through; what it skips (hashes that
 * match their records) is what such a writer could recompute anyway. A file edited since,
 * a missing or stale note, or a note of another starform version means every check.
 */
export function writtenDigestPath(statePath: string): string {
  return join(`${statePath}.d`, 'state-file.sha256');
}

/**
 * Parses the text of a state file; `file` is named in errors. `checked`: the text is
 * byte for byte what starform wrote (see writtenDigestPath), so its records need no
 * second check.
 */
export function parseState(text: string, file: string, options: { checked?: boolean } = {}): State {
  const { object } = checkFormatVersion(parseJson(text, file), file, { what: WHAT, supported: [v1.FORMAT_VERSION] });
  const problems = v1.check(object, { hashes: options.checked !== true });
  if (problems.length > 0) {
    const backup = backupPath(file);
    throw new UserError(`not a valid state file (format version ${v1.FORMAT_VERSION}):\n${bulletList(problems)}`, {
      location: { file },
      hint: existsSync(backup)
        ? `If it was edited by hand, correct it, or restore the previous version from ${backup}.`
        : 'If it was edited by hand, correct it.',
    });
  }
  return v1.decode(object);
}

/** The file text of a state; deterministic. The state must have a lineage. */
export function serializeState(state: State, starformVersion: string = STARFORM_VERSION): string {
  const raw = v1.encode(state, starformVersion);
  const problems = v1.check(raw);
  if (problems.length > 0) throw new Error(`refusing to write an invalid state:\n${bulletList(problems)}`);
  return formatJson(raw, { leadingKeys: v1.LEADING_KEYS });
}

/**
 * Reads a state file; a missing file is the empty state. With `encryption`, the file is
 * an envelope (lib/util/envelope.ts) and is decrypted first; without, an envelope is refused.
 */
export async function readState(path: string, encryption?: Encryption): Promise<State> {
  const bytes = await readFileIfExists(path, WHAT);
  return bytes === null ? emptyState() : parseStateFile(path, bytes, encryption);
}

/** A state file's bytes as a State, checked unless they are what this starform wrote. */
async function parseStateFile(path: string, bytes: Buffer, encryption: Encryption | undefined): Promise<State> {
  const plain = await openBytes(encryption, bytes, path, WHAT);
  return parseState(decodeText(plain), path, { checked: isAsWritten(path, bytes) });
}

/** The note's text: the file's digest and the starform that checked it (a newer one checks again). */
function writtenNote(digestHex: string): string {
  return `${digestHex} starform ${STARFORM_VERSION}\n`;
}

function isAsWritten(path: string, bytes: Buffer): boolean {
  try {
    return readFileSync(writtenDigestPath(path), 'latin1') === writtenNote(sha256Hex(bytes));
  } catch {
    return false;
  }
}

/** Notes the digest of the state file just written; best effort (without it, reads check everything). */
async function noteWritten(path: string, text: string | Uint8Array): Promise<void> {
  try {
    await mkdir(`${path}.d`, { recursive: true, mode: 0o700 });
    await atomicWriteFile(writtenDigestPath(path), writtenNote(sha256Hex(text)), { createMode: 0o600 });
  } catch {
    // A stale or missing note only costs the next read its checks.
  }
}

export interface WriteStateOptions {
  /** Seal the file in an envelope with this encryption (lib/util/envelope.ts). */
  readonly encryption?: Encryption;
  /** The serial to write instead of serial + 1 (migrating a state keeps its serial); above the current one. */
  readonly serial?: number;
  /** `state push --force` of another state's file: the lineage changes with it. */
  readonly replacingLineage?: boolean;
}

/**
 * What this process last wrote at each state file: a write that finds exactly those bytes
 * there again knows their lineage and serial without parsing and checking them (an apply
 * writes the state after every step).
 */
const lastWritten = new Map<string, { readonly bytes: Uint8Array; readonly lineage: string | null; readonly serial: number }>();

/** Locks whose state file's directory was cleared of temporary files a killed write left. */
const swept = new WeakSet<StateLock>();

/**
 * Writes `state` as the next version of the state file at `path`, holding `lock`.
 * `state` must descend from what the file holds now (same lineage and serial). Returns
 * the state as written: serial + 1, lineage set. `replacingLineage` (only `state push
 * --force`) lets `state` carry another lineage than the file's.
 *
 * The new text is staged in full (written, fsynced, read back) before anything else
 * changes; only then does the current file become the backup (a hard link, see
 * lib/util/durable-write.ts) and the new one take its place (a rename). The lock is
 * checked on disk once more just before that, so a holder whose lock was removed never
 * lands a write. A write that fails (a full disk above all) leaves the state file and its
 * backup as they were, and says so.
 */
export async function writeState(path: string, state: State, lock: StateLock, options: WriteStateOptions = {}): Promise<State> {
  const file = await resolveStatePath(path);
  lock.assertHolds(file);
  const location = { file };
  const currentBytes = await readFileIfExists(file, WHAT);
  const remembered = lastWritten.get(file);
  const current =
    currentBytes === null
      ? null
      : remembered !== undefined && Buffer.compare(remembered.bytes, currentBytes) === 0
        ? remembered
        : await parseStateFile(file, currentBytes, options.encryption);
  if (current === null) {
    if (state.serial !== 0) {
      throw new UserError(`the state file has disappeared since serial ${state.serial} was read; not writing`, {
        location,
        hint: existsSync(backupPath(file)) ? `Restore it from ${backupPath(file)} if that was not intended.` : undefined,
      });
    }
  } else if (state.lineage !== current.lineage && options.replacingLineage !== true) {
    throw new UserError(
      state.lineage === null
        ? `a state file was created by someone else since this operation started (lineage ${current.lineage}); not writing`
        : `the state file belongs to another state (lineage ${current.lineage}, not ${state.lineage}); not writing`,
      { location },
    );
  } else if (state.serial !== current.serial) {
    throw new UserError(`the state file changed while this operation ran (serial ${current.serial} on disk, ${state.serial} expected); not writing`, {
      location,
      hint: 'Was it written by something that did not take the state lock?',
    });
  }
  if (state.serial >= Number.MAX_SAFE_INTEGER) {
    throw new UserError(`the state's serial ${state.serial} cannot grow any further as an exact integer; not writing`, { location });
  }
  if (options.serial !== undefined && !(Number.isSafeInteger(options.serial) && options.serial > state.serial)) {
    throw new Error(`cannot write serial ${options.serial} over serial ${state.serial}`);
  }
  const next: State = { ...withLineage(state), serial: options.serial ?? state.serial + 1 };
  const text = await sealBytes(options.encryption, Buffer.from(serializeState(next), 'utf8'));
  if (!swept.has(lock)) {
    swept.add(lock);
    await removeLeftovers(dirname(file), [file, backupPath(file)]);
  }
  const unchanged = current === null ? 'No state file was written.' : `The state file (serial ${current.serial}) and its backup are unchanged.`;
  let staged: Staged;
  try {
    staged = await stage(file, text);
  } catch (err) {
    throw writeFailure(err, file, unchanged);
  }
  let rotated = false;
  try {
    lock.assertHolds(file);
    if (currentBytes !== null) await linkBackup(file, backupPath(file), currentBytes);
    rotated = currentBytes !== null;
    lock.assertHolds(file);
    await staged.commit();
  } catch (err) {
    await staged.discard();
    if (err instanceof UserError) throw err;
    throw writeFailure(err, file, rotated ? `The state file (serial ${current!.serial}) is unchanged; its backup is now the same version.` : unchanged);
  }
  lastWritten.set(file, { bytes: text, lineage: next.lineage, serial: next.serial });
  await noteWritten(file, text);
  return next;
}

/** The UserError for a failed write, saying what was left as it was. */
function writeFailure(err: unknown, file: string, unchanged: string): UserError {
  const base = ioError(err, file, 'cannot write the state file');
  const full = (err as NodeJS.ErrnoException).code === 'ENOSPC' || (err as NodeJS.ErrnoException).code === 'EDQUOT';
  return new UserError(full ? 'cannot write the state file: the disk is full (no space left on the device)' : base.detail, {
    location: { file },
    hint: `${unchanged}${full ? ' Free some space on that file system, then run the command again.' : ''}`,
    cause: err,
  });
}
