// `starform exec SERVICE -- CMD...`: runs a command in a running service, its output
// streamed as it comes (stdout and stderr apart), and exits with the command's exit code,
// so scripts can branch on it. Standard input is passed to the command when it is not a
// terminal (`echo hi | starform exec web -- cat`); for an interactive session on a terminal
// use `starform shell`.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UserError } from '../util/errors.js';
import { findService, onEngine, withState } from './operate.js';
import { withStateOption, type StateArgs } from './shared-options.js';
import { streams } from './streams.js';

export const command = 'exec <service> [cmd..]';
export const describe = 'Run a command in a service (starform exec SERVICE -- CMD...); exits with its exit code';

interface ExecArgs extends StateArgs {
  service: string;
  cmd?: (string | number)[];
  user?: string;
  workdir?: string;
}

export function builder(y: Argv): Argv<ExecArgs> {
  return withStateOption(y)
    .positional('service', { type: 'string', demandOption: true, describe: 'The service' })
    .positional('cmd', { type: 'string', array: true, describe: 'The command and its arguments, after --' })
    .option('user', { type: 'string', describe: 'Run as this user (UID or UID:GID)' })
    .option('workdir', { type: 'string', describe: 'Run in this directory of the container' })
    .example('$0 exec db -- psql -U postgres -c "select 1"', 'Run a query in service db') as unknown as Argv<ExecArgs>;
}

export async function handler(argv: ArgumentsCamelCase<ExecArgs>): Promise<void> {
  // The words after `--` reach yargs' `_` (after the command's own name), not the positional.
  const cmd = [...(argv.cmd ?? []), ...argv._.slice(1)].map(String);
  if (cmd.length === 0) throw new UserError(`name the command to run: starform exec ${argv.service} -- CMD...`);
  const { ref, runtime: open } = await withState(argv, async (op) => ({ ...findService(op, argv.service), runtime: op.runtime }));
  const runtime = await open();
  const stdin = process.stdin.isTTY === true ? undefined : process.stdin;
  try {
    const code = await onEngine(() =>
      runtime.execAttached(
        ref,
        cmd,
        { stdout: streams.out, stderr: streams.err },
        {
          ...(stdin !== undefined ? { stdin } : {}),
          ...(argv.user !== undefined ? { user: userSpec(argv.user) } : {}),
          ...(argv.workdir !== undefined ? { workdir: argv.workdir } : {}),
        },
      ),
    );
    process.exitCode = code;
  } finally {
    stdin?.pause();
    stdin?.destroy();
  }
}

/** --user: UID or UID:GID. */
export function userSpec(text: string): { uid: number; gid?: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(text.trim());
  if (m === null) throw new UserError(`--user must be a numeric UID or UID:GID (got '${text}')`);
  return { uid: Number(m[1]), ...(m[2] !== undefined ? { gid: Number(m[2]) } : {}) };
}
