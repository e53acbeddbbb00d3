// Word wrapping of the live view's lines (lib/render/wrap.ts): at the last space that
// fits, continuation lines indented, colour escapes not counted, and a word broken only
// when it alone is wider than the line.
import assert from 'node:assert/strict';
import { visibleWidth, wrapWords } from '../../lib/render/wrap.js';

describe('render: wrapWords', () => {
  it('breaks at word boundaries and indents the continuation', () => {
    const text = '✗   exec.abc  failed after 1.2s  Exec returned exit code 3 that is not acceptable';
    const wrapped = wrapWords(text, 30);
    assert.equal(wrapped, '✗   exec.abc  failed after\n    1.2s  Exec returned exit\n    code 3 that is not\n    acceptable');
    for (const line of wrapped.split('\n')) assert.ok(visibleWidth(line) <= 30);
    assert.deepEqual(wrapped.split(/\s+/).filter(Boolean), text.split(/\s+/).filter(Boolean), 'no word is cut');
  });

  it('keeps short lines, and the indentation of each line of several', () => {
    assert.equal(wrapWords('short', 40), 'short');
    assert.equal(wrapWords('head\n    one two three four five', 16), 'head\n    one two\n        three\n        four\n        five');
  });

  it('does not count colour escapes', () => {
    const red = (s: string): string => `\u001b[31m${s}\u001b[39m`;
    assert.equal(wrapWords(`${red('failed')} after two`, 16), `${red('failed')} after two`);
    assert.equal(visibleWidth(red('abc')), 3);
  });

  it('breaks a word only when it is wider than a whole line', () => {
    const digest = 'sha256:' + '0123456789abcdef'.repeat(3);
    const wrapped = wrapWords(`image ${digest} pulled`, 20);
    for (const line of wrapped.split('\n')) assert.ok(visibleWidth(line) <= 20, line);
    assert.equal(wrapped.replace(/\s+/g, ''), `image${digest}pulled`);
  });
});
