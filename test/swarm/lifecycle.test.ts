// The Swarm runtime as a user drives it (`starform apply --runtime swarm`), on the engine's
// swarm: the first apply, an idempotent re-apply, changing one service (only it and what
// depends on it are replaced), a crash right after a Swarm service was made (the next
// apply removes the unrecorded service and converges), the runtime recorded in the state
// and refused when contradicted, get_cluster_type() answering "swarm", and destroy
// leaving nothing of the enclave (services, network, configs).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { SwarmRuntime } from '../../lib/swarm/index.js';
import { fixture } from '../apply/helpers/engine.js';
import { requireSwarm } from './swarm-engine.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function starform(args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', input: '', env: { ...process.env, NO_COLOR: '1', CI: '1', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: Run): Run {
  assert.equal(r.code, 0, `exit 0 expected; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

interface StateFile {
  lineage: string;
  enclave: { network_name: string; network_id: string; runtime?: string } | null;
  services: Record<string, { container_id: string }>;
  outputs: Record<string, unknown>;
}

describe('swarm runtime: apply, re-apply, change, crash, destroy (CLI)', function () {
  this.timeout(300_000);
  const docker = new Docker();
  const runtime = new SwarmRuntime();
  let dir: string;
  let state: string;
  const lineages = new Set<string>();
  const read = (): StateFile => {
    const s = JSON.parse(readFileSync(state, 'utf8')) as StateFile;
    lineages.add(s.lineage);
    return s;
  };
  const services = async (lineage: string): Promise<string[]> =>
    (await docker.listServices({ filters: { label: [`starform.lineage=${lineage}`] } })).map((s) => s.Spec?.Labels?.['starform.service'] ?? '?').sort();

  before(async function () {
    await requireSwarm(this, runtime);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-swarm-'));
    state = join(dir, 'starform.state.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  after(async function () {
    this.timeout(120_000);
    for (const l of lineages) await runtime.removeEnclave(l);
  });

  it('applies, re-applies as a no-op, changes one service, and destroys', async () => {
    ok(starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve', '--runtime', 'swarm'], dir));
    const first = read();
    assert.equal(first.enclave?.runtime, 'swarm');
    assert.equal(first.outputs['page'], '<p>hello, world</p>\n');
    assert.match(String(first.outputs['ping']), /PONG/);
    assert.deepEqual(await services(first.lineage), ['cache', 'web', 'worker']);
    const network = await docker.getNetwork(first.enclave!.network_id).inspect();
    assert.equal(network.Driver, 'overlay');

    // The state keeps its runtime: no flag needed, and a contradicting flag is refused.
    const plan = ok(starform(['plan', fixture('lifecycle'), '--state', state], dir));
    assert.match(plan.stdout, /No changes\./);
    const refused = starform(['plan', fixture('lifecycle'), '--state', state, '--runtime', 'docker'], dir);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /runs on the swarm runtime; it cannot be applied with --runtime docker/);
    ok(starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve'], dir));
    const again = read();
    for (const name of ['web', 'cache', 'worker']) assert.equal(again.services[name]!.container_id, first.services[name]!.container_id, `${name} untouched`);

    ok(starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve', '--args', '{"greeting": "hi"}'], dir));
    const changed = read();
    assert.equal(changed.outputs['page'], '<p>hi, world</p>\n');
    assert.notEqual(changed.services['web']!.container_id, first.services['web']!.container_id, 'web was replaced');
    assert.equal(changed.services['cache']!.container_id, first.services['cache']!.container_id, 'cache was not touched');
    assert.deepEqual(await services(first.lineage), ['cache', 'web', 'worker']);

    ok(starform(['destroy', '--state', state, '--auto-approve'], dir));
    assert.deepEqual(await services(first.lineage), []);
    const left = await runtime.inspectEnclave(first.lineage);
    assert.equal(left.network, undefined);
    assert.deepEqual(left.containers, []);
    const configs = await docker.listConfigs({ filters: { label: [`starform.lineage=${first.lineage}`] } });
    assert.deepEqual(configs, []);
  });

  it('converges after a crash right after a Swarm service was made', async () => {
    const crashed = starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve', '--runtime', 'swarm'], dir, {
      STARFORM_TEST_CRASH_AT: 'service-created',
    });
    assert.notEqual(crashed.code, 0);
    const half = read();
    const made = await services(half.lineage);
    assert.ok(made.length >= 1, 'a service exists that the state may not record');
    ok(starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve'], dir));
    const done = read();
    assert.equal(done.enclave?.runtime, 'swarm');
    assert.deepEqual(await services(done.lineage), ['cache', 'web', 'worker'], 'one Swarm service per service: the unrecorded one was removed');
    ok(starform(['destroy', '--state', state, '--auto-approve'], dir));
    assert.deepEqual(await services(done.lineage), []);
  });

  it('answers get_cluster_type() with the runtime, and refuses tolerations with a message', () => {
    const pkg = join(dir, 'pkg');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'kurtosis.yml'), 'name: github.com/example/cluster\n');
    writeFileSync(join(pkg, 'main.star'), 'def run(plan):\n    return {"cluster": plan.get_cluster_type()}\n');
    const swarm = ok(starform(['plan', pkg, '--state', state, '--runtime', 'swarm', '--json'], dir));
    assert.equal((JSON.parse(swarm.stdout) as { outputs: { cluster: string } }).outputs.cluster, 'swarm');
    const plain = ok(starform(['plan', pkg, '--state', state, '--json'], dir));
    assert.equal((JSON.parse(plain.stdout) as { outputs: { cluster: string } }).outputs.cluster, 'docker');

    const tol = join(dir, 'tol');
    mkdirSync(tol);
    writeFileSync(join(tol, 'kurtosis.yml'), 'name: github.com/example/tol\n');
    writeFileSync(
      join(tol, 'main.star'),
      'def run(plan):\n    plan.add_service(name = "t", config = ServiceConfig(image = "starform-test/busybox:latest", cmd = ["sleep", "60"], tolerations = [Toleration(key = "gpu", operator = "Exists", effect = "NoSchedule")]))\n',
    );
    const r = starform(['apply', tol, '--state', state, '--auto-approve', '--runtime', 'swarm'], dir);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr + r.stdout, /tolerations \(gpu\) is not available on the Swarm runtime: Swarm nodes have no taints/);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n/);
    read();
  });
});
