// The starform command line: yargs wiring only. Each command lives in its own module
// (lib/cli/<command>.ts) exporting `command`, `describe`, `builder` and `handler`; this
// file registers them and turns user errors thrown by commands into `starform: <message>`
// (a stack trace only with --debug). It is the entry of the bundle (scripts/build.mjs);
// bin/starform runs it through lib/cli/launcher.cts.
//
// Usage errors stop the command before it does anything: yargs reports them through
// `.fail`, which throws here (a fail handler that returns lets yargs run the command
// anyway), and lib/cli/usage.ts checks what yargs would otherwise accept as something
// else (`-destroy`, a repeated option, `--parallelism abc`). Commands check the values of
// their own options in their builders (`.check`), so those run before the handler too.
import yargs from 'yargs';
import { STARFORM_VERSION } from '../util/package-info.js';
import { reportError } from './errors.js';
import { COMMANDS, loadCommands } from './commands.js';
import { UsageError, commandOf, optionLists, optionProblem, singleDashProblem } from './usage.js';
import { streams } from './streams.js';

/** yargs' own error class (its messages are usage messages); other errors come from our code. */
function isYargsError(err: unknown): boolean {
  return err instanceof Error && err.name === 'YError';
}

/**
 * yargs' message, said for the command at hand: an extra word after a command without
 * subcommands is an unexpected argument (yargs calls it an unknown command), and a
 * missing operand is named.
 */
function usageMessage(msg: string, command: string | undefined, argv: readonly string[]): string {
  const entry = COMMANDS.find((c) => c.command.split(' ')[0] === command);
  if (command === 'state' && /^(Unknown commands?|Name a state command)/.test(msg)) {
    const words = argv.filter((w) => !w.startsWith('-'));
    const sub = words[words.indexOf('state') + 1];
    const known = ['list', 'show', 'rm', 'mv', 'pull', 'push', 'history', 'rollback', 'migrate'];
    if (sub !== undefined && known.includes(sub)) {
      const extra = words.slice(words.indexOf('state') + 2);
      return `unexpected argument${extra.length > 1 ? 's' : ''} for \`starform state ${sub}\`: ${extra.join(', ')}`;
    }
    if (sub !== undefined) return `unknown state command '${sub}': the state commands are ${known.slice(0, -1).join(', ')} and ${known.at(-1)}`;
  }
  if (command !== undefined && command !== 'state') {
    const unknown = /^Unknown commands?: (.*)$/.exec(msg);
    if (unknown) return `unexpected argument${unknown[1]!.includes(',') ? 's' : ''} for \`starform ${command}\`: ${unknown[1]}`;
  }
  if (entry !== undefined && /^Not enough non-option arguments/.test(msg)) {
    return `missing an operand: the command is \`starform ${entry.command}\``;
  }
  return msg;
}

// The interpreter's worker thread loads this same bundle and runs this (lib/plan/interpret-worker.ts).
export { interpretWorker } from '../plan/interpret-worker.js';

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const command = commandOf(
    argv,
    COMMANDS.map((c) => c.command.split(' ')[0]!),
  );
  const early = singleDashProblem(argv);
  if (early !== undefined) return reportError(new UsageError(early, command), debug);
  const cli = yargs(argv)
    .scriptName('starform')
    .usage('$0 <command> [options]')
    .epilogue('Plan and apply container environments written in Starlark, with the plan API of Kurtosis packages.')
    .parserConfiguration({ 'short-option-groups': false })
    .command(await loadCommands(argv))
    .option('debug', { type: 'boolean', description: 'Show stack traces of internal errors', global: true })
    .demandCommand(1, 'Name a command; see `starform --help`.')
    .strict()
    .strictCommands()
    .check((parsed, options: unknown) => {
      const problem = optionProblem(argv, parsed, optionLists(options));
      if (problem !== undefined) throw new UsageError(problem, command);
      return true;
    }, true)
    .version(STARFORM_VERSION)
    .help()
    .alias('h', 'help')
    .wrap(streams.out.isTTY ? Math.min(120, streams.out.columns) : null)
    .fail((msg, err) => {
      // Throwing is what stops yargs: validation ends here and no handler runs. A
      // command's own error arrives without a message of yargs (`msg` null): pass it on.
      if (err instanceof UsageError || (err && !msg && !isYargsError(err))) throw err;
      throw new UsageError(usageMessage(msg || err?.message || 'invalid command line', command, argv), command);
    })
    .exitProcess(false);
  try {
    await cli.parseAsync();
  } catch (err) {
    return reportError(err, debug);
  }
  return Number(process.exitCode ?? 0);
}
