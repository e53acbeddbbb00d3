// A plan file holds no machine path: the package is recorded by its kurtosis.yml name and
// every file by its path inside its package, so the same package planned from two
// directories (under other names, named absolutely or relatively) gives byte-identical
// plan files — the same checksum for the same change.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
    plan([first, '--out', join(one, 'a.plan')], one);
    plan(['.', '--out', join(two, 'b.plan')], second);
    const a = readFileSync(join(one, 'a.plan'), 'utf8');
    const b = readFileSync(join(two, 'b.plan'), 'utf8');
    assert.equal(a, b);
    assert.ok(!a.includes(one) && !a.includes(two), 'no directory of this machine in the plan file');
    const recorded = (JSON.parse(a) as { package: { locator: string } }).package.locator;
    assert.equal(recorded, 'github.com/starform-fixtures/webapp');
  });
});
