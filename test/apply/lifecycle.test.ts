// The lifecycle on a real engine: apply → containers run and answer HTTP from the host →
// plan again shows no changes and applying makes zero container changes → change one
// service → only it (and what depends on it) is replaced or re-run → drop a service → it
// is deleted → destroy → nothing of the enclave is left. Then every package of
// fixtures/packages is applied and re-planned without changes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { destroyEnclave } from '../../lib/apply/index.js';
import { readState } from '../../lib/state/index.js';
import { applyPackage, changed, containerFingerprint, fixture, httpGet, planPackage, useApplyEngine } from './helpers/engine.js';

describe('apply lifecycle (Docker)', function () {
  this.timeout(180_000);
  const engine = useApplyEngine();

  it('creates, keeps, replaces only what changed, deletes, and destroys', async () => {
    const { runtime, docker } = engine;
    const path = engine.newStatePath();
    const pkg = fixture('lifecycle');

    const first = await applyPackage(runtime, pkg, path);
    assert.deepEqual(first.summary, { created: 4, replaced: 0, run: 3, deleted: 0 });
    const state = await readState(path);
    const lineage = state.lineage!;
    assert.deepEqual([...state.services.keys()].sort(), ['cache', 'web', 'worker']);
    for (const [name, record] of state.services) {
      const info = await docker.getContainer(record.containerId).inspect();
      assert.equal(info.State.Running, true, `${name} runs`);
      assert.equal(info.Config.Labels['starform.lineage'], lineage);
    }
    const webPort = state.services.get('web')!.ports.get('http')!.hostPort!;
    assert.deepEqual(await httpGet(webPort, '/index.html'), { status: 200, body: '<p>hello, world</p>\n' });
    assert.deepEqual(first.outputs, { page: '<p>hello, world</p>\n', web: state.services.get('web')!.ipAddress, ping: '+PONG\n' });
    const worker = await docker.getContainer(state.services.get('worker')!.containerId).inspect();
    assert.ok(worker.Config.Env.includes(`WEB_URL=http://${state.services.get('web')!.ipAddress}:8080`), 'references are replaced by recorded values');

    // Unchanged: no changes planned, no container touched, the state file untouched.
    const before = await containerFingerprint(docker, lineage);
    const text = readFileSync(path, 'utf8');
    const again = await applyPackage(runtime, pkg, path);
    assert.deepEqual(changed(again.plan), []);
    assert.deepEqual(again.summary, { created: 0, replaced: 0, run: 0, deleted: 0 });
    assert.deepEqual(await containerFingerprint(docker, lineage), before);
    assert.equal(readFileSync(path, 'utf8'), text);

    // One service changes: its page is re-rendered, so web is replaced, and so are the
    // steps that depend on it; the cache and its exec are left alone, and so is the worker,
    // which uses only web's address (web keeps it).
    const cacheId = state.services.get('cache')!.containerId;
    const third = await applyPackage(runtime, pkg, path, { greeting: 'bonjour' });
    assert.deepEqual(
      changed(third.plan).sort(),
      [
        'replace artifact.site',
        'replace service.web',
        `run ${third.plan.instructions.find((i) => i.kind === 'request')!.id}`,
        `run ${third.plan.instructions.find((i) => i.kind === 'verify')!.id}`,
      ].sort(),
    );
    const after = await readState(path);
    assert.equal(after.services.get('cache')!.containerId, cacheId, 'the cache container was not touched');
    assert.equal(after.services.get('worker')!.containerId, state.services.get('worker')!.containerId, 'nor the worker');
    assert.equal(after.services.get('web')!.ipAddress, state.services.get('web')!.ipAddress, 'web kept its address');
    assert.notEqual(after.services.get('web')!.containerId, state.services.get('web')!.containerId);
    const newPort = after.services.get('web')!.ports.get('http')!.hostPort!;
    assert.equal((await httpGet(newPort, '/index.html')).body, '<p>bonjour, world</p>\n');
    assert.equal((third.outputs as { page: string }).page, '<p>bonjour, world</p>\n');
    assert.equal((third.outputs as { ping: string }).ping, '+PONG\n', 'outputs of skipped steps come from the state');

    // A service dropped from the package is deleted.
    const workerId = after.services.get('worker')!.containerId;
    const fourth = await applyPackage(runtime, pkg, path, { greeting: 'bonjour', with_worker: false });
    assert.deepEqual(changed(fourth.plan), ['delete service.worker']);
    assert.deepEqual([...(await readState(path)).services.keys()].sort(), ['cache', 'web']);
    await assert.rejects(docker.getContainer(workerId).inspect(), /no such container/i);

    // Destroy leaves nothing of the enclave.
    const destroyed = await destroyEnclave({ statePath: path, runtime });
    assert.equal(destroyed.removed?.containers.length, 2);
    const left = await runtime.inspectEnclave(lineage);
    assert.deepEqual([left.containers.length, left.volumes.length, left.network], [0, 0, undefined]);
    const empty = await readState(path);
    assert.equal(empty.lineage, lineage);
    assert.equal(empty.services.size + empty.filesArtifacts.size + empty.steps.length, 0);
    assert.deepEqual(changed(await planPackage(runtime, pkg, path)).length, 7, 'after destroy everything is planned again');
  });

  for (const name of ['webapp', 'checks', 'composite', 'multimodule', 'redis-package', 'yamlargs']) {
    it(`applies fixtures/packages/${name} and then plans no changes`, async () => {
      const { runtime } = engine;
      const path = engine.newStatePath();
      const pkg = fixture(`packages/${name}`);
      const first = await applyPackage(runtime, pkg, path);
      assert.ok(first.steps > 0);
      const state = await readState(path);
      for (const record of state.services.values()) {
        assert.ok(
          (
            await runtime.inspectService({
              lineage: state.lineage!,
              name: [...state.services].find(([, r]) => r === record)![0],
              containerId: record.containerId,
            })
          )?.running,
        );
      }
      assert.deepEqual(changed(await planPackage(runtime, pkg, path)), []);
      await destroyEnclave({ statePath: path, runtime });
    });
  }
});
