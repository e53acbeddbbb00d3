// Progress that never goes silent, and Ctrl-C, on the real engine with the real
// bin/starform (issue 13): a long step says "still running… 10s"; a failed exec shows its
// output under its own line; a build reports its steps (NDJSON valid against
// schemas/apply-event.schema.json); real SIGINTs — the first finishes the running step
// and starts nothing new, the second aborts it — leave a state from which `plan` shows
// exactly what remains. The live (ink) view is checked on a real terminal: tmux runs
// bin/starform in a pane of known size and the assertions read the rendered screen
// (`tmux capture-pane`), for a build, a failure and an interrupt (a pull from a registry
// is checked in image-identity.test.ts's plain and NDJSON views).
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
    assert.match(r.stdout, /^✗ {3}exec\.[0-9a-f]{12} {2}failed after \S+ \(main\.star:3:14\) {2}Exec returned exit code '3'.*\n {4,}first output line\n {4,}second output line$/m);
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
      const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonObject);
      const check = schemaValidator('apply-event.schema.json');
      for (const e of events) assert.deepEqual(check(e), [], JSON.stringify(e));
      const progress = events.filter((e) => e['type'] === 'image_progress');
      assert.ok(progress.every((e) => e['operation'] === 'build' && e['ref'] === tag));
      assert.deepEqual(
        progress.filter((e) => /^Step \d\/\d : /.test(String(e['message']))).map((e) => e['message']),
        [`Step 1/2 : FROM ${TEST_IMAGE}`, `Step 2/2 : COPY ${marker} /${marker}`],
      );
      assert.ok(progress.some((e) => e['build_step'] === `Step 2/2 : COPY ${marker} /${marker}` && e['message'] !== e['build_step']), 'a later event carries the step it belongs to');
      assert.ok(events.some((e) => e['type'] === 'image' && e['action'] === 'built'));
    } finally {
      spawnSync('docker', ['rmi', tag]);
    }
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
      const r = spawnSync('tmux', ['-L', socket, 'new-session', '-d', '-s', name, '-x', '72', '-y', '40', `cd '${dir}' && ${command}; echo "EXIT=$?"; sleep 600`], { env, encoding: 'utf8' });
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
  });
});
