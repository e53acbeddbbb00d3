// Packages by locator, against a real git server on loopback (scripts/serve-test-git.mjs:
// `git http-backend` behind node's http server, repositories built from fixtures/git):
// a root package at a tag, a branch and a commit; transitive imports; files of a
// repository without kurtosis.yml; a replace to a fork; starform.lock written, honoured,
// upgraded; tampered caches and locks refused; --offline with and without a filled cache;
// a private repository with and without credentials; packages that try to read outside
// their repository; and git's transports and hooks locked down.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLocatorRoot } from '../../lib/package/fetch.js';
import { lockFileFor, readLock } from '../../lib/package/lock.js';
import { PackageFetcher } from '../../lib/package/remote.js';
import { makePlan, type PlanResult } from '../../lib/plan/index.js';
import { emptyState } from '../../lib/state/model.js';
import { UserError } from '../../lib/util/errors.js';
import type { JsonObject } from '../../lib/util/json.js';
import { fetchEnv, startTestGitServer, type TestGitServer } from './git-server.js';
import { manifest, writeTree } from './helpers.js';

interface Run {
  readonly result: PlanResult;
  readonly fetcher: PackageFetcher;
  readonly lines: string[];
  readonly lockFile: string;
}

describe('package: fetching packages by locator from a git server', function () {
  this.timeout(60000);
  let server: TestGitServer;
  let dir: string;
  let cache: string;

  before(async () => {
    server = await startTestGitServer();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-fetch-'));
    cache = join(dir, 'cache');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function plan(pkg: string, options: { offline?: boolean; upgrade?: boolean; env?: NodeJS.ProcessEnv; args?: JsonObject } = {}): Run {
    const lines: string[] = [];
    const lockFile = lockFileFor(pkg, isLocatorRoot(pkg), dir);
    const fetcher = new PackageFetcher({
      cacheDir: cache,
      lockFile,
      offline: options.offline ?? false,
      upgrade: options.upgrade ?? false,
      env: options.env ?? fetchEnv(server, cache),
      report: (l) => lines.push(l),
    });
    const result = makePlan({ dir: pkg, args: options.args ?? {}, state: emptyState(), remote: fetcher });
    return { result, fetcher, lines, lockFile };
  }

  /** The plan's outputs, failing the test with the problems when it did not plan. */
  function outputs(run: Run): JsonObject {
    assert.ok(run.result.plan, `did not plan: ${JSON.stringify(run.result.problems.map((p) => p.message))}`);
    return run.result.plan.outputs as JsonObject;
  }

  function planError(fn: () => Run, ...patterns: (string | RegExp)[]): string {
    let message: string | undefined;
    try {
      const run = fn();
      message = run.result.problems.map((p) => p.message).join('\n');
      assert.ok(run.result.plan === null, 'expected the plan to fail');
    } catch (err) {
      assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
      message = err.message;
    }
    for (const p of patterns) {
      if (typeof p === 'string') assert.ok(message.includes(p), `${JSON.stringify(message)} lacks ${JSON.stringify(p)}`);
      else assert.match(message, p);
    }
    return message;
  }

  function localRoot(mainStar: string, extraManifest = ''): string {
    return writeTree(join(dir, 'app'), { 'kurtosis.yml': manifest('github.com/me/app', extraManifest), 'main.star': mainStar });
  }

  describe('a root package by locator', () => {
    it('at a tag: fetched with its transitive imports and a repository without kurtosis.yml, and pinned', async () => {
      const run = plan('github.com/acme/hello@v1.0.0');
      assert.deepEqual(outputs(run), { release: 'v1', greeting: 'Hello, world!' });
      // read_file and upload_files of github.com/acme/configs, which has no kurtosis.yml
      const svc = run.result.plan!.instructions.find((i) => i.kind === 'add_service')!;
      assert.equal(((svc.args['config'] as JsonObject)['env_vars'] as JsonObject)['BANNER'], 'Welcome to acme');
      const upload = run.result.plan!.instructions.find((i) => i.kind === 'upload_files')!;
      assert.deepEqual(
        ((upload.args['files'] as JsonObject[]) ?? []).map((f) => f['path']),
        ['index.html', 'web.conf'],
      );

      const lock = readLock(run.lockFile);
      assert.equal(run.lockFile, join(dir, 'starform.lock'), 'a locator root is locked in the current directory');
      assert.deepEqual(
        [...lock.values()].map((e) => [e.locator, e.ref, e.commit]),
        [
          ['github.com/acme/configs', null, await server.rev('acme/configs', 'main')],
          ['github.com/acme/hello', 'v1.0.0', await server.rev('acme/hello', 'v1.0.0')],
          ['github.com/acme/lib', null, await server.rev('acme/lib', 'main')],
          ['github.com/acme/util', null, await server.rev('acme/util', 'main')],
        ],
      );
      // The plan file records the commits.
      assert.deepEqual(
        run.result.plan!.package.repositories?.map((r) => r.locator),
        ['github.com/acme/hello', 'github.com/acme/lib', 'github.com/acme/util', 'github.com/acme/configs'],
      );
      assert.ok(
        run.lines.some((l) => /^Fetching github\.com\/acme\/hello@v1\.0\.0 \(commit [0-9a-f]{12}\) from http:\/\/127\.0\.0\.1:\d+\/acme\/hello\.git$/.test(l)),
        run.lines.join('\n'),
      );
    });

    it('at a branch', async () => {
      const run = plan('github.com/acme/hello@dev');
      assert.equal(outputs(run)['release'], 'dev');
      assert.equal(readLock(run.lockFile).get('github.com/acme/hello@dev')?.commit, await server.rev('acme/hello', 'dev'));
    });

    it('at a commit, full or abbreviated; without a ref, the default branch', async () => {
      const v2 = await server.rev('acme/hello', 'v2.0.0');
      assert.equal(outputs(plan(`github.com/acme/hello@${v2}`))['release'], 'v2');
      const v1 = await server.rev('acme/hello', 'v1.0.0');
      const short = plan(`github.com/acme/hello@${v1.slice(0, 10)}`);
      assert.equal(outputs(short)['release'], 'v1');
      assert.equal(readLock(short.lockFile).get(`github.com/acme/hello@${v1.slice(0, 10)}`)?.commit, v1);
      assert.equal(outputs(plan('github.com/acme/hello'))['release'], 'v2');
    });

    it('at a path inside a repository (a package of a monorepo), confined to that repository', async () => {
      await server.addRepo('team/mono');
      await server.commit('team/mono', {
        files: {
          'README.md': 'top\n',
          'pkgs/web/kurtosis.yml': manifest('github.com/team/mono/pkgs/web'),
          'pkgs/web/main.star': 'def run(plan, what = "/pkgs/web/conf.txt"):\n    return {"conf": read_file(what)}\n',
          'pkgs/web/conf.txt': 'web conf',
        },
        tags: ['v1'],
      });
      // As in Kurtosis, `/x` starts at the repository root, and `..` may leave the package but not the repository.
      assert.deepEqual(outputs(plan('github.com/team/mono/pkgs/web@v1')), { conf: 'web conf' });
      assert.deepEqual(outputs(plan('github.com/team/mono/pkgs/web@v1', { args: { what: 'conf.txt' } })), { conf: 'web conf' });
      planError(() => plan('github.com/team/mono/pkgs/web@v1', { args: { what: '../../../README.md' } }), 'leads outside repository github.com/team/mono');
    });

    it('names a ref the repository does not have, and a repository the server does not have', async () => {
      planError(() => plan('github.com/acme/hello@v9'), "github.com/acme/hello@v9: the repository has no tag, branch or commit 'v9'");
      planError(() => plan(`github.com/acme/hello@${'0'.repeat(40)}`), `the repository has no commit ${'0'.repeat(40)}`);
      planError(() => plan('github.com/acme/nothing'), 'cannot fetch github.com/acme/nothing', 'no such repository');
    });
  });

  describe('locators inside packages', () => {
    it('import_module of a repository without kurtosis.yml is refused (read_file and upload_files may)', async () => {
      const root = localRoot('x = import_module("github.com/acme/configs/banner.txt")\ndef run(plan):\n    return {}\n');
      planError(() => plan(root), 'not inside a Kurtosis package');
    });

    it('a replace may point to a fork, at a branch', async () => {
      const root = localRoot(
        'greetings = import_module("github.com/acme/lib/greetings.star")\ndef run(plan):\n    return {"g": greetings.greet("you")}\n',
        'replace:\n  github.com/acme/lib: github.com/forkers/lib@patched\n',
      );
      const run = plan(root);
      assert.deepEqual(outputs(run), { g: 'Howdy, you (from the fork)' });
      assert.equal(run.lockFile, join(root, 'starform.lock'), 'a local root is locked beside its kurtosis.yml');
      assert.deepEqual([...readLock(run.lockFile).keys()], ['github.com/forkers/lib@patched']);
    });
  });

  describe('starform.lock', () => {
    it('is honoured (no network at all with the cache filled), and --upgrade re-resolves and rewrites it', async () => {
      await server.addRepo('team/moving');
      const c1 = await server.commit('team/moving', { files: { 'kurtosis.yml': manifest('github.com/team/moving'), 'version.star': 'VERSION = 1\n' } });
      const root = localRoot('m = import_module("github.com/team/moving/version.star")\ndef run(plan):\n    return {"v": m.VERSION}\n');
      const first = plan(root);
      assert.deepEqual(outputs(first), { v: 1 });
      assert.equal(readLock(first.lockFile).get('github.com/team/moving')?.commit, c1);
      const lockText = readFileSync(first.lockFile, 'utf8');

      const c2 = await server.commit('team/moving', { files: { 'kurtosis.yml': manifest('github.com/team/moving'), 'version.star': 'VERSION = 2\n' } });
      const before = await server.requests();
      const again = plan(root);
      assert.deepEqual(outputs(again), { v: 1 }, 'the locked commit, not the branch tip');
      assert.equal(await server.requests(), before, 'a locked, cached package costs no request');
      assert.equal(readFileSync(first.lockFile, 'utf8'), lockText, 'the lock is left as it was');
      assert.deepEqual(again.result.plan!.package.repositories, [{ locator: 'github.com/team/moving', ref: null, commit: c1 }]);

      const upgraded = plan(root, { upgrade: true });
      assert.deepEqual(outputs(upgraded), { v: 2 });
      assert.equal(readLock(first.lockFile).get('github.com/team/moving')?.commit, c2);
      assert.deepEqual(outputs(plan(root)), { v: 2 });
    });

    it('drops repositories the package no longer uses, and is not written when planning fails', async () => {
      const root = localRoot(
        'u = import_module("github.com/acme/util/text.star")\nl = import_module("github.com/acme/lib/greetings.star")\ndef run(plan):\n    return {}\n',
      );
      const run = plan(root);
      outputs(run);
      assert.deepEqual([...readLock(run.lockFile).keys()], ['github.com/acme/lib', 'github.com/acme/util']);
      writeFileSync(join(root, 'main.star'), 'u = import_module("github.com/acme/util/text.star")\ndef run(plan):\n    return {}\n');
      plan(root);
      assert.deepEqual([...readLock(run.lockFile).keys()], ['github.com/acme/util']);
      const text = readFileSync(run.lockFile, 'utf8');
      writeFileSync(join(root, 'main.star'), 'u = import_module("github.com/acme/lib/greetings.star")\ndef run(plan):\n    fail("no")\n');
      planError(() => plan(root), 'no');
      assert.equal(readFileSync(run.lockFile, 'utf8'), text);
    });

    it('refuses a cached copy changed after the fetch — against the lock, and without one', async () => {
      const run = plan('github.com/acme/hello@v1.0.0');
      outputs(run);
      const commit = await server.rev('acme/util', 'main');
      const file = join(cache, 'git', 'github.com', 'acme', 'util', commit, 'tree', 'text.star');
      chmodSync(file, 0o644);
      writeFileSync(file, 'def sentence(s):\n    return "pwned"\n');
      planError(
        () => plan('github.com/acme/hello@v1.0.0'),
        `the cached copy of github.com/acme/util (commit ${commit.slice(0, 12)}) does not match the digest in ${run.lockFile}`,
      );
      rmSync(run.lockFile);
      planError(() => plan('github.com/acme/hello@v1.0.0'), 'does not match the digest recorded when it was fetched');
      // Removing the copy fetches the commit again.
      rmSync(join(cache, 'git', 'github.com', 'acme', 'util', commit), { recursive: true });
      assert.equal(outputs(plan('github.com/acme/hello@v1.0.0'))['greeting'], 'Hello, world!');
    });

    it("refuses fetched content whose digest is not the lock's", async () => {
      const run = plan('github.com/acme/hello@v1.0.0');
      outputs(run);
      const text = readFileSync(run.lockFile, 'utf8').replace(/"digest": "sha256:[0-9a-f]{64}"/, `"digest": "sha256:${'ab'.repeat(32)}"`);
      writeFileSync(run.lockFile, text);
      rmSync(cache, { recursive: true });
      planError(() => plan('github.com/acme/hello@v1.0.0'), 'as fetched does not match the digest in', `the lock says sha256:${'ab'.repeat(32)}`);
    });

    it('refuses a lock file that does not match its schema, with its location', async () => {
      const root = localRoot('def run(plan):\n    return {}\n');
      writeFileSync(join(root, 'starform.lock'), '{"format_version": 1, "packages": [{"locator": "github.com/a/b", "ref": null, "commit": "xyz"}]}');
      planError(() => plan(root), `${join(root, 'starform.lock')}: the lock file does not match its schema`, 'missing property "digest"');
    });
  });

  describe('--offline', () => {
    it('with an empty cache: names the missing locator and touches no server', async () => {
      const before = await server.requests();
      planError(
        () => plan('github.com/acme/hello@v1.0.0', { offline: true }),
        `--offline: github.com/acme/hello@v1.0.0 is not in the package cache (${cache})`,
        'starform packages fetch',
      );
      assert.equal(await server.requests(), before);
    });

    it('with a filled cache: plans without the network, from the lock or, without one, from the refs last resolved', async () => {
      const online = plan('github.com/acme/hello@v1.0.0');
      outputs(online);
      const before = await server.requests();
      const offline = plan('github.com/acme/hello@v1.0.0', { offline: true, env: fetchEnv(server, cache, { STARFORM_GIT_BASE_URL: 'http://127.0.0.1:9' }) });
      assert.deepEqual(outputs(offline), outputs(online));
      rmSync(online.lockFile);
      assert.deepEqual(outputs(plan('github.com/acme/hello@v1.0.0', { offline: true })), outputs(online));
      assert.equal(await server.requests(), before);
      // A repository the run has not seen yet is still missing, by name.
      const root = localRoot('x = import_module("github.com/forkers/lib/greetings.star")\ndef run(plan):\n    return {}\n');
      planError(
        () => plan(root, { offline: true }),
        'cannot find package github.com/forkers/lib',
        '--offline: github.com/forkers/lib is not in the package cache',
      );
    });
  });

  describe('a private repository', () => {
    const root = (): string => localRoot('s = import_module("github.com/acme/private/secret.star")\ndef run(plan):\n    return {"code": s.CODE}\n');

    it('without credentials: says so, and how to give them', async () => {
      planError(() => plan(root()), 'cannot fetch github.com/acme/private', 'asks for credentials', 'STARFORM_GIT_TOKEN');
    });

    it('with a wrong token: says the token was refused, without printing it', async () => {
      const message = planError(
        () => plan(root(), { env: fetchEnv(server, cache, { STARFORM_GIT_TOKEN: 'wrong-secret-token-1234' }) }),
        'refused the token in STARFORM_GIT_TOKEN',
      );
      assert.ok(!message.includes('wrong-secret-token-1234'));
      assert.ok(!message.includes(Buffer.from('x-access-token:wrong-secret-token-1234').toString('base64')));
    });

    it('with STARFORM_GIT_TOKEN', async () => {
      assert.deepEqual(outputs(plan(root(), { env: fetchEnv(server, cache, { STARFORM_GIT_TOKEN: server.token }) })), { code: 'private-package-loaded' });
    });

    it("with git's own credential helper", async () => {
      const store = join(dir, 'credentials');
      const url = new URL(server.baseUrl);
      writeFileSync(store, `http://x-access-token:${server.token}@${url.host}\n`, { mode: 0o600 });
      const gitconfig = join(dir, 'gitconfig');
      writeFileSync(gitconfig, `[credential]\n\thelper = store --file=${store}\n`);
      assert.deepEqual(outputs(plan(root(), { env: fetchEnv(server, cache, { GIT_CONFIG_GLOBAL: gitconfig }) })), { code: 'private-package-loaded' });
    });
  });

  describe('confinement', () => {
    for (const [what, locator] of [
      ['a symbolic link to an absolute path', 'github.com/evil/escape/passwd'],
      ['a symbolic link climbing out of the cache entry', 'github.com/evil/escape/up'],
      ['a symbolic link into another cached repository', 'github.com/evil/escape/sibling/refs.json'],
    ] as const) {
      it(`a fetched package cannot read outside its repository: ${what}`, async () => {
        plan(localRoot('u = import_module("github.com/acme/util/text.star")\ndef run(plan):\n    return {}\n'));
        const root = localRoot(`def run(plan):\n    return {"x": read_file("${locator}")}\n`);
        planError(() => plan(root), /leads outside (package|repository) github\.com\/evil\/escape|which does not exist/);
      });
    }

    for (const module of ['climb.star', 'rooted.star']) {
      it(`a fetched package cannot climb out with '..': ${module}`, async () => {
        const root = localRoot(`m = import_module("github.com/evil/escape/${module}")\ndef run(plan):\n    return m.run(plan)\n`);
        planError(() => plan(root), 'leads outside repository github.com/evil/escape');
      });
    }

    it('submodules are neither fetched nor written, and no hook of the repository runs', async () => {
      await server.addRepo('team/subs');
      const marker = join(dir, 'hook-ran');
      const hook = `#!/bin/sh\ntouch ${marker}\n`;
      await server.commit('team/subs', {
        files: {
          'kurtosis.yml': manifest('github.com/team/subs'),
          '.gitmodules': `[submodule "vendor"]\n\tpath = vendor\n\turl = ${server.baseUrl}/acme/util.git\n`,
          'hooks/post-checkout': hook,
          '.githooks/post-checkout': hook,
          'static/a.txt': 'a',
        },
        gitlinks: { vendor: await server.rev('acme/util', 'main') },
      });
      const root = localRoot('def run(plan):\n    plan.upload_files(src = "github.com/team/subs", name = "all")\n    return {}\n');
      const run = plan(root);
      outputs(run);
      const upload = run.result.plan!.instructions.find((i) => i.kind === 'upload_files')!;
      const paths = (upload.args['files'] as JsonObject[]).map((f) => f['path']);
      assert.deepEqual(paths, ['.githooks/post-checkout', '.gitmodules', 'hooks/post-checkout', 'kurtosis.yml', 'static/a.txt']);
      assert.ok(!existsSync(marker), 'a hook ran');
      assert.ok(!existsSync(join(cache, 'git', 'github.com', 'acme', 'util')), 'the submodule was fetched');
    });

    it('git may not use the file transport, even through a URL rewrite', async () => {
      const env = fetchEnv(server, cache, {
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: `url.file://${join(dir, 'repos')}/.insteadOf`,
        GIT_CONFIG_VALUE_0: `${server.baseUrl}/`,
      });
      planError(() => plan('github.com/acme/hello@v1.0.0', { env }), "transport 'file' not allowed");
      assert.ok(!existsSync(join(cache, 'git', 'github.com', 'acme', 'hello')));
    });
  });
});
