// The commands that operate a running enclave, as a user runs them on a real engine:
// status (text and --json against its schema), logs (stdout and stderr apart, --tail,
// --since, --follow), exec (exit code passed through, output streamed, stdin piped),
// shell (through a real pseudo-terminal: a TTY, raw mode, the exit code), files inspect /
// download, port; the status table that ends an apply (text, and the NDJSON status line);
// and the failures a user must be able to debug: a service that exits right after it
// starts (exit code and the last 20 log lines, never "created"), one that exits while
// waited for, and --keep-failed (container kept stopped, recorded as failed, logs work,
// the next apply replaces it). Every unknown service, artifact or port is exit 1 with one
// message.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readState } from '../../lib/state/index.js';
import { schemaValidator } from '../../lib/util/schema.js';
import type { JsonObject, JsonValue } from '../../lib/util/json.js';
import { fixture, httpGet, useApplyEngine } from '../apply/helpers/engine.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function starform(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    input: options.input ?? '',
    env: { ...process.env, NO_COLOR: '1', CI: '1', ...options.env },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function assertUserError(r: Run, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code 1 expected; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at .+:\d+:\d+\)?\n/);
}

function conforms(doc: JsonValue, schema: string): void {
  assert.deepEqual(schemaValidator(schema)(doc), [], `conforms to ${schema}`);
}

/** Drives `args` of starform on a pseudo-terminal (python3's pty module); `script` is what is typed, with pauses. */
function onTerminal(args: string[], script: { send: string; wait: number }[]): { code: number; output: string } {
  const driver = `
import os, pty, sys, time, select, struct, fcntl, termios, json
steps = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 33, 111, 0, 0))
out = b''
def read(t):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return
for step in steps:
    read(step['wait'])
    if step['send']:
        os.write(fd, step['send'].encode())
read(10)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace'))
sys.exit(os.waitstatus_to_exitcode(status))
`;
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm', NO_COLOR: '1' };
  const r = spawnSync('python3', ['-c', driver, JSON.stringify(script), process.execPath, bin, ...args], { encoding: 'utf8', env, timeout: 120_000 });
  return { code: r.status ?? -1, output: r.stdout + r.stderr };
}

describe('cli: status, logs, exec, shell, files, port, and failures a user can debug (Docker)', function () {
  this.timeout(240_000);
  const engine = useApplyEngine();

  describe('on a running enclave', function () {
    let state: string;
    let applied: Run;
    let dir: string;

    before(function () {
      this.timeout(180_000);
      dir = mkdtempSync(join(tmpdir(), 'starform-operate-'));
      state = engine.newStatePath();
      applied = starform([
        'apply',
        fixture('packages/operate'),
        '--auto-approve',
        '--state',
        state,
        '--args',
        '{"token": "tok-8d1f5e"}',
        '--sensitive-arg',
        'token',
      ]);
      assert.equal(applied.code, 0, `${applied.stdout}\n${applied.stderr}`);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('ends the apply with the status table: services, host URLs, files, outputs (plain text)', async () => {
      const closing = applied.stdout.slice(applied.stdout.indexOf('Apply complete'));
      assert.match(closing, /SERVICE\s+STATE\s+IMAGE\s+DIGEST\s+IP\s+PORT\s+HOST URL/);
      const url = /http\s+80\/tcp\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(closing);
      assert.ok(url, closing);
      assert.match(closing, /web\s+running\s+starform-test\/busybox:latest\s+sha256:[0-9a-f]{12}\s+\d+\.\d+\.\d+\.\d+/);
      assert.match(closing, /site\s+assets\/app\.js\s+24 B\n\s+index\.html\s+15 B/);
      assert.match(closing, /Outputs:[\s\S]*token = "\(sensitive\)"/);
      assert.match(closing, new RegExp(`url: web:80 → ${url[1]!.replace(/\./g, '\\.')}/index\\.html`));
      assert.equal(closing.match(/^token = /gm)?.length, 1, 'the outputs are printed once');
      assert.doesNotMatch(applied.stdout + applied.stderr, /tok-8d1f5e/);
      assert.equal((await httpGet(Number(url[1]!.split(':')[2]), '/index.html')).body, '<h1>hello</h1>\n');
    });

    it('status: every service, port, artifact and output, with host URLs a user can open; --json conforms to its schema', async () => {
      const text = starform(['status', '--state', state]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^Enclave starform-[0-9a-f-]+ \(state serial \d+\)/);
      assert.match(text.stdout, /admin\s+9000\/tcp\s+tcp:\/\/127\.0\.0\.1:\d+/);
      const json = starform(['status', '--state', state, '--json']);
      assert.equal(json.code, 0, json.stderr);
      const doc = JSON.parse(json.stdout) as JsonObject;
      conforms(doc, 'output-status.schema.json');
      const [web] = doc['services'] as JsonObject[];
      assert.equal(web!['state'], 'running');
      assert.match(String(web!['digest']), /^(sha256:[0-9a-f]{64}|.+@sha256:[0-9a-f]{64})$/);
      const image = await engine.docker.getImage('starform-test/busybox:latest').inspect();
      assert.ok([image.Id, ...(image.RepoDigests ?? [])].includes(String(web!['digest'])), 'the digest is the image the container runs');
      const http = (web!['ports'] as JsonObject[]).find((p) => p['id'] === 'http')!;
      assert.equal((await httpGet(Number(String(http['host_address']).split(':')[1]), '/assets/app.js')).body, "console.log('operate');\n");
      assert.deepEqual((doc['files_artifacts'] as JsonObject[])[0]!['files'], [
        { path: 'assets/app.js', size: 24 },
        { path: 'index.html', size: 15 },
      ]);
      assert.equal((doc['outputs'] as JsonObject)['token'], '(sensitive)');
      const addresses = doc['output_addresses'] as JsonObject[];
      assert.deepEqual(
        addresses.map((a) => [a['output'], a['host_url']]),
        [
          ['endpoint', http['host_url']],
          ['url', `${String(http['host_url'])}/index.html`],
        ],
      );
      assert.doesNotMatch(json.stdout + text.stdout, /tok-8d1f5e/);
    });

    it('status with an engine that cannot be reached is exit 1 with its message, not a table of missing services', () => {
      const r = starform(['status', '--state', state], { env: { DOCKER_HOST: `unix://${join(dir, 'no-engine.sock')}` } });
      assertUserError(r, /no-engine\.sock/);
      assert.doesNotMatch(r.stdout, /missing/);
    });

    it("status shows a service whose container was removed behind starform's back as missing", () => {
      const copy = join(dir, 'copy.json');
      const forged = JSON.parse(readFileSync(state, 'utf8')) as { services: { web: { container_id: string } } };
      forged.services.web.container_id = 'f'.repeat(64);
      writeFileSync(copy, JSON.stringify(forged));
      const missing = starform(['status', '--state', copy]);
      assert.equal(missing.code, 0, missing.stderr);
      assert.match(missing.stdout, /web\s+missing\s+starform-test\/busybox:latest\s+-\s/);
      assertUserError(starform(['logs', 'web', '--state', copy]), /service 'web' has no container f{12} any more/);
    });

    it('logs: stdout and stderr apart, --tail, --since; an unknown service is exit 1', () => {
      const r = starform(['logs', 'web', '--state', state]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'web-started\n');
      assert.equal(r.stderr, 'web-warning\n');
      // One line of the two (the engine orders lines of the two streams written in the same instant either way).
      const tail = starform(['logs', 'web', '--tail', '1', '--state', state]);
      assert.ok(['web-started\n', 'web-warning\n'].includes(tail.stdout + tail.stderr), tail.stdout + tail.stderr);
      const recent = starform(['logs', 'web', '--since', '1h', '--state', state]);
      assert.equal(recent.stdout, 'web-started\n');
      const future = starform(['logs', 'web', '--since', '2999-01-01T00:00:00Z', '--state', state]);
      assert.equal(future.code, 0, future.stderr);
      assert.equal(future.stdout + future.stderr, '');
      assertUserError(starform(['logs', 'nope', '--state', state]), /the state has no service 'nope'\nThe state's services: web\./);
      assertUserError(starform(['logs', 'web', '--since', 'yesterday', '--state', state]), /--since: 'yesterday' is neither a duration/);
      assertUserError(starform(['logs', 'web', '--tail', '-2', '--state', state]), /--tail must be a whole number/);
    });

    it('logs --follow prints new lines as the service writes them, until Ctrl-C', async () => {
      const child = spawn(process.execPath, [bin, 'logs', 'web', '--follow', '--state', state], { env: { ...process.env, NO_COLOR: '1', CI: '1' } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const seen = async (text: string): Promise<void> => {
        for (let i = 0; i < 200 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
        assert.ok(out.includes(text), `saw ${JSON.stringify(text)} in ${JSON.stringify(out)}`);
      };
      await seen('web-started\n');
      const wrote = starform(['exec', 'web', '--state', state, '--', 'sh', '-c', 'echo followed-line > /proc/1/fd/1']);
      assert.equal(wrote.code, 0, wrote.stderr);
      await seen('followed-line\n');
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
    });

    it('exec: the exit code passes through, stdout and stderr apart, standard input piped in', () => {
      const r = starform(['exec', 'web', '--state', state, '--', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 3']);
      assert.equal(r.code, 3);
      assert.equal(r.stdout, 'to-out\n');
      assert.equal(r.stderr, 'to-err\n');
      const piped = starform(['exec', 'web', '--state', state, '--', 'sh', '-c', 'tr a-z A-Z; echo "env=$API_TOKEN"'], { input: 'piped words\n' });
      assert.equal(piped.code, 0, piped.stderr);
      assert.equal(piped.stdout, 'PIPED WORDS\nenv=(sensitive)\n', 'a secret a command prints is masked');
      assertUserError(starform(['exec', 'nope', '--state', state, '--', 'true']), /the state has no service 'nope'/);
      assertUserError(starform(['exec', 'web', '--state', state]), /name the command to run: starform exec web -- CMD/);
    });

    it('shell: an interactive shell on a pseudo-terminal (a TTY, raw mode, window size, exit code)', function () {
      const r = onTerminal(
        ['shell', 'web', '--state', state],
        [
          { wait: 2.5, send: 'sleep 30\r' },
          // Raw mode: Ctrl-C reaches the remote shell (which ends its sleep), not starform.
          { wait: 1, send: '\x03' },
          { wait: 1, send: 'echo "tty=$(tty) size=$(stty size)"; ls /srv; exit 4\r' },
        ],
      );
      assert.equal(r.code, 4, r.output);
      assert.match(r.output, /tty=\/dev\/pts\/\d+ size=33 111/);
      assert.match(r.output, /assets\s+index\.html/);
      assert.match(r.output, /\^C/, 'the remote terminal echoed the interrupt');
      assert.doesNotMatch(r.output, /internal error|Interrupted/);
    });

    it('shell refuses clearly when standard input is not a terminal; an unknown service is exit 1', () => {
      assertUserError(starform(['shell', 'web', '--state', state]), /starform shell needs a terminal, and standard input is not one/);
      const r = onTerminal(['shell', 'nope', '--state', state], []);
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, /the state has no service 'nope'/);
    });

    it('files inspect lists the files with their own sizes (--json conforms); files download writes them', () => {
      const text = starform(['files', 'inspect', 'site', '--state', state]);
      assert.equal(text.code, 0, text.stderr);
      assert.equal(text.stdout, '24 B  assets/app.js\n15 B  index.html\n2 files, 39 B\n');
      const json = starform(['files', 'inspect', 'site', '--state', state, '--json']);
      const doc = JSON.parse(json.stdout) as JsonObject;
      conforms(doc, 'output-files-inspect.schema.json');
      assert.equal(doc['total_size'], 39);
      const out = join(dir, 'site');
      const dl = starform(['files', 'download', 'site', out, '--state', state]);
      assert.equal(dl.code, 0, dl.stderr);
      assert.equal(readFileSync(join(out, 'index.html'), 'utf8'), '<h1>hello</h1>\n');
      assert.equal(readFileSync(join(out, 'assets', 'app.js'), 'utf8'), "console.log('operate');\n");
      assertUserError(starform(['files', 'inspect', 'nope', '--state', state]), /the state has no files artifact 'nope'\nThe state's files artifacts: site\./);
      assertUserError(starform(['files', 'download', 'nope', out, '--state', state]), /the state has no files artifact 'nope'/);
      writeFileSync(join(dir, 'a-file'), '');
      assertUserError(starform(['files', 'download', 'site', join(dir, 'a-file'), '--state', state]), /exists and is not a directory/);
    });

    it('port prints the host address (one port, or all); --json conforms; an unknown port or service is exit 1', async () => {
      const one = starform(['port', 'web', 'http', '--state', state]);
      assert.equal(one.code, 0, one.stderr);
      assert.match(one.stdout, /^127\.0\.0\.1:\d+\n$/);
      assert.equal((await httpGet(Number(one.stdout.trim().split(':')[1]), '/index.html')).status, 200);
      const all = starform(['port', 'web', '--state', state]);
      assert.match(all.stdout, /^admin {2}127\.0\.0\.1:\d+ {2}tcp:\/\/127\.0\.0\.1:\d+\nhttp {3}127\.0\.0\.1:\d+ {2}http:\/\/127\.0\.0\.1:\d+\n$/);
      conforms(JSON.parse(starform(['port', 'web', '--state', state, '--json']).stdout), 'output-port.schema.json');
      assertUserError(starform(['port', 'web', 'grpc', '--state', state]), /service 'web' has no port 'grpc'\nIts ports: admin, http\./);
      assertUserError(starform(['port', 'nope', '--state', state]), /the state has no service 'nope'/);
    });

    it('apply --json ends with a status line that conforms to the event schema', () => {
      const r = starform([
        'apply',
        fixture('packages/operate'),
        '--auto-approve',
        '--json',
        '--state',
        state,
        '--args',
        '{"token": "tok-8d1f5e"}',
        '--sensitive-arg',
        'token',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as JsonObject);
      for (const l of lines) conforms(l, 'apply-event.schema.json');
      const last = lines[lines.length - 1]!;
      assert.equal(last['type'], 'status');
      assert.equal(((last['services'] as JsonObject[])[0]!['ports'] as JsonObject[]).length, 2);
      assert.doesNotMatch(r.stdout, /tok-8d1f5e/);
    });
  });

  describe('a service that fails', function () {
    it('exits right after it starts: failed with its exit code and last 20 log lines, never "created", no container left', async () => {
      const state = engine.newStatePath();
      const r = starform(['apply', fixture('packages/failing'), '--auto-approve', '--state', state]);
      assertUserError(r, /service 'bad' exited with code 7 right after it started\nits last output \(up to 20 lines\):\n {4}line-6\n[\s\S]* {4}line-25\n/);
      assert.doesNotMatch(r.stderr, /line-5\n/);
      assert.doesNotMatch(r.stdout, /service\.bad\s+created|ip \n|ip $/m);
      assert.match(r.stdout, /✗\s+service\.bad\s+failed/);
      assert.match(r.stderr, /The container was removed; planning again plans to create it again/);
      const s = await readState(state);
      assert.equal(s.services.has('bad'), false);
      const left = await engine.docker.listContainers({ all: true, filters: { label: [`starform.lineage=${s.lineage}`] } });
      assert.deepEqual(left, []);
    });

    it('exits while waited for: the error says so, with its exit code', () => {
      const state = engine.newStatePath();
      const r = starform(['apply', fixture('packages/failing'), '--auto-approve', '--state', state, '--args', '{"wait": true}']);
      assertUserError(r, /service 'bad' exited with code 7 before it became ready\nits last output \(up to 20 lines\):\n[\s\S]* {4}line-25\n/);
    });

    it('--keep-failed keeps the container stopped and recorded as failed; logs work on it; the next apply replaces it', async () => {
      const state = engine.newStatePath();
      const r = starform(['apply', fixture('packages/failing'), '--auto-approve', '--keep-failed', '--state', state]);
      assertUserError(r, /exited with code 7 right after it started[\s\S]*The container [0-9a-f]{12} was kept \(stopped\) and recorded as failed/);
      const s = await readState(state);
      const record = s.services.get('bad');
      assert.ok(record, 'the failed service is in the state');
      assert.equal(record.status, 'failed');
      assert.equal(record.ipAddress, null);
      const info = await engine.docker.getContainer(record.containerId).inspect();
      assert.equal(info.State.Running, false);
      assert.equal(info.State.ExitCode, 7);

      const logs = starform(['logs', 'bad', '--tail', '2', '--state', state]);
      assert.equal(logs.code, 0, logs.stderr);
      assert.equal(logs.stdout, 'line-24\nline-25\n');
      const status = starform(['status', '--state', state]);
      assert.match(status.stdout, /bad\s+failed, exited with code 7\s/);
      // A shell on the stopped container: in a copy of it, with the files it left.
      const shell = onTerminal(['shell', 'bad', '--state', state], [{ wait: 3, send: 'cat /last-words; exit 0\r' }]);
      assert.equal(shell.code, 0, shell.output);
      assert.match(shell.output, /service 'bad' is not running \(exited with code 7\): this shell runs in a copy of its container/);
      assert.match(shell.output, /\nit-went-wrong\r*\n/);
      const copies = await engine.docker.listContainers({ all: true, filters: { label: [`starform.lineage=${s.lineage}`, 'starform.task'] } });
      assert.deepEqual(copies, [], 'the copy is removed');
      assertUserError(starform(['exec', 'bad', '--state', state, '--', 'true']), /service 'bad' is not running \(exited, exit code 7\)/);

      const plan = starform(['plan', fixture('packages/failing'), '--state', state, '--args', '{"fail": false}']);
      assert.match(plan.stdout, /service\.bad will be replaced \(it failed at the last apply; --keep-failed kept its container\)/);
      const fixed = starform(['apply', fixture('packages/failing'), '--auto-approve', '--state', state, '--args', '{"fail": false}']);
      assert.equal(fixed.code, 0, fixed.stderr);
      const after = (await readState(state)).services.get('bad')!;
      assert.equal(after.status, 'running');
      assert.notEqual(after.containerId, record.containerId);
      await assert.rejects(engine.docker.getContainer(record.containerId).inspect(), /no such container/i);

      // Killed behind starform's back: the table says how it ended.
      await engine.docker.getContainer(after.containerId).kill();
      await engine.docker.getContainer(after.containerId).wait();
      assert.match(starform(['status', '--state', state]).stdout, /bad\s+exited with code 137\s/);
    });
  });
});
