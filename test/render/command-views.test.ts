// The views of plan, apply and destroy (lib/render/{plan-command,apply-command,destroy}-view.ts),
// each form on string buffers: no process, no engine. The human form of a plan is checked
// against the golden plan text the CLI tests expect (test/golden/plans), the JSON forms
// against their schemas; messages (warnings, notes, problems) go to the error stream,
// escaped, and results to the output stream.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { StepInfo } from '../../lib/apply/events.js';
import type { EnclaveStatus } from '../../lib/apply/index.js';
import { makePlan, type Problem } from '../../lib/plan/index.js';
import { destroyPlan, refreshOnlyPlan } from '../../lib/plan/destroy-plan.js';
import { serializePlan } from '../../lib/planfile/index.js';
import { applyPlanView, applyStatusView, approvedView, startApplyProgress, unverifiedPlanView } from '../../lib/render/apply-command-view.js';
import { destroyedPackageView, destroyedView, destroyingPackageView, destroyingView } from '../../lib/render/destroy-view.js';
import { packagelessPlanView, planView, savedPlanView, type PlanShown } from '../../lib/render/plan-command-view.js';
import { show } from '../../lib/render/view.js';
import { emptyState, type State } from '../../lib/state/index.js';
import type { JsonObject } from '../../lib/util/json.js';
import { PACKAGE_ROOT } from '../../lib/util/package-info.js';
import { schemaValidator } from '../../lib/util/schema.js';
import { applyForTests } from '../plan/simulate.js';
import { fixtureText } from './helpers.js';
import { bufferStreams as streams, TextBuffer } from './buffer-streams.js';

const LINEAGE = '00000000-0000-4000-8000-000000000000';

function planned(name: string, state: State = { ...emptyState(), lineage: LINEAGE }) {
  const r = makePlan({ dir: join(PACKAGE_ROOT, 'fixtures', 'packages', name), args: {}, state });
  assert.deepEqual(r.problems, []);
  return { plan: r.plan!, summary: r.summary! };
}

function validJson(text: string, schema: string): JsonObject {
  const doc = JSON.parse(text) as JsonObject;
  assert.deepEqual(schemaValidator(schema)(doc), [], text);
  return doc;
}

const orphan = { service: 'db', containerId: 'abcdef0123456789'.repeat(4) };

describe('views of plan, apply and destroy', () => {
  let saved: Record<string, string | undefined>;
  before(() => {
    saved = { NO_COLOR: process.env['NO_COLOR'], FORCE_COLOR: process.env['FORCE_COLOR'] };
    delete process.env['NO_COLOR'];
    delete process.env['FORCE_COLOR'];
  });
  after(() => {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  describe('plan', () => {
    const { plan, summary } = planned('deps');
    const shown: PlanShown = { warnings: ['old \u001b[31mstyle'], notes: ['service db: stopped'], plan, summary, orphans: [] };

    it('human: the golden plan text on the output; warnings and notes, escaped, on the error stream', () => {
      const s = streams();
      show(planView, shown, s, false);
      assert.equal(s.out.text, fixtureText('test/golden/plans/deps.txt'));
      assert.equal(s.err.text, 'warning: old \\x1b[31mstyle\nnote: service db: stopped\n');
    });

    it('human: coloured on a terminal, and the containers no state names follow the changes', () => {
      const s = { out: new TextBuffer(true), err: new TextBuffer() };
      show(planView, { ...shown, orphans: [orphan] }, s, false);
      assert.match(s.out.text, /\u001b\[/);
      assert.ok(s.out.text.indexOf(orphan.containerId.slice(0, 12)) > s.out.text.indexOf('service.cache'), s.out.text);
    });

    it('json: one document of the plan schema, with the saved checksum, the warnings and the orphans', () => {
      const s = streams();
      show(planView, { ...shown, orphans: [orphan] }, s, true);
      const doc = validJson(s.out.text, 'output-plan.schema.json');
      assert.equal(doc['checksum'], serializePlan(plan).checksum);
      assert.deepEqual(doc['warnings'], shown.warnings);
      assert.deepEqual(doc['orphans'], [{ service: 'db', container_id: orphan.containerId }]);
      assert.equal(s.err.text, 'warning: old \\x1b[31mstyle\nnote: service db: stopped\n');
    });

    it('problems: on the error stream in both forms, nothing on the output', () => {
      const problem: Problem = { message: 'unknown argument', position: { file: 'main.star', line: 3, col: 5 }, stack: [] };
      for (const json of [false, true]) {
        const s = streams();
        show(planView, { warnings: [], problems: [problem] }, s, json);
        assert.equal(s.out.text, '');
        assert.match(s.err.text, /main\.star:3:5/);
        assert.match(s.err.text, /unknown argument/);
      }
    });

    it('saved: where the plan went (and the key that signed it); nothing in the JSON form', () => {
      const s = streams();
      show(savedPlanView, { file: 'x.plan', keyId: 'k1' }, s, false);
      show(savedPlanView, { file: 'y.plan' }, s, false);
      assert.equal(
        s.out.text,
        '\nSaved the plan to x.plan (signed with key k1). Apply exactly this plan with: starform apply x.plan\n\nSaved the plan to y.plan. Apply exactly this plan with: starform apply y.plan\n',
      );
      const j = streams();
      show(savedPlanView, { file: 'x.plan' }, j, true);
      assert.equal(j.out.text + j.err.text, '');
    });
  });

  describe('plans that read no package', () => {
    const { plan: first } = planned('deps', emptyState());
    const state = { ...applyForTests(first, emptyState()), lineage: LINEAGE };

    it('--destroy: a delete per service, the drift after the plan on the error stream; JSON of the plan schema', () => {
      const made = destroyPlan(state);
      const s = streams();
      show(packagelessPlanView, { ...made, drift: ['service db: removed'] }, s, false);
      assert.match(s.out.text, /service\.db will be deleted/);
      assert.match(s.out.text, /service\.cache will be deleted/);
      assert.equal(s.err.text, 'note: service db: removed\n');
      const j = streams();
      show(packagelessPlanView, { ...made, drift: [] }, j, true);
      const doc = validJson(j.out.text, 'output-plan.schema.json');
      assert.equal((doc['summary'] as JsonObject)['delete'], made.summary.delete);
      assert.deepEqual(doc['orphans'], []);
    });

    it('--refresh-only: no drift, or the differences and the containers that stay', () => {
      const none = streams();
      show(packagelessPlanView, { ...refreshOnlyPlan(state, [], {}), drift: [], refreshOnly: { orphans: 0 } }, none, false);
      assert.match(none.out.text, /No drift: the state matches the engine\. Applying this plan changes nothing\.\n$/);
      const some = streams();
      const drift = ['service db: stopped', 'service cache: removed'];
      show(packagelessPlanView, { ...refreshOnlyPlan(state, drift, {}), drift, refreshOnly: { orphans: 1 } }, some, false);
      assert.match(some.out.text, /\(2 differences, listed above\); no container is changed\.\n\(1 container the state does not name stays/);
      assert.equal(some.err.text, '');
    });
  });

  describe('apply', () => {
    const { plan, summary } = planned('deps');

    it('DIR, before asking: the plan text as plan shows it (no uses), orphans after; JSON form: messages only', () => {
      const s = streams();
      show(applyPlanView, { warnings: ['w'], notes: [], plan, summary, orphans: [] }, s, false);
      assert.equal(s.out.text, fixtureText('test/golden/plans/deps.txt'));
      assert.equal(s.err.text, 'warning: w\n');
      const j = streams();
      show(applyPlanView, { warnings: ['w'], notes: ['n'], plan, summary, orphans: [orphan] }, j, true);
      assert.equal(j.out.text, '');
      assert.equal(j.err.text, 'warning: w\nnote: n\n');
      const o = streams();
      show(applyPlanView, { warnings: [], notes: [], plan, summary, orphans: [orphan] }, o, false);
      assert.ok(o.out.text.startsWith(fixtureText('test/golden/plans/deps.txt')));
      assert.ok(o.out.text.includes(orphan.containerId.slice(0, 12)));
    });

    it('approved: the progress starts on a line of its own', () => {
      const s = streams();
      show(approvedView, null, s, false);
      assert.equal(s.out.text, '\n');
    });

    const step: StepInfo = { index: 0, stepId: 'exec.000000000000', kind: 'exec', action: 'run', description: 'Executing echo', reason: 'new step' };
    const events = [
      { type: 'step_start', step },
      { type: 'step_done', step, durationMs: 5, message: 'exit code 0: hi', result: { code: 0, output: 'hi' } },
    ] as const;
    const done = { type: 'apply_done', summary: { created: 0, replaced: 0, run: 1, deleted: 0 }, outputs: null, serial: 2, durationMs: 5 } as const;

    it('progress, plain: a line per step and the closing summary', async () => {
      const s = streams();
      const view = await startApplyProgress(false, s);
      for (const e of events) view.sink(e);
      view.sink(done);
      await view.close(done);
      assert.match(s.out.text, /^> +exec\.000000000000 +ran in 5ms +exit code 0: hi\n/);
      assert.match(s.out.text, /\nApply complete: 0 created, 0 replaced, 1 run, 0 deleted\.\n$/);
    });

    it('progress, --json: NDJSON events of the event schema, no summary text', async () => {
      const s = streams();
      const view = await startApplyProgress(true, s);
      for (const e of events) view.sink(e);
      view.sink(done);
      await view.close(done);
      const lines = s.out.text.trimEnd().split('\n');
      assert.deepEqual(
        lines.map((l) => validJson(l, 'apply-event.schema.json')['type']),
        ['step_start', 'step_done', 'apply_done'],
      );
    });

    const status: EnclaveStatus = {
      lineage: LINEAGE,
      serial: 3,
      networkName: 'starform-x',
      services: [
        {
          name: 'web',
          recorded: 'running',
          condition: 'running',
          engineState: 'running',
          containerId: 'f'.repeat(64),
          image: 'starform-test/busybox:latest',
          digest: null,
          hostname: 'web',
          ipAddress: '10.0.0.2',
          ports: [
            {
              id: 'http',
              number: 80,
              transportProtocol: 'TCP',
              applicationProtocol: 'http',
              hostAddress: '127.0.0.1:32001',
              hostUrl: 'http://127.0.0.1:32001',
            },
          ],
        },
      ],
      artifacts: [],
      outputs: null,
      outputAddresses: [],
    };

    it('status after the summary: the table with host URLs, or one `status` line of NDJSON', () => {
      const s = streams();
      show(applyStatusView, status, s, false);
      assert.ok(s.out.text.startsWith('\n'));
      assert.match(s.out.text, /web .*http:\/\/127\.0\.0\.1:32001/);
      const j = streams();
      show(applyStatusView, status, j, true);
      const line = JSON.parse(j.out.text) as JsonObject;
      assert.equal(line['type'], 'status');
      assert.equal(line['format_version'], 1);
      assert.ok(!Number.isNaN(Date.parse(String(line['timestamp']))));
      assert.ok(j.out.text.endsWith('}\n') && !j.out.text.slice(0, -1).includes('\n'), 'one line');
    });

    it('PLAN signed with no key to check: a note on the error stream', () => {
      const s = streams();
      show(unverifiedPlanView, { keyId: 'abc' }, s, false);
      assert.equal(s.out.text, '');
      assert.equal(s.err.text, 'note: the plan is signed (key abc), but no plan signing key is configured to verify it\n');
    });
  });

  describe('destroy', () => {
    const { plan: first } = planned('deps', emptyState());
    const state: State = { ...applyForTests(first, emptyState()), lineage: LINEAGE };

    it('no state yet: says so, or the JSON document with nothing removed', () => {
      const s = streams();
      show(destroyingView, emptyState(), s, false);
      assert.equal(s.out.text, 'Nothing to destroy: there is no state yet.\n');
      const j = streams();
      show(destroyingView, emptyState(), j, true);
      assert.equal(validJson(j.out.text, 'output-destroy.schema.json')['removed'], null);
    });

    it('what will go: services then artifacts, sorted, and the lineage; nothing in the JSON form until it is done', () => {
      const s = streams();
      show(destroyingView, state, s, false);
      const names = [...state.services.keys()].sort();
      assert.ok(names.length >= 2);
      assert.equal(
        s.out.text,
        [
          'starform will destroy the enclave of this state:',
          ...names.map((n) => `  - service.${n}`),
          ...[...state.filesArtifacts.keys()].sort().map((a) => `  - artifact.${a}`),
          `  and every other container, volume and network labelled with lineage ${LINEAGE}`,
          '',
        ].join('\n'),
      );
      const j = streams();
      show(destroyingView, state, j, true);
      assert.equal(j.out.text, '');
    });

    it('done: the count of what was removed, or its JSON document', () => {
      const removed = {
        lineage: LINEAGE,
        network: { id: 'n1', name: 'starform-x' },
        containers: [{ id: 'c1' }, { id: 'c2' }],
        volumes: [{ name: 'v1' }],
      } as unknown as NonNullable<Parameters<typeof destroyedView.human>[0]['removed']>;
      const s = streams();
      show(destroyedView, { removed, state: emptyState() }, s, false);
      assert.equal(s.out.text, '\nDestroy complete: 2 containers, 1 volume and the network removed.\n');
      const none = streams();
      show(destroyedView, { removed: null, state: emptyState() }, none, false);
      assert.equal(none.out.text, '\nDestroy complete: 0 containers, 0 volumes removed.\n');
      const j = streams();
      show(destroyedView, { removed: null, state: emptyState() }, j, true);
      validJson(j.out.text, 'output-destroy.schema.json');
    });

    it('--package: what the package owns, and how much went', () => {
      const s = streams();
      show(destroyingPackageView, { name: 'github.com/x/y', entities: ['service.a', 'artifact.b'] }, s, false);
      show(destroyedPackageView, { name: 'github.com/x/y', containers: 1, entries: 1 }, s, false);
      show(destroyedPackageView, { name: 'github.com/x/y', containers: 2, entries: 3 }, s, false);
      assert.equal(
        s.out.text,
        'starform will destroy what package github.com/x/y owns in this state:\n  - service.a\n  - artifact.b\n' +
          '\nDestroy complete: package github.com/x/y: 1 container removed; 1 entry removed from the state.\n' +
          '\nDestroy complete: package github.com/x/y: 2 containers removed; 3 entries removed from the state.\n',
      );
    });
  });
});
