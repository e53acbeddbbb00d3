// Nothing outside a package's root may be read: climbing locators, '/'-locators that look
// like file-system paths, and symbolic links that lead outside (checked on real paths,
// again at read time, and for every entry of an uploaded directory).
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWorkspace, type Workspace } from '../../lib/package/index.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { manifest, userError, writeTree } from './helpers.js';

function setup(): { base: string; app: string; open(): Workspace } {
  const base = realpathSync(tempDir('starform-confine-'));
  const app = join(base, 'app');
  writeTree(base, {
    'secret.txt': 'top secret\n',
    'outside/file.txt': 'outside\n',
    'app/kurtosis.yml': manifest('github.com/me/app'),
    'app/main.star': 'def run(plan):\n    pass\n',
    'app/lib/db.star': 'DB = 1\n',
    'app/static/index.html': 'hi\n',
  });
  return { base, app, open: () => openWorkspace(app, { cacheDir: join(base, 'cache') }) };
}

describe('package/confinement', () => {
  afterEach(cleanupTempDirs);

  it('refuses relative locators that climb out of the package', () => {
    const s = setup();
    const ws = s.open();
    userError(() => ws.resolve('../../etc/passwd', ws.main), "'../../etc/passwd' leads outside repository github.com/me/app");
    userError(() => ws.resolve('../secret.txt', ws.main), 'leads outside repository');
    userError(() => ws.resolve('./lib/../../secret.txt', ws.main), 'leads outside repository');
    userError(() => ws.resolve('../../../secret.txt', ws.resolve('./lib/db.star', ws.main)), 'leads outside repository');
    userError(() => ws.resolve('/../secret.txt', ws.main), 'leads outside repository');
  });

  it("reads '/etc/passwd' as a path inside the package, not the file system", () => {
    const s = setup();
    const ws = s.open();
    userError(
      () => ws.resolve('/etc/passwd', ws.main),
      'there is no etc/passwd in package github.com/me/app',
      "'/' locators start at the root of the repository of github.com/me/app",
    );
  });

  it('refuses a symbolic link to a file outside the package', () => {
    const s = setup();
    symlinkSync(join(s.base, 'secret.txt'), join(s.app, 'innocent.txt'));
    symlinkSync('../../secret.txt', join(s.app, 'lib', 'relative-link.txt'));
    const ws = s.open();
    userError(
      () => ws.resolve('./innocent.txt', ws.main),
      "'./innocent.txt' leads outside repository github.com/me/app",
      `it is a symbolic link to ${join(s.base, 'secret.txt')}`,
    );
    userError(() => ws.resolve('/lib/relative-link.txt', ws.main), 'leads outside repository');
  });

  it('refuses a symbolic link to a directory outside the package, and paths through it', () => {
    const s = setup();
    symlinkSync(join(s.base, 'outside'), join(s.app, 'data'));
    const ws = s.open();
    userError(() => ws.resolve('./data', ws.main), 'leads outside repository');
    userError(() => ws.resolve('./data/file.txt', ws.main), 'leads outside repository');
  });

  it('refuses a main.star that links outside', () => {
    const s = setup();
    rmSync(join(s.app, 'main.star'));
    writeFileSync(join(s.base, 'evil.star'), 'def run(plan):\n    pass\n');
    symlinkSync(join(s.base, 'evil.star'), join(s.app, 'main.star'));
    userError(() => s.open(), "'main.star' leads outside repository github.com/me/app");
  });

  it('explains dangling symbolic links and loops', () => {
    const s = setup();
    symlinkSync('nowhere.txt', join(s.app, 'dangling.txt'));
    symlinkSync('loop-b', join(s.app, 'loop-a'));
    symlinkSync('loop-a', join(s.app, 'loop-b'));
    const ws = s.open();
    userError(() => ws.resolve('./dangling.txt', ws.main), "'./dangling.txt' is a symbolic link to nowhere.txt, which does not exist");
    userError(() => ws.resolve('./loop-a', ws.main), 'loop of symbolic links');
  });

  it('checks again at read time (a file swapped for a link after resolving)', () => {
    const s = setup();
    const ws = s.open();
    const db = ws.resolve('./lib/db.star', ws.main);
    rmSync(db.abs);
    symlinkSync(join(s.base, 'secret.txt'), db.abs);
    userError(() => ws.read(db), "'lib/db.star' leads outside repository");
  });

  it('refuses links leading outside from inside an uploaded directory', () => {
    const s = setup();
    symlinkSync(join(s.base, 'secret.txt'), join(s.app, 'static', 'secret.txt'));
    const ws = s.open();
    const dir = ws.resolve('./static', ws.main);
    userError(() => ws.readFiles(dir), "'static/secret.txt' leads outside repository github.com/me/app");
  });

  it('refuses a directory link to its own parent inside an uploaded directory', () => {
    const s = setup();
    mkdirSync(join(s.app, 'static', 'sub'));
    symlinkSync('..', join(s.app, 'static', 'sub', 'up'));
    const ws = s.open();
    userError(() => ws.readFiles(ws.resolve('./static', ws.main)), "'static/sub/up' is a symbolic link to one of its own parent directories");
  });

  it('confines dependency packages to their own root too', () => {
    const s = setup();
    writeTree(s.base, {
      'dep/kurtosis.yml': manifest('github.com/o/dep'),
      'dep/main.star': '',
    });
    symlinkSync(join(s.app, 'lib', 'db.star'), join(s.base, 'dep', 'borrowed.star'));
    writeTree(s.app, { 'kurtosis.yml': manifest('github.com/me/app', 'replace:\n  github.com/o/dep: ../dep\n') });
    const ws = s.open();
    userError(() => ws.resolve('github.com/o/dep/borrowed.star', ws.main), "'github.com/o/dep/borrowed.star' leads outside repository github.com/o/dep");
    const depMain = ws.resolve('github.com/o/dep/main.star', ws.main);
    userError(() => ws.resolve('../app/main.star', depMain), 'leads outside repository github.com/o/dep');
  });

  it('follows a package directory that is itself a symbolic link', () => {
    const s = setup();
    symlinkSync(s.app, join(s.base, 'app-link'));
    const ws = openWorkspace(join(s.base, 'app-link'), { cacheDir: join(s.base, 'cache') });
    assert.equal(ws.root.dir, s.app);
    assert.equal(ws.readText(ws.resolve('./lib/db.star', ws.main)), 'DB = 1\n');
  });
});
