// A plan made against no state is bound to exactly one state (issue 9, item 2; Terraform's
// issue 24078): the plan records the lineage the state will get, apply gives the state
// that lineage, and applying the plan a second time — to the same state file or to
// another one that does not exist yet — is refused as stale, before anything changes.
// Plans against an existing state stay byte-identical for the same package, args and state.
// Real bin/starform, real Docker Engine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readState } from '../../lib/state/index.js';
import { fixture, useApplyEngine } from '../apply/helpers/engine.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'starform');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function starform(args: string[], cwd: string): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function planState(path: string): { lineage: string; serial: number } {
  return (JSON.parse(readFileSync(path, 'utf8')) as { state: { lineage: string; serial: number } }).state;
}

function assertRefused(r: Run, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code 1 expected; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /internal error/);
}

describe('cli: a plan made against no state creates one state, once (Docker)', function () {
  this.timeout(180_000);
  const engine = useApplyEngine();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-cli-binding-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records the new lineage, gives it to the state, and refuses a second apply to the same or another state file', async () => {
    const first = engine.newStatePath();
    const second = engine.newStatePath();
    const plan = join(dir, 'new.plan');
    assert.equal(starform(['plan', fixture('lifecycle'), '--state', first, '--out', plan], dir).code, 0);
    const bound = planState(plan);
    assert.match(bound.lineage, UUID);
    assert.equal(bound.serial, 0);

    const applied = starform(['apply', plan, '--state', first], dir);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal((await readState(first)).lineage, bound.lineage, 'the state has the lineage the plan assigned');
    const stateBytes = readFileSync(first);

    assertRefused(
      starform(['apply', plan, '--state', first], dir),
      /new\.plan: stale plan: it was applied already; it made this state \(lineage [0-9a-f-]{36}\), which is now at serial \d+/,
    );
    assert.deepEqual(readFileSync(first), stateBytes, 'the state is unchanged');

    const again = starform(['apply', plan, '--state', second], dir);
    assertRefused(
      again,
      /new\.plan: stale plan: it was applied already; the engine has the enclave of the state it creates \(lineage [0-9a-f-]{36}: network \S+, 3 containers\)/,
    );
    assert.match(again.stderr, /A plan made against no state creates one state, once/);
    assert.equal(existsSync(second), false, 'no second state was made');
    const containers = await engine.runtime.inspectEnclave(bound.lineage);
    assert.equal(containers.containers.length, 3, 'the first environment is untouched');
  });

  it('binds a plan with no steps too (its apply leaves the enclave network)', async () => {
    const pkg = join(dir, 'empty');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'main.star'), 'def run(plan):\n    return {"answer": 42}\n');
    const first = engine.newStatePath();
    const second = engine.newStatePath();
    const plan = join(dir, 'empty.plan');
    assert.equal(starform(['plan', pkg, '--state', first, '--out', plan], dir).code, 0);
    const applied = starform(['apply', plan, '--state', first], dir);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(starform(['output', 'answer', '--state', first], dir).stdout, '42\n');
    const lineage = planState(plan).lineage;
    assert.ok((await engine.runtime.inspectEnclave(lineage)).network, 'the new state has its enclave network');
    assertRefused(starform(['apply', plan, '--state', second], dir), /stale plan: it was applied already; the engine has the enclave .*network/);
    assert.equal(existsSync(second), false);
  });

  it('gives each plan against no state its own lineage, and plans against a state byte-identical files', () => {
    const state = engine.newStatePath();
    const a = join(dir, 'a.plan');
    const b = join(dir, 'b.plan');
    assert.equal(starform(['plan', fixture('packages/checks'), '--state', state, '--out', a], dir).code, 0);
    assert.equal(starform(['plan', fixture('packages/checks'), '--state', state, '--out', b], dir).code, 0);
    assert.notEqual(planState(a).lineage, planState(b).lineage, 'two plans against no state are bound to two states');

    writeFileSync(state, readFileSync(join(root, 'test', 'golden', 'states', 'deps.state.json')));
    const c = join(dir, 'c.plan');
    const d = join(dir, 'd.plan');
    const args = ['--state', state, '--refresh=false', '--args', '{"db_version": "2"}'];
    assert.equal(starform(['plan', fixture('packages/deps'), ...args, '--out', c], dir).code, 0);
    assert.equal(starform(['plan', fixture('packages/deps'), ...args, '--out', d], dir).code, 0);
    assert.deepEqual(readFileSync(c), readFileSync(d), 'same package, args and state: byte-identical plan files');
    assert.equal(planState(c).lineage, '00000000-0000-4000-8000-000000000000');
  });

  it('refuses a plan for a new state once the state exists, and one for an existing state when the file is gone', () => {
    const state = engine.newStatePath();
    writeFileSync(state, readFileSync(join(root, 'test', 'golden', 'states', 'deps.state.json')));
    const other = engine.newStatePath();
    const plan = join(dir, 'fresh.plan');
    assert.equal(starform(['plan', fixture('packages/checks'), '--state', other, '--out', plan], dir).code, 0);
    assertRefused(
      starform(['apply', plan, '--state', state], dir),
      /stale plan: it was made for a new state, but the state now exists \(lineage 00000000-0000-4000-8000-000000000000, serial 1\)/,
    );
    const existing = join(dir, 'existing.plan');
    assert.equal(starform(['plan', fixture('packages/deps'), '--state', state, '--refresh=false', '--out', existing], dir).code, 0);
    assertRefused(
      starform(['apply', existing, '--state', other], dir),
      /the plan was made for state lineage 00000000-0000-4000-8000-000000000000, but there is no state file/,
    );
    assert.equal(existsSync(other), false);
  });
});
