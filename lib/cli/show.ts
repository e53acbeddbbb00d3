// `starform show PLAN`: render a saved plan for review — text, JSON, or Markdown for a
// pull-request comment. The plan file is verified (schema, checksum, version) first.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { Change, Instruction } from '../plan/index.js';
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
 return withSigningKeyOption(withEncryptionOptions(y), 'Check the plan\'s signature with this Ed25519 key (PEM); default $STARFORM_PLAN_SIGNING_KEY_FILE or $STARFORM_PLAN_SIGNING_KEY')
    .positional('plan', { type: 'string', demandOption: true, describe: 'A plan file written by `starform plan --out`' })
    .option('json', { type: 'boolean', describe: 'Print the plan as JSON' })
    .option('markdown', { type: 'boolean', describe: 'Print a Markdown summary for a pull-request comment' })
    .option('max-bytes', { type: 'number', describe: 'With --markdown: the size budget in bytes (default 60000; GitHub takes 65536 characters)' })
    .option('graph', { type: 'boolean', describe: 'With --markdown: add a mermaid graph of the changed steps and their dependencies' })
    .conflicts('json', 'markdown')
    .example('$0 show change.plan --markdown > comment.md', 'Render a plan for review') as unknown as Argv<ShowArgs>;
}

export async function handler(argv: ArgumentsCamelCase<ShowArgs>): Promise<void> {
  const { summarize } = await import('../plan/model.js');
  const { readPlanFile } = await import('../planfile/index.js');
  const { renderPlanText } = await import('../render/plan-view.js');
  const { MIN_MAX_BYTES, markdownPlanOf, renderPlanMarkdown } = await import('../render/plan-markdown.js');
  const { UserError } = await import('../util/errors.js');
  const maxBytes = argv['max-bytes'];
  if ((maxBytes !== undefined || argv.graph !== undefined) && !argv.markdown) throw new UserError('--max-bytes and --graph go with --markdown');
  if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes >= MIN_MAX_BYTES)) {
    throw new UserError(`--max-bytes must be a whole number of bytes, at least ${MIN_MAX_BYTES} (it is ${String(maxBytes)})`);
  }
  const { useColor } = await import('../render/style.js');
  const { formatJson } = await import('../util/json.js');
  const { describeSignature, signatureStatus } = await import('../planfile/signing.js');
  const key = await signingKey(argv);
  const { maskOutput } = await import('../render/redact.js');
  const { encryptionOf } = await import('./state-backend.js');
  const loaded = await readPlanFile(argv.plan, encryptionOf(argv));
  maskOutput(loaded.plan.sensitive ?? []);
  const status = signatureStatus(loaded.checksum, loaded.signature, key);
  const signatureLine = describeSignature(status, key);
  const instructions = loaded.plan.instructions as unknown as Instruction[];
  const changes = loaded.plan.changes as unknown as Change[];
  const view = { instructions, changes, summary: summarize(changes), outputs: loaded.plan.outputs, sensitive: loaded.plan.sensitive ?? [] };
  const { packageVersionsMarkdown, packageVersionsText } = await import('../render/package-versions.js');
  const { usesMarkdown, usesText } = await import('../render/uses-view.js');
  const repositories = loaded.plan.package.repositories ?? [];
  if (argv.json) {
    const { planDocument } = await import('../render/json-views.js');
    const { plan } = loaded;
    const signature =
      status.state === 'unsigned'
        ? null
        : { algorithm: status.signature.algorithm, key_id: status.signature.keyId, verified: status.verified ?? null };
    const doc = { ...view, base: plan.base, package: plan.package, warnings: plan.warnings ?? [], checksum: loaded.checksum, starformVersion: loaded.starformVersion, signature, edits: plan.edits ?? [], orphans: plan.orphans ?? [] };
    streams.out.write(formatJson(planDocument(doc)));
  } else if (argv.markdown) {
    const options = { ...(maxBytes !== undefined ? { maxBytes } : {}), graph: argv.graph === true };
    streams.out.write(`${renderPlanMarkdown(markdownPlanOf(loaded, argv.plan), options)}${packageVersionsMarkdown(repositories)}${usesMarkdown(loaded.plan.package.uses)}\n${signatureLine}\n`);
  } else {
    for (const w of loaded.plan.warnings ?? []) streams.err.write(`warning: ${w}\n`);
    const { editsText } = await import('../render/edits-view.js');
    streams.out.write(editsText(loaded.plan.edits ?? [], changes, { color: useColor(streams.out) }));
    const { orphansText } = await import('../render/orphans-view.js');
    const orphans = orphansText(loaded.plan.orphans ?? [], { color: useColor(streams.out) });
    streams.out.write(`${renderPlanText(view, { color: useColor(streams.out) })}${orphans}${packageVersionsText(repositories)}${usesText(loaded.plan.package.uses)}\n${signatureLine}\n`);
  }
}
