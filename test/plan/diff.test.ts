// Tests of the plan pipeline's diff on real fixture packages: every action of the design's
// table, dependency propagation (changing one service touches only it and what uses it),
// end-state instructions staying idempotent, deletions of dropped services, and
// determinism. `apply` is simulated here by recording each change into the state the way
// the executor does, so these tests need no engine (test/apply runs the real thing).
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { makePlan, type Change } from '../../lib/plan/index.js';
import { serializePlan } from '../../lib/planfile/index.js';
import { emptyState, type State } from '../../lib/state/index.js';
import { applyForTests } from './simulate.js';
import type { JsonObject } from '../../lib/util/json.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../fixtures/packages/${name}`, import.meta.url));

function plan(name: string, state: State, args: JsonObject = {}) {
  const result = makePlan({ dir: fixture(name), args, state });
  assert.deepEqual(result.problems, [], 'the fixture plans without problems');
  return result.plan!;
}

const simulateApply = applyForTests;

function actions(p: { changes: readonly Change[] }): Record<string, string> {
  return Object.fromEntries(p.changes.map((c) => [c.stepId, c.action]));
}

function visible(p: { changes: readonly Change[] }): string[] {
  return p.changes.filter((c) => c.action !== 'no-op').map((c) => `${c.action} ${c.stepId}`);
}

describe('plan: the diff against a state', () => {
  it('creates everything against an empty state', () => {
    const p = plan('deps', emptyState());
    const a = actions(p);
    assert.equal(a['service.db'], 'create');
    assert.equal(a['service.app'], 'create');
    assert.equal(a['service.metrics'], 'create');
    const runs = p.changes.filter((c) => c.action === 'run').map((c) => c.kind);
    assert.deepEqual(runs.sort(), ['exec', 'print']);
  });

  it('makes no changes when an applied package is planned again', () => {
    const first = plan('deps', emptyState());
    const state = simulateApply(first, emptyState());
    const again = plan('deps', state);
    assert.deepEqual(visible(again), []);
    assert.ok(again.changes.every((c) => c.action === 'no-op'));
  });

  it('replaces a changed service and re-runs only what depends on it', () => {
    const state = simulateApply(plan('deps', emptyState()), emptyState());
    const changed = plan('deps', state, { db_version: '2' });
    const v = visible(changed);
    // db changes; the migration's arguments change with it (new step); the print uses the
    // migration's output. The app uses only db's IP address, which db keeps when it is
    // replaced, so the app is untouched, as are the cache and metrics.
    assert.ok(v.includes('replace service.db'), v.join(', '));
    assert.ok(!v.includes('replace service.app'), v.join(', '));
    assert.ok(
      v.some((x) => x.startsWith('run exec.')),
      v.join(', '),
    );
    assert.ok(
      v.some((x) => x.startsWith('run print.')),
      v.join(', '),
    );
    assert.ok(!v.some((x) => x.includes('cache') || x.includes('metrics')), v.join(', '));
    const reasons = Object.fromEntries(changed.changes.map((c) => [c.stepId, c.reason]));
    assert.equal(reasons['service.db'], 'configuration changed');
  });

  it('replaces only the service whose configuration changed when nothing depends on it', () => {
    const state = simulateApply(plan('deps', emptyState()), emptyState());
    const changed = plan('deps', state, { cache_size: '128' });
    assert.deepEqual(visible(changed), ['replace service.cache']);
    const c = changed.changes.find((x) => x.stepId === 'service.cache')!;
    assert.ok(c.before !== undefined && c.after !== undefined, 'a replacement carries both configurations for the diff view');
  });

  it('deletes a service the package no longer produces, first', () => {
    const state = simulateApply(plan('deps', emptyState()), emptyState());
    const dropped = plan('deps', state, { with_metrics: false });
    assert.deepEqual(visible(dropped), ['delete service.metrics']);
    assert.equal(dropped.changes[0].stepId, 'service.metrics', 'deletions come first');
  });

  it('keeps remove_service and stop_service idempotent (end states, not actions)', () => {
    const first = plan('lifecycle', emptyState());
    assert.deepEqual(visible(first), [
      'create service.seed',
      `run ${first.changes[1].stepId}`,
      'delete remove_service.seed',
      'create service.worker',
      'run stop_service.worker',
    ]);
    const state = simulateApply(first, emptyState());
    assert.equal(state.services.has('seed'), false);
    assert.equal(state.services.get('worker')?.status, 'stopped');
    assert.deepEqual(visible(plan('lifecycle', state)), []);
  });

  it('gives byte-identical plan files for the same package, args and state', () => {
    const state = { ...emptyState(), lineage: '6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e5f' };
    const a = serializePlan(plan('webapp', state)).text;
    const b = serializePlan(plan('webapp', state)).text;
    assert.equal(a, b);
    const c = serializePlan(plan('webapp', state, { app_port: 9090 })).text;
    assert.notEqual(a, c);
  });

  it('binds a plan against no state to the state it creates: a lineage of its own', () => {
    const a = plan('webapp', emptyState());
    const b = plan('webapp', emptyState());
    assert.equal(a.base.serial, 0);
    assert.match(a.base.lineage ?? '', /^[0-9a-f-]{36}$/);
    assert.notEqual(a.base.lineage, b.base.lineage);
  });

  it('records the state the plan was computed against', () => {
    const state = simulateApply(plan('deps', emptyState()), emptyState());
    const p = plan('deps', state);
    assert.deepEqual(p.base, { lineage: state.lineage, serial: state.serial });
  });
});
