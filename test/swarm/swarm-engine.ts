// Shared set-up for the tests that need a Docker Engine in swarm mode: like requireEngine
// (test/docker/engine.ts), the suite FAILS under CI when the engine is not a swarm manager
// (CI initialises one) and is SKIPPED elsewhere, saying how to make one.
import type { SwarmRuntime } from '../../lib/swarm/index.js';
import { TEST_IMAGE } from '../docker/engine.js';

export async function requireSwarm(suite: Mocha.Context, runtime: SwarmRuntime): Promise<void> {
  let problem: string | undefined;
  try {
    await runtime.ping();
    if (!(await runtime.imageExists(TEST_IMAGE))) problem = `test image ${TEST_IMAGE} is missing; build it with: sudo bash .ci/docker-setup.sh`;
  } catch (err) {
    problem = `${(err as Error).message}\n  make one with: docker swarm init --advertise-addr 127.0.0.1`;
  }
  if (problem !== undefined) {
    if (process.env['CI']) throw new Error(`Docker Swarm manager required in CI: ${problem}`);
    console.log(`    (skipping: no usable Swarm manager: ${problem})`);
    suite.skip();
  }
}
