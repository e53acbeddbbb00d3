// The compiled-Starlark cache as bin/starform uses it (lib/plan/program-cache-dir.ts): a
// second plan of a package runs from the entries the first one wrote and prints the same
// plan, byte for byte; damaged entries and STARFORM_STARLARK_CACHE=off change nothing a
// user sees.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');
const pkg = join(root, 'fixtures', 'packages', 'multimodule');

describe('cli: the compiled-Starlark cache', function () {
  this.timeout(60000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-program-cache-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function plan(cache: string): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [bin, 'plan', pkg, '--refresh=false', '--state', join(dir, 'none.state.json')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', STARFORM_STARLARK_CACHE: cache },
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  it('keeps one private entry per module and plans the same from them, also when they are damaged', () => {
    const cache = join(dir, 'cache');
    const first = plan(cache);
    assert.equal(first.code, 0, first.stderr);
    const entries = readdirSync(cache);
    const modules = readdirSync(pkg, { recursive: true }).filter((f) => String(f).endsWith('.star'));
    assert.equal(entries.length, modules.length, `one entry per module: ${entries.join(', ')}`);
    assert.equal(statSync(cache).mode & 0o777, 0o700);
    for (const e of entries) assert.equal(statSync(join(cache, e)).mode & 0o777, 0o600);
    const before = entries.map((e) => statSync(join(cache, e)).mtimeMs);
    const second = plan(cache);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.deepEqual(
      entries.map((e) => statSync(join(cache, e)).mtimeMs),
      before,
      'a run from the cache writes nothing',
    );
    for (const e of entries) writeFileSync(join(cache, e), readFileSync(join(cache, e)).subarray(0, 40));
    const damaged = plan(cache);
    assert.equal(damaged.code, 0, damaged.stderr);
    assert.equal(damaged.stdout, first.stdout);
    for (const e of entries) assert.ok(statSync(join(cache, e)).size > 40, 'damaged entries are written again');
  });

  it('writes nothing with STARFORM_STARLARK_CACHE=off', () => {
    const r = plan('off');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(dir), []);
  });
});
