// Locator parsing: the three forms, versions in both places Kurtosis accepts them, and
// the malformed locators that must fail with a message saying what is wrong.
import assert from 'node:assert/strict';
import { isSegmentPrefix, longestPrefixMatch, parseLocator, parsePackageName } from '../../lib/package/locator.js';
import { userError } from './helpers.js';

describe('package/locator', () => {
  it('tells relative, package-root and absolute locators apart', () => {
    assert.deepEqual(parseLocator('./lib/a.star'), { kind: 'relative', path: './lib/a.star' });
    assert.deepEqual(parseLocator('../a.star'), { kind: 'relative', path: '../a.star' });
    assert.deepEqual(parseLocator('.hidden/a'), { kind: 'relative', path: '.hidden/a' });
    assert.deepEqual(parseLocator('/lib/a.star'), { kind: 'package-root', path: '/lib/a.star' });
    assert.deepEqual(parseLocator('github.com/o/r/lib/a.star'), {
      kind: 'absolute',
      segments: ['github.com', 'o', 'r', 'lib', 'a.star'],
      version: undefined,
    });
  });

  it('reads a path not starting with github.com as relative, and http(s) URLs as downloads, as Kurtosis does', () => {
    assert.deepEqual(parseLocator('templates/x.tmpl'), { kind: 'relative', path: 'templates/x.tmpl' });
    assert.deepEqual(parseLocator('a.star'), { kind: 'relative', path: 'a.star' });
    assert.deepEqual(parseLocator('gitlab.com/o/r/a.star'), { kind: 'relative', path: 'gitlab.com/o/r/a.star' });
    assert.deepEqual(parseLocator('https://example.com/genesis.json'), { kind: 'url', url: 'https://example.com/genesis.json' });
    assert.deepEqual(parseLocator('HTTP://10.0.0.1:9090/a.tar'), { kind: 'url', url: 'HTTP://10.0.0.1:9090/a.tar' });
    const upper = parseLocator('GitHub.com/o/r/a.star');
    assert.equal(upper.kind, 'absolute');
  });

  it('reads a version after the repository or at the end', () => {
    const after = parseLocator('github.com/o/r@v1.2/lib/a.star');
    assert.equal(after.kind, 'absolute');
    if (after.kind === 'absolute') {
      assert.deepEqual(after.segments, ['github.com', 'o', 'r', 'lib', 'a.star']);
      assert.equal(after.version, 'v1.2');
    }
    const end = parseLocator('github.com/o/r/lib/a.star@feature/x');
    if (end.kind !== 'absolute') assert.fail('absolute expected');
    assert.deepEqual(end.segments, ['github.com', 'o', 'r', 'lib', 'a.star']);
    assert.equal(end.version, 'feature/x');
    const bare = parseLocator('github.com/o/r@main');
    if (bare.kind !== 'absolute') assert.fail('absolute expected');
    assert.deepEqual([bare.segments, bare.version], [['github.com', 'o', 'r'], 'main']);
  });

  it('accepts a trailing slash (a directory) and a repository alone', () => {
    const dir = parseLocator('github.com/o/r/static/');
    if (dir.kind !== 'absolute') assert.fail('absolute expected');
    assert.deepEqual(dir.segments, ['github.com', 'o', 'r', 'static']);
  });

  it('refuses malformed locators with a reason', () => {
    userError(() => parseLocator(''), 'empty');
    userError(() => parseLocator('ftp://github.com/o/r/a.star'), 'no scheme', "Write 'github.com/o/r/a.star'");
    userError(() => parseLocator('github.com/o'), 'at least github.com/<owner>/<repo>');
    userError(() => parseLocator('github.com/o/r/../x'), "'..' segments");
    userError(() => parseLocator('github.com/o/r//x'), 'empty path segment');
    userError(() => parseLocator('github.com/o/r/x@'), 'version after');
    userError(() => parseLocator('github.com/o/r@a/x@b'), "more than one '@'");
    userError(() => parseLocator('github.com/o w/r/x'), 'not a valid GitHub owner');
    userError(() => parseLocator('./a\0b'), 'NUL');
  });

  it('checks package names', () => {
    assert.deepEqual(parsePackageName('github.com/o/r/sub'), ['github.com', 'o', 'r', 'sub']);
    userError(() => parsePackageName('github.com/o/r/'), "must not end with '/'");
    userError(() => parsePackageName('github.com/o/r@v1'), "no '@version'");
    userError(() => parsePackageName('my-package'), 'invalid locator');
  });

  it('matches prefixes on whole segments only, longest first', () => {
    assert.ok(isSegmentPrefix(['github.com', 'o', 'r'], ['github.com', 'o', 'r', 'x']));
    assert.ok(!isSegmentPrefix(['github.com', 'o', 'r'], ['github.com', 'o', 'r2', 'x']));
    const keys = [{ segments: ['github.com', 'o', 'r'] }, { segments: ['github.com', 'o', 'r', 'sub'] }, { segments: ['github.com', 'o', 'r', 's'] }];
    assert.equal(longestPrefixMatch(keys, ['github.com', 'o', 'r', 'sub', 'a.star']), keys[1]);
    assert.equal(longestPrefixMatch(keys, ['github.com', 'o', 'r', 'subway', 'a.star']), keys[0]);
    assert.equal(longestPrefixMatch(keys, ['github.com', 'x', 'r']), undefined);
  });
});
