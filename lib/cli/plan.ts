// `starform plan [DIR]`: interpret the package, validate every instruction, diff against
// the state (refreshed from the engine unless --refresh=false) and show what would change;
// `--out FILE` saves the plan for `apply`. Plan only reads: it writes no state and changes
// no container.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { State } from '../state/index.js';
import { UserError } from '../util/errors.js';
import { packageInputs, withPackageOptions, withStateOption, type PackageArgs, type StateArgs } from './shared-options.js';
import { signingKey, withSigningKeyOption, type SigningArgs } from './signing-options.js';
import { openRuntime, requestedRuntime, settleRuntime, withRuntimeOption, type RuntimeArgs, type RuntimeKind } from './runtime-option.js';

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
      if (argv.pull === true && argv.refresh === false) throw new UserError('--pull cannot be used with --refresh=false: the registries are asked during the refresh');
      return true;
    })
    .option('target', { type: 'string', array: true, describe: 'Only this step and what it needs (repeatable; `*` matches any characters: service.cl-*)' })
    .option('exclude', { type: 'string', array: true, describe: 'Leave out this step and every step that needs it (repeatable; `*` allowed)' })
    .option('replace', { type: 'string', array: true, describe: 'Replace this service although it is unchanged (repeatable; `*` allowed)' })
    .option('destroy', { type: 'boolean', default: false, describe: 'Plan to delete everything the state records (apply the saved plan to destroy exactly that)' })
    .option('refresh-only', { type: 'boolean', default: false, describe: 'Plan only to update the state to what the engine has; changes no container' })
    .option('override', { type: 'string', describe: 'A YAML file of per-service overrides and bindings to existing containers or endpoints (schemas/override.schema.json)' })
    .example('$0 plan ./pkg --out change.plan', 'Plan ./pkg and save the plan for review')
    .example("$0 plan ./pkg --args '{\"replicas\": 3}'", 'Plan with arguments for run()') as unknown as Argv<PlanArgs>;
}

export type { PlanArgs };

export async function handler(argv: ArgumentsCamelCase<PlanArgs>): Promise<void> {
  const [{ planFromCheck }, { checkPackageInterruptibly }, { serializePlan, writePlanFile }, { renderPlanText, renderProblems }, { useColor }, { openBackend, encryptionOf }, { formatJson }, { maskOutput, neutraliseControl }] =
    await Promise.all([
      import('../plan/index.js'),
      import('../plan/interpret-worker.js'),
      import('../planfile/index.js'),
      import('../render/plan-view.js'),
      import('../render/style.js'),
      import('./state-backend.js'),
      import('../util/json.js'),
      import('../render/redact.js'),
    ]);
  const key = await signingKey(argv);
  if (argv.out !== undefined && key?.algorithm === 'ed25519' && key.privateKey === undefined) {
    const { UserError } = await import('../util/errors.js');
    throw new UserError('the plan signing key file holds a public key, which can only verify; `plan --out` signs with the private key', {
      location: { file: key.source },
    });
  }
  const edit = await import('./plan-edits.js');
  await edit.checkEditFlags(argv);
  const { planSensitiveValues, stateSensitiveValues } = await import('../plan/sensitive.js');
  const { orphansText } = await import('../render/orphans-view.js');
  if (argv.destroy || argv['refresh-only']) {
    await edit.packagelessPlan(argv, key, (s) => refresh(s, settleRuntime(requestedRuntime(argv.runtime), s.enclave?.runtime, s.enclave !== null, argv.state)));
    return;
  }
  const override = argv.override !== undefined ? await (await import('../plan/override.js')).readOverride(argv.override) : undefined;
  const inputs = await packageInputs(argv);
  const backend = await openBackend(argv);
  let state = await backend.read().catch(async (err: unknown) => {
    await backend.close();
    throw err;
  });
  maskOutput(stateSensitiveValues(state));
  const runtime = settleRuntime(requestedRuntime(argv.runtime), state.enclave?.runtime, state.enclave !== null, argv.state);
  // The package is interpreted (in a worker thread, so Ctrl-C stops it) against what the
  // state holds, while the state is refreshed from the engine.
  const overriding = override !== undefined ? { override: override.spec, overrideFile: argv.override } : {};
  const checking = checkPackageInterruptibly({ ...inputs, state, runtime, ...overriding });
  checking.catch(() => undefined);
  const notes: string[] = [];
  if (state.filesArtifacts.size > 0) {
    const { refreshBlobs } = await import('../apply/refresh.js');
    const checked = await refreshBlobs(state, backend);
    state = checked.state;
    notes.push(...checked.drift);
  }
  let orphans: readonly { service: string; containerId: string }[] = [];
  // A state with an enclave network may have containers an interrupted apply did not record.
  if (argv.refresh && (state.services.size > 0 || state.enclave !== null || (state.forgotten?.length ?? 0) > 0)) {
    const refreshed = await refresh(state, runtime, argv.pull);
    state = refreshed.state;
    notes.push(...refreshed.drift);
    orphans = refreshed.orphans;
  }
  const selection = { targets: argv.target ?? [], excludes: argv.exclude ?? [], replace: argv.replace ?? [] };
  const checked = await checking;
  const planned = planFromCheck(checked, { ...inputs, locator: argv.dir, state, runtime, selection, ...(override !== undefined ? { edits: [override.edit] } : {}) });
  // Containers no state names: recorded in the plan, which apply then removes (issue 18).
  const result = planned.plan !== null && orphans.length > 0 ? { ...planned, plan: { ...planned.plan, orphans: [...orphans] } } : planned;
  maskOutput(result.plan?.sensitive ?? planSensitiveValues({ args: inputs.args, instructions: result.instructions, outputs: null }, state));
  for (const w of result.warnings) process.stderr.write(`warning: ${neutraliseControl(w)}\n`);
  if (result.plan === null) {
    process.stderr.write(renderProblems(result.problems, { color: useColor(process.stderr) }));
    process.exitCode = 1;
    return;
  }
  const view = {
    instructions: result.plan.instructions,
    changes: result.plan.changes,
    summary: result.summary!,
    outputs: result.plan.outputs,
    sensitive: result.plan.sensitive ?? [],
  };
  for (const n of notes) process.stderr.write(`note: ${neutraliseControl(n)}\n`);
  if (argv.json) {
    const { planDocument } = await import('../render/json-views.js');
    const { STARFORM_VERSION } = await import('../util/package-info.js');
    const { plan } = result;
    const doc = { ...view, base: plan.base, package: plan.package, warnings: result.warnings, checksum: serializePlan(plan).checksum, starformVersion: STARFORM_VERSION, edits: plan.edits ?? [], orphans };
    process.stdout.write(formatJson(planDocument(doc)));
  } else {
    const { editsText } = await import('../render/edits-view.js');
    process.stdout.write(editsText(result.plan.edits ?? [], view.changes, { color: useColor(process.stdout) }));
    process.stdout.write(renderPlanText(view, { color: useColor(process.stdout) }));
    process.stdout.write(orphansText(orphans, { color: useColor(process.stdout) }));
    process.stdout.write((await import('../render/uses-view.js')).usesText(result.plan.package.uses));
  }
  if (argv.out) {
    const encryption = encryptionOf(argv);
    await writePlanFile(argv.out, result.plan, { ...(key ? { signWith: key } : {}), ...(encryption ? { encryption } : {}) });
    const signed = key ? ` (signed with key ${key.id})` : '';
    if (!argv.json) process.stdout.write(`\nSaved the plan to ${argv.out}${signed}. Apply exactly this plan with: starform apply ${argv.out}\n`);
  }
  const s = result.summary!;
  const changes = s.create + s.replace + s.run + s.delete + orphans.length;
  if (argv['detailed-exitcode'] && changes > 0) process.exitCode = 2;
}

/** Refreshes the state from the engine (lib/apply owns the runtime); plan never writes it. */
export async function refresh(state: State, kind: RuntimeKind, pull = false): Promise<{ state: State; drift: string[]; orphans: { service: string; containerId: string }[] }> {
  const { UserError } = await import('../util/errors.js');
  const { refreshState } = await import('../apply/refresh.js');
  const { checkImages } = await import('../apply/image-identity.js');
  try {
    const runtime = await openRuntime({ kind });
    const refreshed = await refreshState(state, runtime);
    // The images the services run: a tag that now names another image replaces its service.
    return { ...refreshed, state: await checkImages(refreshed.state, runtime, { pull }) };
  } catch (e) {
    if (e instanceof UserError && e.hint !== undefined) throw e; // plan --pull's, with its own hint
    if (e instanceof UserError || (e instanceof Error && e.name === 'RuntimeError')) {
      throw new UserError(e.message, {
        hint: 'To plan from the state file alone (e.g. on a machine without Docker), pass --refresh=false.',
      });
    }
    throw e;
  }
}
