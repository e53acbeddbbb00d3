// `starform force-unlock LOCK_ID`: remove a state lock whose holder died without
// releasing it (the lock's ID is in the "state is locked" message). Only the lock with
// that ID is removed, never one taken since; a holder that still runs is refused unless
// --force (it then stops at its next state write).
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { forceUnlockedView } from '../render/lock-view.js';
import { show } from '../render/view.js';
import { openBackend } from './state-backend.js';
import { withStateOption, type StateArgs } from './shared-options.js';
import { streams } from './streams.js';

export const command = 'force-unlock <lock-id>';
export const describe = 'Remove the state lock with this ID, left by an operation that can no longer release it';

interface ForceUnlockArgs extends StateArgs {
  'lock-id': string;
  force: boolean;
}

export function builder(y: Argv): Argv<ForceUnlockArgs> {
  return withStateOption(y)
    .positional('lock-id', {
      type: 'string',
      demandOption: true,
      describe: 'The lock ID shown by the command that found the state locked',
    })
    .option('force', {
      type: 'boolean',
      default: false,
      describe: 'Remove the lock even though its holder is still running (the holder stops at its next state write)',
    }) as unknown as Argv<ForceUnlockArgs>;
}

export async function handler(argv: ArgumentsCamelCase<ForceUnlockArgs>): Promise<void> {
  const backend = await openBackend(argv);
  const holder = await backend.forceUnlock(argv['lock-id'], { force: argv.force }).finally(() => backend.close());
  show(forceUnlockedView, holder, streams, false);
}
