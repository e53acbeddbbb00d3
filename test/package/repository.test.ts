// Locators inside a repository, as Kurtosis resolves them: a bare relative path
// (`templates/x`) is relative to the calling module; `/x` starts at the repository root,
// which for a package at github.com/o/r/pkgs/app is two directories up; `..` may leave a
// package for another package (or a plain directory) of the same repository, but never
// the repository; files outside every package can be uploaded but not read.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWorkspace } from '../../lib/package/index.js';
import { makePlan } from '../../lib/plan/index.js';
import { emptyState } from '../../lib/state/index.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { manifest, userError, writeTree } from './helpers.js';

function monorepo(): { repo: string; app: string } {
  const repo = tempDir('starform-mono-');
  writeTree(repo, {
    'README.md': 'the repository\n',
    'shared/banner.txt': 'no package here\n',
    'pkgs/app/kurtosis.yml': manifest('github.com/o/mono/pkgs/app'),
    'pkgs/app/main.star': 'def run(plan):\n    pass\n',
    'pkgs/app/lib/helpers.star': 'NAME = read_file("templates/name.txt")\n',
    'pkgs/app/lib/templates/name.txt': 'from lib\n',
    'pkgs/app/templates/name.txt': 'from the package root\n',
    'pkgs/lib/kurtosis.yml': manifest('github.com/o/mono/pkgs/lib'),
    'pkgs/lib/util.star': 'U = 1\n',
  });
  return { repo, app: join(repo, 'pkgs', 'app') };
}

describe('package: locators inside a repository', () => {
  afterEach(cleanupTempDirs);

  it('reads a bare relative path beside the calling module', () => {
    const { app } = monorepo();
    const ws = openWorkspace(app);
    const helpers = ws.resolve('lib/helpers.star', ws.main);
    assert.equal(helpers.display, 'lib/helpers.star');
    assert.equal(ws.readText(ws.resolve('templates/name.txt', helpers)), 'from lib\n');
    assert.equal(ws.readText(ws.resolve('templates/name.txt', ws.main)), 'from the package root\n');
  });

  it('starts /x at the repository root', () => {
    const { app } = monorepo();
    const ws = openWorkspace(app);
    const util = ws.resolve('/pkgs/lib/util.star', ws.main);
    assert.equal(util.display, 'github.com/o/mono/pkgs/lib/util.star');
    assert.equal(util.pkg.name, 'github.com/o/mono/pkgs/lib');
    assert.equal(ws.resolve('/pkgs/app/templates/name.txt', ws.main).display, 'templates/name.txt');
  });

  it('lets .. leave the package but not the repository', () => {
    const { app } = monorepo();
    const ws = openWorkspace(app);
    assert.equal(ws.resolve('../lib/util.star', ws.main).pkg.name, 'github.com/o/mono/pkgs/lib');
    userError(() => ws.resolve('../../../elsewhere.txt', ws.main), 'leads outside repository github.com/o/mono');
    userError(() => ws.resolve('/../x', ws.main), 'leads outside repository');
  });

  it('uploads files outside every package, but reads only files of packages', () => {
    const { app } = monorepo();
    const ws = openWorkspace(app);
    const banner = ws.resolve('/shared/banner.txt', ws.main);
    assert.equal(banner.display, 'github.com/o/mono/shared/banner.txt');
    assert.deepEqual(
      ws.readFiles(banner).map((f) => f.bytes.toString()),
      ['no package here\n'],
    );
    userError(() => ws.read(banner), 'is in no Kurtosis package', 'from Kurtosis packages only');
  });

  it('keeps a package whose directories do not match its name to its own directory', () => {
    const dir = tempDir('starform-lone-');
    writeTree(dir, { 'kurtosis.yml': manifest('github.com/o/mono/pkgs/app'), 'main.star': 'def run(plan):\n    pass\n' });
    const ws = openWorkspace(dir);
    userError(() => ws.resolve('../lib/util.star', ws.main), 'leads outside repository github.com/o/mono');
  });

  it('plans a package that reads templates with bare relative paths (read_file, upload_files)', () => {
    const dir = tempDir('starform-bare-');
    writeTree(dir, {
      'kurtosis.yml': manifest('github.com/o/bare'),
      'main.star':
        'lib = import_module("src/lib.star")\n\ndef run(plan):\n    plan.print(msg = lib.TEXT)\n    plan.upload_files(src = "static", name = "static")\n',
      'src/lib.star': 'TEXT = read_file("conf/app.conf")\n',
      'src/conf/app.conf': 'port = 80\n',
      'static/index.html': '<p>hi</p>\n',
    });
    writeFileSync(join(dir, 'unused.txt'), '');
    const r = makePlan({ dir, args: {}, state: emptyState() });
    assert.deepEqual(r.problems, []);
    assert.equal(r.plan?.instructions[0]?.args['msg'], 'port = 80\n');
    assert.equal(r.plan?.instructions[1]?.args['src'], 'static');
  });
});
