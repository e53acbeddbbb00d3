// Issue 18 item 4, on a real engine: an apply whose lock is removed by
// `force-unlock --force` while it runs must stop at its next state write, with a clear
// message, instead of going on writing a state someone else may now hold. Afterwards the
// state names only containers that exist, and the next apply converges (removing what the
// stopped apply created but could not record).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { forceUnlock, readLockInfo, readState } from '../../lib/state/index.js';
import { applyPackage, changed, fixture, planPackage, useApplyEngine } from './helpers/engine.js';

const CHILD = fileURLToPath(new URL('./helpers/apply-child.js', import.meta.url));

describe('an apply that loses its lock (Docker)', function () {
  this.timeout(300_000);
  const engine = useApplyEngine();

  it('stops at its next state write after force-unlock --force, and the next apply converges', async () => {
    const path = engine.newStatePath();
    const pkg = fixture('twenty');
    const child = spawn(process.execPath, [CHILD, pkg, path, '{}', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    let done = 0;
    let doneAfterUnlock = 0;
    let unlocked = false;
    const third = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const event = JSON.parse(line) as { type: string };
        if (event.type !== 'step_done') return;
        done++;
        if (unlocked) doneAfterUnlock++;
        if (done === 3) resolve();
      });
    });
    try {
      await Promise.race([third, exited]);
      const holder = await readLockInfo(path);
      assert.ok(holder, 'the apply holds the lock');
      await assert.rejects(forceUnlock(path, holder.id), /the lock's holder is still running: apply by /);
      await forceUnlock(path, holder.id, { force: true });
      unlocked = true;
      const atUnlock = (await readState(path)).serial;
      const [code] = (await exited) as [number | null];
      assert.equal(code, 1, `the apply failed: ${stderr}`);
      assert.match(stderr, /the state lock was lost \(it was removed or taken over by another process\); not writing the state/);
      const after = await readState(path);
      assert.ok(after.serial <= atUnlock + 1, `the apply went on writing: serial ${atUnlock} at the unlock, ${after.serial} after`);
      assert.ok(doneAfterUnlock <= 2, `no new steps were recorded after the first refused write (${doneAfterUnlock} finished)`);
      for (const [name, record] of after.services) {
        assert.ok(await engine.runtime.inspectService({ lineage: after.lineage!, name, containerId: record.containerId }), `${name} exists`);
      }
    } finally {
      child.kill('SIGKILL');
    }
    await applyPackage(engine.runtime, pkg, path);
    assert.deepEqual(changed(await planPackage(engine.runtime, pkg, path)), []);
    const state = await readState(path);
    const found = await engine.runtime.inspectEnclave(state.lineage!);
    assert.deepEqual(found.containers.map((c) => `${c.service}:${c.id}`).sort(), [...state.services].map(([n, r]) => `${n}:${r.containerId}`).sort());
  });
});
