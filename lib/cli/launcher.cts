// Starts the bundled CLI (dist/bundle/starform.cjs) through V8's code cache.
//
// Most of a short starform run used to go to compiling JavaScript: V8 parses the 1.4 MB
// bundle at load and compiles each function on its first call. The build runs starform
// once on an example package and saves V8's compiled code of everything that run used
// (`createCachedData`, taken after the run, so it covers the functions the commands call,
// not just the top level); later runs deserialize it instead of compiling — about 100 ms
// off `starform plan` of a large package. Node 20 has no built-in compile cache for
// modules (`module.enableCompileCache` arrived in Node 22), so the bundle is CommonJS run
// through `vm.Script`, which takes cached data.
//
// The cache file starts with a digest of the bundle's text, so a cache is only ever used
// with the exact bundle it was made from (V8's own check compares just the length). A
// cache that is missing, stale or rejected by this Node (another version, other V8 flags)
// is ignored: starform compiles as usual and writes a fresh cache when it ends, if it may.
//
// It is CommonJS (.cts), as is bin/starform: Node reaches a CommonJS entry's first line
// sooner than an ES module's, and loads its built-in modules faster.
import { isAscii } from 'node:buffer';
import { hash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** What the bundle exports (lib/cli/main.ts). */
export interface CliBundle {
  main(argv: string[]): Promise<number>;
  /** The interpreter worker thread's entry (lib/plan/interpret-worker.ts). */
  interpretWorker(): Promise<void>;
}

export interface LoadedBundle {
  readonly cli: CliBundle;
  /** Whether V8 used the saved code cache. */
  readonly cacheUsed: boolean;
  /** Writes the code compiled so far as the bundle's cache (atomically: temp file + rename). */
  saveCache(): void;
}

const DIGEST_BYTES = 32;

export const BUNDLE_DIR = join(__dirname, '..', '..', 'bundle');

export function loadBundle(dir: string = BUNDLE_DIR): LoadedBundle {
  const file = join(dir, 'starform.cjs');
  const cacheFile = join(dir, 'starform.cjs.v8cache');
  const bytes = readFileSync(file);
  const digest = hash('sha256', bytes, 'buffer') as unknown as Buffer;
  // The compiled-Starlark cache ties its entries to this exact bundle (lib/plan/program-cache-dir.ts).
  (globalThis as Record<symbol, unknown>)[Symbol.for('starform.bundle-digest')] = digest.toString('hex');
  // esbuild writes ASCII (it escapes other characters), and ASCII decodes fastest as Latin-1.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  let cachedData: Buffer | undefined;
  try {
    const saved = readFileSync(cacheFile);
    if (saved.length > DIGEST_BYTES && saved.subarray(0, DIGEST_BYTES).equals(digest)) cachedData = saved.subarray(DIGEST_BYTES);
  } catch {
    // no cache yet
  }
  // CommonJS's module wrapper plus `__starformImport`: import() inside a script compiled
  // from cached data fails on Node 20 (the host's callback is not restored), so the bundle
  // imports its one ES module part (the ink progress view) through this module instead.
  const wrapped = `(function (exports, require, module, __filename, __dirname, __starformImport) {${source}\n})`;
  const script = new Script(wrapped, { filename: file, cachedData });
  const cacheUsed = cachedData !== undefined && !script.cachedDataRejected;
  const wrapper = script.runInThisContext() as (
    exports: object,
    require: NodeJS.Require,
    module: { exports: object },
    filename: string,
    dirname: string,
    importRelative: (specifier: string) => Promise<unknown>,
  ) => void;
  const mod = { exports: {} as object };
  const bundleUrl = pathToFileURL(file);
  const importRelative = (specifier: string): Promise<unknown> => import(new URL(specifier, bundleUrl).href);
  wrapper.call(mod.exports, mod.exports, createRequire(file), mod, file, dir, importRelative);
  return {
    cli: mod.exports as CliBundle,
    cacheUsed,
    saveCache(): void {
      const temp = `${cacheFile}.${process.pid}.tmp`;
      try {
        writeFileSync(temp, Buffer.concat([digest, script.createCachedData()]));
        renameSync(temp, cacheFile);
      } catch {
        // A read-only installation keeps working, just without the cache.
        rmSync(temp, { force: true });
      }
    },
  };
}

/**
 * Runs starform with these arguments; saves a fresh code cache when there was none to use.
 * When the command is done, the process ends as soon as its output is flushed: left to
 * itself, Node would first run the garbage collections V8 scheduled (10-20 ms after a
 * large plan), which nobody needs from a process that is about to end.
 */
export async function launch(argv: string[]): Promise<void> {
  prestartInterpreter(argv);
  let bundle: LoadedBundle;
  try {
    bundle = loadBundle();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    process.stderr.write(`starform: ${BUNDLE_DIR}/starform.cjs is missing: build starform first (npm ci, or npm run build)\n`);
    process.exitCode = 1;
    return;
  }
  const code = await bundle.cli.main(argv);
  if (!bundle.cacheUsed) bundle.saveCache();
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit()));
}

/**
 * The interpreter thread's young generation, capped: V8 lets it grow to 32 MB, which a
 * 1,000-service plan fills and keeps resident at the process's peak; at 6 MB the peak is
 * ~8 MB lower and the time the same (issue 19; lib/plan/interpret-worker.ts uses the same).
 */
const INTERPRETER_LIMITS = { maxYoungGenerationSizeMb: 6 } as const;

/** Where a prestarted interpreter worker waits for lib/plan/interpret-worker.ts to take it. */
export const PRESTARTED_INTERPRETER = Symbol.for('starform.prestarted-interpreter');

export interface PrestartedInterpreter {
  readonly worker: Worker;
  /** Set when the worker ended (or failed) before anyone took it. */
  exited: boolean;
}

/**
 * Commands that interpret a package do it in a worker thread (so Ctrl-C can stop a
 * runaway package, lib/plan/interpret-worker.ts). Starting that thread and loading the
 * bundle in it takes ~100 ms; started here, before this thread loads the bundle, it
 * happens on the other core meanwhile, and the worker waits for its inputs.
 */
function prestartInterpreter(argv: readonly string[]): void {
  const command = argv[0];
  if (command !== 'plan' && command !== 'validate' && command !== 'apply') return;
  if (argv.includes('--help') || argv.includes('-h') || process.env['STARFORM_INTERPRET_IN_PROCESS'] === '1') return;
  if (command === 'apply') {
    // `apply PLAN_FILE` interprets nothing.
    const target = argv.slice(1).find((a) => !a.startsWith('-'));
    try {
      if (target !== undefined && statSync(target).isFile() && !target.endsWith('.star')) return;
    } catch {
      // not there: let the command say so
    }
  }
  const code = `require(${JSON.stringify(__filename)}).loadBundle(${JSON.stringify(BUNDLE_DIR)}).cli.interpretWorker();`;
  const worker = new Worker(code, { eval: true, resourceLimits: INTERPRETER_LIMITS });
  const held: PrestartedInterpreter = { worker, exited: false };
  worker.on('error', () => (held.exited = true));
  worker.on('exit', () => (held.exited = true));
  worker.unref();
  (globalThis as Record<symbol, unknown>)[PRESTARTED_INTERPRETER] = held;
}
