// `starform plan [DIR]`: interpret the package, validate every instruction, diff against
// the state (refreshed from the engine unless --refresh=false) and show what would change;
// `--out FILE` saves the plan for `apply`. Plan only reads: it writes no state and changes
// no container.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UserError } from '../util/errors.js';
import { packageInputs, withPackageOptions, withStateOption, type PackageArgs, type StateArgs } from './shared-options.js';
import { signingKey, withSigningKeyOption, type SigningArgs } from './signing-options.js';
import { withRuntimeOption, type RuntimeArgs } from './runtime-option.js';

export const command = 'plan [dir]';
export const describe = 'Show what applying the package would change, and optionally save the plan';

interface PlanArgs extends PackageArgs, StateArgs, SigningArgs, RuntimeArgs {
  out?: string;
  json: boolean;
  'detailed-exitcode': boolean;
  refresh: boolean;
  pull: boolean;
  target?: string[];
  exclude?: string[];
  replace?: string[];
  destroy: boolean;
  'refresh-only': boolean;
  override?: string;
}

export function builder(y: Argv): Argv<PlanArgs> {
  return withSigningKeyOption(
    withRuntimeOption(withStateOption(withPackageOptions(y))),
    'Sign the saved plan with this Ed25519 private key (PEM); default $STARFORM_PLAN_SIGNING_KEY_FILE, or an HMAC secret in $STARFORM_PLAN_SIGNING_KEY',
  )
    .option('out', { type: 'string', describe: 'Save the plan to this file, for `starform apply FILE`' })
    .option('json', { type: 'boolean', default: false, describe: 'Print the plan as JSON' })
    .option('detailed-exitcode', {
      type: 'boolean',
      default: false,
      describe: 'Exit 0 when there are no changes, 2 when there are, 1 on errors',
    })
    .option('refresh', {
      type: 'boolean',
      default: true,
      describe: 'Compare the state with the engine first (--refresh=false: plan from the state alone)',
    })
    .option('pull', {
      type: 'boolean',
      default: false,
      describe: "Also ask the images' registries whether their tags name newer images (a service whose tag moved is replaced)",
    })
    .check((argv) => {
      if (argv.pull === true && argv.refresh === false)
        throw new UserError('--pull cannot be used with --refresh=false: the registries are asked during the refresh');
      return true;
    })
    .option('target', { type: 'string', array: true, describe: 'Only this step and what it needs (repeatable; `*` matches any characters: service.cl-*)' })
    .option('exclude', { type: 'string', array: true, describe: 'Leave out this step and every step that needs it (repeatable; `*` allowed)' })
    .option('replace', { type: 'string', array: true, describe: 'Replace this service although it is unchanged (repeatable; `*` allowed)' })
    .option('destroy', {
      type: 'boolean',
      default: false,
      describe: 'Plan to delete everything the state records (apply the saved plan to destroy exactly that)',
    })
    .option('refresh-only', { type: 'boolean', default: false, describe: 'Plan only to update the state to what the engine has; changes no container' })
    .option('override', {
      type: 'string',
      describe: 'A YAML file of per-service overrides and bindings to existing containers or endpoints (schemas/override.schema.json)',
    })
    .example('$0 plan ./pkg --out change.plan', 'Plan ./pkg and save the plan for review')
    .example('$0 plan ./pkg --args \'{"replicas": 3}\'', 'Plan with arguments for run()') as unknown as Argv<PlanArgs>;
}

export type { PlanArgs };

export async function handler(argv: ArgumentsCamelCase<PlanArgs>): Promise<void> {
  const [{ writePlanFile }, { show }, { openBackend, encryptionOf }, { maskOutput }, { streams }, views] = await Promise.all([
    import('../planfile/index.js'),
    import('../render/view.js'),
    import('./state-backend.js'),
    import('../render/redact.js'),
    import('./streams.js'),
    import('../render/plan-command-view.js'),
  ]);
  const key = await signingKey(argv);
  if (argv.out !== undefined && key?.algorithm === 'ed25519' && key.privateKey === undefined) {
    throw new UserError('the plan signing key file holds a public key, which can only verify; `plan --out` signs with the private key', {
      location: { file: key.source },
    });
  }
  const edit = await import('./plan-edits.js');
  await edit.checkEditFlags(argv);
  if (argv.destroy || argv['refresh-only']) {
    await edit.packagelessPlan(argv, key);
    return;
  }
  const override = argv.override !== undefined ? await (await import('../plan/override.js')).readOverride(argv.override) : undefined;
  const inputs = await packageInputs(argv);
  const backend = await openBackend(argv);
  const { planPackageAgainstState, planRefreshError, planRuntime } = await import('./plan-against-state.js');
  const planned = await planPackageAgainstState({
    backend,
    inputs,
    locator: argv.dir,
    runtime: planRuntime(argv.runtime, argv.state),
    refresh: argv.refresh,
    pull: argv.pull,
    mask: (values) => maskOutput(values),
    refreshError: planRefreshError,
    selection: { targets: argv.target ?? [], excludes: argv.exclude ?? [], replace: argv.replace ?? [] },
    ...(override !== undefined ? { override: { ...override, file: argv.override! } } : {}),
    orphansInPlan: true,
  }).catch(async (err: unknown) => {
    await backend.close();
    throw err;
  });
  const { result, orphans } = planned;
  if (result.plan === null) {
    show(views.planView, { warnings: result.warnings, problems: result.problems }, streams, argv.json);
    process.exitCode = 1;
    return;
  }
  show(views.planView, { warnings: result.warnings, notes: planned.notes, plan: result.plan, summary: result.summary!, orphans }, streams, argv.json);
  if (argv.out) {
    const encryption = encryptionOf(argv);
    await writePlanFile(argv.out, result.plan, { ...(key ? { signWith: key } : {}), ...(encryption ? { encryption } : {}) });
    show(views.savedPlanView, { file: argv.out, ...(key ? { keyId: key.id } : {}) }, streams, argv.json);
  }
  const s = result.summary!;
  const changes = s.create + s.replace + s.run + s.delete + orphans.length;
  if (argv['detailed-exitcode'] && changes > 0) process.exitCode = 2;
}
