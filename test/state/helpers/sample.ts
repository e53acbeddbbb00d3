// A state with one of everything, for tests and the golden state file.
import {
  appliedStep,
  emptyState,
  filesArtifactRecord,
  putFilesArtifact,
  putService,
  recordStep,
  serviceRecord,
  setEnclave,
  setOutputs,
  setRuntimeValue,
  type State,
} from '../../../lib/state/model.js';

export const SAMPLE_LINEAGE = '6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e5f';
export const SAMPLE_ARTIFACT = new TextEncoder().encode("listen_addresses = '*'\n");

/** The sample state; `lineage` null gives a never-written state with the same content. */
export function sampleState(lineage: string | null = SAMPLE_LINEAGE): State {
  let s: State = { ...emptyState(), lineage };
  s = setEnclave(s, { networkName: 'starform-6f1c2b9e', networkId: 'b1e5f3c2a4d6' });
  s = putFilesArtifact(s, 'pg-config', filesArtifactRecord(SAMPLE_ARTIFACT));
  s = putService(
    s,
    'db',
    serviceRecord({
      config: { image: 'postgres:16', env_vars: { POSTGRES_PASSWORD: 'secret' }, files: { '/etc/pg': 'pg-config' } },
      containerId: '4f2a9c1d0e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f',
      ipAddress: '172.18.0.2',
      ports: new Map([['postgres', { number: 5432, transportProtocol: 'TCP', applicationProtocol: 'postgresql', hostPort: 49153 }]]),
      status: 'running',
    }),
  );
  s = recordStep(s, appliedStep({ id: 'artifact.pg-config', kind: 'upload_files', args: { name: 'pg-config', src: 'pg.conf' }, result: null }));
  s = recordStep(s, appliedStep({ id: 'service.db', kind: 'add_service', args: { name: 'db', config: { image: 'postgres:16' } }, result: null }));
  s = recordStep(
    s,
    appliedStep({
      id: 'exec.3f2a9c1b04de',
      kind: 'exec',
      args: { service_name: 'db', recipe: { command: ['pg_isready'] } },
      result: { code: 0, output: 'accepting connections\n' },
    }),
  );
  s = setRuntimeValue(s, 'service.db.ip_address', '172.18.0.2');
  s = setRuntimeValue(s, 'exec.3f2a9c1b04de.code', 0);
  return setOutputs(s, { db_url: 'postgres://172.18.0.2:5432' });
}
