// The state lock: one writer per state file, across processes.
//
// The lock is the directory `<state>.lock`; proper-lockfile takes it and keeps its mtime
// fresh while it is held. Inside it, `info.json` says who holds it (id, pid, host, user,
// operation, time), so a second locker can name the holder. proper-lockfile is given a
// file system adapter that creates the directory with `info.json` already in it: it is
// assembled aside and renamed into place (a rename onto a directory with content fails,
// as mkdir fails on any directory; an existing lock is looked for first, so an empty one
// left by an older starform is respected, not replaced). A holder killed at any moment
// therefore never leaves a lock that says nothing. The adapter never empties a lock in
// place either: every removal (release, at exit, on a signal, a stale lock) renames the
// lock aside and checks what it moved before removing it, so no locker ever sees
// `<state>.lock` as an empty directory it could take, and a lock that was force-unlocked
// and taken by someone else is never removed by its old holder. What a locker killed
// half-way leaves beside the lock is swept by the next holder.
//
// A lock is stale, and is taken over, when its mtime has not been refreshed for `staleMs`
// (the holder died or hung, any host), or at once when its holder is on this host and its
// process no longer exists (its pid is gone, or now belongs to a process that started at
// another time than the one `info.json` records: pids are reused). `force-unlock` refuses
// a holder that still runs unless forced, and every state write checks `info.json` just
// before it lands, so a holder whose lock was removed stops at its next write. Breaking a stale lock renames it aside first and checks that the
// renamed lock is the one judged stale, so two processes breaking the same dead lock
// cannot remove a third one's fresh lock.
//
// A second locker fails at once with a StateLockedError naming the holder, or retries
// until `timeoutMs` has passed. Held locks are removed when the process exits, and on
// SIGINT, SIGTERM and SIGHUP the lock is removed and the signal raised again so that the
// process still dies of it; a caller that handles signals itself (to finish a step before
// stopping) passes `releaseOnSignal: false` and releases the lock itself.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { readFile, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import { UserError } from '../util/errors.js';
import { ioError } from '../util/files.js';
import { STARFORM_VERSION } from '../util/package-info.js';

/** Who holds a lock, as written in `<state>.lock/info.json`. */
export interface LockInfo {
  /** Random id; `forceUnlock` needs it. */
  readonly id: string;
  /** What the holder is doing: "apply", "plan", "state rm"... */
  readonly operation: string;
  readonly user: string;
  readonly host: string;
  readonly pid: number;
  /** When the lock was taken (ISO 8601). */
  readonly created: string;
  readonly starformVersion: string;
  /** The state file it locks (absolute). */
  readonly path: string;
  /**
   * When the holding process started, as `<boot id>:<start time in clock ticks>` (Linux),
   * so that a new process that got the holder's pid is not taken for the holder. Absent
   * where the system does not say (and in locks of older starforms).
   */
  readonly processStart?: string;
}

export interface LockOptions {
  readonly operation: string;
  /** How long to retry while another process holds the lock; 0 (default) fails at once. */
  readonly timeoutMs?: number;
  /** A lock whose holder has not refreshed it for this long is stale (default 30 s, at least 2 s). */
  readonly staleMs?: number;
  /** Remove the lock on SIGINT/SIGTERM/SIGHUP and re-raise the signal (default true). */
  readonly releaseOnSignal?: boolean;
}

export interface StateLock {
  /** The absolute path of the locked state file. */
  readonly statePath: string;
  readonly info: LockInfo;
  /** Set when the lock was lost while held (removed or taken over by someone else). */
  readonly compromised: Error | null;
  readonly released: boolean;
  /**
   * Throws unless this lock is held, intact, and locks `statePath` (already resolved).
   * Looks at the lock directory on disk, so a lock removed by `force-unlock --force` or
   * taken over is noticed at once, not at the next refresh of its mtime.
   */
  assertHolds(statePath: string): void;
  /** Removes the lock; a second call does nothing. */
  release(): Promise<void>;
}

/** The state is locked by someone else. */
export class StateLockedError extends UserError {
  constructor(
    statePath: string,
    readonly holder: LockInfo | null,
    timeoutMs: number,
  ) {
    const waited = timeoutMs > 0 ? ` (waited ${formatDuration(timeoutMs)})` : '';
    const who = holder
      ? [
          `  Lock ID:   ${holder.id}`,
          `  Operation: ${holder.operation}`,
          `  Who:       ${holder.user}@${holder.host} (pid ${holder.pid}, starform ${holder.starformVersion})`,
          `  Since:     ${holder.created}`,
        ].join('\n')
      : `  (the lock at ${lockPath(statePath)} carries no readable information)`;
    super(`the state is locked by another operation${waited}:\n${who}`, {
      location: { file: statePath },
      hint: holder
        ? `Wait for it to finish or give a lock timeout. If it is no longer running, force-unlock the state with lock ID ${holder.id}.`
        : `If no starform is running on this state, remove ${lockPath(statePath)}.`,
    });
    this.name = 'StateLockedError';
  }
}

const INFO_FILE = 'info.json';
const DEFAULT_STALE_MS = 30_000;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The lock directory of a state file. */
export function lockPath(statePath: string): string {
  return `${statePath}.lock`;
}

/**
 * The absolute path of a state file with its directory's symbolic links resolved, so that
 * two spellings of one file share one lock. The file itself need not exist.
 */
export async function resolveStatePath(statePath: string): Promise<string> {
  const abs = resolve(statePath);
  try {
    return join(await realpath(dirname(abs)), basename(abs));
  } catch (err) {
    throw ioError(err, abs, 'cannot use the directory of the state file');
  }
}

class HeldLock implements StateLock {
  compromised: Error | null = null;
  released = false;

  constructor(
    readonly statePath: string,
    readonly info: LockInfo,
    readonly releaseOnSignal: boolean,
  ) {}

  assertHolds(statePath: string): void {
    const location = { file: statePath };
    if (statePath !== this.statePath) {
      throw new Error(`state lock mix-up: holding ${this.statePath}, asked about ${statePath}`);
    }
    if (this.released) throw new UserError('the state lock was already released; not writing the state', { location });
    if (!this.compromised && !isOwnLock(lockPath(this.statePath), this.info.id)) {
      this.compromised = new Error('it was removed or taken over by another process');
    }
    if (this.compromised) {
      throw new UserError(`the state lock was lost (${this.compromised.message}); not writing the state`, {
        location,
        hint: 'Another process may have force-unlocked or taken over the state. Check the state before running again.',
      });
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    forget(this);
    try {
      await lockfile.unlock(this.statePath, { realpath: false, fs: releasingFileSystem(this.info.id) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOTACQUIRED') throw err;
    }
  }

  /** `release` for the exit and signal paths, where nothing asynchronous runs any more. */
  releaseSync(): void {
    if (this.released) return;
    this.released = true;
    try {
      lockfile.unlockSync(this.statePath, { realpath: false, fs: releasingFileSystem(this.info.id) });
    } catch {
      // lost already (compromised): nothing of ours to remove
    }
  }
}

const held = new Set<HeldLock>();
let exitHookInstalled = false;
let signalHooksInstalled = false;

function onExit(): void {
  for (const lock of held) lock.releaseSync();
  held.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  for (const lock of [...held]) {
    if (lock.releaseOnSignal) {
      lock.releaseSync();
      held.delete(lock);
    }
  }
  updateHooks();
  process.kill(process.pid, signal);
}

/** Exit hook while any lock is held; signal hooks while one wants releasing on signals. */
function updateHooks(): void {
  const wantExit = held.size > 0;
  const wantSignals = [...held].some((l) => l.releaseOnSignal);
  if (wantExit !== exitHookInstalled) {
    if (wantExit) process.on('exit', onExit);
    else process.removeListener('exit', onExit);
    exitHookInstalled = wantExit;
  }
  if (wantSignals !== signalHooksInstalled) {
    for (const s of SIGNALS) {
      if (wantSignals) process.on(s, onSignal);
      else process.removeListener(s, onSignal);
    }
    signalHooksInstalled = wantSignals;
  }
}

function forget(lock: HeldLock): void {
  held.delete(lock);
  updateHooks();
}

/** Whether the lock directory `dir` is the lock with this id. */
function isOwnLock(dir: string, id: string): boolean {
  try {
    return parseLockInfo(fs.readFileSync(join(dir, INFO_FILE), 'utf8'))?.id === id;
  } catch {
    return false;
  }
}

/**
 * The file system adapter proper-lockfile locks with (see the file comment). Creating the
 * lock directory builds it aside (`<lock>.pending-<id>`, with `info.json` written) and
 * renames it into place, so a lock directory never exists without its holder's
 * information, even when the holder is killed half-way (a lock without information would
 * block every later locker until it went stale). The rename fails on a lock directory with
 * content, as mkdir fails on any; an existing one is looked for first, so that an empty
 * one (an older starform between its mkdir and its write) is not replaced but respected
 * until it goes stale. Removing a lock (a stale one, or ours after a failed attempt)
 * renames it aside first (`removeLockDir`); a moved lock that was refreshed within
 * `staleMs` is not the stale one proper-lockfile judged, and goes back.
 */
function lockingFileSystem(infoText: string, id: string, staleMs: number): object {
  const stillFresh = (moved: string): boolean => {
    if (isOwnLock(moved, id)) return false;
    try {
      return Date.now() - fs.statSync(moved).mtimeMs < staleMs;
    } catch {
      return false;
    }
  };
  return {
    ...fs,
    mkdir(path: string, callback: (err: NodeJS.ErrnoException | null) => void): void {
      const held = (): NodeJS.ErrnoException => Object.assign(new Error(`lock ${path} exists`), { code: 'EEXIST' });
      fs.lstat(path, (lstatErr) => {
        if (!lstatErr) return callback(held());
        if (lstatErr.code !== 'ENOENT') return callback(lstatErr);
        const pending = aside(path, PENDING_MARK, id);
        const fail = (err: NodeJS.ErrnoException): void => fs.rm(pending, { recursive: true, force: true }, () => callback(err));
        fs.mkdir(pending, (err) => {
          if (err) return callback(err);
          fs.writeFile(join(pending, INFO_FILE), infoText, (writeErr) => {
            if (writeErr) return fail(writeErr);
            fs.rename(pending, path, (renameErr) => {
              if (!renameErr) return callback(null);
              // A lock is there: report it the way mkdir does, which proper-lockfile expects.
              fail(renameErr.code === 'ENOTEMPTY' || renameErr.code === 'EEXIST' ? held() : renameErr);
            });
          });
        });
      });
    },
    rmdir(path: string, callback: (err: NodeJS.ErrnoException | null) => void): void {
      removeLockDir(path, stillFresh).then(
        () => callback(null),
        (err: NodeJS.ErrnoException) => callback(err),
      );
    },
    rmdirSync(path: string): void {
      if (isOwnLock(path, id)) removeLockDirSync(path, (moved) => !isOwnLock(moved, id));
    },
  };
}

const PENDING_MARK = '.pending-';
const REMOVED_MARK = '.removed-';
const BROKEN_MARK = '.broken-';

/** A directory beside the lock `dir`: `<lock><mark><id>`. */
function aside(dir: string, mark: string, id: string): string {
  return `${dir}${mark}${id}`;
}

/**
 * Removes the lock directory `dir` without ever emptying it in place: it is renamed aside
 * (atomically) and only the renamed copy is emptied and removed, so no locker ever finds
 * `<lock>` as an empty directory, nor has its new lock removed by a removal that was
 * under way. When `keep` says the moved directory is not the lock meant, it is renamed
 * back. Nothing there: nothing to do.
 */
async function removeLockDir(dir: string, keep: (moved: string) => boolean): Promise<void> {
  const moved = aside(dir, REMOVED_MARK, randomUUID());
  try {
    await rename(dir, moved);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (keep(moved)) await rename(moved, dir).catch(() => undefined);
  else await rm(moved, { recursive: true, force: true });
}

/** `removeLockDir` for the exit and signal paths. */
function removeLockDirSync(dir: string, keep: (moved: string) => boolean): void {
  const moved = aside(dir, REMOVED_MARK, randomUUID());
  try {
    fs.renameSync(dir, moved);
  } catch {
    return;
  }
  if (keep(moved)) {
    try {
      fs.renameSync(moved, dir);
    } catch {
      // someone took the lock meanwhile: what was moved is theirs to have lost
    }
  } else fs.rmSync(moved, { recursive: true, force: true });
}

/** How long a directory beside the lock must have been left alone before the sweep removes it. */
const ABANDONED_MS = 60_000;

/**
 * Removes what lockers of this state killed half-way left beside the lock: directories
 * being assembled (`.pending-`) and being removed (`.removed-`, `.broken-`). One goes
 * when the holder it names is gone (a process of this host that no longer runs), or once
 * it is a minute old whoever wrote it: a directory being assembled exists only between a
 * mkdir and a rename, one being removed only while its remover checks what it moved (a
 * live holder's lock moved by mistake goes back within that time). Called while holding
 * the lock.
 */
async function sweepLeftovers(path: string): Promise<void> {
  const dir = dirname(path);
  const base = basename(lockPath(path));
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => [PENDING_MARK, REMOVED_MARK, BROKEN_MARK].some((m) => n.startsWith(base + m)));
  } catch {
    return;
  }
  for (const name of names) {
    const leftover = join(dir, name);
    const age = await stat(leftover).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    let abandoned = age > ABANDONED_MS;
    if (!abandoned) {
      const info = await readFile(join(leftover, INFO_FILE), 'utf8').then(parseLockInfo, () => null);
      abandoned = info !== null && holderIsGone(info);
    }
    if (abandoned) await rm(leftover, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The adapter releasing lock `id` unlocks with: it removes only a directory that is still that lock. */
function releasingFileSystem(id: string): object {
  const notOurs = (moved: string): boolean => !isOwnLock(moved, id);
  return {
    ...fs,
    rmdir(path: string, callback: (err: NodeJS.ErrnoException | null) => void): void {
      if (!isOwnLock(path, id)) return callback(null);
      removeLockDir(path, notOurs).then(
        () => callback(null),
        (err: NodeJS.ErrnoException) => callback(err),
      );
    },
    rmdirSync(path: string): void {
      if (isOwnLock(path, id)) removeLockDirSync(path, notOurs);
    },
  };
}

/** Takes the lock of a state file (which need not exist yet). */
export async function lockState(statePath: string, options: LockOptions): Promise<StateLock> {
  const path = await resolveStatePath(statePath);
  const timeoutMs = Math.max(0, options.timeoutMs ?? 0);
  const staleMs = Math.max(2000, options.staleMs ?? DEFAULT_STALE_MS);
  const info: LockInfo = {
    id: randomUUID(),
    operation: options.operation,
    user: currentUser(),
    host: hostname(),
    pid: process.pid,
    created: new Date().toISOString(),
    starformVersion: STARFORM_VERSION,
    path,
    ...processStartField(process.pid),
  };
  const started = Date.now();
  let lock: HeldLock | undefined;
  const onCompromised = (err: Error): void => {
    if (lock) lock.compromised = err;
  };
  for (;;) {
    try {
      await lockfile.lock(path, {
        realpath: false,
        stale: staleMs,
        retries: 0,
        fs: lockingFileSystem(JSON.stringify(info, null, 2) + '\n', info.id, staleMs),
        onCompromised,
      });
      lock = new HeldLock(path, info, options.releaseOnSignal ?? true);
      held.add(lock);
      updateHooks();
      await sweepLeftovers(path);
      return lock;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') {
        throw ioError(err, lockPath(path), 'cannot take the state lock');
      }
    }
    const holder = await readLockInfo(path);
    if (holder && holderIsGone(holder) && (await breakLock(path, holder.id))) continue;
    const waited = Date.now() - started;
    if (waited >= timeoutMs) throw new StateLockedError(path, holder, timeoutMs);
    await sleep(Math.min(250, timeoutMs - waited));
  }
}

/** Runs `fn` holding the lock, and releases it however `fn` ends. */
export async function withStateLock<T>(statePath: string, options: LockOptions, fn: (lock: StateLock) => Promise<T>): Promise<T> {
  const lock = await lockState(statePath, options);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}

/** Who holds the lock of a state file; null when it is not locked (or says nothing). */
export async function readLockInfo(statePath: string): Promise<LockInfo | null> {
  const file = join(lockPath(await resolveStatePath(statePath)), INFO_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const info = parseLockInfo(await readFile(file, 'utf8'));
      if (info) return info;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== undefined) return null;
    }
    // An older starform's holder may be between creating the directory and writing into it.
    if (!fs.existsSync(dirname(file))) return null;
    await sleep(20);
  }
  return null;
}

export interface ForceUnlockOptions {
  /** Remove the lock even though its holder is still running (it then stops at its next state write). */
  readonly force?: boolean;
}

/**
 * Removes the lock of a state file if its id is `id`: for a lock left behind by a process
 * that cannot release it any more. A holder that still runs on this host (its pid exists
 * and started when the lock says), or one elsewhere whose lock is still being refreshed,
 * is refused unless `force`: it would go on working on a state someone else may now
 * take. Returns the removed lock's information.
 */
export async function forceUnlock(statePath: string, id: string, options: ForceUnlockOptions = {}): Promise<LockInfo> {
  const path = await resolveStatePath(statePath);
  const location = { file: path };
  const holder = await readLockInfo(path);
  if (!holder) {
    if (!fs.existsSync(lockPath(path))) throw new UserError('the state is not locked', { location });
    throw new UserError(`the lock at ${lockPath(path)} carries no readable information; remove it by hand`, {
      location,
    });
  }
  if (holder.id !== id) {
    throw new UserError(`lock ID ${id} does not match the lock held: ${holder.id} (${holder.operation} by ${holder.user}@${holder.host}, pid ${holder.pid})`, {
      location,
    });
  }
  if (options.force !== true) {
    const who = `${holder.operation} by ${holder.user}@${holder.host} (pid ${holder.pid}, since ${holder.created})`;
    const liveness = holderLiveness(holder);
    const hint =
      'Removing the lock of a running holder lets another operation work on the same state at the same time. ' +
      'Stop the holder (or let it finish) first; to remove the lock anyway, pass --force: the holder then stops at its next state write.';
    if (liveness === 'alive') {
      throw new UserError(`the lock's holder is still running: ${who}; not removing its lock`, { location, hint });
    }
    if (liveness === 'elsewhere') {
      const age = lockAgeMs(path);
      if (age !== null && age < DEFAULT_STALE_MS) {
        throw new UserError(
          `the lock's holder on another host seems to be running: ${who}; its lock was refreshed ${formatDuration(Math.max(0, Math.round(age)))} ago; not removing it`,
          { location, hint },
        );
      }
    }
  }
  if (!(await breakLock(path, id))) throw new UserError('the state is not locked', { location });
  return holder;
}

/**
 * Removes the lock directory if it still is lock `id`: renames it aside, then checks which
 * lock it moved. Returns false when there was no lock to remove.
 */
async function breakLock(path: string, id: string): Promise<boolean> {
  const dir = lockPath(path);
  const moved = aside(dir, BROKEN_MARK, randomUUID());
  try {
    await rename(dir, moved);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw ioError(err, dir, 'cannot remove the stale state lock');
  }
  let info: LockInfo | null = null;
  try {
    info = parseLockInfo(await readFile(join(moved, INFO_FILE), 'utf8'));
  } catch {
    // unreadable: treated as not the lock we meant
  }
  if (info?.id !== id) {
    await rename(moved, dir).catch(() => undefined);
    return true;
  }
  await rm(moved, { recursive: true, force: true });
  return true;
}

function parseLockInfo(text: string): LockInfo | null {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  const strings = ['id', 'operation', 'user', 'host', 'created', 'starformVersion', 'path'] as const;
  if (typeof v !== 'object' || v === null || typeof v['pid'] !== 'number') return null;
  if (!strings.every((k) => typeof v[k] === 'string')) return null;
  if (v['processStart'] !== undefined && typeof v['processStart'] !== 'string') return null;
  return v as unknown as LockInfo;
}

/** The holder is a process of this host that no longer exists. */
function holderIsGone(info: LockInfo): boolean {
  return holderLiveness(info) === 'gone';
}

/**
 * Whether a lock's holder runs: 'alive' or 'gone' for a holder on this host (a pid that
 * exists but started at another time than the lock records is another process: gone),
 * 'elsewhere' for one on another host, whose processes cannot be looked at.
 */
function holderLiveness(info: LockInfo): 'alive' | 'gone' | 'elsewhere' {
  if (info.host !== hostname()) return 'elsewhere';
  if (info.pid === process.pid) return info.processStart === undefined || info.processStart === processStart(info.pid) ? 'alive' : 'gone';
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
    // EPERM: the process exists, it belongs to someone else
  }
  if (info.processStart !== undefined) {
    const now = processStart(info.pid);
    if (now !== null && now !== info.processStart) return 'gone';
  }
  return 'alive';
}

/** Milliseconds since the lock directory's mtime was last refreshed; null without a lock. */
function lockAgeMs(path: string): number | null {
  try {
    return Date.now() - fs.statSync(lockPath(path)).mtimeMs;
  } catch {
    return null;
  }
}

let bootId: string | null | undefined;

/** A process's start as `<boot id>:<start time in clock ticks>` (from /proc); null where unknown. */
function processStart(pid: number): string | null {
  try {
    bootId ??= fs.readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // pid (comm) state ppid ...: the command may contain spaces and parentheses, so
    // count from the last ')'; the start time is the 22nd field.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[22 - 3];
    return bootId && start && /^\d+$/.test(start) ? `${bootId}:${start}` : null;
  } catch {
    bootId ??= null;
    return null;
  }
}

function processStartField(pid: number): { processStart?: string } {
  const start = processStart(pid);
  return start === null ? {} : { processStart: start };
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? `uid ${process.getuid?.() ?? '?'}`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
