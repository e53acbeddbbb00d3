// The enclave status without an engine (lib/apply/status.ts, lib/render/status-view.ts):
// containers read against the state (running, exited with a code, missing, failed),
// host URLs from application protocols, in-enclave addresses in outputs mapped to host
// ones, repo digests of the service's own repository only; and, with the in-memory
// runtime, the failure handling of add_service (exit right after start; --keep-failed).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { applyPlan, ApplyError } from '../../lib/apply/index.js';
import { enclaveStatus, hostUrl, sameRepository } from '../../lib/apply/status.js';
import { FrameWriter } from '../../lib/docker/docker-logs-exec.js';
import { renderStatusText, stateText } from '../../lib/render/status-view.js';
import { BlobStore, readState } from '../../lib/state/index.js';
import { sinceMs } from '../../lib/cli/logs.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { FakeRuntime } from './helpers/fake-runtime.js';
import { addService, planOf, ref } from './helpers/plans.js';

function statePath(): string {
  return join(tempDir('starform-status-'), 'starform.state.json');
}

const web = () =>
  addService('web', {
    ports: {
      http: { number: 80, transport_protocol: 'TCP', application_protocol: 'http', wait: null, url: '' },
      dns: { number: 53, transport_protocol: 'UDP', application_protocol: '', wait: null, url: '' },
    },
  });

describe('enclave status (in-memory runtime)', () => {
  afterEach(cleanupTempDirs);

  it('host URLs take the application protocol as scheme, else the transport', () => {
    assert.equal(hostUrl('127.0.0.1:1', 'TCP', 'http'), 'http://127.0.0.1:1');
    assert.equal(hostUrl('127.0.0.1:1', 'TCP', null), 'tcp://127.0.0.1:1');
    assert.equal(hostUrl('127.0.0.1:1', 'UDP', null), 'udp://127.0.0.1:1');
    assert.equal(hostUrl('127.0.0.1:1', 'TCP', 'not a scheme'), 'tcp://127.0.0.1:1');
  });

  it('a repo digest counts only under the repository the image names', () => {
    assert.ok(sameRepository('postgres', 'postgres:16'));
    assert.ok(sameRepository('docker.io/library/postgres', 'postgres:16'));
    assert.ok(sameRepository('registry:5000/team/app', 'registry:5000/team/app:v1'));
    assert.ok(!sameRepository('127.0.0.1:5391/op/busybox', 'starform-test/busybox:latest'));
  });

  it('reads every service against the state, maps addresses in the outputs, and renders the table', async () => {
    const path = statePath();
    const runtime = new FakeRuntime();
    await applyPlan(
      planOf([web()], await readState(path), {
        url: `http://${ref('service.web', 'hostname')}:80/x`,
        ip: `${ref('service.web', 'ip_address')}:80`,
        other: 'db:5432',
      }),
      {
        statePath: path,
        runtime,
      },
    );
    const state = await readState(path);
    const status = await enclaveStatus(state, BlobStore.forState(path), async () => runtime);
    const row = status.services[0]!;
    assert.equal(row.condition, 'running');
    assert.equal(row.digest, `sha256:${'0'.repeat(64)}`, 'without a repo digest, the image id');
    const http = row.ports.find((p) => p.id === 'http')!;
    assert.match(http.hostUrl!, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(
      status.outputAddresses.map((a) => [a.output, a.address, a.hostUrl]),
      [
        ['ip', `${row.ipAddress}:80`, http.hostUrl],
        ['url', 'web:80', `${http.hostUrl}/x`],
      ],
    );
    const text = renderStatusText(status);
    assert.match(text, /web\s+running\s+\S+\s+\S+\s+10\.0\.0\.\d+\s+dns\s+53\/udp\s+udp:\/\/127\.0\.0\.1:\d+\n\s+http\s+80\/tcp\s+http:\/\/127\.0\.0\.1:\d+/);
    assert.match(text, /On this host:\n\nip: 10\.0\.0\.\d+:80 → http:\/\/127\.0\.0\.1:\d+\nurl: web:80 → http:\/\/127\.0\.0\.1:\d+\/x\n/);

    runtime.containers.get(state.services.get('web')!.containerId)!.running = false;
    runtime.containers.get(state.services.get('web')!.containerId)!.exitCode = 2;
    const exited = (await enclaveStatus(state, BlobStore.forState(path), async () => runtime)).services[0]!;
    assert.equal(stateText(exited), 'exited with code 2');
    assert.equal(
      exited.ports.every((p) => p.hostUrl === null),
      true,
      'a container that does not run publishes nothing',
    );
    runtime.containers.clear();
    assert.equal(stateText((await enclaveStatus(state, BlobStore.forState(path), async () => runtime)).services[0]!), 'missing');
  });

  it('add_service of a container that exits at once fails, removes it; with keepFailed keeps it as failed', async () => {
    const path = statePath();
    const runtime = new FakeRuntime();
    runtime.exitOnStart.set('web', 7);
    await assert.rejects(applyPlan(planOf([web()], await readState(path)), { statePath: path, runtime }), (err: unknown) => {
      assert.ok(err instanceof ApplyError);
      assert.match(
        err.message,
        /service 'web' exited with code 7 right after it started\nits last output \(up to 20 lines\):\n {4}fake log line\nThe container was removed/,
      );
      return true;
    });
    assert.equal(runtime.containers.size, 0);
    assert.equal((await readState(path)).services.size, 0);

    await assert.rejects(
      applyPlan(planOf([web()], await readState(path)), { statePath: path, runtime, keepFailed: true }),
      /was kept \(stopped\) and recorded as failed/,
    );
    const kept = (await readState(path)).services.get('web')!;
    assert.equal(kept.status, 'failed');
    assert.equal(runtime.containers.has(kept.containerId), true);
    assert.equal(
      stateText((await enclaveStatus(await readState(path), BlobStore.forState(path), async () => runtime)).services[0]!),
      'failed, exited with code 7',
    );

    runtime.exitOnStart.delete('web');
    const plan = planOf([web()], await readState(path));
    assert.deepEqual(
      plan.changes.map((c) => [c.action, c.reason]),
      [['replace', 'it failed at the last apply; --keep-failed kept its container']],
    );
    await applyPlan(plan, { statePath: path, runtime });
    assert.equal((await readState(path)).services.get('web')!.status, 'running');
    assert.equal(runtime.containers.has(kept.containerId), false, 'the failed container was replaced');
  });

  it('--since takes durations and times; the frame writer splits stdout from stderr across chunks', () => {
    assert.equal(sinceMs('1h30m', 10_000_000), 10_000_000 - 5_400_000);
    assert.equal(sinceMs('2024-05-01T10:00:00Z', 0), Date.parse('2024-05-01T10:00:00Z'));
    assert.throws(() => sinceMs('soon', 0), /neither a duration/);
    const got = { out: '', err: '' };
    const writer = new FrameWriter({
      stdout: { write: (b: Buffer) => ((got.out += b.toString()), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (b: Buffer) => ((got.err += b.toString()), true) } as unknown as NodeJS.WritableStream,
    });
    const frame = (kind: number, text: string): Buffer => Buffer.concat([Buffer.from([kind, 0, 0, 0, 0, 0, 0, text.length]), Buffer.from(text)]);
    const all = Buffer.concat([frame(1, 'out-1\n'), frame(2, 'err-1\n'), frame(1, 'out-2\n')]);
    for (let i = 0; i < all.length; i += 5) writer.push(all.subarray(i, i + 5));
    assert.deepEqual(got, { out: 'out-1\nout-2\n', err: 'err-1\n' });
  });
});
