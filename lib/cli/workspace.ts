// `starform workspace list | new NAME | delete NAME`: several independent states in one
// backend (PostgreSQL), chosen with `workspace=NAME` in the --state URL; `default`
// always exists and cannot be deleted. Deleting takes that workspace's lock and refuses a
// state that still records services unless --force (its containers keep running).
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import { show } from '../render/view.js';
import { workspaceCreatedView, workspaceDeletedView, workspaceListView } from '../render/workspace-view.js';
import type { StateBackend } from '../state/index.js';
import { UserError } from '../util/errors.js';
import { parseLockTimeout, withLockTimeout, type LockArgs } from './apply.js';
import { withStateOption, type StateArgs } from './shared-options.js';
import { openBackend } from './state-backend.js';
import { streams } from './streams.js';

export const command = 'workspace <command>';
export const describe = 'List, create or delete the workspaces of a state backend (PostgreSQL)';

interface NameArgs extends StateArgs, LockArgs {
  name: string;
  force: boolean;
}

function workspacesOf(backend: StateBackend): NonNullable<StateBackend['workspaces']> {
  if (backend.workspaces === undefined) {
    throw new UserError(`the ${backend.kind} backend has no workspaces: one state file is one state`, {
      location: { file: backend.location },
      hint: 'Use another --state path for another state, or a PostgreSQL backend (postgres://…?workspace=NAME).',
    });
  }
  return backend.workspaces;
}

async function withWorkspaces<T>(argv: StateArgs, fn: (w: NonNullable<StateBackend['workspaces']>, b: StateBackend) => Promise<T>): Promise<T> {
  const backend = await openBackend(argv);
  try {
    return await fn(workspacesOf(backend), backend);
  } finally {
    await backend.close();
  }
}

const list: CommandModule<StateArgs, StateArgs> = {
  command: 'list',
  describe: 'List the workspaces (the one --state names is marked)',
  handler: (argv: ArgumentsCamelCase<StateArgs>) =>
    withWorkspaces(argv, async (w) => {
      const names = await w.list();
      show(workspaceListView, { names, current: w.current }, streams, false);
    }),
};

const nameBuilder = (y: Argv<StateArgs>): Argv<NameArgs> =>
  withLockTimeout(y.positional('name', { type: 'string', demandOption: true, describe: 'The workspace' })).option('force', {
    type: 'boolean',
    default: false,
    describe: 'delete: also a workspace whose state still records services',
  }) as unknown as Argv<NameArgs>;

const create: CommandModule<StateArgs, NameArgs> = {
  command: 'new <name>',
  describe: 'Create a workspace (use it with workspace=NAME in the --state URL)',
  builder: nameBuilder,
  handler: (argv: ArgumentsCamelCase<NameArgs>) =>
    withWorkspaces(argv, async (w) => {
      await w.create(argv.name);
      show(workspaceCreatedView, { name: argv.name }, streams, false);
    }),
};

const remove: CommandModule<StateArgs, NameArgs> = {
  command: 'delete <name>',
  describe: 'Delete a workspace with its state and history',
  builder: nameBuilder,
  handler: (argv: ArgumentsCamelCase<NameArgs>) =>
    withWorkspaces(argv, async (w) => {
      await w.remove(argv.name, { force: argv.force, lockTimeoutMs: parseLockTimeout(argv['lock-timeout']) });
      show(workspaceDeletedView, { name: argv.name }, streams, false);
    }),
};

export function builder(y: Argv): Argv<StateArgs> {
  return withStateOption(y)
    .command(list)
    .command(create as unknown as CommandModule<StateArgs, StateArgs>)
    .command(remove as unknown as CommandModule<StateArgs, StateArgs>)
    .demandCommand(1, 'Name a workspace command: list, new or delete.') as unknown as Argv<StateArgs>;
}

export function handler(): void {
  // the subcommands handle everything
}
