import assert from 'node:assert/strict';
import { UserError, bulletList, formatLocation, isUserError } from '../../lib/util/errors.js';

describe('util/errors', () => {
  it('puts the location before the message and the hint after it', () => {
    const e = new UserError('bad thing', { location: { file: 'main.star', line: 3, col: 5 }, hint: 'Do this.' });
    assert.equal(e.message, 'main.star:3:5: bad thing\nDo this.');
    assert.equal(e.detail, 'bad thing');
    assert.equal(e.exitCode, 1);
    assert.equal(e.userFacing, true);
    assert.ok(isUserError(e) && e instanceof Error);
  });

  it('formats partial locations and no location', () => {
    assert.equal(formatLocation({ file: 'a' }), 'a');
    assert.equal(formatLocation({ file: 'a', line: 2 }), 'a:2');
    assert.equal(new UserError('plain').message, 'plain');
  });

  it('lists problems', () => {
    assert.equal(bulletList(['a', 'b']), '  - a\n  - b');
  });
});
