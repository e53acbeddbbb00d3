// Helpers shared by the Starlark unit tests.
import assert from 'node:assert/strict';
import { EvalError } from '../../lib/starlark/values.js';

/** Asserts that `f` fails with a Starlark error whose message is `msg` (or matches it). */
export function fails(f: () => unknown, msg: string | RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof EvalError, `not an EvalError: ${String(e)}`);
    if (typeof msg === 'string') assert.equal(e.msg, msg);
    else assert.match(e.msg, msg);
    return true;
  });
}
