// `starform shell SERVICE`: an interactive shell in a service, on the user's terminal —
// a TTY exec (bash when the image has it, else sh) with the terminal in raw mode, so keys
// such as Ctrl-C and Tab reach the remote shell, and its window size kept in step with
// the local one. It refuses when standard input is not a terminal (use `starform exec`).
// On a service that is not running (a failed one kept by apply --keep-failed, a stopped
// one) it opens the shell in a copy of its container instead — its files as it left them,
// its volumes, no network — and says so; what changes there is discarded.
// Exits with the shell's exit code; the terminal is restored however the shell ends.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UserError } from '../util/errors.js';
import { findService, onEngine, withState } from './operate.js';
import { withStateOption, type StateArgs } from './shared-options.js';
import { streams } from './streams.js';

export const command = 'shell <service>';
export const describe = 'Open an interactive shell in a service (needs a terminal)';

interface ShellArgs extends StateArgs {
  service: string;
}

/** bash when the image has it, else sh. */
const SHELL = ['/bin/sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi'];

export function builder(y: Argv): Argv<ShellArgs> {
  return withStateOption(y).positional('service', { type: 'string', demandOption: true, describe: 'The service' }) as unknown as Argv<ShellArgs>;
}

export async function handler(argv: ArgumentsCamelCase<ShellArgs>): Promise<void> {
  const stdin = process.stdin;
  const stdout = streams.out;
  if (stdin.isTTY !== true) {
    throw new UserError(
      `starform shell needs a terminal, and standard input is not one; to run a command without one: starform exec ${argv.service} -- CMD...`,
    );
  }
  const { ref, file, runtime: open } = await withState(argv, async (op) => ({ ...findService(op, argv.service), file: op.file, runtime: op.runtime }));
  const runtime = await open();
  const size = (): { rows: number; columns: number } => ({ rows: stdout.rows || 24, columns: stdout.columns || 80 });
  let resize: ((s: { rows: number; columns: number }) => void) | undefined;
  const onResize = (): void => resize?.(size());
  stdout.on('resize', onResize);
  const status = await onEngine(() => runtime.inspectService(ref));
  if (status === undefined) {
    throw new UserError(`service '${argv.service}' has no container any more`, { location: { file }, hint: 'Plan and apply again to create it.' });
  }
  if (!status.running) {
    const how = status.exitCode !== undefined ? `exited with code ${status.exitCode}` : status.state;
    streams.err.write(
      `service '${argv.service}' is not running (${how}): this shell runs in a copy of its container ` +
        '(its files as it left them, its volumes, no network); what you change in it is discarded.\n',
    );
  }
  const run = status.running ? runtime.execAttached.bind(runtime) : runtime.execInCopy.bind(runtime);
  stdin.setRawMode(true);
  try {
    const code = await onEngine(() =>
      run(
        ref,
        SHELL,
        { stdout, stderr: streams.err },
        {
          stdin,
          tty: size(),
          env: { TERM: process.env['TERM'] ?? 'xterm' },
          onResize: (fn) => {
            resize = fn;
          },
        },
      ),
    );
    process.exitCode = code;
  } finally {
    stdout.removeListener('resize', onResize);
    stdin.setRawMode(false);
    stdin.pause();
  }
}
