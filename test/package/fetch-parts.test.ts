// The parts of fetching that need no server: the content digest (the same from git's
// blobs and from the disk, and sensitive to every change), the cache's atomic store, the
// lock file's reading, writing and messages, and how a ref is chosen among a remote's refs.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directoryDigest, entriesDigest, PackageCache } from '../../lib/package/cache.js';
import { resolveRef, scrub, gitRemoteFromEnv, type TreeEntry } from '../../lib/package/git.js';
import { lockFileFor, lockText, readLock, writeLock } from '../../lib/package/lock.js';
import { userError } from './helpers.js';

const REPO = ['github.com', 'o', 'r'] as const;
const C1 = '1'.repeat(40);

describe('package: fetching, without a server', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-fetch-parts-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const entries: TreeEntry[] = [
    { path: 'kurtosis.yml', kind: 'file', bytes: Buffer.from('name: github.com/o/r\n') },
    { path: 'bin/run.sh', kind: 'executable', bytes: Buffer.from('#!/bin/sh\n') },
    { path: 'lib/a.star', kind: 'file', bytes: Buffer.from('A = 1\n') },
    { path: 'link', kind: 'symlink', bytes: Buffer.from('lib/a.star') },
  ];

  describe('the content digest and the cache', () => {
    it('is the same computed from the entries and from the stored copy, which is read-only', () => {
      const cache = new PackageCache(join(dir, 'cache'));
      const digest = entriesDigest(entries);
      const stored = cache.store(REPO, C1, entries, digest);
      assert.equal(directoryDigest(stored.tree), digest);
      assert.equal(cache.lookup(REPO, C1)?.recordedDigest, digest);
      assert.equal(statSync(join(stored.tree, 'lib', 'a.star')).mode & 0o777, 0o444);
      assert.equal(statSync(join(stored.tree, 'bin', 'run.sh')).mode & 0o777, 0o555);
      assert.deepEqual(readdirSync(join(dir, 'cache', 'git', ...REPO)), [C1], 'no temporary directory left behind');
    });

    it('changes with a content, a file added, an executable bit or a link target', () => {
      const cache = new PackageCache(join(dir, 'cache'));
      const digest = entriesDigest(entries);
      const tree = cache.store(REPO, C1, entries, digest).tree;
      const changes: [string, () => void, () => void][] = [
        [
          'content',
          () => (chmodSync(join(tree, 'lib/a.star'), 0o644), writeFileSync(join(tree, 'lib/a.star'), 'A = 2\n')),
          () => (writeFileSync(join(tree, 'lib/a.star'), 'A = 1\n'), chmodSync(join(tree, 'lib/a.star'), 0o444)),
        ],
        ['a file added', () => writeFileSync(join(tree, 'extra.star'), ''), () => rmSync(join(tree, 'extra.star'))],
        ['the executable bit', () => chmodSync(join(tree, 'lib/a.star'), 0o555), () => chmodSync(join(tree, 'lib/a.star'), 0o444)],
        [
          'a link target',
          () => (rmSync(join(tree, 'link')), symlinkSync('/etc/passwd', join(tree, 'link'))),
          () => (rmSync(join(tree, 'link')), symlinkSync('lib/a.star', join(tree, 'link'))),
        ],
      ];
      for (const [what, change, undo] of changes) {
        change();
        assert.notEqual(directoryDigest(tree), digest, what);
        undo();
        assert.equal(directoryDigest(tree), digest, `${what} undone`);
      }
    });

    it('keeps the copy already there when another process stored the same commit', () => {
      const cache = new PackageCache(join(dir, 'cache'));
      const first = cache.store(REPO, C1, entries, entriesDigest(entries));
      const second = cache.store(REPO, C1, entries, entriesDigest(entries));
      assert.equal(second.tree, first.tree);
      assert.deepEqual(readdirSync(join(dir, 'cache', 'git', ...REPO)), [C1]);
    });

    it('records what refs resolved to, for --offline', () => {
      const cache = new PackageCache(join(dir, 'cache'));
      assert.equal(cache.recordedRef(REPO, 'v1'), undefined);
      cache.recordRef(REPO, 'v1', C1);
      cache.recordRef(REPO, undefined, '2'.repeat(40));
      assert.equal(cache.recordedRef(REPO, 'v1')?.commit, C1);
      assert.equal(cache.recordedRef(REPO, undefined)?.commit, '2'.repeat(40));
    });
  });

  describe('starform.lock', () => {
    const entry = { locator: 'github.com/o/r', ref: 'v1', commit: C1, digest: entriesDigest(entries) };

    it('is written sorted, read back, and not rewritten when unchanged', () => {
      const file = join(dir, 'starform.lock');
      const other = { locator: 'github.com/a/b', ref: null, commit: '3'.repeat(40), digest: entry.digest };
      assert.equal(writeLock(file, [entry, other]), true);
      assert.deepEqual([...readLock(file).keys()], ['github.com/a/b', 'github.com/o/r@v1']);
      assert.equal(readFileSync(file, 'utf8'), lockText([other, entry]));
      assert.equal(writeLock(file, [other, entry]), false);
      assert.equal(readLock(join(dir, 'none.lock')).size, 0);
    });

    it('refuses what is not a lock file, saying where', () => {
      const file = join(dir, 'starform.lock');
      writeFileSync(file, '{ nope');
      userError(() => readLock(file), `${file}: the lock file is not valid JSON`, 'plan --upgrade');
      writeFileSync(file, JSON.stringify({ format_version: 2, packages: [] }));
      userError(() => readLock(file), 'format_version: must be 1');
      writeFileSync(file, lockText([entry]).replace('"ref": "v1"', '"ref": "v1 x"'));
      userError(() => readLock(file), 'packages[0].ref');
      writeFileSync(file, JSON.stringify({ format_version: 1, packages: [entry, entry] }));
      userError(() => readLock(file), 'the lock file has github.com/o/r@v1 twice');
    });

    it('lives beside a local package, and in the current directory for a locator', () => {
      assert.equal(lockFileFor('pkg', false, '/work'), '/work/pkg/starform.lock');
      assert.equal(lockFileFor('pkg/main.star', false, '/work'), '/work/pkg/starform.lock');
      assert.equal(lockFileFor('github.com/o/r@v1', true, '/work'), '/work/starform.lock');
    });
  });

  describe('choosing a ref', () => {
    const refs = new Map([
      ['HEAD', 'a'.repeat(40)],
      ['refs/heads/main', 'a'.repeat(40)],
      ['refs/heads/v1', 'b'.repeat(40)],
      ['refs/tags/v1', 'c'.repeat(40)],
    ]);
    it('tags before branches (as Kurtosis), the default branch without a ref, a full commit without asking', () => {
      assert.deepEqual(
        resolveRef('v1', () => refs, 'x'),
        { kind: 'tag', commit: 'c'.repeat(40) },
      );
      assert.deepEqual(
        resolveRef('main', () => refs, 'x'),
        { kind: 'branch', commit: 'a'.repeat(40) },
      );
      assert.deepEqual(
        resolveRef(undefined, () => refs, 'x'),
        { kind: 'default-branch', commit: 'a'.repeat(40) },
      );
      assert.deepEqual(
        resolveRef('d'.repeat(40), () => assert.fail('asked the remote'), 'x'),
        { kind: 'commit', commit: 'd'.repeat(40) },
      );
      assert.deepEqual(
        resolveRef('abcdef1', () => refs, 'x'),
        { kind: 'short-commit', prefix: 'abcdef1' },
      );
      userError(() => resolveRef('nope', () => refs, 'github.com/o/r@nope'), "github.com/o/r@nope: the repository has no tag, branch or commit 'nope'");
    });

    it('the token never appears in what git printed', () => {
      const remote = gitRemoteFromEnv({ STARFORM_GIT_TOKEN: 's3cret-t0ken' });
      const basic = Buffer.from('x-access-token:s3cret-t0ken').toString('base64');
      assert.equal(scrub(`fatal: header Authorization: Basic ${basic} for s3cret-t0ken`, remote), 'fatal: header Authorization: Basic *** for ***');
      assert.equal(remote.baseUrl, 'https://github.com');
    });
  });
});
