// Every command the CLI has, in the order `starform --help` lists them. Each is a yargs
// command module of its own file (command, describe, builder, handler). Only the module of
// the command being run is loaded: the others are registered by name and description
// alone, so `starform plan` never loads the executor and `--version` loads neither.
import type { CommandModule } from 'yargs';

/** A command module of any argument type; the registry only needs the shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandModule<any, any>;

interface CommandEntry {
  /** The yargs command string, as the module exports it. */
  readonly command: string;
  readonly describe: string;
  readonly load: () => Promise<object>;
}

// Names and descriptions repeat the modules' own exports; a test checks they agree.
export const COMMANDS: readonly CommandEntry[] = [
  { command: 'plan [dir]', describe: 'Show what applying the package would change, and optionally save the plan', load: () => import('./plan.js') },
  { command: 'show <plan>', describe: 'Show a saved plan (text, --json, or --markdown for a pull request)', load: () => import('./show.js') },
  { command: 'validate [dir]', describe: 'Interpret and validate a package without planning against a state', load: () => import('./validate.js') },
  {
    command: 'apply [dir]',
    describe: 'Apply a saved plan (apply PLAN), or plan the package and apply it after confirmation (apply [DIR])',
    load: () => import('./apply.js'),
  },
  { command: 'destroy', describe: "Remove everything of the state's enclave from the engine and empty the state", load: () => import('./destroy.js') },
  {
    command: 'drift',
    describe: 'Compare the state with the engine (read-only): exit 0 when they match, 2 when they drifted',
    load: () => import('./drift.js'),
  },
  { command: 'output [name]', describe: 'Show the values run() returned at the last apply', load: () => import('./output.js') },
  {
    command: 'import <address> <container> [dir]',
    describe: 'Adopt an existing container as a service of the package (Terraform-style import)',
    load: () => import('./import.js'),
  },
  {
    command: 'state <command>',
    describe: 'Inspect or edit the state: list, show ADDRESS, rm ADDRESS..., mv FROM TO, pull, push FILE',
    load: () => import('./state.js'),
  },
  { command: 'workspace <command>', describe: 'List, create or delete the workspaces of a state backend (PostgreSQL)', load: () => import('./workspace.js') },
  {
    command: 'force-unlock <lock-id>',
    describe: 'Remove the state lock with this ID, left by an operation that can no longer release it',
    load: () => import('./force-unlock.js'),
  },
  {
    command: 'status',
    describe: 'Show the enclave: services with their state, image, IP and host URLs; files artifacts; outputs',
    load: () => import('./status.js'),
  },
  { command: 'logs <service>', describe: "Print a service's log (--follow to keep printing, --tail N, --since 10m)", load: () => import('./logs.js') },
  {
    command: 'exec <service> [cmd..]',
    describe: 'Run a command in a service (starform exec SERVICE -- CMD...); exits with its exit code',
    load: () => import('./exec.js'),
  },
  { command: 'shell <service>', describe: 'Open an interactive shell in a service (needs a terminal)', load: () => import('./shell.js') },
  {
    command: 'files <command>',
    describe: 'Inspect (files inspect ARTIFACT) or download (files download ARTIFACT DIR) a files artifact',
    load: () => import('./files.js'),
  },
  {
    command: 'port <service> [port-id]',
    describe: "Print the host address of a service's port (all its ports without PORT_ID)",
    load: () => import('./port.js'),
  },
  {
    command: 'packages <command>',
    describe: 'Fill the package cache ahead of time (fetch), or show what a package resolves to (list)',
    load: () => import('./packages.js'),
  },
  { command: 'export <plan>', describe: 'Compile a saved plan to a Compose file, Kubernetes manifests or a Helm chart', load: () => import('./export.js') },
  { command: 'eval <file>', describe: 'Run a Starlark file (json, struct and time predeclared; print to stdout)', load: () => import('./eval.js') },
];

/**
 * The commands for yargs: those the command line names loaded, the others as name and
 * description. Every word that names a command loads it (not only the first word that is
 * not an option: in `--debug false plan` that is `false`), so yargs can never run a
 * stand-in; a stand-in that runs anyway is a bug, and says so.
 */
export async function loadCommands(argv: readonly string[]): Promise<AnyCommand[]> {
  const named = new Set(argv);
  return Promise.all(
    COMMANDS.map(async (entry) => {
      const name = entry.command.split(' ')[0]!;
      if (named.has(name)) return (await entry.load()) as AnyCommand;
      return {
        command: entry.command,
        describe: entry.describe,
        builder: (y) => y,
        handler: () => {
          throw new Error(`the command module of '${name}' was not loaded`);
        },
      } satisfies AnyCommand;
    }),
  );
}
