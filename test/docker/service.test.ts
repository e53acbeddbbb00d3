// The life of one service against a real engine: create with files copied in before
// start, HTTP from the host through the published port (busybox httpd), exec, copy files
// in and out, stop/start, limits and user, persistent directories, remove.

import assert from 'node:assert/strict';
import { packFiles, readArchive, type ServiceRef } from '../../lib/docker/index.js';
import { httpGet, TEST_IMAGE, useEngine } from './engine.js';

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
    assert.deepEqual(enclave.volumes.map((v) => v.key), ['db-data']);
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
});
