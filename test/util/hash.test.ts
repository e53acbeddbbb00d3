import assert from 'node:assert/strict';
import { digestHex, digestOf, digestOfPieces, isDigest, jsonDigest, sha256Hex } from '../../lib/util/hash.js';

describe('util/hash', () => {
  it('computes sha256 of text and bytes', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    assert.equal(sha256Hex('abc'), abc);
    assert.equal(sha256Hex(new Uint8Array([0x61, 0x62, 0x63])), abc);
    assert.equal(digestOf('abc'), `sha256:${abc}`);
    assert.equal(digestHex(digestOf('abc')), abc);
  });

  it('hashes JSON values through their canonical form', () => {
    assert.equal(jsonDigest({ a: 1, b: [1, 2] }), jsonDigest({ b: [1, 2], a: 1 }));
    assert.notEqual(jsonDigest({ a: 1 }), jsonDigest({ a: '1' }));
    assert.equal(jsonDigest({ a: 1 }), digestOf('{"a":1}'));
  });

  it('recognizes digests', () => {
    assert.ok(isDigest(digestOf('')));
    assert.ok(!isDigest('sha256:ABC'));
    assert.ok(!isDigest(sha256Hex('')));
  });

  it('hashes a text given in pieces as it would the whole text, across its chunks and in any script', () => {
    const pieces: string[] = [];
    for (let i = 0; i < 30_000; i++) pieces.push(i % 7 === 0 ? `{"name":"dienst-${i}","note":"grüße 🚀"}` : `,${i}`);
    const whole = pieces.join('');
    assert.ok(whole.length > 2 * 65_536, 'the text spans several chunks');
    assert.equal(
      digestOfPieces((emit) => pieces.forEach(emit)),
      digestOf(whole),
    );
    assert.equal(
      digestOfPieces(() => undefined),
      digestOf(''),
    );
    const large = 'x'.repeat(200_000);
    assert.equal(
      digestOfPieces((emit) => {
        emit(large);
        emit('🚀');
      }),
      digestOf(large + '🚀'),
    );
  });
});
