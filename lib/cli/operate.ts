// What the commands that operate a running enclave share (status, logs, exec, shell,
// files, port): reading the state they act on (--state, as every command), finding a
// service, files artifact or port in it with one clear error when it has none (exit 1,
// naming what it has), and the engine, whose failures reach the user as their message
// (a RuntimeError says what went wrong in the user's terms) rather than as internal errors.
// These commands only read the state (through its backend, so --state takes a path or a
// postgres:// URL as everywhere): they never take its lock and never write it. The engine
// is the one the state was applied with (enclave.runtime: docker or swarm).
import type { Runtime, ServiceRef } from '../runtime/index.js';
import { stateSensitiveValues } from '../plan/sensitive.js';
import { maskOutput } from '../render/redact.js';
import type { FilesArtifactRecord, ServiceRecord, State, StateBlobs } from '../state/index.js';
import { UserError } from '../util/errors.js';
import { RuntimeChoice } from './runtime-option.js';
import type { StateArgs } from './shared-options.js';
import { openBackend } from './state-backend.js';

export interface Operated {
  readonly state: State;
  /** Where the state is, for messages. */
  readonly file: string;
  readonly blobs: Pick<StateBlobs, 'get'>;
  readonly runtime: () => Promise<Runtime>;
}

/** Runs `fn` on the state of --state, its secrets masked in everything printed from now on; the backend is closed after. */
export async function withState<T>(argv: StateArgs, fn: (op: Operated) => Promise<T>): Promise<T> {
  const backend = await openBackend(argv);
  try {
    const state = await backend.read();
    maskOutput(stateSensitiveValues(state));
    const choice = new RuntimeChoice(undefined);
    choice.settle(state.enclave?.runtime, state.enclave !== null, backend.location);
    return await fn({ state, file: backend.location, blobs: backend.blobs, runtime: choice.runtime });
  } finally {
    await backend.close();
  }
}

function known(what: string, names: readonly string[]): string {
  return names.length === 0 ? `The state has no ${what}.` : `The state's ${what}: ${[...names].sort().join(', ')}.`;
}

/** The service `name` of the state, or the user's error. */
export function findService(op: Operated, name: string): { record: ServiceRecord; ref: ServiceRef } {
  const record = op.state.services.get(name);
  if (record === undefined || op.state.lineage === null) {
    throw new UserError(`the state has no service '${name}'`, { location: { file: op.file }, hint: known('services', [...op.state.services.keys()]) });
  }
  return { record, ref: { lineage: op.state.lineage, name, containerId: record.containerId } };
}

/** The files artifact `name` of the state, or the user's error. */
export function findArtifact(op: Operated, name: string): FilesArtifactRecord {
  const record = op.state.filesArtifacts.get(name);
  if (record === undefined) {
    throw new UserError(`the state has no files artifact '${name}'`, {
      location: { file: op.file },
      hint: known('files artifacts', [...op.state.filesArtifacts.keys()]),
    });
  }
  return record;
}

/** Runs an engine call; a RuntimeError becomes the user's error with its message. */
export async function onEngine<T>(fn: () => Promise<T>, hint?: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const { isRuntimeError } = await import('../runtime/index.js');
    if (isRuntimeError(err)) {
      const gone = isRuntimeError(err, 'not-found');
      throw new UserError(err.message, {
        cause: err,
        ...(hint !== undefined ? { hint } : gone ? { hint: 'Its container no longer exists: plan and apply again to create it.' } : {}),
      });
    }
    throw err;
  }
}
