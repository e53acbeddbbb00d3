// `starform import service.NAME CONTAINER DIR` on the real engine: a container started
// with `docker run` is adopted by id (no labels), joins the enclave under the service's
// name, and the next plan is a no-op when it matches the package — or a replacement that
// says so when it does not; destroy removes it; refusals (another enclave's container,
// an address in use, a service the package lacks, no such container, usage errors) exit 1
// and change nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { docker, root, starform } from './state-edit-helpers.js';

const pkg = join(root, 'fixtures', 'packages', 'adopt');
const IMAGE = 'starform-test/busybox:latest';

interface StateFile {
  lineage: string;
  serial: number;
  services: Record<string, { container_id: string; adopted?: boolean; status: string; ip_address: string | null }>;
}

describe('cli: starform import (Docker)', function () {
  this.timeout(180_000);
  let dir: string;
  let state: string;
  const containers: string[] = [];
  // The user's own containers run on a network of their own (the import adds the enclave's).
  let network = '';
  const run = (...args: string[]): string => {
    const name = `sf-import-${randomBytes(4).toString('hex')}`;
    containers.push(name);
    const r = docker(['run', '-d', '--name', name, '--network', network, ...args]);
    assert.equal(r.status, 0, r.stderr);
    return name;
  };
  const read = (): StateFile => JSON.parse(readFileSync(state, 'utf8')) as StateFile;

  before(function () {
    if (docker(['image', 'inspect', IMAGE]).status !== 0) this.skip();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-import-'));
    state = join(dir, 's.json');
    network = `sf-import-net-${randomBytes(4).toString('hex')}`;
    const made = docker(['network', 'create', network]);
    assert.equal(made.status, 0, made.stderr);
  });
  afterEach(() => {
    if (existsSync(state)) starform(['destroy', '--auto-approve', '--state', state], dir);
    for (const c of containers.splice(0)) docker(['rm', '-f', c]);
    docker(['network', 'rm', network]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('adopts a matching container by id: the next plan is a no-op, peers reach it by name, destroy removes it', () => {
    const name = run('--expose', '80', IMAGE, 'httpd', '-f', '-p', '80', '-h', '/etc');
    const id = docker(['inspect', '-f', '{{.Id}}', name]).stdout;
    const imported = starform(['import', 'service.web', name, pkg, '--state', state], dir);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /Imported container [0-9a-f]{12} as service\.web: recorded by its id/);
    assert.match(imported.stdout, /It matches the package/);
    const s = read();
    assert.equal(s.services['web']!.container_id, id);
    assert.equal(s.services['web']!.adopted, true);
    assert.equal(s.services['web']!.status, 'running');
    assert.ok(s.services['web']!.ip_address, 'it has an address on the enclave network');
    // It carries no labels: Docker cannot add them.
    assert.equal(docker(['inspect', '-f', '{{index .Config.Labels "starform.lineage"}}', id]).stdout, '');

    const plan = starform(['plan', pkg, '--state', state, '--detailed-exitcode'], dir);
    assert.equal(plan.code, 0, `${plan.stdout}\n${plan.stderr}`);
    assert.match(plan.stdout, /No changes/);
    // `status` finds it by its id too, though no label names it.
    const status = starform(['status', '--state', state, '--json'], dir);
    assert.equal(status.code, 0, status.stderr);
    const web = (JSON.parse(status.stdout) as { services: { name: string; state: string; container_id: string }[] }).services[0];
    assert.deepEqual([web?.name, web?.state, web?.container_id], ['web', 'running', id]);

    // A service the package adds next to it reaches it as `web` and gets its files (its hostname).
    const withClient = starform(['apply', pkg, '--args', '{"client": true}', '--auto-approve', '--state', state], dir);
    assert.equal(withClient.code, 0, `${withClient.stdout}\n${withClient.stderr}`);
    assert.equal(read().services['web']!.container_id, id, 'the imported container was not replaced');
    const again = starform(['plan', pkg, '--args', '{"client": true}', '--state', state, '--detailed-exitcode'], dir);
    assert.equal(again.code, 0, again.stdout);

    const destroy = starform(['destroy', '--auto-approve', '--state', state], dir);
    assert.equal(destroy.code, 0, destroy.stderr);
    assert.notEqual(docker(['inspect', id]).status, 0, 'destroy removed the imported container');
  });

  it('a container that differs from the package is imported as it is, and the next plan replaces it, saying so', () => {
    const name = run('--expose', '80', '-e', 'MODE=legacy', IMAGE, 'httpd', '-f', '-p', '80', '-h', '/etc');
    const id = docker(['inspect', '-f', '{{.Id}}', name]).stdout;
    const imported = starform(['import', 'service.web', name, pkg, '--state', state], dir);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /differs from the package, so the next plan replaces it:\n {2}- env_vars/);
    const plan = starform(['plan', pkg, '--state', state, '--detailed-exitcode'], dir);
    assert.equal(plan.code, 2, plan.stdout);
    assert.match(plan.stdout, new RegExp(`service\\.web will be replaced \\(configuration changed; replaces the imported container ${id.slice(0, 12)}`));
    assert.match(plan.stdout, /MODE/);
    const apply = starform(['apply', pkg, '--auto-approve', '--state', state], dir);
    assert.equal(apply.code, 0, `${apply.stdout}\n${apply.stderr}`);
    const after = read().services['web']!;
    assert.notEqual(after.container_id, id);
    assert.equal(after.adopted, undefined, "the new container is starform's own");
    assert.notEqual(docker(['inspect', id]).status, 0, 'the imported container was removed by the replacement');
    containers.splice(0);
  });

  it('refuses what it must not adopt, exit 1, the state unchanged', () => {
    const web = run('--expose', '80', IMAGE, 'httpd', '-f', '-p', '80', '-h', '/etc');
    // No such container: no state file is created.
    const none = starform(['import', 'service.web', 'sf-import-no-such-container', pkg, '--state', state], dir);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /there is no container 'sf-import-no-such-container'/);
    assert.equal(existsSync(state), false);
    // The package does not declare it.
    const undeclared = starform(['import', 'service.other', web, pkg, '--state', state], dir);
    assert.equal(undeclared.code, 1);
    assert.match(undeclared.stderr, /the package does not add service 'other'/);
    assert.equal(existsSync(state), false);
    // A container of another starform enclave.
    const foreign = run('--label', 'starform.lineage=00000000-0000-4000-8000-000000000000', '--label', 'starform.service=web', IMAGE, 'sleep', '3600');
    const other = starform(['import', 'service.web', foreign, pkg, '--state', state], dir);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /belongs to another starform state \(lineage 00000000-0000-4000-8000-000000000000\)/);
    assert.equal(existsSync(state), false);
    // An address the state has already.
    assert.equal(starform(['import', 'service.web', web, pkg, '--state', state], dir).code, 0);
    const before = readFileSync(state, 'utf8');
    const second = run(IMAGE, 'sleep', '3600');
    const taken = starform(['import', 'service.web', second, pkg, '--state', state], dir);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /service\.web is in the state already/);
    assert.equal(readFileSync(state, 'utf8'), before);
    // Usage errors: nothing is read or written.
    for (const args of [
      ['import', 'service.web'],
      ['import', 'service.web', web, pkg, 'extra'],
      ['import', 'not a name', web, pkg],
    ]) {
      const r = starform([...args, '--state', state], dir);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
      assert.equal(readFileSync(state, 'utf8'), before);
    }
  });
});
