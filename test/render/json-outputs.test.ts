// The machine-readable outputs as scripts see them: the real commands run on fixture
// packages against a real Docker Engine — validate, plan, show, apply (NDJSON events, a
// successful and a failing apply), state list, state show, output, destroy — and every
// document they print is checked against its JSON Schema in schemas/, carries
// format_version, and names its fields in snake_case (values the package wrote aside).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OUTPUT_FORMAT_VERSION } from '../../lib/render/json-views.js';
import type { JsonObject, JsonValue } from '../../lib/util/json.js';
import { PACKAGE_ROOT } from '../../lib/util/package-info.js';
import { schemaValidator } from '../../lib/util/schema.js';

const bin = join(PACKAGE_ROOT, 'bin', 'starform');
const fixture = (...parts: string[]) => join(PACKAGE_ROOT, 'fixtures', ...parts);

function starform(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Subtrees whose keys the package (or the engine) chose: args, configurations, outputs, port ids, result fields. */
const FREE_FORM = new Set(['args', 'before', 'after', 'config', 'outputs', 'value', 'values', 'result', 'ports']);

function badNames(v: JsonValue, path: string, found: string[]): string[] {
  if (Array.isArray(v)) v.forEach((e, i) => badNames(e, `${path}[${i}]`, found));
  else if (v !== null && typeof v === 'object') {
    for (const [k, e] of Object.entries(v)) {
      if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(k)) found.push(`${path}.${k}`);
      if (!FREE_FORM.has(k)) badNames(e, `${path}.${k}`, found);
    }
  }
  return found;
}

/** Checks a document against schemas/<schema> and the shared rules; returns it. */
function checked(text: string, schema: string, what: string): JsonObject {
  const doc = JSON.parse(text) as JsonObject;
  assert.deepEqual(schemaValidator(schema)(doc), [], `${what} conforms to ${schema}`);
  assert.equal(doc['format_version'], OUTPUT_FORMAT_VERSION, `${what} has format_version`);
  assert.deepEqual(badNames(doc, what, []), [], `${what}: field names are snake_case`);
  return doc;
}

function events(text: string, what: string): JsonObject[] {
  const lines = text.split('\n').filter((l) => l !== '');
  assert.ok(lines.length > 0, `${what} printed events`);
  return lines.map((l, i) => checked(l, 'apply-event.schema.json', `${what} line ${i + 1}`));
}

describe('JSON outputs: real commands, checked against their schemas', function () {
  this.timeout(180_000);
  let dir: string;
  const state = () => join(dir, 'w.state.json');
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'starform-json-'));
  });
  after(() => {
    for (const s of ['w.state.json', 'f.state.json']) starform(['destroy', '--auto-approve', '--state', s], dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('validate --json: a valid package, and one with problems (exit 1)', () => {
    const ok = starform(['validate', fixture('packages', 'webapp'), '--json'], dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(checked(ok.stdout, 'output-validate.schema.json', 'validate')['valid'], true);
    const bad = starform(['validate', fixture('invalid', 'validation'), '--json'], dir);
    assert.equal(bad.code, 1, bad.stderr);
    const doc = checked(bad.stdout, 'output-validate.schema.json', 'validate (invalid)');
    assert.equal(doc['valid'], false);
    assert.ok((doc['problems'] as JsonObject[]).length > 0);
  });

  it('plan --json and show --json print the same plan document', () => {
    const planned = starform(['plan', fixture('packages', 'webapp'), '--state', state(), '--json', '--out', 'w.plan'], dir);
    assert.equal(planned.code, 0, planned.stderr);
    const plan = checked(planned.stdout, 'output-plan.schema.json', 'plan');
    const shown = starform(['show', 'w.plan', '--json'], dir);
    assert.equal(shown.code, 0, shown.stderr);
    const show = checked(shown.stdout, 'output-plan.schema.json', 'show');
    assert.equal(show['signature'], null, 'show --json says the plan is unsigned');
    const { signature: _signature, ...shownPlan } = show;
    assert.deepEqual(plan, shownPlan, 'plan --json describes the plan file show reads, checksum included');
    assert.deepEqual(show['summary'], { create: 4, replace: 0, run: 1, delete: 0, no_op: 0 });
    assert.ok((show['changes'] as JsonObject[]).every((c) => typeof c['step_id'] === 'string'));
  });

  it('apply --json: NDJSON events with timestamps and structured results', () => {
    const r = starform(['apply', 'w.plan', '--state', state(), '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    const evs = events(r.stdout, 'apply');
    assert.deepEqual([evs[0]!['type'], evs.at(-2)!['type'], evs.at(-1)!['type']], ['apply_start', 'apply_done', 'status']);
    const times = evs.map((e) => Date.parse(e['timestamp'] as string));
    assert.ok(
      times.every((t) => Number.isFinite(t) && Math.abs(t - Date.now()) < 600_000),
      'timestamps are real times',
    );
    const app = evs.find((e) => e['type'] === 'step_done' && e['step_id'] === 'service.app')!;
    const result = app['result'] as JsonObject;
    assert.match(result['container_id'] as string, /^[0-9a-f]{64}$/);
    assert.match(result['ip_address'] as string, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(typeof (result['ports'] as JsonObject)['http'], 'number');
    const wait = evs.find((e) => e['type'] === 'step_done' && (e['step_id'] as string).startsWith('wait.'))!;
    assert.equal((wait['result'] as JsonObject)['code'], 200);
  });

  it('a failing apply --json: step_failed, step_skipped and apply_failed events', () => {
    const planned = starform(['plan', fixture('json', 'apply-fails'), '--state', 'f.state.json', '--out', 'f.plan'], dir);
    assert.equal(planned.code, 0, planned.stderr);
    const r = starform(['apply', 'f.plan', '--state', 'f.state.json', '--json', '--parallelism', '1'], dir);
    assert.equal(r.code, 1, r.stderr);
    const types = events(r.stdout, 'failing apply').map((e) => e['type']);
    for (const t of ['step_failed', 'step_skipped', 'apply_failed']) assert.ok(types.includes(t), `${t} in ${types.join(', ')}`);
  });

  it('state list --json and state show --json of a service, a files artifact and a step', () => {
    const list = checked(starform(['state', 'list', '--state', state(), '--json'], dir).stdout, 'output-state-list.schema.json', 'state list');
    assert.equal((list['services'] as JsonObject[]).length, 3);
    const steps = list['steps'] as string[];
    for (const address of ['service.app', 'artifact.webapp-site', steps.find((s) => s.startsWith('wait.'))!]) {
      const r = starform(['state', 'show', address, '--state', state(), '--json'], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(checked(r.stdout, 'output-state-show.schema.json', `state show ${address}`)['address'], address);
    }
  });

  it('output --json, all and one', () => {
    const all = checked(starform(['output', '--state', state(), '--json'], dir).stdout, 'output-output.schema.json', 'output');
    assert.equal((all['outputs'] as JsonObject)['url'], 'http://app:8080');
    const one = checked(starform(['output', 'url', '--state', state(), '--json'], dir).stdout, 'output-output.schema.json', 'output url');
    assert.deepEqual([one['name'], one['value']], ['url', 'http://app:8080']);
  });

  it('destroy --json: what was removed; and of a state that never was applied', () => {
    const r = starform(['destroy', '--auto-approve', '--state', state(), '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    const doc = checked(r.stdout, 'output-destroy.schema.json', 'destroy');
    const removed = doc['removed'] as JsonObject;
    assert.equal((removed['containers'] as JsonObject[]).length, 3);
    assert.equal(typeof removed['network'], 'string');
    const none = checked(
      starform(['destroy', '--auto-approve', '--state', 'none.state.json', '--json'], dir).stdout,
      'output-destroy.schema.json',
      'destroy (no state)',
    );
    assert.equal(none['removed'], null);
  });
});
