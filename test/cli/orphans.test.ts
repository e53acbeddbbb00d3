// Containers an interrupted apply created but did not record (found by refresh through
// the enclave's labels) are shown in the plan as containers the apply will remove, count
// as changes for --detailed-exitcode, and `apply` says it removed them — also when the
// package itself has nothing to change (issue 18.11). Real engine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');
const IMAGE = 'starform-test/busybox:latest';

function starform(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function docker(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  return { status: r.status, stdout: (r.stdout ?? '').trim(), stderr: r.stderr ?? '' };
}

describe('cli: containers the state does not name (Docker)', function () {
  this.timeout(180_000);
  let dir: string;
  let orphan = '';
  before(function () {
    if (docker(['image', 'inspect', IMAGE]).status !== 0) this.skip();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-orphans-'));
  });
  afterEach(() => {
    starform(['destroy', '--auto-approve', '--state', join(dir, 's.json')], dir);
    if (orphan !== '') docker(['rm', '-f', orphan]);
    orphan = '';
    rmSync(dir, { recursive: true, force: true });
  });

  it('plan shows their removal, --detailed-exitcode counts it, apply removes them and says so', () => {
    const pkg = join(dir, 'pkg');
    mkdirSync(pkg);
    writeFileSync(
      join(pkg, 'main.star'),
      `def run(plan):\n    plan.add_service(name = "web", config = ServiceConfig(image = "${IMAGE}", cmd = ["sleep", "3600"]))\n`,
    );
    writeFileSync(join(pkg, 'kurtosis.yml'), 'name: github.com/starform-test/orphans\n');
    const state = join(dir, 's.json');
    const first = starform(['apply', pkg, '--auto-approve', '--state', state], dir);
    assert.equal(first.code, 0, first.stderr);
    const lineage = (JSON.parse(readFileSync(state, 'utf8')) as { lineage: string }).lineage;
    // What an apply killed between creating a container and recording it leaves behind.
    const made = docker(['create', '--label', `starform.lineage=${lineage}`, '--label', 'starform.service=ghost', IMAGE, 'sleep', '3600']);
    assert.equal(made.status, 0, made.stderr);
    orphan = made.stdout;

    const plan = starform(['plan', pkg, '--state', state, '--detailed-exitcode'], dir);
    assert.equal(plan.code, 2, `${plan.stdout}\n${plan.stderr}`);
    assert.match(plan.stdout, /^No changes\. The environment matches the package\./m);
    assert.match(
      plan.stdout,
      /Apply will also remove 1 container that the state does not name \(left by an interrupted apply\):\n {2}- container [0-9a-f]{12} \(service 'ghost'\)/,
    );
    assert.ok(plan.stdout.includes(orphan.slice(0, 12)));

    const apply = starform(['apply', pkg, '--auto-approve', '--state', state], dir);
    assert.equal(apply.code, 0, apply.stderr);
    assert.match(apply.stdout, /Apply will also remove 1 container/);
    assert.match(apply.stdout + apply.stderr, new RegExp(`removed container ${orphan.slice(0, 12)} of service 'ghost'`));
    assert.notEqual(docker(['inspect', orphan]).status, 0, 'the orphaned container is gone');
    orphan = '';
    const again = starform(['plan', pkg, '--state', state, '--detailed-exitcode'], dir);
    assert.equal(again.code, 0, again.stdout);
    assert.doesNotMatch(again.stdout, /Apply will also remove/);
  });
  it('plan --json, the saved plan file and show --markdown carry them; applying that plan removes them', () => {
    const pkg = join(dir, 'pkg');
    mkdirSync(pkg);
    writeFileSync(
      join(pkg, 'main.star'),
      `def run(plan):\n    plan.add_service(name = "web", config = ServiceConfig(image = "${IMAGE}", cmd = ["sleep", "3600"]))\n`,
    );
    writeFileSync(join(pkg, 'kurtosis.yml'), 'name: github.com/starform-test/orphans\n');
    const state = join(dir, 's.json');
    assert.equal(starform(['apply', pkg, '--auto-approve', '--state', state], dir).code, 0);
    const lineage = (JSON.parse(readFileSync(state, 'utf8')) as { lineage: string }).lineage;
    const made = docker(['create', '--label', `starform.lineage=${lineage}`, '--label', 'starform.service=ghost', IMAGE, 'sleep', '3600']);
    assert.equal(made.status, 0, made.stderr);
    orphan = made.stdout;

    const json = JSON.parse(starform(['plan', pkg, '--state', state, '--json'], dir).stdout) as { orphans: unknown };
    assert.deepEqual(json.orphans, [{ service: 'ghost', container_id: orphan }]);
    const planFile = join(dir, 'o.plan');
    assert.equal(starform(['plan', pkg, '--state', state, '--out', planFile], dir).code, 0);
    assert.deepEqual((JSON.parse(readFileSync(planFile, 'utf8')) as { orphans: unknown }).orphans, [{ service: 'ghost', container_id: orphan }]);
    const shown = JSON.parse(starform(['show', planFile, '--json'], dir).stdout) as { orphans: unknown };
    assert.deepEqual(shown.orphans, json.orphans);
    const md = starform(['show', planFile, '--markdown'], dir).stdout;
    assert.match(
      md,
      new RegExp(
        `\\*\\*Apply will also remove 1 container that the state does not name\\*\\* \\(left by an interrupted apply\\):\\n\\n- container <code>${orphan.slice(0, 12)}</code>`,
      ),
    );
    assert.match(starform(['show', planFile], dir).stdout, /Apply will also remove 1 container/);

    const apply = starform(['apply', planFile, '--state', state], dir);
    assert.equal(apply.code, 0, apply.stderr);
    assert.notEqual(docker(['inspect', orphan]).status, 0, 'applying the saved plan removed the container it listed');
    orphan = '';
  });
});
