// The Kurtosis fidelity features on a real engine, through plan and apply as a user runs
// them: UDP ports published on the host only with publish_udp, capabilities, the
// privileged settings refused without the opt-in and in force with it (services and
// run_sh), a replaced service keeping its address so that what uses only the address is
// left running, a task rewriting an artifact that a service then mounts, and a second
// phase that finds the first phase's services and artifacts in the enclave.
import assert from 'node:assert/strict';
import { applyPlan, refreshState } from '../../lib/apply/index.js';
import { makePlan } from '../../lib/plan/index.js';
import { readState } from '../../lib/state/index.js';
import type { JsonObject } from '../../lib/util/json.js';
import { applyPackage, changed, fixture, useApplyEngine } from './helpers/engine.js';

describe('apply: Kurtosis fidelity features (Docker)', function () {
  this.timeout(180_000);
  const engine = useApplyEngine();

  async function planWith(dir: string, statePath: string, args: JsonObject, privileged: boolean) {
    const { state } = await refreshState(await readState(statePath), engine.runtime);
    return makePlan({ dir, args, state, packages: {}, privileged });
  }

  it('publishes a UDP port on the host only with publish_udp, and adds capabilities', async () => {
    const { runtime, docker } = engine;
    const path = engine.newStatePath();
    await applyPackage(runtime, fixture('packages/p2p-node'), path);
    let node = (await readState(path)).services.get('node')!;
    let info = await docker.getContainer(node.containerId).inspect();
    assert.ok(info.HostConfig.PortBindings?.['8545/tcp'], 'the TCP port is published');
    assert.equal(info.HostConfig.PortBindings?.['30303/udp'], undefined, 'the UDP port is not published (publish_udp=False)');
    assert.ok(info.Config.ExposedPorts?.['30303/udp'] !== undefined, 'it is still a port of the container');
    assert.equal(node.ports.get('discovery')!.hostPort, null);
    assert.deepEqual(info.HostConfig.CapAdd, ['NET_ADMIN']);
    const ref = { lineage: (await readState(path)).lineage!, name: 'node', containerId: node.containerId };
    assert.equal((await runtime.exec(ref, ['ip', 'link', 'set', 'lo', 'mtu', '1400'])).exitCode, 0, 'NET_ADMIN is in force');

    const second = await applyPackage(runtime, fixture('packages/p2p-node'), path, { publish_udp: true });
    assert.deepEqual(changed(second.plan), ['replace service.node']);
    node = (await readState(path)).services.get('node')!;
    info = await docker.getContainer(node.containerId).inspect();
    assert.ok(info.HostConfig.PortBindings?.['30303/udp'], 'published with publish_udp=True');
    assert.ok((node.ports.get('discovery')!.hostPort ?? 0) > 0);
  });

  it('refuses privileged settings without --privileged, and runs them with it', async () => {
    const { runtime, docker } = engine;
    const path = engine.newStatePath();
    const dir = fixture('packages/p2p-node');
    const refused = await planWith(dir, path, { with_monitor: true }, false);
    assert.equal(refused.plan, null);
    assert.match(refused.problems[0]!.message, /did not opt in: pass --privileged/);

    const allowed = await planWith(dir, path, { with_monitor: true }, true);
    assert.deepEqual(allowed.problems, []);
    // (privileged=True itself is tried in test/docker/service.test.ts: this engine may lack the capabilities it grants.)
    const result = await applyPlan(allowed.plan!, { statePath: path, runtime });
    const monitor = (await readState(path)).services.get('monitor')!;
    const info = await docker.getContainer(monitor.containerId).inspect();
    assert.equal(info.HostConfig.PidMode, 'host');
    assert.deepEqual(info.HostConfig.Binds, ['/var/run/docker.sock:/var/run/docker.sock']);
    const ref = { lineage: (await readState(path)).lineage!, name: 'monitor', containerId: monitor.containerId };
    const ownPid1 = (
      await runtime.exec({ ...ref, name: 'node', containerId: (await readState(path)).services.get('node')!.containerId }, ['cat', '/proc/1/comm'])
    ).stdout;
    assert.notEqual((await runtime.exec(ref, ['cat', '/proc/1/comm'])).stdout, ownPid1, "the monitor sees the host's PID 1, not its own init");
    assert.equal((await runtime.exec(ref, ['sh', '-c', 'test -S /var/run/docker.sock && echo socket'])).stdout, 'socket\n');
    const node = (await readState(path)).services.get('node')!;
    assert.equal((await docker.getContainer(node.containerId).inspect()).HostConfig.PidMode, '', 'only the monitor');
    const task = allowed.plan!.instructions.find((i) => i.kind === 'run_sh')!;
    const step = (await readState(path)).steps.find((s) => s.id === task.id)!;
    assert.equal((step.result as JsonObject)['output'], 'socket\n', 'the task saw the bind-mounted socket');
    assert.ok(result.summary.created >= 2);
  });

  it('replaces a service on the address it had, leaving what uses only its address running', async () => {
    const { runtime } = engine;
    const path = engine.newStatePath();
    const dir = fixture('packages/addresses');
    await applyPackage(runtime, dir, path);
    const before = await readState(path);
    const second = await applyPackage(runtime, dir, path, { db_version: '2' });
    const plan = changed(second.plan);
    assert.ok(plan.includes('replace service.db') && plan.includes('replace service.reporter') && !plan.includes('replace service.web'), plan.join(', '));
    const after = await readState(path);
    assert.notEqual(after.services.get('db')!.containerId, before.services.get('db')!.containerId, 'db was replaced');
    assert.equal(after.services.get('db')!.ipAddress, before.services.get('db')!.ipAddress, 'on the same address');
    assert.equal(after.services.get('web')!.containerId, before.services.get('web')!.containerId, 'web was not touched');
    const web = { lineage: after.lineage!, name: 'web', containerId: after.services.get('web')!.containerId };
    const reached = await runtime.exec(web, ['sh', '-c', 'nc -w 3 $(echo "$DB_URL" | sed "s|postgres://||; s|/app||; s|:| |") </dev/null']);
    assert.match(reached.stdout, /db-ready/, 'web still reaches the replaced db at the address it was given');
    const reporter = { lineage: after.lineage!, name: 'reporter', containerId: after.services.get('reporter')!.containerId };
    assert.equal((await runtime.exec(reporter, ['sh', '-c', 'echo "$DB_SAID"'])).stdout, '2\n\n');
  });

  it('mounts the artifact a task rewrote under its name, and finds an earlier phase in the enclave', async () => {
    const { runtime } = engine;
    const path = engine.newStatePath();
    await applyPackage(runtime, fixture('packages/genesis'), path, { timestamp: '42' });
    let state = await readState(path);
    const node = { lineage: state.lineage!, name: 'node', containerId: state.services.get('node')!.containerId };
    assert.equal((await runtime.exec(node, ['cat', '/network/config.yaml'])).stdout, 'chain_id: 1\ngenesis_time: 42\n');

    const lookupPath = engine.newStatePath();
    await applyPackage(runtime, fixture('packages/lookup'), lookupPath);
    const second = await applyPackage(runtime, fixture('packages/lookup'), lookupPath, { phase: 2 });
    assert.deepEqual(changed(second.plan), ['create service.client']);
    state = await readState(lookupPath);
    const client = { lineage: state.lineage!, name: 'client', containerId: state.services.get('client')!.containerId };
    const out = await runtime.exec(client, ['sh', '-c', 'echo "$DB $PEERS"; cat /etc/db/db.conf']);
    assert.equal(out.stdout, `${state.services.get('db')!.ipAddress}:5432 db\nmax_connections=10\n`);
  });
});
