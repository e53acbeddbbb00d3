// The exported Compose file on the real engine: for every fixture package (all run on the
// local busybox image), the package is applied with starform and its plan exported; the
// Compose file is started with Debian's `docker-compose up -d` under a project name of its
// own, must run the same services and answer on every published TCP port exactly as the
// starform-applied environment does (HTTP: status and body; other ports: the bytes the
// service sends), and `docker-compose down -v` must leave no container, network or volume
// of the project behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPlan, writeExport } from '../../lib/export/index.js';
import { parsePlan, serializePlan } from '../../lib/planfile/index.js';
import { readState } from '../../lib/state/index.js';
import { applyPackage, httpGet, removeEnclaveTolerating, useApplyEngine } from '../apply/helpers/engine.js';
import { FIXTURES, fixturePackage } from './helpers.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function compose(project: string, file: string, args: string[], timeoutMs = 240_000): Run {
  const r = spawnSync('docker-compose', ['-p', project, '-f', file, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function hasCompose(): boolean {
  return spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
}

/** What a TCP port says: the bytes a service sends on connect (until it closes or 1.5 s pass). */
function tcpAnswer(port: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    const done = (): void => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    socket.setTimeout(1500, done);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', done);
    socket.on('error', (e) => resolve(`error: ${e.message}`));
  });
}

async function answer(port: number, http: boolean): Promise<string> {
  if (!http) return tcpAnswer(port);
  const r = await httpGet(port, '/');
  return `${r.status} ${r.body}`;
}

/** A subnet for the project: 10.23x.y.0/24, moved on when the engine has one that overlaps. */
function subnetFor(index: number, attempt: number): string {
  return `10.${232 + ((process.pid + attempt) % 8)}.${(index * 7 + attempt * 31) % 250}.0/24`;
}

const usable = hasCompose();

describe('export: the Compose file on the real engine (Docker, docker-compose)', function () {
  this.timeout(600_000);
  const engine = useApplyEngine();
  const projects: { project: string; file: string }[] = [];
  const dirs: string[] = [];

  before(function () {
    if (!usable) {
      if (process.env['CI']) throw new Error('docker-compose is not installed (.ci/run installs it)');
      this.skip();
    }
  });

  after(function () {
    this.timeout(300_000);
    for (const { project, file } of projects) compose(project, file, ['down', '-v', '--remove-orphans']);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  FIXTURES.forEach((name, index) => {
    it(`${name}: docker-compose up answers like the applied environment, down -v removes it`, async () => {
      const statePath = engine.newStatePath();
      const applied = await applyPackage(engine.runtime, fixturePackage(name), statePath);
      const state = await readState(statePath);
      const expected = new Map<string, string>();
      const running: string[] = [];
      for (const [service, record] of state.services) {
        if (record.status === 'running') running.push(service);
        for (const [id, p] of record.ports) {
          if (p.transportProtocol !== 'TCP' || p.hostPort === null) continue;
          expected.set(`${service} ${id} ${p.number}`, await answer(p.hostPort, p.applicationProtocol === 'http'));
        }
      }

      // The shared engine has few address pools: the starform environment goes before Compose makes its network.
      if (state.lineage !== null) await removeEnclaveTolerating(engine.runtime, state.lineage);

      const { text } = serializePlan(applied.plan);
      const loaded = parsePlan(text, `${name}.plan`);
      const dir = mkdtempSync(join(tmpdir(), `starform-export-${name}-`));
      dirs.push(dir);
      const file = join(dir, 'docker-compose.yml');
      const project = `sfexport${process.pid}${name.replace(/[^a-z0-9]/g, '')}`;
      projects.push({ project, file });
      let up: Run = { code: -1, stdout: '', stderr: '' };
      for (let attempt = 0; attempt < 4; attempt++) {
        await writeExport(dir, exportPlan({ plan: loaded.plan, checksum: loaded.checksum }, 'compose', { subnet: subnetFor(index, attempt) }));
        up = compose(project, file, ['up', '-d']);
        if (up.code === 0 || !/overlap/i.test(up.stderr)) break;
        compose(project, file, ['down', '-v']);
      }
      assert.equal(up.code, 0, `docker-compose up failed:\n${up.stderr}`);

      const ps = compose(project, file, ['ps', '--services', '--filter', 'status=running']);
      const composeRunning = ps.stdout.split('\n').filter((l) => l !== '' && state.services.has(l));
      assert.deepEqual(composeRunning.sort(), running.sort(), 'the same services run');
      for (const [key, want] of expected) {
        const [service, , number] = key.split(' ');
        const port = compose(project, file, ['port', service!, number!]);
        assert.equal(port.code, 0, `docker-compose port ${service} ${number}: ${port.stderr}`);
        const hostPort = Number(port.stdout.trim().split(':').at(-1));
        const http = state.services.get(service!)!.ports.get(key.split(' ')[1]!)!.applicationProtocol === 'http';
        assert.equal(await answer(hostPort, http), want, `${key} answers as under starform`);
      }

      const down = compose(project, file, ['down', '-v']);
      assert.equal(down.code, 0, `docker-compose down failed:\n${down.stderr}`);
      const left = spawnSync('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`], { encoding: 'utf8' }).stdout.trim();
      assert.equal(left, '', 'no container of the project is left');
      const volumes = spawnSync('docker', ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`], {
        encoding: 'utf8',
      }).stdout.trim();
      assert.equal(volumes, '', 'no volume of the project is left');
      const networks = spawnSync('docker', ['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`], {
        encoding: 'utf8',
      }).stdout.trim();
      assert.equal(networks, '', 'no network of the project is left');
    });
  });
});
