import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { StateLockedError, forceUnlock, lockPath, lockState, readLockInfo, resolveStatePath, withStateLock, type LockInfo } from '../../lib/state/lock.js';
import { readState } from '../../lib/state/statefile.js';
import { UserError } from '../../lib/util/errors.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';

const CHILD = fileURLToPath(new URL('./helpers/lock-child.js', import.meta.url));
const WRITE_LOOP = fileURLToPath(new URL('./helpers/write-loop-child.js', import.meta.url));

interface Child {
  readonly proc: ChildProcessWithoutNullStreams;
  /** Resolves with the first line the child prints. */
  readonly firstLine: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startChild(statePath: string, mode: string, timeoutMs = 0): Child {
  const proc = spawn(process.execPath, [CHILD, statePath, mode, String(timeoutMs)]);
  let out = '';
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const firstLine = new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve(out.slice(0, nl));
    });
    proc.on('exit', () => reject(new Error(`child exited before saying anything: ${err}`)));
  });
  firstLine.catch(() => undefined);
  const exited = once(proc, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  return { proc, firstLine, exited };
}

async function holdInChild(statePath: string): Promise<{ child: Child; id: string }> {
  const child = startChild(statePath, 'hold');
  const line = await child.firstLine;
  assert.match(line, /^locked /);
  return { child, id: line.slice('locked '.length) };
}

describe('state/lock', function () {
  this.timeout(30_000);
  let statePath: string;
  const children: Child[] = [];

  beforeEach(async () => {
    statePath = await resolveStatePath(join(tempDir(), 'starform.state.json'));
  });

  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      await c.exited;
    }
    cleanupTempDirs();
  });

  const hold = async (): Promise<{ child: Child; id: string }> => {
    const held = await holdInChild(statePath);
    children.push(held.child);
    return held;
  };

  /** A lock left by a holder killed with SIGKILL (its exit hooks never ran); its info. */
  const holdAndKill = async (): Promise<LockInfo> => {
    const { child } = await hold();
    const info = await readLockInfo(statePath);
    child.proc.kill('SIGKILL');
    await child.exited;
    assert.ok(info && existsSync(lockPath(statePath)));
    return info;
  };

  it('records who holds the lock, and removes it on release', async () => {
    const lock = await lockState(statePath, { operation: 'apply' });
    const info = await readLockInfo(statePath);
    assert.deepEqual(info, lock.info);
    assert.equal(info?.pid, process.pid);
    assert.equal(info?.host, hostname());
    assert.equal(info?.operation, 'apply');
    await lock.release();
    await lock.release();
    assert.equal(existsSync(lockPath(statePath)), false);
    assert.equal(await readLockInfo(statePath), null);
  });

  it('refuses a second locker in the same process', async () => {
    await withStateLock(statePath, { operation: 'apply' }, async () => {
      await assert.rejects(lockState(statePath, { operation: 'plan' }), StateLockedError);
    });
    assert.equal(existsSync(lockPath(statePath)), false);
  });

  it('makes a second process fail at once, naming the holder', async () => {
    const lock = await lockState(statePath, { operation: 'apply' });
    const started = Date.now();
    const child = startChild(statePath, 'try');
    children.push(child);
    const line = await child.firstLine;
    assert.ok(Date.now() - started < 5000);
    assert.match(line, /^refused /);
    const message = JSON.parse(line.slice('refused '.length)) as string;
    assert.match(message, new RegExp(`state is locked by another operation:\\n  Lock ID:   ${lock.info.id}\\n  Operation: apply\\n`));
    assert.match(message, new RegExp(`Who: .*@${hostname()} \\(pid ${process.pid},`));
    await lock.release();
  });

  it('fails at once in this process while another process holds the lock', async () => {
    const { id, child } = await hold();
    const started = Date.now();
    const err = await lockState(statePath, { operation: 'apply' }).catch((e: unknown) => e);
    assert.ok(Date.now() - started < 1000, 'did not fail at once');
    assert.ok(err instanceof StateLockedError);
    assert.equal(err.holder?.id, id);
    assert.equal(err.holder?.pid, child.proc.pid);
    assert.equal(err.holder?.operation, 'test-hold');
    assert.match(err.message, /force-unlock the state with lock ID/);
  });

  it('waits for the lock when given a timeout', async () => {
    const { child } = await hold();
    setTimeout(() => child.proc.stdin.end(), 700);
    const started = Date.now();
    const lock = await lockState(statePath, { operation: 'apply', timeoutMs: 10_000 });
    assert.ok(Date.now() - started >= 500);
    await lock.release();
  });

  it('gives up when the timeout passes', async () => {
    await hold();
    const started = Date.now();
    await assert.rejects(lockState(statePath, { operation: 'apply', timeoutMs: 600 }), /locked by another operation \(waited/);
    assert.ok(Date.now() - started >= 600);
  });

  it('force-unlocks only with the right id', async () => {
    const { id } = await hold();
    await assert.rejects(forceUnlock(statePath, 'wrong-id'), new RegExp(`lock ID wrong-id does not match the lock held: ${id}`));
    const removed = await forceUnlock(statePath, id, { force: true });
    assert.equal(removed.id, id);
    const lock = await lockState(statePath, { operation: 'apply' });
    await lock.release();
    await assert.rejects(forceUnlock(statePath, id), /the state is not locked/);
  });

  it('marks a lock that was force-unlocked as lost', async () => {
    const lock = await lockState(statePath, { operation: 'apply', staleMs: 2000 });
    await forceUnlock(statePath, lock.info.id, { force: true });
    for (let waited = 0; !lock.compromised && waited < 10_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(lock.compromised);
    assert.throws(() => lock.assertHolds(statePath), /state lock was lost/);
    await lock.release();
  });

  it('never lets an old holder remove a lock that was force-unlocked and taken by another', async () => {
    const { child, id } = await hold();
    await forceUnlock(statePath, id, { force: true });
    const lock = await lockState(statePath, { operation: 'apply' });
    child.proc.stdin.end();
    assert.deepEqual(await child.exited, { code: 0, signal: null });
    assert.equal((await readLockInfo(statePath))?.id, lock.info.id);
    await lock.release();
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`releases the lock when the holder gets ${signal}`, async () => {
      const { child } = await hold();
      child.proc.kill(signal);
      const { signal: died } = await child.exited;
      assert.equal(died, signal);
      assert.equal(existsSync(lockPath(statePath)), false);
    });
  }

  it('releases the lock when the holder exits without releasing it', async () => {
    const child = startChild(statePath, 'exit');
    children.push(child);
    assert.match(await child.firstLine, /^locked /);
    assert.deepEqual(await child.exited, { code: 0, signal: null });
    assert.equal(existsSync(lockPath(statePath)), false);
  });

  it('takes over at once a lock whose holder on this host was killed', async () => {
    const { child, id } = await hold();
    child.proc.kill('SIGKILL');
    await child.exited;
    assert.equal((await readLockInfo(statePath))?.id, id);
    const started = Date.now();
    const lock = await lockState(statePath, { operation: 'apply' });
    assert.ok(Date.now() - started < 1000);
    assert.notEqual(lock.info.id, id);
    await lock.release();
  });

  describe('a lock held from another host', () => {
    const plant = (ageMs: number): void => {
      const dir = lockPath(statePath);
      mkdirSync(dir);
      const info = {
        id: 'remote',
        operation: 'apply',
        user: 'ci',
        host: 'elsewhere.example',
        pid: 1,
        created: '2024-01-01T00:00:00.000Z',
        starformVersion: '0.1.0',
        path: statePath,
      };
      writeFileSync(join(dir, 'info.json'), JSON.stringify(info));
      const t = new Date(Date.now() - ageMs);
      utimesSync(dir, t, t);
    };

    it('is respected while it is fresh', async () => {
      plant(0);
      const err = await lockState(statePath, { operation: 'apply', staleMs: 5000 }).catch((e: unknown) => e);
      assert.ok(err instanceof StateLockedError);
      assert.match(err.message, /Who: {7}ci@elsewhere\.example \(pid 1, starform 0\.1\.0\)/);
    });

    it('is taken over once stale', async () => {
      plant(60_000);
      const lock = await lockState(statePath, { operation: 'apply', staleMs: 5000 });
      assert.equal((await readLockInfo(statePath))?.id, lock.info.id);
      await lock.release();
    });
  });

  it('refuses to force-unlock a holder that is still running on this host, unless forced', async () => {
    const { child, id } = await hold();
    await assert.rejects(
      forceUnlock(statePath, id),
      (e: unknown) =>
        e instanceof UserError &&
        /the lock's holder is still running: test-hold by .*\(pid \d+, since .*\); not removing its lock/.test(e.message) &&
        /pass --force/.test(e.message),
    );
    assert.equal((await readLockInfo(statePath))?.id, id, 'the lock is still there');
    assert.equal((await forceUnlock(statePath, id, { force: true })).id, id);
    assert.equal(existsSync(lockPath(statePath)), false);
    child.proc.stdin.end();
    assert.deepEqual(await child.exited, { code: 0, signal: null });
  });

  it('force-unlocks without --force a holder that is gone, also when its pid was reused', async () => {
    const info = await holdAndKill();
    assert.ok(info.processStart, 'the lock records when its holder started');
    // The same pid, now some other running process: the start time tells them apart.
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(join(lockPath(statePath), 'info.json'), JSON.stringify({ ...info, pid: other.pid }));
      assert.equal((await forceUnlock(statePath, info.id)).id, info.id);
      assert.equal(existsSync(lockPath(statePath)), false);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('makes the holder of a force-unlocked lock stop at its next state write', async () => {
    const lock = await lockState(statePath, { operation: 'apply' });
    await forceUnlock(statePath, lock.info.id, { force: true });
    // At once, not at the next refresh of the lock's mtime.
    assert.throws(() => lock.assertHolds(statePath), /the state lock was lost \(it was removed or taken over by another process\); not writing the state/);
    const other = await lockState(statePath, { operation: 'apply' });
    assert.throws(() => lock.assertHolds(statePath), /state lock was lost/);
    await lock.release();
    assert.equal((await readLockInfo(statePath))?.id, other.info.id, "the old holder's release leaves the new lock alone");
    await other.release();
  });

  it('stops a writer in another process at its first state write after its lock was force-unlocked', async () => {
    const proc = spawn(process.execPath, [WRITE_LOOP, statePath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(proc, 'exit');
    try {
      await once(proc.stdout, 'data');
      const holder = await readLockInfo(statePath);
      assert.ok(holder);
      await assert.rejects(forceUnlock(statePath, holder.id), /holder is still running/);
      await forceUnlock(statePath, holder.id, { force: true });
      const atUnlock = (await readState(statePath)).serial;
      const timeout = new Promise<'still writing'>((r) => setTimeout(() => r('still writing'), 5000));
      const ended = await Promise.race([exited, timeout]);
      assert.notEqual(ended, 'still writing', `the writer went on writing after losing its lock (serial ${(await readState(statePath)).serial})`);
      assert.match(stderr, /the state lock was lost \(it was removed or taken over by another process\); not writing the state/);
      // A write that had passed its last check when the lock went may still land; no more.
      assert.ok((await readState(statePath)).serial <= atUnlock + 1);
    } finally {
      proc.kill('SIGKILL');
    }
  });

  describe('force-unlock of a lock held from another host', () => {
    const plant = (ageMs: number): void => {
      const dir = lockPath(statePath);
      mkdirSync(dir);
      const info = {
        id: 'remote',
        operation: 'apply',
        user: 'ci',
        host: 'elsewhere.example',
        pid: 1,
        created: '2024-01-01T00:00:00.000Z',
        starformVersion: '0.1.0',
        path: statePath,
      };
      writeFileSync(join(dir, 'info.json'), JSON.stringify(info));
      const t = new Date(Date.now() - ageMs);
      utimesSync(dir, t, t);
    };
    it('refuses while its lock is being refreshed, unless forced', async () => {
      plant(0);
      await assert.rejects(forceUnlock(statePath, 'remote'), /holder on another host seems to be running: .*refreshed .* ago; not removing it/);
      assert.equal((await forceUnlock(statePath, 'remote', { force: true })).id, 'remote');
    });
    it('removes it once it is no longer refreshed', async () => {
      plant(120_000);
      assert.equal((await forceUnlock(statePath, 'remote')).id, 'remote');
    });
  });

  it('explains a lock without information', async () => {
    mkdirSync(lockPath(statePath));
    writeFileSync(join(lockPath(statePath), 'info.json'), 'not json');
    const err = await lockState(statePath, { operation: 'apply' }).catch((e: unknown) => e);
    assert.ok(err instanceof UserError);
    assert.match(err.message, /carries no readable information/);
    await assert.rejects(forceUnlock(statePath, 'x'), /carries no readable information; remove it by hand/);
  });

  it('respects an empty lock directory (an older starform between its mkdir and its write) until it goes stale', async () => {
    const dir = lockPath(statePath);
    mkdirSync(dir);
    const err = await lockState(statePath, { operation: 'apply', staleMs: 5000 }).catch((e: unknown) => e);
    assert.ok(err instanceof StateLockedError, 'a fresh empty lock is held');
    const old = new Date(Date.now() - 60_000);
    utimesSync(dir, old, old);
    const lock = await lockState(statePath, { operation: 'apply', staleMs: 5000 });
    assert.equal((await readLockInfo(statePath))?.id, lock.info.id);
    await lock.release();
    assert.equal(existsSync(dir), false);
  });

  it('lets one holder at a time among processes that take and release it as fast as they can, and every release succeeds', async function () {
    this.timeout(60_000);
    const contenders = Array.from({ length: 4 }, () => startChild(statePath, 'contend', 0));
    children.push(...contenders);
    const reports = await Promise.all(contenders.map((c) => c.firstLine));
    const totals = { got: 0, overlaps: 0, releaseErrors: 0, otherErrors: 0 };
    for (const line of reports) {
      const r = JSON.parse(line) as typeof totals & { errors: string[] };
      totals.got += r.got;
      totals.overlaps += r.overlaps;
      totals.releaseErrors += r.releaseErrors;
      totals.otherErrors += r.otherErrors;
      assert.deepEqual(r.errors, [], 'errors other than "the state is locked"');
    }
    assert.ok(totals.got > 100, `the lock was taken ${totals.got} times`);
    assert.deepEqual(
      { overlaps: totals.overlaps, releaseErrors: totals.releaseErrors, otherErrors: totals.otherErrors },
      { overlaps: 0, releaseErrors: 0, otherErrors: 0 },
    );
    assert.deepEqual(
      readdirSync(join(statePath, '..')).filter((n) => n.includes('.lock')),
      [],
      'nothing of the lock is left',
    );
  });

  it('never leaves a lock that blocks the next locker, wherever its holder is killed', async () => {
    // A child takes and releases the lock in a tight loop; SIGKILL lands anywhere in it,
    // also between creating the lock and writing who holds it.
    const dir = join(statePath, '..');
    for (let i = 0; i < 12; i++) {
      const child = startChild(statePath, 'churn');
      children.push(child);
      assert.match(await child.firstLine, /^locked /);
      await new Promise((r) => setTimeout(r, 5 + ((i * 37) % 50)));
      child.proc.kill('SIGKILL');
      await child.exited;
      const lock = await lockState(statePath, { operation: 'apply' });
      await lock.release();
      // What may stay: a directory the kill caught before it said who holds it (being
      // assembled) or after that was emptied (being removed); the sweep removes those once
      // a minute old. One that names its holder, who is gone, was removed at once.
      const left = readdirSync(dir).filter((n) => n.includes('.lock'));
      for (const name of left) {
        assert.match(name, /^starform\.state\.json\.lock\.(pending|removed|broken)-/, `after kill ${i + 1}: no lock is left`);
        const info = join(dir, name, 'info.json');
        assert.ok(!existsSync(info) || readFileSync(info, 'utf8') === '', `after kill ${i + 1}: ${name} says who held it, yet was left`);
      }
    }
  });

  it('removes what killed lockers left beside the lock, once its holder is gone or it is a minute old', async () => {
    const lockDir = lockPath(statePath);
    const dead = await holdAndKill();
    const deadInfo = readFileSync(join(lockDir, 'info.json'), 'utf8');
    await (await lockState(statePath, { operation: 'apply' })).release();
    const plant = (name: string, info: string | null, ageMs: number): string => {
      const p = `${lockDir}${name}`;
      mkdirSync(p);
      if (info !== null) writeFileSync(join(p, 'info.json'), info);
      const t = new Date(Date.now() - ageMs);
      utimesSync(p, t, t);
      return p;
    };
    const remote = JSON.stringify({ ...dead, host: 'elsewhere.example' });
    const removed = {
      'a pending lock of a holder that is gone': plant(`.pending-${dead.id}`, deadInfo, 0),
      'a pending lock without information, a minute old': plant('.pending-old', null, 120_000),
      "another host's pending lock, a minute old": plant('.pending-remote', remote, 120_000),
      'a lock being removed, a minute old': plant('.removed-old', deadInfo, 120_000),
      'a lock of a holder that is gone, being removed just now': plant('.removed-dead', deadInfo, 0),
      'a lock being broken, a minute old': plant('.broken-old', deadInfo, 120_000),
    };
    const kept = {
      'a fresh pending lock without information (a locker at work)': plant('.pending-fresh', '', 0),
      "another host's fresh pending lock": plant('.pending-remote-fresh', remote, 0),
      "a live holder's lock being removed or broken just now (its remover may put it back)": plant(
        '.broken-fresh',
        JSON.stringify({ ...dead, pid: process.pid, processStart: undefined }),
        0,
      ),
    };
    const lock = await lockState(statePath, { operation: 'apply' });
    await lock.release();
    for (const [what, p] of Object.entries(removed)) assert.equal(existsSync(p), false, what);
    for (const [what, p] of Object.entries(kept)) assert.equal(existsSync(p), true, what);
  });
});
