// `starform export PLAN --format compose|kubernetes|helm [--out DIR]`: compile a saved plan
// to a definition other tools run (lib/export). The plan file is verified (checksum,
// schema, and the signature when a key is configured and the plan is signed) before
// anything is written; what the target cannot express is listed in the output's header
// and on standard error.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { exportNotesView, exportPrintedView, exportWrittenView } from '../render/export-view.js';
import { show } from '../render/view.js';
import { signingKey, withSigningKeyOption, type SigningArgs } from './signing-options.js';
import { streams } from './streams.js';

export const command = 'export <plan>';
export const describe = 'Compile a saved plan to a Compose file, Kubernetes manifests or a Helm chart';

interface ExportArgs extends SigningArgs {
  plan: string;
  format?: string;
  out?: string;
  subnet?: string;
}

export function builder(y: Argv): Argv<ExportArgs> {
  return withSigningKeyOption(
    y,
    "Check the plan's signature with this Ed25519 key (PEM); default $STARFORM_PLAN_SIGNING_KEY_FILE or $STARFORM_PLAN_SIGNING_KEY",
  )
    .positional('plan', { type: 'string', demandOption: true, describe: 'A plan file written by `starform plan --out`' })
    .option('format', { type: 'string', demandOption: true, describe: 'compose, kubernetes or helm' })
    .option('out', { type: 'string', describe: 'Write the definition and the files it mounts into this folder (default: print the one file to stdout)' })
    .option('subnet', { type: 'string', describe: "With --format compose: the network's subnet for fixed addresses (default: derived from the plan)" })
    .example('$0 export change.plan --format compose --out deploy/', 'A docker-compose.yml and the folders it mounts')
    .example('$0 export change.plan --format kubernetes > env.yaml', 'Kubernetes manifests') as unknown as Argv<ExportArgs>;
}

export async function handler(argv: ArgumentsCamelCase<ExportArgs>): Promise<void> {
  const { exportPlan, parseFormat, writeExport } = await import('../export/index.js');
  const { readPlanFile } = await import('../planfile/index.js');
  const { signatureStatus } = await import('../planfile/signing.js');
  const { maskOutput } = await import('../render/redact.js');
  const { UserError } = await import('../util/errors.js');
  const format = parseFormat(argv.format ?? '');
  const key = await signingKey(argv);
  const loaded = await readPlanFile(argv.plan);
  maskOutput(loaded.plan.sensitive ?? []);
  const status = signatureStatus(loaded.checksum, loaded.signature, key);
  // As apply: with a key configured, only a plan signed with it is exported.
  if (key !== undefined && status.state === 'unsigned') {
    throw new UserError('the plan is not signed, and a plan signing key is configured; refusing to export it', { location: { file: argv.plan } });
  }
  if (status.state === 'signed' && status.verified === false) {
    throw new UserError("the plan's signature does not verify with the configured key; refusing to export it", { location: { file: argv.plan } });
  }
  const result = exportPlan({ plan: loaded.plan, checksum: loaded.checksum }, format, argv.subnet !== undefined ? { subnet: argv.subnet } : {});
  const [main, ...rest] = result.files;
  if (argv.out === undefined && rest.length > 0) {
    throw new UserError(
      `--format ${format} writes ${result.files.length} files (${result.files
        .slice(0, 3)
        .map((f) => f.path)
        .join(', ')}${result.files.length > 3 ? ', ...' : ''}): name a folder with --out`,
    );
  }
  show(exportNotesView, result.notes, streams, false);
  if (argv.out === undefined) {
    show(exportPrintedView, main!, streams, false);
    return;
  }
  const written = await writeExport(argv.out, result);
  show(exportWrittenView, { count: written.length, dir: argv.out, first: main!.path }, streams, false);
}
