// The life of one service against a real engine: create with files copied in before
// start, HTTP from the host through the published port (busybox httpd), exec, copy files
// in and out, stop/start, limits and user, persistent directories, remove.

import assert from 'node:assert/strict';
import { deviceMapping, gpuHostConfig, ipv4Range, packFiles, readArchive, type ServiceRef } from '../../lib/docker/index.js';
import { networkName } from '../../lib/docker/naming.js';
import { httpGet, TEST_IMAGE, uniqueLineage, useEngine } from './engine.js';

describe('docker runtime: service lifecycle', function () {
  this.timeout(60_000);
  const env = useEngine('svc');

  it('creates, serves, execs, copies, stops, starts and removes a service', async () => {
    const { runtime, lineage } = env;
    const site = await packFiles([
      { path: 'index.html', content: 'hello from starform\n' },
      { path: 'nested/data.txt', content: 'nested' },
    ]);
    const info = await runtime.createService(lineage, {
      name: 'web',
      image: TEST_IMAGE,
      cmd: ['httpd', '-f', '-p', '8080', '-h', '/srv/www'],
      env: { GREETING: 'hi there' },
      ports: { http: { number: 8080 } },
      labels: { team: 'infra' },
      files: [{ mountPath: '/srv/www', archive: site }],
    });
    const ref: ServiceRef = { lineage, name: 'web' };
    assert.equal(info.name, 'web');
    assert.equal(info.hostname, 'web');
    assert.match(info.ipAddress, /^\d+\.\d+\.\d+\.\d+$/);
    const http = info.ports['http'];
    assert.ok(http, 'port http is published');
    assert.equal(http.number, 8080);
    assert.equal(http.protocol, 'TCP');
    assert.equal(http.hostIp, '127.0.0.1');
    assert.ok(http.hostPort > 0);

    const status = await runtime.inspectService(ref);
    assert.ok(status?.running);
    assert.equal(status.labels['starform.lineage'], lineage);
    assert.equal(status.labels['starform.service'], 'web');
    assert.equal(status.labels['team'], 'infra');

    await runtime.waitForPort(ref, 'http', { timeoutMs: 10_000 });
    assert.deepEqual(await httpGet(http.hostIp, http.hostPort, '/index.html'), { status: 200, body: 'hello from starform\n' });
    assert.equal((await httpGet(http.hostIp, http.hostPort, '/nested/data.txt')).body, 'nested');

    const exec = await runtime.exec(ref, ['sh', '-c', 'echo "$GREETING"; echo oops >&2; exit 3']);
    assert.equal(exec.exitCode, 3);
    assert.equal(exec.stdout, 'hi there\n');
    assert.equal(exec.stderr, 'oops\n');
    assert.ok(exec.output.includes('hi there\n') && exec.output.includes('oops\n'));
    const missing = await runtime.exec(ref, ['no-such-program']);
    assert.notEqual(missing.exitCode, 0);

    const big = 'x'.repeat(200_000);
    await runtime.copyToService(ref, { mountPath: '/srv/www/uploaded', archive: await packFiles([{ path: 'big.txt', content: big }]) });
    assert.equal((await runtime.exec(ref, ['wc', '-c', '/srv/www/uploaded/big.txt'])).stdout.trim().split(/\s+/)[0], '200000');
    const large = await runtime.exec(ref, ['cat', '/srv/www/uploaded/big.txt']);
    assert.equal(large.stdout, big, 'large output is demultiplexed intact');

    const out = await readArchive(await runtime.copyFromService(ref, '/srv/www'));
    const byPath = new Map(out.map((e) => [e.path, e]));
    assert.equal(byPath.get('www/index.html')?.content.toString(), 'hello from starform\n');
    assert.equal(byPath.get('www/uploaded/big.txt')?.content.length, 200_000);
    await assert.rejects(runtime.copyFromService(ref, '/no/such/path'), { code: 'path-not-found' });

    await runtime.stopService(ref, { timeoutSeconds: 1 });
    const stopped = await runtime.inspectService(ref);
    assert.equal(stopped?.running, false);
    assert.deepEqual(stopped?.ports, {});
    await runtime.stopService(ref);
    await assert.rejects(runtime.exec(ref, ['true']), { code: 'not-running' });
    await assert.rejects(runtime.waitForPort(ref, 'http', { timeoutMs: 1000 }), { code: 'not-running' });

    const restarted = await runtime.startService(ref);
    assert.equal(restarted.containerId, info.containerId);
    const again = restarted.ports['http'];
    assert.ok(again);
    await runtime.waitForPort(ref, 'http', { timeoutMs: 10_000 });
    assert.equal((await httpGet(again.hostIp, again.hostPort, '/index.html')).body, 'hello from starform\n');
    assert.equal((await runtime.startService(ref)).containerId, info.containerId, 'starting a running service is a no-op');

    await assert.rejects(
      runtime.createService(lineage, { name: 'web', image: TEST_IMAGE }),
      (err: Error & { code?: string }) => err.code === 'name-conflict' && /already exists/.test(err.message),
    );

    assert.equal(await runtime.removeService(ref), true);
    assert.equal(await runtime.inspectService(ref), undefined);
    assert.equal(await runtime.removeService(ref), false);
    await assert.rejects(runtime.exec(ref, ['true']), { code: 'not-found' });
  });

  it('applies user, CPU and memory limits in Kurtosis units', async () => {
    const { runtime, lineage, docker } = env;
    const info = await runtime.createService(lineage, {
      name: 'limited',
      image: TEST_IMAGE,
      cmd: ['sleep', '300'],
      user: { uid: 65534, gid: 65534 },
      maxCpuMillicores: 500,
      maxMemoryMegabytes: 64,
      minMemoryMegabytes: 32,
    });
    const ref = { lineage, name: 'limited', containerId: info.containerId };
    const id = await runtime.exec(ref, ['id', '-u']);
    assert.equal(id.stdout.trim(), '65534');
    assert.equal((await runtime.exec(ref, ['id', '-u'], { user: { uid: 0 } })).stdout.trim(), '0');
    assert.equal((await runtime.exec(ref, ['pwd'], { workdir: '/tmp' })).stdout, '/tmp\n');
    await assert.rejects(
      runtime.exec(ref, ['sleep', '10'], { timeoutMs: 300 }),
      (err: Error & { code?: string }) => err.code === 'timeout' && err.message.includes('did not finish within 300ms'),
    );
    const inspected = await docker.getContainer(info.containerId).inspect();
    assert.equal(inspected.HostConfig.NanoCpus, 500_000_000);
    assert.equal(inspected.HostConfig.Memory, 64_000_000);
    assert.equal(inspected.HostConfig.MemoryReservation, 32_000_000);
    await runtime.removeService(ref);
  });

  it('runs an init process and a terminal, passes host devices, sizes /dev/shm and sets ulimits as asked', async () => {
    const { runtime, lineage, docker } = env;
    const info = await runtime.createService(lineage, {
      name: 'featured',
      image: TEST_IMAGE,
      cmd: ['sh', '-c', 'echo hello from a terminal; exec sleep 300'],
      init: true,
      tty: true,
      devices: ['/dev/zero:/dev/starform-zero:r'],
      gpu: { count: 0, deviceIds: [], driver: 'nvidia', shmSizeMegabytes: 32, ulimits: { nofile: 4096 } },
    });
    const ref = { lineage, name: 'featured', containerId: info.containerId };
    assert.equal((await runtime.exec(ref, ['cat', '/proc/1/comm'])).stdout.trim(), 'docker-init', 'PID 1 is the init process');
    assert.match((await runtime.exec(ref, ['ls', '-l', '/dev/starform-zero'])).stdout, /^c/);
    assert.equal((await runtime.exec(ref, ['sh', '-c', 'ulimit -n'])).stdout.trim(), '4096');
    const inspected = await docker.getContainer(info.containerId).inspect();
    assert.equal(inspected.Config.Tty, true);
    assert.equal(inspected.HostConfig.Init, true);
    assert.equal(inspected.HostConfig.ShmSize, 32 * 1024 * 1024);
    assert.deepEqual(inspected.HostConfig.Devices, [{ PathOnHost: '/dev/zero', PathInContainer: '/dev/starform-zero', CgroupPermissions: 'r' }]);
    // A terminal's output is one stream, not Docker's multiplexed frames.
    assert.match(await runtime.serviceLogs(ref), /^hello from a terminal\r?\n$/);
    await runtime.removeService(ref);
  });

  it('puts its own address where the IP address placeholder is, and keeps that address', async () => {
    const { runtime, lineage, docker } = env;
    const placeholder = 'KURTOSIS_IP_ADDR_PLACEHOLDER';
    const spec = (name: string) => ({
      name,
      image: TEST_IMAGE,
      entrypoint: ['sh', '-c'],
      cmd: [`echo "listening on ${placeholder}:9000"; exec sleep 300`],
      env: { SELF: placeholder, URL: `http://${placeholder}:9000/` },
      ipAddressPlaceholder: placeholder,
      init: true,
    });
    const [a, b] = await Promise.all([runtime.createService(lineage, spec('self-a')), runtime.createService(lineage, spec('self-b'))]);
    assert.notEqual(a.ipAddress, b.ipAddress);
    const ref = { lineage, name: 'self-a', containerId: a.containerId };
    assert.equal((await runtime.exec(ref, ['sh', '-c', 'echo "$SELF $URL"'])).stdout, `${a.ipAddress} http://${a.ipAddress}:9000/\n`);
    assert.match(await runtime.serviceLogs(ref), new RegExp(`listening on ${a.ipAddress.replaceAll('.', '\\.')}:9000`));
    await runtime.stopService(ref, { timeoutSeconds: 1 });
    // A stopped container keeps its address: a new service must not take it.
    const c = await runtime.createService(lineage, spec('self-c'));
    assert.ok(![a.ipAddress, b.ipAddress].includes(c.ipAddress), `${c.ipAddress} is not a's or b's`);
    await runtime.startService(ref);
    assert.equal((await runtime.inspectService(ref))?.ipAddress, a.ipAddress, 'a restarted container keeps its address');
    // Services without the placeholder get an address from the engine as usual.
    const plain = await runtime.createService(lineage, { name: 'plain', image: TEST_IMAGE, cmd: ['sleep', '300'], ipAddressPlaceholder: placeholder });
    assert.ok(![a.ipAddress, b.ipAddress, c.ipAddress].includes(plain.ipAddress));
    const network = await docker.getNetwork((await runtime.ensureEnclave(lineage)).networkId).inspect();
    assert.match(network.IPAM?.Config?.[0]?.Subnet ?? '', /^\d+\.\d+\.\d+\.\d+\/\d+$/, 'the enclave network has a subnet of its own');
    for (const name of ['self-a', 'self-b', 'self-c', 'plain']) await runtime.removeService({ lineage, name });
  });

  it('says what to do when an enclave network made by an older starform cannot fix addresses', async () => {
    const { runtime, docker } = env;
    const old = uniqueLineage('svc-old');
    // Such networks were created without a subnet of their own.
    await docker.createNetwork({ Name: networkName(old), Driver: 'bridge', Labels: { 'starform.lineage': old } });
    try {
      await assert.rejects(
        runtime.createService(old, {
          name: 'self',
          image: TEST_IMAGE,
          cmd: ['sleep', '300'],
          env: { SELF: 'KURTOSIS_IP_ADDR_PLACEHOLDER' },
          ipAddressPlaceholder: 'KURTOSIS_IP_ADDR_PLACEHOLDER',
        }),
        (err: Error & { code?: string }) =>
          err.code === 'invalid-spec' &&
          /uses the private IP address placeholder.*made by an older starform\. Run `starform destroy` and apply again/.test(err.message),
      );
      assert.deepEqual((await runtime.inspectEnclave(old)).containers, [], 'nothing is left behind');
    } finally {
      await runtime.removeEnclave(old);
    }
  });

  it('computes IPv4 ranges', () => {
    assert.deepEqual(ipv4Range('172.20.0.0/16'), { first: 0xac140000, last: 0xac14ffff });
    assert.deepEqual(ipv4Range('10.1.2.77/24'), { first: 0x0a010200, last: 0x0a0102ff });
    assert.equal(ipv4Range('fd00::/64'), undefined);
  });

  it('asks the engine for GPUs the way GpuConfig says', () => {
    const base = { count: 0, deviceIds: [] as string[], driver: 'nvidia', shmSizeMegabytes: 0, ulimits: {} };
    assert.deepEqual(gpuHostConfig(base), {});
    assert.deepEqual(gpuHostConfig({ ...base, count: -1 }), { DeviceRequests: [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }] });
    assert.deepEqual(gpuHostConfig({ ...base, count: 2, driver: 'amd' }), { DeviceRequests: [{ Driver: 'amd', Count: 2, Capabilities: [['gpu']] }] });
    assert.deepEqual(gpuHostConfig({ ...base, deviceIds: ['0', 'GPU-3'], shmSizeMegabytes: 64, ulimits: { memlock: -1 } }), {
      DeviceRequests: [{ Driver: 'nvidia', DeviceIDs: ['0', 'GPU-3'], Capabilities: [['gpu']] }],
      ShmSize: 64 * 1024 * 1024,
      Ulimits: [{ Name: 'memlock', Soft: -1, Hard: -1 }],
    });
    assert.deepEqual(deviceMapping('/dev/fuse'), { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' });
    assert.deepEqual(deviceMapping('/dev/kvm:rw'), { PathOnHost: '/dev/kvm', PathInContainer: '/dev/kvm', CgroupPermissions: 'rw' });
    assert.deepEqual(deviceMapping('/dev/sda:/dev/xvda'), { PathOnHost: '/dev/sda', PathInContainer: '/dev/xvda', CgroupPermissions: 'rwm' });
  });

  it('keeps persistent directories across a service being replaced', async () => {
    const { runtime, lineage } = env;
    const spec = {
      name: 'db',
      image: TEST_IMAGE,
      cmd: ['sleep', '300'],
      persistentDirectories: [{ mountPath: '/data', key: 'db-data' }],
    };
    await runtime.createService(lineage, spec);
    await runtime.exec({ lineage, name: 'db' }, ['sh', '-c', 'echo kept > /data/file']);
    await runtime.removeService({ lineage, name: 'db' });
    await runtime.createService(lineage, spec);
    assert.equal((await runtime.exec({ lineage, name: 'db' }, ['cat', '/data/file'])).stdout, 'kept\n');
    const enclave = await runtime.inspectEnclave(lineage);
    assert.deepEqual(
      enclave.volumes.map((v) => v.key),
      ['db-data'],
    );
    await runtime.removeService({ lineage, name: 'db' });
  });

  it('serves fixed public ports', async () => {
    const { runtime, lineage } = env;
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const free = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const info = await runtime.createService(lineage, {
      name: 'fixed',
      image: TEST_IMAGE,
      cmd: ['httpd', '-f', '-p', '80', '-h', '/var/www'],
      ports: { web: { number: 80, publicPort: free } },
    });
    assert.equal(info.ports['web']?.hostPort, free);
    await runtime.waitForPort({ lineage, name: 'fixed' }, 'web', { timeoutMs: 10_000 });
    assert.equal((await httpGet('127.0.0.1', free, '/')).status, 200);
    await runtime.removeService({ lineage, name: 'fixed' });
  });

  it('publishes a UDP port on the host only when asked (publish_udp)', async () => {
    const { runtime, lineage, docker } = env;
    const spec = (name: string, publishUdp: boolean) => ({
      name,
      image: TEST_IMAGE,
      cmd: ['sleep', '300'],
      ports: { discovery: { number: 9999, protocol: 'UDP' as const }, rpc: { number: 8545 } },
      publishUdp,
    });
    const hidden = await runtime.createService(lineage, spec('udp-hidden', false));
    assert.equal(hidden.ports['discovery'], undefined, 'not published');
    const hiddenInfo = await docker.getContainer(hidden.containerId).inspect();
    assert.equal(hiddenInfo.HostConfig.PortBindings?.['9999/udp'], undefined);
    assert.ok(hiddenInfo.NetworkSettings.Ports?.['9999/udp'] === null, 'still a port of the container, reachable on the enclave network');
    assert.ok(hiddenInfo.HostConfig.PortBindings?.['8545/tcp'], 'TCP ports are published either way');

    const shown = await runtime.createService(lineage, spec('udp-shown', true));
    const port = shown.ports['discovery'];
    assert.ok(port && port.protocol === 'UDP' && port.hostPort > 0, 'published');
    const bound = (await docker.getContainer(shown.containerId).inspect()).NetworkSettings.Ports?.['9999/udp'];
    assert.equal(bound?.[0]?.HostPort, String(port.hostPort));
    for (const name of ['udp-hidden', 'udp-shown']) await runtime.removeService({ lineage, name });
  });

  it('adds capabilities, joins the host PID namespace, bind-mounts, and asks for privileged mode', async () => {
    const { runtime, lineage, docker } = env;
    const info = await runtime.createService(lineage, {
      name: 'host-access',
      image: TEST_IMAGE,
      cmd: ['sleep', '300'],
      capabilities: ['NET_ADMIN'],
      hostPidNamespace: true,
      bindMounts: { '/var/run/docker.sock': '/var/run/docker.sock' },
    });
    const ref = { lineage, name: 'host-access', containerId: info.containerId };
    const inspected = await docker.getContainer(info.containerId).inspect();
    assert.deepEqual(inspected.HostConfig.CapAdd, ['NET_ADMIN']);
    assert.equal(inspected.HostConfig.PidMode, 'host');
    assert.deepEqual(inspected.HostConfig.Binds, ['/var/run/docker.sock:/var/run/docker.sock']);
    assert.equal((await runtime.exec(ref, ['ip', 'link', 'set', 'lo', 'mtu', '1400'])).exitCode, 0, 'NET_ADMIN in force');
    assert.equal((await runtime.exec(ref, ['sh', '-c', 'test -S /var/run/docker.sock && echo socket'])).stdout, 'socket\n');
    assert.notEqual((await runtime.exec(ref, ['cat', '/proc/1/comm'])).stdout.trim(), 'sleep', "PID 1 is the host's");
    await runtime.removeService(ref);

    // Privileged mode needs an engine that holds every capability (this one may not).
    try {
      const p = await runtime.createService(lineage, { name: 'privileged', image: TEST_IMAGE, cmd: ['sleep', '300'], privileged: true });
      assert.equal((await docker.getContainer(p.containerId).inspect()).HostConfig.Privileged, true);
      const mounted = await runtime.exec({ lineage, name: 'privileged' }, ['sh', '-c', 'mount -t tmpfs none /mnt && echo mounted']);
      assert.equal(mounted.stdout, 'mounted\n');
      await runtime.removeService({ lineage, name: 'privileged' });
    } catch (err) {
      assert.match((err as Error).message, /starting service 'privileged'.*unable to apply caps/s, 'the engine got the request and refused it');
      assert.deepEqual(
        (await runtime.inspectEnclave(lineage)).containers.filter((c) => c.service === 'privileged'),
        [],
        'nothing left behind',
      );
    }
  });

  it('runs a task with host access as asked', async () => {
    const { runtime, lineage } = env;
    const result = await runtime.runTask(lineage, {
      name: 'host-check',
      image: TEST_IMAGE,
      cmd: ['sh', '-c', 'test -S /var/run/docker.sock && echo socket; cat /proc/1/comm'],
      bindMounts: { '/var/run/docker.sock': '/var/run/docker.sock' },
      hostPidNamespace: true,
    });
    assert.equal(result.exitCode, 0);
    assert.match(result.output, /^socket\n/);
    assert.doesNotMatch(result.output, /\nsh\n$/, "PID 1 is the host's, not the task's shell");
  });

  it('recreates a replaced service on the address it had, and falls back where the network cannot fix addresses', async () => {
    const { runtime, lineage, docker } = env;
    const first = await runtime.createService(lineage, { name: 'kept', image: TEST_IMAGE, cmd: ['sleep', '300'] });
    // Another service starts meanwhile; the engine would hand the freed address out next.
    await runtime.removeService({ lineage, name: 'kept' });
    const other = await runtime.createService(lineage, { name: 'other', image: TEST_IMAGE, cmd: ['sleep', '300'] });
    const again = await runtime.createService(lineage, { name: 'kept', image: TEST_IMAGE, cmd: ['sleep', '300'], ipAddress: first.ipAddress });
    if (other.ipAddress === first.ipAddress) {
      assert.notEqual(again.ipAddress, first.ipAddress, 'taken meanwhile: the engine picks another');
    } else {
      assert.equal(again.ipAddress, first.ipAddress);
    }
    const replaced = await runtime.createService(lineage, { name: 'kept2', image: TEST_IMAGE, cmd: ['sleep', '300'] });
    await runtime.removeService({ lineage, name: 'kept2' });
    const back = await runtime.createService(lineage, { name: 'kept2', image: TEST_IMAGE, cmd: ['sleep', '300'], ipAddress: replaced.ipAddress });
    assert.equal(back.ipAddress, replaced.ipAddress, 'the same address again');
    for (const name of ['kept', 'kept2', 'other']) await runtime.removeService({ lineage, name });

    const old = uniqueLineage('svc-keep-old');
    await docker.createNetwork({ Name: networkName(old), Driver: 'bridge', Labels: { 'starform.lineage': old } });
    try {
      const made = await runtime.createService(old, { name: 'x', image: TEST_IMAGE, cmd: ['sleep', '300'], ipAddress: '10.254.254.2' });
      assert.notEqual(made.ipAddress, '10.254.254.2', 'created, with an address of the engine');
    } finally {
      await runtime.removeEnclave(old);
    }
  });

  it('inspects many services at once as it inspects each: a paused one, one whose image tag moved, a UDP port', async () => {
    const { runtime, lineage, docker } = env;
    const tag = `starform-test/moving-${lineage}:latest`;
    await docker.getImage(TEST_IMAGE).tag({ repo: tag.slice(0, tag.lastIndexOf(':')), tag: 'latest' });
    try {
      const cmd = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];
      const paused = await runtime.createService(lineage, { name: 'paused', image: TEST_IMAGE, cmd, ports: { http: { number: 8080 } } });
      const moved = await runtime.createService(lineage, { name: 'moved', image: tag, cmd, ports: { http: { number: 8080 } } });
      const udp = await runtime.createService(lineage, {
        name: 'udp',
        image: TEST_IMAGE,
        cmd,
        ports: { dns: { number: 53, protocol: 'UDP' }, web: { number: 80 } },
        publishUdp: true,
      });
      await docker.getContainer(paused.containerId).pause();
      // The tag is gone (as when it moved to another image): the engine's listing then shows the image id instead.
      await docker.getImage(tag).remove({ force: true });
      const refs: ServiceRef[] = [
        { lineage, name: 'paused', containerId: paused.containerId },
        { lineage, name: 'moved', containerId: moved.containerId },
        { lineage, name: 'udp', containerId: udp.containerId },
      ];
      const each = await Promise.all(refs.map((r) => runtime.inspectService(r)));
      assert.deepEqual(await runtime.inspectServices(lineage, refs), each);
      assert.equal(each[0]?.state, 'paused');
      assert.equal(each[1]?.image, tag, 'the reference it was created from');
      assert.ok(each[2]?.ports['dns'] && each[2]?.ports['web']);
      await docker.getContainer(paused.containerId).unpause();
    } finally {
      await docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
    }
  });
});
