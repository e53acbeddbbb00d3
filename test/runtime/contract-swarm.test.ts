// The Swarm adapter (lib/swarm) passes the runtime contract on the engine's swarm (a
// single-node swarm on CI: .ci/run runs `docker swarm init` when the engine is in none).
import { SwarmRuntime } from '../../lib/swarm/index.js';
import { runtimeContract } from './contract.js';
import { requireSwarm } from '../swarm/swarm-engine.js';
import { TEST_IMAGE } from '../docker/engine.js';

runtimeContract('swarm (lib/swarm)', {
  open: async (suite) => {
    const runtime = new SwarmRuntime({ stopTimeoutSeconds: 5 });
    await requireSwarm(suite, runtime);
    return runtime;
  },
  image: TEST_IMAGE,
  processes: true,
  timeoutMs: 120_000,
});
