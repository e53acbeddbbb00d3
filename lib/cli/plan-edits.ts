// The edit flags of `starform plan` (issue 12): their checks, and the plans that read no
// package (`--destroy`, `--refresh-only`), rendered and saved like any plan. The selection
// itself is lib/plan/selection.ts; the override file is lib/plan/override.ts.
import type { PlanKey } from '../planfile/index.js';
import { UserError } from '../util/errors.js';
import type { PlanArgs } from './plan.js';

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
export async function packagelessPlan(argv: PlanArgs, key: PlanKey | undefined): Promise<void> {
  const [
    { planWithoutPackage, planRefreshError, planRuntime },
    { writePlanFile },
    { maskOutput },
    { show },
    { packagelessPlanView, savedPlanView },
    { streams },
  ] = await Promise.all([
    import('./plan-against-state.js'),
    import('../planfile/index.js'),
    import('../render/redact.js'),
    import('../render/view.js'),
    import('../render/plan-command-view.js'),
    import('./streams.js'),
  ]);
  const { openBackend, encryptionOf } = await import('./state-backend.js');
  const backend = await openBackend(argv);
  const refreshOnly = argv['refresh-only'];
  let planned: Awaited<ReturnType<typeof planWithoutPackage>>;
  try {
    planned = await planWithoutPackage({
      backend,
      runtime: planRuntime(argv.runtime, argv.state),
      refresh: argv.refresh,
      mask: (values) => maskOutput(values),
      refreshError: planRefreshError,
      make: refreshOnly ? { refreshOnly: true } : { destroy: { targets: (argv.target ?? []).map(String), excludes: (argv.exclude ?? []).map(String) } },
    });
  } finally {
    await backend.close();
  }
  const { made, drift, orphans } = planned;
  if (made === null) {
    // An empty plan of no state would make a state when applied: there is nothing to plan.
    throw new UserError(`nothing to ${refreshOnly ? 'refresh' : 'destroy'}: there is no state yet`, { location: { file: argv.state } });
  }
  const { plan, summary } = made;
  show(packagelessPlanView, { plan, summary, drift, ...(refreshOnly ? { refreshOnly: { orphans: orphans.length } } : {}) }, streams, argv.json);
  if (argv.out) {
    const encryption = encryptionOf(argv);
    await writePlanFile(argv.out, plan, { ...(key ? { signWith: key } : {}), ...(encryption ? { encryption } : {}) });
    show(savedPlanView, { file: argv.out }, streams, argv.json);
  }
  const changes = refreshOnly ? drift.length : summary.create + summary.replace + summary.run + summary.delete;
  if (argv['detailed-exitcode'] && changes > 0) process.exitCode = 2;
}
