// `starform eval FILE.star`: runs a plain Starlark file with `json`, `struct` and `time`
// predeclared, `print` to standard output. Errors print the reference's backtrace to
// standard error and exit 1. Dialect options are off by default (the Kurtosis dialect);
// flags turn each on.
import { readFileSync } from 'node:fs';
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { writeSync } from 'node:fs';
import { evalFailedView } from '../render/eval-view.js';
import { show } from '../render/view.js';
import { streams } from './streams.js';

export const command = 'eval <file>';
export const describe = 'Run a Starlark file (json, struct and time predeclared; print to stdout)';

interface EvalArgs {
  file: string;
  recursion: boolean;
  while: boolean;
  set: boolean;
  globalreassign: boolean;
  all: boolean;
  'max-steps': number;
}

export function builder(y: Argv): Argv<EvalArgs> {
  return y
    .positional('file', { type: 'string', demandOption: true, describe: 'The .star file to run' })
    .option('recursion', { type: 'boolean', default: false, describe: 'Allow recursive functions' })
    .option('while', { type: 'boolean', default: false, describe: 'Allow while loops' })
    .option('set', { type: 'boolean', default: false, describe: 'Allow the set type' })
    .option('globalreassign', { type: 'boolean', default: false, describe: 'Allow reassigning globals and top-level if/for/while' })
    .option('all', { type: 'boolean', default: false, describe: 'Turn on every dialect option' })
    .option('max-steps', { type: 'number', default: 0, describe: 'Stop after this many execution steps (0: no limit)' })
    .check((argv) => {
      const n = argv['max-steps'];
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--max-steps must be a whole number, 0 or more (got ${String(n)})`);
      return true;
    })
    .example('$0 eval config.star', 'Run config.star and print what it prints') as unknown as Argv<EvalArgs>;
}

/** Buffers standard output: print-heavy programs make one write per 64 KiB, not per line. */
class OutputBuffer {
  private chunks: string[] = [];
  private size = 0;
  write(s: string): void {
    this.chunks.push(s);
    this.size += s.length;
    if (this.size > 65536) this.flush();
  }
  flush(): void {
    if (this.chunks.length === 0) return;
    const data = this.chunks.join('');
    this.chunks = [];
    this.size = 0;
    let buf = Buffer.from(data, 'utf8');
    while (buf.length > 0) {
      try {
        const n = writeSync(1, buf);
        buf = buf.subarray(n);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        if ((e as NodeJS.ErrnoException).code === 'EPIPE') return;
        throw e;
      }
    }
  }
}

export async function handler(argv: ArgumentsCamelCase<EvalArgs>): Promise<void> {
  const sl = await import('../starlark/index.js');
  let src: string;
  try {
    src = readFileSync(argv.file, 'utf8');
  } catch (e) {
    throw Object.assign(
      new Error(`starform: cannot read ${argv.file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`),
      { userFacing: true as const },
    );
  }
  const all = argv.all;
  const dialect = {
    recursion: all || argv.recursion,
    while: all || argv.while || argv.recursion,
    set: all || argv.set,
    globalReassign: all || argv.globalreassign,
    topLevelControl: all || argv.globalreassign,
  };
  const out = new OutputBuffer();
  const thread = new sl.Thread();
  thread.name = 'eval';
  thread.maxSteps = argv['max-steps'] > 0 ? argv['max-steps'] : 0;
  thread.print = (_t, msg) => out.write(msg + '\n');
  try {
    sl.execFile(thread, argv.file, src, {
      dialect,
      predeclared: { json: sl.json, struct: sl.structBuiltin, time: sl.time },
    });
  } catch (e) {
    out.flush();
    if (e instanceof sl.EvalError) {
      show(evalFailedView, { report: e.backtrace() }, streams, false);
      process.exitCode = 1;
      return;
    }
    if (e instanceof sl.StarlarkSyntaxError || e instanceof sl.StarlarkResolveError) {
      show(evalFailedView, { report: e.message }, streams, false);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
  out.flush();
}
