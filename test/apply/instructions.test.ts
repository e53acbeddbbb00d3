// Every plan instruction against real containers (fixtures/apply/everything):
// services with ports published on the host (a fixed public port too), files artifacts
// copied in, a persistent directory, user, labels, CPU and memory limits, init process,
// terminal and devices, readiness by port and ReadyCondition, set_service's merge, an
// image built from the package; exec,
// request and wait with jq extracts, verify, print, upload_files, store_service_files,
// run_sh and run_python with files and stores, get_* lookups, remove / stop / start.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { readArchive } from '../../lib/docker/index.js';
import { BlobStore, readState, type State } from '../../lib/state/index.js';
import { applyPackage, changed, fixture, httpGet, planPackage, useApplyEngine } from './helpers/engine.js';

/** A TCP port that is free on this host right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function artifactFiles(path: string, state: State, name: string): Promise<Record<string, string>> {
  const record = state.filesArtifacts.get(name);
  assert.ok(record, `files artifact ${name} exists`);
  const entries = await readArchive(await BlobStore.forState(path).get(record.contentHash));
  return Object.fromEntries(entries.filter((e) => e.type === 'file').map((e) => [e.path, e.content.toString('utf8')]));
}

describe('apply: every instruction (Docker)', function () {
  this.timeout(180_000);
  const engine = useApplyEngine();
  let path: string;
  let publicPort: number;

  before(async function () {
    if (!engine.runtime) return;
    path = engine.newStatePath();
    publicPort = await freePort();
    const applied = await applyPackage(engine.runtime, fixture('everything'), path, { public_port: publicPort });
    assert.equal(applied.events.at(-1)?.type, 'apply_done');
  });

  it('creates services as configured', async () => {
    const { docker } = engine;
    const state = await readState(path);
    assert.deepEqual([...state.services.keys()].sort(), ['api', 'db', 'reader', 'sleeper']);
    const db = state.services.get('db')!;
    const info = await docker.getContainer(db.containerId).inspect();
    assert.equal(info.Config.User, '0:0');
    assert.equal(info.Config.Labels['tier'], 'storage');
    assert.ok(info.Config.Env.includes('ROLE=db'));
    assert.equal(info.HostConfig.NanoCpus, 500_000_000);
    assert.equal(info.HostConfig.Memory, 96_000_000, "set_service's max_memory replaced the add_service's");
    assert.equal(db.ports.get('http')!.hostPort, publicPort, 'public_ports fixes the host port');
    assert.deepEqual(await httpGet(publicPort, '/data.json').then((r) => r.status), 200);
    const api = await docker.getContainer(state.services.get('api')!.containerId).inspect();
    assert.ok(api.Config.Env.includes(`DB_ADDRESS=${db.ipAddress}`));
    assert.deepEqual(api.Config.Entrypoint, ['sh', '-c']);
    assert.equal(info.HostConfig.Init, true, 'tini_enabled is on by default');
    const reader = await docker.getContainer(state.services.get('reader')!.containerId).inspect();
    assert.ok(!reader.HostConfig.Init, 'tini_enabled = False');
    assert.equal(reader.Config.Tty, true);
    assert.deepEqual(reader.HostConfig.Devices, [{ PathOnHost: '/dev/zero', PathInContainer: '/dev/starform-zero', CgroupPermissions: 'r' }]);
    const sleeper = state.services.get('sleeper')!;
    const sleeperInfo = await docker.getContainer(sleeper.containerId).inspect();
    // (The sleeper is stopped at this point: its address is the one fixed for it.)
    const sleeperAddress = sleeperInfo.NetworkSettings.Networks[state.enclave!.networkName]!.IPAMConfig?.IPv4Address;
    assert.match(sleeperAddress ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    assert.ok(sleeperInfo.Config.Env.includes(`SELF=http://${sleeperAddress}:8080`), `the IP address placeholder: ${sleeperInfo.Config.Env.join(' ')}`);
    const volume = info.Mounts.find((m) => m.Destination === '/persist');
    assert.equal(volume?.Type, 'volume');
  });

  it('records exec, request and wait results with their extracts', async () => {
    const state = await readState(path);
    const value = (kind: string, field: string) => {
      const step = state.steps.find((s) => s.kind === kind)!;
      return state.runtimeValues.get(`${step.id}.${field}`);
    };
    assert.equal(value('exec', 'code'), 2);
    assert.equal(value('exec', 'extract.role'), 'db');
    assert.equal(value('request', 'code'), 200);
    assert.deepEqual(value('request', 'extract.items'), [1, 2, 3]);
    assert.equal(value('request', 'extract.ok'), true);
    assert.equal(value('wait', 'extract.count'), 2);
    assert.deepEqual(state.outputs, {
      db: state.services.get('db')!.ipAddress,
      api_count: '[1, 2, 3]',
      role: 'db',
      python: 'python got an-arg\n',
      lines: '3\n',
      report: ['report', 'report-flat'],
    });
  });

  it('stores files artifacts from uploads, services and tasks', async () => {
    const state = await readState(path);
    assert.deepEqual(Object.keys(await artifactFiles(path, state, 'data')), ['data.json']);
    assert.deepEqual(await artifactFiles(path, state, 'db-log'), { log: 'started\n' });
    assert.deepEqual(Object.keys(await artifactFiles(path, state, 'db-www')), ['data.json'], "'/www/*' stores the directory's content");
    const report = await artifactFiles(path, state, 'report');
    assert.deepEqual(Object.keys(report).sort(), ['out/report.json', 'out/sub/db.txt']);
    assert.equal(report['out/sub/db.txt'], `${state.services.get('db')!.ipAddress}\n`);
    assert.deepEqual(Object.keys(await artifactFiles(path, state, 'report-flat')).sort(), ['report.json', 'sub/db.txt']);
  });

  it('removes, stops and starts services', async () => {
    const { docker, runtime } = engine;
    const state = await readState(path);
    assert.equal(state.services.has('temp'), false);
    const left = await runtime.inspectEnclave(state.lineage!);
    assert.equal(
      left.containers.some((c) => c.service === 'temp'),
      false,
      'remove_service removed the container',
    );
    const sleeper = state.services.get('sleeper')!;
    assert.equal(sleeper.status, 'stopped');
    assert.equal((await docker.getContainer(sleeper.containerId).inspect()).State.Running, false);
    const restarted = await applyPackage(runtime, fixture('everything'), path, { public_port: publicPort, stopped: false });
    assert.ok(changed(restarted.plan).includes('run start_service.sleeper'));
    const after = await readState(path);
    assert.equal(after.services.get('sleeper')!.status, 'running');
    assert.equal((await docker.getContainer(after.services.get('sleeper')!.containerId).inspect()).State.Running, true);
  });

  it('keeps persistent directories across a replacement', async () => {
    const { runtime, docker } = engine;
    const state = await readState(path);
    const db = state.services.get('db')!;
    await runtime.removeService({ lineage: state.lineage!, name: 'db', containerId: db.containerId });
    const plan = await planPackage(runtime, fixture('everything'), path, { public_port: publicPort, stopped: false });
    assert.ok(changed(plan).includes('create service.db'), 'a vanished container is planned for repair');
    await applyPackage(runtime, fixture('everything'), path, { public_port: publicPort, stopped: false });
    const after = await readState(path);
    const exec = await docker.getContainer(after.services.get('db')!.containerId).exec({ Cmd: ['cat', '/persist/log'], AttachStdout: true });
    const stream = await exec.start({});
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    assert.match(Buffer.concat(chunks).toString('latin1'), /started[\s\S]*started/, "the volume kept the first run's line");
  });

  it('applies again without losing anything, then plans no changes', async () => {
    const { runtime } = engine;
    const again = await applyPackage(runtime, fixture('everything'), path, { public_port: publicPort, stopped: true });
    assert.equal(
      changed(again.plan)
        .filter((c) => c.startsWith('delete artifact.'))
        .join(', '),
      '',
      'the files artifacts run_sh stores belong to the package (lib/plan/diff.ts must count them as declared)',
    );
    const state = await readState(path);
    for (const name of ['data', 'db-log', 'db-www', 'report', 'report-flat']) assert.ok(state.filesArtifacts.has(name), name);
    assert.deepEqual(changed(await planPackage(runtime, fixture('everything'), path, { public_port: publicPort, stopped: true })), []);
  });
});
