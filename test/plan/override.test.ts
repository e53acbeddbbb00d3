// plan --override without an engine: fields applied inside add_service (so what the package
// reads back is overridden), bindings recorded as the add_service's `binding`, addresses
// that match no service and steps acting inside a bound service reported as problems, and
// the override recorded in the plan. test/cli/override.test.ts applies them for real.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { makePlan } from '../../lib/plan/index.js';
import { readOverride, type OverrideSpec } from '../../lib/plan/override.js';
import { emptyState } from '../../lib/state/index.js';
import { UserError } from '../../lib/util/errors.js';
import type { JsonObject } from '../../lib/util/json.js';
import { planDocument } from '../../lib/render/json-views.js';
import { summarize } from '../../lib/instructions/index.js';

const dir = fileURLToPath(new URL('../../../fixtures/packages/bound', import.meta.url));
const overrides = fileURLToPath(new URL('../../../fixtures/overrides', import.meta.url));

function planWith(override: OverrideSpec, args: JsonObject = {}) {
  return makePlan({ dir, args, state: emptyState(), override, overrideFile: 'o.yaml' });
}

const configOf = (p: NonNullable<ReturnType<typeof planWith>['plan']>, id: string): JsonObject =>
  p.instructions.find((i) => i.id === id)!.args['config'] as JsonObject;

describe('plan: --override (issue 12)', () => {
  it('overrides fields inside add_service: the app reads the overridden port', async () => {
    const { spec } = await readOverride(`${overrides}/fields.yaml`);
    const r = planWith(spec);
    assert.deepEqual(r.problems, []);
    const pg = configOf(r.plan!, 'service.postgres');
    assert.deepEqual(pg['env_vars'], { EXTRA: 'yes', ROLE: 'primary' });
    assert.deepEqual(pg['cmd'], ['sleep', '7200']);
    assert.deepEqual(pg['labels'], { team: 'data' });
    assert.equal(pg['max_memory'], 256);
    assert.equal((pg['ports'] as Record<string, JsonObject>)['postgresql']!['number'], 6543);
    assert.equal((configOf(r.plan!, 'service.app')['env_vars'] as JsonObject)['DB_PORT'], '6543');
  });

  it('a binding is recorded on the add_service, its ports are the bound ones, and the plan records the file', async () => {
    const { spec, edit } = await readOverride(`${overrides}/external.yaml`);
    const r = makePlan({ dir, args: {}, state: emptyState(), override: spec, edits: [edit] });
    assert.deepEqual(r.problems, []);
    const add = r.plan!.instructions.find((i) => i.id === 'service.postgres')!;
    assert.deepEqual(add.args['binding'], { external: { hostname: 'db.example.internal', ip: '127.0.0.1', ports: { postgresql: 15432 } } });
    assert.equal(r.plan!.changes.find((c) => c.stepId === 'service.postgres')!.action, 'run');
    assert.equal((configOf(r.plan!, 'service.app')['env_vars'] as JsonObject)['DB_PORT'], '15432');
    assert.equal(r.plan!.edits?.[0]?.kind, 'override');
  });

  it('an address that matches no service, and a step acting inside a bound service, are problems', () => {
    const unknown = planWith({ services: { 'service.nope': { image: 'x' } } });
    assert.deepEqual(
      unknown.problems.map((p) => p.message),
      ['override: service.nope matches no service the package adds (its services: service.app, service.postgres)'],
    );
    assert.equal(unknown.problems[0]!.position.file, 'o.yaml');
    const inside = planWith({ services: { 'service.postgres': { existing: { container: 'pg' } } } }, { check: true });
    assert.equal(inside.problems.length, 1);
    assert.match(inside.problems[0]!.message, /^exec acts on service 'postgres', which the override file binds to the existing container 'pg'/);
    assert.equal(inside.problems[0]!.position.file, 'main.star');
  });

  it('a new port without a number is a user error', () => {
    const r = planWith({ services: { 'service.postgres': { ports: { extra: { application_protocol: 'http' } } } } });
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!.message, /port 'extra' is new, so it needs a number/);
  });

  it('readOverride refuses a file that does not match the schema, naming the file', async () => {
    await assert.rejects(readOverride(`${dir}/kurtosis.yml`), (e: unknown) => e instanceof UserError && /override\.schema\.json/.test(e.message));
  });

  it('plan --json masks a secret the override file sets, in the instructions and in the recorded edit', () => {
    const content = { services: { 'service.postgres': { env_vars: { POSTGRES_PASSWORD: 'hunter2-override-secret' } } } };
    const edit = { kind: 'override' as const, file: 'o.yaml', digest: `sha256:${'0'.repeat(64)}` as const, content };
    const r = makePlan({ dir, args: {}, state: emptyState(), override: content, edits: [edit] });
    assert.deepEqual(r.problems, []);
    const p = r.plan!;
    assert.ok(p.sensitive?.includes('hunter2-override-secret'));
    const doc = planDocument({ ...p, summary: summarize(p.changes), warnings: [], checksum: 'x', starformVersion: 'test', edits: p.edits ?? [] });
    const text = JSON.stringify(doc);
    assert.ok(!text.includes('hunter2-override-secret'), text);
    assert.match(text, /"POSTGRES_PASSWORD":"\(sensitive\)"/);
  });
});
