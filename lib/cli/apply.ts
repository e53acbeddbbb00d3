// `starform apply PLAN` runs a saved plan as reviewed, without asking; `starform apply
// [DIR]` plans the package (holding the state lock from before planning until the last
// step is recorded), shows the plan and asks for `yes` (--auto-approve skips that).
// Progress: ink on a terminal, plain lines when not a terminal or when CI is set, NDJSON
// with --json. Exit 0 when every step was applied, 1 on any failure (the message names
// the step's Starlark position). The first interrupt (Ctrl-C, SIGTERM) starts no new
// step and lets those in flight finish, so the state records all of them; a second one
// aborts them (waits end, tasks are stopped; what exists is recorded); a third stops at
// once (the state is still valid: it is written after every step). Each of the first two
// says so at once, in the progress view.
//
// Helpers other execution-phase commands share (the engine, lock timeouts, the
// confirmation prompt, choosing the progress view) live here too.
import { stat } from 'node:fs/promises';
import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { Runtime } from '../runtime/index.js';
import { applyPlan, type ApplicablePlan, type ApplyEvent, type EventSink } from '../apply/index.js';
import { checkSignature, readPlanFile } from '../planfile/index.js';
import { maskOutput } from '../render/redact.js';
import { show } from '../render/view.js';
import type { State, StateBackend, StateLock } from '../state/index.js';
import { encryptionOf, openBackend } from './state-backend.js';
import { UserError } from '../util/errors.js';
import { packageInputs, withPackageOptions, withStateOption, type PackageArgs, type StateArgs } from './shared-options.js';
import { statusAfterApply } from './apply-status.js';
import { signingKey, withSigningKeyOption, type SigningArgs } from './signing-options.js';
import { preloadRuntime, requestedRuntime, RuntimeChoice, withRuntimeOption, type RuntimeArgs } from './runtime-option.js';
import { ask, streams } from './streams.js';

export const command = 'apply [dir]';
export const describe = 'Apply a saved plan (apply PLAN), or plan the package and apply it after confirmation (apply [DIR])';

export interface LockArgs {
  'lock-timeout': string;
}

interface ApplyArgs extends PackageArgs, StateArgs, LockArgs, SigningArgs, RuntimeArgs {
  'auto-approve': boolean;
  parallelism: number;
  json: boolean;
  refresh: boolean;
  pull: boolean;
  'keep-failed': boolean;
}

export function withLockTimeout<T>(y: Argv<T>): Argv<T & LockArgs> {
  return y
    .option('lock-timeout', {
      type: 'string',
      default: '0s',
      describe: 'How long to wait for the state lock held by another operation (e.g. 30s, 2m)',
    })
    .check((argv) => {
      // A usage error: checked before the command starts (see lib/cli/main.ts).
      parseLockTimeout(String(argv['lock-timeout']));
      return true;
    }) as unknown as Argv<T & LockArgs>;
}

/** --parallelism: a whole number of at least 1 (checked before anything happens). */
export function checkParallelism(value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new UserError(`--parallelism must be a whole number of at least 1 (got ${String(value)})`);
  }
}

export function builder(y: Argv): Argv<ApplyArgs> {
  return withSigningKeyOption(
    withRuntimeOption(withLockTimeout(withStateOption(withPackageOptions(y)))),
    'Apply a saved plan only if signed by this Ed25519 key (PEM, public or private); default $STARFORM_PLAN_SIGNING_KEY_FILE, or an HMAC secret in $STARFORM_PLAN_SIGNING_KEY',
  )
    .positional('dir', { type: 'string', default: '.', describe: 'A saved plan file, or the package directory to plan and apply' })
    .option('auto-approve', { type: 'boolean', default: false, describe: 'Apply without asking for confirmation' })
    .option('parallelism', { type: 'number', default: 8, describe: 'How many independent steps run at the same time' })
    .option('json', { type: 'boolean', default: false, describe: 'Stream progress as NDJSON events (needs --auto-approve with a package)' })
    .option('keep-failed', {
      type: 'boolean',
      default: false,
      describe: 'Keep the container of a service that fails to start or become ready (stopped, for `starform logs`/`shell`); the next apply replaces it',
    })
    .option('refresh', {
      type: 'boolean',
      default: true,
      describe: 'When planning: compare the state with the engine first (--refresh=false: plan from the state alone)',
    })
    .option('pull', {
      type: 'boolean',
      default: false,
      describe: "When planning: also ask the images' registries whether their tags name newer images (as plan --pull)",
    })
    .check((argv) => {
      checkParallelism(argv.parallelism);
      if (argv.pull === true && argv.refresh === false)
        throw new UserError('--pull cannot be used with --refresh=false: the registries are asked during the refresh');
      return true;
    })
    .example('$0 apply change.plan', 'Apply a reviewed plan exactly')
    .example('$0 apply ./pkg --auto-approve', 'Plan ./pkg and apply it without asking') as unknown as Argv<ApplyArgs>;
}

/** The runtime of `choice`, opened on first use (loading dockerode costs a quarter of a second). */
export function lazyRuntime(choice: RuntimeChoice = new RuntimeChoice(undefined)): () => Promise<Runtime> {
  return choice.runtime;
}

/** A lock timeout: a duration (`30s`, `500ms`, `2m`, `1h`) or a number of seconds. */
export function parseLockTimeout(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (m === null) throw new UserError(`--lock-timeout: '${text}' is not a duration (examples: 0s, 30s, 2m)`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * factor);
}

/**
 * Runs `fn` with two signals: the first SIGINT/SIGTERM aborts `stop` (start no new step,
 * let those in flight finish), the second aborts `cancel` (abort the running steps: their
 * waits end, their tasks are stopped, a service that is not ready yet is removed), the
 * third exits at once. `onInterrupt` is told of the first two at once (the view says
 * "Interrupt received: finishing N running steps"). The state stays valid whenever the
 * process ends: it is written after every step.
 */
export async function withInterrupts<T>(fn: (stop: AbortSignal, cancel: AbortSignal) => Promise<T>, onInterrupt: (count: number) => void): Promise<T> {
  const stop = new AbortController();
  const cancel = new AbortController();
  let count = 0;
  const onSignal = (): void => {
    count++;
    if (count === 1) {
      stop.abort();
      onInterrupt(1);
    } else if (count === 2) {
      cancel.abort();
      onInterrupt(2);
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(stop.signal, cancel.signal);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

async function isPlanFile(target: string): Promise<boolean> {
  const info = await stat(target).catch(() => undefined);
  if (info === undefined && target.startsWith('github.com/')) return false; // a package by locator, fetched
  if (info === undefined) throw new UserError(`no such plan file or package directory`, { location: { file: target } });
  return info.isFile() && !target.endsWith('.star');
}

async function execute(
  plan: ApplicablePlan,
  argv: ApplyArgs,
  extra: {
    backend: StateBackend;
    lock?: StateLock;
    lockedState?: State;
    planFile?: string;
    lockTimeoutMs: number;
    runtime: () => Promise<Runtime>;
    removeOrphans?: boolean;
  },
): Promise<void> {
  // The views load with the first step (the lock-timeout helpers above are all that other commands import of this file).
  const { applyStatusView, startApplyProgress } = await import('../render/apply-command-view.js');
  const view = await startApplyProgress(argv.json, streams);
  let last: ApplyEvent | undefined;
  const running = new Set<number>();
  /** Images the engine pulls or builds now (before the first step): what an interrupt lets finish, or aborts. */
  const images = new Map<string, 'pull' | 'build'>();
  const sink: EventSink = (e) => {
    if (e.type === 'apply_done' || e.type === 'apply_failed') last = e;
    if (e.type === 'step_start') running.add(e.step.index);
    else if (e.type === 'step_done' || e.type === 'step_failed' || e.type === 'step_skipped') running.delete(e.step.index);
    if (e.type === 'image_progress') {
      if (/^(Status: |Successfully tagged )/.test(e.message)) images.delete(e.ref);
      else images.set(e.ref, e.operation);
    } else if (e.type === 'image') images.delete(e.ref);
    else if (e.type === 'step_start' || e.type === 'apply_failed') images.clear();
    view.sink(e);
  };
  const onInterrupt = (count: number): void => {
    const ops = [...images.values()];
    const pulls = ops.filter((o) => o === 'pull').length;
    const builds = ops.length - pulls;
    sink({ type: 'interrupt', count, running: running.size, ...(pulls > 0 ? { pulls } : {}), ...(builds > 0 ? { builds } : {}) });
  };
  try {
    await withInterrupts(
      (signal, cancel) =>
        applyPlan(plan, {
          backend: extra.backend,
          runtime: extra.runtime,
          parallelism: argv.parallelism,
          lockTimeoutMs: extra.lockTimeoutMs,
          ...(extra.lock ? { lock: extra.lock, lockedState: extra.lockedState } : {}),
          ...(extra.planFile ? { planFile: extra.planFile } : {}),
          ...(extra.removeOrphans ? { removeOrphans: true } : {}),
          ...(argv['keep-failed'] ? { keepFailed: true } : {}),
          onEvent: sink,
          signal,
          cancel,
        }),
      onInterrupt,
    );
  } finally {
    // The status table follows the summary and shows the outputs (lib/cli/apply-status.ts).
    const status = last !== undefined ? await statusAfterApply(extra.backend, extra.runtime) : undefined;
    await view.close(status !== undefined && last?.type === 'apply_done' ? { ...last, outputs: null } : last);
    if (status !== undefined) show(applyStatusView, status, streams, argv.json);
  }
}

export async function handler(argv: ArgumentsCamelCase<ApplyArgs>): Promise<void> {
  const lockTimeoutMs = parseLockTimeout(argv['lock-timeout']);
  const key = await signingKey(argv);
  const choice = new RuntimeChoice(requestedRuntime(argv.runtime));
  const runtime = lazyRuntime(choice);
  const target = argv.dir;

  if (await isPlanFile(target)) {
    const packageFlags = ['args', 'args-file', 'package', 'main-file', 'offline', 'upgrade', 'sensitive-arg', 'max-steps'].filter(
      (f) => argv[f as keyof ApplyArgs] !== undefined,
    );
    if (packageFlags.length > 0) {
      throw new UserError(`--${packageFlags[0]} cannot be used with a saved plan: the plan already holds its package and arguments`, {
        location: { file: target },
      });
    }
    const loaded = await readPlanFile(target, encryptionOf(argv));
    maskOutput(loaded.plan.sensitive ?? []);
    if (key !== undefined) checkSignature(loaded.checksum, loaded.signature, key, target);
    else if (loaded.signature !== null) {
      show((await import('../render/apply-command-view.js')).unverifiedPlanView, { keyId: loaded.signature.keyId }, streams, argv.json);
    }
    // A plan that lists containers no state names removes them even when it has no other change.
    const removeOrphans = (loaded.plan.orphans ?? []).length > 0;
    choice.settle(loaded.plan.base.runtime ?? 'docker', true, target);
    const backend = await openBackend(argv);
    try {
      await execute(loaded.plan, argv, { backend, planFile: target, lockTimeoutMs, runtime, ...(removeOrphans ? { removeOrphans } : {}) });
    } finally {
      await backend.close();
    }
    return;
  }

  if (argv.json && !argv['auto-approve']) {
    throw new UserError('--json needs --auto-approve when applying a package: there is no one to ask');
  }
  // The planning modules load while the lock, the state and the engine are awaited.
  const planning = import('./plan-against-state.js').then((m) => (m.preloadPlanning(), m));
  planning.catch(() => undefined);
  if (argv.refresh) preloadRuntime(choice.kind);
  // A PostgreSQL state's driver loads and its connection is made while the inputs are read.
  const opening = openBackend(argv).then((opened) => {
    opened.preconnect?.();
    return opened;
  });
  opening.catch(() => undefined);
  const inputs = await packageInputs(argv).catch(async (err: unknown) => {
    await opening.then(
      (b) => b.close(),
      () => undefined,
    );
    throw err;
  });
  const backend = await opening;
  const lock = await backend.lock({ operation: 'apply', timeoutMs: lockTimeoutMs, releaseOnSignal: false });
  try {
    const [{ planPackageAgainstState }, { applyPlanView, approvedView }] = await Promise.all([planning, import('../render/apply-command-view.js')]);
    const { stored, result, notes, orphans } = await planPackageAgainstState({
      backend,
      inputs,
      locator: target,
      runtime: { settle: (s) => choice.settle(s.enclave?.runtime, s.enclave !== null, argv.state), open: runtime },
      refresh: argv.refresh,
      pull: argv.pull,
      mask: (values) => maskOutput(values),
      refreshError: (err) =>
        err instanceof UserError && err.hint !== undefined // plan --pull's, with its own hint
          ? err
          : new UserError((err as Error).message, { hint: 'To plan from the state file alone, pass --refresh=false.', cause: err }),
    });
    if (result.plan === null) {
      show(applyPlanView, { warnings: result.warnings, problems: result.problems }, streams, argv.json);
      process.exitCode = 1;
      return;
    }
    const s = result.summary!;
    show(applyPlanView, { warnings: result.warnings, notes, plan: result.plan, summary: s, orphans }, streams, argv.json);
    const changes = s.create + s.replace + s.run + s.delete + orphans.length;
    if (changes > 0 && !argv['auto-approve']) {
      const answer = await ask(
        "\nDo you want to perform these actions?\n  starform will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
      );
      if (answer !== 'yes') throw new UserError('apply cancelled: nothing was changed');
      show(approvedView, null, streams, argv.json);
    }
    await execute(result.plan, argv, { backend, lock, lockedState: stored, lockTimeoutMs, runtime, removeOrphans: orphans.length > 0 });
  } finally {
    await lock.release();
    await backend.close();
  }
}
