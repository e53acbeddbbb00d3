// A separate process for the lock tests: takes the lock of a state file, reports on
// stdout, then does what its arguments say.
//
//   node lock-child.js <state> <mode> [timeoutMs]
//   mode hold      keep the lock until stdin closes or a signal arrives
//   mode exit      take the lock and exit without releasing it
//   mode try       try once (or for timeoutMs) and report "locked" or "refused <message>"
//   mode churn     release it, then take and release it again and again until killed
import { lockState } from '../../../lib/state/lock.js';
import { UserError } from '../../../lib/util/errors.js';

const [statePath, mode, timeout] = process.argv.slice(2);
if (!statePath || !mode) throw new Error('usage: lock-child <state> <mode> [timeoutMs]');

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
