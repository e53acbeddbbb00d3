// `starform state list | show ADDRESS | rm ADDRESS...`: inspect and edit the state.
// Addresses are `service.<name>`, `artifact.<name>` or a step id; a bare service or
// artifact name works when it is unambiguous. `state rm` makes starform forget entries
// (under the lock, written atomically with a backup) without touching the engine: a
// removed service's container keeps running, and since it still carries the enclave's
// label the next apply removes it as a container the state does not name (or `destroy`).
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import { forgetStep } from '../apply/records.js';
import { stateEntryDocument, stateListDocument } from '../render/json-views.js';
import { renderEntry, renderStateList, resolveAddress, type ArtifactFile } from '../render/state-view.js';
import { stateSensitiveValues } from '../plan/sensitive.js';
import { maskOutput } from '../render/redact.js';
import { useColor } from '../render/style.js';
import { removeFilesArtifact, removeService, withBackendLock, type StateBackend, type State } from '../state/index.js';
import { UserError } from '../util/errors.js';
import { formatJson } from '../util/json.js';
import { parseLockTimeout, withLockTimeout, type LockArgs } from './apply.js';
import { withStateOption, type StateArgs } from './shared-options.js';
import { openBackend } from './state-backend.js';
import { historyCommands } from './state-history.js';

export const command = 'state <command>';
export const describe = 'Inspect or edit the state: list, show ADDRESS, rm ADDRESS...';

interface ListArgs extends StateArgs {
  json: boolean;
}
interface ShowArgs extends StateArgs {
  address: string;
  json: boolean;
}
interface RmArgs extends StateArgs, LockArgs {
  addresses: string[];
}

function notFound(state: State, address: string, file: string): UserError {
  return new UserError(`the state has no '${address}'`, {
    location: { file },
    hint: state.services.size + state.filesArtifacts.size > 0 ? 'See `starform state list` for what it has.' : 'The state is empty.',
  });
}

const list: CommandModule<StateArgs, ListArgs> = {
  command: 'list',
  describe: 'List the services and files artifacts in the state',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'Print JSON' }) as unknown as Argv<ListArgs>,
  async handler(argv: ArgumentsCamelCase<ListArgs>) {
    const backend = await openBackend(argv);
    const state = await backend.read().finally(() => backend.close());
    maskOutput(stateSensitiveValues(state));
    process.stdout.write(argv.json ? formatJson(stateListDocument(state)) : renderStateList(state));
  },
};

async function artifactFiles(backend: StateBackend, digest: Parameters<StateBackend['blobs']['get']>[0]): Promise<ArtifactFile[] | undefined> {
  try {
    const { readArchive } = await import('../runtime/index.js');
    const content = await backend.blobs.get(digest);
    return (await readArchive(content)).filter((e) => e.type === 'file').map((e) => ({ path: e.path, size: e.content.length }));
  } catch {
    return undefined;
  }
}

const show: CommandModule<StateArgs, ShowArgs> = {
  command: 'show <address>',
  describe: 'Show one service, files artifact or applied step of the state',
  builder: (y) =>
    y
      .positional('address', { type: 'string', demandOption: true, describe: 'service.NAME, artifact.NAME, a step id, or a bare name' })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }) as unknown as Argv<ShowArgs>,
  async handler(argv: ArgumentsCamelCase<ShowArgs>) {
    const backend = await openBackend(argv);
    const state = await backend.read();
    maskOutput(stateSensitiveValues(state));
    const entry = resolveAddress(state, argv.address);
    if (entry === undefined) throw notFound(state, argv.address, backend.location);
    const files = entry.type === 'artifact' ? await artifactFiles(backend, entry.record.contentHash) : undefined;
    await backend.close();
    process.stdout.write(
      argv.json ? formatJson(stateEntryDocument(state, entry, files)) : renderEntry(state, entry, { color: useColor(process.stdout), ...(files ? { files } : {}) }),
    );
  },
};

const rm: CommandModule<StateArgs, RmArgs> = {
  command: 'rm <addresses..>',
  describe: 'Make the state forget services, files artifacts or steps (the engine is not touched)',
  builder: (y) =>
    withLockTimeout(
      y.positional('addresses', { type: 'string', array: true, demandOption: true, describe: 'What to forget' }) as unknown as Argv<
        StateArgs & { addresses: string[] }
      >,
    ) as unknown as Argv<RmArgs>,
  async handler(argv: ArgumentsCamelCase<RmArgs>) {
    const backend = await openBackend(argv);
    await withBackendLock(backend, { operation: 'state rm', timeoutMs: parseLockTimeout(argv['lock-timeout']) }, async (lock) => {
      const state = await backend.read();
      maskOutput(stateSensitiveValues(state));
      let next = state;
      const lines: string[] = [];
      for (const address of argv.addresses) {
        const entry = resolveAddress(next, address);
        if (entry === undefined) throw notFound(state, address, backend.location);
        if (entry.type === 'service') {
          next = forgetStep(removeService(next, entry.name), entry.address);
          lines.push(
            `Removed ${entry.address} from the state. Its container ${entry.record.containerId.slice(0, 12)} was not touched; ` +
              'the next apply removes it (it carries the enclave label but the state no longer names it).',
          );
        } else if (entry.type === 'artifact') {
          next = forgetStep(removeFilesArtifact(next, entry.name), entry.address);
          lines.push(`Removed ${entry.address} from the state.`);
        } else {
          next = forgetStep(next, entry.address);
          lines.push(`Removed step ${entry.address} from the state: the next plan runs it again.`);
        }
      }
      const written = await backend.write(state, next, lock);
      process.stdout.write(`${lines.join('\n')}\nThe state is now at serial ${written.serial}.\n`);
    });
  },
};

export function builder(y: Argv): Argv<StateArgs> {
  return withStateOption(y)
    .command(list as unknown as CommandModule<StateArgs, ListArgs>)
    .command(show as unknown as CommandModule<StateArgs, ShowArgs>)
    .command(rm as unknown as CommandModule<StateArgs, RmArgs>)
    .command(historyCommands())
    .demandCommand(1, 'Name a state command: list, show or rm.') as unknown as Argv<StateArgs>;
}

export function handler(): void {
  // the subcommands handle everything
}
