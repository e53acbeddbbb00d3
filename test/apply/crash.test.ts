// Crash safety on a real engine: an apply is killed with SIGKILL after k steps (and at a
// random moment within the next step), for several k. After every kill the state file
// parses and passes its schema, every service it names exists in Docker, and planning and
// applying again converge: the apply succeeds, a further plan shows no changes, and the
// engine holds exactly the containers the state names.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseState, readState } from '../../lib/state/index.js';
import { applyPackage, changed, fixture, planPackage, useApplyEngine } from './helpers/engine.js';

const CHILD = fileURLToPath(new URL('./helpers/apply-child.js', import.meta.url));

/** Starts an apply in a child process and kills it after `steps` finished steps plus `delayMs`. */
async function killAfter(dir: string, statePath: string, steps: number, delayMs: number): Promise<number> {
  const child = spawn(process.execPath, [CHILD, dir, statePath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  let done = 0;
  const lines = createInterface({ input: child.stdout });
  const reached = new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      const event = JSON.parse(line) as { type: string };
      if (steps === 0 && event.type === 'step_start') resolve();
      if (event.type === 'step_done' && ++done === steps) resolve();
    });
  });
  await Promise.race([reached, exited]);
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  assert.equal(signal, 'SIGKILL', `the apply ended on its own before it was killed (exit code ${code}): ${stderr}`);
  return done;
}

describe('apply crash safety (Docker)', function () {
  this.timeout(300_000);
  const engine = useApplyEngine();

  for (const [k, delay] of [
    [0, 150],
    [1, 0],
    [2, 120],
    [3, 40],
    [5, 60],
  ] as const) {
    it(`survives SIGKILL after ${k} step${k === 1 ? '' : 's'} (+${delay} ms)`, async () => {
      const { runtime } = engine;
      const path = engine.newStatePath();
      const pkg = fixture('lifecycle');
      await killAfter(pkg, path, k, delay);

      if (existsSync(path)) {
        const state = parseState(readFileSync(path, 'utf8'), path);
        for (const [name, record] of state.services) {
          const found = await runtime.inspectService({ lineage: state.lineage!, name, containerId: record.containerId });
          assert.ok(found, `service ${name} of the state exists in Docker`);
        }
      }

      const recovered = await applyPackage(runtime, pkg, path);
      assert.equal(recovered.events.at(-1)?.type, 'apply_done');
      assert.deepEqual(changed(await planPackage(runtime, pkg, path)), [], 'plan and apply converged');
      const state = await readState(path);
      const containers = (await runtime.inspectEnclave(state.lineage!)).containers;
      assert.deepEqual(
        containers.map((c) => `${c.service}:${c.id}`).sort(),
        [...state.services].map(([n, r]) => `${n}:${r.containerId}`).sort(),
        'the engine holds exactly the containers the state names',
      );
      assert.deepEqual((recovered.outputs as { page: string }).page, '<p>hello, world</p>\n');
    });
  }
});
