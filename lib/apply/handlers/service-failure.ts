// What add_service does when a service's container does not come up: it noticed the
// container exit right after it started, or the readiness checks failed (a port that never
// answered, a ReadyCondition never met, an exit while waiting). Either way the step fails
// with one message a user can debug from: how the container ended (its exit code) and its
// last log lines. Then the container is removed (the state never names it, so planning
// again plans to create it again), or, with `apply --keep-failed`, stopped and kept,
// recorded in the state with status 'failed' so that `starform logs` and `starform shell`
// work on it (Kurtosis's issue 651); the next plan replaces a failed service.
//
// "Right after it started": the engine reports a container as started as soon as its
// process runs, so a command such as `exit 7` is still "running" when createService
// returns. A service without readiness checks is therefore watched for a short settle time
// before it counts as created; one with checks is watched by them, and looked at once more
// when they pass.
import type { ServiceRef, ServiceStatus } from '../../docker/index.js';
import { putService, type ServiceRecord } from '../../state/index.js';
import { sleep, type StepContext } from '../context.js';
import { StepFailure } from '../errors.js';
import { indent } from '../recipes.js';
import { stopped } from '../refresh.js';

/** How many of its last log lines a failed service's error shows. */
const FAILED_LOG_LINES = 20;
/** How long a service without readiness checks must keep running to count as started. */
export const START_SETTLE_MS = 400;

/** The container's status when it is no longer running (or gone) within `settleMs`; undefined while it runs. */
export async function exitedAfterStart(ctx: StepContext, ref: ServiceRef, settleMs: number): Promise<ServiceStatus | 'gone' | undefined> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const status = await ctx.runtime.inspectService(ref);
    if (status === undefined) return 'gone';
    if (!status.running) return status;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(100, left), ctx.signal);
  }
}

/** How a container that is not running ended, in words ("exited with code 7"). */
function endedText(status: ServiceStatus): string {
  if (status.state === 'exited' || status.state === 'dead') return `exited with code ${status.exitCode ?? 'unknown'}`;
  return `is ${status.state}`;
}

/**
 * Fails the add_service step of `name` whose container `record` names (see the file
 * comment): removes or keeps the container, and throws the StepFailure.
 */
export async function failService(
  ctx: StepContext,
  name: string,
  record: ServiceRecord,
  problem: { readonly phase: 'start' | 'ready'; readonly error?: unknown },
): Promise<never> {
  const ref = { lineage: ctx.lineage, name, containerId: record.containerId };
  const status = await ctx.runtime.inspectService(ref).catch(() => undefined);
  const logs = await ctx.runtime.serviceLogs(ref, { tail: FAILED_LOG_LINES }).catch(() => '');
  const when = problem.phase === 'start' ? 'right after it started' : 'before it became ready';
  let headline: string;
  if (status === undefined) headline = `service '${name}': its container ${record.containerId.slice(0, 12)} disappeared ${when}`;
  else if (!status.running) headline = `service '${name}' ${endedText(status)} ${when}`;
  else {
    const why = problem.error instanceof Error ? problem.error.message : String(problem.error ?? 'unknown reason');
    headline = `service '${name}' did not become ready: ${why}`;
  }
  const lines = logs.trimEnd();
  const tail = lines === '' ? '\nit printed nothing' : `\nits last output (up to ${FAILED_LOG_LINES} lines):\n${indent(lines)}`;
  let after: string;
  if (ctx.keepFailed && status !== undefined) {
    if (status.running) await ctx.runtime.stopService(ref).catch(() => undefined);
    await ctx.commit((s) => putService(s, name, { ...stopped(record), status: 'failed' }));
    after =
      `The container ${record.containerId.slice(0, 12)} was kept (stopped) and recorded as failed: ` +
      `\`starform logs ${name}\` shows its log, \`starform shell ${name}\` opens a shell on its files; the next apply replaces it.`;
  } else {
    if (status !== undefined) await ctx.runtime.removeService(ref).catch(() => undefined);
    after = 'The container was removed; planning again plans to create it again (apply --keep-failed keeps it for `starform logs`).';
  }
  throw new StepFailure(`${headline}${tail}\n${after}`, problem.error !== undefined ? { cause: problem.error } : undefined);
}
