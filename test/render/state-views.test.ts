// The views of the state commands (lib/render/state-command-views.ts) and of `output`
// (lib/render/output-view.ts), each form on string buffers: no process, no backend, no
// engine. The state is the one an apply of fixtures/packages/webapp leads to; the texts
// expected are the bytes the commands printed before they had views (test/cli checks them
// through the CLI too).
import assert from 'node:assert/strict';
import { outputView } from '../../lib/render/output-view.js';
import { Redactor } from '../../lib/render/redact.js';
import { lookupAddress } from '../../lib/state/index.js';
import {
  historyText,
  stateEntryView,
  stateHistoryView,
  stateListView,
  stateMigratedView,
  stateMovedView,
  statePulledView,
  statePushedView,
  stateRemovedView,
  stateRolledBackView,
} from '../../lib/render/state-command-views.js';
import { show } from '../../lib/render/view.js';
import { parseState, type HistoryEntry, type State } from '../../lib/state/index.js';
import type { JsonObject } from '../../lib/util/json.js';
import { planFixture } from './helpers.js';
import { bufferStreams as streams } from './buffer-streams.js';

const LINEAGE = '00000000-0000-4000-8000-000000000000';

describe('views of the state commands and of output', () => {
  let state: State;
  let saved: string | undefined;
  before(() => {
    state = planFixture('fixtures/packages/webapp').after();
    saved = process.env['NO_COLOR'];
    process.env['NO_COLOR'] = '1';
  });
  after(() => {
    if (saved === undefined) delete process.env['NO_COLOR'];
    else process.env['NO_COLOR'] = saved;
  });

  it('state list: one address per line, services then artifacts; JSON: the state list document', () => {
    const human = streams();
    show(stateListView, state, human, false);
    assert.equal(human.out.text, 'service.app\nservice.postgres\nservice.redis\nartifact.webapp-site\n');
    assert.equal(human.err.text, '');
    const json = streams();
    show(stateListView, state, json, true);
    const doc = JSON.parse(json.out.text) as JsonObject;
    assert.equal(doc['format_version'], 1);
    assert.equal(doc['lineage'], LINEAGE);
    assert.deepEqual(
      (doc['services'] as JsonObject[]).map((s) => s['address']),
      ['service.app', 'service.postgres', 'service.redis'],
    );
    assert.deepEqual(
      (doc['files_artifacts'] as JsonObject[]).map((s) => s['address']),
      ['artifact.webapp-site'],
    );
    assert.ok(json.out.text.endsWith('}\n'));
  });

  it('state list of an empty state prints nothing', () => {
    const s = streams();
    show(stateListView, { ...state, services: new Map(), filesArtifacts: new Map() }, s, false);
    assert.equal(s.out.text, '');
  });

  it('state show: the entry as text (with the artifact files when read), or its JSON document', () => {
    const entry = lookupAddress(state, 'webapp-site')!;
    assert.equal(entry.type, 'artifact');
    const files = [{ path: 'www/listed.txt', size: 372 }];
    const human = streams();
    show(stateEntryView, { state, entry, files }, human, false);
    assert.match(human.out.text, /webapp-site/);
    assert.match(human.out.text, /www\/listed\.txt/);
    const without = streams();
    show(stateEntryView, { state, entry }, without, false);
    assert.doesNotMatch(without.out.text, /listed\.txt/);
    const json = streams();
    show(stateEntryView, { state, entry, files }, json, true);
    const doc = JSON.parse(json.out.text) as JsonObject;
    assert.equal(doc['serial'], state.serial);
    assert.equal(doc['lineage'], LINEAGE);
    assert.match(json.out.text, /"www\/listed\.txt"/);
    const service = streams();
    show(stateEntryView, { state, entry: lookupAddress(state, 'service.app')! }, service, false);
    assert.match(service.out.text, /container-app/);
  });

  it('state rm, mv and push: one line each, the serial written last', () => {
    const rm = streams();
    show(stateRemovedView, { messages: ['Removed service.app from the state.', 'Removed artifact.webapp-site from the state.'], serial: 4 }, rm, false);
    assert.equal(rm.out.text, 'Removed service.app from the state.\nRemoved artifact.webapp-site from the state.\nThe state is now at serial 4.\n');
    const mv = streams();
    show(stateMovedView, { from: 'service.web', to: 'service.www', serial: 3 }, mv, false);
    assert.equal(mv.out.text, 'Moved service.web to service.www. The state is now at serial 3.\n');
    const push = streams();
    show(statePushedView, { source: '(standard input)', lineage: LINEAGE, serial: 7, written: 8 }, push, false);
    assert.equal(push.out.text, `Pushed (standard input) (lineage ${LINEAGE}, serial 7). The state is now at serial 8.\n`);
    for (const s of [rm, mv, push]) assert.equal(s.err.text, '');
  });

  it('state pull: the state file, which reads back as the same state', () => {
    const s = streams();
    show(statePulledView, state, s, false);
    const back = parseState(s.out.text, 'pulled');
    assert.equal(back.lineage, state.lineage);
    assert.deepEqual([...back.services.keys()].sort(), [...state.services.keys()].sort());
    assert.ok(s.out.text.endsWith('\n'));
  });

  it('state history: a table newest first with the current serial marked; JSON: the versions', () => {
    const entries: HistoryEntry[] = [
      { serial: 12, written: '2026-01-02T03:04:05.000Z', services: 3, by: 'ci@runner' },
      { serial: 3, written: '2026-01-01T00:00:00.000Z', services: 10, by: 'me' },
    ] as HistoryEntry[];
    const human = streams();
    show(stateHistoryView, { entries, current: 12 }, human, false);
    assert.equal(
      human.out.text,
      '  SERIAL  WRITTEN                   SERVICES  BY\n' +
        '* 12      2026-01-02T03:04:05.000Z  3         ci@runner\n' +
        '  3       2026-01-01T00:00:00.000Z  10        me\n',
    );
    assert.equal(historyText([], 0), 'No versions: the state was never written.\n');
    const json = streams();
    show(stateHistoryView, { entries, current: 12 }, json, true);
    assert.deepEqual(JSON.parse(json.out.text), { format_version: 1, current_serial: 12, versions: entries });
  });

  it('state rollback and migrate: what was written, and what to do next', () => {
    const rollback = streams();
    show(stateRolledBackView, { restored: 1, written: 3, previous: 2 }, rollback, false);
    assert.equal(
      rollback.out.text,
      'Rolled back to serial 1: the state is now serial 3, a copy of it (serial 2 stays in the history).\n' +
        'The engine was not touched: run `starform plan` to see what differs from what runs.\n',
    );
    const one = streams();
    show(stateMigratedView, { lineage: LINEAGE, serial: 5, services: 1, artifacts: 2, from: 'a.json', to: 'postgres://db/x' }, one, false);
    assert.equal(
      one.out.text,
      `Migrated the state (lineage ${LINEAGE}, serial 5, 1 service, 2 files artifacts) from a.json to postgres://db/x.\n` +
        'The source is unchanged: give the target as --state from now on, and remove the source when you no longer need it.\n',
    );
    const many = streams();
    show(stateMigratedView, { lineage: LINEAGE, serial: 5, services: 3, artifacts: 1, from: 'a', to: 'b' }, many, false);
    assert.match(many.out.text, /3 services, 1 files artifact\)/);
  });

  describe('output', () => {
    const outputs = { app: 'app', db_url: 'postgres://u:pw@db/x', nested: { port: 5432 }, bell: 'a\u0007b' };
    const clear = new Redactor([]);

    it('every output as name = value lines; none: a note on the error stream', () => {
      const s = streams();
      show(outputView, { state: { ...state, outputs }, outputs, redactor: clear }, s, false);
      assert.match(s.out.text, /^app = "app"$/m);
      assert.match(s.out.text, /^nested = /m);
      assert.equal(s.err.text, '');
      const none = streams();
      show(outputView, { state, outputs: null, redactor: clear }, none, false);
      assert.equal(none.out.text, '');
      assert.equal(none.err.text, 'No outputs: nothing has been applied with this state, or run() returned None.\n');
    });

    it('one output: a string as it is (control characters shown on a terminal), other values as JSON', () => {
      const piped = streams();
      show(outputView, { state: { ...state, outputs }, outputs, redactor: clear, name: 'bell' }, piped, false);
      assert.equal(piped.out.text, 'a\u0007b\n');
      const tty = streams(true);
      show(outputView, { state: { ...state, outputs }, outputs, redactor: clear, name: 'bell' }, tty, false);
      assert.notEqual(tty.out.text, 'a\u0007b\n');
      assert.doesNotMatch(tty.out.text, /\u0007/);
      const nested = streams();
      show(outputView, { state: { ...state, outputs }, outputs, redactor: clear, name: 'nested' }, nested, false);
      assert.equal(nested.out.text, '{\n  "port": 5432\n}\n');
    });

    it('JSON: the outputs document, all of them or one', () => {
      const all = streams();
      show(outputView, { state: { ...state, outputs }, outputs, redactor: clear }, all, true);
      const doc = JSON.parse(all.out.text) as JsonObject;
      assert.equal(doc['format_version'], 1);
      assert.deepEqual(doc['outputs'], outputs);
      const one = streams();
      show(outputView, { state: { ...state, outputs }, outputs, redactor: clear, name: 'nested' }, one, true);
      assert.match(one.out.text, /5432/);
      assert.doesNotMatch(one.out.text, /db_url/);
    });
  });
});
