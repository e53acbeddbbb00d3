// Options several commands share (package location, arguments, state file), declared once
// so `plan`, `validate` and `apply DIR` accept exactly the same spelling.
import type { Argv } from 'yargs';
import type { JsonObject } from '../util/json.js';

/** The default state file (lib/state's DEFAULT_STATE_FILE, repeated so --help loads nothing heavy). */
const DEFAULT_STATE_FILE = 'starform.state.json';

export interface PackageArgs {
  dir: string;
  args?: string;
  'args-file'?: string;
  package?: string[];
  'main-file'?: string;
  'main-function-name'?: string;
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
    .option('main-function-name', { type: 'string', describe: 'The function of the main file to call (default run)' }) as unknown as Argv<
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
  mainFunction?: string;
}> {
  const { parsePackageFlags, readArgs } = await import('../package/index.js');
  return {
    dir: argv.dir,
    args: readArgs({ args: argv.args, argsFile: argv['args-file'] }),
    packages: parsePackageFlags(argv.package ?? []),
    ...(argv['main-file'] ? { mainFile: argv['main-file'] } : {}),
    ...(argv['main-function-name'] ? { mainFunction: argv['main-function-name'] } : {}),
  };
}
