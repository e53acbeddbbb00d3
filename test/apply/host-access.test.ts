// Apply's side of the privileged opt-in and of a replace keeping its address, on the fake
// runtime: an instruction whose settings give host access runs only when its plan recorded
// the opt-in (a plan file made otherwise is refused at that step, before any container is
// made), the settings reach the runtime as asked, and a replaced service asks the runtime
// for the address it had.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { applyPlan, ApplyError } from '../../lib/apply/index.js';
import { readState } from '../../lib/state/index.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { FakeRuntime } from './helpers/fake-runtime.js';
import { addService, planOf } from './helpers/plans.js';

const SOCKET = { '/var/run/docker.sock': '/var/run/docker.sock' };

describe('apply: host access and kept addresses', () => {
  afterEach(cleanupTempDirs);
  const statePath = () => join(tempDir(), 'starform.state.json');

  it('refuses privileged settings on an instruction without the recorded opt-in', async () => {
    const path = statePath();
    const runtime = new FakeRuntime();
    const plan = planOf([addService('monitor', { privileged: true, bind_mounts: SOCKET })], await readState(path));
    const error = await applyPlan(plan, { statePath: path, runtime }).then(
      () => assert.fail('the apply succeeded'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApplyError);
    assert.match(error.message, /asks for privileged=True, bind_mounts but its plan was not made with --privileged/);
    assert.deepEqual(
      runtime.calls.filter((c) => c.startsWith('createService')),
      [],
    );
  });

  it('passes them on when the opt-in is recorded, with capabilities and publish_udp', async () => {
    const path = statePath();
    const runtime = new FakeRuntime();
    const monitor = {
      ...addService('monitor', { privileged: true, host_pid_namespace: true, bind_mounts: SOCKET, capabilities: ['NET_ADMIN'], publish_udp: true }),
      privileged: true,
    };
    await applyPlan(planOf([monitor], await readState(path)), { statePath: path, runtime });
    const spec = [...runtime.containers.values()].find((c) => c.name === 'monitor')!.spec;
    assert.equal(spec.privileged, true);
    assert.equal(spec.hostPidNamespace, true);
    assert.deepEqual(spec.bindMounts, SOCKET);
    assert.deepEqual(spec.capabilities, ['NET_ADMIN']);
    assert.equal(spec.publishUdp, true);
  });

  it('asks the runtime for the address a replaced service had', async () => {
    const path = statePath();
    const runtime = new FakeRuntime();
    await applyPlan(planOf([addService('db', { env_vars: { V: '1' } })], await readState(path)), { statePath: path, runtime });
    const before = (await readState(path)).services.get('db')!;
    await applyPlan(planOf([addService('db', { env_vars: { V: '2' } })], await readState(path)), { statePath: path, runtime });
    const spec = [...runtime.containers.values()].find((c) => c.name === 'db')!.spec;
    assert.equal(spec.ipAddress, before.ipAddress);
  });
});
