// Containers starform did not create (lib/docker/adoption.ts and ServiceRef.adopted), on
// the real engine: an adopted reference reaches exactly its recorded container — its
// status with the enclave's address and the package's port ids, exec, removal — while the
// label rules hold for every other container (no `adopted`, or one labelled for another
// enclave), and removeEnclave keeps the containers it is told to keep, with their volumes.
import assert from 'node:assert/strict';
import { RuntimeError } from '../../lib/docker/index.js';
import { TEST_IMAGE, useEngine } from './engine.js';

describe('docker runtime: adopted containers', function () {
  this.timeout(90_000);
  const env = useEngine('adopt');
  const foreign: string[] = [];
  const networks: string[] = [];
  after(async function () {
    for (const id of foreign)
      await env.docker
        ?.getContainer(id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    for (const id of networks)
      await env.docker
        ?.getNetwork(id)
        .remove()
        .catch(() => undefined);
  });
  const notOwned = (err: unknown): boolean => err instanceof RuntimeError && err.code === 'not-owned';

  it('acts on the adopted id only; the label rules hold for the rest', async () => {
    const { runtime, lineage, docker } = env;
    // The user's containers, on a network of their own.
    const own = await docker.createNetwork({ Name: `adopt-${lineage}`, Driver: 'bridge' });
    networks.push(own.id);
    const HostConfig = { NetworkMode: `adopt-${lineage}` };
    const mine = await docker.createContainer({ Image: TEST_IMAGE, Cmd: ['httpd', '-f', '-p', '80'], ExposedPorts: { '80/tcp': {} }, HostConfig });
    const stranger = await docker.createContainer({ Image: TEST_IMAGE, Cmd: ['sleep', '300'], HostConfig });
    const other = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['sleep', '300'],
      Labels: { 'starform.lineage': `${lineage}-x`, 'starform.service': 'web' },
      HostConfig,
    });
    foreign.push(mine.id, stranger.id, other.id);
    for (const c of [mine, stranger, other]) await c.start();

    const found = await runtime.lookupContainer(mine.id.slice(0, 12));
    assert.equal(found?.id, mine.id);
    assert.deepEqual(found?.ports, [{ number: 80, protocol: 'TCP', hostPort: null }]);
    assert.deepEqual(found?.cmd, ['httpd', '-f', '-p', '80']);
    assert.equal(await runtime.lookupContainer('starform-no-such-container'), undefined);

    const ip = await runtime.attachToEnclave(lineage, mine.id, 'web');
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
    const ref = { lineage, name: 'web', containerId: mine.id, adopted: { ports: { http: { number: 80, protocol: 'TCP' as const } } } };
    const status = await runtime.inspectService(ref);
    assert.equal(status?.ipAddress, ip, 'its address on the enclave network');
    assert.equal((await runtime.exec(ref, ['hostname'])).exitCode, 0);

    // Without `adopted`, the same id is refused (no labels); with it, a container of another enclave still is.
    await assert.rejects(runtime.exec({ lineage, name: 'web', containerId: mine.id }, ['true']), notOwned);
    await assert.rejects(runtime.stopService({ lineage, name: 'web', containerId: stranger.id }), notOwned);
    assert.equal((await stranger.inspect()).State.Running, true);
    await assert.rejects(runtime.removeService({ ...ref, containerId: other.id }), notOwned);
    assert.equal((await other.inspect()).State.Running, true);
    // removeEnclave never sees unlabelled containers; kept ones stay, detached from the network.
    const kept = await runtime.createService(lineage, {
      name: 'kept',
      image: TEST_IMAGE,
      cmd: ['sleep', '300'],
      persistentDirectories: [{ mountPath: '/data', key: 'data' }],
    });
    foreign.push(kept.containerId);
    await docker.getNetwork(`starform-${lineage}`).disconnect({ Container: mine.id, Force: true });
    const removed = await runtime.removeEnclave(lineage, { keep: [kept.containerId] });
    assert.ok(!removed.containers.some((c) => c.id === kept.containerId));
    assert.equal(removed.volumes.length, 0, "the kept container's volume stays");
    const after = await docker.getContainer(kept.containerId).inspect();
    assert.equal(after.State.Running, true);
    assert.equal(Object.keys(after.NetworkSettings.Networks ?? {}).includes(`starform-${lineage}`), false);
    assert.equal((await mine.inspect()).State.Running, true, 'and the adopted one was not touched by label');
    await docker.getContainer(kept.containerId).remove({ force: true, v: true });
    await docker
      .getVolume(`starform-${lineage}-data`)
      .remove()
      .catch(() => undefined);
  });
});
