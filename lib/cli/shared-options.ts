// Options several commands share (package location, arguments, state file), declared once
// so `plan`, `validate` and `apply DIR` accept exactly the same spelling.
import type { Argv } from 'yargs';
import type { JsonObject } from '../util/json.js';
import { UserError } from '../util/errors.js';

/** The default state file (lib/state's DEFAULT_STATE_FILE, repeated so --help loads nothing heavy). */
const DEFAULT_STATE_FILE = 'starform.state.json';

export interface PackageArgs {
  dir: string;
  args?: string;
  'args-file'?: string;
  package?: string[];
  'main-file'?: string;
  'max-steps'?: number;
}

export interface StateArgs {
  state: string;
}

export function withPackageOptions<T>(y: Argv<T>): Argv<T & PackageArgs> {
  return y
    .positional('dir', { type: 'string', default: '.', describe: 'The package directory (with main.star)' })
    .option('args', { type: 'string', describe: "Arguments for run(), as JSON (e.g. '{\"replicas\": 2}')" })
    .option('args-file', { type: 'string', describe: 'Arguments for run(), from a JSON or YAML file' })
    .option('package', {
      type: 'string',
      array: true,
      describe: 'Use a local directory for a package locator: LOCATOR=DIR (repeatable)',
    })
    .option('main-file', { type: 'string', describe: 'The main file, relative to the package (default main.star)' })
    .option('max-steps', {
      type: 'number',
      describe: 'Stop a runaway package after this many Starlark steps (default 100000000 or $STARFORM_MAX_STEPS; 0: no limit)',
    }) as unknown as Argv<
    T & PackageArgs
  >;
}

export function withStateOption<T>(y: Argv<T>): Argv<T & StateArgs> {
  return y.option('state', {
    type: 'string',
    default: DEFAULT_STATE_FILE,
    describe: 'The state file',
  }) as unknown as Argv<T & StateArgs>;
}

/** The package options as the plan module takes them. */
export async function packageInputs(argv: PackageArgs): Promise<{
  dir: string;
  args: JsonObject;
  packages: Record<string, string>;
  mainFile?: string;
  maxSteps?: number;
}> {
  const { parsePackageFlags, readArgs } = await import('../package/index.js');
  const maxSteps = maxStepsOf(argv['max-steps'], process.env['STARFORM_MAX_STEPS']);
  return {
    dir: argv.dir,
    args: readArgs({ args: argv.args, argsFile: argv['args-file'] }),
    packages: parsePackageFlags(argv.package ?? []),
    ...(argv['main-file'] ? { mainFile: argv['main-file'] } : {}),
    ...(maxSteps !== undefined ? { maxSteps } : {}),
  };
}

/** The step limit from --max-steps, else $STARFORM_MAX_STEPS; undefined: the plan module's default. */
export function maxStepsOf(flag: number | undefined, env: string | undefined): number | undefined {
  const check = (value: number, what: string): number => {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new UserError(`${what} must be a whole number of steps, 0 for no limit (got ${String(value)})`);
    }
    return value;
  };
  if (flag !== undefined) return check(flag, '--max-steps');
  if (env !== undefined && env.trim() !== '') return check(/^\s*\d+\s*$/.test(env) ? Number(env) : NaN, 'STARFORM_MAX_STEPS');
  return undefined;
}
