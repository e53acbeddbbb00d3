// The plan signing key option, shared by `plan` (signs), `apply` (verifies) and `show`
// (says whether the plan is signed and whether the signature verifies). The key itself is
// read by lib/planfile/signing.ts: --signing-key-file / STARFORM_PLAN_SIGNING_KEY_FILE for
// an Ed25519 PEM key, STARFORM_PLAN_SIGNING_KEY for an HMAC-SHA256 secret.
import type { Argv } from 'yargs';
import type { PlanKey } from '../planfile/signing.js';

export interface SigningArgs {
  'signing-key-file'?: string;
}

export function withSigningKeyOption<T>(y: Argv<T>, describe: string): Argv<T & SigningArgs> {
  return y.option('signing-key-file', { type: 'string', describe }) as unknown as Argv<T & SigningArgs>;
}

/** The configured plan signing key, if any (a bad or unreadable key file is a UserError). */
export async function signingKey(argv: SigningArgs): Promise<PlanKey | undefined> {
  const { configuredKey } = await import('../planfile/signing.js');
  return configuredKey(process.env, argv['signing-key-file']);
}
