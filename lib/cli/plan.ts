// `starform plan [DIR]`: interpret the package, validate every instruction, diff against
// the state (refreshed from the engine unless --refresh=false) and show what would change;
// `--out FILE` saves the plan for `apply`. Plan only reads: it writes no state and changes
// no container.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { State } from '../state/index.js';
import { packageInputs, withPackageOptions, withStateOption, type PackageArgs, type StateArgs } from './shared-options.js';

export const command = 'plan [dir]';
export const describe = 'Show what applying the package would change, and optionally save the plan';

interface PlanArgs extends PackageArgs, StateArgs {
  out?: string;
  json: boolean;
  'detailed-exitcode': boolean;
  refresh: boolean;
}

export function builder(y: Argv): Argv<PlanArgs> {
  return withStateOption(withPackageOptions(y))
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
    .example('$0 plan ./pkg --out change.plan', 'Plan ./pkg and save the plan for review')
    .example("$0 plan ./pkg --args '{\"replicas\": 3}'", 'Plan with arguments for run()') as unknown as Argv<PlanArgs>;
}

export async function handler(argv: ArgumentsCamelCase<PlanArgs>): Promise<void> {
  const [{ planFromCheck }, { checkPackageInterruptibly }, { writePlanFile }, { planJson, renderPlanText, renderProblems }, { useColor }, { readState }, { formatJson }] =
    await Promise.all([
      import('../plan/index.js'),
      import('../plan/interpret-worker.js'),
      import('../planfile/index.js'),
      import('../render/plan-view.js'),
      import('../render/style.js'),
      import('../state/index.js'),
      import('../util/json.js'),
    ]);
  const { orphansText } = await import('../render/orphans-view.js');
  const inputs = await packageInputs(argv);
  // The package is interpreted (in a worker thread, so Ctrl-C stops it) while the state is read and refreshed.
  const checking = checkPackageInterruptibly(inputs);
  checking.catch(() => undefined);
  let state = await readState(argv.state);
  const notes: string[] = [];
  let orphans: readonly { service: string; containerId: string }[] = [];
  // A state with an enclave network may have containers an interrupted apply did not record.
  if (argv.refresh && (state.services.size > 0 || state.enclave !== null)) {
    const refreshed = await refresh(state);
    state = refreshed.state;
    notes.push(...refreshed.drift);
    orphans = refreshed.orphans;
  }
  const result = planFromCheck(await checking, { ...inputs, locator: argv.dir, state });
  for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  if (result.plan === null) {
    process.stderr.write(renderProblems(result.problems, { color: useColor(process.stderr) }));
    process.exitCode = 1;
    return;
  }
  const view = { instructions: result.plan.instructions, changes: result.plan.changes, summary: result.summary!, outputs: result.plan.outputs };
  for (const n of notes) process.stderr.write(`note: ${n}\n`);
  if (argv.json) process.stdout.write(formatJson(planJson(view)));
  else {
    process.stdout.write(renderPlanText(view, { color: useColor(process.stdout) }));
    process.stdout.write(orphansText(orphans, { color: useColor(process.stdout) }));
  }
  if (argv.out) {
    await writePlanFile(argv.out, result.plan);
    if (!argv.json) process.stdout.write(`\nSaved the plan to ${argv.out}. Apply exactly this plan with: starform apply ${argv.out}\n`);
  }
  const s = result.summary!;
  const changes = s.create + s.replace + s.run + s.delete + orphans.length;
  if (argv['detailed-exitcode'] && changes > 0) process.exitCode = 2;
}

/** Refreshes the state from the engine (lib/apply owns the runtime); plan never writes it. */
async function refresh(state: State): Promise<{ state: State; drift: string[]; orphans: { service: string; containerId: string }[] }> {
  const { UserError } = await import('../util/errors.js');
  const { refreshState } = await import('../apply/refresh.js');
  const { DockerRuntime } = await import('../docker/index.js');
  try {
    return await refreshState(state, new DockerRuntime());
  } catch (e) {
    if (e instanceof UserError || (e instanceof Error && e.name === 'RuntimeError')) {
      throw new UserError(e.message, {
        hint: 'To plan from the state file alone (e.g. on a machine without Docker), pass --refresh=false.',
      });
    }
    throw e;
  }
}
