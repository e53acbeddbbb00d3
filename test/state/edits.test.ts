// The state edits of lib/state/edits.ts as pure functions: address resolution, forget,
// move (references rewritten), adopt and push's lineage/serial rules, and the new fields
// surviving a round trip through the state file.
import assert from 'node:assert/strict';
import { UserError } from '../../lib/util/errors.js';
import {
  adopt,
  appliedStep,
  forget,
  move,
  parseServiceAddress,
  parseState,
  pushed,
  putService,
  recordStep,
  resolveStateAddress,
  serializeState,
  serviceRecord,
  setRuntimeValue,
  unforget,
  type State,
} from '../../lib/state/index.js';
import { sampleState } from './helpers/sample.js';

const FILE = 's.json';
const userError =
  (pattern: RegExp) =>
  (err: unknown): boolean =>
    err instanceof UserError && pattern.test(err.message);

/** The sample plus a service `app` whose configuration and step use the db's address. */
function withApp(): State {
  const args = { name: 'app', config: { env_vars: { DB: '{{starform:service.db.ip_address}}' } } };
  let s = putService(
    sampleState(),
    'app',
    serviceRecord({ config: args, containerId: 'a'.repeat(64), ipAddress: '172.18.0.3', ports: new Map(), status: 'running' }),
  );
  s = recordStep(s, appliedStep({ id: 'service.app', kind: 'add_service', args, result: null }));
  s = setRuntimeValue(s, 'service.db.hostname', 'db');
  return { ...s, outputs: { db: '{{starform:service.db.ip_address}}' } };
}

describe('state edits', () => {
  it('resolves addresses, bare names when unambiguous, and says what the state has otherwise', () => {
    const s = sampleState();
    assert.equal(resolveStateAddress(s, 'service.db', FILE).type, 'service');
    assert.equal(resolveStateAddress(s, 'db', FILE).type, 'service');
    assert.equal(resolveStateAddress(s, 'pg-config', FILE).type, 'artifact');
    assert.equal(resolveStateAddress(s, 'exec.3f2a9c1b04de', FILE).type, 'step');
    assert.throws(() => resolveStateAddress(s, 'service.nope', FILE), userError(/s\.json: the state has no 'service\.nope'/));
    assert.throws(() => parseServiceAddress('service.Bad_Name', FILE), userError(/is not a service address/));
  });

  it('forget drops the service, its step and values, and remembers its container', () => {
    const s = sampleState();
    const { state, message } = forget(s, resolveStateAddress(s, 'service.db', FILE));
    assert.equal(state.services.has('db'), false);
    assert.equal(
      state.steps.some((x) => x.id === 'service.db'),
      false,
    );
    assert.equal(state.runtimeValues.has('service.db.ip_address'), false);
    assert.deepEqual(state.forgotten, [{ containerId: s.services.get('db')!.containerId, service: 'db' }]);
    assert.match(message, /keeps running/);
    // Round trip through the file, then adopting it again empties the list.
    const read = parseState(serializeState({ ...state, serial: 1 }), FILE);
    assert.deepEqual(read.forgotten, state.forgotten);
    assert.equal(unforget(read, s.services.get('db')!.containerId).forgotten, undefined);
  });

  it('move renames a service, keeps its container and label name, and rewrites references to it', () => {
    const s = withApp();
    const next = move(s, resolveStateAddress(s, 'service.db', FILE), 'service.pg', FILE);
    const pg = next.services.get('pg')!;
    assert.equal(pg.containerId, s.services.get('db')!.containerId);
    assert.equal(pg.labelName, 'db');
    assert.equal(next.services.has('db'), false);
    assert.ok(next.steps.some((x) => x.id === 'service.pg' && x.args['name'] === 'pg'));
    assert.deepEqual(next.services.get('app')!.config['config'], { env_vars: { DB: '{{starform:service.pg.ip_address}}' } });
    assert.equal(next.runtimeValues.get('service.pg.ip_address'), '172.18.0.2');
    assert.equal(next.runtimeValues.get('service.pg.hostname'), 'pg');
    assert.deepEqual(next.outputs, { db: '{{starform:service.pg.ip_address}}' });
    // Every hash still matches its record: the file reader checks them all.
    const read = parseState(serializeState({ ...next, serial: 1 }), FILE);
    assert.equal(read.services.get('pg')!.labelName, 'db');
    // Moving back forgets the label name (the container's labels say it again).
    const back = move(next, resolveStateAddress(next, 'service.pg', FILE), 'service.db', FILE);
    assert.equal(back.services.get('db')!.labelName, undefined);
    assert.throws(() => move(s, resolveStateAddress(s, 'service.db', FILE), 'service.app', FILE), userError(/the state has service\.app already/));
    assert.throws(() => move(s, resolveStateAddress(s, 'exec.3f2a9c1b04de', FILE), 'x', FILE), userError(/only services and files artifacts/));
  });

  it('adopt refuses an address or a container the state has already', () => {
    const s = sampleState();
    const db = s.services.get('db')!;
    assert.throws(() => adopt(s, 'db', db, FILE), userError(/service\.db is in the state already/));
    assert.throws(() => adopt(s, 'other', db, FILE), userError(/is in the state already, as service\.db/));
    const fresh = serviceRecord({ config: {}, containerId: 'b'.repeat(64), ipAddress: null, ports: new Map(), status: 'stopped' });
    assert.ok(adopt(s, 'other', { ...fresh, adopted: true }, FILE).services.get('other')!.adopted);
  });

  it('push: same lineage and a serial not behind; --force for anything else', () => {
    const current = { ...sampleState(), serial: 5 };
    const opts = { force: false, file: 'in.json' };
    assert.equal(pushed(current, { ...current, serial: 5 }, opts).serial, 5);
    assert.equal(pushed(current, { ...current, serial: 9 }, opts).serial, 5, 'the write then adds one to the current serial');
    assert.throws(() => pushed(current, { ...current, serial: 4 }, opts), userError(/at serial 4, the current state at 5/));
    const other = { ...current, lineage: '11111111-1111-4111-8111-111111111111' };
    assert.throws(() => pushed(current, other, opts), userError(/another state/));
    assert.equal(pushed(current, other, { ...opts, force: true }).lineage, other.lineage);
    assert.equal(pushed({ ...current, lineage: null, serial: 0 }, other, opts).lineage, other.lineage, 'no state yet: anything goes');
  });
});
