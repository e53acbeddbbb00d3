// Usage errors stop every command before it does anything (issue 9, item 1). Each case
// runs the real bin/starform with DOCKER_HOST pointing at a loopback port that records
// every connection, in a directory holding a real state file (with services, so a plan
// would refresh and a destroy would reach the engine), a saved plan and a state lock. A
// usage error must exit 1 with one message and a pointer to --help, print nothing on
// standard output, connect to no engine, and leave every byte of the directory as it was.
// Control cases run the same commands without the mistake and see the detectors fire.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockState, type StateLock } from '../../lib/state/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');
const pkg = join(root, 'fixtures', 'packages', 'deps');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Every file under `dir` (recursively) with its mode and bytes. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const info = statSync(path);
      if (info.isDirectory()) {
        files.set(path, `dir ${info.mode.toString(8)}`);
        walk(path);
      } else files.set(path, `${info.mode.toString(8)} ${readFileSync(path).toString('base64')}`);
    }
  };
  walk(dir);
  return files;
}

describe('cli: a usage error does nothing', function () {
  this.timeout(120_000);
  let dir: string;
  let state: string;
  let plan: string;
  let star: string;
  let server: Server;
  let port: number;
  let connections = 0;
  let lock: StateLock;

  const starform = async (args: string[], input = ''): Promise<Run> => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', CI: '1', DOCKER_HOST: `tcp://127.0.0.1:${port}` },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(input);
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code: code ?? -1, stdout, stderr };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'starform-usage-'));
    mkdirSync(join(dir, 'work'));
    state = join(dir, 'work', 'starform.state.json');
    copyFileSync(join(root, 'test', 'golden', 'states', 'deps.state.json'), state);
    plan = join(dir, 'work', 'saved.plan');
    star = join(dir, 'work', 'hello.star');
    writeFileSync(star, 'print("the file ran")\n');
    server = createServer((socket: Socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    const made = await starform(['plan', pkg, '--state', join(dir, 'none.json'), '--out', plan]);
    assert.equal(made.code, 0, made.stderr);
    rmSync(join(dir, 'none.json'), { force: true });
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    connections = 0;
  });

  /** Runs a mistaken command line and checks it did nothing. */
  async function refuses(args: string[], command: string, message: RegExp, input = ''): Promise<void> {
    const before = snapshot(dir);
    const r = await starform(args, input);
    assert.equal(r.code, 1, `exit code 1 expected for ${args.join(' ')}; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    assert.equal(r.stdout, '', 'a usage error prints nothing on standard output');
    assert.match(r.stderr, message);
    const help = command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(r.stderr, new RegExp(`^starform: [^\\n]+\\nRun \`starform ${help} --help\` for usage\\.\\n$`));
    assert.equal(connections, 0, 'no connection to the engine');
    assert.deepEqual(snapshot(dir), before, 'no file was written, changed or removed');
  }

  describe('plan', () => {
    it('an unknown option', () => refuses(['plan', pkg, '--state', state, '--out', 'x.plan', '--bogus'], 'plan', /Unknown argument: bogus/));
    it('-destroy is not -d -e -s ...', () =>
      refuses(['plan', '-destroy', pkg, '--state', state], 'plan', /unknown option '-destroy': long options take two dashes/));
    it('-target', () => refuses(['plan', pkg, '--state', state, '--out', 'x.plan', '-target', 'service.db'], 'plan', /unknown option '-target'/));
    it('a boolean with a value that is not one', () => refuses(['plan', pkg, '--state', state, '--refresh=maybe'], 'plan', /--refresh is true or false/));
    it('an option given twice', () => refuses(['plan', pkg, '--state', state, '--state', 'other.json'], 'plan', /--state was given more than once/));
    it('an option without its value', () => refuses(['plan', pkg, '--state', state, '--out'], 'plan', /--out needs a value/));
    it('an extra operand', () => refuses(['plan', pkg, 'extra', '--state', state], 'plan', /unexpected argument for `starform plan`: extra/));
  });

  describe('show', () => {
    it('--json with --markdown', () => refuses(['show', plan, '--json', '--markdown'], 'show', /json and markdown are mutually exclusive/));
    it('an extra operand', () => refuses(['show', plan, 'other.plan'], 'show', /unexpected argument for `starform show`: other\.plan/));
    it('-json', () => refuses(['show', plan, '-json'], 'show', /unknown option '-json'/));
    it('no plan named', () => refuses(['show'], 'show', /missing an operand: the command is `starform show <plan>`/));
  });

  describe('validate', () => {
    it('an unknown option', () => refuses(['validate', pkg, '--jsn'], 'validate', /Unknown argument: jsn/));
    it('--json=1', () => refuses(['validate', pkg, '--json=1'], 'validate', /--json is true or false/));
  });

  describe('apply', () => {
    it('a mistyped --auto-approve, with yes typed', () =>
      refuses(['apply', pkg, '--state', state, '--auto-aprove'], 'apply', /Unknown arguments?: auto-aprove/, 'yes\n'));
    it('--parallelism abc', () => refuses(['apply', pkg, '--state', state, '--auto-approve', '--parallelism', 'abc'], 'apply', /--parallelism needs a number/));
    it('--parallelism 0', () =>
      refuses(
        ['apply', pkg, '--state', state, '--auto-approve', '--parallelism', '0'],
        'apply',
        /--parallelism must be a whole number of at least 1 \(got 0\)/,
      ));
    it('--parallelism 2.5', () => refuses(['apply', plan, '--state', state, '--parallelism', '2.5'], 'apply', /got 2\.5/));
    it('a bad --lock-timeout', () => refuses(['apply', plan, '--state', state, '--lock-timeout', 'soon'], 'apply', /--lock-timeout: 'soon' is not a duration/));
    it('a saved plan with an unknown option', () => refuses(['apply', plan, '--state', state, '--paralelism', '2'], 'apply', /Unknown argument: paralelism/));
    it('an extra operand', () => refuses(['apply', plan, 'extra', '--state', state], 'apply', /unexpected argument for `starform apply`: extra/));
  });

  describe('destroy', () => {
    it('an operand', () => refuses(['destroy', 'foo', '--auto-approve', '--state', state], 'destroy', /unexpected argument for `starform destroy`: foo/));
    it('-auto-approve', () => refuses(['destroy', '-auto-approve', '--state', state], 'destroy', /unknown option '-auto-approve'/));
    it('a bad --lock-timeout', () => refuses(['destroy', '--auto-approve', '--state', state, '--lock-timeout', '1 minute'], 'destroy', /is not a duration/));
  });

  describe('output', () => {
    it('two names', () => refuses(['output', 'a', 'b', '--state', state], 'output', /unexpected argument for `starform output`: b/));
    it('an unknown option', () => refuses(['output', '--state', state, '--raw'], 'output', /Unknown argument: raw/));
  });

  describe('state', () => {
    it('list with an operand', () =>
      refuses(['state', 'list', 'extra', '--state', state], 'state list', /unexpected argument for `starform state list`: extra/));
    it('show with an unknown option', () => refuses(['state', 'show', 'service.db', '--state', state, '--raw'], 'state show', /Unknown argument: raw/));
    it('rm with an unknown option', () => refuses(['state', 'rm', 'service.db', '--state', state, '--dry-run'], 'state rm', /Unknown arguments?: dry-run/));
    it('rm with a bad --lock-timeout', () => refuses(['state', 'rm', 'service.db', '--state', state, '--lock-timeout', 'x'], 'state rm', /is not a duration/));
    it('mv with one operand', () => refuses(['state', 'mv', 'service.db', '--state', state], 'state mv', /Not enough non-option arguments|missing an operand/));
    it('pull with an operand', () =>
      refuses(['state', 'pull', 'extra', '--state', state], 'state pull', /unexpected argument for `starform state pull`: extra/));
    it('push with an unknown option', () => refuses(['state', 'push', 'x.json', '--state', state, '--dry-run'], 'state push', /Unknown arguments?: dry-run/));
    it('import with one operand', () =>
      refuses(['import', 'service.db', '--state', state], 'import', /missing an operand: the command is `starform import <address> <container> \[dir\]`/));
    it('an unknown state command', () =>
      refuses(
        ['state', 'cp', 'a', 'b', '--state', state],
        'state',
        /unknown state command 'cp': the state commands are list, show, rm, mv, pull, push, history, rollback and migrate/,
      ));
  });

  describe('force-unlock', () => {
    before(async () => {
      lock = await lockState(state, { operation: 'maintenance' });
    });
    after(async () => {
      await lock.release();
    });
    it('an unknown option leaves the lock', async () => {
      await refuses(['force-unlock', lock.info.id, '--state', state, '--yes'], 'force-unlock', /Unknown argument: yes/);
      await assert.rejects(lockState(state, { operation: 'probe' }), /locked by another operation/);
    });
    it('an extra operand leaves the lock', () => refuses(['force-unlock', lock.info.id, 'extra', '--state', state], 'force-unlock', /unexpected argument/));
  });

  describe('eval', () => {
    it('a negative --max-steps', () => refuses(['eval', star, '--max-steps', '-1'], 'eval', /--max-steps must be a whole number/));
    it('an unknown dialect option', () => refuses(['eval', star, '--recursoin'], 'eval', /Unknown argument: recursoin/));
    it('no file named', () => refuses(['eval'], 'eval', /missing an operand: the command is `starform eval <file>`/));
  });

  describe('the detectors (controls)', () => {
    it('see an engine call: destroy without the mistake reaches the engine', async () => {
      const r = await starform(['destroy', '--auto-approve', '--state', state]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.ok(connections > 0, 'the recording port saw the engine call');
    });
    it('see a changed state: state rm without the mistake writes the state', async () => {
      const before = readFileSync(state);
      const r = await starform(['state', 'rm', 'service.db', '--state', state]);
      assert.equal(r.code, 0, r.stderr);
      assert.notDeepEqual(readFileSync(state), before);
      writeFileSync(state, before);
      rmSync(`${state}.backup`, { force: true });
    });
    it('see output: eval without the mistake runs the file', async () => {
      const r = await starform(['eval', star]);
      assert.equal(r.stdout, 'the file ran\n');
      assert.ok(existsSync(star));
    });
  });
});
