// The plan module's records (lib/plan/model.ts) must fit the core the plan file needs
// (lib/planfile/model.ts). This is checked by the compiler: if either side changes so that
// they no longer fit, this file stops compiling. The test itself round-trips a plan made
// of the plan module's record types.
import assert from 'node:assert/strict';
import type { Change, Instruction } from '../../lib/instructions/index.js';
import type { SavedPlan } from '../../lib/planfile/model.js';
import { parsePlan, serializePlan } from '../../lib/planfile/planfile.js';
import { samplePlan } from './helpers/sample.js';

describe('planfile and the plan module', () => {
  it("stores the plan module's Instruction and Change records", () => {
    const plan: SavedPlan<Instruction, Change> = samplePlan() as unknown as SavedPlan<Instruction, Change>;
    const { text } = serializePlan(plan);
    assert.deepEqual(parsePlan(text, 'p').plan, plan);
  });
});
