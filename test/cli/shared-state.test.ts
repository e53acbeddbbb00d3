// Several packages in one state (one enclave), on the real engine: each owns what it
// creates; planning one never deletes, replaces or re-runs the other's; the second reads
// the first's service and artifact (its plan records that, `show` lists it); a name
// claimed by two packages, or an exec in another package's service, is an error at its
// position (exit 1); `destroy --package` removes one package's entities only, and is
// refused while another package uses them.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, root, starform } from './state-edit-helpers.js';

const chain = join(root, 'fixtures', 'packages', 'shared-chain');
const tooling = join(root, 'fixtures', 'packages', 'shared-tooling');
const CHAIN = 'github.com/starform-fixtures/shared-chain';
const TOOLING = 'github.com/starform-fixtures/shared-tooling';

interface StateFile {
  lineage: string;
  services: Record<string, { container_id: string; package?: string }>;
  files_artifacts: Record<string, { package?: string }>;
  steps: { id: string; package?: string }[];
}

describe('cli: several packages in one state (Docker)', function () {
  this.timeout(240_000);
  let dir: string;
  let state: string;
  const read = (): StateFile => JSON.parse(readFileSync(state, 'utf8')) as StateFile;
  const running = (id: string): boolean => docker(['inspect', '-f', '{{.State.Running}}', id]).stdout === 'true';

  before(function () {
    if (docker(['image', 'inspect', 'starform-test/busybox:latest']).status !== 0) this.skip();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-shared-'));
    state = join(dir, 's.json');
  });
  afterEach(() => {
    if (existsSync(state)) starform(['destroy', '--auto-approve', '--state', state], dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('each package owns what it creates; the other reads it, and neither plan touches the other', () => {
    const first = starform(['apply', chain, '--auto-approve', '--state', state], dir);
    assert.equal(first.code, 0, first.stderr);
    const node = read().services['node']!.container_id;
    assert.equal(read().services['node']!.package, CHAIN);
    assert.equal(read().files_artifacts['chain-config']!.package, CHAIN);

    const planFile = join(dir, 'tooling.plan');
    const plan = starform(['plan', tooling, '--state', state, '--out', planFile, '--detailed-exitcode'], dir);
    assert.equal(plan.code, 2, plan.stderr);
    assert.match(plan.stdout, /Plan: 1 to create, 0 to replace, 1 to run, 0 to delete\./);
    assert.match(
      plan.stdout,
      /Reads, read-only, from other packages of this state:\n {2}artifact\.chain-config \(package github\.com\/starform-fixtures\/shared-chain\)\n {2}service\.node \(package github\.com\/starform-fixtures\/shared-chain\)/,
    );
    const saved = JSON.parse(readFileSync(planFile, 'utf8')) as { package: { uses: unknown } };
    assert.deepEqual(saved.package.uses, [
      { address: 'artifact.chain-config', package: CHAIN },
      { address: 'service.node', package: CHAIN },
    ]);
    assert.match(starform(['show', planFile], dir).stdout, /Reads, read-only, from other packages/);
    const applied = starform(['apply', planFile, '--state', state], dir);
    assert.equal(applied.code, 0, applied.stderr);
    const s = read();
    assert.equal(s.services['explorer']!.package, TOOLING);
    assert.equal(s.services['node']!.container_id, node, 'the chain node was not touched');
    assert.ok(s.steps.filter((x) => x.package === CHAIN).length > 0, 'the chain package keeps its steps');

    // Planning either package again changes nothing: neither deletes the other's services.
    assert.equal(starform(['plan', chain, '--state', state, '--detailed-exitcode'], dir).code, 0);
    assert.equal(starform(['plan', tooling, '--state', state, '--detailed-exitcode'], dir).code, 0);
    const again = starform(['apply', chain, '--auto-approve', '--state', state], dir);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(read().services['explorer'], 'applying the chain package kept the tooling service');
    assert.ok(
      read().steps.some((x) => x.package === TOOLING),
      'and its steps',
    );
  });

  it("a name claimed by two packages, or acting on the other package's service, is an error at its position", () => {
    const first = starform(['apply', chain, '--auto-approve', '--state', state], dir);
    assert.equal(first.code, 0, first.stderr);
    const before = readFileSync(state, 'utf8');
    const claim = starform(['plan', tooling, '--args', '{"claim": true}', '--state', state], dir);
    assert.equal(claim.code, 1);
    assert.match(
      claim.stderr,
      /main\.star:\d+:\d+: error: service 'node' belongs to package github\.com\/starform-fixtures\/shared-chain: package github\.com\/starform-fixtures\/shared-tooling cannot add a service of that name/,
    );
    const poke = starform(['apply', tooling, '--args', '{"poke": true}', '--auto-approve', '--state', state], dir);
    assert.equal(poke.code, 1);
    assert.match(poke.stderr, /main\.star:\d+:\d+: error: exec acts on service 'node' of package github\.com\/starform-fixtures\/shared-chain/);
    assert.equal(readFileSync(state, 'utf8'), before, 'nothing was applied');
  });

  it('destroy --package removes one package only, and is refused while another uses it', () => {
    const first = starform(['apply', chain, '--auto-approve', '--state', state], dir);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(starform(['apply', tooling, '--auto-approve', '--state', state], dir).code, 0);
    const { node, explorer } = { node: read().services['node']!.container_id, explorer: read().services['explorer']!.container_id };
    const before = readFileSync(state, 'utf8');
    const refused = starform(['destroy', '--package', CHAIN, '--auto-approve', '--state', state], dir);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /cannot destroy package github\.com\/starform-fixtures\/shared-chain: other packages use what it owns:\n {2}- service\.explorer of package github\.com\/starform-fixtures\/shared-tooling/,
    );
    assert.equal(readFileSync(state, 'utf8'), before);
    const unknown = starform(['destroy', '--package', 'github.com/nobody/nothing', '--auto-approve', '--state', state], dir);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /the state has nothing of package github\.com\/nobody\/nothing/);
    assert.match(unknown.stderr, /Its packages: github\.com\/starform-fixtures\/shared-chain, github\.com\/starform-fixtures\/shared-tooling\./);
    assert.equal(readFileSync(state, 'utf8'), before);

    const one = starform(['destroy', '--package', TOOLING, '--auto-approve', '--state', state], dir);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /Destroy complete: package github\.com\/starform-fixtures\/shared-tooling: 1 container removed/);
    assert.notEqual(docker(['inspect', explorer]).status, 0, 'the tooling container is gone');
    assert.ok(running(node), 'the chain node still runs');
    const s = read();
    assert.deepEqual(Object.keys(s.services), ['node']);
    assert.ok(!s.steps.some((x) => x.package === TOOLING));
    assert.equal(starform(['plan', chain, '--state', state, '--detailed-exitcode'], dir).code, 0);
    assert.equal(starform(['destroy', '--package', CHAIN, '--auto-approve', '--state', state], dir).code, 0);
    assert.notEqual(docker(['inspect', node]).status, 0);
  });
});
