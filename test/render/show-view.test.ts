// The view of `starform show` (lib/render/show-view.ts) on string buffers: the text form
// ends with the signature line and puts the plan's warnings on the error stream; the
// Markdown form starts with the golden comment; the JSON form is a plan document with the
// signature and the file's checksum.
import assert from 'node:assert/strict';
import { showView } from '../../lib/render/show-view.js';
import { show } from '../../lib/render/view.js';
import type { JsonObject } from '../../lib/util/json.js';
import { schemaValidator } from '../../lib/util/schema.js';
import { fixtureText, planFixture } from './helpers.js';
import { bufferStreams as streams } from './buffer-streams.js';

describe('show: the view of a saved plan', () => {
  const { loaded } = planFixture('fixtures/packages/deps');
  const shown = { loaded, file: 'change.plan', signatureLine: 'The plan is not signed.', signature: null };

  it('text: the plan as plan printed it, then the signature line', () => {
    const s = streams();
    show(showView, shown, s, false);
    assert.ok(s.out.text.startsWith(fixtureText('test/golden/plans/deps.txt')), s.out.text.slice(0, 200));
    assert.ok(s.out.text.endsWith('\nThe plan is not signed.\n'));
    assert.equal(s.err.text, '');
  });

  it('markdown: the golden comment, then the signature line', () => {
    const s = streams();
    show(showView, { ...shown, markdown: { graph: false } }, s, false);
    assert.ok(s.out.text.startsWith(fixtureText('test/golden/markdown/deps-new.md')));
    assert.ok(s.out.text.endsWith('\nThe plan is not signed.\n'));
  });

  it('json: a plan document with the file checksum and the signature', () => {
    const s = streams();
    const signature = { algorithm: 'hmac-sha256', key_id: 'k', verified: true };
    show(showView, { ...shown, signature }, s, true);
    const doc = JSON.parse(s.out.text) as JsonObject;
    assert.deepEqual(schemaValidator('output-plan.schema.json')(doc), []);
    assert.equal(doc['checksum'], loaded.checksum);
    assert.deepEqual(doc['signature'], signature);
  });
});
