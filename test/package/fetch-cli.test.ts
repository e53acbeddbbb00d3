// Packages by locator as a user runs them (bin/starform against the loopback git server):
// `plan LOCATOR` with progress lines, the lock in the current directory, `show` listing
// the commits in text and Markdown, `validate LOCATOR`, `packages fetch` then `plan
// --offline` with no server at all, `packages list`, and the usage errors — one message,
// exit code 1, no stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../lib/util/package-info.js';
import { fetchEnv, startTestGitServer, type TestGitServer } from './git-server.js';

const bin = join(PACKAGE_ROOT, 'bin', 'starform');

describe('cli: packages by locator', function () {
  this.timeout(60000);
  let server: TestGitServer;
  let dir: string;

  before(async () => {
    server = await startTestGitServer();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-fetch-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function starform(args: string[], env: NodeJS.ProcessEnv = fetchEnv(server, join(dir, 'cache'))): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  it('plan LOCATOR@TAG fetches, pins, saves a plan whose show lists the commits', async () => {
    const r = starform(['plan', 'github.com/acme/hello@v1.0.0', '--refresh=false', '--out', 'hello.plan']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /# service\.hello will be created/);
    assert.match(r.stdout, /GREETING: Hello, world!/);
    // Progress: plain lines when stderr is not a terminal.
    assert.match(r.stderr, /^Fetching github\.com\/acme\/hello@v1\.0\.0 \(commit [0-9a-f]{12}\) from http:\/\/127\.0\.0\.1:\d+\/acme\/hello\.git$/m);
    assert.match(r.stderr, /^Fetched github\.com\/acme\/lib \(commit [0-9a-f]{12}\): 2 files in \d+\.\d s$/m);
    assert.doesNotMatch(r.stderr, /\r|\x1b/);
    const lock = JSON.parse(readFileSync(join(dir, 'starform.lock'), 'utf8')) as { packages: { locator: string; commit: string }[] };
    assert.equal(lock.packages.length, 4);

    const hello = await server.rev('acme/hello', 'v1.0.0');
    const text = starform(['show', 'hello.plan']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`Package versions \\(from starform\\.lock\\):\\n  github\\.com/acme/hello +${hello}  \\(v1\\.0\\.0\\)`));
    const md = starform(['show', 'hello.plan', '--markdown']);
    assert.match(md.stdout, new RegExp(`\\| \`github\\.com/acme/hello\` \\| \`v1\\.0\\.0\` \\| \`${hello}\` \\|`));
    assert.match(md.stdout, /\| `github\.com\/acme\/util` \| default branch \| `[0-9a-f]{40}` \|/);
    const json = JSON.parse(starform(['show', 'hello.plan', '--json']).stdout) as { package?: unknown };
    assert.ok(json);

    // Planned again: from the lock and the cache, nothing fetched, nothing printed about it.
    const again = starform(['plan', 'github.com/acme/hello@v1.0.0', '--refresh=false']);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /Fetch/);
  });

  it("the README's example: serve-test-git.mjs --detach, then plan by locator", () => {
    const started = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'scripts', 'serve-test-git.mjs'), '--detach', '--port', '0'], { encoding: 'utf8' });
    assert.equal(started.status, 0, started.stderr);
    const line = /^STARFORM_GIT_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)$/m.exec(started.stdout);
    const pid = /\(pid (\d+);/.exec(started.stderr);
    assert.ok(line && pid, started.stdout + started.stderr);
    try {
      const r = starform(
        ['plan', 'github.com/acme/hello@v1.0.0', '--out', 'hello.plan'],
        fetchEnv(server, join(dir, 'cache'), { STARFORM_GIT_BASE_URL: line[1] }),
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Plan: 2 to create, 0 to replace, 0 to run, 0 to delete\./);
    } finally {
      process.kill(Number(pid[1]));
    }
  });

  it('on a terminal: the fetch lines, with git writing its own progress there', () => {
    const cmd = `${process.execPath} ${bin} plan github.com/acme/hello@v1.0.0 --refresh=false`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: dir, encoding: 'utf8', env: fetchEnv(server, join(dir, 'cache')) });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /Fetching github\.com\/acme\/hello@v1\.0\.0 \(commit [0-9a-f]{12}\)/);
    assert.match(r.stdout, /Fetched github\.com\/acme\/configs/);
    assert.match(r.stdout, /Plan: 2 to create/);
    // A private repository on a terminal still gets a worded error.
    const priv = spawnSync('script', ['-qec', `${process.execPath} ${bin} validate github.com/acme/private@v1`, '/dev/null'], {
      cwd: dir,
      encoding: 'utf8',
      env: fetchEnv(server, join(dir, 'cache')),
    });
    assert.notEqual(priv.status, 0);
    assert.match(priv.stdout, /asks for credentials/);
  });

  it('apply LOCATOR --auto-approve runs the fetched package on the engine, and destroy removes it', () => {
    const applied = starform(['apply', 'github.com/acme/hello@v1.0.0', '--auto-approve']);
    try {
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);
      const out = starform(['output', 'greeting']);
      assert.equal(out.stdout.trim(), 'Hello, world!');
    } finally {
      const destroyed = starform(['destroy', '--auto-approve']);
      assert.equal(destroyed.code, 0, destroyed.stderr);
    }
  });

  it('validate LOCATOR@BRANCH', () => {
    const r = starform(['validate', 'github.com/acme/hello@dev']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /The package is valid: 2 instructions\./);
  });

  it('packages fetch fills the cache; plan --offline then needs no server; packages list shows the pins', async () => {
    const cache = join(dir, 'cache');
    const fetched = starform(['packages', 'fetch', 'github.com/acme/hello@v2.0.0']);
    assert.equal(fetched.code, 0, fetched.stderr);
    assert.match(fetched.stdout, /^REPOSITORY +REF +COMMIT +PINNED BY +COPY$/m);
    assert.match(fetched.stdout, /^github\.com\/acme\/hello +v2\.0\.0 +[0-9a-f]{12} +resolved now +fetched$/m);
    assert.ok(existsSync(join(dir, 'starform.lock')));

    const nowhere = fetchEnv(server, cache, { STARFORM_GIT_BASE_URL: 'http://127.0.0.1:9' });
    const before = await server.requests();
    const offline = starform(['plan', 'github.com/acme/hello@v2.0.0', '--refresh=false', '--offline'], nowhere);
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, /RELEASE: v2/);
    const list = starform(['packages', 'list', 'github.com/acme/hello@v2.0.0', '--offline'], nowhere);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^github\.com\/acme\/configs +\(default branch\) +[0-9a-f]{12} +starform\.lock +cached$/m);
    const listJson = JSON.parse(starform(['packages', 'list', 'github.com/acme/hello@v2.0.0', '--offline', '--json'], nowhere).stdout) as {
      repositories: { locator: string; commit: string }[];
    };
    assert.equal(listJson.repositories.find((r) => r.locator === 'github.com/acme/hello')?.commit, await server.rev('acme/hello', 'v2.0.0'));
    assert.equal(await server.requests(), before, '--offline touched the server');
  });

  it('plan --offline with an empty cache: one message naming the locator, exit code 1', () => {
    const r = starform(['plan', 'github.com/acme/hello@v1.0.0', '--refresh=false', '--offline']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--offline: github\.com\/acme\/hello@v1\.0\.0 is not in the package cache/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(r.stdout, '');
  });

  it('usage errors: --offline with --upgrade; a bad STARFORM_GIT_BASE_URL', () => {
    const both = starform(['plan', 'github.com/acme/hello', '--offline', '--upgrade']);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /--upgrade cannot be used with --offline/);
    const bad = starform(
      ['plan', 'github.com/acme/hello', '--refresh=false'],
      fetchEnv(server, join(dir, 'cache'), { STARFORM_GIT_BASE_URL: 'file:///srv/git' }),
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /STARFORM_GIT_BASE_URL must be an http\(s\):\/\/, ssh:\/\/ or git:\/\/ URL, got 'file:\/\/\/srv\/git'/);
  });
});
