import assert from 'node:assert/strict';
import { jsonDigest } from '../../lib/util/hash.js';
import {
  appliedStep,
  emptyState,
  filesArtifactRecord,
  isNewState,
  putService,
  recordStep,
  referencedBlobs,
  removeService,
  removeStep,
  serviceRecord,
  setRuntimeValue,
  withLineage,
} from '../../lib/state/model.js';
import { SAMPLE_ARTIFACT, sampleState } from './helpers/sample.js';

describe('state/model', () => {
  it('starts empty, without lineage', () => {
    const s = emptyState();
    assert.equal(s.lineage, null);
    assert.equal(s.serial, 0);
    assert.ok(isNewState(s));
  });

  it('assigns a lineage once', () => {
    const s = withLineage(emptyState());
    assert.match(s.lineage ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(withLineage(s), s);
    assert.notEqual(withLineage(emptyState()).lineage, s.lineage);
  });

  it('computes hashes of the records it builds', () => {
    const svc = serviceRecord({ config: { b: 1, a: 2 }, containerId: 'c', ipAddress: null, ports: new Map(), status: 'stopped' });
    assert.equal(svc.configHash, jsonDigest({ a: 2, b: 1 }));
    assert.equal(appliedStep({ id: 'x', kind: 'print', args: { msg: 'hi' }, result: null }).argsHash, jsonDigest({ msg: 'hi' }));
    assert.deepEqual(filesArtifactRecord(SAMPLE_ARTIFACT).size, SAMPLE_ARTIFACT.byteLength);
  });

  it('updates without changing the original', () => {
    const s = sampleState();
    const t = removeService(s, 'db');
    assert.ok(s.services.has('db'));
    assert.ok(!t.services.has('db'));
    assert.equal(setRuntimeValue(s, 'service.db.ip_address', undefined).runtimeValues.has('service.db.ip_address'), false);
    assert.ok(putService(t, '__proto__', s.services.get('db')!).services.has('__proto__'));
  });

  it('records steps in place or at the end, and removes them', () => {
    const s = sampleState();
    const ids = (st: typeof s): string[] => st.steps.map((x) => x.id);
    const replaced = recordStep(s, appliedStep({ id: 'service.db', kind: 'add_service', args: { name: 'db' }, result: 1 }));
    assert.deepEqual(ids(replaced), ids(s));
    assert.equal(replaced.steps[1]!.result, 1);
    const appended = recordStep(s, appliedStep({ id: 'print.1', kind: 'print', args: {}, result: null }));
    assert.deepEqual(ids(appended), [...ids(s), 'print.1']);
    assert.deepEqual(ids(removeStep(s, 'service.db')), ['artifact.pg-config', 'exec.3f2a9c1b04de']);
  });

  it('lists the blobs it refers to', () => {
    assert.deepEqual([...referencedBlobs(sampleState())], [filesArtifactRecord(SAMPLE_ARTIFACT).contentHash]);
  });
});
