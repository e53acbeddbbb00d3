// The edit flags of `starform plan` (issue 12): their checks, and the plans that read no
// package (`--destroy`, `--refresh-only`), rendered and saved like any plan. The selection
// itself is lib/plan/selection.ts; the override file is lib/plan/override.ts.
import type { PlanKey } from '../planfile/index.js';
import type { State } from '../state/index.js';
import { UserError } from '../util/errors.js';
import type { PlanArgs } from './plan.js';

type Refresh = (state: State) => Promise<{ state: State; drift: string[]; orphans: { service: string; containerId: string }[] }>;

/** Refuses flags that do not go together, and malformed addresses, before anything is read. */
export async function checkEditFlags(argv: PlanArgs): Promise<void> {
  const { checkAddress } = await import('../plan/selection.js');
  for (const flag of ['target', 'exclude', 'replace'] as const) for (const a of argv[flag] ?? []) checkAddress(flag, String(a));
  const selecting = (argv.target ?? []).length + (argv.exclude ?? []).length > 0;
  if (argv.destroy && argv['refresh-only']) throw new UserError('--destroy and --refresh-only cannot be used together');
  if (argv['refresh-only'] && (selecting || (argv.replace ?? []).length > 0 || argv.override !== undefined)) {
    throw new UserError('--refresh-only changes no container: --target, --exclude, --replace and --override do not apply to it');
  }
  if (argv['refresh-only'] && !argv.refresh) throw new UserError('--refresh-only needs the engine: it cannot be used with --refresh=false');
  if (argv.destroy && ((argv.replace ?? []).length > 0 || argv.override !== undefined)) {
    throw new UserError('--destroy deletes: --replace and --override do not apply to it');
  }
}

/** `plan --destroy` and `plan --refresh-only`: shown, and saved with --out. */
export async function packagelessPlan(argv: PlanArgs, key: PlanKey | undefined, refresh: Refresh): Promise<void> {
  const [{ destroyPlan, refreshOnlyPlan }, { servicesSnapshot }, { writePlanFile, serializePlan }, { stateSensitiveValues }, { maskOutput, neutraliseControl }, { useColor, paint }] =
    await Promise.all([
      import('../plan/destroy-plan.js'),
      import('../apply/refresh-only.js'),
      import('../planfile/index.js'),
      import('../plan/sensitive.js'),
      import('../render/redact.js'),
      import('../render/style.js'),
    ]);
  const { openBackend, encryptionOf } = await import('./state-backend.js');
  const backend = await openBackend(argv);
  let stored: State;
  try {
    stored = await backend.read();
  } finally {
    await backend.close();
  }
  maskOutput(stateSensitiveValues(stored));
  const refreshOnly = argv['refresh-only'];
  if (stored.lineage === null) {
    // An empty plan of no state would make a state when applied: there is nothing to plan.
    throw new UserError(`nothing to ${refreshOnly ? 'refresh' : 'destroy'}: there is no state yet`, { location: { file: argv.state } });
  }
  let state = stored;
  let drift: string[] = [];
  let orphans: { service: string; containerId: string }[] = [];
  if (argv.refresh && (stored.services.size > 0 || stored.enclave !== null)) ({ state, drift, orphans } = await refresh(stored));
  const made = refreshOnly
    ? refreshOnlyPlan(stored, drift, servicesSnapshot(state))
    : destroyPlan(state, { targets: (argv.target ?? []).map(String), excludes: (argv.exclude ?? []).map(String) });
  const { plan, summary } = made;
  const color = useColor(process.stdout);
  if (argv.json) {
    const { planDocument } = await import('../render/json-views.js');
    const { STARFORM_VERSION } = await import('../util/package-info.js');
    const { formatJson } = await import('../util/json.js');
    const doc = { instructions: [], changes: plan.changes, summary, outputs: null, base: plan.base, package: plan.package, warnings: [], checksum: serializePlan(plan).checksum, starformVersion: STARFORM_VERSION, sensitive: plan.sensitive ?? [], edits: plan.edits ?? [] };
    process.stdout.write(formatJson(planDocument(doc)));
  } else {
    const { editsText } = await import('../render/edits-view.js');
    process.stdout.write(editsText(plan.edits ?? [], plan.changes, { color }));
    if (refreshOnly) process.stdout.write(refreshOnlyText(drift, orphans.length, paint(color)));
    else {
      const { renderPlanText } = await import('../render/plan-view.js');
      process.stdout.write(renderPlanText({ instructions: [], changes: plan.changes, summary, outputs: null, sensitive: plan.sensitive ?? [] }, { color }));
      for (const n of drift) process.stderr.write(`note: ${neutraliseControl(n)}\n`);
    }
  }
  if (argv.out) {
    const encryption = encryptionOf(argv);
    await writePlanFile(argv.out, plan, { ...(key ? { signWith: key } : {}), ...(encryption ? { encryption } : {}) });
    if (!argv.json) process.stdout.write(`\nSaved the plan to ${argv.out}. Apply exactly this plan with: starform apply ${argv.out}\n`);
  }
  const changes = refreshOnly ? drift.length : summary.create + summary.replace + summary.run + summary.delete;
  if (argv['detailed-exitcode'] && changes > 0) process.exitCode = 2;
}

function refreshOnlyText(drift: readonly string[], orphans: number, p: { bold(s: string): string; yellow(s: string): string }): string {
  if (drift.length === 0) return `${p.bold('No drift: the state matches the engine.')} Applying this plan changes nothing.\n`;
  const lines = [p.bold(`Applying this plan updates the state to what the engine has (${drift.length} difference${drift.length === 1 ? '' : 's'}, listed above); no container is changed.`)];
  if (orphans > 0) lines.push(p.yellow(`(${orphans} container${orphans === 1 ? '' : 's'} the state does not name stay${orphans === 1 ? 's' : ''}: a refresh-only apply removes nothing; the next full apply does.)`));
  return lines.join('\n') + '\n';
}
