// A separate process for the lock tests: takes the lock of a state file, reports on
// stdout, then does what its arguments say.
//
//   node lock-child.js <state> <mode> [timeoutMs]
//   mode hold      keep the lock until stdin closes or a signal arrives
//   mode exit      take the lock and exit without releasing it
//   mode try       try once (or for timeoutMs) and report "locked" or "refused <message>"
//   mode churn     release it, then take and release it again and again until killed
//   mode contend   take and release it 400 times (not waiting when it is held), checking that
//                  no other holder holds it meanwhile; print one JSON line of counts
import { unlinkSync, writeFileSync } from 'node:fs';
import { StateLockedError, lockState } from '../../../lib/state/lock.js';
import { UserError } from '../../../lib/util/errors.js';

const [statePath, mode, timeout] = process.argv.slice(2);
if (!statePath || !mode) throw new Error('usage: lock-child <state> <mode> [timeoutMs]');

if (mode === 'contend') {
  // Whoever holds the lock creates this file exclusively and removes it before releasing.
  const marker = `${statePath}.holder`;
  const counts = { got: 0, overlaps: 0, releaseErrors: 0, otherErrors: 0, errors: [] as string[] };
  for (let i = 0; i < 400; i++) {
    let lock;
    try {
      lock = await lockState(statePath, { operation: 'test-contend', releaseOnSignal: false });
    } catch (err) {
      if (err instanceof StateLockedError) continue;
      counts.otherErrors++;
      counts.errors.push(String(err));
      continue;
    }
    counts.got++;
    try {
      writeFileSync(marker, String(process.pid), { flag: 'wx' });
      lock.assertHolds(lock.statePath);
      unlinkSync(marker);
    } catch (err) {
      counts.overlaps++;
      counts.errors.push(String(err));
    }
    try {
      await lock.release();
    } catch (err) {
      counts.releaseErrors++;
      counts.errors.push(String(err));
    }
  }
  counts.errors = counts.errors.slice(0, 5);
  process.stdout.write(`${JSON.stringify(counts)}\n`);
  process.exit(0);
}

try {
  const lock = await lockState(statePath, { operation: `test-${mode}`, timeoutMs: Number(timeout ?? 0) });
  process.stdout.write(`locked ${lock.info.id}\n`);
  if (mode === 'exit') process.exit(0);
  if (mode === 'hold') {
    process.stdin.resume();
    process.stdin.on('end', () => void lock.release().then(() => process.exit(0)));
  } else if (mode === 'churn') {
    await lock.release();
    for (;;) await (await lockState(statePath, { operation: 'test-churn' })).release();
  } else {
    await lock.release();
  }
} catch (err) {
  if (!(err instanceof UserError)) throw err;
  process.stdout.write(`refused ${JSON.stringify(err.message)}\n`);
}
