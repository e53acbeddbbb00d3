// The NDJSON view of an apply (json-views.ts `ndjsonSink`): lines come out in step order,
// but each carries the time its event happened, not the time it was printed; every line
// conforms to schemas/apply-event.schema.json.
import assert from 'node:assert/strict';
import type { StepInfo } from '../../lib/apply/events.js';
import { ndjsonSink } from '../../lib/render/json-views.js';
import type { JsonObject } from '../../lib/util/json.js';
import { schemaValidator } from '../../lib/util/schema.js';

const step = (index: number): StepInfo => ({
  index,
  stepId: `exec.00000000000${index}`,
  kind: 'exec',
  action: 'run',
  description: 'Executing',
  reason: 'new step',
});

describe('apply --json: NDJSON lines', () => {
  it('are printed in step order, each stamped with the time its event was emitted', () => {
    const lines: JsonObject[] = [];
    let clock = Date.parse('2026-01-01T00:00:00.000Z');
    const sink = ndjsonSink(
      (l) => lines.push(JSON.parse(l) as JsonObject),
      () => new Date(clock),
    );
    const at = (ms: number) => {
      clock = Date.parse('2026-01-01T00:00:00.000Z') + ms;
    };
    at(0);
    sink({ type: 'step_start', step: step(0) });
    at(10);
    sink({ type: 'step_start', step: step(1) });
    at(20);
    sink({ type: 'step_done', step: step(1), durationMs: 10, message: 'exit code 0: b', result: { code: 0, output: 'b' } });
    at(30);
    sink({ type: 'step_done', step: step(0), durationMs: 30, message: 'exit code 0: a', result: { code: 0, output: 'a' } });
    at(40);
    sink({ type: 'apply_done', summary: { created: 0, replaced: 0, run: 2, deleted: 0 }, outputs: null, serial: 1, durationMs: 40 });
    assert.deepEqual(
      lines.map((l) => `${String(l['type'])} ${String(l['step_id'] ?? '')} ${String(l['timestamp'])}`),
      [
        'step_start exec.000000000000 2026-01-01T00:00:00.000Z',
        'step_done exec.000000000000 2026-01-01T00:00:00.030Z',
        'step_start exec.000000000001 2026-01-01T00:00:00.010Z',
        'step_done exec.000000000001 2026-01-01T00:00:00.020Z',
        'apply_done  2026-01-01T00:00:00.040Z',
      ],
    );
    for (const l of lines) assert.deepEqual(schemaValidator('apply-event.schema.json')(l), [], JSON.stringify(l));
    assert.deepEqual(lines[1]!['result'], { code: 0, output: 'a' });
  });

  it('the event schema refuses the old names (step, no format_version)', () => {
    const old = { type: 'step_start', index: 0, step: 'exec.000000000000', kind: 'exec', action: 'run', description: '', reason: '' };
    assert.notDeepEqual(schemaValidator('apply-event.schema.json')(old), []);
  });
});
