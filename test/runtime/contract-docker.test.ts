// The Docker adapter (lib/docker) passes the runtime contract on the real engine.
import { DockerRuntime } from '../../lib/docker/index.js';
import { requireEngine, TEST_IMAGE } from '../docker/engine.js';
import { runtimeContract } from './contract.js';

runtimeContract('docker (lib/docker)', {
  open: async (suite) => {
    const runtime = new DockerRuntime({ stopTimeoutSeconds: 5 });
    await requireEngine(suite, runtime);
    return runtime;
  },
  image: TEST_IMAGE,
  processes: true,
});
