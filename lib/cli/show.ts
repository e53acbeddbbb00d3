// `starform show PLAN`: render a saved plan for review — text, JSON, or Markdown for a
// pull-request comment. The plan file is verified (schema, checksum, version) first.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { withEncryptionOptions, type StateArgs } from './shared-options.js';
import { signingKey, withSigningKeyOption, type SigningArgs } from './signing-options.js';
import { streams } from './streams.js';

export const command = 'show <plan>';
export const describe = 'Show a saved plan (text, --json, or --markdown for a pull request)';

interface ShowArgs extends SigningArgs, Pick<StateArgs, 'encryption-key-file' | 'allow-plaintext'> {
  plan: string;
  json?: boolean;
  markdown?: boolean;
  'max-bytes'?: number;
  graph?: boolean;
}

export function builder(y: Argv): Argv<ShowArgs> {
  return withSigningKeyOption(
    withEncryptionOptions(y),
    "Check the plan's signature with this Ed25519 key (PEM); default $STARFORM_PLAN_SIGNING_KEY_FILE or $STARFORM_PLAN_SIGNING_KEY",
  )
    .positional('plan', { type: 'string', demandOption: true, describe: 'A plan file written by `starform plan --out`' })
    .option('json', { type: 'boolean', describe: 'Print the plan as JSON' })
    .option('markdown', { type: 'boolean', describe: 'Print a Markdown summary for a pull-request comment' })
    .option('max-bytes', { type: 'number', describe: 'With --markdown: the size budget in bytes (default 60000; GitHub takes 65536 characters)' })
    .option('graph', { type: 'boolean', describe: 'With --markdown: add a mermaid graph of the changed steps and their dependencies' })
    .conflicts('json', 'markdown')
    .example('$0 show change.plan --markdown > comment.md', 'Render a plan for review') as unknown as Argv<ShowArgs>;
}

export async function handler(argv: ArgumentsCamelCase<ShowArgs>): Promise<void> {
  const { readPlanFile } = await import('../planfile/index.js');
  const { MIN_MAX_BYTES } = await import('../render/plan-markdown.js');
  const { UserError } = await import('../util/errors.js');
  const maxBytes = argv['max-bytes'];
  if ((maxBytes !== undefined || argv.graph !== undefined) && !argv.markdown) throw new UserError('--max-bytes and --graph go with --markdown');
  if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes >= MIN_MAX_BYTES)) {
    throw new UserError(`--max-bytes must be a whole number of bytes, at least ${MIN_MAX_BYTES} (it is ${String(maxBytes)})`);
  }
  const { describeSignature, signatureStatus } = await import('../planfile/signing.js');
  const key = await signingKey(argv);
  const { maskOutput } = await import('../render/redact.js');
  const { encryptionOf } = await import('./state-backend.js');
  const loaded = await readPlanFile(argv.plan, encryptionOf(argv));
  maskOutput(loaded.plan.sensitive ?? []);
  const status = signatureStatus(loaded.checksum, loaded.signature, key);
  const signature =
    status.state === 'unsigned' ? null : { algorithm: status.signature.algorithm, key_id: status.signature.keyId, verified: status.verified ?? null };
  const [{ show }, { showView }] = await Promise.all([import('../render/view.js'), import('../render/show-view.js')]);
  const shown = {
    loaded,
    file: argv.plan,
    signatureLine: describeSignature(status, key),
    signature,
    ...(argv.markdown ? { markdown: { ...(maxBytes !== undefined ? { maxBytes } : {}), graph: argv.graph === true } } : {}),
  };
  show(showView, shown, streams, argv.json === true);
}
