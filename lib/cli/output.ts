// `starform output [NAME]`: what run() returned at the last apply, future references
// resolved (the state keeps it). An object prints as `name = value` lines; with NAME,
// one value (a string printed as is, for scripts); --json prints JSON. Sensitive values
// are masked (README "Sensitive values"); --show-sensitive prints them in clear, for a
// script that needs, say, the database URL with its password.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { SensitiveNames, stateSensitiveValues } from '../plan/sensitive.js';
import { outputView } from '../render/output-view.js';
import { maskOutput, Redactor } from '../render/redact.js';
import { show } from '../render/view.js';
import { openBackend } from './state-backend.js';
import { UserError } from '../util/errors.js';
import { isJsonObject } from '../util/json.js';
import { withStateOption, type StateArgs } from './shared-options.js';
import { streams } from './streams.js';

export const command = 'output [name]';
export const describe = 'Show the values run() returned at the last apply';

interface OutputArgs extends StateArgs {
  name?: string;
  json: boolean;
  'show-sensitive': boolean;
}

export function builder(y: Argv): Argv<OutputArgs> {
  return withStateOption(y)
    .positional('name', { type: 'string', describe: 'One output (a key of the object run() returned)' })
    .option('json', { type: 'boolean', default: false, describe: 'Print JSON' })
    .option('show-sensitive', {
      type: 'boolean',
      default: false,
      describe: 'Print sensitive values in clear instead of masked',
    }) as unknown as Argv<OutputArgs>;
}

export async function handler(argv: ArgumentsCamelCase<OutputArgs>): Promise<void> {
  const backend = await openBackend(argv);
  const state = await backend.read().finally(() => backend.close());
  const redactor = argv['show-sensitive'] ? new Redactor([], SensitiveNames.none()) : maskOutput(stateSensitiveValues(state));
  const outputs = redactor.redactJson(state.outputs);
  if (argv.name !== undefined && (!isJsonObject(outputs) || !(argv.name in outputs))) {
    const known = isJsonObject(outputs) ? Object.keys(outputs).sort() : [];
    throw new UserError(`no output named '${argv.name}'${known.length > 0 ? ` (the outputs are: ${known.join(', ')})` : ''}`, {
      location: { file: backend.location },
    });
  }
  show(outputView, { state, outputs, redactor, name: argv.name }, streams, argv.json === true);
}
