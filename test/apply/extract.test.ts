// `extract` with real jq: Kurtosis's post-processing (nulls dropped, one value or a list,
// none is an error) on exec output (a JSON string) and HTTP bodies (JSON).
import assert from 'node:assert/strict';
import { extractValue, runExtractors } from '../../lib/apply/extract.js';

describe('apply extract', function () {
  this.timeout(20_000);

  it('gives one value, or a list for several outputs, dropping nulls', async () => {
    assert.equal(await extractValue('k', '.a', '{"a": 5}'), 5);
    assert.deepEqual(await extractValue('k', '.items[]', '{"items": [1, null, 3]}'), [1, 3]);
    assert.deepEqual(await extractValue('k', '.items | length', '{"items": [1, 2]}'), 2);
  });

  it('keeps the outputs before a runtime error and skips the error, as Kurtosis does with gojq', async () => {
    assert.deepEqual(await extractValue('k', '.[] | . + 1', '[1, 2, "a", 4]'), [2, 3]);
    assert.equal(await extractValue('k', '.a, error("boom"), 3', '{"a": 1}'), 1);
    await assert.rejects(extractValue('k', 'error("boom")', '{}'), /No field 'error\("boom"\)' was found/);
  });

  it('fails when nothing is left, and on programs that do not compile', async () => {
    await assert.rejects(extractValue('k', '.missing', '{"a": 1}'), /No field '.missing' was found/);
    await assert.rejects(extractValue('k', '.[', '{}'), /is not valid/);
  });

  it('feeds exec output as a JSON string and HTTP bodies as JSON', async () => {
    assert.deepEqual(await runExtractors({ v: 'fromjson | .version' }, '{"version": "1.2.3"}', 'string'), { 'extract.v': '1.2.3' });
    assert.deepEqual(await runExtractors({ first: 'split("\\n") | .[0]' }, 'db\n0\n', 'string'), { 'extract.first': 'db' });
    assert.deepEqual(await runExtractors({ n: '.n', s: '.s' }, '{"n": 2, "s": "x"}', 'json'), { 'extract.n': 2, 'extract.s': 'x' });
    await assert.rejects(runExtractors({ n: '.n' }, '<html>', 'json'), /parsing JSON response body/);
    assert.deepEqual(await runExtractors({}, 'not json', 'json'), {});
  });
});
