// `starform destroy`: remove every container, volume and the network of the state's
// enclave, and empty the state (its lineage stays). Shows what will go and asks for
// `yes` unless --auto-approve. The state is locked throughout.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { destroyEnclave } from '../apply/index.js';
import { maskOutput } from '../render/redact.js';
import { destroyedPackageView, destroyedView, destroyingPackageView, destroyingView } from '../render/destroy-view.js';
import { show } from '../render/view.js';
import { openBackend } from './state-backend.js';
import { UserError } from '../util/errors.js';
import { lazyRuntime, parseLockTimeout, withLockTimeout, type LockArgs } from './apply.js';
import { readState } from './plan-against-state.js';
import { withStateOption, type StateArgs } from './shared-options.js';
import { requestedRuntime, RuntimeChoice, withRuntimeOption, type RuntimeArgs } from './runtime-option.js';
import { ask, streams } from './streams.js';

export const command = 'destroy';
export const describe = "Remove everything of the state's enclave from the engine and empty the state";

interface DestroyArgs extends StateArgs, LockArgs, RuntimeArgs {
  'auto-approve': boolean;
  json: boolean;
  package?: string;
}

export function builder(y: Argv): Argv<DestroyArgs> {
  return withRuntimeOption(withLockTimeout(withStateOption(y)))
    .option('auto-approve', { type: 'boolean', default: false, describe: 'Destroy without asking for confirmation' })
    .option('json', { type: 'boolean', default: false, describe: 'Print what was removed as JSON (needs --auto-approve)' })
    .option('package', { type: 'string', describe: "Remove only this package's services and files artifacts (several packages in one state)" })
    .example('$0 destroy --auto-approve', 'Remove the enclave without asking') as unknown as Argv<DestroyArgs>;
}

export async function handler(argv: ArgumentsCamelCase<DestroyArgs>): Promise<void> {
  if (argv.json && !argv['auto-approve']) throw new UserError('--json needs --auto-approve: there is no one to ask');
  if (argv.package !== undefined) return destroyOnePackage(argv, argv.package);
  const backend = await openBackend(argv);
  const lock = await backend.lock({ operation: 'destroy', timeoutMs: parseLockTimeout(argv['lock-timeout']) });
  try {
    const state = await readState(backend, (values) => maskOutput(values));
    show(destroyingView, state, streams, argv.json);
    if (state.lineage === null) return;
    if (!argv['auto-approve']) {
      const answer = await ask("\nDo you really want to destroy it all?\n  Only 'yes' will be accepted to confirm.\n\n  Enter a value: ");
      if (answer !== 'yes') throw new UserError('destroy cancelled: nothing was changed');
    }
    const choice = new RuntimeChoice(requestedRuntime(argv.runtime));
    choice.settle(state.enclave?.runtime, state.enclave !== null, argv.state);
    show(destroyedView, await destroyEnclave({ backend, runtime: lazyRuntime(choice), lock }), streams, argv.json);
  } finally {
    await lock.release();
    await backend.close();
  }
}

/** `destroy --package NAME`: one package's entities only (lib/apply/destroy.ts). */
async function destroyOnePackage(argv: ArgumentsCamelCase<DestroyArgs>, name: string): Promise<void> {
  if (argv.json) throw new UserError('--json is not available with --package');
  if (name.trim() === '') throw new UserError('--package: name a package (see the `package` of `starform state show`)');
  const backend = await openBackend(argv);
  const lock = await backend.lock({ operation: 'destroy', timeoutMs: parseLockTimeout(argv['lock-timeout']) });
  try {
    const state = await readState(backend, (values) => maskOutput(values));
    const { destroyPackage, packageEntities } = await import('../apply/index.js');
    show(destroyingPackageView, { name, entities: packageEntities(state, name, backend.location).removed }, streams, false);
    if (!argv['auto-approve']) {
      const answer = await ask("\nDo you really want to destroy it?\n  Only 'yes' will be accepted to confirm.\n\n  Enter a value: ");
      if (answer !== 'yes') throw new UserError('destroy cancelled: nothing was changed');
    }
    const choice = new RuntimeChoice(requestedRuntime(argv.runtime));
    choice.settle(state.enclave?.runtime, state.enclave !== null, argv.state);
    const result = await destroyPackage({ backend, runtime: lazyRuntime(choice), lock, package: name });
    show(destroyedPackageView, { name, containers: result.containers, entries: result.removed.length }, streams, false);
  } finally {
    await lock.release();
    await backend.close();
  }
}
