// `starform validate [DIR]`: the first two phases only — interpret the package and check
// every instruction — without a state or an engine. Exit 0 when valid, 1 with every
// problem (and its Starlark position) otherwise.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { packageInputs, withPackageOptions, type PackageArgs } from './shared-options.js';
import { streams } from './streams.js';

export const command = 'validate [dir]';
export const describe = 'Interpret and validate a package without planning against a state';

interface ValidateArgs extends PackageArgs {
  json: boolean;
}

export function builder(y: Argv): Argv<ValidateArgs> {
  return withPackageOptions(y)
    .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON' })
    .example('$0 validate ./pkg', 'Check ./pkg for errors') as unknown as Argv<ValidateArgs>;
}

export async function handler(argv: ArgumentsCamelCase<ValidateArgs>): Promise<void> {
  const { checkPackageInterruptibly } = await import('../plan/interpret-worker.js');
  const { maskOutput } = await import('../render/redact.js');
  const { planSensitiveValues } = await import('../plan/sensitive.js');
  const { emptyState } = await import('../state/model.js');
  const [{ show }, { validateView }] = await Promise.all([import('../render/view.js'), import('../render/check-views.js')]);
  const inputs = await packageInputs(argv);
  const { instructions, problems, warnings, result } = await checkPackageInterruptibly(inputs);
  maskOutput(planSensitiveValues({ args: inputs.args, marked: inputs.sensitiveArgs, instructions, outputs: result.outputs }, emptyState()));
  show(validateView, { instructions: instructions.length, problems, warnings }, streams, argv.json);
  if (problems.length > 0) process.exitCode = 1;
}
