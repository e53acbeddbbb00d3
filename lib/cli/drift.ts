// `starform drift`: does the engine still match the state? Read-only (no lock taken, nothing
// written): exit 0 when it matches, 2 when it drifted — each difference listed (stopped,
// removed or changed containers, containers of the lineage the state does not know) —
// and 1 on errors. `--json` prints the same as a document (schemas/output-drift.schema.json).
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { withStateOption, type StateArgs } from './shared-options.js';
import { streams } from './streams.js';

export const command = 'drift';
export const describe = 'Compare the state with the engine (read-only): exit 0 when they match, 2 when they drifted';

interface DriftArgs extends StateArgs {
  json: boolean;
}

export function builder(y: Argv): Argv<DriftArgs> {
  return withStateOption(y)
    .option('json', { type: 'boolean', default: false, describe: 'Print the drift as JSON' })
    .example('$0 drift', 'Exit 2 and list what changed on the engine since the last apply') as unknown as Argv<DriftArgs>;
}

export async function handler(argv: ArgumentsCamelCase<DriftArgs>): Promise<void> {
  const [{ readState }, { detectDrift }, { stateSensitiveValues }, { maskOutput }, { UserError }, { DockerRuntime }] = await Promise.all([
    import('../state/index.js'),
    import('../apply/drift.js'),
    import('../plan/sensitive.js'),
    import('../render/redact.js'),
    import('../util/errors.js'),
    import('../docker/index.js'),
  ]);
  const state = await readState(argv.state);
  maskOutput(stateSensitiveValues(state));
  let entries;
  try {
    entries = await detectDrift(state, new DockerRuntime());
  } catch (e) {
    if (e instanceof Error && e.name === 'RuntimeError')
      throw new UserError(e.message, { hint: '`starform drift` compares the state with the engine, so it needs the engine.' });
    throw e;
  }
  const [{ show }, { driftView }] = await Promise.all([import('../render/view.js'), import('../render/check-views.js')]);
  show(driftView, { state, entries }, streams, argv.json);
  if (entries.length > 0) process.exitCode = 2;
}
