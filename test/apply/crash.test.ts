// Crash safety on a real engine: an apply is killed with SIGKILL after k finished steps
// (and at a random moment within the next step). The lifecycle package is killed at a few
// step counts; the crash matrix kills a 20-service apply after every step count it can
// record (0 to 20 of its 21 steps), and at random moments before its first state write.
// After every kill the state file parses and passes its schema, every service it names
// exists in Docker, and planning and applying again converge: the apply succeeds, a
// further plan shows no changes, and the engine holds exactly the containers the state
// names. STARFORM_CRASH_SEED repeats a run's random delays (the seed is in every message).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DockerRuntime } from '../../lib/docker/index.js';
import { parseState, readState } from '../../lib/state/index.js';
import type { JsonObject } from '../../lib/util/json.js';
import { applyPackage, changed, fixture, planPackage, removeEnclaveTolerating, useApplyEngine } from './helpers/engine.js';

const CHILD = fileURLToPath(new URL('./helpers/apply-child.js', import.meta.url));
const SEED = Number(process.env['STARFORM_CRASH_SEED'] ?? Date.now() % 100_000);

/** A small deterministic generator (Park–Miller), so that a failing run can be repeated. */
function randomFrom(seed: number): () => number {
  let x = Math.max(1, seed % 2147483647);
  return () => (x = (x * 48271) % 2147483647) / 2147483647;
}

interface Kill {
  readonly args?: JsonObject;
  readonly parallelism?: number;
  /** Kill after this many step_done events (plus delayMs)... */
  readonly steps?: number;
  /** ...or this long after the start, before the first step. */
  readonly atMs?: number;
  readonly delayMs?: number;
}

/** Starts an apply in a child process and kills it as `kill` says; resolves with the steps it finished. */
async function killApply(dir: string, statePath: string, kill: Kill): Promise<number> {
  const argv = [CHILD, dir, statePath, JSON.stringify(kill.args ?? {}), String(kill.parallelism ?? 2)];
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  let done = 0;
  const lines = createInterface({ input: child.stdout });
  const reached = new Promise<void>((resolve) => {
    if (kill.atMs !== undefined) setTimeout(resolve, kill.atMs);
    lines.on('line', (line) => {
      const event = JSON.parse(line) as { type: string };
      // A kill meant for the time before the first step lands at the latest when it starts
      // (on a fast machine the first step can come before the random moment).
      if ((kill.steps === 0 || kill.atMs !== undefined) && event.type === 'step_start') resolve();
      if (event.type === 'step_done' && ++done === kill.steps) resolve();
    });
  });
  await Promise.race([reached, exited]);
  if (kill.delayMs) await new Promise((r) => setTimeout(r, kill.delayMs));
  child.kill('SIGKILL');
  const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  assert.equal(signal, 'SIGKILL', `the apply ended on its own before it was killed (exit code ${code}): ${stderr}`);
  return done;
}

/** The checks after a kill: a valid state naming only what exists, then convergence. */
async function recoverAndCheck(runtime: DockerRuntime, pkg: string, path: string, args: JsonObject, why: string): Promise<void> {
  if (existsSync(path)) {
    const state = parseState(readFileSync(path, 'utf8'), path);
    for (const [name, record] of state.services) {
      const found = await runtime.inspectService({ lineage: state.lineage!, name, containerId: record.containerId });
      assert.ok(found, `${why}: service ${name} of the state exists in Docker`);
    }
  }
  const recovered = await applyPackage(runtime, pkg, path, args);
  assert.equal(recovered.events.at(-1)?.type, 'apply_done', why);
  assert.deepEqual(changed(await planPackage(runtime, pkg, path, args)), [], `${why}: plan and apply converged`);
  const state = await readState(path);
  const found = await runtime.inspectEnclave(state.lineage!);
  assert.deepEqual(
    found.containers.map((c) => `${c.service}:${c.id}`).sort(),
    [...state.services].map(([n, r]) => `${n}:${r.containerId}`).sort(),
    `${why}: the engine holds exactly the containers the state names`,
  );
  assert.equal(found.probeNetworks, undefined, `${why}: no subnet probe network is left`);
}

describe('apply crash safety (Docker)', function () {
  this.timeout(300_000);
  const engine = useApplyEngine();

  for (const [k, delay] of [
    [0, 150],
    [2, 120],
    [5, 60],
  ] as const) {
    it(`survives SIGKILL after ${k} steps (+${delay} ms)`, async () => {
      const path = engine.newStatePath();
      const pkg = fixture('lifecycle');
      await killApply(pkg, path, { steps: k, delayMs: delay });
      await recoverAndCheck(engine.runtime, pkg, path, {}, `killed after ${k} steps`);
      const state = await readState(path);
      assert.deepEqual((state.outputs as { page: string }).page, '<p>hello, world</p>\n');
    });
  }
});

describe('apply crash matrix: a 20-service apply killed at every step count (Docker)', function () {
  this.timeout(600_000);
  const engine = useApplyEngine();
  const pkg = fixture('twenty');
  const STEPS = 21; // the rendered artifact and 20 services
  const LANES = Math.max(1, Number(process.env['STARFORM_CRASH_LANES'] ?? 2));
  const random = randomFrom(SEED);

  interface Case {
    readonly name: string;
    readonly kills: readonly Kill[];
  }
  const cases: Case[] = [];
  for (let k = 0; k < STEPS; k++) {
    cases.push({
      name: `SIGKILL after ${k} of ${STEPS} steps: a re-apply converges to exactly the containers the state names`,
      // Within the next step. Among the last `parallelism` steps, which run together and can
      // all finish within a few milliseconds of one another, right after the k-th: the apply
      // must not have ended first (it exits within ~100 ms of its last step).
      kills: [{ steps: k, delayMs: Math.round(random() * (k >= STEPS - 8 ? 5 : 80)), parallelism: 8 }],
    });
  }
  cases.push({
    name: 'SIGKILL at random moments before the first state write: a re-apply converges',
    // From the start of the process up to its first step (which follows the first write).
    kills: Array.from({ length: 4 }, () => ({ atMs: Math.round(random() * 900), parallelism: 8 })),
  });

  // The cases run in LANES concurrent lanes in a `before` hook (one at a time would take
  // minutes: each is a 20-service apply); each `it` then reports its own case's outcome.
  const outcomes = new Map<string, Promise<void>>();
  before(async function () {
    this.timeout(600_000);
    const queue = [...cases];
    const lane = async (): Promise<void> => {
      for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
        const run = runCase(c);
        outcomes.set(c.name, run);
        await run.catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
  });

  async function runCase(c: Case): Promise<void> {
    for (const kill of c.kills) {
      const path = engine.newStatePath();
      const why =
        kill.atMs !== undefined
          ? `killed ${kill.atMs} ms after the start (seed ${SEED})`
          : `killed after ${kill.steps} steps + ${kill.delayMs} ms (seed ${SEED})`;
      const finished = await killApply(pkg, path, kill);
      if (kill.steps !== undefined) assert.ok(finished >= kill.steps, `${why}: ${finished} steps finished`);
      await recoverAndCheck(engine.runtime, pkg, path, {}, why);
      const state = await readState(path);
      assert.equal(state.services.size, 20, why);
      await removeEnclaveTolerating(engine.runtime, state.lineage!);
    }
  }

  for (const c of cases) {
    it(c.name, async () => {
      const outcome = outcomes.get(c.name);
      assert.ok(outcome, 'the case ran');
      await outcome;
    });
  }
});
