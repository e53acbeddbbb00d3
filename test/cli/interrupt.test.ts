// A runaway package can be stopped (issue 18.9): Ctrl-C (SIGINT) or SIGTERM during the
// interpretation of `plan`, `validate` and `apply DIR` ends the real bin/starform promptly
// with the Starlark position the package had reached, and the step limit (--max-steps,
// $STARFORM_MAX_STEPS) ends a runaway plan on its own, at the loop's position.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');

// Line 4, column 11 is `n += i`, where the package spends its time.
const RUNAWAY = `def spin():
    n = 0
    for i in range(1000000000000):
        n += i
    return n

def run(plan):
    plan.print("about to spin")
    return spin()
`;

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
  /** Milliseconds from the signal to the exit. */
  afterSignalMs: number;
}

/** Runs starform until it is busy interpreting (it has burnt `busyCpu` s of CPU), then sends `sig`. */
async function interruptWhileBusy(args: string[], cwd: string, sig: NodeJS.Signals, busyCpu = 1.2): Promise<Ended> {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + 60_000;
  while (cpuSeconds(child.pid!) < busyCpu) {
    if (Date.now() > deadline || child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(child.exitCode, null, `starform ended before the signal: ${stderr}`);
  const sent = Date.now();
  child.kill(sig);
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const { code, signal } = await exited;
  clearTimeout(killer);
  return { code, signal, stdout, stderr, afterSignalMs: Date.now() - sent };
}

describe('cli: stopping a runaway package', function () {
  this.timeout(120_000);
  let dir: string;
  let pkg: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-runaway-'));
    pkg = join(dir, 'pkg');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'main.star'), RUNAWAY);
    writeFileSync(join(pkg, 'kurtosis.yml'), 'name: github.com/starform-test/runaway\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('plan: the first Ctrl-C stops the interpretation at once, naming where the package was (exit 130)', async () => {
    const r = await interruptWhileBusy(['plan', pkg, '--refresh=false', '--state', join(dir, 's.json'), '--max-steps', '0'], dir, 'SIGINT');
    assert.equal(r.signal, null, `killed by ${r.signal}; stderr: ${r.stderr}`);
    assert.equal(r.code, 130, r.stderr);
    assert.ok(r.afterSignalMs < 5000, `took ${r.afterSignalMs} ms to stop`);
    assert.match(r.stderr, /^interrupted while interpreting main\.star:4:11; nothing was planned$/m);
    assert.match(r.stderr, /in spin at main\.star:4:11/);
    assert.match(r.stderr, /in run at main\.star:9:\d+/);
    assert.doesNotMatch(r.stderr, /internal error|at .*\.js:\d+/);
    assert.equal(r.stdout, '');
  });

  it('apply DIR: SIGTERM during the interpretation stops it, releases the lock and writes no state (exit 143)', async () => {
    const state = join(dir, 's.json');
    const r = await interruptWhileBusy(['apply', pkg, '--auto-approve', '--refresh=false', '--state', state, '--max-steps', '0'], dir, 'SIGTERM');
    assert.equal(r.signal, null, `killed by ${r.signal}; stderr: ${r.stderr}`);
    assert.equal(r.code, 143, r.stderr);
    assert.ok(r.afterSignalMs < 5000, `took ${r.afterSignalMs} ms to stop`);
    assert.match(r.stderr, /interrupted while interpreting main\.star:4:11/);
    assert.ok(!existsSync(`${state}.lock`), 'the state lock is released');
    assert.ok(!existsSync(state), 'no state was written');
  });

  it('validate: Ctrl-C stops it too', async () => {
    const r = await interruptWhileBusy(['validate', pkg, '--max-steps', '0'], dir, 'SIGINT');
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /interrupted while interpreting main\.star:4:11/);
  });

  it('the step limit ends a runaway plan with the Starlark position (--max-steps and STARFORM_MAX_STEPS)', () => {
    const viaFlag = spawnSync(process.execPath, [bin, 'plan', pkg, '--refresh=false', '--state', join(dir, 's.json'), '--max-steps', '200000'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.equal(viaFlag.status, 1, viaFlag.stderr);
    assert.match(viaFlag.stderr, /^main\.star:4:11: error: the package did not finish within 200,000 Starlark steps/m);
    assert.match(viaFlag.stderr, /--max-steps N or STARFORM_MAX_STEPS=N/);
    assert.match(viaFlag.stderr, /in run at main\.star:9:/);

    const viaEnv = spawnSync(process.execPath, [bin, 'validate', pkg], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', STARFORM_MAX_STEPS: '150000' },
    });
    assert.equal(viaEnv.status, 1, viaEnv.stderr);
    assert.match(viaEnv.stderr, /^main\.star:4:11: error: the package did not finish within 150,000 Starlark steps/m);
  });

  it('a bad step limit is a usage error', () => {
    for (const [args, env, re] of [
      [['--max-steps', '-5'], {}, /--max-steps must be a whole number of steps, 0 for no limit \(got -5\)/],
      [[], { STARFORM_MAX_STEPS: 'lots' }, /STARFORM_MAX_STEPS must be a whole number of steps/],
    ] as const) {
      const r = spawnSync(process.execPath, [bin, 'validate', pkg, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /internal error/);
    }
  });

  it('a package that ends is unaffected: same plan as before, errors and warnings intact', () => {
    writeFileSync(join(pkg, 'main.star'), 'def run(plan):\n    for i in range(3):\n        plan.print("hello %d" % i)\n    fail("boom")\n');
    const r = spawnSync(process.execPath, [bin, 'plan', pkg, '--refresh=false', '--state', join(dir, 's.json')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^main\.star:4:9: error: boom$/m);
    const missing = spawnSync(process.execPath, [bin, 'plan', join(dir, 'nope'), '--refresh=false'], { cwd: dir, encoding: 'utf8' });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope: package directory not found/);
    assert.doesNotMatch(missing.stderr, /internal error/);
  });
});
