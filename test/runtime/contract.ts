// The runtime contract: what every adapter of the runtime port (lib/runtime) must do, as
// one mocha suite each adapter's test file runs against its own runtime (the Docker
// adapter, the Swarm adapter and the executor tests' fake today). It checks the behaviour
// the executor relies on: enclaves are idempotent and isolated by lineage, services are
// created, found, stopped, started and removed by reference, a reference naming another
// service's container is refused, files go in before start and come back out, and
// removing an enclave leaves nothing of it. Adapters that run real processes also pass the
// exec and task cases; the fake, which runs none, declares `processes: false`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isRuntimeError, packFiles, readArchive, type Runtime, type ServiceSpec } from '../../lib/runtime/index.js';

export interface ContractSubject {
  /** Opens the runtime; may call `suite.skip()` when its engine is absent (outside CI). */
  open(suite: Mocha.Context): Promise<Runtime>;
  /** An image with sh that every case's services run. */
  readonly image: string;
  /** Whether the runtime runs real processes (exec output, task exit codes, files seen by processes). */
  readonly processes: boolean;
  /** Per-operation time budget for slow engines (ms); default 60 s. */
  readonly timeoutMs?: number;
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

    after(async function () {
      this.timeout(120_000);
      if (runtime === undefined) return;
      for (const l of lineages) await runtime.removeEnclave(l);
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

    it('removes a service but not its enclave, and the enclave with everything in it', async () => {
      const l = lineage();
      await runtime.ensureEnclave(l);
      const info = await runtime.createService(l, serviceSpec(subject.image, 'gone', { persistentDirectories: [{ mountPath: '/data', key: 'data' }] }));
      await runtime.createService(l, serviceSpec(subject.image, 'kept'));
      assert.equal(await runtime.removeService({ lineage: l, name: 'gone', containerId: info.containerId }), true);
      assert.equal(await runtime.inspectService({ lineage: l, name: 'gone' }), undefined);
      const middle = await runtime.inspectEnclave(l);
      assert.deepEqual(middle.containers.map((c) => c.service), ['kept']);
      const removed = await runtime.removeEnclave(l);
      assert.ok(removed.network, 'the enclave network was among what was removed');
      const left = await runtime.inspectEnclave(l);
      assert.equal(left.network, undefined);
      assert.deepEqual(left.containers, []);
      assert.deepEqual(left.volumes, []);
    });
  });
}
