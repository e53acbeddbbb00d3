// Every command the CLI has, in the order `starform --help` lists them. Each is a yargs
// command module of its own file (command, describe, builder, handler).
import type { CommandModule } from 'yargs';
import * as evalCommand from './eval.js';
import * as planCommand from './plan.js';
import * as showCommand from './show.js';
import * as validateCommand from './validate.js';
import { applyCommands } from './apply-commands.js';

/** A command module of any argument type; the registry only needs the shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandModule<any, any>;

export function asCommand(module: object): AnyCommand {
  return module as AnyCommand;
}

export const commands: AnyCommand[] = [
  asCommand(planCommand),
  asCommand(showCommand),
  asCommand(validateCommand),
  ...applyCommands,
  asCommand(evalCommand),
];
