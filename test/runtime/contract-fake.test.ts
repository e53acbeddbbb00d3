// The executor tests' in-memory runtime passes the runtime contract (test/runtime/contract.ts),
// so what those tests learn about the executor holds for the real adapters too.
import { FakeRuntime } from '../apply/helpers/fake-runtime.js';
import { runtimeContract } from './contract.js';

runtimeContract('fake (test/apply/helpers/fake-runtime.ts)', {
  open: async () => new FakeRuntime(),
  image: 'starform-test/busybox:latest',
  processes: false,
  lackImage: (runtime, ref) => (runtime as FakeRuntime).missingImages.add(ref),
});
