// Remote engines over ssh://, end to end: an sshd of the test's own (its own config, host
// key, authorized keys and pid file, on a loopback port; the system's sshd configuration is
// never read or changed), a client key the test makes, and `starform plan/apply/destroy`
// with DOCKER_HOST=ssh://root@127.0.0.1:PORT: dockerode runs `docker system dial-stdio`
// over the connection, as the docker CLI does. The key is found as ssh finds it: in the
// agent SSH_AUTH_SOCK names, or as a default identity file (~/.ssh/id_ed25519). The engine
// behind the sshd is the shared one; the test's services are labelled with their own
// lineage and removed by destroy. Without sshd (Debian: openssh-server) the suite is
// skipped, under CI it fails.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixture } from '../apply/helpers/engine.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');
const SSHD = '/usr/sbin/sshd';

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

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function starform(args: string[], cwd: string, env: Record<string, string>): Run {
  const base: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', CI: '1' };
  for (const k of ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKER_TLS', 'SSH_AUTH_SOCK']) delete base[k];
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', input: '', env: { ...base, ...env } as NodeJS.ProcessEnv });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function containers(lineage: string): string[] {
  return execFileSync('docker', ['ps', '-a', '--filter', `label=starform.lineage=${lineage}`, '--format', '{{.Names}}'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
}

describe('remote engines: ssh:// (an sshd of our own on a loopback port)', function () {
  this.timeout(300_000);
  let dir: string;
  let port: number;
  let sshd: ChildProcess | undefined;
  let agent: { pid: string; sock: string } | undefined;
  let log = '';
  const lineages: string[] = [];

  before(async function () {
    this.timeout(60_000);
    const problem =
      process.getuid?.() !== 0
        ? 'not root (the test logs in as root)'
        : !existsSync(SSHD)
          ? `no ${SSHD} (Debian package openssh-server)`
          : spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error
            ? 'no ssh-keygen (openssh-client)'
            : undefined;
    if (problem) {
      if (process.env['CI']) throw new Error(`an sshd is required in CI: ${problem}`);
      console.log(`    (skipping: cannot start an sshd: ${problem})`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'sf-ssh-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
    copyFileSync(join(dir, 'client_key.pub'), join(dir, 'authorized_keys'));
    port = await freePort();
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_key')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        // The temporary directory is not root's home: skip the ownership checks of it.
        'StrictModes no',
        // The remote command finds `docker` where this machine has it.
        `SetEnv PATH=${process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`,
        '',
      ].join('\n'),
    );
    // sshd needs its privilege separation directory (Debian makes it at boot, from its unit).
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    sshd.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const probe = spawnSync(
        'ssh',
        [
          '-i',
          join(dir, 'client_key'),
          '-p',
          String(port),
          '-o',
          'BatchMode=yes',
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
          'root@127.0.0.1',
          'docker',
          'version',
          '--format',
          '{{.Server.Version}}',
        ],
        { encoding: 'utf8' },
      );
      if (probe.status === 0) break;
      if (Date.now() > deadline || sshd.exitCode !== null) throw new Error(`the sshd did not let the test in:\n${probe.stderr}\n${log}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  });

  after(async function () {
    this.timeout(60_000);
    for (const l of lineages) {
      for (const name of containers(l)) spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
      spawnSync('sh', ['-c', `docker network ls -q --filter label=starform.lineage=${l} | xargs -r docker network rm`], { stdio: 'ignore' });
      spawnSync('sh', ['-c', `docker volume ls -q --filter label=starform.lineage=${l} | xargs -r docker volume rm`], { stdio: 'ignore' });
    }
    if (agent) spawnSync('kill', [agent.pid]);
    if (sshd && sshd.exitCode === null) {
      sshd.kill('SIGTERM');
      await new Promise((r) => sshd!.once('exit', r));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const roundTrip = (env: Record<string, string>): void => {
    const work = mkdtempSync(join(dir, 'work-'));
    const state = join(work, 'starform.state.json');
    const all = { DOCKER_HOST: `ssh://root@127.0.0.1:${port}`, ...env };
    const applied = starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve'], work, all);
    if (existsSync(state)) lineages.push((JSON.parse(readFileSync(state, 'utf8')) as { lineage: string }).lineage);
    assert.equal(applied.code, 0, `${applied.stdout}\n${applied.stderr}`);
    const lineage = lineages[lineages.length - 1]!;
    assert.match(applied.stdout, /page = "<p>hello, world<\/p>\\n"/, 'readiness and the request reached the service through its published port');
    assert.equal(containers(lineage).length, 3, 'the services run on the engine behind the sshd');
    const plan = starform(['plan', fixture('lifecycle'), '--state', state], work, all);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /No changes\./);
    const destroyed = starform(['destroy', '--state', state, '--auto-approve'], work, all);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.deepEqual(containers(lineage), []);
  };

  it('plans, applies and destroys through DOCKER_HOST=ssh:// with the key in an ssh agent', () => {
    const out = execFileSync('ssh-agent', ['-s', '-a', join(dir, 'agent.sock')], { encoding: 'utf8' });
    agent = { pid: /SSH_AGENT_PID=(\d+)/.exec(out)![1]!, sock: join(dir, 'agent.sock') };
    execFileSync('ssh-add', [join(dir, 'client_key')], { env: { ...process.env, SSH_AUTH_SOCK: agent.sock }, stdio: 'ignore' });
    roundTrip({ SSH_AUTH_SOCK: agent.sock });
  });

  it('plans, applies and destroys through DOCKER_HOST=ssh:// with the default identity file ~/.ssh/id_ed25519', () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
    copyFileSync(join(dir, 'client_key'), join(home, '.ssh', 'id_ed25519'));
    roundTrip({ HOME: home });
  });

  it('refuses a client without a key the server accepts, with one message naming the engine', () => {
    const work = mkdtempSync(join(dir, 'refused-'));
    const state = join(work, 'starform.state.json');
    const r = starform(['apply', fixture('lifecycle'), '--state', state, '--auto-approve'], work, {
      DOCKER_HOST: `ssh://root@127.0.0.1:${port}`,
      HOME: join(dir, 'nobody'),
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`ssh://root@127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n/);
    assert.equal(existsSync(state), false);
  });
});
