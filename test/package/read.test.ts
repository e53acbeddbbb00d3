// Reading files through a Workspace: bytes and text, directories for upload_files, and
// the record of every file read that makes up the digest of the package sources.
import assert from 'node:assert/strict';
import { chmodSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWorkspace, type Workspace } from '../../lib/package/index.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { manifest, userError, writeTree } from './helpers.js';

function setup(files: Record<string, string> = {}): { base: string; app: string; open(): Workspace } {
  const base = realpathSync(tempDir('starform-read-'));
  const app = join(base, 'app');
  writeTree(base, {
    'app/kurtosis.yml': manifest('github.com/me/app', 'replace:\n  github.com/o/dep: ../dep\n'),
    'app/main.star': 'def run(plan):\n    pass\n',
    'app/lib/db.star': 'DB = 1\n',
    'app/static/index.html': '<h1>hi</h1>\n',
    'app/static/css/site.css': 'body {}\n',
    'app/static/a.txt': 'a\n',
    'app/static/bin/start.sh': '#!/bin/sh\necho start\n',
    'dep/kurtosis.yml': manifest('github.com/o/dep'),
    'dep/main.star': 'D = 1\n',
    ...files,
  });
  chmodSync(join(app, 'static', 'bin', 'start.sh'), 0o750);
  return { base, app, open: () => openWorkspace(app, { cacheDir: join(base, 'cache') }) };
}

describe('package/read', () => {
  afterEach(cleanupTempDirs);

  it('reads bytes and text', () => {
    const ws = setup().open();
    assert.deepEqual(ws.read(ws.main), Buffer.from('def run(plan):\n    pass\n'));
    assert.equal(ws.readText(ws.resolve('./lib/db.star', ws.main)), 'DB = 1\n');
  });

  it('drops a byte-order mark and refuses text that is not UTF-8', () => {
    const s = setup();
    writeFileSync(join(s.app, 'bom.txt'), Buffer.from([0xef, 0xbb, 0xbf, 0x41]));
    writeFileSync(join(s.app, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    const ws = s.open();
    assert.equal(ws.readText(ws.resolve('./bom.txt', ws.main)), 'A');
    userError(() => ws.readText(ws.resolve('./latin1.txt', ws.main)), "'latin1.txt' is not UTF-8 text");
    assert.deepEqual(ws.read(ws.resolve('./latin1.txt', ws.main)), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  });

  it('refuses to read a directory as a file', () => {
    const ws = setup().open();
    userError(() => ws.read(ws.resolve('./static', ws.main)), "'static' is a directory, not a file");
  });

  it('reads a directory as its files, sorted, with normalised modes', () => {
    const ws = setup().open();
    const files = ws.readFiles(ws.resolve('./static', ws.main));
    assert.deepEqual(
      files.map((f) => [f.path, f.bytes.toString(), f.mode.toString(8)]),
      [
        ['a.txt', 'a\n', '644'],
        ['bin/start.sh', '#!/bin/sh\necho start\n', '755'],
        ['css/site.css', 'body {}\n', '644'],
        ['index.html', '<h1>hi</h1>\n', '644'],
      ],
    );
  });

  it('reads a single file for upload under its base name', () => {
    const ws = setup().open();
    const files = ws.readFiles(ws.resolve('./static/css/site.css', ws.main));
    assert.deepEqual(
      files.map((f) => [f.path, f.bytes.toString()]),
      [['site.css', 'body {}\n']],
    );
  });

  it('records every file read under its display name', () => {
    const ws = setup().open();
    ws.readText(ws.main);
    ws.readText(ws.resolve('github.com/o/dep/main.star', ws.main));
    ws.readFiles(ws.resolve('./static/css', ws.main));
    assert.deepEqual(
      ws.sources().map((r) => r.display),
      ['github.com/o/dep/main.star', 'main.star', 'static/css/site.css'],
    );
    assert.match(ws.sources()[0]!.digest, /^sha256:[0-9a-f]{64}$/);
  });

  describe('sourcesDigest', () => {
    it('does not depend on the order or the number of reads', () => {
      const s = setup();
      const a = s.open();
      a.read(a.main);
      a.read(a.resolve('./lib/db.star', a.main));
      const b = s.open();
      b.read(b.resolve('./lib/db.star', b.main));
      b.read(b.main);
      b.read(b.main);
      assert.equal(a.sourcesDigest(), b.sourcesDigest());
      assert.match(a.sourcesDigest(), /^sha256:[0-9a-f]{64}$/);
    });

    it('changes with the content, and with the set of files read', () => {
      const s = setup();
      const read = (extra?: string): string => {
        const ws = s.open();
        ws.read(ws.main);
        if (extra) ws.read(ws.resolve(extra, ws.main));
        return ws.sourcesDigest();
      };
      const before = read();
      assert.notEqual(read('./lib/db.star'), before);
      writeFileSync(join(s.app, 'main.star'), 'def run(plan):\n    return 1\n');
      assert.notEqual(read(), before);
    });

    it('includes the name a file is read under, not only its content', () => {
      const s = setup({ 'app/lib/copy.star': 'DB = 1\n' });
      const one = s.open();
      one.read(one.resolve('./lib/db.star', one.main));
      const other = s.open();
      other.read(other.resolve('./lib/copy.star', other.main));
      assert.notEqual(one.sourcesDigest(), other.sourcesDigest());
    });

    it('is the digest of nothing when nothing was read', () => {
      const a = setup().open();
      const b = setup().open();
      assert.equal(a.sourcesDigest(), b.sourcesDigest());
      assert.deepEqual(a.sources(), []);
    });
  });
});
