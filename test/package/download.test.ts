// upload_files from an http(s) URL, as Kurtosis does it: the body is downloaded while
// planning, becomes a one-file artifact named after the URL's last path segment, and the
// plan file carries it. Against a real HTTP server on 127.0.0.1 (in a child process: the
// download blocks this one), with the failures a user meets — an error status, nothing
// listening (as when offline), a body over the size limit, a server too slow. And
// read_file of a locator in another package.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { makePlan } from '../../lib/plan/index.js';
import { emptyState } from '../../lib/state/index.js';
import { digestOf } from '../../lib/util/hash.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { manifest, writeTree } from './helpers.js';

const SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => {
  if (req.url.startsWith('/genesis.json')) { res.setHeader('content-type', 'application/json'); return res.end('{"config": {"chainId": 1337}}\\n'); }
  if (req.url === '/') return res.end('root document\\n');
  if (req.url === '/big.bin') return res.end(Buffer.alloc(4096, 7));
  if (req.url === '/slow') return setTimeout(() => res.end('late'), 5000);
  res.statusCode = 404; res.end('no');
});
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

describe('package: upload_files from a URL', function () {
  this.timeout(60000);
  let server: ChildProcess;
  let base = '';

  before(async () => {
    server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<string>((done) => server.stdout!.once('data', (d: Buffer) => done(d.toString().trim())));
    base = `http://127.0.0.1:${port}`;
  });
  after(() => {
    server.kill();
  });
  afterEach(cleanupTempDirs);

  function planWith(src: string, download?: { timeoutMs?: number; maxBytes?: number; offline?: boolean }) {
    const dir = writeTree(tempDir('starform-url-'), {
      'kurtosis.yml': manifest('github.com/o/url'),
      'main.star': `def run(plan):\n    plan.upload_files(src = ${JSON.stringify(src)}, name = "fetched")\n`,
    });
    return makePlan({ dir, args: {}, state: emptyState(), ...(download ? { download } : {}) });
  }

  it('downloads the body at plan time into the plan, named after the URL', () => {
    const r = planWith(`${base}/genesis.json?token=secret`);
    assert.deepEqual(r.problems, []);
    const ins = r.plan!.instructions[0]!;
    const files = ins.args['files'] as { path: string; digest: string }[];
    assert.equal(files.length, 1);
    assert.equal(files[0]!.path, 'genesis.json');
    const body = Buffer.from('{"config": {"chainId": 1337}}\n');
    assert.equal(files[0]!.digest, digestOf(body));
    assert.deepEqual(r.plan!.files.get(digestOf(body)), body);
    const root = planWith(`${base}/`).plan!.instructions[0]!.args['files'] as { path: string }[];
    assert.equal(root[0]!.path, 'download');
  });

  it('says why it cannot download, without the query string', () => {
    const notFound = planWith(`${base}/missing.json?token=secret`);
    assert.match(notFound.problems[0]!.message, /cannot download http:\/\/127\.0\.0\.1:\d+\/missing\.json: the server answered HTTP 404/);
    assert.ok(!notFound.problems[0]!.message.includes('secret'));
    assert.equal(notFound.problems[0]!.position.file, 'main.star');
  });

  it('gives a clear error when nothing answers (offline)', async () => {
    const port = await freePort();
    const r = planWith(`http://127.0.0.1:${port}/genesis.json`);
    assert.match(r.problems[0]!.message, /cannot download http:\/\/127\.0\.0\.1:\d+\/genesis\.json: ECONNREFUSED/);
  });

  it('--offline refuses the URL before any connection', async () => {
    const port = await freePort();
    const r = planWith(`http://127.0.0.1:${port}/genesis.json`, { offline: true });
    assert.match(r.problems[0]!.message, /upload_files: --offline: http:\/\/127\.0\.0\.1:\d+\/genesis\.json is not downloaded/);
    assert.doesNotMatch(r.problems[0]!.message, /ECONNREFUSED/, 'no connection was tried');
  });

  it('enforces the size limit and the time limit', () => {
    assert.match(planWith(`${base}/big.bin`, { maxBytes: 1000 }).problems[0]!.message, /larger than the .* a plan file may carry/);
    assert.match(planWith(`${base}/slow`, { timeoutMs: 500 }).problems[0]!.message, /no (complete )?answer within 0\.5 s/);
  });
});

describe('package: read_file of a locator in another package', () => {
  afterEach(cleanupTempDirs);

  it('reads a file of a package mapped with --package', () => {
    const root = tempDir('starform-other-');
    writeTree(root, {
      'app/kurtosis.yml': manifest('github.com/o/app'),
      'app/main.star': 'def run(plan):\n    plan.print(msg = read_file("github.com/o/lib/conf/defaults.txt"))\n',
      'lib/kurtosis.yml': manifest('github.com/o/lib'),
      'lib/conf/defaults.txt': 'replicas = 2\n',
    });
    const r = makePlan({ dir: `${root}/app`, packages: { 'github.com/o/lib': `${root}/lib` }, args: {}, state: emptyState() });
    assert.deepEqual(r.problems, []);
    assert.equal(r.plan!.instructions[0]!.args['msg'], 'replicas = 2\n');
  });
});
