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
  offline?: boolean;
  upgrade?: boolean;
  'sensitive-arg'?: string[];
  privileged?: boolean;
  'main-function-name'?: string;
  'max-steps'?: number;
}

export interface StateArgs {
  state: string;
  'encryption-key-file'?: string;
  'allow-plaintext'?: boolean;
}

export function withPackageOptions<T>(y: Argv<T>): Argv<T & PackageArgs> {
  return y
    .positional('dir', { type: 'string', default: '.', describe: 'The package directory (with main.star)' })
    .option('args', { type: 'string', describe: 'Arguments for run(), as JSON (e.g. \'{"replicas": 2}\')' })
    .option('args-file', { type: 'string', describe: 'Arguments for run(), from a JSON or YAML file' })
    .option('package', {
      type: 'string',
      array: true,
      describe: 'Use a local directory for a package locator: LOCATOR=DIR (repeatable)',
    })
    .option('main-file', { type: 'string', describe: 'The main file, relative to the package (default main.star)' })
    .option('offline', { type: 'boolean', describe: 'Never touch the network: packages by locator come from the package cache' })
    .option('upgrade', { type: 'boolean', describe: 'Re-resolve the refs of packages by locator and rewrite starform.lock' })
    .option('sensitive-arg', {
      type: 'string',
      array: true,
      describe: 'Mask the value of this package argument in all output (a dotted path for nested ones; repeatable)',
    })
    .option('privileged', {
      type: 'boolean',
      describe: 'Allow ServiceConfig/run_sh settings that give containers host access (privileged, host_pid_namespace, bind_mounts)',
    })
    .option('main-function-name', { type: 'string', describe: 'The function of the main file to call (default run)' })
    .option('max-steps', {
      type: 'number',
      describe: 'Stop a runaway package after this many Starlark steps (default 100000000 or $STARFORM_MAX_STEPS; 0: no limit)',
    }) as unknown as Argv<T & PackageArgs>;
}

export function withStateOption<T>(y: Argv<T>): Argv<T & StateArgs> {
  return withEncryptionOptions(
    y.option('state', {
      type: 'string',
      default: process.env['STARFORM_STATE'] || DEFAULT_STATE_FILE,
      defaultDescription: '$STARFORM_STATE, else starform.state.json',
      describe: 'The state: a file path, a file:// URL, or postgres://user@host/db?schema=S&workspace=W',
    }),
  ) as unknown as Argv<T & StateArgs>;
}

/** --encryption-key-file and --allow-plaintext (encryption at rest, lib/util/envelope.ts). */
export function withEncryptionOptions<T>(y: Argv<T>): Argv<T & Pick<StateArgs, 'encryption-key-file' | 'allow-plaintext'>> {
  return y
    .option('encryption-key-file', {
      type: 'string',
      describe:
        'Encrypt the state and plan files at rest with the passphrase in this file (default $STARFORM_ENCRYPTION_KEY_FILE or $STARFORM_ENCRYPTION_PASSPHRASE)',
    })
    .option('allow-plaintext', {
      type: 'boolean',
      describe: 'With encryption configured, still read an unencrypted state or plan (to encrypt it: it is written encrypted)',
    }) as unknown as Argv<T & Pick<StateArgs, 'encryption-key-file' | 'allow-plaintext'>>;
}

/** The package options as the plan module takes them. */
export async function packageInputs(argv: PackageArgs): Promise<{
  dir: string;
  args: JsonObject;
  sensitiveArgs: readonly string[];
  packages: Record<string, string>;
  mainFile?: string;
  remote: import('../package/index.js').PackageRemote;
  download?: { offline: boolean };
  privileged?: boolean;
  mainFunction?: string;
  maxSteps?: number;
}> {
  const [{ parsePackageFlags, packageFetcherFor }, { readMarkedArgs }, { SensitiveNames, sensitiveValues }, { maskOutput }] = await Promise.all([
    import('../package/index.js'),
    import('../package/sensitive-args.js'),
    import('../plan/sensitive.js'),
    import('../render/redact.js'),
  ]);
  const { args, sensitive } = readMarkedArgs({ args: argv.args, argsFile: argv['args-file'], sensitiveArgs: argv['sensitive-arg'] ?? [] });
  // From here on, what the command prints masks the arguments' secrets (errors of the interpretation included).
  maskOutput(sensitiveValues({ args, marked: sensitive }, SensitiveNames.fromEnvironment()));
  const maxSteps = maxStepsOf(argv['max-steps'], process.env['STARFORM_MAX_STEPS']);
  return {
    dir: argv.dir,
    args,
    sensitiveArgs: sensitive,
    packages: parsePackageFlags(argv.package ?? []),
    remote: packageFetcherFor(argv.dir, { offline: argv.offline, upgrade: argv.upgrade }),
    ...(argv.offline ? { download: { offline: true } } : {}),
    ...(argv['main-file'] ? { mainFile: argv['main-file'] } : {}),
    ...(argv.privileged ? { privileged: true } : {}),
    ...(argv['main-function-name'] ? { mainFunction: argv['main-function-name'] } : {}),
    ...(maxSteps !== undefined ? { maxSteps } : {}),
  };
}

/** The step limit from --max-steps, else $STARFORM_MAX_STEPS; undefined: the plan module's default. */
function maxStepsOf(flag: number | undefined, env: string | undefined): number | undefined {
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
