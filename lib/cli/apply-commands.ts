// The commands of the execution phase (apply, destroy, state, output, force-unlock), in
// the order `starform --help` lists them after plan, show and validate.
import type { AnyCommand } from './commands.js';
import * as applyCommand from './apply.js';
import * as destroyCommand from './destroy.js';
import * as forceUnlockCommand from './force-unlock.js';
import * as outputCommand from './output.js';
import * as stateCommand from './state.js';

export const applyCommands: AnyCommand[] = [applyCommand, destroyCommand, outputCommand, stateCommand, forceUnlockCommand].map(
  (m) => m as unknown as AnyCommand,
);
