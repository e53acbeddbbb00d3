// A saved plan with one change of every action, for tests and the golden plan file. Its
// records have the shape of the plan module's (lib/plan/model.ts) Instruction and Change.
import type { SavedPlan, StackFrame } from '../../../lib/planfile/model.js';
import { digestOf, jsonDigest } from '../../../lib/util/hash.js';

export const SAMPLE_LINEAGE = '6f1c2b9e-3d4a-4c5b-8e7f-0a1b2c3d4e5f';
export const SAMPLE_FILE = new TextEncoder().encode("listen_addresses = '*'\n");

const at = (line: number, col = 5): { file: string; line: number; col: number } => ({ file: 'main.star', line, col });
const stack = (line: number): StackFrame[] => [
  { function: '<toplevel>', file: 'main.star', line: 1, col: 1 },
  { function: 'run', ...at(line) },
];

export function samplePlan(): SavedPlan {
  const conf = digestOf(SAMPLE_FILE);
  const dbConfig = { image: 'postgres:17', files: { '/etc/pg': 'pg-config' } };
  // A change shows exactly its instruction's args (`after`), as the plan module writes it.
  const uploadArgs = { name: 'pg-config', src: 'pg.conf', content: conf };
  const dbArgs = { name: 'db', config: dbConfig };
  const execArgs = { service_name: 'db', recipe: { command: ['pg_isready'] } };
  const printArgs = { msg: 'hello' };
  return {
    base: { lineage: SAMPLE_LINEAGE, serial: 7 },
    package: { locator: './pkg', digest: jsonDigest({ files: {}, args: { replicas: 1 } }), args: { replicas: 1 } },
    instructions: [
      {
        id: 'artifact.pg-config',
        kind: 'upload_files',
        args: uploadArgs,
        description: 'Uploading file pg.conf',
        position: at(3),
        stack: stack(3),
        declares: { type: 'artifact', name: 'pg-config' },
        services: [],
        artifacts: [],
        refs: [],
        produces: [],
      },
      {
        id: 'service.db',
        kind: 'add_service',
        args: dbArgs,
        description: 'Adding service db',
        position: at(4),
        stack: stack(4),
        declares: { type: 'service', name: 'db' },
        services: [],
        artifacts: ['pg-config'],
        refs: [],
        produces: ['ip_address', 'hostname'],
        forceUpdate: false,
      },
      {
        id: 'exec.3f2a9c1b04de',
        kind: 'exec',
        args: execArgs,
        description: 'Executing command on service db',
        position: at(9),
        stack: stack(9),
        services: ['db'],
        artifacts: [],
        refs: ['service.db'],
        produces: ['code', 'output'],
      },
      {
        id: 'print.9d1e0c2f7a44',
        kind: 'print',
        args: printArgs,
        description: 'Printing',
        position: at(10),
        stack: stack(10),
        services: [],
        artifacts: [],
        refs: [],
        produces: [],
      },
    ],
    changes: [
      { action: 'create', stepId: 'artifact.pg-config', kind: 'upload_files', reason: 'new files artifact', after: uploadArgs, instruction: 0 },
      {
        action: 'replace',
        stepId: 'service.db',
        kind: 'add_service',
        reason: 'configuration changed',
        before: { name: 'db', config: { ...dbConfig, image: 'postgres:16' } },
        after: dbArgs,
        instruction: 1,
      },
      { action: 'run', stepId: 'exec.3f2a9c1b04de', kind: 'exec', reason: 'depends on service.db, which is replaced', after: execArgs, instruction: 2 },
      { action: 'no-op', stepId: 'print.9d1e0c2f7a44', kind: 'print', reason: 'unchanged', after: printArgs, instruction: 3 },
      { action: 'delete', stepId: 'service.cache', kind: 'add_service', reason: 'no longer in the package', before: { image: 'redis:7' } },
    ],
    outputs: { db_url: 'postgres://{{starform:service.db.ip_address}}:5432' },
    files: new Map([[conf, SAMPLE_FILE]]),
  };
}
