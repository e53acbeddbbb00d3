// A multi-node swarm on this one machine: three further Docker Engines, each in a network
// namespace of its own (own data and exec roots, pid file and socket, one veth into a
// switch namespace holding a bridge; a fourth veth gives this machine an address on that
// segment), the first `swarm init`ed, the others joined as workers. `starform apply
// --runtime swarm` through the manager's socket then places services on chosen nodes by
// node_selectors, exec and store_service_files work in a task's container on a worker
// (through the engine its `starform.engine` label names), a service on node one reaches
// one on node two over the overlay network, and a host-mode published port is reached at
// the address of the node that runs the task, not at 127.0.0.1. Nothing of the shared
// engine is touched: the switch namespace keeps the segment's traffic off the host's
// bridges and iptables. Without root, ip or nsenter the suite is skipped (under CI it fails).
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { SwarmRuntime } from '../../lib/swarm/index.js';
import { TEST_IMAGE } from '../docker/engine.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');
const pkg = join(root, 'test', 'swarm', 'fixtures', 'nodes');
const NODES = ['one', 'two', 'three'] as const;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function starform(args: string[], cwd: string, env: Record<string, string>): Run {
  const base: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', CI: '1' };
  for (const k of ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKER_TLS']) delete base[k];
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', input: '', env: { ...base, ...env } as NodeJS.ProcessEnv });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: Run): Run {
  assert.equal(r.code, 0, `exit 0 expected; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

interface Engine {
  readonly name: (typeof NODES)[number];
  readonly netns: string;
  readonly addr: string;
  readonly socket: string;
  readonly dir: string;
  daemon?: ChildProcess;
  log: string;
  nodeId?: string;
}

function missing(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  for (const [tool, args] of [
    ['dockerd', ['--version']],
    ['ip', ['-V']],
    ['nsenter', ['--version']],
  ] as const) {
    if (spawnSync(tool, args, { stdio: 'ignore' }).status !== 0) return `no ${tool}`;
  }
  return undefined;
}

describe('swarm runtime: a multi-node swarm (engines in network namespaces of their own)', function () {
  this.timeout(600_000);
  const tag = randomBytes(3).toString('hex');
  const sw = `sfs${tag}sw`;
  const hostLeg = `sfs${tag}h`;
  let subnet = '';
  let dir = '';
  const engines: Engine[] = [];
  let manager: Engine;
  const made: string[] = [];
  const docker = (e: Engine, ...args: string[]): string => sh('docker', ['-H', `unix://${e.socket}`, ...args]);

  before(async function () {
    this.timeout(300_000);
    const problem = missing();
    if (problem) {
      if (process.env['CI']) throw new Error(`a multi-node swarm is required in CI: ${problem}`);
      console.log(`    (skipping: cannot build a multi-node swarm here: ${problem})`);
      this.skip();
    }
    // A /24 of 10.250.0.0/16 no route of this machine uses.
    const routes = sh('ip', ['-4', 'route']);
    for (let x = 100 + (randomBytes(1)[0]! % 100); ; x++) {
      if (!routes.includes(`10.250.${x}.`)) {
        subnet = `10.250.${x}`;
        break;
      }
    }
    // Short: engine sockets live under it (unix socket paths are limited to 108 bytes).
    dir = mkdtempSync(join(tmpdir(), 'sf-nodes-'));
    sh('ip', ['netns', 'add', sw]);
    made.push(`netns:${sw}`);
    const inSw = (...args: string[]): string => sh('ip', ['netns', 'exec', sw, 'ip', ...args]);
    inSw('link', 'set', 'lo', 'up');
    inSw('link', 'add', 'br0', 'type', 'bridge');
    inSw('link', 'set', 'br0', 'up');
    sh('ip', ['link', 'add', hostLeg, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', sw]);
    made.push(`link:${hostLeg}`);
    inSw('link', 'set', 'uplink', 'master', 'br0');
    inSw('link', 'set', 'uplink', 'up');
    sh('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', hostLeg]);
    sh('ip', ['link', 'set', hostLeg, 'up']);
    for (const [i, name] of NODES.entries()) {
      const netns = `sfs${tag}n${i + 1}`;
      const e: Engine = { name, netns, addr: `${subnet}.${11 + i}`, socket: join(dir, `n${i + 1}`, 'docker.sock'), dir: join(dir, `n${i + 1}`), log: '' };
      engines.push(e);
      sh('ip', ['netns', 'add', netns]);
      made.push(`netns:${netns}`);
      const veth = `sfs${tag}v${i + 1}`;
      sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', `port${i + 1}`, 'netns', sw]);
      sh('ip', ['link', 'set', veth, 'netns', netns]);
      inSw('link', 'set', `port${i + 1}`, 'master', 'br0');
      inSw('link', 'set', `port${i + 1}`, 'up');
      const inNs = (...args: string[]): string => sh('ip', ['netns', 'exec', netns, 'ip', ...args]);
      inNs('link', 'set', 'lo', 'up');
      inNs('link', 'set', veth, 'name', 'eth0');
      inNs('addr', 'add', `${e.addr}/24`, 'dev', 'eth0');
      inNs('link', 'set', 'eth0', 'up');
      inNs('route', 'add', 'default', 'via', `${subnet}.1`);
      mkdirSync(e.dir, { recursive: true });
      // nsenter enters the network namespace only: `ip netns exec` would also remount /sys,
      // hiding the cgroup hierarchies dockerd needs. Its default bridge and address pool
      // live in its own namespace (distinct subnets all the same); no registry is reachable
      // from there, so task images are used as present (DOCKER_SERVICE_PREFER_OFFLINE_IMAGE).
      const daemon = spawn(
        'nsenter',
        [
          `--net=/var/run/netns/${netns}`,
          'dockerd',
          '--data-root',
          join(e.dir, 'data'),
          '--exec-root',
          join(e.dir, 'exec'),
          '--pidfile',
          join(e.dir, 'docker.pid'),
          '-H',
          `unix://${e.socket}`,
          '--bip',
          `10.251.${i + 1}.1/24`,
          '--default-address-pool',
          `base=10.24${i + 1}.0.0/16,size=24`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: '1' } },
      );
      e.daemon = daemon;
      daemon.stderr!.on('data', (d: Buffer) => (e.log = (e.log + d.toString()).slice(-4000)));
    }
    for (const e of engines) {
      const deadline = Date.now() + 90_000;
      while (spawnSync('docker', ['-H', `unix://${e.socket}`, 'version'], { stdio: 'ignore' }).status !== 0) {
        if (Date.now() > deadline || e.daemon!.exitCode !== null) throw new Error(`the engine of node ${e.name} did not start:\n${e.log}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    manager = engines[0]!;
    docker(manager, 'swarm', 'init', '--advertise-addr', manager.addr, '--listen-addr', `${manager.addr}:2377`, '--default-addr-pool', '10.254.0.0/16');
    const token = docker(manager, 'swarm', 'join-token', '-q', 'worker').trim();
    for (const e of engines.slice(1))
      docker(e, 'swarm', 'join', '--token', token, '--advertise-addr', e.addr, '--listen-addr', `${e.addr}:2377`, `${manager.addr}:2377`);
    // Node labels: where node_selectors place services, and where each worker's engine is.
    for (const e of engines) {
      e.nodeId = docker(e, 'info', '--format', '{{.Swarm.NodeID}}').trim();
      const labels = ['--label-add', `starform.test.node=${e.name}`, ...(e === manager ? [] : ['--label-add', `starform.engine=unix://${e.socket}`])];
      docker(manager, 'node', 'update', ...labels, e.nodeId);
    }
    // No registry: the test image comes from the shared engine, onto every node.
    const image = join(dir, 'image.tar');
    sh('docker', ['save', '-o', image, TEST_IMAGE]);
    for (const e of engines) docker(e, 'load', '-i', image);
    rmSync(image);
  });

  after(async function () {
    this.timeout(180_000);
    // Whatever a failed test left: every container of these engines is the test's own.
    for (const e of [...engines].reverse()) {
      if (e.daemon?.exitCode !== null) continue;
      spawnSync('sh', ['-c', `docker -H unix://${e.socket} ps -aq | xargs -r docker -H unix://${e.socket} rm -f`], { stdio: 'ignore' });
      spawnSync('docker', ['-H', `unix://${e.socket}`, 'swarm', 'leave', '--force'], { stdio: 'ignore' });
    }
    for (const e of engines) {
      if (!e.daemon || e.daemon.exitCode !== null) continue;
      const exited = new Promise((r) => e.daemon!.once('exit', r));
      e.daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 45_000))]);
      if (e.daemon.exitCode === null) e.daemon.kill('SIGKILL');
    }
    // Container shims (and the processes under them) outlive a dockerd that was killed: end
    // those whose command line names this test's directory, by pid.
    if (dir) {
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
    }
    for (const m of made.reverse()) {
      const [kind, name] = m.split(':') as [string, string];
      if (kind === 'netns') spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
      else spawnSync('ip', ['link', 'del', name], { stdio: 'ignore' });
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('places services on chosen nodes, works in a task container on a worker, and reaches a service across nodes', async () => {
    const work = mkdtempSync(join(dir, 'work-'));
    const state = join(work, 'starform.state.json');
    const env = { DOCKER_HOST: `unix://${manager.socket}` };
    const applied = ok(starform(['apply', pkg, '--state', state, '--auto-approve', '--runtime', 'swarm', '--json'], work, env));
    const stateFile = JSON.parse(readFileSync(state, 'utf8')) as {
      lineage: string;
      outputs: Record<string, string>;
      services: Record<string, { container_id: string }>;
    };
    const { lineage, outputs } = stateFile;
    assert.equal(outputs['across'], 'served from node two\n', `node one reached node two over the overlay network; apply said:\n${applied.stdout}`);
    assert.equal(outputs['page'], 'served from node two\n', 'the request went to the published port on node two');

    // Where the tasks run: the nodes the selectors name.
    const client = new Docker({ socketPath: manager.socket });
    const nodeOf = async (service: string): Promise<string> => {
      const tasks = await client.listTasks({ filters: { service: [stateFile.services[service]!.container_id], 'desired-state': ['running'] } });
      return (tasks as { NodeID: string }[])[0]!.NodeID;
    };
    const byName = new Map(engines.map((e) => [e.nodeId!, e.name]));
    assert.equal(byName.get(await nodeOf('web')), 'two');
    assert.equal(byName.get(await nodeOf('client')), 'one');

    // The published port is reported at node two's address (Status.Addr), where it answers.
    const runtime = new SwarmRuntime({ socketPath: manager.socket });
    const web = await runtime.inspectService({ lineage, name: 'web' });
    assert.equal(web?.ports['http']?.hostIp, engines[1]!.addr);
    const response = await fetch(`http://${web!.ports['http']!.hostIp}:${web!.ports['http']!.hostPort}/index.html`);
    assert.equal(await response.text(), 'served from node two\n');
    // The exec and the copy went to node two's engine: the volume is there, with the file.
    const two = engines[1]!;
    const volumes = docker(two, 'volume', 'ls', '-q', '--filter', `label=starform.lineage=${lineage}`).split('\n').filter(Boolean);
    assert.equal(volumes.length, 1, 'the persistent directory is a volume on node two');
    assert.deepEqual(docker(manager, 'volume', 'ls', '-q', '--filter', `label=starform.lineage=${lineage}`).trim(), '', 'and not on the manager');
    assert.equal(docker(two, 'run', '--rm', '-v', `${volumes[0]!}:/d`, TEST_IMAGE, 'cat', '/d/note'), 'kept on node two\n');
    const artifacts = (JSON.parse(readFileSync(state, 'utf8')) as { files_artifacts: Record<string, { size: number }> }).files_artifacts;
    assert.ok((artifacts['note']?.size ?? 0) > 0, 'store_service_files copied the file out of the task container on node two');

    // A no-op plan, then destroy: nothing of the enclave stays, on any node.
    const plan = ok(starform(['plan', pkg, '--state', state], work, env));
    assert.match(plan.stdout, /No changes\./);
    ok(starform(['destroy', '--state', state, '--auto-approve'], work, env));
    for (const e of engines) {
      assert.equal(docker(e, 'ps', '-aq', '--filter', `label=starform.lineage=${lineage}`).trim(), '', `no container of the enclave on node ${e.name}`);
      assert.equal(docker(e, 'volume', 'ls', '-q', '--filter', `label=starform.lineage=${lineage}`).trim(), '', `no volume of the enclave on node ${e.name}`);
    }
    assert.deepEqual(await client.listServices({ filters: { label: [`starform.lineage=${lineage}`] } }), []);
  });

  it('says which label is missing when a task runs on a node whose engine it does not reach', async () => {
    const three = engines[2]!;
    docker(manager, 'node', 'update', '--label-rm', 'starform.engine', three.nodeId!);
    const runtime = new SwarmRuntime({ socketPath: manager.socket });
    const lineage = `sf-nodes-${tag}`;
    try {
      await runtime.createService(lineage, { name: 'far', image: TEST_IMAGE, cmd: ['sleep', '3600'], nodeSelectors: { 'starform.test.node': 'three' } });
      await assert.rejects(runtime.exec({ lineage, name: 'far' }, ['true']), (err: Error) => {
        assert.match(err.message, /service 'far' runs on Swarm node \w+ \(10\.250\.\d+\.13\), whose engine this runtime does not reach/);
        assert.match(err.message, /docker node update --label-add starform\.engine=/);
        return true;
      });
    } finally {
      await runtime.removeEnclave(lineage);
      docker(manager, 'node', 'update', '--label-add', `starform.engine=unix://${three.socket}`, three.nodeId!);
    }
  });
});
