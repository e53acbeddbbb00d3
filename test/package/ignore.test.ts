// .kurtosisignore, as Kurtosis's path compression applies it: the directory upload_files
// stores (or an image build context) leaves out what its own .kurtosisignore names, and
// the root package leaves out what its .kurtosisignore names (the Kurtosis CLI uploads the
// package packed), so those files can be neither read nor uploaded. Patterns: Go
// filepath.Match syntax, trailing '/' for directories only, a '/' in the pattern for a
// path from the top.
import assert from 'node:assert/strict';
import { IgnoreRules } from '../../lib/package/ignore.js';
import { openWorkspace } from '../../lib/package/index.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { manifest, userError, writeTree } from './helpers.js';

describe('package: .kurtosisignore', () => {
  afterEach(cleanupTempDirs);

  it('matches as Kurtosis does', () => {
    const r = IgnoreRules.parse('# comment\n\n*.tmp\n.git/\nstatic_files/erigon\nb?d\n[ab]x.log\n[bad\n');
    assert.ok(r.matches('x.tmp', false));
    assert.ok(r.matches('deep/down/x.tmp', false), 'no slash: any component');
    assert.ok(r.matches('.git', true));
    assert.ok(!r.matches('.git', false), 'trailing slash: directories only');
    assert.ok(r.matches('static_files/erigon', true));
    assert.ok(!r.matches('other/static_files/erigon', true), 'with a slash: from the top');
    assert.ok(r.matches('bad', false) && r.matches('bid', false) && !r.matches('bd', false));
    assert.ok(r.matches('ax.log', false) && !r.matches('cx.log', false));
    assert.ok(!r.matches('[bad', false), 'a malformed pattern matches nothing');
    assert.ok(r.excludes('.git/objects/pack', false), 'everything below an ignored directory');
  });

  it("leaves out what an uploaded directory's .kurtosisignore names", () => {
    const dir = writeTree(tempDir('starform-ignore-'), {
      'kurtosis.yml': manifest('github.com/o/ign'),
      'main.star': '',
      'static/.kurtosisignore': '*.swp\ncache/\n',
      'static/index.html': 'hi\n',
      'static/index.html.swp': 'junk\n',
      'static/cache/blob': 'junk\n',
      'static/sub/keep.txt': 'kept\n',
    });
    const ws = openWorkspace(dir);
    const files = ws.readFiles(ws.resolve('./static', ws.main)).map((f) => f.path);
    assert.deepEqual(files, ['.kurtosisignore', 'index.html', 'sub/keep.txt']);
  });

  it('leaves out of the root package what its .kurtosisignore names', () => {
    const dir = writeTree(tempDir('starform-ignore-'), {
      'kurtosis.yml': manifest('github.com/o/ign'),
      'main.star': '',
      '.kurtosisignore': 'secrets/\nconfig/local.yaml\n',
      'secrets/token': 't0ps3cret\n',
      'config/local.yaml': 'x: 1\n',
      'config/shared.yaml': 'y: 2\n',
    });
    const ws = openWorkspace(dir);
    userError(() => ws.resolve('./secrets/token', ws.main), 'left out of package github.com/o/ign by its .kurtosisignore');
    userError(() => ws.resolve('config/local.yaml', ws.main), '.kurtosisignore');
    assert.deepEqual(
      ws.readFiles(ws.resolve('./config', ws.main)).map((f) => f.path),
      ['shared.yaml'],
    );
    assert.deepEqual(
      ws
        .readFiles(ws.resolve('/', ws.main))
        .map((f) => f.path)
        .sort(),
      ['.kurtosisignore', 'config/shared.yaml', 'kurtosis.yml', 'main.star'],
    );
  });
});
