// The runtime contract: what every adapter of the runtime port (lib/runtime) must do, as
// one mocha suite each adapter's test file runs against its own runtime (the Docker
// adapter, the Swarm adapter and the executor tests' fake today). It checks the behaviour
// the executor relies on: enclaves are idempotent and isolated by lineage, services are
// created, found, stopped, started and removed by reference, a reference naming another
// service's container is refused, files go in before start and come back out, and
// removing an enclave leaves nothing of it. The operating calls have their cases too: an
// image's identity (the one a service runs, none for an image the engine lacks), a log
// streamed with stdout and stderr apart and followed until aborted, a command run with its
// streams attached (stdin in, exit code out, a terminal of the size asked for), and one run
// in a copy of a service whose process ended (its files as it left them, nothing of the
// copy left).
// Adapters that run real processes also pass the exec, task, log and attached cases; the
// fake, which runs none, declares `processes: false` and passes the rest.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { isRuntimeError, packFiles, readArchive, type OutputStreams, type Runtime, type ServiceSpec } from '../../lib/runtime/index.js';

export interface ContractSubject {
  /** Opens the runtime; may call `suite.skip()` when its engine is absent (outside CI). */
  open(suite: Mocha.Context): Promise<Runtime>;
  /** An image with sh that every case's services run. */
  readonly image: string;
  /** Whether the runtime runs real processes (exec output, task exit codes, files seen by processes). */
  readonly processes: boolean;
  /** Per-operation time budget for slow engines (ms); default 60 s. */
  readonly timeoutMs?: number;
  /**
   * Makes sure the engine has no image `ref` (a new random name). Real engines lack it
   * anyway; the fake, for which every image exists unless told otherwise, is told.
   */
  readonly lackImage?: (runtime: Runtime, ref: string) => void;
}

/** Collects what a command or a log writes to stdout and stderr. */
class Collected extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function collect(): OutputStreams & { readonly stdout: Collected; readonly stderr: Collected } {
  return { stdout: new Collected(), stderr: new Collected() };
}

async function eventually(what: string, test: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A service that stays up, stops promptly on SIGTERM and listens on nothing in particular. */
function serviceSpec(image: string, name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name,
    image,
    cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'],
    ports: { http: { number: 8080 } },
    ...extra,
  };
}

export function runtimeContract(title: string, subject: ContractSubject): void {
  describe(`runtime contract: ${title}`, function () {
    this.timeout(subject.timeoutMs ?? 60_000);
    let runtime: Runtime;
    const lineages: string[] = [];
    const lineage = (): string => {
      const l = `sfcontract-${randomBytes(4).toString('hex')}`;
      lineages.push(l);
      return l;
    };

    before(async function () {
      this.timeout(60_000);
      runtime = await subject.open(this);
    });

    // Each case's enclaves go when it ends: a shared engine has few network address pools.
    afterEach(async function () {
      this.timeout(120_000);
      if (runtime === undefined) return;
      for (const l of lineages.splice(0)) await runtime.removeEnclave(l);
    });

    it('answers ping with its own kind', async () => {
      const info = await runtime.ping();
      assert.equal(info.kind, runtime.kind);
      assert.ok(info.version.length > 0);
    });

    it('makes an enclave once: ensureEnclave is idempotent and inspectEnclave reports it', async () => {
      const l = lineage();
      const first = await runtime.ensureEnclave(l);
      const second = await runtime.ensureEnclave(l);
      assert.equal(first.lineage, l);
      assert.equal(second.networkId, first.networkId);
      const found = await runtime.inspectEnclave(l);
      assert.equal(found.network?.networkId, first.networkId);
      assert.deepEqual(found.containers, []);
    });

    it('creates a service, finds it by name and by id, and reports its ports', async () => {
      const l = lineage();
      await runtime.ensureEnclave(l);
      const info = await runtime.createService(l, serviceSpec(subject.image, 'web'));
      assert.equal(info.name, 'web');
      assert.equal(info.hostname, 'web');
      assert.ok(info.containerId.length > 0);
      const port = info.ports['http'];
      assert.ok(port, 'port http is reported');
      assert.equal(port.number, 8080);
      assert.equal(port.protocol, 'TCP');
      assert.ok(port.hostPort > 0);
      const byName = await runtime.inspectService({ lineage: l, name: 'web' });
      const byId = await runtime.inspectService({ lineage: l, name: 'web', containerId: info.containerId });
      assert.equal(byName?.containerId, info.containerId);
      assert.equal(byId?.running, true);
      assert.equal(byId?.state, 'running');
      const listed = await runtime.inspectEnclave(l);
      assert.deepEqual(
        listed.containers.filter((c) => c.service !== undefined).map((c) => [c.service, c.running]),
        [['web', true]],
      );
    });

    it('refuses a second service of the same name', async () => {
      const l = lineage();
      await runtime.ensureEnclave(l);
      await runtime.createService(l, serviceSpec(subject.image, 'twice'));
      await assert.rejects(runtime.createService(l, serviceSpec(subject.image, 'twice')), (e: unknown) => isRuntimeError(e, 'name-conflict'));
    });

    it('says undefined / false for a service that does not exist', async () => {
      const l = lineage();
      await runtime.ensureEnclave(l);
      assert.equal(await runtime.inspectService({ lineage: l, name: 'ghost' }), undefined);
      assert.equal(await runtime.removeService({ lineage: l, name: 'ghost' }), false);
      const ghost = { lineage: l, name: 'ghost' };
      await assert.rejects(runtime.streamLogs(ghost, collect()), (e: unknown) => isRuntimeError(e, 'not-found'));
      await assert.rejects(runtime.execAttached(ghost, ['true'], collect()), (e: unknown) => isRuntimeError(e, 'not-found'));
      await assert.rejects(runtime.execInCopy(ghost, ['true'], collect()), (e: unknown) => isRuntimeError(e, 'not-found'));
    });

    it("refuses a reference whose id names another service's or another enclave's container", async () => {
      const l = lineage();
      const other = lineage();
      await runtime.ensureEnclave(l);
      await runtime.ensureEnclave(other);
      const a = await runtime.createService(l, serviceSpec(subject.image, 'a'));
      await runtime.createService(l, serviceSpec(subject.image, 'b'));
      await assert.rejects(runtime.inspectService({ lineage: l, name: 'b', containerId: a.containerId }), (e: unknown) => isRuntimeError(e, 'not-owned'));
      await assert.rejects(runtime.removeService({ lineage: other, name: 'a', containerId: a.containerId }), (e: unknown) => isRuntimeError(e, 'not-owned'));
      // Names are per enclave: the other enclave has no 'a'.
      assert.equal(await runtime.inspectService({ lineage: other, name: 'a' }), undefined);
      assert.equal((await runtime.inspectService({ lineage: l, name: 'a' }))?.running, true);
    });

    it('inspects many services of an enclave at once, as it inspects each', async () => {
      const l = lineage();
      await runtime.ensureEnclave(l);
      const up = await runtime.createService(l, serviceSpec(subject.image, 'up', { ports: { http: { number: 8080 }, admin: { number: 9090 } } }));
      const down = await runtime.createService(l, serviceSpec(subject.image, 'down'));
      const gone = await runtime.createService(l, serviceSpec(subject.image, 'gone'));
      await runtime.stopService({ lineage: l, name: 'down', containerId: down.containerId }, { timeoutSeconds: 5 });
      await runtime.removeService({ lineage: l, name: 'gone', containerId: gone.containerId });
      const refs = [
        { lineage: l, name: 'up', containerId: up.containerId },
        { lineage: l, name: 'down', containerId: down.containerId },
        { lineage: l, name: 'gone', containerId: gone.containerId },
        { lineage: l, name: 'up' },
        { lineage: l, name: 'ghost' },
      ];
      const each = await Promise.all(refs.map((r) => runtime.inspectService(r)));
      assert.deepEqual(await runtime.inspectServices(l, refs), each);
      assert.equal(each[0]?.running, true);
      assert.ok(each[0]?.ports['admin'], 'both ports are reported');
      assert.equal(each[1]?.running, false);
      assert.equal(each[2], undefined);
      assert.deepEqual(await runtime.inspectServices(l, []), []);
      // A reference whose id names another service's container is refused, as by inspectService.
      await assert.rejects(runtime.inspectServices(l, [refs[1]!, { lineage: l, name: 'down', containerId: up.containerId }]), (e: unknown) =>
        isRuntimeError(e, 'not-owned'),
      );
    });

    it('stops and starts a service by reference', async () => {
      const l = lineage();
      await runtime.ensureEnclave(l);
      const info = await runtime.createService(l, serviceSpec(subject.image, 'cycle'));
      const ref = { lineage: l, name: 'cycle', containerId: info.containerId };
      await runtime.stopService(ref, { timeoutSeconds: 5 });
      const stopped = await runtime.inspectService(ref);
      assert.equal(stopped?.running, false);
      const started = await runtime.startService(ref);
      assert.ok(started.ports['http'], 'a started service reports its ports again');
      assert.equal((await runtime.inspectService(ref))?.running, true);
    });

    it('puts files in before the service starts and gives them back', async () => {
      const l = lineage();
      await runtime.ensureEnclave(l);
      const archive = await packFiles([
        { path: 'conf/app.conf', content: 'answer = 42\n' },
        { path: 'README', content: 'read me\n' },
      ]);
      const info = await runtime.createService(l, serviceSpec(subject.image, 'files', { files: [{ mountPath: '/etc/app', archive }] }));
      const back = await readArchive(await runtime.copyFromService({ lineage: l, name: 'files', containerId: info.containerId }, '/etc/app/conf'));
      const file = back.find((e) => e.path === 'conf/app.conf');
      assert.equal(file?.content.toString('utf8'), 'answer = 42\n');
      await assert.rejects(runtime.copyFromService({ lineage: l, name: 'files' }, '/etc/app/missing'), (e: unknown) => isRuntimeError(e, 'path-not-found'));
    });

    it('runs commands in a service and one-off tasks on the enclave network', async function () {
      if (!subject.processes) this.skip();
      const l = lineage();
      await runtime.ensureEnclave(l);
      await runtime.createService(l, serviceSpec(subject.image, 'peer', { env: { GREETING: 'hello' } }));
      const ref = { lineage: l, name: 'peer' };
      const out = await runtime.exec(ref, ['sh', '-c', 'echo "$GREETING"; echo oops >&2; exit 3']);
      assert.equal(out.exitCode, 3);
      assert.equal(out.stdout, 'hello\n');
      assert.equal(out.stderr, 'oops\n');
      const task = await runtime.runTask(l, {
        name: 'probe',
        image: subject.image,
        cmd: ['sh', '-c', 'mkdir -p /out && nslookup peer >/dev/null 2>&1 && echo resolved > /out/r; cat /out/r; exit 4'],
        storePaths: ['/out'],
      });
      assert.equal(task.exitCode, 4);
      assert.equal(task.stdout, 'resolved\n');
      const stored = await readArchive(task.stored[0]!.archive);
      assert.equal(stored.find((e) => e.path === 'out/r')?.content.toString('utf8'), 'resolved\n');
    });

    it('tells the identity of an image: the one a service runs, by tag or id, and none for an image it lacks', async () => {
      const l = lineage();
      await runtime.ensureEnclave(l);
      const info = await runtime.createService(l, serviceSpec(subject.image, 'img'));
      const identity = await runtime.imageIdentity(subject.image);
      assert.ok(identity, `the engine has ${subject.image}`);
      assert.match(identity.id, /^sha256:[0-9a-f]{64}$/);
      assert.ok(
        identity.repoDigests.every((d) => /@sha256:[0-9a-f]{64}$/.test(d)),
        identity.repoDigests.join(', '),
      );
      assert.deepEqual((await runtime.imageIdentity(identity.id))?.id, identity.id, 'an image id names the same image');
      // An adapter that reports the image a service runs reports this one.
      const status = await runtime.inspectService({ lineage: l, name: 'img', containerId: info.containerId });
      if (status?.imageId !== undefined) assert.equal(status.imageId, identity.id);
      const absent = `starform-contract/absent-${randomBytes(4).toString('hex')}:never`;
      subject.lackImage?.(runtime, absent);
      assert.equal(await runtime.imageIdentity(absent), undefined);
    });

    it('streams a service log with stdout and stderr apart, its last lines, and follows it until aborted', async function () {
      if (!subject.processes) this.skip();
      const l = lineage();
      await runtime.ensureEnclave(l);
      const ref = { lineage: l, name: 'talker' };
      await runtime.createService(
        l,
        serviceSpec(subject.image, 'talker', {
          cmd: ['sh', '-c', 'echo first; echo oops >&2; trap "exit 0" TERM; i=0; while true; do i=$((i+1)); echo tick-$i; sleep 1; done'],
        }),
      );
      // The whole log, once it has two ticks.
      let whole = collect();
      for (let i = 0; i < 60 && !/tick-2\n/.test(whole.stdout.text); i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 500));
        whole = collect();
        await runtime.streamLogs(ref, whole);
      }
      assert.match(whole.stdout.text, /^first\ntick-1\ntick-2\n/);
      assert.equal(whole.stderr.text, 'oops\n');
      const last = collect();
      await runtime.streamLogs(ref, last, { tail: 1 });
      assert.match(last.stdout.text, /^tick-\d+\n$/);
      assert.equal(last.stderr.text, '');
      // Following: lines printed after the call arrive, until the signal aborts.
      const seen = Math.max(...[...whole.stdout.text.matchAll(/tick-(\d+)/g)].map((m) => Number(m[1])));
      const followed = collect();
      const stop = new AbortController();
      const following = runtime.streamLogs(ref, followed, { follow: true, tail: 0, signal: stop.signal });
      await eventually(`tick-${seen + 2} followed`, () => new RegExp(`tick-${seen + 2}\n`).test(followed.stdout.text));
      stop.abort();
      await following;
      assert.doesNotMatch(followed.stdout.text, /first/, 'tail 0: only what came after');
    });

    it('runs a command with its streams attached: stdin in, stdout and stderr apart, its exit code; a terminal of the size asked', async function () {
      if (!subject.processes) this.skip();
      const l = lineage();
      await runtime.ensureEnclave(l);
      await runtime.createService(l, serviceSpec(subject.image, 'attach', { env: { GREETING: 'hello' } }));
      const ref = { lineage: l, name: 'attach' };
      const out = collect();
      const code = await runtime.execAttached(ref, ['sh', '-c', 'read line; echo "$GREETING $line"; echo oops >&2; exit 5'], out, {
        stdin: Readable.from(['world\n']),
      });
      assert.equal(code, 5);
      assert.equal(out.stdout.text, 'hello world\n');
      assert.equal(out.stderr.text, 'oops\n');
      // As `starform shell` runs one: its input is the terminal (open until the command ends).
      // The size holds once the command has run a moment: engines before API 1.42 can set it
      // only after the start (an interactive shell hears of it as a window change).
      const tty = collect();
      const input = new PassThrough();
      assert.equal(await runtime.execAttached(ref, ['sh', '-c', 'sleep 1; stty size'], tty, { stdin: input, tty: { rows: 33, columns: 101 } }), 0);
      input.end();
      assert.match(tty.stdout.text, /^33 101\r?\n$/, `one raw stream, from a terminal of the size asked for: ${JSON.stringify(tty.stdout.text)}`);
    });

    it('refuses an attached command in a service whose process ended, and runs one in a copy of it: its files as it left them', async () => {
      const l = lineage();
      await runtime.ensureEnclave(l);
      // What `apply --keep-failed` keeps: a service whose process ended (here after a moment, with code 3).
      const info = await runtime.createService(l, serviceSpec(subject.image, 'halted', { cmd: ['sh', '-c', 'echo left-behind > /tmp/note; sleep 2; exit 3'] }));
      const ref = { lineage: l, name: 'halted', containerId: info.containerId };
      if (subject.processes) {
        const deadline = Date.now() + 30_000;
        while ((await runtime.inspectService(ref))?.running !== false) {
          if (Date.now() > deadline) throw new Error('the service process did not end');
          await new Promise((r) => setTimeout(r, 250));
        }
      } else {
        await runtime.stopService(ref, { timeoutSeconds: 5 }); // the fake runs no process that could end
      }
      await assert.rejects(runtime.execAttached(ref, ['true'], collect()), (e: unknown) => isRuntimeError(e, 'not-running'));
      const out = collect();
      const code = await runtime.execInCopy(ref, ['sh', '-c', 'cat /tmp/note; exit 7'], out);
      if (subject.processes) {
        assert.equal(code, 7);
        assert.equal(out.stdout.text, 'left-behind\n');
      }
      // Nothing of the copy is left, and the service is as it was: not running.
      const left = await runtime.inspectEnclave(l);
      assert.deepEqual(
        left.containers.filter((c) => c.task !== undefined),
        [],
      );
      assert.equal((await runtime.inspectService(ref))?.running, false);
    });

    it('removes a service but not its enclave, and the enclave with everything in it', async () => {
      const l = lineage();
      await runtime.ensureEnclave(l);
      const info = await runtime.createService(l, serviceSpec(subject.image, 'gone', { persistentDirectories: [{ mountPath: '/data', key: 'data' }] }));
      await runtime.createService(l, serviceSpec(subject.image, 'kept'));
      assert.equal(await runtime.removeService({ lineage: l, name: 'gone', containerId: info.containerId }), true);
      assert.equal(await runtime.inspectService({ lineage: l, name: 'gone' }), undefined);
      const middle = await runtime.inspectEnclave(l);
      assert.deepEqual(
        middle.containers.map((c) => c.service),
        ['kept'],
      );
      const removed = await runtime.removeEnclave(l);
      assert.ok(removed.network, 'the enclave network was among what was removed');
      const left = await runtime.inspectEnclave(l);
      assert.equal(left.network, undefined);
      assert.deepEqual(left.containers, []);
      assert.deepEqual(left.volumes, []);
    });
  });
}
