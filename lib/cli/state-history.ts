// `starform state history | rollback SERIAL | migrate --from A --to B`: the versions a
// backend keeps, restoring one, and moving a state between backends.
//
// `rollback` writes the chosen version again as a new serial (under the lock), so a
// rollback is itself in the history and can be rolled back; the engine is not touched
// (the next plan shows what differs). `migrate` copies a state with its lineage and
// serial — a plan made against the source applies to the target — and the blobs it
// refers to, into a target that has no state yet; the source is left as it was.
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import { stateHistoryView, stateMigratedView, stateRolledBackView } from '../render/state-command-views.js';
import { show } from '../render/view.js';
import { withBackendLock, type StateBackend } from '../state/index.js';
import { UserError } from '../util/errors.js';
import { parseLockTimeout, withLockTimeout, type LockArgs } from './apply.js';
import type { StateArgs } from './shared-options.js';
import { openBackend } from './state-backend.js';
import { streams } from './streams.js';

interface HistoryArgs extends StateArgs {
  json: boolean;
}
interface RollbackArgs extends StateArgs, LockArgs {
  serial: number;
}
interface MigrateArgs extends StateArgs, LockArgs {
  from: string;
  to: string;
}

function historyOf(backend: StateBackend): NonNullable<StateBackend['history']> {
  if (backend.history === undefined) {
    throw new UserError(`the ${backend.kind} backend keeps no history beyond the previous version`, {
      location: { file: backend.location },
      hint: backend.kind === 'file' ? `The previous version is ${backend.location}.backup. A PostgreSQL backend keeps every version.` : undefined,
    });
  }
  return backend.history;
}

const history: CommandModule<StateArgs, HistoryArgs> = {
  command: 'history',
  describe: 'List the versions of the state the backend keeps (PostgreSQL), newest first',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'Print JSON' }) as unknown as Argv<HistoryArgs>,
  async handler(argv: ArgumentsCamelCase<HistoryArgs>) {
    const backend = await openBackend(argv);
    try {
      const kept = historyOf(backend);
      const [entries, state] = await Promise.all([kept.list(), backend.read()]);
      show(stateHistoryView, { entries, current: state.serial }, streams, argv.json === true);
    } finally {
      await backend.close();
    }
  },
};

const rollback: CommandModule<StateArgs, RollbackArgs> = {
  command: 'rollback <serial>',
  describe: 'Write an earlier version of the state again, as a new serial (the engine is not touched)',
  builder: (y) =>
    withLockTimeout(
      y.positional('serial', { type: 'number', demandOption: true, describe: 'The serial to restore (see `state history`)' }) as unknown as Argv<
        StateArgs & { serial: number }
      >,
    ) as unknown as Argv<RollbackArgs>,
  async handler(argv: ArgumentsCamelCase<RollbackArgs>) {
    if (!Number.isSafeInteger(argv.serial) || argv.serial < 1)
      throw new UserError(`state rollback: '${String(argv.serial)}' is not a serial (a whole number from 1)`);
    const backend = await openBackend(argv);
    try {
      const kept = historyOf(backend);
      await withBackendLock(backend, { operation: 'state rollback', timeoutMs: parseLockTimeout(argv['lock-timeout']) }, async (lock) => {
        const current = await backend.read();
        const location = { file: backend.location };
        if (argv.serial === current.serial) throw new UserError(`the state is at serial ${current.serial} already; nothing to roll back`, { location });
        const old = await kept.read(argv.serial);
        if (old.lineage !== current.lineage) {
          throw new UserError(`serial ${argv.serial} belongs to another state (lineage ${old.lineage}, the state is ${current.lineage}); not rolling back`, {
            location,
          });
        }
        const written = await backend.write(current, old, lock);
        show(stateRolledBackView, { restored: argv.serial, written: written.serial, previous: current.serial }, streams, false);
      });
    } finally {
      await backend.close();
    }
  },
};

const migrate: CommandModule<StateArgs, MigrateArgs> = {
  command: 'migrate',
  describe: 'Copy the state (lineage and serial kept) and its blobs from one backend to another with no state yet',
  builder: (y) =>
    withLockTimeout(
      y.option('from', { type: 'string', demandOption: true, describe: 'The state to copy: a path, file://… or postgres://…' }).option('to', {
        type: 'string',
        demandOption: true,
        describe: 'Where to copy it: a path, file://… or postgres://… without a state',
      }) as unknown as Argv<StateArgs & { from: string; to: string }>,
    ).example(
      '$0 state migrate --from starform.state.json --to postgres://ci@db/infra?schema=starform',
      'Move a local state into PostgreSQL',
    ) as unknown as Argv<MigrateArgs>,
  async handler(argv: ArgumentsCamelCase<MigrateArgs>) {
    const timeoutMs = parseLockTimeout(argv['lock-timeout']);
    const source = await openBackend(argv, argv.from);
    const target = await openBackend(argv, argv.to);
    try {
      if (source.kind === target.kind && source.location === target.location) throw new UserError('state migrate: --from and --to are the same state');
      await withBackendLock(source, { operation: 'state migrate', timeoutMs }, (sourceLock) =>
        withBackendLock(target, { operation: 'state migrate', timeoutMs }, async (targetLock) => {
          void sourceLock;
          const state = await source.read();
          if (state.lineage === null) throw new UserError('there is no state to migrate (it was never written)', { location: { file: source.location } });
          const there = await target.read();
          if (there.lineage !== null) {
            throw new UserError(`the target has a state already (lineage ${there.lineage}, serial ${there.serial}); not overwriting it`, {
              location: { file: target.location },
              hint: 'Migrate into a new file, another workspace or another schema.',
            });
          }
          for (const record of state.filesArtifacts.values()) await target.blobs.put(await source.blobs.get(record.contentHash));
          const written = await target.write(there, state, targetLock, { serial: state.serial });
          const migrated = {
            lineage: written.lineage,
            serial: written.serial,
            services: state.services.size,
            artifacts: state.filesArtifacts.size,
            from: source.location,
            to: target.location,
          };
          show(stateMigratedView, migrated, streams, false);
        }),
      );
    } finally {
      await Promise.all([source.close(), target.close()]);
    }
  },
};

/** The subcommands for lib/cli/state.ts's builder. */
export function historyCommands(): CommandModule<StateArgs, StateArgs>[] {
  return [history, rollback, migrate] as unknown as CommandModule<StateArgs, StateArgs>[];
}
