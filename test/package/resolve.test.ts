// Locator resolution through a Workspace: every locator form, the order in which the root
// package, `replace:`, `--package` and the package cache are consulted, which package a
// file belongs to, and the messages for what cannot be found.
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openWorkspace, parsePackageFlags, type ModuleRef, type Workspace, type WorkspaceOptions } from '../../lib/package/index.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { manifest, userError, writeTree } from './helpers.js';

interface Setup {
  readonly base: string;
  readonly app: string;
  readonly cache: string;
  open(options?: WorkspaceOptions): Workspace;
}

/** <base>/app: github.com/me/app, with modules, a static dir and an (unused) cache. */
function setup(appManifest = manifest('github.com/me/app'), extra: Record<string, string> = {}): Setup {
  const base = realpathSync(tempDir('starform-pkg-'));
  const app = join(base, 'app');
  const cache = join(base, 'cache');
  mkdirSync(cache);
  writeTree(app, {
    'kurtosis.yml': appManifest,
    'main.star': 'def run(plan):\n    pass\n',
    'lib/db.star': 'DB = 1\n',
    'lib/sub/x.star': 'X = 1\n',
    'static/index.html': '<h1>hi</h1>\n',
    'static/css/site.css': 'body {}\n',
  });
  writeTree(base, extra);
  return { base, app, cache, open: (options = {}) => openWorkspace(app, { cacheDir: cache, ...options }) };
}

const dep = (name: string, files: Record<string, string> = {}): Record<string, string> => ({
  'kurtosis.yml': manifest(name),
  'main.star': 'def run(plan):\n    pass\n',
  ...files,
});

function prefixed(prefix: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [`${prefix}/${k}`, v]));
}

function brief(ref: ModuleRef): { display: string; path: string; kind: string; pkg: string } {
  return { display: ref.display, path: ref.path, kind: ref.kind, pkg: ref.pkg.name };
}

describe('package/resolve', () => {
  afterEach(cleanupTempDirs);

  describe('the root package', () => {
    it('opens main.star and names it by its path', () => {
      const s = setup();
      const ws = s.open();
      assert.deepEqual(brief(ws.main), { display: 'main.star', path: 'main.star', kind: 'file', pkg: 'github.com/me/app' });
      assert.equal(ws.main.abs, join(s.app, 'main.star'));
      assert.equal(ws.root.dir, s.app);
      assert.equal(ws.root.manifest, join(s.app, 'kurtosis.yml'));
      assert.equal(ws.cacheDir, s.cache);
    });

    it("resolves './' and '../' against the calling module's directory", () => {
      const ws = setup().open();
      const db = ws.resolve('./lib/db.star', ws.main);
      assert.deepEqual(brief(db), { display: 'lib/db.star', path: 'lib/db.star', kind: 'file', pkg: 'github.com/me/app' });
      const x = ws.resolve('./sub/x.star', db);
      assert.equal(x.display, 'lib/sub/x.star');
      assert.equal(ws.resolve('../db.star', x).display, 'lib/db.star');
      assert.equal(ws.resolve('../../main.star', x).display, 'main.star');
      assert.equal(ws.resolve('./lib/../lib/db.star', ws.main).display, 'lib/db.star');
    });

    it("resolves '/' against the package root", () => {
      const ws = setup().open();
      const x = ws.resolve('./lib/sub/x.star', ws.main);
      assert.equal(ws.resolve('/lib/db.star', x).display, 'lib/db.star');
      assert.equal(ws.resolve('/main.star', x).display, 'main.star');
    });

    it('resolves directories, including the package root itself', () => {
      const ws = setup().open();
      assert.deepEqual(brief(ws.resolve('./static', ws.main)), { display: 'static', path: 'static', kind: 'directory', pkg: 'github.com/me/app' });
      assert.equal(ws.resolve('./static/', ws.main).path, 'static');
      assert.deepEqual(brief(ws.resolve('/', ws.main)), { display: '.', path: '', kind: 'directory', pkg: 'github.com/me/app' });
      assert.equal(ws.resolve('.', ws.main).display, '.');
      const css = ws.resolve('./css/site.css', ws.resolve('./static', ws.main));
      assert.equal(css.display, 'static/css/site.css', 'relative to a directory ref is relative to that directory');
    });

    it('accepts absolute locators into the root package, with a warning and any version ignored', () => {
      const ws = setup().open();
      const db = ws.resolve('github.com/me/app/lib/db.star', ws.main);
      assert.deepEqual(brief(db), { display: 'lib/db.star', path: 'lib/db.star', kind: 'file', pkg: 'github.com/me/app' });
      assert.match(db.warning ?? '', /absolute locator.*write '\/lib\/db\.star'/);
      assert.equal(ws.resolve('github.com/me/app/lib/db.star@v2', ws.main).display, 'lib/db.star');
      assert.equal(ws.resolve('github.com/me/app@v2/lib/db.star', ws.main).display, 'lib/db.star');
      assert.equal(ws.resolve('./lib/db.star', ws.main).warning, undefined);
    });

    it('works without kurtosis.yml: a derived name, relative locators inside the directory', () => {
      const base = tempDir();
      const dir = writeTree(join(base, 'scratch'), { 'main.star': 'def run(plan):\n    pass\n', 'lib.star': 'A = 1\n' });
      const ws = openWorkspace(dir, { cacheDir: base });
      assert.equal(ws.root.name, 'local/scratch');
      assert.equal(ws.root.manifest, null);
      assert.equal(ws.resolve('./lib.star', ws.main).display, 'lib.star');
      assert.equal(ws.resolve('/lib.star', ws.main).display, 'lib.star');
      userError(() => ws.resolve('github.com/a/b/c.star', ws.main), 'cannot find package github.com/a/b', "add a 'replace:' entry");
    });

    it('opens a .star file as the main file of its directory', () => {
      const s = setup();
      const ws = openWorkspace(join(s.app, 'lib', 'db.star'), { cacheDir: s.cache });
      assert.equal(ws.main.display, 'db.star');
      assert.equal(ws.root.name, 'local/lib');
      userError(() => openWorkspace(join(s.app, 'main.star'), { mainFile: 'x.star' }), 'main file was given twice');
    });

    it('takes another main file relative to the package root', () => {
      const s = setup();
      assert.equal(s.open({ mainFile: 'lib/db.star' }).main.display, 'lib/db.star');
      userError(() => s.open({ mainFile: '../x.star' }), 'must be a path inside the package directory');
    });

    it('says clearly when the package or its main.star is missing', () => {
      const s = setup();
      userError(() => openWorkspace(join(s.base, 'nope')), `${join(s.base, 'nope')}: package directory not found`);
      const empty = join(s.base, 'empty');
      mkdirSync(empty);
      userError(() => openWorkspace(empty), `no main.star in the package directory ${empty}`, 'entry point');
      userError(() => s.open({ mainFile: 'other.star' }), `no other.star in the package directory ${s.app}`);
      userError(() => s.open({ mainFile: 'lib' }), 'no lib in the package directory');
    });

    it('fails on an invalid root kurtosis.yml, naming the file', () => {
      const s = setup('name: not-a-locator\n');
      userError(() => s.open(), `${join(s.app, 'kurtosis.yml')}:1:7: 'name': invalid locator 'not-a-locator'`);
    });

    it("refuses a kurtosis.yml with an unknown key, the root's or a dependency's", () => {
      userError(() => setup(manifest('github.com/me/app', 'replaces: {}\n')).open(), "unknown key 'replaces'");
      const s = setup(manifest('github.com/me/app', 'replace:\n  github.com/o/dep: ../dep\n'), {
        'dep/kurtosis.yml': 'name: github.com/o/dep\nversion: 2\n',
        'dep/main.star': '',
      });
      const ws = s.open();
      userError(() => ws.resolve('github.com/o/dep/main.star', ws.main), "unknown key 'version'");
    });

    it('reports files that do not exist, naming the locator and the package', () => {
      const s = setup();
      const ws = s.open();
      userError(() => ws.resolve('./lib/missing.star', ws.main), `'./lib/missing.star' not found: there is no lib/missing.star in package github.com/me/app`);
      userError(() => ws.resolve('github.com/me/app/nope.star', ws.main), "'github.com/me/app/nope.star' not found");
      userError(() => ws.resolve('./lib/db.star/x', ws.main), 'not found');
    });
  });

  describe('other packages', () => {
    it('follows a local replace: relative to the root kurtosis.yml, files named by locator', () => {
      const s = setup(
        manifest('github.com/me/app', 'replace:\n  github.com/other/dep: ../dep\n'),
        prefixed('dep', dep('github.com/other/dep', { 'lib/util.star': 'U = 1\n', 'lib/more.star': 'M = 1\n' })),
      );
      const ws = s.open();
      const util = ws.resolve('github.com/other/dep/lib/util.star', ws.main);
      assert.deepEqual(brief(util), { display: 'github.com/other/dep/lib/util.star', path: 'lib/util.star', kind: 'file', pkg: 'github.com/other/dep' });
      assert.equal(util.pkg.dir, join(s.base, 'dep'));
      assert.equal(util.warning, undefined);
      assert.equal(ws.resolve('./more.star', util).display, 'github.com/other/dep/lib/more.star');
      assert.equal(ws.resolve('/main.star', util).display, 'github.com/other/dep/main.star');
      assert.equal(ws.resolve('github.com/other/dep', ws.main).display, 'github.com/other/dep');
      assert.equal(ws.resolve('github.com/other/dep', ws.main).kind, 'directory');
      assert.equal(ws.resolve('github.com/other/dep/lib/util.star@1.0.0', ws.main).pkg, util.pkg, 'versions are ignored, the package object is shared');
      userError(() => ws.resolve('../../app/main.star', util), "'../../app/main.star' leads outside repository github.com/other/dep");
    });

    it('uses the longest replace key, on whole segments', () => {
      const s = setup(manifest('github.com/me/app', 'replace:\n  github.com/o/mono: ../mono-a\n  github.com/o/mono/sub: ../sub-b\n'), {
        ...prefixed('mono-a', dep('github.com/o/mono', { 'subway/x.star': '', 'sub/x.star': '' })),
        ...prefixed('sub-b', dep('github.com/o/mono/sub', { 'x.star': '' })),
      });
      const ws = s.open();
      const sub = ws.resolve('github.com/o/mono/sub/x.star', ws.main);
      assert.equal(sub.abs, join(s.base, 'sub-b', 'x.star'));
      assert.equal(sub.pkg.name, 'github.com/o/mono/sub');
      assert.equal(ws.resolve('github.com/o/mono/subway/x.star', ws.main).abs, join(s.base, 'mono-a', 'subway', 'x.star'));
    });

    it('consults replace, then --package, then the cache', () => {
      const files = (tag: string) => dep('github.com/o/lib', { 'which.star': `WHICH = "${tag}"\n` });
      const s = setup(manifest('github.com/me/app', 'replace:\n  github.com/o/lib: ../from-replace\n'), {
        ...prefixed('from-replace', files('replace')),
        ...prefixed('from-flag', files('flag')),
        ...prefixed('cache/github.com/o/lib', files('cache')),
      });
      const packages = { 'github.com/o/lib': join(s.base, 'from-flag') };
      const which = (ws: Workspace) => ws.readText(ws.resolve('github.com/o/lib/which.star', ws.main)).trim();
      assert.equal(which(s.open({ packages })), 'WHICH = "replace"');
      writeTree(s.app, { 'kurtosis.yml': manifest('github.com/me/app') });
      assert.equal(which(s.open({ packages })), 'WHICH = "flag"');
      assert.equal(which(s.open()), 'WHICH = "cache"');
    });

    it('applies a locator replace, then looks the new locator up (its version picks a cache directory)', () => {
      const s = setup(manifest('github.com/me/app', 'replace:\n  github.com/up/pg: github.com/me/pg@1.2.3\n'), {
        ...prefixed('cache/github.com/me/pg', dep('github.com/me/pg', { 'v.star': 'V = "default"\n' })),
        ...prefixed('cache/github.com/me/pg@1.2.3', dep('github.com/me/pg', { 'v.star': 'V = "1.2.3"\n' })),
        ...prefixed('cache/github.com/me/other', dep('github.com/me/other', { 'v.star': 'V = "other"\n' })),
      });
      const ws = s.open();
      const v = ws.resolve('github.com/up/pg/v.star', ws.main);
      assert.equal(v.display, 'github.com/me/pg/v.star');
      assert.equal(ws.readText(v), 'V = "1.2.3"\n');
      assert.equal(ws.readText(ws.resolve('github.com/me/other/v.star@9.9', ws.main)), 'V = "other"\n', 'no versioned copy: the plain one serves');
      assert.equal(ws.readText(ws.resolve('github.com/me/pg/v.star', ws.main)), 'V = "default"\n');
    });

    it('maps --package prefixes, longest first, relative to the current directory', () => {
      const s = setup(manifest('github.com/me/app'), {
        ...prefixed('a', dep('github.com/o/r', { 'x.star': '' })),
        ...prefixed('b', dep('github.com/o/r/pkgs/b', { 'x.star': '' })),
      });
      const cwd = process.cwd();
      process.chdir(s.base);
      try {
        const ws = s.open({ packages: parsePackageFlags(['github.com/o/r=a', 'github.com/o/r/pkgs/b=./b']) });
        assert.equal(ws.resolve('github.com/o/r/x.star', ws.main).abs, join(s.base, 'a', 'x.star'));
        const b = ws.resolve('github.com/o/r/pkgs/b/x.star', ws.main);
        assert.equal(b.abs, join(s.base, 'b', 'x.star'));
        assert.equal(b.display, 'github.com/o/r/pkgs/b/x.star');
      } finally {
        process.chdir(cwd);
      }
    });

    it('checks --package values', () => {
      const s = setup();
      userError(() => parsePackageFlags(['github.com/o/r']), '--package expects LOCATOR=DIR', "got 'github.com/o/r'");
      userError(() => parsePackageFlags(['=x']), 'LOCATOR=DIR');
      userError(() => parsePackageFlags(['github.com/o/r=a', 'github.com/o/r=b']), 'given twice');
      userError(() => s.open({ packages: { 'github.com/o/r@v1': s.base } }), '--package github.com/o/r@v1=', "no '@version'", 'serves every version');
      userError(() => s.open({ packages: { 'github.com/o': s.base } }), 'at least github.com/<owner>/<repo>');
      userError(() => s.open({ packages: { 'github.com/o/r': join(s.base, 'nope') } }), `${join(s.base, 'nope')} does not exist`);
      userError(() => s.open({ packages: { 'github.com/o/r': join(s.app, 'main.star') } }), 'is not a directory');
    });

    it('finds the package of a file in the cache: the nearest kurtosis.yml above it', () => {
      const s = setup(manifest('github.com/me/app'), {
        ...prefixed('cache/github.com/o/mono', {
          'kurtosis.yml': manifest('github.com/o/mono'),
          'README.md': 'mono\n',
          'top.star': '',
          ...prefixed('pkgs/a', dep('github.com/o/mono/pkgs/a', { 'lib/x.star': '' })),
        }),
      });
      const ws = s.open();
      const x = ws.resolve('github.com/o/mono/pkgs/a/lib/x.star', ws.main);
      assert.deepEqual(brief(x), { display: 'github.com/o/mono/pkgs/a/lib/x.star', path: 'lib/x.star', kind: 'file', pkg: 'github.com/o/mono/pkgs/a' });
      assert.equal(ws.resolve('github.com/o/mono/top.star', ws.main).pkg.name, 'github.com/o/mono');
      const readme = ws.resolve('../../../README.md', x);
      assert.deepEqual(
        brief(readme),
        { display: 'github.com/o/mono/README.md', path: 'README.md', kind: 'file', pkg: 'github.com/o/mono' },
        '.. leaves a package within its repository',
      );
      userError(() => ws.resolve('../../../../README.md', x), 'leads outside repository github.com/o/mono');
      userError(() => ws.resolve('github.com/o/mono/pkgs/a/lib/nope.star', ws.main), 'not found', 'in package github.com/o/mono/pkgs/a');
    });

    it('refuses files that are in no package', () => {
      const s = setup(manifest('github.com/me/app'), { 'cache/github.com/o/plain/x.star': '' });
      const ws = s.open();
      userError(() => ws.resolve('github.com/o/plain/x.star', ws.main), 'not inside a Kurtosis package', 'no kurtosis.yml');
    });

    it("honours only the root package's replace", () => {
      const s = setup(manifest('github.com/me/app', 'replace:\n  github.com/o/dep: ../dep\n'), {
        ...prefixed('dep', { 'kurtosis.yml': manifest('github.com/o/dep', 'replace:\n  github.com/o/third: ../third\n'), 'main.star': '' }),
        ...prefixed('third', dep('github.com/o/third')),
      });
      const ws = s.open();
      const depMain = ws.resolve('github.com/o/dep/main.star', ws.main);
      assert.deepEqual(depMain.pkg.replace, { 'github.com/o/third': '../third' });
      userError(() => ws.resolve('github.com/o/third/main.star', depMain), 'cannot find package github.com/o/third');
    });

    it('explains how to provide a package that is nowhere', () => {
      const s = setup();
      const ws = s.open();
      const e = userError(
        () => ws.resolve('github.com/o/missing/main.star', ws.main),
        "cannot find package github.com/o/missing for 'github.com/o/missing/main.star'",
        'does not download',
        `to ${join(s.app, 'kurtosis.yml')}`,
        '--package github.com/o/missing=DIR',
        join(s.cache, 'github.com', 'o', 'missing'),
      );
      assert.equal(e.location, undefined, 'the caller adds the Starlark position');
    });

    it('says which replace entry leads nowhere', () => {
      const s = setup(manifest('github.com/me/app', 'replace:\n  github.com/o/gone: ../gone\n  github.com/o/moved: github.com/o/elsewhere\n'));
      const ws = s.open();
      userError(
        () => ws.resolve('github.com/o/gone/main.star', ws.main),
        `kurtosis.yml:3:3 (github.com/o/gone: ../gone) maps github.com/o/gone to ${join(s.base, 'gone')}, which does not exist`,
      );
      userError(
        () => ws.resolve('github.com/o/moved/main.star', ws.main),
        'cannot find package github.com/o/elsewhere',
        'replaced by github.com/o/elsewhere/main.star through github.com/o/moved',
      );
    });

    it("reports a dependency's broken kurtosis.yml at its position", () => {
      const s = setup(manifest('github.com/me/app', 'replace:\n  github.com/o/bad: ../bad\n'), {
        'bad/kurtosis.yml': 'name: [\n',
        'bad/main.star': '',
      });
      const ws = s.open();
      const e = userError(() => ws.resolve('github.com/o/bad/main.star', ws.main), 'not valid YAML');
      assert.equal(e.location?.file, join(s.base, 'bad', 'kurtosis.yml'));
    });

    it('refuses malformed locators', () => {
      const ws = setup().open();
      userError(() => ws.resolve('https://github.com/o/r/main.star', ws.main), 'no scheme');
      userError(() => ws.resolve('https://example.com/x.star', ws.main), 'is a URL: only upload_files downloads files');
      userError(() => ws.resolve('', ws.main), 'empty');
    });
  });

  it('gives the same package object for every file of a package', () => {
    const s = setup(manifest('github.com/me/app', 'replace:\n  github.com/o/dep: ../dep\n'), prefixed('dep', dep('github.com/o/dep', { 'a.star': '' })));
    const ws = s.open();
    const a = ws.resolve('github.com/o/dep/a.star', ws.main);
    assert.equal(ws.resolve('./main.star', a).pkg, a.pkg);
    assert.equal(ws.resolve('./lib/db.star', ws.main).pkg, ws.root);
    assert.equal(basename(a.pkg.dir), 'dep');
  });

  it('refuses refs from another workspace', () => {
    const s = setup();
    const other = s.open();
    assert.throws(() => s.open().read(other.main), /does not come from this workspace/);
  });

  it('keeps symlinks that stay inside the package', () => {
    const s = setup();
    symlinkSync('lib/db.star', join(s.app, 'db-link.star'));
    symlinkSync('static', join(s.app, 'www'));
    const ws = s.open();
    const link = ws.resolve('./db-link.star', ws.main);
    assert.equal(link.display, 'db-link.star');
    assert.equal(ws.readText(link), 'DB = 1\n');
    assert.equal(ws.resolve('./www', ws.main).kind, 'directory');
  });
});
