// `starform state list | show ADDRESS | rm ADDRESS... | mv FROM TO | pull | push FILE`:
// inspect and edit the state, as Terraform's commands of the same names do. Addresses are
// `service.<name>`, `artifact.<name>` or a step id; a bare service or artifact name works
// when it is unambiguous. The edits themselves are lib/state/edits.ts; each command here
// takes the lock, reads, edits, and writes once (atomically, with a backup), so a refused
// edit leaves the state as it was. `state rm` forgets (the container keeps running and is
// left alone from then on), `state mv` renames without recreating (the container also
// answers to the new name on the enclave network), `state pull` prints the state file and
// `state push` replaces it when lineage and serial allow.
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import type { ArtifactFile } from '../render/state-view.js';
import { stateEntryView, stateListView, stateMovedView, statePulledView, statePushedView, stateRemovedView } from '../render/state-command-views.js';
import { show as showView } from '../render/view.js';
import { stateSensitiveValues } from '../plan/sensitive.js';
import { maskOutput } from '../render/redact.js';
import {
  forget,
  lookupAddress,
  move,
  parseServiceAddress,
  parseState,
  pushed,
  putService,
  resolveStateAddress,
  withBackendLock,
  type StateBackend,
  type State,
} from '../state/index.js';
import { UserError } from '../util/errors.js';
import { parseLockTimeout, withLockTimeout, type LockArgs } from './apply.js';
import { withStateOption, type StateArgs } from './shared-options.js';
import { openBackend } from './state-backend.js';
import { historyCommands } from './state-history.js';
import { streams } from './streams.js';

export const command = 'state <command>';
export const describe = 'Inspect or edit the state: list, show ADDRESS, rm ADDRESS..., mv FROM TO, pull, push FILE';

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
    showView(stateListView, state, streams, argv.json === true);
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
    const entry = lookupAddress(state, argv.address);
    if (entry === undefined) throw notFound(state, argv.address, backend.location);
    const files = entry.type === 'artifact' ? await artifactFiles(backend, entry.record.contentHash) : undefined;
    await backend.close();
    showView(stateEntryView, { state, entry, files }, streams, argv.json === true);
  },
};

interface MvArgs extends StateArgs, LockArgs {
  from: string;
  to: string;
}
interface PushArgs extends StateArgs, LockArgs {
  file: string;
  force: boolean;
}

const rm: CommandModule<StateArgs, RmArgs> = {
  command: 'rm <addresses..>',
  describe: 'Forget services, files artifacts or steps: their containers keep running, starform no longer manages them',
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
        const done = forget(next, resolveStateAddress(next, address, backend.location));
        next = done.state;
        lines.push(done.message);
      }
      const written = await backend.write(state, next, lock);
      showView(stateRemovedView, { messages: lines, serial: written.serial }, streams, false);
    });
  },
};

const mv: CommandModule<StateArgs, MvArgs> = {
  command: 'mv <from> <to>',
  describe: 'Rename a service or files artifact in the state, without recreating it',
  builder: (y) =>
    withLockTimeout(
      y
        .positional('from', { type: 'string', demandOption: true, describe: 'The address it has (service.OLD)' })
        .positional('to', { type: 'string', demandOption: true, describe: 'The address the package now gives it (service.NEW)' }) as unknown as Argv<
        StateArgs & { from: string; to: string }
      >,
    ) as unknown as Argv<MvArgs>,
  async handler(argv: ArgumentsCamelCase<MvArgs>) {
    const backend = await openBackend(argv);
    await withBackendLock(backend, { operation: 'state mv', timeoutMs: parseLockTimeout(argv['lock-timeout']) }, async (lock) => {
      const state = await backend.read();
      maskOutput(stateSensitiveValues(state));
      const from = resolveStateAddress(state, argv.from, argv.state);
      let next = move(state, from, argv.to, argv.state);
      if (from.type === 'service' && state.lineage !== null) {
        // Its peers reach it by its new name: the enclave network gets that alias (same address).
        const { DockerRuntime } = await import('../docker/index.js');
        const to = parseServiceAddress(argv.to, argv.state);
        const ip = await new DockerRuntime()
          .attachToEnclave(state.lineage, from.record.containerId, to, from.record.ipAddress ? { ipAddress: from.record.ipAddress } : {})
          .catch((err: unknown) => {
            throw new UserError(
              `cannot give container ${from.record.containerId.slice(0, 12)} the name '${to}' on the enclave network: ${(err as Error).message}`,
              {
                hint: 'The state was not changed.',
                cause: err,
              },
            );
          });
        const record = next.services.get(to)!;
        if (ip !== '' && ip !== record.ipAddress) next = putService(next, to, { ...record, ipAddress: ip });
      }
      const written = await backend.write(state, next, lock);
      const to = argv.to.includes('.') ? argv.to : `${from.type}.${argv.to}`;
      showView(stateMovedView, { from: from.address, to, serial: written.serial }, streams, false);
    });
  },
};

const pull: CommandModule<StateArgs, StateArgs> = {
  command: 'pull',
  describe: 'Print the state as JSON, as the state file holds it (for `state push`)',
  builder: (y) => y,
  async handler(argv: ArgumentsCamelCase<StateArgs>) {
    const backend = await openBackend(argv);
    const state = await backend.read().finally(() => backend.close());
    if (state.lineage === null) throw new UserError('there is no state to pull', { location: { file: backend.location } });
    // The state keeps sensitive values in clear (its file is its owner's only); they are
    // masked on a terminal, and written as they are where the output goes to a file.
    if (streams.out.isTTY) maskOutput(stateSensitiveValues(state));
    showView(statePulledView, state, streams, false);
  },
};

const push: CommandModule<StateArgs, PushArgs> = {
  command: 'push <file>',
  describe: 'Replace the state with a state file (same lineage, serial not behind; --force otherwise)',
  builder: (y) =>
    withLockTimeout(
      y.positional('file', { type: 'string', demandOption: true, describe: 'A state file (as `state pull` prints it); - for standard input' }).option('force', {
        type: 'boolean',
        default: false,
        describe: 'Push even when the lineage or serial say the file is another or an older state',
      }) as unknown as Argv<StateArgs & { file: string; force: boolean }>,
    ) as unknown as Argv<PushArgs>,
  async handler(argv: ArgumentsCamelCase<PushArgs>) {
    // yargs hands a lone `-` over as ''.
    const fromStdin = argv.file === '-' || (argv.file === '' && process.argv.includes('-'));
    const source = fromStdin ? '(standard input)' : argv.file;
    const text = fromStdin ? await readStdin() : await readTextFile(argv.file);
    const incoming = parseState(text, source);
    const backend = await openBackend(argv);
    await withBackendLock(backend, { operation: 'state push', timeoutMs: parseLockTimeout(argv['lock-timeout']) }, async (lock) => {
      const current = await backend.read();
      maskOutput(stateSensitiveValues(current));
      const next = pushed(current, incoming, { force: argv.force, file: source });
      const written = await backend.write(current, next, lock, argv.force ? { replacingLineage: true } : {});
      showView(statePushedView, { source, lineage: incoming.lineage, serial: incoming.serial, written: written.serial }, streams, false);
    });
  },
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readTextFile(file: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read the state file to push: ${(err as Error).message}`, { location: { file }, cause: err });
  }
}

export function builder(y: Argv): Argv<StateArgs> {
  return withStateOption(y)
    .command(list as unknown as CommandModule<StateArgs, ListArgs>)
    .command(show as unknown as CommandModule<StateArgs, ShowArgs>)
    .command(rm as unknown as CommandModule<StateArgs, RmArgs>)
    .command(mv as unknown as CommandModule<StateArgs, MvArgs>)
    .command(pull as unknown as CommandModule<StateArgs, StateArgs>)
    .command(push as unknown as CommandModule<StateArgs, PushArgs>)
    .command(historyCommands())
    .demandCommand(1, 'Name a state command: list, show, rm, mv, pull, push, history, rollback or migrate.') as unknown as Argv<StateArgs>;
}

export function handler(): void {
  // the subcommands handle everything
}
