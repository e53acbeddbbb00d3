// Progress that never goes silent, and Ctrl-C, on the real engine with the real
// bin/starform (issue 13): a long step says "still running… 10s"; a failed exec shows its
// output under its own line; a build reports its steps (NDJSON valid against
// schemas/apply-event.schema.json); real SIGINTs — the first finishes the running step
// and starts nothing new, the second aborts it — leave a state from which `plan` shows
// exactly what remains. The live (ink) view is checked on a real terminal: tmux runs
// bin/starform in a pane of known size and the assertions read the rendered screen
// (`tmux capture-pane`), for a build, a failure, an interrupt and a pull. A pull from the
// loopback registry (helpers/registry.ts) ends within a second, so the pulls here go
// through a proxy that passes the registry's answers on slowly (helpers/slow-proxy.ts): the
// live view is read mid-pull, with its layers' bytes, and Ctrl-C is sent while the engine
// pulls — the first lets the pull finish and starts no step, the second makes the engine
// stop it; either way nothing changed and `plan` shows every step still to do.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { JsonObject } from '../../lib/util/json.js';
import { schemaValidator } from '../../lib/util/schema.js';
import { TEST_IMAGE, useApplyEngine } from '../apply/helpers/engine.js';
import { docker, useRegistry } from './helpers/registry.js';
import { startSlowProxy, type SlowProxy } from './helpers/slow-proxy.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');
const ENV = { ...process.env, NO_COLOR: '1', CI: '1' };

function starform(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: ENV, timeout: 180_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function writePackage(dir: string, name: string, main: string, files: Record<string, string> = {}): string {
  const pkg = join(dir, name);
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'kurtosis.yml'), `name: github.com/starform-test/${name}\n`);
  writeFileSync(join(pkg, 'main.star'), main);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(pkg, path, '..'), { recursive: true });
    writeFileSync(join(pkg, path), content);
  }
  return pkg;
}

/** a service, then a task that sleeps `seconds`, then a service: run one at a time. */
function sleeperPackage(dir: string, seconds: number): string {
  return writePackage(
    dir,
    `sleeper${seconds}`,
    `IMG = "${TEST_IMAGE}"\ndef run(plan):\n    plan.add_service("a", ServiceConfig(image = IMG, cmd = ["sleep", "3600"]))\n    plan.run_sh(run = "sleep ${seconds}", image = IMG)\n    plan.add_service("c", ServiceConfig(image = IMG, cmd = ["sleep", "3600"]))\n`,
  );
}

/**
 * Pushes a new image to the registry at `registry`: the test image and `layers` layers of
 * `bytes` random bytes each (nothing the engine has), then removes it locally, so that a
 * pull must fetch every one of those layers. Returns the path to pull (no host).
 */
function pushRandomImage(dir: string, registry: string, path: string, layers: number, bytes: number): string {
  const ctx = mkdtempSync(join(dir, 'image-'));
  const names = Array.from({ length: layers }, (_, i) => `layer${i}`);
  for (const n of names) writeFileSync(join(ctx, n), randomBytes(bytes));
  writeFileSync(join(ctx, 'Dockerfile'), `FROM ${TEST_IMAGE}\n${names.map((n) => `COPY ${n} /${n}`).join('\n')}\n`);
  const tag = `${registry}/${path}`;
  docker(['build', '-q', '-t', tag, ctx]);
  docker(['push', tag]);
  docker(['rmi', tag]);
  rmSync(ctx, { recursive: true, force: true });
  return path;
}

function imagePresent(ref: string): boolean {
  return spawnSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' }).status === 0;
}

/** A package of one service running `image`. */
function pullPackage(dir: string, name: string, image: string): string {
  return writePackage(dir, name, `def run(plan):\n    plan.add_service("p", ServiceConfig(image = "${image}", cmd = ["sleep", "3600"]))\n`);
}

async function until(what: string, test: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('cli: progress and interrupts (Docker)', function () {
  this.timeout(300_000);
  const engine = useApplyEngine();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-progress-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Applies `pkg` in the plain view, sends SIGINT `times` times once the task runs; resolves with its output and exit code. */
  async function interrupted(pkg: string, state: string, times: number): Promise<{ code: number | null; stdout: string; stderr: string; afterLastMs: number }> {
    const child = spawn(process.execPath, [bin, 'apply', pkg, '--auto-approve', '--state', state, '--parallelism', '1'], { cwd: dir, env: ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until('service a', () => /service\.a {2}created/.test(stdout));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    await until('the first notice', () => /Interrupt received: finishing 1 running step/.test(stdout), 2000);
    if (times === 2) {
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGINT');
      await until('the second notice', () => /Interrupt received again: aborting 1 running step/.test(stdout), 2000);
    }
    const last = Date.now();
    const code = await exited;
    return { code, stdout, stderr, afterLastMs: Date.now() - last };
  }

  it('first Ctrl-C: says so at once, finishes the running step (which says it still runs), starts nothing new; plan shows what remains', async () => {
    const state = engine.newStatePath();
    const pkg = sleeperPackage(dir, 12);
    const r = await interrupted(pkg, state, 1);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^ {4}run_sh\.[0-9a-f]{12}: still running… 1\ds$/m, 'a long step says it still runs');
    assert.match(r.stdout, /^> {3}run_sh\.[0-9a-f]{12} {2}ran in /m, 'the running step finished');
    assert.match(r.stdout, /^· {3}service\.c {2}not started: the apply was interrupted$/m);
    assert.match(r.stderr, /the apply was interrupted\n2 of 3 steps finished and recorded in the state/);
    const plan = starform(['plan', pkg, '--state', state], dir);
    assert.match(plan.stdout, /# service\.c will be created/);
    assert.match(plan.stdout, /Plan: 1 to create, 0 to replace, 0 to run, 0 to delete\. \(2 unchanged\)/);
  });

  it('second Ctrl-C: aborts the running step at once; the state records what exists and plan shows the rest', async () => {
    const state = engine.newStatePath();
    const pkg = sleeperPackage(dir, 120);
    const r = await interrupted(pkg, state, 2);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.afterLastMs < 20_000, `the abort took ${r.afterLastMs} ms`);
    assert.match(r.stdout, /^✗ {3}run_sh\.[0-9a-f]{12} {2}failed after .*was interrupted/m);
    const plan = starform(['plan', pkg, '--state', state], dir);
    assert.match(plan.stdout, /Plan: 1 to create, 0 to replace, 1 to run, 0 to delete\. \(1 unchanged\)/);
    // No task container is left behind by the aborted step.
    const lineage = (JSON.parse(readFileSync(state, 'utf8')) as { lineage: string }).lineage;
    const left = await engine.runtime.inspectEnclave(lineage);
    assert.deepEqual(left.containers.map((c) => c.service ?? 'task').sort(), ['a']);
  });

  it('a failed exec shows its output under its own line', () => {
    const state = engine.newStatePath();
    const pkg = writePackage(
      dir,
      'failing-exec',
      `def run(plan):\n    plan.add_service("a", ServiceConfig(image = "${TEST_IMAGE}", cmd = ["sleep", "3600"]))\n    plan.exec(service_name = "a", recipe = ExecRecipe(command = ["sh", "-c", "echo first output line; echo second output line; exit 3"]))\n`,
    );
    const r = starform(['apply', pkg, '--auto-approve', '--state', state], dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^✗ {3}exec\.[0-9a-f]{12} {2}failed after \S+ \(main\.star:3:14\) {2}Exec returned exit code '3'.*\n {4,}first output line\n {4,}second output line$/m,
    );
  });

  it('a build reports its steps as NDJSON events the schema describes', () => {
    const state = engine.newStatePath();
    const tag = `starform-test/progress-build:${process.pid}`;
    const marker = `marker-${Date.now()}`;
    const pkg = writePackage(
      dir,
      'build',
      `def run(plan):\n    plan.add_service("b", ServiceConfig(image = ImageBuildSpec(image_name = "${tag}", build_context_dir = "./ctx"), cmd = ["sleep", "3600"]))\n`,
      // COPY, not RUN: the build needs no container network (build output lines are covered in image-progress.test.ts).
      { 'ctx/Dockerfile': `FROM ${TEST_IMAGE}\nCOPY ${marker} /${marker}\n`, [`ctx/${marker}`]: marker },
    );
    try {
      const r = starform(['apply', pkg, '--auto-approve', '--state', state, '--json'], dir);
      assert.equal(r.code, 0, r.stderr);
      const events = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as JsonObject);
      const check = schemaValidator('apply-event.schema.json');
      for (const e of events) assert.deepEqual(check(e), [], JSON.stringify(e));
      const progress = events.filter((e) => e['type'] === 'image_progress');
      assert.ok(progress.every((e) => e['operation'] === 'build' && e['ref'] === tag));
      assert.deepEqual(
        progress.filter((e) => /^Step \d\/\d : /.test(String(e['message']))).map((e) => e['message']),
        [`Step 1/2 : FROM ${TEST_IMAGE}`, `Step 2/2 : COPY ${marker} /${marker}`],
      );
      assert.ok(
        progress.some((e) => e['build_step'] === `Step 2/2 : COPY ${marker} /${marker}` && e['message'] !== e['build_step']),
        'a later event carries the step it belongs to',
      );
      assert.ok(events.some((e) => e['type'] === 'image' && e['action'] === 'built'));
    } finally {
      spawnSync('docker', ['rmi', tag]);
    }
  });

  describe('a pull from a slow registry (plain view)', () => {
    const registry = useRegistry();
    let proxy: SlowProxy | undefined;
    before(async () => {
      proxy = await startSlowProxy(registry.address, 1_000_000);
    });
    after(async () => proxy?.close());

    it('first Ctrl-C during a pull: says it finishes the pull, starts no step; nothing changed, the image is there', async () => {
      proxy!.bytesPerSecond = 1_000_000;
      const path = pushRandomImage(dir, registry.address, `sf/plain-pull-${process.pid}:1`, 3, 4_000_000);
      const ref = `${proxy!.address}/${path}`;
      const state = engine.newStatePath();
      const pkg = pullPackage(dir, 'plain-pull', ref);
      try {
        const child = spawn(process.execPath, [bin, 'apply', pkg, '--auto-approve', '--state', state], { cwd: dir, env: ENV });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        const escaped = ref.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        await until('a layer downloading', () => new RegExp(`^image ${escaped} {2}layer [0-9a-f]{12}: Downloading`, 'm').test(stdout));
        child.kill('SIGINT');
        await until('the notice', () => /Interrupt received: finishing 1 image pull; no step starts/.test(stdout), 2000);
        const code = await exited;
        assert.equal(code, 1, stderr);
        // The pull went on to its end after the interrupt; then nothing started.
        assert.ok(stdout.indexOf('Interrupt received') < stdout.indexOf(`image ${ref} pulled in`), stdout);
        assert.match(stdout, /^· {3}service\.p {2}not started: the apply was interrupted$/m);
        assert.match(stderr, /^the apply was interrupted\n0 of 1 step started; nothing was changed\. The images are ready\./m);
        assert.ok(imagePresent(ref), 'the pull finished');
        const plan = starform(['plan', pkg, '--state', state], dir);
        assert.match(plan.stdout, /Plan: 1 to create, 0 to replace, 0 to run, 0 to delete\./);
      } finally {
        spawnSync('docker', ['rmi', ref], { stdio: 'ignore' });
      }
    });

    it('NDJSON: the interrupts count the pull; the second aborts it; every line as the schema says', async () => {
      proxy!.bytesPerSecond = 150_000;
      const ref = `${proxy!.address}/${pushRandomImage(dir, registry.address, `sf/json-pull-${process.pid}:1`, 2, 3_000_000)}`;
      const state = engine.newStatePath();
      const pkg = pullPackage(dir, 'json-pull', ref);
      try {
        const child = spawn(process.execPath, [bin, 'apply', pkg, '--auto-approve', '--state', state, '--json'], { cwd: dir, env: ENV });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        await until('a layer downloading', () => /"type":"image_progress".*"status":"Downloading"/.test(stdout));
        child.kill('SIGINT');
        await until('the first interrupt event', () => /"type":"interrupt"/.test(stdout), 2000);
        child.kill('SIGINT');
        assert.equal(await exited, 1, stderr);
        const events = stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as JsonObject);
        const check = schemaValidator('apply-event.schema.json');
        for (const e of events) assert.deepEqual(check(e), [], JSON.stringify(e));
        const interrupts = events.filter((e) => e['type'] === 'interrupt').map((e) => [e['count'], e['running'], e['pulls']]);
        assert.deepEqual(interrupts, [
          [1, 0, 1],
          [2, 0, 1],
        ]);
        assert.ok(events.some((e) => e['type'] === 'step_skipped' && e['step_id'] === 'service.p'));
        assert.ok(!events.some((e) => e['type'] === 'image'), 'the image was not had');
        assert.match(String(events.find((e) => e['type'] === 'apply_failed')?.['error']), /pulling image '.*' was interrupted: the engine stopped the pull/);
        assert.equal(imagePresent(ref), false);
      } finally {
        spawnSync('docker', ['rmi', ref], { stdio: 'ignore' });
      }
    });
  });

  describe('the live view in a terminal (tmux)', () => {
    const socket = `starform-test-${process.pid}`;
    let session = 0;
    before(function () {
      if (spawnSync('sh', ['-c', 'command -v tmux']).status !== 0) {
        if (process.env['CI']) throw new Error('tmux is not installed');
        this.skip();
      }
    });
    after(() => spawnSync('tmux', ['-L', socket, 'kill-server']));

    /** Starts `args` in a new 72×40 pane (no CI, so the live view runs); returns its name. */
    function inTerminal(args: string[]): string {
      const name = `s${++session}`;
      const command = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(' ');
      const env = { ...process.env, TERM: 'xterm-256color' } as NodeJS.ProcessEnv;
      delete env['CI'];
      const r = spawnSync(
        'tmux',
        ['-L', socket, 'new-session', '-d', '-s', name, '-x', '72', '-y', '40', `cd '${dir}' && ${command}; echo "EXIT=$?"; sleep 600`],
        { env, encoding: 'utf8' },
      );
      assert.equal(r.status, 0, r.stderr);
      return name;
    }
    function screen(name: string): string {
      // The rendered pane with its scrollback (the status table after the apply may push earlier lines up).
      return spawnSync('tmux', ['-L', socket, 'capture-pane', '-p', '-S', '-500', '-t', name], { encoding: 'utf8' }).stdout;
    }
    async function waitForScreen(name: string, pattern: RegExp, timeoutMs = 120_000): Promise<string> {
      let last = '';
      try {
        await until(`${pattern} on the screen`, () => pattern.test((last = screen(name))), timeoutMs);
      } catch (err) {
        throw new Error(`${(err as Error).message}; the screen was:\n${last}`);
      }
      return last;
    }
    /** Every line of the screen fits the pane: lines were wrapped by starform, at word boundaries. */
    function assertWrappedAtWords(text: string, words: string[]): void {
      const tokens = new Set(text.split(/\s+/));
      for (const w of words) assert.ok(tokens.has(w), `the word '${w}' appears whole on the screen:\n${text}`);
    }

    it('a build: shows the build step while it runs, then the created service', async () => {
      const state = engine.newStatePath();
      const tag = `starform-test/progress-live:${process.pid}`;
      const pkg = writePackage(
        dir,
        'live-build',
        `def run(plan):\n    plan.add_service("b", ServiceConfig(image = ImageBuildSpec(image_name = "${tag}", build_context_dir = "./ctx"), cmd = ["sleep", "3600"]))\n`,
        // A context of 40 MB of fresh bytes (COPY, no RUN: the build needs no container network) keeps the build going a while.
        { 'ctx/Dockerfile': `FROM ${TEST_IMAGE}\nCOPY blob /blob\n` },
      );
      writeFileSync(join(pkg, 'ctx', 'blob'), randomBytes(40_000_000));
      try {
        const name = inTerminal(['apply', pkg, '--auto-approve', '--state', state]);
        const during = await waitForScreen(name, /image starform-test\/progress-live:\d+ {2}building {2}(starting|Step \d\/2 : )/);
        assert.match(during, /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] image /m, 'a spinner line for the image');
        const end = await waitForScreen(name, /EXIT=\d/);
        assert.match(end, /image starform-test\/progress-live:\d+ built in/);
        assert.match(end, /^\+ {3}service\.b {2}created in/m);
        assert.match(end, /Apply complete: 1 created/);
        assert.match(end, /EXIT=0/);
      } finally {
        spawnSync('docker', ['rmi', tag]);
      }
    });

    it('a failure: the failed exec and its output, wrapped at word boundaries to the pane', async () => {
      const state = engine.newStatePath();
      const pkg = writePackage(
        dir,
        'live-failure',
        `def run(plan):\n    plan.add_service("a", ServiceConfig(image = "${TEST_IMAGE}", cmd = ["sleep", "3600"]))\n    plan.exec(service_name = "a", recipe = ExecRecipe(command = ["sh", "-c", "echo a rather long line of output that cannot fit in seventy two columns of terminal; exit 3"]))\n`,
      );
      const name = inTerminal(['apply', pkg, '--auto-approve', '--state', state]);
      const end = await waitForScreen(name, /EXIT=\d/);
      assert.match(end, /EXIT=1/);
      assert.match(end, /^✗ {3}exec\.[0-9a-f]{12} {2}failed after/m);
      for (const line of end.split('\n')) assert.ok(line.length <= 72, `a line longer than the pane: ${line}`);
      assertWrappedAtWords(end.slice(end.indexOf('✗')), ['acceptable', 'status', 'codes', 'rather', 'seventy', 'columns', 'terminal']);
      const out = end.slice(end.indexOf('✗'));
      assert.match(out, /\n {4,}a rather long line of output that cannot fit in\s+seventy two/);
    });

    it('an interrupt: Ctrl-C says it finishes the running step, a second aborts it', async () => {
      const state = engine.newStatePath();
      const pkg = sleeperPackage(dir, 90);
      const name = inTerminal(['apply', pkg, '--auto-approve', '--state', state, '--parallelism', '1']);
      const running = await waitForScreen(name, /run_sh\.[0-9a-f]{12} Running sh script/);
      assert.match(running, /service\.a {2}created in/);
      // At 72 columns the notice wraps onto its own (indented) line.
      await waitForScreen(name, /run_sh\.[0-9a-f]{12} Running sh script: `sleep 90`\s+still running…\s+\d+s/, 30_000);
      spawnSync('tmux', ['-L', socket, 'send-keys', '-t', name, 'C-c']);
      await waitForScreen(name, /Interrupt received: finishing 1 running step/, 3000);
      spawnSync('tmux', ['-L', socket, 'send-keys', '-t', name, 'C-c']);
      const end = await waitForScreen(name, /EXIT=\d/, 30_000);
      assert.match(end, /Interrupt received again: aborting 1 running step/);
      assert.match(end, /✗ {3}run_sh\.[0-9a-f]{12} {2}failed/);
      assert.match(end, /·\s+service\.c\s+not started: the apply was interrupted/);
      assert.match(end, /EXIT=1/);
      assert.match(starform(['plan', pkg, '--state', state], dir).stdout, /Plan: 1 to create, 0 to replace, 1 to run, 0 to delete\. \(1 unchanged\)/);
    });

    describe('a pull from a slow registry', () => {
      const registry = useRegistry();
      let proxy: SlowProxy | undefined;
      before(async () => {
        proxy = await startSlowProxy(registry.address, 1_000_000);
      });
      after(async () => proxy?.close());
      const pulled: string[] = [];
      afterEach(() => {
        for (const ref of pulled.splice(0)) spawnSync('docker', ['rmi', ref], { stdio: 'ignore' });
      });
      /** The live view's head line of a pull in progress, wrapped or not: "pulling  1 of 4 layers  3.1 MB of 12 MB". */
      const PULLING = /image 127\.0\.0\.1:\d+\/sf\/\S+\s+pulling\s+(\d) of (\d) layers\s+([\d.]+\s+[kMG]?B) of ([\d.]+\s+[kMG]?B)/;
      const DOWNLOADING = /^ {4}[0-9a-f]{12} {2}Downloading {2}[\d.]+ [kMG]?B of [\d.]+ [kMG]?B$/m;

      it('shows the layers and their bytes while the engine pulls, then the created service', async () => {
        proxy!.bytesPerSecond = 1_000_000;
        const ref = `${proxy!.address}/${pushRandomImage(dir, registry.address, `sf/live-pull-${process.pid}:1`, 3, 5_000_000)}`;
        pulled.push(ref);
        const state = engine.newStatePath();
        const name = inTerminal(['apply', pullPackage(dir, 'live-pull', ref), '--auto-approve', '--state', state]);
        const during = await waitForScreen(name, DOWNLOADING);
        assert.match(during, /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] image /m, 'a spinner line for the image');
        const head = PULLING.exec(during);
        assert.ok(head, `the pull's head line:\n${during}`);
        const base = JSON.parse(docker(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', TEST_IMAGE])) as string[];
        assert.equal(Number(head[2]), base.length + 3, "the test image's layers and the three random ones");
        assert.notEqual(head[3], head[4], 'not all bytes yet');
        const end = await waitForScreen(name, /EXIT=\d/);
        assert.match(end, /image 127\.0\.0\.1:\d+\/sf\/live-pull-\d+:1 pulled in/);
        assert.match(end, /^\+ {3}service\.p {2}created in/m);
        assert.match(end, /Apply complete: 1 created/);
        assert.match(end, /EXIT=0/);
        assert.ok(imagePresent(ref));
        // The service goes now, so that its image can be removed after the case.
        assert.equal(starform(['destroy', '--auto-approve', '--state', state], dir).code, 0);
      });

      it('Ctrl-C twice during a pull: the first lets it finish, the second makes the engine stop it; nothing changed', async () => {
        proxy!.bytesPerSecond = 150_000;
        const ref = `${proxy!.address}/${pushRandomImage(dir, registry.address, `sf/abort-pull-${process.pid}:1`, 3, 5_000_000)}`;
        pulled.push(ref);
        const state = engine.newStatePath();
        const pkg = pullPackage(dir, 'abort-pull', ref);
        const name = inTerminal(['apply', pkg, '--auto-approve', '--state', state]);
        await waitForScreen(name, DOWNLOADING);
        spawnSync('tmux', ['-L', socket, 'send-keys', '-t', name, 'C-c']);
        await waitForScreen(name, /Interrupt received: finishing 1 image pull;\s+no step starts/, 3000);
        const before = await waitForScreen(name, DOWNLOADING, 3000);
        assert.match(before, PULLING, 'the pull goes on after the first interrupt');
        spawnSync('tmux', ['-L', socket, 'send-keys', '-t', name, 'C-c']);
        const sent = Date.now();
        const end = await waitForScreen(name, /EXIT=\d/, 20_000);
        assert.ok(Date.now() - sent < 10_000, `the abort took ${Date.now() - sent} ms`);
        assert.match(end, /Interrupt received again: aborting 1 image pull;\s+nothing was changed/);
        assert.match(end, /·\s+service\.p\s+not started: the apply was interrupted/);
        // The terminal breaks the error's long lines anywhere.
        assert.match(
          end.replace(/\n/g, ''),
          /the apply was interrupted: pulling image '127\.0\.0\.1:\d+\/sf\/abort-pull-\d+:1' was interrupted: the engine stopped the pull0 of 1 step started; nothing was changed\. Plan and apply/,
        );
        assert.match(end, /EXIT=1/);
        // The engine stopped the pull: no image, and nothing more is fetched through the proxy.
        assert.equal(imagePresent(ref), false, 'the aborted pull left no image');
        const relayed = proxy!.relayed;
        await new Promise((r) => setTimeout(r, 1500));
        assert.ok(proxy!.relayed - relayed < 300_000, `the engine went on pulling: ${proxy!.relayed - relayed} bytes after the abort`);
        assert.match(starform(['plan', pkg, '--state', state], dir).stdout, /Plan: 1 to create, 0 to replace, 0 to run, 0 to delete\./);
      });
    });
  });
});
