// The interpreter worker's entry when starform runs unbundled (tests, dist/ tree): the
// bundle starts its worker through lib/cli/launcher.cts instead. See interpret-worker.ts.
import { interpretWorker } from './interpret-worker.js';

await interpretWorker();
