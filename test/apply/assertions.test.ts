// verify / wait / ReadyCondition assertions on runtime values (Kurtosis's rules).
import assert from 'node:assert/strict';
import { checkAssertion, reprValue, starlarkType } from '../../lib/apply/assertions.js';

describe('apply assertions', () => {
  it('compares values of the same type', () => {
    assert.equal(checkAssertion(200, '==', 200, 'int'), null);
    assert.equal(checkAssertion('ok', '!=', 'no', 'string'), null);
    assert.equal(checkAssertion(3, '>=', 3, 'int'), null);
    assert.equal(checkAssertion(2.5, '<', 3.5, 'float'), null);
    assert.equal(checkAssertion('abc', '<', 'abd', 'string'), null);
    assert.equal(checkAssertion([1, 2], '<', [1, 3], 'list'), null);
    assert.equal(checkAssertion([1, 2, 3], '==', [1, 2, 3], 'list'), null);
    assert.equal(checkAssertion({ a: 1 }, '==', { a: 1 }, 'dict'), null);
  });

  it('fails with the reason', () => {
    assert.match(checkAssertion(201, '==', 200, 'int')!, /Verification failed 201 '==' 200/);
    assert.match(checkAssertion(2, '>', 3, 'int')!, /Verification failed/);
    assert.match(checkAssertion('0', '==', 0, 'int')!, /"0" is type 'string' and 0 is type 'int'/);
  });

  it('lets an integral float pass as a float (JSON cannot tell 1 from 1.0)', () => {
    assert.equal(checkAssertion(1, '==', 1, 'float'), null);
    assert.notEqual(checkAssertion(1.5, '==', 1, 'int'), null);
  });

  it('looks values up in lists, tuples and dict keys with Starlark equality', () => {
    assert.equal(checkAssertion(200, 'IN', [200, 204], 'list'), null);
    assert.equal(checkAssertion(1, 'IN', [1.0, 2], 'tuple'), null);
    assert.equal(checkAssertion('a', 'IN', { a: 1 }, 'dict'), null);
    assert.equal(checkAssertion(5, 'NOT_IN', [0, -1], 'list'), null);
    assert.match(checkAssertion(0, 'NOT_IN', [0, -1], 'list')!, /is in/);
    assert.match(checkAssertion(7, 'IN', [1], 'list')!, /is not in/);
    assert.match(checkAssertion(7, 'IN', 3, 'int')!, /requires an iterable/);
  });

  it('names Starlark types and prints values as repr does', () => {
    assert.deepEqual([null, true, 1, 1.5, 's', [], {}].map(starlarkType), ['NoneType', 'bool', 'int', 'float', 'string', 'list', 'dict']);
    assert.equal(reprValue({ a: ['x', 1, true, null] }), '{"a": ["x", 1, True, None]}');
  });
});
