// `starform destroy`: remove every container, volume and the network of the state's
// enclave, and empty the state (its lineage stays). Shows what will go and asks for
// `yes` unless --auto-approve. The state is locked throughout.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { destroyEnclave } from '../apply/index.js';
import { stateSensitiveValues } from '../plan/sensitive.js';
import { maskOutput, neutraliseInline } from '../render/redact.js';
import { paint, useColor } from '../render/style.js';
import { openBackend } from './state-backend.js';
import { UserError } from '../util/errors.js';
import { destroyDocument } from '../render/json-views.js';
import { formatJson } from '../util/json.js';
import { ask, lazyRuntime, parseLockTimeout, withLockTimeout, type LockArgs } from './apply.js';
import { withStateOption, type StateArgs } from './shared-options.js';
import { requestedRuntime, RuntimeChoice, withRuntimeOption, type RuntimeArgs } from './runtime-option.js';

export const command = 'destroy';
export const describe = "Remove everything of the state's enclave from the engine and empty the state";

interface DestroyArgs extends StateArgs, LockArgs, RuntimeArgs {
  'auto-approve': boolean;
  json: boolean;
}

export function builder(y: Argv): Argv<DestroyArgs> {
  return withRuntimeOption(withLockTimeout(withStateOption(y)))
    .option('auto-approve', { type: 'boolean', default: false, describe: 'Destroy without asking for confirmation' })
    .option('json', { type: 'boolean', default: false, describe: 'Print what was removed as JSON (needs --auto-approve)' })
    .example('$0 destroy --auto-approve', 'Remove the enclave without asking') as unknown as Argv<DestroyArgs>;
}

export async function handler(argv: ArgumentsCamelCase<DestroyArgs>): Promise<void> {
  if (argv.json && !argv['auto-approve']) throw new UserError('--json needs --auto-approve: there is no one to ask');
  const p = paint(useColor(process.stdout));
  const backend = await openBackend(argv);
  const lock = await backend.lock({ operation: 'destroy', timeoutMs: parseLockTimeout(argv['lock-timeout']) });
  try {
    const state = await backend.read();
    maskOutput(stateSensitiveValues(state));
    if (state.lineage === null) {
      if (argv.json) process.stdout.write(formatJson(destroyDocument({ removed: null, state })));
      else process.stdout.write('Nothing to destroy: there is no state yet.\n');
      return;
    }
    if (!argv.json) {
      const names = [...state.services.keys()].sort();
      const artifacts = [...state.filesArtifacts.keys()].sort();
      process.stdout.write('starform will destroy the enclave of this state:\n');
      for (const n of names) process.stdout.write(p.red(`  - service.${neutraliseInline(n)}\n`));
      for (const a of artifacts) process.stdout.write(p.red(`  - artifact.${neutraliseInline(a)}\n`));
      process.stdout.write(p.dim('  and every other container, volume and network labelled with lineage ' + state.lineage + '\n'));
    }
    if (!argv['auto-approve']) {
      const answer = await ask("\nDo you really want to destroy it all?\n  Only 'yes' will be accepted to confirm.\n\n  Enter a value: ");
      if (answer !== 'yes') throw new UserError('destroy cancelled: nothing was changed');
    }
    const choice = new RuntimeChoice(requestedRuntime(argv.runtime));
    choice.settle(state.enclave?.runtime, state.enclave !== null, argv.state);
    const result = await destroyEnclave({ backend, runtime: lazyRuntime(choice), lock });
    const removed = result.removed;
    if (argv.json) {
      process.stdout.write(formatJson(destroyDocument(result)));
      return;
    }
    const c = removed?.containers.length ?? 0;
    const v = removed?.volumes.length ?? 0;
    process.stdout.write(
      `\n${p.bold(p.green(`Destroy complete: ${c} container${c === 1 ? '' : 's'}, ${v} volume${v === 1 ? '' : 's'}${removed?.network ? ' and the network' : ''} removed.`))}\n`,
    );
  } finally {
    await lock.release();
    await backend.close();
  }
}
