// A plan file holds no machine path: the package is recorded by its kurtosis.yml name and
// every file by its path inside its package, so the same package planned from two
// directories (under other names, named absolutely or relatively) gives byte-identical
// plan files — the same checksum for the same change.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyState, serializeState } from '../../lib/state/index.js';
import { PACKAGE_ROOT } from '../../lib/util/package-info.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';

const bin = join(PACKAGE_ROOT, 'bin', 'starform');

function plan(args: string[], cwd: string): void {
  const r = spawnSync(process.execPath, [bin, 'plan', ...args, '--refresh=false'], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stderr);
}

describe('package: plan files without machine paths', function () {
  this.timeout(60000);
  afterEach(cleanupTempDirs);

  it('gives the same plan file for the same package planned from two directories', () => {
    const one = tempDir('starform-where-');
    const two = tempDir('starform-elsewhere-');
    const first = join(one, 'webapp');
    const second = join(two, 'deep', 'copy-of-it');
    mkdirSync(join(two, 'deep'), { recursive: true });
    cpSync(join(PACKAGE_ROOT, 'fixtures', 'packages', 'webapp'), first, { recursive: true });
    cpSync(join(PACKAGE_ROOT, 'fixtures', 'packages', 'webapp'), second, { recursive: true });
    // The same state in both places (a plan against no state gets a new lineage each time).
    const state = serializeState({ ...emptyState(), lineage: '6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e5f', serial: 1 });
    writeFileSync(join(one, 's.json'), state);
    writeFileSync(join(second, 's.json'), state);
    plan([first, '--out', join(one, 'a.plan'), '--state', join(one, 's.json')], one);
    plan(['.', '--out', join(two, 'b.plan'), '--state', 's.json'], second);
    const a = readFileSync(join(one, 'a.plan'), 'utf8');
    const b = readFileSync(join(two, 'b.plan'), 'utf8');
    assert.equal(a, b);
    assert.ok(!a.includes(one) && !a.includes(two), 'no directory of this machine in the plan file');
    const recorded = (JSON.parse(a) as { package: { locator: string } }).package.locator;
    assert.equal(recorded, 'github.com/starform-fixtures/webapp');
  });
});
