// How a command opens the state it works on: the backend `--state` names (a path,
// file://… or postgres://…; STARFORM_STATE is the default) with the encryption at rest
// that the environment and --encryption-key-file configure. Every command that reads or
// writes a state opens it here, so they all accept the same specs.
import { openStateBackend, type StateBackend } from '../state/index.js';
import { encryptionFromEnvironment, type Encryption } from '../util/envelope.js';
import type { StateArgs } from './shared-options.js';

/** The encryption configured for this command, if any. */
export function encryptionOf(argv: Pick<StateArgs, 'encryption-key-file' | 'allow-plaintext'>): Encryption | undefined {
  return encryptionFromEnvironment(process.env, {
    ...(argv['encryption-key-file'] !== undefined ? { keyFile: argv['encryption-key-file'] } : {}),
    ...(argv['allow-plaintext'] === true ? { allowPlaintext: true } : {}),
  });
}

/** The state backend of a command's --state. */
export function openBackend(argv: StateArgs, spec: string = argv.state): Promise<StateBackend> {
  const encryption = encryptionOf(argv);
  return openStateBackend(spec, encryption ? { encryption } : {});
}
