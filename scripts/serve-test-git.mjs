#!/usr/bin/env node
// A real git server on loopback for starform's package-fetching tests and the README
// example: builds a git repository from each fixtures/git/<owner>/<repo>/repo.json (a list
// of commits, each the files of one directory beside it, with tags and branches) and
// serves them all over smart HTTP with git's own `git http-backend` (CGI) behind a small
// node http server on 127.0.0.1. Nothing is mocked: starform's git talks to git.
//
//   node scripts/serve-test-git.mjs [--port N] [--token T] [--fixtures DIR]
//     prints  STARFORM_GIT_BASE_URL=http://127.0.0.1:<port>  and serves until killed.
//   --detach: serve from a background process; print the line once serving, and return
//     (the README: export $(node scripts/serve-test-git.mjs --detach --port 8418))
//   (tests fork it with --ipc and drive it by messages: see serveOverIpc)
//
// Repositories with "private": true answer 401 unless the request carries the token
// (HTTP Basic with the token as password, any user — what git sends for STARFORM_GIT_TOKEN
// or from a credential helper — or `Bearer <token>`). Commits have fixed authors and dates,
// so a fixture's commit ids are the same on every machine. Tests import
// `startTestGitServer` and can add commits (`commit`) and read ids (`rev`); `requests`
// counts what reached the server, so a test can prove a run never touched the network.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const DEFAULT_FIXTURES = join(ROOT, 'fixtures', 'git');

/** git with a clean, fixed identity and no user or system configuration. */
function git(cwd, args, extraEnv = {}) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Fixture Author',
      GIT_AUTHOR_EMAIL: 'fixtures@starform.test',
      GIT_COMMITTER_NAME: 'Fixture Author',
      GIT_COMMITTER_EMAIL: 'fixtures@starform.test',
      ...extraEnv,
    },
  }).trim();
}

/** Replaces the work tree's files with `files` (relative path → content) and symlinks. */
function writeWorkTree(work, sourceDir, files, symlinks) {
  for (const name of readdirSync(work)) if (name !== '.git') rmSync(join(work, name), { recursive: true, force: true });
  if (sourceDir) cpSync(sourceDir, work, { recursive: true });
  for (const [path, content] of Object.entries(files ?? {})) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), content);
  }
  for (const [path, target] of Object.entries(symlinks ?? {})) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    symlinkSync(target, join(work, path));
  }
}

class Repo {
  constructor(name, work, bare, isPrivate) {
    this.name = name;
    this.work = work;
    this.bare = bare;
    this.private = isPrivate;
    this.count = 0;
  }

  /** Commits a tree on `branch` (created from `from` when new), tags it, publishes it. */
  commit({ dir, files, symlinks, gitlinks, branch = 'main', from, tags = [], message }) {
    const branches = git(this.work, ['branch', '--format=%(refname:short)']).split('\n').filter(Boolean);
    if (this.count > 0) {
      if (branches.includes(branch)) git(this.work, ['checkout', '-q', branch]);
      else git(this.work, ['checkout', '-q', '-b', branch, from ?? 'main']);
    } else if (branch !== 'main') {
      git(this.work, ['checkout', '-q', '-b', branch]);
    }
    writeWorkTree(this.work, dir, files, symlinks);
    git(this.work, ['add', '-A']);
    // Submodule entries (path → commit id), as a repository with submodules has them.
    for (const [path, oid] of Object.entries(gitlinks ?? {})) git(this.work, ['update-index', '--add', '--cacheinfo', `160000,${oid},${path}`]);
    const date = `2026-01-01T00:${String(this.count).padStart(2, '0')}:00Z`;
    git(this.work, ['commit', '-q', '--allow-empty', '-m', message ?? `commit ${this.count + 1}`], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
    for (const tag of tags) git(this.work, ['tag', '-f', tag], { GIT_COMMITTER_DATE: date });
    this.count++;
    git(this.work, ['push', '-q', '--force', this.bare, `${branch}:refs/heads/${branch}`]);
    if (tags.length > 0) git(this.work, ['push', '-q', '--force', this.bare, ...tags.map((t) => `refs/tags/${t}:refs/tags/${t}`)]);
    return git(this.work, ['rev-parse', 'HEAD']);
  }

  /** The commit a ref names. */
  rev(ref) {
    return git(this.bare, ['rev-parse', `${ref}^{commit}`]);
  }
}

/**
 * Builds the fixture repositories and serves them. Options: fixtures (directory of
 * <owner>/<repo>/repo.json), token (for private repositories), port (0: any free one).
 */
export async function startTestGitServer({ fixtures = DEFAULT_FIXTURES, token = 'test-token', port = 0 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'starform-git-'));
  const served = join(dir, 'served');
  const repos = new Map();

  const addRepo = (name, isPrivate = false) => {
    const work = join(dir, 'work', name);
    const bare = join(served, `${name}.git`);
    mkdirSync(work, { recursive: true });
    mkdirSync(bare, { recursive: true });
    git(work, ['init', '-q', '-b', 'main']);
    git(bare, ['init', '-q', '--bare', '-b', 'main']);
    git(bare, ['config', 'http.uploadpack', 'true']);
    git(bare, ['config', 'uploadpack.allowAnySHA1InWant', 'true']);
    const repo = new Repo(name, work, bare, isPrivate);
    repos.set(name, repo);
    return repo;
  };

  if (existsSync(fixtures)) {
    for (const owner of readdirSync(fixtures).sort()) {
      for (const name of readdirSync(join(fixtures, owner)).sort()) {
        const base = join(fixtures, owner, name);
        const specFile = join(base, 'repo.json');
        if (!existsSync(specFile)) continue;
        const spec = JSON.parse(readFileSync(specFile, 'utf8'));
        const repo = addRepo(`${owner}/${name}`, spec.private === true);
        for (const c of spec.commits) repo.commit({ ...c, dir: c.tree ? join(base, c.tree) : undefined });
      }
    }
  }

  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/([^/]+\/[^/]+?)\.git(\/.*)$/.exec(url.pathname);
    const repo = m ? repos.get(m[1]) : undefined;
    if (!repo) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Repository not found.\n');
      return;
    }
    if (repo.private && !authorized(req.headers.authorization, token)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="starform test git"', 'content-type': 'text/plain' }).end('Authentication required.\n');
      return;
    }
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_PROJECT_ROOT: served,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.replace(/^\?/, ''),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
        REMOTE_USER: repo.private ? 'token' : '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
      },
      // git's own complaints (e.g. a test asking for a commit that does not exist) are the client's to report.
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let sent = false;
    child.stdout.on('data', (chunk) => {
      if (sent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      let end = head.indexOf('\r\n\r\n');
      let sep = 4;
      if (end < 0) {
        end = head.indexOf('\n\n');
        sep = 2;
      }
      if (end < 0) return;
      let status = 200;
      const headers = {};
      for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const key = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (key.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else headers[key] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + sep));
      sent = true;
    });
    child.on('close', () => {
      if (!sent) res.writeHead(502).end('git http-backend gave no answer\n');
      else res.end();
    });
    child.on('error', () => {
      if (!sent) res.writeHead(500).end('cannot run git http-backend\n');
    });
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const address = server.address();
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    baseUrl,
    token,
    get requests() {
      return requests;
    },
    repo(name) {
      const r = repos.get(name);
      if (!r) throw new Error(`no fixture repository ${name}`);
      return r;
    },
    /** Adds a repository (`{ private }`) to commit into. */
    addRepo,
    rev(name, ref) {
      return this.repo(name).rev(ref);
    },
    async close() {
      await new Promise((ok) => server.close(() => ok(undefined)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function authorized(header, token) {
  if (!header) return false;
  const [scheme, value] = header.split(' ', 2);
  if (/^bearer$/i.test(scheme)) return value === token;
  if (!/^basic$/i.test(scheme) || !value) return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1) === token;
}

/**
 * Run as a child with an IPC channel (`fork(script, ['--ipc'])`): the server lives in its
 * own process, since starform's git calls are synchronous and would block a server in the
 * caller's event loop. Answers {id, cmd: 'commit'|'addRepo'|'rev'|'requests', args}.
 */
async function serveOverIpc(server) {
  process.on('message', (msg) => {
    let reply;
    try {
      if (msg.cmd === 'commit') reply = { value: server.repo(msg.args.repo).commit(msg.args.commit) };
      else if (msg.cmd === 'addRepo') reply = { value: (server.addRepo(msg.args.repo, msg.args.private === true), null) };
      else if (msg.cmd === 'rev') reply = { value: server.rev(msg.args.repo, msg.args.ref) };
      else if (msg.cmd === 'requests') reply = { value: server.requests };
      else if (msg.cmd === 'close') {
        void server.close().then(() => process.exit(0));
        return;
      } else reply = { error: `unknown command ${msg.cmd}` };
    } catch (err) {
      reply = { error: String(err && err.stderr ? err.stderr : err) };
    }
    process.send({ id: msg.id, ...reply });
  });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
  process.send({ type: 'ready', baseUrl: server.baseUrl, token: server.token });
}

/** --detach: starts the server as a detached process, prints its line once it serves, exits. */
async function detach(args) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args.filter((a) => a !== '--detach')], {
    detached: true,
    // Nothing of the caller's: a shell's $(...) or a test's spawnSync would wait for it.
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const line = await new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) ok(out.split('\n')[0]);
    });
    child.once('exit', (code) => fail(new Error(`the git server exited with ${code}`)));
  });
  child.stdout.destroy();
  child.unref();
  process.stdout.write(`${line}\n`);
  process.stderr.write(`serve-test-git: serving fixtures/git on ${line.split('=')[1]} (pid ${child.pid}; stop it with: kill ${child.pid})\n`);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--detach')) return detach(args);
  const opt = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
  };
  const server = await startTestGitServer({
    fixtures: resolve(opt('fixtures', DEFAULT_FIXTURES)),
    token: opt('token', 'test-token'),
    port: Number(opt('port', '0')),
  });
  if (args.includes('--ipc') && process.send) {
    await serveOverIpc(server);
    return;
  }
  process.stdout.write(`STARFORM_GIT_BASE_URL=${server.baseUrl}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
