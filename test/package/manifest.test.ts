// kurtosis.yml: what a valid manifest yields, and every mistake reported at its line and
// column in the file it is in.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseManifest, readManifest } from '../../lib/package/manifest.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { userError, writeTree } from './helpers.js';

const FILE = '/pkgs/app/kurtosis.yml';
const parse = (text: string) => parseManifest(text, FILE, 'app/kurtosis.yml');

describe('package/manifest', () => {
  afterEach(cleanupTempDirs);

  it('reads name, description and replace', () => {
    const m = parse(
      [
        'name: github.com/me/app',
        'description: An app.',
        'replace:',
        '  github.com/kurtosis-tech/postgres-package: github.com/me/postgres-package@1.2.3',
        '  github.com/kurtosis-tech/mongodb-package: ../mongodb-package',
        '  github.com/x/abs: /opt/abs',
        '',
      ].join('\n'),
    );
    assert.equal(m.name, 'github.com/me/app');
    assert.deepEqual(m.nameSegments, ['github.com', 'me', 'app']);
    assert.equal(m.description, 'An app.');
    assert.equal(m.replace.length, 3);
    const [pg, mongo, abs] = m.replace;
    assert.deepEqual(pg!.target, { kind: 'locator', segments: ['github.com', 'me', 'postgres-package'], version: '1.2.3' });
    assert.deepEqual(mongo!.target, { kind: 'directory', dir: '/pkgs/mongodb-package' });
    assert.deepEqual(abs!.target, { kind: 'directory', dir: '/opt/abs' });
    assert.deepEqual(pg!.location, { file: 'app/kurtosis.yml', line: 4, col: 3 });
    assert.deepEqual(m.warnings, []);
  });

  it('accepts an empty replace and a missing description', () => {
    const m = parse('name: github.com/me/app\nreplace:\n');
    assert.deepEqual(m.replace, []);
    assert.equal(m.description, undefined);
  });

  it('refuses unknown keys at their position, as Kurtosis (yaml.v2 UnmarshalStrict) does', () => {
    const e = userError(() => parse('name: github.com/me/app\nreplaces:\n  a: b\n'), "unknown key 'replaces'", 'name, description and replace');
    assert.deepEqual(e.location, { file: 'app/kurtosis.yml', line: 2, col: 1 });
  });

  it('accepts a trailing / on the name and on replace keys, and drops it', () => {
    const m = parse('name: github.com/me/app/\nreplace:\n  github.com/o/dep/: ../dep\n');
    assert.equal(m.name, 'github.com/me/app');
    assert.deepEqual(m.nameSegments, ['github.com', 'me', 'app']);
    assert.equal(m.replace[0]!.key, 'github.com/o/dep');
    assert.deepEqual(m.replace[0]!.segments, ['github.com', 'o', 'dep']);
  });

  it('reports YAML syntax errors at their position', () => {
    const e = userError(() => parse('name: github.com/me/app\nreplace: [\n'), /^app\/kurtosis\.yml:\d+:\d+: not valid YAML/);
    assert.equal(e.location?.file, 'app/kurtosis.yml');
    userError(() => parse('name: a\nname: b\n'), 'app/kurtosis.yml:2:1', 'not valid YAML');
  });

  it('names the file and the problem for every invalid manifest', () => {
    userError(() => parse(''), 'app/kurtosis.yml: kurtosis.yml is empty', 'name: github.com/<owner>/<repo>');
    userError(() => parse('# only a comment\n'), 'is empty');
    userError(() => parse('- a\n- b\n'), 'app/kurtosis.yml:1:1: kurtosis.yml must be a mapping');
    userError(() => parse('description: x\n'), "has no 'name'");
    userError(() => parse('name: 42\n'), "app/kurtosis.yml:1:7: 'name' must be a non-empty string");
    userError(() => parse('name: my-app\n'), "app/kurtosis.yml:1:7: 'name': invalid locator 'my-app'");
    userError(() => parse('name: github.com/me/app//\n'), "must not end with '/'");
    userError(() => parse('name: github.com/me/app@v1\n'), "no '@version'");
    userError(() => parse('name: https://github.com/me/app\n'), 'no scheme');
    userError(() => parse('name: github.com/me/app\ndescription: [1]\n'), "'description' must be a string");
    userError(() => parse('name: github.com/me/app\nreplace: ../x\n'), "app/kurtosis.yml:2:10: 'replace' must be a mapping");
    userError(() => parse('name: github.com/me/app\nreplace:\n  github.com/a/b:\n'), 'app/kurtosis.yml:3:3', 'replacement must be a non-empty string');
    userError(
      () => parse('name: github.com/me/app\nreplace:\n  github.com/a/b: mongodb-package\n'),
      'app/kurtosis.yml:3:19',
      "'replace' of github.com/a/b",
      "starting with '.' or '/'",
    );
    userError(() => parse('name: github.com/me/app\nreplace:\n  github.com/a: ../x\n'), 'app/kurtosis.yml:3:3', "'replace' key", 'github.com/<owner>/<repo>');
    userError(() => parse('name: github.com/me/app\nreplace:\n  github.com/a/b@v1: ../x\n'), "no '@version'");
  });

  it('reads the file from a directory, and is null without one', () => {
    const dir = tempDir();
    assert.equal(readManifest(dir), null);
    writeTree(dir, { 'kurtosis.yml': 'name: github.com/me/app\n' });
    assert.equal(readManifest(dir)?.file, join(dir, 'kurtosis.yml'));
  });
});
