// The command registry names and describes each command as its own module does (the
// registry repeats them so that only the command being run is loaded).
import assert from 'node:assert/strict';
import { COMMANDS } from '../../lib/cli/commands.js';

describe('cli: the command registry', () => {
  for (const entry of COMMANDS) {
    it(`${entry.command.split(' ')[0]}: registry and module agree`, async () => {
      const module = (await entry.load()) as { command?: unknown; describe?: unknown; builder?: unknown; handler?: unknown };
      assert.equal(module.command, entry.command);
      assert.equal(module.describe, entry.describe);
      assert.equal(typeof module.builder, 'function');
      assert.equal(typeof module.handler, 'function');
    });
  }
});
