// The views of validate, drift and status (lib/render/check-views.ts, status-view.ts), each
// form on string buffers: results on the output stream, messages on the error stream, the
// JSON forms valid against their schemas.
import assert from 'node:assert/strict';
import type { EnclaveStatus } from '../../lib/apply/index.js';
import type { Problem } from '../../lib/plan/index.js';
import { driftView, validateView } from '../../lib/render/check-views.js';
import { statusView } from '../../lib/render/status-view.js';
import { show } from '../../lib/render/view.js';
import type { JsonObject } from '../../lib/util/json.js';
import { schemaValidator } from '../../lib/util/schema.js';
import { bufferStreams as streams } from './buffer-streams.js';

function validJson(text: string, schema: string): JsonObject {
  const doc = JSON.parse(text) as JsonObject;
  assert.deepEqual(schemaValidator(schema)(doc), [], text);
  return doc;
}

const problem: Problem = { message: 'port 0 is out of range', position: { file: 'main.star', line: 7, col: 9 }, stack: [] };

describe('views of validate, drift and status', () => {
  let saved: string | undefined;
  before(() => {
    saved = process.env['FORCE_COLOR'];
    delete process.env['FORCE_COLOR'];
  });
  after(() => {
    if (saved !== undefined) process.env['FORCE_COLOR'] = saved;
  });

  it('validate: one line when valid; warnings and problems (said of validity) on the error stream', () => {
    const ok = streams();
    show(validateView, { instructions: 1, problems: [], warnings: ['w\u0007'] }, ok, false);
    assert.equal(ok.out.text, 'The package is valid: 1 instruction.\n');
    assert.equal(ok.err.text, 'warning: w\\x07\n');
    const bad = streams();
    show(validateView, { instructions: 3, problems: [problem], warnings: [] }, bad, false);
    assert.equal(bad.out.text, '');
    assert.match(bad.err.text, /main\.star:7:9/);
    assert.match(bad.err.text, /the package is not valid/);
    assert.doesNotMatch(bad.err.text, /nothing was planned/);
  });

  it('validate --json: the document alone, problems included, nothing on the error stream', () => {
    const s = streams();
    show(validateView, { instructions: 3, problems: [problem], warnings: ['w'] }, s, true);
    const doc = validJson(s.out.text, 'output-validate.schema.json');
    assert.equal((doc['problems'] as JsonObject[]).length, 1);
    assert.equal(s.err.text, '');
  });

  const entries = [
    { kind: 'stopped', service: 'db', containerId: 'c'.repeat(64), message: 'service db: its container is stopped' },
    { kind: 'unknown-container', containerId: 'd'.repeat(64), message: 'a container the state does not name' },
  ];

  it('drift: none (with or without a state), or each difference and what to do about it', () => {
    const none = streams();
    show(driftView, { state: { lineage: null, serial: 0 }, entries: [] }, none, false);
    show(driftView, { state: { lineage: 'L', serial: 4 }, entries: [] }, none, false);
    assert.equal(none.out.text, 'No drift: there is no state yet.\nNo drift: the engine matches the state (serial 4).\n');
    const some = streams();
    show(driftView, { state: { lineage: 'L', serial: 4 }, entries }, some, false);
    assert.equal(
      some.out.text,
      'The engine differs from the state (serial 4) in 2 ways:\n  ~ service db: its container is stopped\n  ~ a container the state does not name\n\n`starform plan --refresh-only` shows the state update; `starform plan` what an apply would do about it.\n',
    );
  });

  it('drift --json: the document of the drift schema', () => {
    const s = streams();
    show(driftView, { state: { lineage: '00000000-0000-4000-8000-000000000000', serial: 4 }, entries }, s, true);
    const doc = validJson(s.out.text, 'output-drift.schema.json');
    assert.equal(doc['drifted'], true);
    assert.deepEqual((doc['drift'] as JsonObject[])[0], {
      kind: 'stopped',
      service: 'db',
      container_id: 'c'.repeat(64),
      message: 'service db: its container is stopped',
    });
    assert.equal((doc['drift'] as JsonObject[])[1]!['service'], undefined);
  });

  it('status: the table, or the document of the status schema', () => {
    const status: EnclaveStatus = {
      lineage: '00000000-0000-4000-8000-000000000000',
      serial: 2,
      networkName: 'n',
      services: [],
      artifacts: [],
      outputs: { url: 'x' },
      outputAddresses: [],
    };
    const s = streams();
    show(statusView, status, s, false);
    assert.match(s.out.text, /serial 2/);
    const j = streams();
    show(statusView, status, j, true);
    assert.deepEqual(validJson(j.out.text, 'output-status.schema.json')['outputs'], { url: 'x' });
  });
});
