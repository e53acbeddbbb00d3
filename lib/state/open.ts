// `openStateBackend(spec)`: the one way commands reach a state. The spec is what
// `--state` (or STARFORM_STATE) says: a path or a `file://` URL for the file backend, a
// `postgres://` or `postgresql://` URL for the PostgreSQL backend (whose driver loads
// only then). Encryption at rest applies to whichever backend it is.
import { fileURLToPath } from 'node:url';
import { UserError } from '../util/errors.js';
import type { Encryption } from '../util/envelope.js';
import type { StateBackend } from './backend.js';
import { FileStateBackend } from './file-backend.js';

export interface OpenBackendOptions {
  readonly encryption?: Encryption;
}

/** Which backend a spec names, without opening it. */
export function backendKind(spec: string): 'file' | 'postgres' {
  if (/^postgres(ql)?:\/\//i.test(spec)) return 'postgres';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec) && !/^file:\/\//i.test(spec)) {
    const scheme = spec.slice(0, spec.indexOf(':'));
    throw new UserError(`--state: no state backend for '${scheme}://' URLs (use a path, file://… or postgres://…)`);
  }
  return 'file';
}

/** The path a file spec names (a path, or a file:// URL). */
export function filePathOf(spec: string): string {
  if (!/^file:\/\//i.test(spec)) return spec;
  try {
    return fileURLToPath(spec);
  } catch (err) {
    throw new UserError(`--state: '${spec}' is not a usable file URL: ${(err as Error).message}`);
  }
}

export async function openStateBackend(spec: string, options: OpenBackendOptions = {}): Promise<StateBackend> {
  if (spec.trim() === '') throw new UserError('--state: the state location is empty');
  if (backendKind(spec) === 'postgres') {
    const { PostgresStateBackend, parsePostgresUrl } = await import('./postgres-backend.js');
    return new PostgresStateBackend(parsePostgresUrl(spec), options.encryption);
  }
  return FileStateBackend.open(filePathOf(spec), options.encryption);
}
