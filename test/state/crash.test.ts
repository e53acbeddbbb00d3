// Crash safety: processes writing a state in a tight loop are killed with SIGKILL at
// random moments, many times; after every kill the state file (and its backup) must
// parse and validate, the serial must never go backwards and the lineage never change.
// The next writer also has to take over the dead writer's lock. Several state files are
// hammered side by side to keep the test short; STARFORM_CRASH_KILLS sets the total.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backupPath, parseState, readState } from '../../lib/state/statefile.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';

const CHILD = fileURLToPath(new URL('./helpers/write-loop-child.js', import.meta.url));
const KILLS = Number(process.env['STARFORM_CRASH_KILLS'] ?? 30);
const LANES = 3;

/** Kills a writer of `path` `kills` times; returns the number of writes that landed. */
async function hammer(path: string, kills: number): Promise<number> {
  let lineage: string | null = null;
  let lastSerial = 0;
  for (let kill = 0; kill < kills; kill++) {
    const child = spawn(process.execPath, [CHILD, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    await Promise.race([once(child.stdout, 'data'), exited]);
    await new Promise((r) => setTimeout(r, Math.random() * 100));
    child.kill('SIGKILL');
    const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, 'SIGKILL', `the writer died on its own: ${stderr}`);

    const state = await readState(path);
    lineage ??= state.lineage;
    assert.ok(lineage !== null, 'no state was written');
    assert.equal(state.lineage, lineage, 'lineage changed');
    assert.ok(state.serial >= lastSerial, `serial went back from ${lastSerial} to ${state.serial}`);
    lastSerial = state.serial;
    if (existsSync(backupPath(path))) {
      const backup = parseState(readFileSync(backupPath(path), 'utf8'), backupPath(path));
      assert.equal(backup.lineage, lineage);
      assert.ok(backup.serial === state.serial - 1 || backup.serial === state.serial, `backup at ${backup.serial}, state at ${state.serial}`);
    }
  }
  return lastSerial;
}

describe('state/statefile crash safety', function () {
  this.timeout(300_000);
  afterEach(cleanupTempDirs);

  it(`keeps a valid state through SIGKILLs in the middle of writes (${KILLS} kills)`, async () => {
    const perLane = Math.ceil(KILLS / LANES);
    const writes = await Promise.all(Array.from({ length: LANES }, () => hammer(join(tempDir(), 'starform.state.json'), perLane)));
    for (const w of writes) assert.ok(w > perLane, `too few writes (${w}) to mean anything`);
  });
});
