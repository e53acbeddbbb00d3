// The apply order: which steps wait for which (lib/apply/graph.ts), and the scheduler
// that runs them concurrently without breaking that order.
import assert from 'node:assert/strict';
import { buildWork, mentionedServices, schedule, type WorkItem } from '../../lib/apply/graph.js';
import type { Change, Instruction } from '../../lib/instructions/index.js';
import type { JsonObject } from '../../lib/util/json.js';

function ins(id: string, kind: Instruction['kind'], args: JsonObject, extra: Partial<Instruction> = {}): Instruction {
  return {
    id,
    kind,
    args,
    description: id,
    position: { file: 'main.star', line: 1, col: 1 },
    stack: [],
    services: [],
    artifacts: [],
    refs: [],
    produces: [],
    ...extra,
  };
}

const service = (name: string, extra: Partial<Instruction> = {}, args: JsonObject = {}) =>
  ins(`service.${name}`, 'add_service', { name, config: args }, { declares: { type: 'service', name }, ...extra });

function changesFor(list: Instruction[], actions: Record<string, Change['action']> = {}): Change[] {
  return list.map((i, index) => ({ action: actions[i.id] ?? 'create', stepId: i.id, kind: i.kind, reason: 'test', instruction: index }));
}

function depsOf(items: WorkItem[]): Record<string, string[]> {
  return Object.fromEntries(items.map((i) => [i.stepId, i.deps.map((d) => items[d]!.stepId)]));
}

describe('apply graph', () => {
  it('lets independent services start together and orders what uses them', () => {
    const list = [
      service('db'),
      service('cache'),
      service('app', { refs: ['service.db'] }, { env: '{{starform:service.db.ip_address}}' }),
      ins('exec.aaa', 'exec', { service_name: 'app' }, { services: ['app'] }),
      ins('exec.bbb', 'exec', { service_name: 'app' }, { services: ['app'] }),
      ins('print.ccc', 'print', { msg: '{{starform:exec.aaa.output}}' }, { refs: ['exec.aaa'] }),
    ];
    const deps = depsOf(buildWork(list, changesFor(list)));
    assert.deepEqual(deps['service.db'], []);
    assert.deepEqual(deps['service.cache'], []);
    assert.deepEqual(deps['service.app'], ['service.db']);
    assert.deepEqual(deps['exec.aaa'], ['service.app']);
    assert.deepEqual(deps['exec.bbb'], ['exec.aaa'], 'steps on one service keep their order');
    assert.deepEqual(deps['print.ccc'], ['exec.aaa']);
  });

  it('orders a step after a service whose host name its arguments mention', () => {
    const list = [
      service('postgres'),
      service('web', {}, { env: { DATABASE_URL: 'postgresql://app@postgres:5432/app' } }),
      ins('exec.ddd', 'exec', { service_name: 'web', recipe: { command: ['nc', 'postgres', '5432'] } }, { services: ['web'] }),
    ];
    const deps = depsOf(buildWork(list, changesFor(list)));
    assert.deepEqual(deps['service.web'], ['service.postgres']);
    assert.deepEqual(deps['exec.ddd'], ['service.postgres', 'service.web']);
  });

  it('matches host names only as whole names', () => {
    assert.deepEqual(mentionedServices({ a: 'http://db:5432', b: 'dbx', c: ['my-db'] }, ['db']), ['db']);
    assert.deepEqual(mentionedServices({ b: 'dbx', c: ['my-db', 'db2'] }, ['db']), []);
    assert.deepEqual(mentionedServices(['app.local', '/etc/app/x'], ['app']), ['app']);
  });

  it('skips no-ops, puts deletions first and orders a re-created name after its deletion', () => {
    const list = [service('web'), ins('artifact.site', 'upload_files', { name: 'site' }, { declares: { type: 'artifact', name: 'site' } })];
    const changes: Change[] = [
      { action: 'delete', stepId: 'artifact.site', kind: 'upload_files', reason: 'dropped' },
      { action: 'delete', stepId: 'service.old', kind: 'add_service', reason: 'dropped' },
      { action: 'no-op', stepId: 'service.web', kind: 'add_service', reason: 'unchanged', instruction: 0 },
      { action: 'create', stepId: 'artifact.site', kind: 'upload_files', reason: 'new', instruction: 1 },
    ];
    const items = buildWork(list, changes);
    assert.deepEqual(
      items.map((i) => [i.stepId, i.action, i.instruction?.id ?? null]),
      [
        ['artifact.site', 'delete', null],
        ['service.old', 'delete', null],
        ['artifact.site', 'create', 'artifact.site'],
      ],
    );
    assert.deepEqual(items[2]!.deps, [0]);
  });

  it('runs ready steps concurrently up to the limit, in dependency order', async () => {
    const list = [service('a'), service('b'), service('c'), ins('exec.x', 'exec', {}, { services: ['a', 'b', 'c'] })];
    const items = buildWork(list, changesFor(list));
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    await schedule(
      items,
      2,
      async (item) => {
        running++;
        peak = Math.max(peak, running);
        order.push(`start ${item.stepId}`);
        await new Promise((r) => setTimeout(r, 20));
        order.push(`end ${item.stepId}`);
        running--;
      },
      () => false,
    );
    assert.equal(peak, 2);
    assert.deepEqual(order.slice(0, 2), ['start service.a', 'start service.b']);
    const execStart = order.indexOf('start exec.x');
    for (const s of ['a', 'b', 'c']) assert.ok(order.indexOf(`end service.${s}`) < execStart);
  });

  it('starts nothing new after a failure but lets the steps in flight finish', async () => {
    const list = [service('a'), service('b'), service('c'), service('d')];
    const items = buildWork(list, changesFor(list));
    const finished: string[] = [];
    const outcome = await schedule(
      items,
      2,
      async (item) => {
        if (item.stepId === 'service.a') throw new Error('boom');
        await new Promise((r) => setTimeout(r, 30));
        finished.push(item.stepId);
      },
      () => false,
    );
    assert.deepEqual(finished, ['service.b']);
    assert.deepEqual(outcome.notStarted, [2, 3]);
  });

  it('schedules in linear time: each step looks at its dependencies once, not once per finishing step', async () => {
    // 3,000 prints, every third one waiting for the one before it (a chain beside independent steps).
    const n = 3000;
    let depReads = 0;
    const items: WorkItem[] = [];
    for (let i = 0; i < n; i++) {
      const deps = i % 3 === 2 ? [i - 1] : [];
      const item = { index: i, stepId: `print.${i}`, kind: 'print', action: 'run', reason: '', reads: [], writes: [] } as Omit<WorkItem, 'deps'>;
      items.push(Object.defineProperty(item, 'deps', { get: () => (depReads++, deps), enumerable: true }) as WorkItem);
    }
    const order: number[] = [];
    let running = 0;
    let peak = 0;
    const outcome = await schedule(
      items,
      8,
      async (item) => {
        running++;
        peak = Math.max(peak, running);
        order.push(item.index);
        await Promise.resolve();
        running--;
      },
      () => false,
    );
    assert.deepEqual(outcome.notStarted, []);
    assert.equal(order.length, n);
    assert.equal(peak, 8);
    for (let i = 2; i < n; i += 3) assert.ok(order.indexOf(i) > order.indexOf(i - 1), `step ${i} started before its dependency`);
    assert.ok(depReads <= 2 * n, `dependencies were read ${depReads} times for ${n} steps`);
  });

  it('starts ready steps in index order', async () => {
    const items: WorkItem[] = [0, 1, 2, 3].map((i) => ({
      index: i,
      stepId: `s${i}`,
      kind: 'print',
      action: 'run' as const,
      reason: '',
      reads: [],
      writes: [],
      deps: i === 3 ? [0] : [],
    }));
    const order: number[] = [];
    await schedule(
      items,
      1,
      async (item) => void order.push(item.index),
      () => false,
    );
    assert.deepEqual(order, [0, 1, 2, 3]);
  });

  it('never starts a step whose dependency is not among the items', async () => {
    const items: WorkItem[] = [{ index: 0, stepId: 'a', kind: 'print', action: 'run', reason: '', reads: [], writes: [], deps: [7] }];
    const outcome = await schedule(
      items,
      2,
      async () => undefined,
      () => false,
    );
    assert.deepEqual(outcome.notStarted, [0]);
  });

  it('starts nothing once asked to stop', async () => {
    const list = [service('a'), service('b')];
    const outcome = await schedule(
      buildWork(list, changesFor(list)),
      8,
      async () => undefined,
      () => true,
    );
    assert.deepEqual(outcome.notStarted, [0, 1]);
  });
});
