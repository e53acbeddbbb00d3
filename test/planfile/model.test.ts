import assert from 'node:assert/strict';
import { checkPlanIsCurrent, planProblems, type SavedPlan } from '../../lib/planfile/model.js';
import { SAMPLE_LINEAGE, samplePlan } from './helpers/sample.js';

describe('planfile/model', () => {
  it('finds nothing wrong with a consistent plan', () => {
    assert.deepEqual(planProblems(samplePlan()), []);
  });

  it('finds inconsistent plans', () => {
    const p = samplePlan();
    const [digest] = [...p.files.keys()];
    const broken: SavedPlan = {
      ...p,
      base: { lineage: null, serial: 3 },
      instructions: [...p.instructions, p.instructions[0]!],
      changes: [...p.changes.slice(0, 2), { stepId: 'ghost', action: 'run' }, { stepId: 'print.9d1e0c2f7a44', action: 'delete' }, p.changes[0]!],
      files: new Map([
        [digest!, new Uint8Array([1])],
        ['md5:abc', new Uint8Array()],
      ]),
    };
    assert.deepEqual(planProblems(broken), [
      'instructions[4]: step id "artifact.pg-config" appears twice',
      'changes[2]: step "ghost" is not an instruction of the plan',
      'changes[3]: deletes step "print.9d1e0c2f7a44", which the plan still makes',
      'changes[4]: step "artifact.pg-config" has more than one change',
      `files: the content under ${digest} has another digest`,
      'files: "md5:abc" is not a sha256 digest',
      'state: serial 3 without a lineage',
    ]);
  });

  describe('checkPlanIsCurrent', () => {
    const plan = samplePlan();
    const newPlan: SavedPlan = { ...plan, base: { lineage: null, serial: 0 } };

    it('accepts the state the plan was made for', () => {
      checkPlanIsCurrent(plan, { lineage: SAMPLE_LINEAGE, serial: 7 }, 'p.plan');
      checkPlanIsCurrent(newPlan, { lineage: null, serial: 0 }, 'p.plan');
    });

    it('refuses a state that moved on', () => {
      assert.throws(
        () => checkPlanIsCurrent(plan, { lineage: SAMPLE_LINEAGE, serial: 8 }, 'p.plan'),
        /^UserError: p\.plan: stale plan: it was computed against state serial 7, and the state is now at serial 8\nRun `starform plan` again/,
      );
      assert.throws(
        () => checkPlanIsCurrent(newPlan, { lineage: SAMPLE_LINEAGE, serial: 1 }, 'p.plan'),
        /stale plan: it was made for a new state, but the state now exists/,
      );
    });

    it('refuses another state', () => {
      assert.throws(
        () => checkPlanIsCurrent(plan, { lineage: '00000000-0000-4000-8000-000000000000', serial: 7 }, 'p.plan'),
        /made for another state \(lineage 6f1c/,
      );
      assert.throws(() => checkPlanIsCurrent(plan, { lineage: null, serial: 0 }, 'p.plan'), /there is no state file/);
    });
  });
});
