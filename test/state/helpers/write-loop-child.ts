// A separate process for the crash test: takes the state lock and writes the state again
// and again, each time with different content of varying size, until it is killed. It
// says "writing" once the first write is done (the schema compiled, the files warm).
//
//   node write-loop-child.js <state>
import { lockState } from '../../../lib/state/lock.js';
import { appliedStep, recordStep, setOutputs } from '../../../lib/state/model.js';
import { readState, writeState } from '../../../lib/state/statefile.js';

const statePath = process.argv[2];
if (!statePath) throw new Error('usage: write-loop-child <state>');

const lock = await lockState(statePath, { operation: 'crash-test', timeoutMs: 10_000 });
let state = await readState(statePath);
for (let i = 0; ; i++) {
  const padding = 'x'.repeat((state.serial * 7919) % 20_000);
  state = recordStep(state, appliedStep({ id: `step-${i % 10}`, kind: 'print', args: { i, padding }, result: i }));
  state = await writeState(statePath, setOutputs(state, { serial: state.serial + 1 }), lock);
  if (i === 0) process.stdout.write('writing\n');
}
