// The views of `port` (lib/render/port-view.ts) and `files inspect | download`
// (lib/render/files-view.ts), each form on string buffers: no process, no state, no
// engine. The texts expected are the bytes the commands printed before they had views
// (JSON: formatJson of the documents they wrote, keys sorted).
import assert from 'node:assert/strict';
import type { ServiceStatusRow } from '../../lib/apply/index.js';
import { filesDownloadedView, filesInspectView } from '../../lib/render/files-view.js';
import { portView } from '../../lib/render/port-view.js';
import { show } from '../../lib/render/view.js';
import { formatJson } from '../../lib/util/json.js';
import { bufferStreams as streams } from './buffer-streams.js';

const ports: ServiceStatusRow['ports'] = [
  { id: 'http', number: 80, transportProtocol: 'TCP', applicationProtocol: 'http', hostAddress: '127.0.0.1:32849', hostUrl: 'http://127.0.0.1:32849' },
  { id: 'metrics-udp', number: 9125, transportProtocol: 'UDP', applicationProtocol: null, hostAddress: null, hostUrl: null },
  { id: 'x\u001b[31m', number: 1, transportProtocol: 'TCP', applicationProtocol: null, hostAddress: '127.0.0.1:1', hostUrl: null },
];

describe('views of port and files', () => {
  it('port SERVICE: one line per port, ids padded and escaped, unpublished ones said so', () => {
    const s = streams();
    show(portView, { service: 'web', ports }, s, false);
    const lines = s.out.text.split('\n');
    assert.equal(lines.length, 4);
    assert.equal(lines[0], 'http         127.0.0.1:32849  http://127.0.0.1:32849');
    assert.equal(lines[1], 'metrics-udp  (not published)');
    assert.doesNotMatch(s.out.text, /\u001b/);
    assert.equal(lines[3], '');
    assert.equal(s.err.text, '');
  });

  it('port SERVICE ID: the host address alone, for scripts', () => {
    const s = streams();
    show(portView, { service: 'web', ports: [ports[0]!], only: 'http' }, s, false);
    assert.equal(s.out.text, '127.0.0.1:32849\n');
  });

  it('port --json: the service and its ports, unpublished ones with null addresses', () => {
    const s = streams();
    show(portView, { service: 'web', ports: ports.slice(0, 2), only: undefined }, s, true);
    assert.equal(
      s.out.text,
      formatJson({
        format_version: 1,
        service: 'web',
        ports: [
          { id: 'http', number: 80, transport_protocol: 'TCP', host_address: '127.0.0.1:32849', host_url: 'http://127.0.0.1:32849' },
          { id: 'metrics-udp', number: 9125, transport_protocol: 'UDP', host_address: null, host_url: null },
        ],
      }),
    );
  });

  it('files inspect: sizes right-aligned, paths escaped, a total line; --json: the files and their total', () => {
    const files = [
      { path: 'index.html', size: 372 },
      { path: 'big/blob.bin', size: 3 * 1024 * 1024 },
      { path: 'evil\u0007', size: 0 },
    ];
    const s = streams();
    show(filesInspectView, { name: 'site', files }, s, false);
    assert.equal(s.out.text.split('\n')[0], '  372 B  index.html');
    assert.equal(s.out.text.split('\n')[1], '3.0 MiB  big/blob.bin');
    assert.doesNotMatch(s.out.text, /\u0007/);
    assert.match(s.out.text, /\n3 files, 3\.0 MiB\n$/);
    const one = streams();
    show(filesInspectView, { name: 'site', files: files.slice(0, 1) }, one, false);
    assert.equal(one.out.text, '372 B  index.html\n1 file, 372 B\n');
    const json = streams();
    show(filesInspectView, { name: 'site', files: files.slice(0, 2) }, json, true);
    assert.equal(json.out.text, formatJson({ format_version: 1, name: 'site', files: files.slice(0, 2), total_size: 372 + 3 * 1024 * 1024 }));
  });

  it('files download: how many files were written where', () => {
    const s = streams();
    show(filesDownloadedView, { name: 'site', count: 1, dir: 'out/site' }, s, false);
    assert.equal(s.out.text, "Wrote 1 file of files artifact 'site' under out/site\n");
    const many = streams();
    show(filesDownloadedView, { name: 'si\nte', count: 2, dir: 'o' }, many, false);
    assert.doesNotMatch(many.out.text, /si\nte/);
    assert.match(many.out.text, /^Wrote 2 files of files artifact /);
  });
});
