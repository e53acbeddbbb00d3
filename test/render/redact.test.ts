// The redactor and the control-character neutralisers (lib/render/redact.ts): values
// masked wherever and however they are spelled, a changed secret in a diff, the output
// guard on a stream, and escape sequences shown instead of obeyed.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { SensitiveNames } from '../../lib/plan/sensitive.js';
import { escapeForeignControls, MASK, MASK_CHANGED, maskOutput, neutraliseControl, neutraliseInline, Redactor } from '../../lib/render/redact.js';

const names = new SensitiveNames();

describe('render: redaction and control characters', () => {
  it('masks a value wherever it occurs, in its plain, JSON-escaped and neutralised spellings', () => {
    const r = new Redactor(['hunter2-pass', 'quote"and\\slash', 'esc\x1b[2Jx'], names);
    assert.equal(r.redact('postgres://app:hunter2-pass@db/x'), `postgres://app:${MASK}@db/x`);
    assert.equal(r.redact(JSON.stringify({ v: 'a quote"and\\slash b' })), `{"v":"a ${MASK} b"}`);
    assert.equal(r.redact(neutraliseInline('say esc\x1b[2Jx')), `say ${MASK}`);
    assert.equal(r.redact('nothing here'), 'nothing here');
  });

  it('keeps JSON output valid when a secret is itself a JSON string (quotes kept outside the mask)', () => {
    // ethereum-package's AdditionalValidatorMnemonics is json.encode([]) of a string: `"[]"`.
    const r = new Redactor(['"[]"', '"tok-123'], names);
    const doc = JSON.stringify({ schedule: '[]', other: 'tok-1234', list: [] }, null, 2);
    const masked = r.redact(doc);
    assert.deepEqual(JSON.parse(masked), { schedule: MASK, other: `${MASK}4`, list: [] });
    assert.equal(r.redact('value "[]" here'), `value "${MASK}" here`);
  });

  it('masks the start of a secret that a shortened text cuts off', () => {
    const r = new Redactor(['correct-horse-battery'], names);
    assert.equal(r.redact('connecting with correct-hor...'), `connecting with ${MASK}...`);
    assert.equal(r.redact('a correct-horse-battery b correct… c'), `a ${MASK} b ${MASK}… c`);
    assert.equal(r.redact('ends in cor...'), 'ends in cor...', 'three characters say nothing');
  });

  it('masks short or boolean values only in place, never everywhere', () => {
    const r = new Redactor(['pw', 'true'], names);
    assert.equal(r.redact('a pw is true'), 'a pw is true');
    assert.deepEqual(r.redactJson({ env_vars: { DB_PASSWORD: 'pw' }, flag: 'pw' }), { env_vars: { DB_PASSWORD: MASK }, flag: 'pw' });
  });

  it('shows a secret that changes in a diff as changed, and an unchanged one as masked', () => {
    const r = new Redactor(['old-password', 'new-password'], names);
    const [b, a] = r.redactPair(
      { env_vars: { PASSWORD: 'old-password', KEEP: 'same-secret-x' }, cmd: ['--privkey=key-one'] },
      { env_vars: { PASSWORD: 'new-password', KEEP: 'same-secret-x' }, cmd: ['--privkey=key-two'] },
    );
    assert.deepEqual(b, { env_vars: { PASSWORD: MASK, KEEP: 'same-secret-x' }, cmd: [`--privkey=${MASK}`] });
    assert.deepEqual(a, { env_vars: { PASSWORD: MASK_CHANGED, KEEP: 'same-secret-x' }, cmd: [`--privkey=${MASK} ${MASK_CHANGED}`] });
  });

  it('renders control characters visibly, keeping newlines only in multi-line text', () => {
    const hostile = 'a\x1b[2J\x1bc\x1b]8;;http://x\x07link\x1b]8;;\x07\x1b]0;title\x07\x1b[8mhidden\r\u009b31m\u202eb\nnext\tcol';
    const multi = neutraliseControl(hostile);
    assert.doesNotMatch(multi, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
    assert.match(multi, /a\\x1b\[2J\\x1bc\\x1b\]8;;http:\/\/x\\x07link/);
    assert.match(multi, /\\u009b31m\\u202eb\nnext\tcol$/);
    assert.equal(neutraliseInline('name\nwith\x1b[31m'), 'name\\nwith\\x1b[31m');
    assert.equal(neutraliseControl('crlf\r\nline'), 'crlf\nline');
    assert.equal(escapeForeignControls('\x1b[1mours\x1b[22m \u009b x'), '\x1b[1mours\x1b[22m \\u009b x');
  });

  it('guards a stream: what is written through it is masked, our own colours kept', () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    let written = '';
    (stream as unknown as PassThrough).on('data', (d: Buffer) => (written += d.toString()));
    maskOutput(['guarded-secret-1'], [stream]);
    stream.write('\x1b[32mvalue guarded-secret-1\x1b[39m\n');
    stream.write(Buffer.from('buffer guarded-secret-1 \u009b\n'));
    assert.equal(written, `\x1b[32mvalue ${MASK}\x1b[39m\nbuffer ${MASK} \\u009b\n`);
  });
});
