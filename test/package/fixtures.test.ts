// The example packages in fixtures/packages: each opens, every locator its modules use
// (import_module, read_file, upload_files) resolves to what that call needs, every module
// parses as Starlark, and the packages only use the local test image.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openWorkspace, readArgs, type ModuleRef, type Workspace } from '../../lib/package/index.js';
import { parse } from '../../lib/starlark/index.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { FIXTURE_ARGS, FIXTURE_PACKAGES } from './helpers.js';

const TEST_IMAGE = 'starform-test/busybox:latest';
const CALL = /\b(import_module|read_file|upload_files)\(\s*(?:(?:module_file|src)\s*=\s*)?"([^"]+)"/g;

interface Visit {
  readonly modules: string[];
  readonly reads: string[];
  readonly uploads: string[];
}

/** Follows every module reachable from main.star and checks each locator it uses. */
function visit(ws: Workspace): Visit {
  const seen = new Set<string>();
  const out: Visit = { modules: [], reads: [], uploads: [] };
  const queue: ModuleRef[] = [ws.main];
  while (queue.length > 0) {
    const mod = queue.shift()!;
    if (seen.has(mod.display)) continue;
    seen.add(mod.display);
    out.modules.push(mod.display);
    const src = ws.readText(mod);
    assert.doesNotThrow(() => parse(mod.display, src), `${mod.display} parses`);
    for (const [, call, locator] of src.matchAll(CALL)) {
      const ref = ws.resolve(locator!, mod);
      if (call === 'import_module') {
        assert.equal(ref.kind, 'file', `${mod.display}: ${locator}`);
        assert.match(ref.path, /\.star$/);
        queue.push(ref);
      } else if (call === 'read_file') {
        assert.equal(ref.kind, 'file', `${mod.display}: ${locator}`);
        ws.read(ref);
        out.reads.push(ref.display);
      } else {
        assert.ok(ws.readFiles(ref).length > 0, `${mod.display}: ${locator} uploads something`);
        out.uploads.push(ref.display);
      }
    }
  }
  return out;
}

describe('package/fixtures', () => {
  afterEach(cleanupTempDirs);
  const names = readdirSync(FIXTURE_PACKAGES).sort();

  it('has the example packages the tests and docs rely on', () => {
    for (const name of ['checks', 'composite', 'legacyargs', 'multimodule', 'redis-package', 'webapp', 'yamlargs']) {
      assert.ok(names.includes(name), name);
    }
  });

  for (const name of names) {
    it(`${name}: opens, resolves every locator, parses, and uses only the test image`, () => {
      const ws = openWorkspace(join(FIXTURE_PACKAGES, name), { cacheDir: tempDir() });
      // A Docker Compose package has no kurtosis.yml (so no name) and a transpiled main.
      assert.equal(ws.root.name, ws.isCompose ? `local/${name}` : `github.com/starform-fixtures/${name}`);
      assert.deepEqual(ws.warnings, []);
      const src = ws.readText(ws.main);
      assert.match(src, ws.isCompose ? /^# Transpiled from a Docker Compose file/ : /^# \S.*\n\n/, 'main.star opens with a one-line comment');
      assert.match(src, /^def run\(plan\b/m);
      visit(ws);
      for (const { display } of ws.sources()) {
        if (!display.endsWith('.star')) continue;
        const text = ws.readText(ws.resolve(display.startsWith('github.com/') ? display : `/${display}`, ws.main));
        for (const [, image] of text.matchAll(/\b(?:image|IMAGE)\s*=\s*"([^"]+)"/g)) assert.equal(image, TEST_IMAGE, display);
      }
    });
  }

  it('multimodule: one module reached by a package-root and a relative locator', () => {
    const ws = openWorkspace(join(FIXTURE_PACKAGES, 'multimodule'), { cacheDir: tempDir() });
    const v = visit(ws);
    assert.deepEqual(v.modules, ['main.star', 'lib/services.star', 'lib/config.star']);
    assert.deepEqual(v.reads.sort(), ['config/defaults.json', 'templates/app.env.tmpl']);
    assert.deepEqual(v.uploads, ['static']);
    const files = ws.readFiles(ws.resolve('./static', ws.main)).map((f) => f.path);
    assert.deepEqual(files, ['css/site.css', 'index.html']);
  });

  it('composite: imports redis-package by locator through replace', () => {
    const ws = openWorkspace(join(FIXTURE_PACKAGES, 'composite'), { cacheDir: tempDir() });
    const v = visit(ws);
    assert.deepEqual(v.modules, [
      'main.star',
      'github.com/starform-fixtures/redis-package/main.star',
      'github.com/starform-fixtures/redis-package/lib/defaults.star',
    ]);
    assert.deepEqual(v.uploads, ['github.com/starform-fixtures/redis-package/config']);
    const redis = ws.resolve('github.com/starform-fixtures/redis-package/main.star', ws.main);
    assert.equal(redis.pkg.dir, join(FIXTURE_PACKAGES, 'redis-package'));
  });

  it('has a stable sources digest', () => {
    const digest = (): string => {
      const ws = openWorkspace(join(FIXTURE_PACKAGES, 'composite'), { cacheDir: tempDir() });
      visit(ws);
      return ws.sourcesDigest();
    };
    assert.equal(digest(), digest());
  });

  it('has args files for the argument fixtures', () => {
    assert.deepEqual(readArgs({ argsFile: join(FIXTURE_ARGS, 'yamlargs.yaml') }), readArgs({ argsFile: join(FIXTURE_ARGS, 'yamlargs.json') }));
    assert.deepEqual(readArgs({ argsFile: join(FIXTURE_ARGS, 'legacyargs.json') }), { name: 'greeter', message: 'hello, legacy' });
  });
});
