// Deterministic progress: inStepOrder releases each step's events only after every
// earlier step ended, whatever order concurrent steps finish in.
import assert from 'node:assert/strict';
import { inStepOrder, type ApplyEvent, type StepInfo } from '../../lib/apply/events.js';

const step = (index: number): StepInfo => ({ index, stepId: `s${index}`, kind: 'exec', action: 'run', description: '', reason: '' });
const label = (e: ApplyEvent): string => ('step' in e ? `${e.type}:${e.step.stepId}` : e.type);

describe('apply events in step order', () => {
  it('holds back later steps until earlier ones ended', () => {
    const seen: string[] = [];
    const sink = inStepOrder((e) => seen.push(label(e)));
    sink({ type: 'step_start', step: step(0) });
    sink({ type: 'step_start', step: step(1) });
    sink({ type: 'step_start', step: step(2) });
    sink({ type: 'step_done', step: step(2), durationMs: 1, message: '' });
    sink({ type: 'step_done', step: step(1), durationMs: 1, message: '' });
    assert.deepEqual(seen, ['step_start:s0']);
    sink({ type: 'step_failed', step: step(0), durationMs: 1, error: 'x' });
    assert.deepEqual(seen, ['step_start:s0', 'step_failed:s0', 'step_start:s1', 'step_done:s1', 'step_start:s2', 'step_done:s2']);
  });

  it('passes other events at once and flushes everything before the closing event', () => {
    const seen: string[] = [];
    const sink = inStepOrder((e) => seen.push(label(e)));
    sink({ type: 'drift', message: 'x' });
    sink({ type: 'step_start', step: step(1) });
    sink({ type: 'apply_failed', summary: { created: 0, replaced: 0, run: 0, deleted: 0 }, error: 'e', serial: 1, durationMs: 1 });
    assert.deepEqual(seen, ['drift', 'step_start:s1', 'apply_failed']);
  });
});
