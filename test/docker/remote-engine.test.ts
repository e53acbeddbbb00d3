// Remote engines, end to end: a second Docker Engine of the test's own (its own data and
// exec roots, pid file and socket, its own address pool), in a network namespace of its own
// joined to this machine by one veth, so that it is a host of its own: its own address,
// its own ports (published ports of the shared engine cannot collide with its ones). It
// listens on its address with TLS client verification, with certificates the test makes
// with openssl. Its published ports are reached, and readiness probed, at that address,
// not at 127.0.0.1. `starform apply` then reaches it through DOCKER_HOST + DOCKER_TLS_VERIFY
// + DOCKER_CERT_PATH and through a Docker context (DOCKER_CONFIG/contexts, DOCKER_CONTEXT),
// and its services land on that engine, not on the shared one. A client without the
// certificates is refused with one message. The shared engine is never reconfigured.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixture } from '../apply/helpers/engine.js';
import { TEST_IMAGE } from './engine.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

/** A CA, a server certificate for `ip` and a client certificate, as the docker docs make them. */
function makeCertificates(dir: string, ip: string): void {
  mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=starform-test-ca'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', `/CN=${ip}`], dir);
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      'server-cert.pem',
      '-days',
      '1',
      '-extfile',
      'server.ext',
    ],
    dir,
  );
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'client.csr', '-subj', '/CN=starform-test-client'], dir);
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'client.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      'cert.pem',
      '-days',
      '1',
      '-extfile',
      'client.ext',
    ],
    dir,
  );
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
  const port = 2376;
  let certs: string;
  const tag = randomBytes(3).toString('hex');
  const netns = `sfr${tag}`;
  const hostLeg = `sfr${tag}h`;
  let made = { netns: false, link: false };
  let addr = '';

  before(async function () {
    this.timeout(120_000);
    const problem =
      process.getuid?.() !== 0
        ? 'not root'
        : spawnSync('dockerd', ['--version']).status !== 0
          ? 'no dockerd'
          : spawnSync('openssl', ['version']).status !== 0
            ? 'no openssl'
            : spawnSync('nsenter', ['--version']).status !== 0
              ? 'no nsenter'
              : spawnSync('ip', ['-V']).status !== 0
                ? 'no ip'
                : undefined;
    if (problem) {
      if (process.env['CI']) throw new Error(`a second Docker Engine is required in CI: ${problem}`);
      console.log(`    (skipping: cannot start a second Docker Engine: ${problem})`);
      this.skip();
    }
    // A short path: the engine's sockets live under it (unix socket paths are limited to 108 bytes).
    dir = mkdtempSync(join(tmpdir(), 'sf-remote-'));
    // A /30 of 10.249.0.0/16 no route of this machine uses: .1 here, .2 the engine's.
    const routes = execFileSync('ip', ['-4', 'route'], { encoding: 'utf8' });
    let x = randomBytes(1)[0]!;
    while (routes.includes(`10.249.${x}.`)) x = (x + 1) % 256;
    addr = `10.249.${x}.2`;
    certs = join(dir, 'certs');
    makeCertificates(certs, addr);
    socket = join(dir, 'docker.sock');
    execFileSync('ip', ['netns', 'add', netns]);
    made.netns = true;
    execFileSync('ip', ['link', 'add', hostLeg, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    made.link = true;
    execFileSync('ip', ['addr', 'add', `10.249.${x}.1/30`, 'dev', hostLeg]);
    execFileSync('ip', ['link', 'set', hostLeg, 'up']);
    for (const args of [
      ['link', 'set', 'lo', 'up'],
      ['addr', 'add', `${addr}/30`, 'dev', 'eth0'],
      ['link', 'set', 'eth0', 'up'],
      ['route', 'add', 'default', 'via', `10.249.${x}.1`],
    ]) {
      execFileSync('ip', ['netns', 'exec', netns, 'ip', ...args]);
    }
    // nsenter enters the network namespace only (`ip netns exec` would remount /sys and hide
    // the cgroup hierarchies dockerd needs). Its default bridge is its namespace's own.
    daemon = spawn(
      'nsenter',
      [
        `--net=/var/run/netns/${netns}`,
        'dockerd',
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '--pidfile',
        join(dir, 'docker.pid'),
        '-H',
        `unix://${socket}`,
        '-H',
        `tcp://${addr}:${port}`,
        '--tlsverify',
        '--tlscacert',
        join(certs, 'ca.pem'),
        '--tlscert',
        join(certs, 'server-cert.pem'),
        '--tlskey',
        join(certs, 'server-key.pem'),
        // Never --bridge=none: dockerd then deletes the docker0 of its namespace (in the
        // host's, the shared engine's default bridge).
        '--bip',
        '10.214.0.1/24',
        '--default-address-pool',
        'base=10.213.0.0/16,size=24',
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
    this.timeout(90_000);
    if (daemon && daemon.exitCode === null) {
      // Whatever a failed test left (every container of this engine is the test's own).
      spawnSync('sh', ['-c', `docker -H unix://${socket} ps -aq | xargs -r docker -H unix://${socket} rm -f`], { stdio: 'ignore' });
      const exited = new Promise((r) => daemon!.once('exit', r));
      daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 45_000))]);
      if (daemon.exitCode === null) daemon.kill('SIGKILL');
    }
    if (dir) {
      // Container shims outlive a dockerd that was killed: end those naming this directory, by pid.
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        let cmdline = '';
        try {
          cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        } catch {
          continue;
        }
        if (cmdline.includes(dir)) spawnSync('kill', ['-KILL', pid]);
      }
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[4] ?? '')
        .filter((m) => m.startsWith(dir))
        .sort()
        .reverse();
      for (const m of mounts) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    }
    if (made.link) spawnSync('ip', ['link', 'del', hostLeg], { stdio: 'ignore' });
    if (made.netns) spawnSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
    made = { netns: false, link: false };
  });

  it('applies and destroys through DOCKER_HOST=tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', () => {
    const work = mkdtempSync(join(dir, 'host-'));
    const state = join(work, 'starform.state.json');
    const env = { DOCKER_HOST: `tcp://${addr}:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs };
    const applied = starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve'], work, env);
    assert.equal(applied.code, 0, applied.stderr);
    const lineage = (JSON.parse(readFileSync(state, 'utf8')) as { lineage: string }).lineage;
    assert.match(applied.stdout, /page = "<p>hello, world<\/p>\\n"/, 'readiness and the request reached the service through its published port');
    // Published on the engine's own address (its host), and reached there.
    const ports = execFileSync('docker', ['-H', `unix://${socket}`, 'ps', '--filter', `label=starform.lineage=${lineage}`, '--format', '{{.Ports}}'], {
      encoding: 'utf8',
    });
    assert.match(ports, /0\.0\.0\.0:\d+->8080\/tcp/);
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
      JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: `tcp://${addr}:${port}`, SkipTLSVerify: false } } }),
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
    const noCerts = starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve'], work, { DOCKER_HOST: `tcp://${addr}:${port}` });
    assert.equal(noCerts.code, 1, noCerts.stderr);
    assert.match(noCerts.stderr, new RegExp(`tcp://${addr.replace(/\./g, '\\.')}:${port}`));
    assert.doesNotMatch(noCerts.stderr, /\n\s+at .+:\d+:\d+\)?\n/);
    const missing = starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve'], work, {
      DOCKER_CONFIG: join(work, 'none'),
      DOCKER_CONTEXT: 'nowhere',
    });
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, /there is no Docker context named 'nowhere'/);
    assert.equal(existsSync(state), false);
  });
});
