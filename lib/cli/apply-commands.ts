// The commands of the execution phase (apply, destroy, state, output, force-unlock).
import type { AnyCommand } from './commands.js';

export const applyCommands: AnyCommand[] = [];
