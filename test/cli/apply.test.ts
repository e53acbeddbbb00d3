// The execution-phase commands as a user runs them, on a real engine: apply (a package
// after confirmation, a saved plan without), destroy, state list / show / rm, output,
// force-unlock; progress as plain lines and NDJSON; and every refusal and failure a user
// can meet — each one message with its location, exit code 1, no stack trace, and a state
// file that still describes what exists.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockState, parseState, readState } from '../../lib/state/index.js';
import { fixture, useApplyEngine } from '../apply/helpers/engine.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function starform(args: string[], cwd: string, options: { input?: string; env?: Record<string, string> } = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    input: options.input ?? '',
    env: { ...process.env, NO_COLOR: '1', CI: '1', ...options.env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function starformAsync(args: string[], cwd: string): Promise<Run> {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', CI: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code: code ?? -1, stdout, stderr };
}

/** A user-facing failure: exit 1, no stack trace, no "internal error". */
function assertUserError(r: Run, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code 1 expected; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at .+:\d+:\d+\)?\n/);
}

describe('cli: apply, destroy, state, output, force-unlock (Docker)', function () {
  this.timeout(180_000);
  const engine = useApplyEngine();
  let dir: string;
  let state: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-cli-apply-'));
    state = engine.newStatePath();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('shows the live progress view (ink) on a terminal', function () {
    // script(1) gives starform a pseudo-terminal; CI must be unset for the live view.
    const pkg = join(dir, 'pkg');
    spawnSync('mkdir', ['-p', pkg]);
    writeFileSync(join(pkg, 'main.star'), 'def run(plan):\n    plan.print("hello from a terminal")\n');
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
    delete env.CI;
    delete env.NO_COLOR;
    const command = [process.execPath, bin, 'apply', pkg, '--auto-approve', '--state', state].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, encoding: 'utf8', env, timeout: 120_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /\x1b\[/, 'the terminal view draws with escape sequences');
    assert.match(r.stdout, /print\.[0-9a-f]{12}.*ran in/);
    assert.match(r.stdout, /Apply complete: 0 created, 0 replaced, 1 run, 0 deleted\./);
    assert.doesNotMatch(r.stdout, /internal error/);
  });

  it('applies a package after `yes`, shows state and outputs, and destroys it', async () => {
    const no = starform(['apply', fixture('packages/webapp'), '--state', state], dir, { input: 'no\n' });
    assertUserError(no, /apply cancelled: nothing was changed/);
    assert.equal(existsSync(state), false);

    const yes = starform(['apply', fixture('packages/webapp'), '--state', state], dir, { input: 'yes\n' });
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, /Plan: 4 to create, 0 to replace, 1 to run, 0 to delete\./);
    assert.match(yes.stdout, /Only 'yes' will be accepted/);
    assert.match(yes.stdout, /^\+ {3}service\.postgres {2}created in \S+ {2}container [0-9a-f]{12}, ip [0-9.]+; postgresql → 127\.0\.0\.1:\d+$/m);
    assert.match(yes.stdout, /^> {3}wait\.[0-9a-f]{12} {2}ran in /m);
    assert.match(yes.stdout, /Apply complete: 4 created, 0 replaced, 1 run, 0 deleted\./);
    assert.match(
      yes.stdout,
      /Outputs:\n\ndatabase_url = "postgresql:\/\/app:\(sensitive\)@postgres:5432\/app"\nredis = "redis:6379"\nurl = "http:\/\/app:8080"\n/,
    );
    const lines = yes.stdout
      .split('\n')
      .filter((l) => /^(\+|>|-\/\+|-) /.test(l))
      .map((l) => l.split(/\s+/)[1]);
    assert.deepEqual(lines.slice(0, 2).sort(), ['service.postgres', 'service.redis']);
    assert.deepEqual(lines.slice(2), ['artifact.webapp-site', 'service.app', lines[4]], 'lines come in plan order');

    const again = starform(['apply', fixture('packages/webapp'), '--state', state], dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /No changes\. The environment matches the package\. \(5 unchanged\)/);
    assert.match(again.stdout, /Apply complete: 0 created, 0 replaced, 0 run, 0 deleted\./);

    const list = starform(['state', 'list', '--state', state], dir);
    assert.equal(list.stdout, 'service.app\nservice.postgres\nservice.redis\nartifact.webapp-site\n');
    const show = starform(['state', 'show', 'app', '--state', state], dir);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^# service\.app\nstatus {8}= running\ncontainer_id {2}= [0-9a-f]{64}\n/);
    assert.match(show.stdout, /http {8}8080\/TCP \(http\) → 127\.0\.0\.1:\d+/);
    const artifact = starform(['state', 'show', 'artifact.webapp-site', '--state', state, '--json'], dir);
    const shown = JSON.parse(artifact.stdout) as { files: { path: string }[] };
    assert.deepEqual(
      shown.files.map((f) => f.path),
      ['health.json', 'index.html'],
    );
    assertUserError(starform(['state', 'show', 'nothing', '--state', state], dir), /the state has no 'nothing'/);

    assert.equal(starform(['output', 'url', '--state', state], dir).stdout, 'http://app:8080\n');
    const outputsOf = (args: string[]) =>
      (JSON.parse(starform(['output', '--json', ...args, '--state', state], dir).stdout) as { outputs: Record<string, unknown> }).outputs;
    assert.equal(outputsOf([])['database_url'], 'postgresql://app:(sensitive)@postgres:5432/app');
    assert.deepEqual(outputsOf(['--show-sensitive']), {
      database_url: 'postgresql://app:not-a-secret@postgres:5432/app',
      redis: 'redis:6379',
      url: 'http://app:8080',
    });
    assertUserError(starform(['output', 'nope', '--state', state], dir), /no output named 'nope' \(the outputs are: database_url, redis, url\)/);

    const lineage = (await readState(state)).lineage!;
    assertUserError(starform(['destroy', '--state', state], dir, { input: '\n' }), /destroy cancelled/);
    const destroyed = starform(['destroy', '--state', state, '--auto-approve'], dir);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.match(destroyed.stdout, /Destroy complete: 3 containers, 0 volumes and the network removed\./);
    const left = await engine.runtime.inspectEnclave(lineage);
    assert.deepEqual([left.containers.length, left.network], [0, undefined]);
    assert.equal(starform(['state', 'list', '--state', state], dir).stdout, '');
  });

  it('applies a saved plan without asking, streams NDJSON, and refuses it once it is stale', () => {
    const plan = join(dir, 'change.plan');
    assert.equal(starform(['plan', fixture('lifecycle'), '--state', state, '--out', plan], dir).code, 0);
    const r = starform(['apply', plan, '--state', state, '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step_id?: string; index?: number });
    assert.equal(events[0]!.type, 'apply_start');
    assert.deepEqual(
      events.slice(-2).map((e) => e.type),
      ['apply_done', 'status'],
      'the status table is the last line',
    );
    const indexes = events.filter((e) => e.type === 'step_done').map((e) => e.index);
    assert.deepEqual(
      indexes,
      [...indexes].sort((a, b) => a! - b!),
      'step events come in step order',
    );
    for (const e of events.filter((x) => x.type.startsWith('step_'))) assert.equal(typeof e.step_id, 'string');
    assert.equal(events.filter((e) => e.type === 'step_done').length, 7);

    const stale = starform(['apply', plan, '--state', state], dir);
    assertUserError(stale, /change\.plan: stale plan: it was applied already; it made this state/);
  });

  it('refuses a tampered plan, an unknown format version and package flags with a plan', () => {
    const plan = join(dir, 'change.plan');
    assert.equal(starform(['plan', fixture('packages/checks'), '--state', state, '--out', plan], dir).code, 0);
    const text = readFileSync(plan, 'utf8');
    writeFileSync(plan, text.replace(/"name": ?"web"/, '"name":"wab"'));
    assertUserError(starform(['apply', plan, '--state', state], dir), /change\.plan: the plan file was modified after starform wrote it/);
    writeFileSync(plan, text.replace('"format_version": 1', '"format_version": 99'));
    assertUserError(starform(['apply', plan, '--state', state], dir), /plan file format version 99 is newer than this starform knows/);
    writeFileSync(plan, text);
    assertUserError(starform(['apply', plan, '--state', state, '--args', '{}'], dir), /--args cannot be used with a saved plan/);
    assert.equal(existsSync(state), false, 'nothing was applied');
  });

  it('refuses a corrupt state file and never writes over it', () => {
    writeFileSync(state, '{"format_version": 1, "lineage": ');
    const r = starform(['apply', fixture('packages/checks'), '--state', state, '--auto-approve'], dir);
    assertUserError(r, /starform\.state\.json:1:\d+: not valid JSON/);
    assert.equal(readFileSync(state, 'utf8'), '{"format_version": 1, "lineage": ');
    writeFileSync(state, JSON.stringify({ format_version: 1, lineage: 'x', serial: 'one' }));
    assertUserError(starform(['apply', fixture('packages/checks'), '--state', state, '--auto-approve'], dir), /not a valid state file/);
  });

  it('stops at a failing step with its position, and continues from there once fixed', () => {
    const r = starform(['apply', fixture('failing'), '--state', state, '--auto-approve'], dir);
    assertUserError(r, /^main\.star:11:24: exec\.[0-9a-f]{12} \(Executing command on service 'app'\) failed: Exec returned exit code '3'/m);
    assert.match(r.stderr, /table missing/);
    assert.match(r.stderr, /1 of 3 steps finished and recorded in the state/);
    assert.match(r.stdout, /^· {3}print\.[0-9a-f]{12} {2}not started: exec\.[0-9a-f]{12} failed$/m);
    const recorded = parseState(readFileSync(state, 'utf8'), state);
    assert.deepEqual([...recorded.services.keys()], ['app']);

    const fixed = starform(['apply', fixture('failing'), '--state', state, '--auto-approve', '--args', '{"fixed": true}'], dir);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, /Apply complete: 0 created, 0 replaced, 2 run, 0 deleted\./);
    assert.match(fixed.stdout, /migrated: migrating/);
  });

  it('names the image that cannot be had, before anything changes', async () => {
    const r = starform(['apply', fixture('missing-image'), '--state', state, '--auto-approve'], dir);
    assertUserError(r, /starform-test\/does-not-exist:1\.0/);
    assert.match(r.stderr, /main\.star:5:21: /);
    if (existsSync(state)) assert.equal((await readState(state)).services.size, 0);
  });

  it('reports a host port that is already taken', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const r = starform(['apply', fixture('fixed-port'), '--state', state, '--auto-approve', '--args', JSON.stringify({ port })], dir);
      assertUserError(r, new RegExp(`main\\.star:4:21: service\\.web .* failed: .*host port ${port} .*already in use`));
      const recorded = await readState(state);
      assert.equal(recorded.services.size, 0, 'no service is recorded');
      const left = await engine.runtime.inspectEnclave(recorded.lineage!);
      assert.equal(left.containers.length, 0, 'the half-made container was removed');
    } finally {
      server.close();
    }
  });

  it('fails clearly when Docker cannot be reached', () => {
    const env = { DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}` };
    const r = starform(['apply', fixture('packages/checks'), '--state', state, '--auto-approve'], dir, { env });
    assertUserError(r, /no-docker\.sock/);
    assert.equal(existsSync(state), false);
  });

  it('lets only one of two simultaneous applies run, and loses nothing', async () => {
    const [a, b] = await Promise.all([
      starformAsync(['apply', fixture('lifecycle'), '--state', state, '--auto-approve'], dir),
      starformAsync(['apply', fixture('lifecycle'), '--state', state, '--auto-approve'], dir),
    ]);
    const [won, lost] = a.code === 0 ? [a, b] : [b, a];
    assert.equal(won.code, 0, won.stderr);
    assertUserError(lost, /the state is locked by another operation:\n {2}Lock ID: {3}[0-9a-f-]{36}\n {2}Operation: apply/);
    const recorded = await readState(state);
    assert.deepEqual([...recorded.services.keys()].sort(), ['cache', 'web', 'worker']);
    const again = starform(['plan', fixture('lifecycle'), '--state', state], dir);
    assert.match(again.stdout, /No changes\./);
  });

  it('waits for the lock with --lock-timeout, and force-unlock removes a lock by its ID', async () => {
    const lock = await lockState(state, { operation: 'maintenance' });
    try {
      const started = Date.now();
      const r = starform(['apply', fixture('packages/checks'), '--state', state, '--auto-approve', '--lock-timeout', '1s'], dir);
      assertUserError(r, /locked by another operation \(waited 1\.0 s\)/);
      assert.ok(Date.now() - started >= 1000);
      assertUserError(starform(['force-unlock', 'not-the-id', '--state', state], dir), /lock ID not-the-id does not match the lock held/);
      // The holder (this process) still runs: refused unless --force.
      assertUserError(starform(['force-unlock', lock.info.id, '--state', state], dir), /the lock's holder is still running: maintenance by .*pass --force/s);
      const unlocked = starform(['force-unlock', lock.info.id, '--state', state, '--force'], dir);
      assert.equal(unlocked.code, 0, unlocked.stderr);
      assert.match(unlocked.stdout, /Removed the lock of .*: maintenance by /);
      assertUserError(starform(['force-unlock', lock.info.id, '--state', state], dir), /the state is not locked/);
    } finally {
      await lock.release();
    }
  });

  it('state rm forgets an entry without touching the engine (its container keeps running, remembered as forgotten)', async () => {
    assert.equal(starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve'], dir).code, 0);
    const before = await readState(state);
    const id = before.services.get('worker')!.containerId;
    const r = starform(['state', 'rm', 'service.worker', '--state', state], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Forgot service\.worker: its container [0-9a-f]{12} keeps running and is no longer managed by starform/);
    const after = await readState(state);
    assert.equal(after.services.has('worker'), false);
    assert.deepEqual(after.forgotten, [{ containerId: id, service: 'worker' }]);
    assert.equal(after.serial, before.serial + 1);
    assert.ok((await engine.runtime.inspectService({ lineage: before.lineage!, name: 'worker', containerId: id }))?.running);
    assertUserError(starform(['state', 'rm', 'service.nothing', '--state', state], dir), /the state has no 'service\.nothing'/);
    // No longer starform's: this test removes it.
    await engine.runtime.removeService({ lineage: before.lineage!, name: 'worker', containerId: id });
  });

  it('on an interrupt starts no new step, records those in flight and releases the lock', async () => {
    const child = spawn(process.execPath, [bin, 'apply', fixture('lifecycle'), '--state', state, '--auto-approve', '--json', '--parallelism', '1'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', CI: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (/"type":"step_done"/.test(stdout)) resolve();
      });
    });
    child.kill('SIGINT');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 1, stderr);
    // The notice is an NDJSON event of the progress stream (with --json), sent at once.
    const notices = stdout
      .split('\n')
      .filter((l) => l.includes('"type":"interrupt"'))
      .map((l) => JSON.parse(l) as { count: number; running: number });
    assert.deepEqual(
      notices.map((n) => n.count),
      [1],
    );
    assert.ok(notices[0]!.running <= 1, 'one step at a time');
    assert.match(stderr, /the apply was interrupted\n\d of 7 steps finished and recorded in the state/);
    const events = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    assert.ok(events.some((e) => e.type === 'step_skipped'));
    assert.deepEqual(
      events.slice(-2).map((e) => e.type),
      ['apply_failed', 'status'],
      'the status table is the last line',
    );
    assert.equal(existsSync(`${state}.lock`), false, 'the lock was released');
    const finished = events.filter((e) => e.type === 'step_done').length;
    const recorded = parseState(readFileSync(state, 'utf8'), state);
    assert.equal(recorded.steps.length, finished, 'every finished step is in the state');
    const resumed = starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve'], dir);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`Plan: .*\\(${finished} unchanged\\)`));
  });

  it('needs --auto-approve for --json with a package', () => {
    assertUserError(starform(['apply', fixture('lifecycle'), '--state', state, '--json'], dir), /--json needs --auto-approve/);
  });
});
