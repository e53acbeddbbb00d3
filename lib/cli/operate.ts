// What the commands that operate a running enclave share (status, logs, exec, shell,
// files, port): reading the state they act on (--state, as every command), finding a
// service, files artifact or port in it with one clear error when it has none (exit 1,
// naming what it has), and the engine, whose failures reach the user as their message
// (a RuntimeError says what went wrong in the user's terms) rather than as internal errors.
// These commands only read the state: they never take its lock and never write it.
import type { Runtime, ServiceRef } from '../docker/index.js';
import { stateSensitiveValues } from '../plan/sensitive.js';
import { maskOutput } from '../render/redact.js';
import { readState, type FilesArtifactRecord, type ServiceRecord, type State } from '../state/index.js';
import { UserError } from '../util/errors.js';
import { lazyRuntime } from './apply.js';

export interface Operated {
  readonly state: State;
  readonly file: string;
  readonly runtime: () => Promise<Runtime>;
}

/** The state at `file`, its secrets masked in everything printed from now on. */
export async function openState(file: string): Promise<Operated> {
  const state = await readState(file);
  maskOutput(stateSensitiveValues(state));
  const runtime = lazyRuntime();
  return { state, file, runtime: async () => runtime() };
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
    const { isRuntimeError } = await import('../docker/index.js');
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
