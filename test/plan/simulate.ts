// What the executor records in the state for each change of a plan, containers aside: the
// plan tests use it to get "the state after apply" without an engine (test/apply runs the
// real executor). The lineage is fixed so that states made here are reproducible.
import type { Change, Instruction } from '../../lib/plan/index.js';
import {
  appliedStep,
  filesArtifactRecord,
  putFilesArtifact,
  putService,
  recordStep,
  removeFilesArtifact,
  removeService,
  serviceRecord,
  setRuntimeValue,
  type State,
} from '../../lib/state/index.js';

export const TEST_LINEAGE = '00000000-0000-4000-8000-000000000000';

export function applyForTests(p: { instructions: readonly Instruction[]; changes: readonly Change[] }, before: State): State {
  let state: State = before.lineage === null ? { ...before, lineage: TEST_LINEAGE } : before;
  let ip = 1;
  for (const c of p.changes) {
    const ins = c.instruction !== undefined ? p.instructions[c.instruction] : undefined;
    if (c.action === 'delete' && ins === undefined) {
      const dot = c.stepId.indexOf('.');
      const [type, name] = [c.stepId.slice(0, dot), c.stepId.slice(dot + 1)];
      state = type === 'service' ? removeService(state, name) : removeFilesArtifact(state, name);
      continue;
    }
    if (ins === undefined || c.action === 'no-op') continue;
    if (ins.kind === 'add_service') {
      const name = ins.declares!.name;
      // A replaced service keeps its address, as apply keeps it.
      const kept = state.services.get(name)?.ipAddress ?? `10.0.0.${ip++}`;
      state = putService(
        state,
        name,
        serviceRecord({ config: ins.args, containerId: `container-${name}`, ipAddress: kept, ports: new Map(), status: 'running' }),
      );
      state = setRuntimeValue(state, `${ins.id}.ip_address`, kept);
      state = setRuntimeValue(state, `${ins.id}.hostname`, name);
    } else if (ins.kind === 'remove_service') {
      state = removeService(state, ins.services[0]);
    } else if (ins.kind === 'stop_service' || ins.kind === 'start_service') {
      const name = ins.services[0];
      const rec = state.services.get(name)!;
      state = putService(state, name, { ...rec, status: ins.kind === 'stop_service' ? 'stopped' : 'running' });
    } else if (ins.declares?.type === 'artifact') {
      state = putFilesArtifact(state, ins.declares.name, filesArtifactRecord(Buffer.from(JSON.stringify(ins.args))));
    } else if (ins.kind === 'run_sh' || ins.kind === 'run_python') {
      for (const s of ins.args.store as readonly { name: string; src: string }[]) {
        state = putFilesArtifact(state, s.name, filesArtifactRecord(Buffer.from(`${ins.id}:${s.src}`)));
      }
    }
    for (const field of ins.produces) if (ins.kind !== 'add_service') state = setRuntimeValue(state, `${ins.id}.${field}`, field === 'code' ? 0 : '');
    state = recordStep(state, appliedStep({ id: ins.id, kind: ins.kind, args: ins.args, result: null }));
  }
  return { ...state, serial: state.serial + 1 };
}
