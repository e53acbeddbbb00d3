// Label safety and the errors a user can cause: the runtime refuses containers that do
// not carry its lineage, explains a missing image, a host port that is already taken
// (by a process or by another container) and an engine that cannot be reached, and
// leaves nothing half-created behind.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { DockerRuntime, RuntimeError } from '../../lib/docker/index.js';
import { TEST_IMAGE, useEngine } from './engine.js';

type CodedError = Error & { code?: string };

describe('docker runtime: label safety', function () {
  this.timeout(60_000);
  const env = useEngine('safe');
  const foreign: string[] = [];

  after(async function () {
    for (const id of foreign)
      await env.docker
        ?.getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it('refuses to touch a container without the lineage label', async () => {
    const { runtime, lineage, docker } = env;
    const stranger = await docker.createContainer({ Image: TEST_IMAGE, Cmd: ['sleep', '300'], name: `stranger-${lineage}` });
    foreign.push(stranger.id);
    await stranger.start();
    const ref = { lineage, name: 'web', containerId: stranger.id };
    const refused = (err: CodedError): boolean => err instanceof RuntimeError && err.code === 'not-owned' && err.message.includes('starform.lineage');
    await assert.rejects(runtime.removeService(ref), refused);
    await assert.rejects(runtime.stopService(ref), refused);
    await assert.rejects(runtime.startService(ref), refused);
    await assert.rejects(runtime.exec(ref, ['true']), refused);
    await assert.rejects(runtime.inspectService(ref), refused);
    await assert.rejects(runtime.copyFromService(ref, '/etc'), refused);
    assert.equal((await stranger.inspect()).State.Running, true, 'the stranger is untouched');
    await runtime.removeEnclave(lineage);
    assert.equal((await stranger.inspect()).State.Running, true, 'removing the enclave leaves it alone');
  });

  it('refuses a container of another lineage or another service', async () => {
    const { runtime, lineage, docker } = env;
    const other = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['sleep', '300'],
      Labels: { 'starform.lineage': `${lineage}-other`, 'starform.service': 'web' },
    });
    foreign.push(other.id);
    await assert.rejects(runtime.removeService({ lineage, name: 'web', containerId: other.id }), { code: 'not-owned' });
    const mine = await runtime.createService(lineage, { name: 'db', image: TEST_IMAGE, cmd: ['sleep', '300'] });
    await assert.rejects(
      runtime.removeService({ lineage, name: 'web', containerId: mine.containerId }),
      (err: CodedError) => err.code === 'not-owned' && err.message.includes("service 'db'"),
    );
    assert.equal(await runtime.removeService({ lineage, name: 'db', containerId: mine.containerId }), true);
    assert.equal(await runtime.removeService({ lineage, name: 'db', containerId: mine.containerId }), false);
  });

  it('refuses a network of the same name that is not ours', async () => {
    const { runtime, lineage, docker } = env;
    const squatted = `${lineage}-net`;
    const network = await docker.createNetwork({ Name: `starform-${squatted}` });
    try {
      await assert.rejects(runtime.ensureEnclave(squatted), { code: 'not-owned' });
    } finally {
      await network.remove();
    }
  });
});

describe('docker runtime: user errors', function () {
  this.timeout(60_000);
  const env = useEngine('err');
  let holder: Server | undefined;

  after(async function () {
    await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
  });

  it('explains a missing image and leaves no container', async () => {
    const { runtime, lineage } = env;
    await assert.rejects(
      runtime.createService(lineage, { name: 'ghost', image: 'starform-test/absent:1' }),
      (err: CodedError) => err.code === 'image-not-found' && err.message.includes("'starform-test/absent:1'") && err.message.includes("service 'ghost'"),
    );
    assert.equal((await runtime.inspectEnclave(lineage)).containers.length, 0);
  });

  it('explains a host port held by another process and removes the half-made container', async () => {
    const { runtime, lineage } = env;
    holder = createServer();
    await new Promise<void>((resolve) => holder!.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    await assert.rejects(
      runtime.createService(lineage, {
        name: 'clash',
        image: TEST_IMAGE,
        cmd: ['sleep', '300'],
        ports: { http: { number: 80, publicPort: port } },
      }),
      (err: CodedError) => err.code === 'port-in-use' && err.message.includes(`host port ${port}`) && err.message.includes("port 'http'"),
    );
    assert.equal(await runtime.inspectService({ lineage, name: 'clash' }), undefined);
  });

  it('explains a host port held by another service', async () => {
    const { runtime, lineage } = env;
    const first = await runtime.createService(lineage, {
      name: 'first',
      image: TEST_IMAGE,
      cmd: ['sleep', '300'],
      ports: { http: { number: 80 } },
    });
    const taken = first.ports['http']!.hostPort;
    await assert.rejects(
      runtime.createService(lineage, {
        name: 'second',
        image: TEST_IMAGE,
        cmd: ['sleep', '300'],
        ports: { web: { number: 80, publicPort: taken } },
      }),
      (err: CodedError) => err.code === 'port-in-use' && err.message.includes(`host port ${taken}`),
    );
    assert.equal(await runtime.inspectService({ lineage, name: 'second' }), undefined);
  });

  it('rejects bad specs before touching the engine', async () => {
    const { runtime, lineage } = env;
    const bad = async (spec: Parameters<DockerRuntime['createService']>[1], pattern: RegExp): Promise<void> => {
      await assert.rejects(runtime.createService(lineage, spec), (err: CodedError) => err.code === 'invalid-spec' && pattern.test(err.message));
    };
    await bad({ name: 'has space', image: TEST_IMAGE }, /invalid service name/);
    await bad({ name: 'p', image: TEST_IMAGE, ports: { a: { number: 0 } } }, /not in 1-65535/);
    await bad({ name: 'p', image: TEST_IMAGE, ports: { a: { number: 80 }, b: { number: 80 } } }, /both use 80\/TCP/);
    await bad({ name: 'p', image: TEST_IMAGE, labels: { 'starform.service': 'x' } }, /reserved/);
    await bad({ name: 'p', image: TEST_IMAGE, files: [{ mountPath: 'relative', archive: new Uint8Array() }] }, /must be absolute/);
    await bad({ name: 'p', image: TEST_IMAGE, maxMemoryMegabytes: 2 }, /at least 6 MB/);
    await assert.rejects(runtime.ensureEnclave('bad lineage!'), { code: 'invalid-spec' });
  });
});

describe('docker runtime: unreachable engine', function () {
  it('names the socket it could not reach', async () => {
    const socketPath = '/tmp/starform-no-such-dir/docker.sock';
    const runtime = new DockerRuntime({ socketPath });
    const unreachable = (err: CodedError): boolean =>
      err instanceof RuntimeError && err.code === 'engine-unreachable' && err.message.includes(`unix://${socketPath}`);
    await assert.rejects(runtime.ping(), unreachable);
    await assert.rejects(runtime.createService('sftest-unreach', { name: 'web', image: TEST_IMAGE }), unreachable);
    await assert.rejects(runtime.imageExists(TEST_IMAGE), unreachable);
    const [outcome] = await runtime.ensureImages([{ ref: TEST_IMAGE }]);
    assert.ok(outcome && !outcome.ok && outcome.error.code === 'engine-unreachable');
  });
});
