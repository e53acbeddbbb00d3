// Services of one enclave find each other by service name (a network alias on the
// enclave network), and two enclaves on one engine are kept apart.

import assert from 'node:assert/strict';
import { TEST_IMAGE, uniqueLineage, useEngine } from './engine.js';

describe('docker runtime: enclave network', function () {
  this.timeout(60_000);
  const env = useEngine('net');

  it('resolves services by name and reaches them over the enclave network', async () => {
    const { runtime, lineage } = env;
    const server = await runtime.createService(lineage, {
      name: 'api',
      image: TEST_IMAGE,
      cmd: ['httpd', '-f', '-p', '8080', '-h', '/var/www'],
      ports: { http: { number: 8080 } },
    });
    await runtime.createService(lineage, { name: 'client', image: TEST_IMAGE, cmd: ['sleep', '300'] });
    await runtime.waitForPort({ lineage, name: 'api' }, 'http', { timeoutMs: 10_000 });
    const lookup = await runtime.exec({ lineage, name: 'client' }, ['nslookup', 'api']);
    assert.equal(lookup.exitCode, 0, lookup.output);
    assert.ok(lookup.output.includes(server.ipAddress), `nslookup api gave ${server.ipAddress}:\n${lookup.output}`);
    const fetched = await runtime.exec({ lineage, name: 'client' }, ['wget', '-q', '-O', '-', 'http://api:8080/index.html']);
    assert.equal(fetched.exitCode, 0, fetched.output);
    assert.match(fetched.stdout, /starform test image/);
  });

  it('is idempotent and lists what belongs to the enclave', async () => {
    const { runtime, lineage } = env;
    const [a, b] = await Promise.all([runtime.ensureEnclave(lineage), runtime.ensureEnclave(lineage)]);
    assert.equal(a.networkId, b.networkId);
    const listed = await runtime.inspectEnclave(lineage);
    assert.equal(listed.network?.networkId, a.networkId);
    assert.deepEqual(listed.containers.map((c) => c.service).sort(), ['api', 'client']);
    assert.ok(listed.containers.every((c) => c.running));
  });

  it('creates services of a fresh enclave concurrently on one network', async () => {
    const { runtime } = env;
    const fresh = uniqueLineage('net-fresh');
    try {
      const infos = await Promise.all(['s1', 's2', 's3'].map((name) => runtime.createService(fresh, { name, image: TEST_IMAGE, cmd: ['sleep', '300'] })));
      const enclave = await runtime.inspectEnclave(fresh);
      assert.equal(enclave.containers.length, 3);
      const networks = await env.docker.listNetworks({ filters: { label: [`starform.lineage=${fresh}`] } });
      assert.equal(networks.length, 1, 'exactly one enclave network');
      assert.equal(new Set(infos.map((i) => i.ipAddress)).size, 3);
    } finally {
      await runtime.removeEnclave(fresh);
    }
  });

  it('keeps enclaves apart', async () => {
    const { runtime, lineage } = env;
    const other = uniqueLineage('net-other');
    try {
      await runtime.createService(other, { name: 'client', image: TEST_IMAGE, cmd: ['sleep', '300'] });
      const lookup = await runtime.exec({ lineage: other, name: 'client' }, ['nslookup', 'api']);
      assert.notEqual(lookup.exitCode, 0, `service 'api' of ${lineage} must not resolve from ${other}`);
      const mine = await runtime.inspectEnclave(lineage);
      assert.equal(mine.containers.length, 2);
    } finally {
      const removed = await runtime.removeEnclave(other);
      assert.equal(removed.containers.length, 1);
    }
    assert.equal((await runtime.inspectEnclave(lineage)).containers.length, 2, 'removing one enclave leaves the other');
  });
});
