// The starform command line: yargs wiring only. Each command lives in its own module
// (lib/cli/<command>.ts) exporting `command`, `describe`, `builder` and `handler`; this
// file registers them, turns usage mistakes into one message and exit code 1, and turns
// user errors thrown by commands into `starform: <message>` (a stack trace only with --debug).
// It is the entry of the bundle (scripts/build.mjs); bin/starform runs it through
// lib/cli/launcher.cts.
import yargs from 'yargs';
import { STARFORM_VERSION } from '../util/package-info.js';
import { reportError } from './errors.js';
import { loadCommands } from './commands.js';

// The interpreter's worker thread loads this same bundle and runs this (lib/plan/interpret-worker.ts).
export { interpretWorker } from '../plan/interpret-worker.js';

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const debug = argv.includes('--debug');
  const cli = yargs(argv)
    .scriptName('starform')
    .usage('$0 <command> [options]')
    .epilogue('Plan and apply container environments written in Starlark, with the plan API of Kurtosis packages.')
    .command(await loadCommands(argv))
    .option('debug', { type: 'boolean', description: 'Show stack traces of internal errors', global: true })
    .demandCommand(1, 'Name a command; see `starform --help`.')
    .strict()
    .strictCommands()
    .version(STARFORM_VERSION)
    .help()
    .alias('h', 'help')
    .wrap(process.stdout.isTTY ? Math.min(120, process.stdout.columns) : null)
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`starform: ${msg}\nRun \`starform --help\` for usage.\n`);
      exitCode = 1;
    })
    .exitProcess(false);
  try {
    await cli.parseAsync();
  } catch (err) {
    exitCode = reportError(err, debug);
  }
  return exitCode || Number(process.exitCode ?? 0);
}
