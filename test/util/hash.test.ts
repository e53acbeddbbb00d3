import assert from 'node:assert/strict';
import { digestHex, digestOf, isDigest, jsonDigest, matchesJsonDigest, sha256Hex } from '../../lib/util/hash.js';

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

  it('checks a value against a digest whatever the order of its keys', () => {
    const digest = jsonDigest({ a: 1, b: { c: [1, { d: 2, e: 3 }] } });
    assert.ok(matchesJsonDigest(JSON.parse('{"a":1,"b":{"c":[1,{"d":2,"e":3}]}}'), digest));
    assert.ok(matchesJsonDigest(JSON.parse('{"b":{"c":[1,{"e":3,"d":2}]},"a":1}'), digest), 'reordered by hand');
    assert.ok(!matchesJsonDigest(JSON.parse('{"a":1,"b":{"c":[1,{"d":2,"e":4}]}}'), digest), 'edited');
    assert.ok(matchesJsonDigest({ '0': 1, '': 2 }, jsonDigest({ '': 2, '0': 1 })), 'array-index keys');
  });

  it('recognizes digests', () => {
    assert.ok(isDigest(digestOf('')));
    assert.ok(!isDigest('sha256:ABC'));
    assert.ok(!isDigest(sha256Hex('')));
  });
});
