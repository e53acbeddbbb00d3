// `starform logs SERVICE [--follow] [--tail N] [--since 10m|TIME]`: a service's log, its
// stdout to standard output and its stderr to standard error (demultiplexed as the engine
// sends them; a service with a terminal has one stream). --follow keeps printing until the
// container stops or Ctrl-C. Works on a stopped or failed container too (apply
// --keep-failed keeps one for this). Secrets of the state are masked in what it prints.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UserError } from '../util/errors.js';
import { findService, onEngine, withState } from './operate.js';
import { withStateOption, type StateArgs } from './shared-options.js';
import { streams } from './streams.js';

export const command = 'logs <service>';
export const describe = "Print a service's log (--follow to keep printing, --tail N, --since 10m)";

interface LogsArgs extends StateArgs {
  service: string;
  follow: boolean;
  tail?: number;
  since?: string;
}

export function builder(y: Argv): Argv<LogsArgs> {
  return withStateOption(y)
    .positional('service', { type: 'string', demandOption: true, describe: 'The service' })
    .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'Keep printing what the service prints (until it stops, or Ctrl-C)' })
    .option('tail', { type: 'number', describe: 'Only the last N lines' })
    .option('since', { type: 'string', describe: 'Only what was printed since a duration ago (10m, 1h30m) or a time (2024-05-01T10:00:00Z)' })
    .check((argv) => {
      if (argv.tail !== undefined && (!Number.isSafeInteger(argv.tail) || argv.tail < 0)) {
        throw new UserError(`--tail must be a whole number of lines (got ${String(argv.tail)})`);
      }
      if (argv.since !== undefined) sinceMs(String(argv.since), Date.now());
      return true;
    }) as unknown as Argv<LogsArgs>;
}

/** --since: a duration before `now` (`90s`, `10m`, `1h30m`), or a date and time; milliseconds since the epoch. */
export function sinceMs(text: string, now: number): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const trimmed = text.trim();
  if (/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(trimmed)) {
    let total = 0;
    for (const m of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * units[m[2]!]!;
    return now - total;
  }
  const time = /^\d{4}-\d{2}-\d{2}/.test(trimmed) ? Date.parse(trimmed) : NaN;
  if (Number.isNaN(time)) throw new UserError(`--since: '${text}' is neither a duration (10m, 1h30m) nor a date and time (2024-05-01T10:00:00Z)`);
  return time;
}

export async function handler(argv: ArgumentsCamelCase<LogsArgs>): Promise<void> {
  const { ref, runtime: open } = await withState(argv, async (op) => ({ ...findService(op, argv.service), runtime: op.runtime }));
  const since = argv.since !== undefined ? sinceMs(argv.since, Date.now()) : undefined;
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const runtime = await open();
    await onEngine(() =>
      runtime.streamLogs(
        ref,
        { stdout: streams.out, stderr: streams.err },
        {
          follow: argv.follow,
          ...(argv.tail !== undefined ? { tail: argv.tail } : {}),
          ...(since !== undefined ? { sinceMs: since } : {}),
          signal: stop.signal,
        },
      ),
    );
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
