// Kurtosis API fidelity, planned on fixture packages written the way real packages use
// each feature (docs/kurtosis-api.md): ServiceConfig's current settings and the
// privileged opt-in, a task rewriting an artifact under its own name, multi-phase runs
// that find services and artifacts of earlier applies, the Service value's fields, and a
// replaced service keeping its address (so what uses only its address stays as it is).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePlan, type Change } from '../../lib/plan/index.js';
import type { Instruction, ServiceConfigJson } from '../../lib/instructions/index.js';
import { emptyState, type State } from '../../lib/state/index.js';
import type { JsonObject } from '../../lib/util/json.js';
import { cleanupTempDirs, tempDir } from '../util/tmp.js';
import { applyForTests } from './simulate.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../../fixtures/packages/${name}`, import.meta.url));

function plan(name: string, state: State, args: JsonObject = {}, options: { privileged?: boolean } = {}) {
  const result = makePlan({ dir: fixture(name), args, state, ...options });
  assert.deepEqual(result.problems, [], 'the fixture plans without problems');
  return result.plan!;
}

function problems(name: string, state: State, args: JsonObject = {}): string[] {
  return makePlan({ dir: fixture(name), args, state }).problems.map((p) => `${p.position.file}:${p.position.line}: ${p.message}`);
}

const configOf = (ins: Instruction): ServiceConfigJson => ins.args['config'] as unknown as ServiceConfigJson;
const byId = (p: { instructions: readonly Instruction[] }, id: string): Instruction => p.instructions.find((i) => i.id === id)!;
const visible = (p: { changes: readonly Change[] }): string[] => p.changes.filter((c) => c.action !== 'no-op').map((c) => `${c.action} ${c.stepId}`);
const reasonOf = (p: { changes: readonly Change[] }, id: string): string | undefined => p.changes.find((c) => c.stepId === id)?.reason;

describe('plan: Kurtosis API fidelity on fixture packages', () => {
  afterEach(cleanupTempDirs);

  describe('ServiceConfig settings of current Kurtosis (p2p-node)', () => {
    it('plans publish_udp, capabilities, a port url and descriptions on types and instructions', () => {
      const p = plan('p2p-node', emptyState());
      const node = byId(p, 'service.node');
      const config = configOf(node);
      assert.equal(config.publish_udp, false);
      assert.deepEqual(config.capabilities, ['NET_ADMIN']);
      assert.equal(config.ports['discovery'].wait, null);
      assert.equal(config.ports['rpc'].wait, '2m0s', 'PortSpec waits 2m by default (container-engine-lib port_spec/wait.go)');
      assert.equal(config.ports['rpc'].url, 'http://node:8545');
      assert.equal(node.description, 'Starting the node');
      assert.equal(node.privileged, undefined);
      assert.deepEqual(p.outputs, { rpc: 'http://node:8545', discovery: 30303 });
      assert.equal(configOf(byId(plan('p2p-node', emptyState(), { publish_udp: true }), 'service.node')).publish_udp, true);
    });

    it('refuses privileged, host_pid_namespace and bind_mounts without the opt-in, at the call', () => {
      const found = problems('p2p-node', emptyState(), { with_monitor: true, privileged_monitor: true });
      assert.equal(found.length, 1, found.join('\n'));
      assert.match(
        found[0],
        /^main\.star:22: add_service: the configuration asks for privileged=True, host_pid_namespace=True, bind_mounts, which give the container elevated access to the host, but this run did not opt in: pass --privileged/,
      );
    });

    it('plans them with --privileged and records the opt-in on each instruction that uses them', () => {
      const p = plan('p2p-node', emptyState(), { with_monitor: true, privileged_monitor: true }, { privileged: true });
      const monitor = byId(p, 'service.monitor');
      assert.equal(monitor.privileged, true);
      const config = configOf(monitor);
      assert.equal(config.privileged, true);
      assert.equal(config.host_pid_namespace, true);
      assert.deepEqual(config.bind_mounts, { '/var/run/docker.sock': '/var/run/docker.sock' });
      const task = p.instructions.find((i) => i.kind === 'run_sh')!;
      assert.equal(task.privileged, true);
      assert.equal(task.args['privileged'], false);
      assert.deepEqual(task.args['bind_mounts'], { '/var/run/docker.sock': '/var/run/docker.sock' });
      assert.equal(byId(p, 'service.node').privileged, undefined, 'only the instructions that use them');
    });
  });

  describe('description on every builtin', () => {
    it('is accepted by import_module, read_file and the type constructors', () => {
      const dir = tempDir();
      mkdirSync(join(dir, 'lib'));
      writeFileSync(join(dir, 'kurtosis.yml'), 'name: github.com/starform-fixtures/described\n');
      writeFileSync(join(dir, 'lib', 'ports.star'), 'HTTP = 80\n');
      writeFileSync(join(dir, 'motd.txt'), 'hello\n');
      writeFileSync(
        join(dir, 'main.star'),
        [
          'ports = import_module("./lib/ports.star", description = "port numbers")',
          'def run(plan):',
          '    motd = read_file("./motd.txt", "the banner")',
          '    cfg = ServiceConfig(image = "x", ports = {"http": PortSpec(ports.HTTP, description = "web")}, env_vars = {"MOTD": motd}, description = "web config")',
          '    plan.add_service("web", cfg, False, "the web server")',
          '    return cfg.description',
          '',
        ].join('\n'),
      );
      const result = makePlan({ dir, args: {}, state: emptyState() });
      assert.deepEqual(result.problems, []);
      assert.equal(result.plan!.outputs, 'web config');
      assert.equal(result.plan!.instructions[0].description, 'the web server');
      assert.equal(configOf(result.plan!.instructions[0]).env_vars['MOTD'], 'hello\n');
    });
  });

  describe('a task storing into an existing artifact updates it (genesis)', () => {
    it('plans, and what mounts the artifact afterwards depends on the task', () => {
      const first = plan('genesis', emptyState());
      assert.deepEqual(visible(first).sort(), ['create artifact.network-config', 'create service.node', `run ${first.instructions[1].id}`].sort());
      const state = applyForTests(first, emptyState());
      assert.deepEqual(visible(plan('genesis', state)), [], 'an applied package is unchanged');
      const later = plan('genesis', state, { timestamp: '1700000000' });
      const task = later.instructions[1].id;
      assert.deepEqual(visible(later), [`run ${task}`, 'replace service.node']);
      assert.equal(reasonOf(later, 'service.node'), `depends on ${task}, which changes`);
    });

    it('still refuses a second upload under a name created in this run', () => {
      const dir = tempDir();
      mkdirSync(join(dir, 'a'));
      writeFileSync(join(dir, 'a', 'f'), 'x');
      writeFileSync(join(dir, 'kurtosis.yml'), 'name: github.com/starform-fixtures/twice\n');
      writeFileSync(join(dir, 'main.star'), 'def run(plan):\n    plan.upload_files("./a", "cfg")\n    plan.upload_files("./a", "cfg")\n');
      const found = makePlan({ dir, args: {}, state: emptyState() }).problems.map((p) => p.message);
      assert.deepEqual(found, ["files artifact 'cfg' is created twice; give one of them another name"]);
    });
  });

  describe('multi-phase runs see the enclave (lookup)', () => {
    it('finds the services and artifacts of an earlier apply, and keeps them', () => {
      const state = applyForTests(plan('lookup', emptyState()), emptyState());
      const second = plan('lookup', state, { phase: 2 });
      assert.deepEqual(visible(second), ['create service.client'], 'db and db-config are looked up, so kept');
      const client = configOf(byId(second, 'service.client'));
      assert.equal(client.env_vars['DB'], '{{starform:service.db.ip_address}}:5432');
      assert.equal(client.env_vars['PEERS'], 'db');
      assert.deepEqual(client.files['/etc/db'].artifact_names, ['db-config']);
      assert.deepEqual(second.outputs, { client: 'client', known: ['db'] });
    });

    it('without the earlier apply, get_service fails at its call as in a fresh enclave', () => {
      const found = problems('lookup', emptyState(), { phase: 2 });
      assert.equal(found.length, 1, found.join('\n'));
      assert.match(found[0], /^main\.star:18: get_service: An error occurred while fetching service 'db' from the store/);
    });
  });

  describe('a replaced service keeps its address (addresses)', () => {
    it('leaves what uses only its ip_address and hostname alone, and replaces what uses its output', () => {
      const state = applyForTests(plan('addresses', emptyState()), emptyState());
      const changed = plan('addresses', state, { db_version: '2' });
      const v = visible(changed);
      assert.ok(v.includes('replace service.db'), v.join(', '));
      assert.ok(!v.includes('replace service.web'), `web uses only db's address and hostname: ${v.join(', ')}`);
      assert.ok(
        v.some((x) => x.startsWith('run exec.')),
        v.join(', '),
      );
      assert.ok(v.includes('replace service.reporter'), v.join(', '));
      assert.match(reasonOf(changed, 'service.reporter')!, /^depends on exec\./);
      const web = configOf(byId(changed, 'service.web'));
      assert.equal(web.env_vars['DB_HOST'], '{{starform:service.db.hostname}}');
    });

    it('does not count on an address the state does not have', () => {
      const applied = applyForTests(plan('addresses', emptyState()), emptyState());
      const db = applied.services.get('db')!;
      const state: State = { ...applied, services: new Map([...applied.services, ['db', { ...db, ipAddress: null, status: 'stopped' }]]) };
      const changed = plan('addresses', state, { db_version: '2' });
      assert.ok(visible(changed).includes('replace service.web'), visible(changed).join(', '));
    });
  });
});
