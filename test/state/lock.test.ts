import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import {
  StateLockedError,
  forceUnlock,
  lockPath,
  lockState,
  readLockInfo,
  resolveStatePath,
  withStateLock,
} from '../../lib/state/lock.js';
import { UserError } from '../../lib/util/errors.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';

const CHILD = fileURLToPath(new URL('./helpers/lock-child.js', import.meta.url));

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
    const removed = await forceUnlock(statePath, id);
    assert.equal(removed.id, id);
    const lock = await lockState(statePath, { operation: 'apply' });
    await lock.release();
    await assert.rejects(forceUnlock(statePath, id), /the state is not locked/);
  });

  it('marks a lock that was force-unlocked as lost', async () => {
    const lock = await lockState(statePath, { operation: 'apply', staleMs: 2000 });
    await forceUnlock(statePath, lock.info.id);
    for (let waited = 0; !lock.compromised && waited < 10_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(lock.compromised);
    assert.throws(() => lock.assertHolds(statePath), /state lock was lost/);
    await lock.release();
  });

  it('never lets an old holder remove a lock that was force-unlocked and taken by another', async () => {
    const { child, id } = await hold();
    await forceUnlock(statePath, id);
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
      const info = { id: 'remote', operation: 'apply', user: 'ci', host: 'elsewhere.example', pid: 1, created: '2024-01-01T00:00:00.000Z', starformVersion: '0.1.0', path: statePath };
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

  it('explains a lock without information', async () => {
    mkdirSync(lockPath(statePath));
    const err = await lockState(statePath, { operation: 'apply' }).catch((e: unknown) => e);
    assert.ok(err instanceof UserError);
    assert.match(err.message, /carries no readable information/);
    await assert.rejects(forceUnlock(statePath, 'x'), /carries no readable information; remove it by hand/);
  });
});
