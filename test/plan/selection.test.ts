// plan --target / --exclude / --replace on the select fixture, without an engine (the
// executor is simulated as in diff.test.ts; test/cli/edit-select.test.ts runs the real
// thing): what each address selects, what an exclude takes with it, that an address
// matching nothing is a user error naming it, and that an edited plan is deterministic
// and records its edits.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { makePlan, type Change } from '../../lib/plan/index.js';
import { addressMatcher, checkAddress } from '../../lib/plan/selection.js';
import { destroyPlan } from '../../lib/plan/destroy-plan.js';
import { serializePlan } from '../../lib/planfile/index.js';
import { emptyState, type State } from '../../lib/state/index.js';
import { UserError } from '../../lib/util/errors.js';
import { applyForTests } from './simulate.js';

const dir = fileURLToPath(new URL('../../../fixtures/packages/select', import.meta.url));
type Selection = { targets?: string[]; excludes?: string[]; replace?: string[] };

function plan(state: State, selection: Selection = {}, args = {}) {
  const result = makePlan({ dir, args, state, selection });
  assert.deepEqual(result.problems, []);
  return result.plan!;
}

function visible(p: { changes: readonly Change[] }): string[] {
  return p.changes.filter((c) => c.action !== 'no-op').map((c) => `${c.action} ${c.stepId}`);
}

function leftOut(p: { changes: readonly Change[] }): string[] {
  return (p.changes as readonly (Change & { leftOut?: { action: string; by: string } })[])
    .filter((c) => c.leftOut !== undefined)
    .map((c) => `${c.leftOut!.by} ${c.stepId}`);
}

describe('plan: selecting and forcing (issue 12)', () => {
  it('addresses: `*` matches any characters, everything else literally', () => {
    const m = addressMatcher('service.cl-*');
    assert.ok(m('service.cl-1') && m('service.cl-22'));
    assert.ok(!m('service.db') && !m('xservice.cl-1'));
    assert.ok(addressMatcher('service.db')('service.db'));
    assert.ok(!addressMatcher('service.d.')('service.db'), 'a dot is a dot');
    assert.throws(() => checkAddress('target', ' '), UserError);
  });

  it('--target selects the steps and what they need, transitively; the rest is left out as no-ops', () => {
    const p = plan(emptyState(), { targets: ['service.monitor'] });
    assert.deepEqual(visible(p), ['create service.db', 'create service.cl-1', 'create artifact.notes', 'create service.monitor']);
    assert.deepEqual(leftOut(p), ['target service.cl-2']);
    assert.deepEqual(p.edits, [{ kind: 'target', address: 'service.monitor', matched: ['service.monitor'] }]);
    const wild = plan(emptyState(), { targets: ['service.cl-*'] });
    assert.deepEqual(visible(wild), ['create service.db', 'create service.cl-1', 'create service.cl-2']);
  });

  it('an address that matches nothing is a user error naming it', () => {
    for (const selection of [{ targets: ['service.nope'] }, { excludes: ['service.cl-9*'] }, { replace: ['artifact.notes'] }]) {
      assert.throws(
        () => makePlan({ dir, args: {}, state: emptyState(), selection }),
        (e: unknown) => e instanceof UserError && /service\.nope|service\.cl-9\*|artifact\.notes/.test(e.message) && /matches no/.test(e.message),
      );
    }
  });

  it('--exclude drops the steps and, with them, every step that needs them (listed in the edit)', () => {
    const p = plan(emptyState(), { excludes: ['service.cl-1'] });
    assert.deepEqual(visible(p), ['create service.db', 'create service.cl-2', 'create artifact.notes']);
    assert.deepEqual(p.edits, [{ kind: 'exclude', address: 'service.cl-1', matched: ['service.cl-1'], dependents: ['service.monitor'] }]);
    assert.deepEqual(leftOut(p), ['exclude service.cl-1', 'exclude service.monitor']);
  });

  it('--replace replaces an unchanged service; a user of only its address is kept (the diff rule)', () => {
    const applied = applyForTests(plan(emptyState()), emptyState());
    assert.deepEqual(visible(plan(applied)), []);
    const p = plan(applied, { replace: ['service.db'] });
    assert.deepEqual(visible(p), ['replace service.db']);
    assert.equal(p.changes.find((c) => c.stepId === 'service.db')!.reason, 'replacement requested (--replace)');
    assert.deepEqual(p.edits, [{ kind: 'replace', address: 'service.db', matched: ['service.db'] }]);
    const all = plan(applied, { replace: ['service.cl-*'] });
    assert.deepEqual(visible(all), ['replace service.cl-1', 'replace service.cl-2']);
  });

  it('a targeted plan of a changed package leaves the other changes for the next plan', () => {
    const applied = applyForTests(plan(emptyState()), emptyState());
    const p = plan(applied, { targets: ['service.cl-2'] }, { tag: 'v2' });
    assert.deepEqual(visible(p), ['replace service.cl-2']);
    assert.deepEqual(leftOut(p).sort(), ['target artifact.notes', 'target service.cl-1', 'target service.monitor']);
    const after = applyForTests(p, applied);
    assert.deepEqual(visible(plan(after, {}, { tag: 'v2' })).sort(), ['replace artifact.notes', 'replace service.cl-1', 'replace service.monitor']);
  });

  it('an edited plan is byte-identical across runs and differs from the unedited one', () => {
    const applied = applyForTests(plan(emptyState()), emptyState());
    const a = serializePlan(plan(applied, { targets: ['service.cl-*'], excludes: ['service.cl-2'], replace: ['service.db'] })).text;
    const b = serializePlan(plan(applied, { targets: ['service.cl-*'], excludes: ['service.cl-2'], replace: ['service.db'] })).text;
    assert.equal(a, b);
    assert.notEqual(a, serializePlan(plan(applied)).text);
    assert.match(a, /"edits": \[/);
  });

  it('a destroy plan deletes everything the state records, or what --target names', () => {
    const applied = applyForTests(plan(emptyState()), emptyState());
    const whole = destroyPlan(applied).plan;
    assert.deepEqual(whole.instructions, []);
    assert.deepEqual(whole.changes.map((c) => `${c.action} ${c.stepId}`).sort(), [
      'delete artifact.notes',
      'delete service.cl-1',
      'delete service.cl-2',
      'delete service.db',
      'delete service.monitor',
    ]);
    assert.deepEqual(whole.edits, [{ kind: 'destroy' }]);
    const one = destroyPlan(applied, { targets: ['service.cl-*'] }).plan;
    assert.deepEqual(
      one.changes.map((c) => c.stepId),
      ['service.cl-1', 'service.cl-2'],
    );
    assert.throws(() => destroyPlan(applied, { targets: ['service.x'] }), UserError);
  });
});
