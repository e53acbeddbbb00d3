// The executor against an in-memory runtime: what it records, in which order it touches
// the engine and the state (crash safety), how it fails and how it refuses to start.
// The real-engine tests (lifecycle, instructions, crash) build on what is checked here.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPlan, ApplyError, type ApplyEvent } from '../../lib/apply/index.js';
import { lockState, parseState, readState, StateLockedError } from '../../lib/state/index.js';
import { UserError } from '../../lib/util/errors.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { FakeRuntime } from './helpers/fake-runtime.js';
import { addService, exec, instruction, planOf, print, ref, verify } from './helpers/plans.js';

function statePath(): string {
  return join(tempDir('starform-apply-'), 'starform.state.json');
}

const basic = () => [
  addService('db', { ports: { pg: { number: 5432, transport_protocol: 'TCP', application_protocol: 'postgresql', wait: '15s', url: '' } } }),
  exec('exec.aaaaaaaaaaaa', 'db', ['pg_isready']),
  print('print.bbbbbbbbbbbb', `db says ${ref('exec.aaaaaaaaaaaa', 'output')}`, ['exec.aaaaaaaaaaaa']),
  verify('verify.cccccccccccc', ref('exec.aaaaaaaaaaaa', 'code'), '==', 0, 'int', ['exec.aaaaaaaaaaaa']),
];
const OUTPUTS = { ip: ref('service.db', 'ip_address'), said: ref('exec.aaaaaaaaaaaa', 'output') };

describe('apply executor (in-memory runtime)', () => {
  afterEach(cleanupTempDirs);

  it('runs every step, records steps, values and services, and resolves the outputs', async () => {
    const path = statePath();
    const runtime = new FakeRuntime();
    const events: ApplyEvent[] = [];
    const result = await applyPlan(planOf(basic(), await readState(path), OUTPUTS), { statePath: path, runtime, onEvent: (e) => events.push(e) });
    assert.deepEqual(result.summary, { created: 1, replaced: 0, run: 3, deleted: 0 });
    const onDisk = parseState(readFileSync(path, 'utf8'), path);
    assert.deepEqual(onDisk, result.state);
    assert.deepEqual(
      onDisk.steps.map((s) => s.id),
      ['service.db', 'exec.aaaaaaaaaaaa', 'print.bbbbbbbbbbbb', 'verify.cccccccccccc'],
    );
    const db = onDisk.services.get('db')!;
    assert.equal(db.status, 'running');
    assert.equal(db.ports.get('pg')?.hostPort, 40001);
    assert.equal(onDisk.runtimeValues.get('service.db.ip_address'), db.ipAddress);
    assert.equal(onDisk.runtimeValues.get('exec.aaaaaaaaaaaa.code'), 0);
    assert.deepEqual(onDisk.outputs, { ip: db.ipAddress, said: 'ok' });
    const printed = events.find((e) => e.type === 'step_done' && e.step.stepId === 'print.bbbbbbbbbbbb');
    assert.equal(printed?.type === 'step_done' && printed.message, 'db says ok');
    assert.ok(onDisk.serial >= 4, `the state is written after every step (serial ${onDisk.serial})`);
    assert.deepEqual(
      runtime.calls.filter((c) => c.startsWith('waitForPort')),
      ['waitForPort db/pg'],
    );
  });

  it('applying the same package again touches neither the engine nor the state file', async () => {
    const path = statePath();
    await applyPlan(planOf(basic(), await readState(path), OUTPUTS), { statePath: path, runtime: new FakeRuntime() });
    const before = readFileSync(path, 'utf8');
    const again = planOf(basic(), await readState(path), OUTPUTS);
    assert.ok(again.changes.every((c) => c.action === 'no-op'));
    let asked = false;
    const result = await applyPlan(again, {
      statePath: path,
      runtime: async () => {
        asked = true;
        return new FakeRuntime();
      },
    });
    assert.equal(asked, false, 'the engine was not even contacted');
    assert.equal(readFileSync(path, 'utf8'), before);
    assert.deepEqual(result.summary, { created: 0, replaced: 0, run: 0, deleted: 0 });
  });

  it('resolves references to skipped steps from the values the state recorded', async () => {
    const path = statePath();
    const runtime = new FakeRuntime();
    await applyPlan(planOf(basic(), await readState(path), OUTPUTS), { statePath: path, runtime });
    runtime.calls.length = 0;
    const changed = [
      ...basic().slice(0, 3),
      print('print.dddddddddddd', `again: ${ref('exec.aaaaaaaaaaaa', 'output')} at ${ref('service.db', 'ip_address')}`, ['exec.aaaaaaaaaaaa', 'service.db']),
    ];
    const events: ApplyEvent[] = [];
    const result = await applyPlan(planOf(changed, await readState(path), OUTPUTS), { statePath: path, runtime, onEvent: (e) => events.push(e) });
    assert.deepEqual(result.summary, { created: 0, replaced: 0, run: 1, deleted: 0 });
    const done = events.find((e) => e.type === 'step_done');
    const ip = result.state.services.get('db')!.ipAddress;
    assert.equal(done?.type === 'step_done' && done.message, `again: ok at ${ip}`);
    assert.ok(!result.state.steps.some((s) => s.id === 'verify.cccccccccccc'), 'steps the package no longer makes are dropped');
    assert.ok(
      result.state.steps.some((s) => s.id === 'print.bbbbbbbbbbbb'),
      'skipped steps stay recorded',
    );
    assert.deepEqual(runtime.calls, ['ping', 'ensureEnclave', 'inspectEnclave'], 'no container was touched');
  });

  it('stops at a failing step: steps in flight finish and are recorded, later ones never start', async () => {
    const path = statePath();
    const runtime = new FakeRuntime();
    runtime.hook = async (call, detail) => {
      if (call === 'createService' && detail === 'slow') await new Promise((r) => setTimeout(r, 150));
    };
    runtime.onExec = () => ({ exitCode: 3, output: 'no such table\n', stdout: '', stderr: 'no such table\n' });
    const list = [
      addService('fast'),
      addService('slow'),
      exec('exec.eeeeeeeeeeee', 'fast', ['migrate']),
      print('print.ffffffffffff', `migrated: ${ref('exec.eeeeeeeeeeee', 'output')}`, ['exec.eeeeeeeeeeee']),
    ];
    const events: ApplyEvent[] = [];
    const error = await applyPlan(planOf(list, await readState(path)), { statePath: path, runtime, onEvent: (e) => events.push(e) }).then(
      () => assert.fail('the apply succeeded'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApplyError);
    const at = list[2]!.position;
    assert.ok(error.message.startsWith(`main.star:${at.line}:${at.col}: exec.eeeeeeeeeeee`), error.message);
    assert.match(error.message, /Exec returned exit code '3' that is not part of the acceptable status codes '\[0\]', with output:\n {4}no such table/);
    assert.match(error.message, /2 of 4 steps finished and recorded in the state/);
    const state = parseState(readFileSync(path, 'utf8'), path);
    assert.deepEqual([...state.services.keys()].sort(), ['fast', 'slow'], 'the step in flight (slow) was recorded');
    assert.ok(!state.steps.some((s) => s.id.startsWith('exec.') || s.id.startsWith('print.')));
    assert.deepEqual(
      events.filter((e) => e.type === 'step_skipped').map((e) => e.type === 'step_skipped' && e.step.stepId),
      ['print.ffffffffffff'],
    );
    assert.equal(events.at(-1)?.type, 'apply_failed');
    const replan = planOf(list, state);
    assert.deepEqual(
      replan.changes.filter((c) => c.action !== 'no-op').map((c) => c.stepId),
      ['exec.eeeeeeeeeeee', 'print.ffffffffffff'],
      'planning again continues from where it stopped',
    );
  });

  it('refuses a stale plan and a locked state, changing nothing', async () => {
    const path = statePath();
    const plan = planOf(basic(), await readState(path));
    await applyPlan(plan, { statePath: path, runtime: new FakeRuntime() });
    const text = readFileSync(path, 'utf8');
    await assert.rejects(applyPlan(plan, { statePath: path, runtime: new FakeRuntime() }), /stale plan/);
    const lock = await lockState(path, { operation: 'test' });
    try {
      const fresh = planOf(basic(), await readState(path));
      await assert.rejects(applyPlan(fresh, { statePath: path, runtime: new FakeRuntime() }), (e: unknown) => {
        assert.ok(e instanceof StateLockedError);
        assert.match((e as Error).message, /Operation: test/);
        return true;
      });
    } finally {
      await lock.release();
    }
    assert.equal(readFileSync(path, 'utf8'), text);
  });

  it('fails before anything changes when an image cannot be had or the engine is unreachable', async () => {
    const path = statePath();
    const runtime = new FakeRuntime();
    runtime.missingImages.add('nope/missing:1');
    const list = [addService('ok'), addService('bad', { image: { type: 'image', image: 'nope/missing:1' } })];
    await assert.rejects(applyPlan(planOf(list, await readState(path)), { statePath: path, runtime }), (e: unknown) => {
      assert.ok(e instanceof ApplyError);
      assert.match(e.message, new RegExp(`^main\\.star:${list[1]!.position.line}:5: pulling image 'nope/missing:1' failed`));
      assert.match(e.message, /Nothing was changed/);
      return true;
    });
    assert.equal(existsSync(path), false, 'no state file was written');
    assert.deepEqual(
      runtime.calls.filter((c) => c.startsWith('createService')),
      [],
    );

    runtime.unreachable = true;
    await assert.rejects(applyPlan(planOf([addService('ok')], await readState(path)), { statePath: path, runtime }), (e: unknown) => {
      assert.ok(e instanceof UserError, 'a user-facing error, not an internal one');
      assert.match((e as Error).message, /cannot reach the fake engine/);
      return true;
    });
  });

  it('forgets a replaced service in the state before removing its container', async () => {
    const path = statePath();
    await applyPlan(planOf([addService('web', { cmd: ['v1'] })], await readState(path)), { statePath: path, runtime: new FakeRuntime() });
    const first = await readState(path);
    const runtime = new FakeRuntime();
    const old = first.services.get('web')!;
    runtime.containers.set(old.containerId, {
      id: old.containerId,
      lineage: first.lineage!,
      name: 'web',
      spec: { name: 'web', image: 'x' },
      running: true,
      ip: old.ipAddress!,
      ports: {},
    });
    let seen: boolean | undefined;
    runtime.hook = (call) => {
      if (call === 'removeService') seen = parseState(readFileSync(path, 'utf8'), path).services.has('web');
    };
    const result = await applyPlan(planOf([addService('web', { cmd: ['v2'] })], first), { statePath: path, runtime });
    assert.equal(seen, false, 'when the container was removed, the state no longer named it');
    assert.deepEqual(result.summary, { created: 0, replaced: 1, run: 0, deleted: 0 });
    assert.notEqual(result.state.services.get('web')!.containerId, old.containerId);
    assert.equal(runtime.containers.has(old.containerId), false);
  });

  it('removes a service that does not become ready and does not record it', async () => {
    const path = statePath();
    const runtime = new FakeRuntime();
    runtime.onExec = () => ({ exitCode: 1, output: 'not yet', stdout: '', stderr: '' });
    const ready = {
      recipe: { type: 'exec', command: ['check'], extract: {} },
      field: 'code',
      assertion: '==',
      target_value: 0,
      target_type: 'int',
      interval: '10ms',
      timeout: '50ms',
    } as const;
    const list = [addService('slowpoke', { ready_conditions: ready })];
    await assert.rejects(applyPlan(planOf(list, await readState(path)), { statePath: path, runtime }), /did not become ready: Recipe execution timed-out/);
    assert.equal(runtime.containers.size, 0);
    const state = await readState(path);
    assert.equal(state.services.has('slowpoke'), false);
    assert.equal(planOf(list, state).changes[0]!.action, 'create');
  });

  it('records the same state whatever order concurrent steps finish in', async () => {
    const list = ['a', 'b', 'c', 'd', 'e'].map((n) => addService(n));
    const stepsOf = async (delays: number[]): Promise<string[]> => {
      const path = statePath();
      const runtime = new FakeRuntime();
      let i = 0;
      runtime.hook = async (call) => {
        if (call === 'createService') await new Promise((r) => setTimeout(r, delays[i++ % delays.length]));
      };
      const result = await applyPlan(planOf(list, await readState(path)), { statePath: path, runtime });
      return result.state.steps.map((s) => s.id);
    };
    const forward = await stepsOf([5, 10, 15, 20, 25]);
    const backward = await stepsOf([25, 20, 15, 10, 5]);
    assert.deepEqual(forward, ['service.a', 'service.b', 'service.c', 'service.d', 'service.e']);
    assert.deepEqual(backward, forward);
  });

  it('deletes what the package dropped, and removes containers the state does not name', async () => {
    const path = statePath();
    const runtime = new FakeRuntime();
    await applyPlan(planOf([addService('keep'), addService('drop')], await readState(path)), { statePath: path, runtime });
    const state = await readState(path);
    runtime.containers.set('ghost', {
      id: 'ghost',
      lineage: state.lineage!,
      name: 'ghost',
      spec: { name: 'ghost', image: 'x' },
      running: true,
      ip: '',
      ports: {},
    });
    const events: ApplyEvent[] = [];
    const result = await applyPlan(planOf([addService('keep'), print('print.111111111111', 'hi')], state), {
      statePath: path,
      runtime,
      onEvent: (e) => events.push(e),
    });
    assert.deepEqual(result.summary, { created: 0, replaced: 0, run: 1, deleted: 1 });
    assert.deepEqual([...result.state.services.keys()], ['keep']);
    assert.ok(!result.state.steps.some((s) => s.id === 'service.drop'));
    assert.deepEqual(
      [...runtime.containers.values()].map((c) => c.name),
      ['keep'],
    );
    assert.ok(events.some((e) => e.type === 'drift' && /ghost/.test(e.message)));
  });

  it('stops starting steps when interrupted, and says how far it got', async () => {
    const path = statePath();
    const controller = new AbortController();
    const runtime = new FakeRuntime();
    runtime.hook = (call) => {
      if (call === 'createService') controller.abort();
    };
    const list = [addService('one'), exec('exec.222222222222', 'one', ['x'])];
    await assert.rejects(
      applyPlan(planOf(list, await readState(path)), { statePath: path, runtime, signal: controller.signal }),
      /the apply was interrupted\n1 of 2 steps finished/,
    );
    assert.ok((await readState(path)).services.has('one'));
  });

  it('records a long run of print steps in a handful of state writes, all in plan order (apply is linear in steps)', async function () {
    this.timeout(120_000);
    const path = statePath();
    const n = 3000;
    const hex = (i: number) => i.toString(16).padStart(12, '0');
    const prints = Array.from({ length: n }, (_, i) => print(`print.${hex(i)}`, `step ${i}`));
    const events: ApplyEvent[] = [];
    const result = await applyPlan(planOf(prints, await readState(path)), { statePath: path, runtime: new FakeRuntime(), onEvent: (e) => events.push(e) });
    assert.equal(result.summary.run, n);
    const onDisk = parseState(readFileSync(path, 'utf8'), path);
    assert.deepEqual(onDisk, result.state);
    assert.deepEqual(
      onDisk.steps.map((s) => s.id),
      prints.map((p) => p.id),
    );
    // One write per step wrote O(n²) bytes: n whole states of up to n steps each.
    assert.ok(onDisk.serial <= 12, `${n} print steps took ${onDisk.serial} state writes`);
    assert.equal(events.filter((e) => e.type === 'step_done').length, n);
  });

  it('deferred records never outrun the engine: a step that creates something is on disk, with the prints before it, before anything after it starts', async () => {
    const path = statePath();
    const runtime = new FakeRuntime();
    const list = [
      print('print.000000000001', 'one'),
      print('print.000000000002', 'two'),
      addService('web'),
      exec('exec.000000000003', 'web', ['true']),
      print('print.000000000004', `said ${ref('exec.000000000003', 'output')}`, ['exec.000000000003']),
    ];
    const seen: string[][] = [];
    runtime.hook = (call) => {
      if (call === 'exec') seen.push(parseState(readFileSync(path, 'utf8'), path).steps.map((s) => s.id));
    };
    const events: ApplyEvent[] = [];
    await applyPlan(planOf(list, await readState(path)), { statePath: path, runtime, parallelism: 1, onEvent: (e) => events.push(e) });
    assert.deepEqual(seen, [['print.000000000001', 'print.000000000002', 'service.web']]);
    const last = events.find((e) => e.type === 'step_done' && e.step.stepId === 'print.000000000004');
    assert.equal(last?.type === 'step_done' && last.message, 'said ok', 'a deferred step sees the values of the step before it');
    const onDisk = parseState(readFileSync(path, 'utf8'), path);
    assert.deepEqual(
      onDisk.steps.map((s) => s.id),
      list.map((i) => i.id),
    );
  });

  it('refuses plans with unknown instruction kinds', async () => {
    const path = statePath();
    const odd = instruction('teleport.333333333333', 'print', {});
    const plan = planOf([odd], await readState(path));
    const tampered = { ...plan, instructions: [{ ...odd, kind: 'teleport' as unknown as 'print' }] };
    await assert.rejects(applyPlan(tampered, { statePath: path, runtime: new FakeRuntime() }), /unknown instruction kind 'teleport'/);
  });

  it('never writes over a corrupt state file', async () => {
    const path = statePath();
    writeFileSync(path, '{"format_version": 1, "lineage": 5');
    await assert.rejects(applyPlan(planOf(basic(), { ...(await readState(statePath())) }), { statePath: path, runtime: new FakeRuntime() }), /not valid JSON/);
    assert.equal(readFileSync(path, 'utf8'), '{"format_version": 1, "lineage": 5');
  });
});
