// Demultiplexing Docker's framed stdout/stderr stream, including frames split across
// chunks at every possible position and a stream that is not framed at all (a TTY).

import assert from 'node:assert/strict';
import { demuxDockerStream, DockerStreamDemuxer } from '../../lib/docker/docker-stream.js';

function frame(kind: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('docker runtime: stream demultiplexing', () => {
  const data = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err\n'), frame(1, 'out two\n'), frame(1, '')]);

  it('separates stdout and stderr and keeps their interleaving', () => {
    const result = demuxDockerStream(data);
    assert.equal(result.stdout.toString(), 'out one\nout two\n');
    assert.equal(result.stderr.toString(), 'err\n');
    assert.equal(result.combined.toString(), 'out one\nerr\nout two\n');
  });

  it('handles frames split at any byte', () => {
    for (let cut = 1; cut < data.length; cut++) {
      const demuxer = new DockerStreamDemuxer();
      demuxer.push(data.subarray(0, cut));
      demuxer.push(data.subarray(cut));
      assert.equal(demuxer.result().combined.toString(), 'out one\nerr\nout two\n', `cut at ${cut}`);
    }
    const bytewise = new DockerStreamDemuxer();
    for (const byte of data) bytewise.push(Uint8Array.of(byte));
    assert.equal(bytewise.result().stderr.toString(), 'err\n');
  });

  it('passes an unframed (TTY) stream through as stdout', () => {
    const result = demuxDockerStream(Buffer.from('plain text\n'));
    assert.equal(result.stdout.toString(), 'plain text\n');
    assert.equal(result.combined.toString(), 'plain text\n');
  });
});
