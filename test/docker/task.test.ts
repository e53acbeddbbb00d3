// One-off task containers (run_sh / run_python): files in, command run to completion,
// output and exit code captured, paths copied out, container removed.

import assert from 'node:assert/strict';
import { packFiles, readArchive } from '../../lib/docker/index.js';
import { TEST_IMAGE, useEngine } from './engine.js';

describe('docker runtime: task containers', function () {
  this.timeout(60_000);
  const env = useEngine('task');

  it('runs a command with files and stores paths', async () => {
    const { runtime, lineage } = env;
    const input = await packFiles([{ path: 'in.txt', content: 'one\ntwo\n' }]);
    const result = await runtime.runTask(lineage, {
      name: 'run_sh',
      image: TEST_IMAGE,
      cmd: ['sh', '-c', 'mkdir -p /out && wc -l < /work/in/in.txt > /out/count && echo "$MODE done" && echo warn >&2'],
      env: { MODE: 'test' },
      files: [{ mountPath: '/work/in', archive: input }],
      storePaths: ['/out', '/work/in/in.txt'],
    });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, 'test done\n');
    assert.equal(result.stderr, 'warn\n');
    assert.equal(result.stored.length, 2);
    const out = await readArchive(result.stored[0]!.archive);
    assert.equal(
      out
        .find((e) => e.path === 'out/count')
        ?.content.toString()
        .trim(),
      '2',
    );
    const file = await readArchive(result.stored[1]!.archive);
    assert.deepEqual(
      file.map((e) => [e.path, e.content.toString()]),
      [['in.txt', 'one\ntwo\n']],
    );
    const left = await runtime.inspectEnclave(lineage);
    assert.equal(left.containers.length, 0, 'the task container is removed');
  });

  it('reports a failing command by exit code, not by throwing', async () => {
    const { runtime, lineage } = env;
    const result = await runtime.runTask(lineage, { name: 'fails', image: TEST_IMAGE, cmd: ['sh', '-c', 'echo bad; exit 5'] });
    assert.equal(result.exitCode, 5);
    assert.equal(result.output, 'bad\n');
  });

  it('reaches services by name and runs tasks in parallel', async () => {
    const { runtime, lineage } = env;
    await runtime.createService(lineage, {
      name: 'web',
      image: TEST_IMAGE,
      cmd: ['httpd', '-f', '-p', '80', '-h', '/var/www'],
      ports: { http: { number: 80 } },
    });
    await runtime.waitForPort({ lineage, name: 'web' }, 'http', { timeoutMs: 10_000 });
    const results = await Promise.all(
      [1, 2, 3].map((n) =>
        runtime.runTask(lineage, { name: `fetch-${n}`, image: TEST_IMAGE, cmd: ['sh', '-c', `wget -q -O - http://web/ | grep -c starform; echo ${n}`] }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.stdout),
      ['1\n1\n', '1\n2\n', '1\n3\n'],
    );
    await runtime.removeService({ lineage, name: 'web' });
  });

  it('fails clearly on a missing store path and on a timeout, and cleans up', async () => {
    const { runtime, lineage } = env;
    await assert.rejects(
      runtime.runTask(lineage, { name: 'nostore', image: TEST_IMAGE, cmd: ['true'], storePaths: ['/nope'] }),
      (err: Error & { code?: string }) => err.code === 'path-not-found' && err.message.includes("'/nope'"),
    );
    const started = Date.now();
    await assert.rejects(
      runtime.runTask(lineage, { name: 'slow', image: TEST_IMAGE, cmd: ['sh', '-c', 'echo started; sleep 30'], timeoutMs: 1500 }),
      (err: Error & { code?: string }) => err.code === 'timeout' && /did not finish within 1\.5s/.test(err.message) && err.message.includes('started'),
    );
    assert.ok(Date.now() - started < 10_000);
    assert.equal((await runtime.inspectEnclave(lineage)).containers.length, 0);
  });
});
