// The runtime port names no engine: lib/runtime's sources mention Docker only as the build
// file format (Dockerfile), and import nothing from an adapter. A second engine's adapter
// can then be written against the port alone.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../docker/engine.js';

describe('runtime port: engine-neutral', () => {
  const dir = join(REPO_ROOT, 'lib', 'runtime');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    it(`lib/runtime/${file} names no engine and imports no adapter`, () => {
      const text = readFileSync(join(dir, file), 'utf8');
      const words = text.replace(/dockerfile/gi, '').match(/[^\n]*(docker|swarm|dockerode)[^\n]*/gi) ?? [];
      assert.deepEqual(words, []);
      assert.doesNotMatch(text, /from '\.\.\/(docker|swarm)\//);
    });
  }
});
