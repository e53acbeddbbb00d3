// Issue 18 item 1, end to end: `bin/starform apply` of 20 services on the real engine with
// the state on a 100 KiB tmpfs, which fills up part way. The apply must stop with one
// clear message saying the disk is full and naming the state file (exit code 1, no stack
// trace), leave the state file and its backup valid (every service the state names
// exists), and leave the state usable: `plan` and `state list` work, `destroy` removes
// everything of the enclave, and once there is room again the apply converges.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { backupPath, parseState, readState } from '../../lib/state/index.js';
import { useTmpfs } from '../state/helpers/tmpfs.js';
import { REPO_ROOT, fixture, useApplyEngine } from './helpers/engine.js';

const BIN = join(REPO_ROOT, 'bin', 'starform');

function starform(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('apply with the state on a full disk (Docker, 100 KiB tmpfs)', function () {
  this.timeout(300_000);
  const engine = useApplyEngine();
  const tmpfs = useTmpfs(100);
  const pkg = fixture('twenty');

  it('stops cleanly saying the disk is full, keeps state and backup intact, and destroy still removes everything', async () => {
    const path = join(tmpfs.dir, 's.json');
    const failed = starform(['apply', pkg, '--state', path, '--auto-approve']);
    assert.equal(failed.code, 1, `the apply fails: ${failed.stdout}\n${failed.stderr}`);
    assert.match(failed.stderr, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot write the state file: the disk is full`));
    assert.match(failed.stderr, /and its backup are unchanged/);
    assert.doesNotMatch(failed.stderr, /internal error|\n\s+at .+:\d+:\d+\)?\n/);

    const state = parseState(readFileSync(path, 'utf8'), path);
    const backup = parseState(readFileSync(backupPath(path), 'utf8'), backupPath(path));
    assert.equal(backup.serial, state.serial - 1);
    assert.ok(state.services.size > 0 && state.services.size < 20, `part of the services were recorded (${state.services.size})`);
    for (const [name, record] of state.services) {
      assert.ok(await engine.runtime.inspectService({ lineage: state.lineage!, name, containerId: record.containerId }), `${name} exists`);
    }
    // The state is still usable on the full disk.
    const listed = starform(['state', 'list', '--state', path]);
    assert.equal(listed.code, 0, listed.stderr);
    const planned = starform(['plan', pkg, '--state', path]);
    assert.equal(planned.code, 0, planned.stderr);

    // With room again, the apply converges; then destroy leaves nothing.
    execFileSync('mount', ['-o', 'remount,size=2m', tmpfs.dir]);
    const again = starform(['apply', pkg, '--state', path, '--auto-approve']);
    assert.equal(again.code, 0, again.stderr);
    const converged = await readState(path);
    assert.equal(converged.services.size, 20);
    const found = await engine.runtime.inspectEnclave(converged.lineage!);
    assert.deepEqual(
      found.containers.map((c) => `${c.service}:${c.id}`).sort(),
      [...converged.services].map(([n, r]) => `${n}:${r.containerId}`).sort(),
      'the engine holds exactly the containers the state names',
    );
    // Nearly full again: what the converged state uses, and a little room (a 20-service state
    // and its backup no longer fit in the first 100 KiB).
    const fs = statfsSync(tmpfs.dir);
    const usedKiB = Math.ceil(((fs.blocks - fs.bfree) * fs.bsize) / 1024);
    execFileSync('mount', ['-o', `remount,size=${usedKiB + 24}k`, tmpfs.dir]);
    const destroyed = starform(['destroy', '--state', path, '--auto-approve']);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    const left = await engine.runtime.inspectEnclave(converged.lineage!);
    assert.deepEqual([left.containers.length, left.volumes.length, left.network], [0, 0, undefined]);
  });

  it('destroy works on the full disk right after the failed apply', async () => {
    const path = join(tmpfs.dir, 's.json');
    assert.equal(starform(['apply', pkg, '--state', path, '--auto-approve']).code, 1);
    const { lineage } = await readState(path);
    const destroyed = starform(['destroy', '--state', path, '--auto-approve']);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    const left = await engine.runtime.inspectEnclave(lineage!);
    assert.deepEqual([left.containers.length, left.volumes.length, left.network, left.probeNetworks], [0, 0, undefined, undefined]);
  });
});
