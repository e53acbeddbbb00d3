// How run_sh / run_python become a task container's command.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { shellQuote, taskCommand } from '../../lib/apply/handlers/tasks.js';
import { durationMs } from '../../lib/apply/context.js';

describe('apply tasks', () => {
  it('runs shell scripts with /bin/sh -c', () => {
    assert.deepEqual(taskCommand('run_sh', 'echo hi', [], []), { entrypoint: ['/bin/sh', '-c'], cmd: ['echo hi'] });
  });

  it('runs Python with -u -c, after pip install when packages are given', () => {
    assert.deepEqual(taskCommand('run_python', 'print(1)', ['a'], []), { entrypoint: ['python', '-u', '-c'], cmd: ['print(1)', 'a'] });
    const withPackages = taskCommand('run_python', 'print(1)', ['a b'], ['requests==2.0', "we'ird"]);
    assert.deepEqual(withPackages.entrypoint, ['/bin/sh', '-c']);
    assert.match(withPackages.cmd[0]!, /^pip install .* requests==2\.0 'we'\\''ird' && exec python -u -c "\$0" "\$@"$/);
    assert.deepEqual(withPackages.cmd.slice(1), ['print(1)', 'a b']);
  });

  it('quotes words for sh', () => {
    const words = ['plain', 'with space', "it's", '$HOME', ''];
    const echoed = execFileSync('/bin/sh', ['-c', `printf '%s\\n' ${words.map(shellQuote).join(' ')}`]).toString();
    assert.equal(echoed, words.join('\n') + '\n');
  });

  it('reads the durations the plan writes', () => {
    assert.equal(durationMs('15s'), 15_000);
    assert.equal(durationMs('2m0s'), 120_000);
    assert.equal(durationMs('1h30m0s'), 5_400_000);
    assert.equal(durationMs('1.5s'), 1500);
    assert.equal(durationMs('300ms'), 300);
    assert.equal(durationMs('0s'), 0);
    assert.throws(() => durationMs('soon'), /invalid duration/);
  });
});
