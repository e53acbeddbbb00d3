// `--main-function-name` beside `--main-file`, as Kurtosis runs it: the named function of
// the main file is called; the plan is passed when its first parameter is called plan
// (required for run() only), the arguments as keywords; a missing function is one clear
// error at the main file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { makePlan } from '../../lib/plan/index.js';
import { emptyState } from '../../lib/state/index.js';
import { PACKAGE_ROOT } from '../../lib/util/package-info.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { manifest, writeTree } from './helpers.js';

const MAIN = `def run(plan):
    fail("run() is not the one asked for")

def deploy(plan, replicas = 1):
    plan.print(msg = "deploy %d" % replicas)

def no_plan(replicas):
    return {"replicas": replicas}
`;

function pkg(): string {
  return writeTree(tempDir('starform-mainfn-'), { 'kurtosis.yml': manifest('github.com/o/fn'), 'other.star': MAIN, 'main.star': 'def run(plan):\n    pass\n' });
}

describe('package: --main-function-name', function () {
  this.timeout(30000);
  afterEach(cleanupTempDirs);

  it('calls the named function of the main file with the plan and the arguments', () => {
    const r = makePlan({ dir: pkg(), mainFile: 'other.star', mainFunction: 'deploy', args: { replicas: 3 }, state: emptyState() });
    assert.deepEqual(r.problems, []);
    assert.equal(r.plan?.instructions[0]?.args['msg'], 'deploy 3');
  });

  it('passes no plan to a function whose first parameter is not plan', () => {
    const r = makePlan({ dir: pkg(), mainFile: 'other.star', mainFunction: 'no_plan', args: { replicas: 2 }, state: emptyState() });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.plan?.outputs, { replicas: 2 });
  });

  it('says so when the function does not exist', () => {
    const r = makePlan({ dir: pkg(), mainFile: 'other.star', mainFunction: 'nope', args: {}, state: emptyState() });
    assert.equal(r.problems[0]?.message, "No function 'nope' found in other.star (--main-function-name)");
  });

  it('is an option of plan', () => {
    const bin = join(PACKAGE_ROOT, 'bin', 'starform');
    const dir = pkg();
    const args = [
      'plan',
      dir,
      '--main-file',
      'other.star',
      '--main-function-name',
      'deploy',
      '--args',
      '{"replicas": 5}',
      '--refresh=false',
      '--state',
      join(dir, 's.json'),
    ];
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /msg: deploy 5/);
  });
});
