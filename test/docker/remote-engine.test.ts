// Remote engines, end to end: a second Docker Engine of the test's own (its own data and
// exec roots, pid file and socket, no default bridge, no iptables, its own address pool),
// listening on a loopback TCP port with TLS client verification, with certificates the test
// makes with openssl. `starform apply` then reaches it through DOCKER_HOST + DOCKER_TLS_VERIFY
// + DOCKER_CERT_PATH and through a Docker context (DOCKER_CONFIG/contexts, DOCKER_CONTEXT),
// and its services land on that engine, not on the shared one. A client without the
// certificates is refused with one message. The shared engine is never reconfigured.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixture } from '../apply/helpers/engine.js';
import { TEST_IMAGE } from './engine.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as the docker docs make them. */
function makeCertificates(dir: string): void {
  mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=starform-test-ca'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'server-cert.pem', '-days', '1', '-extfile', 'server.ext'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'client.csr', '-subj', '/CN=starform-test-client'], dir);
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'cert.pem', '-days', '1', '-extfile', 'client.ext'], dir);
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function starform(args: string[], cwd: string, env: Record<string, string | undefined>): Run {
  const base: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', CI: '1' };
  for (const k of ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKER_TLS']) delete base[k];
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', input: '', env: { ...base, ...env } as NodeJS.ProcessEnv });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function containersOn(socket: string | undefined, lineage: string): string[] {
  const args = [...(socket ? ['-H', `unix://${socket}`] : []), 'ps', '-a', '--filter', `label=starform.lineage=${lineage}`, '--format', '{{.Names}}'];
  return execFileSync('docker', args, { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
}

describe('remote engines: tcp:// with TLS, and Docker contexts (a second engine of our own)', function () {
  this.timeout(300_000);
  let dir: string;
  let daemon: ChildProcess | undefined;
  let socket: string;
  let port: number;
  let certs: string;
  let bridge: string | undefined;

  before(async function () {
    this.timeout(120_000);
    const problem =
      process.getuid?.() !== 0 ? 'not root' : spawnSync('dockerd', ['--version']).status !== 0 ? 'no dockerd' : spawnSync('openssl', ['version']).status !== 0 ? 'no openssl' : undefined;
    if (problem) {
      if (process.env['CI']) throw new Error(`a second Docker Engine is required in CI: ${problem}`);
      console.log(`    (skipping: cannot start a second Docker Engine: ${problem})`);
      this.skip();
    }
    // A short path: the engine's sockets live under it (unix socket paths are limited to 108 bytes).
    dir = mkdtempSync(join(tmpdir(), 'sf-remote-'));
    certs = join(dir, 'certs');
    makeCertificates(certs);
    socket = join(dir, 'docker.sock');
    port = await freePort();
    bridge = `sfr${randomBytes(4).toString('hex')}`;
    execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
    execFileSync('ip', ['addr', 'add', '10.214.0.1/24', 'dev', bridge]);
    execFileSync('ip', ['link', 'set', bridge, 'up']);
    daemon = spawn(
      'dockerd',
      [
        '--data-root', join(dir, 'data'),
        '--exec-root', join(dir, 'exec'),
        '--pidfile', join(dir, 'docker.pid'),
        '-H', `unix://${socket}`,
        '-H', `tcp://127.0.0.1:${port}`,
        '--tlsverify',
        '--tlscacert', join(certs, 'ca.pem'),
        '--tlscert', join(certs, 'server-cert.pem'),
        '--tlskey', join(certs, 'server-key.pem'),
        // A bridge of its own: with --bridge=none, dockerd deletes the host's docker0 (the
        // shared engine's default bridge) as it starts.
        '--bridge', bridge,
        '--iptables=false',
        '--default-address-pool', 'base=10.213.0.0/16,size=24',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    daemon.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    const deadline = Date.now() + 60_000;
    while (spawnSync('docker', ['-H', `unix://${socket}`, 'version'], { stdio: 'ignore' }).status !== 0) {
      if (Date.now() > deadline || daemon.exitCode !== null) throw new Error(`the second engine did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    // No registry is reachable: the test image comes from the shared engine.
    execFileSync('sh', ['-c', `docker save ${TEST_IMAGE} | docker -H unix://${socket} load`], { stdio: 'ignore' });
  });

  after(async function () {
    this.timeout(60_000);
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon!.once('exit', r));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (bridge) spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  });

  it('applies and destroys through DOCKER_HOST=tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', () => {
    const work = mkdtempSync(join(dir, 'host-'));
    const state = join(work, 'starform.state.json');
    const env = { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs };
    const applied = starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve'], work, env);
    assert.equal(applied.code, 0, applied.stderr);
    const lineage = (JSON.parse(readFileSync(state, 'utf8')) as { lineage: string }).lineage;
    assert.match(applied.stdout, /page = "<p>hello, world<\/p>\\n"/, 'readiness and the request reached the service through its published port');
    assert.equal(containersOn(socket, lineage).length, 3, 'the services run on the remote engine');
    assert.deepEqual(containersOn(undefined, lineage), [], 'and not on the shared one');
    const plan = starform(['plan', fixture('lifecycle'), '--state', state], work, env);
    assert.match(plan.stdout, /No changes\./, plan.stderr);
    const destroyed = starform(['destroy', '--state', state, '--auto-approve'], work, env);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.deepEqual(containersOn(socket, lineage), []);
  });

  it('applies through a Docker context (DOCKER_CONTEXT, its meta.json and tls/ directory)', () => {
    const work = mkdtempSync(join(dir, 'context-'));
    const state = join(work, 'starform.state.json');
    const config = join(work, 'docker-config');
    const name = 'starform-remote';
    const id = createHash('sha256').update(name).digest('hex');
    mkdirSync(join(config, 'contexts', 'meta', id), { recursive: true });
    writeFileSync(
      join(config, 'contexts', 'meta', id, 'meta.json'),
      JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: `tcp://127.0.0.1:${port}`, SkipTLSVerify: false } } }),
    );
    const tls = join(config, 'contexts', 'tls', id, 'docker');
    mkdirSync(tls, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) copyFileSync(join(certs, f), join(tls, f));
    const env = { DOCKER_CONFIG: config, DOCKER_CONTEXT: name };
    const applied = starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve'], work, env);
    assert.equal(applied.code, 0, applied.stderr);
    const lineage = (JSON.parse(readFileSync(state, 'utf8')) as { lineage: string }).lineage;
    assert.equal(containersOn(socket, lineage).length, 3);
    // config.json's currentContext picks it too, as for the docker CLI.
    writeFileSync(join(config, 'config.json'), JSON.stringify({ currentContext: name }));
    const plan = starform(['plan', fixture('lifecycle'), '--state', state], work, { DOCKER_CONFIG: config });
    assert.match(plan.stdout, /No changes\./, plan.stderr);
    const destroyed = starform(['destroy', '--state', state, '--auto-approve'], work, { DOCKER_CONFIG: config });
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.deepEqual(containersOn(socket, lineage), []);
  });

  it('refuses a client without the certificates, and a missing context, with one message each', () => {
    const work = mkdtempSync(join(dir, 'refused-'));
    const state = join(work, 'starform.state.json');
    const noCerts = starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve'], work, { DOCKER_HOST: `tcp://127.0.0.1:${port}` });
    assert.equal(noCerts.code, 1, noCerts.stderr);
    assert.match(noCerts.stderr, new RegExp(`tcp://127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(noCerts.stderr, /\n\s+at .+:\d+:\d+\)?\n/);
    const missing = starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve'], work, { DOCKER_CONFIG: join(work, 'none'), DOCKER_CONTEXT: 'nowhere' });
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, /there is no Docker context named 'nowhere'/);
    assert.equal(existsSync(state), false);
  });
});
