// Interpretation that Ctrl-C can stop. The interpreter is synchronous: while a package's
// Starlark runs, the main thread's event loop is blocked, so a signal handler never gets
// its turn and a runaway package (a loop over range(10**12)) used to run until SIGKILL.
// So `plan`, `validate` and `apply DIR` interpret in a worker thread while the main thread
// waits, watching SIGINT and SIGTERM. On the first signal the main thread raises a flag in
// shared memory; the interpreter polls it every few thousand steps (Thread.poll, at no
// cost to the hot path: compiled code already compares a step counter against a limit)
// and stops with the Starlark position it had reached, which the error names. A package
// stuck inside one long built-in (no steps) does not poll: after a grace period, or at a
// second signal, the worker is terminated and the error says so without a position.
//
// The worker runs `checkPackage` (interpret + validate) and posts its result back by
// structured clone; file contents travel as transferred buffers. Errors keep their kind:
// a UserError in the worker is a UserError here. STARFORM_INTERPRET_IN_PROCESS=1 runs on
// the main thread instead (the build's code-cache training uses it, so the interpreter's
// compiled code lands in the cache the worker loads).
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { checkPackage } from './index.js';
import { PackageFetcher, type FetcherOptions } from '../package/index.js';
import { UserError, type SourceLocation } from '../util/errors.js';
import type { Problem } from '../instructions/index.js';
import { enclaveContents } from './enclave.js';

export type CheckInputs = Parameters<typeof checkPackage>[0];
export type Checked = ReturnType<typeof checkPackage>;

/** As lib/cli/launcher.cts's INTERPRETER_LIMITS (the launcher is loaded apart from the bundle). */
const INTERPRETER_LIMITS = { maxYoungGenerationSizeMb: 6 } as const;

/** How long a package gets to reach its next poll after the first signal. */
const GRACE_MS = 2000;

const SIGNAL_EXIT: Readonly<Record<'SIGINT' | 'SIGTERM', number>> = { SIGINT: 130, SIGTERM: 143 };

/** Interpretation stopped by a signal: printed as one message, exit 130 (SIGINT) or 143 (SIGTERM). */
export class InterpretInterrupted extends Error {
  readonly userFacing = true as const;
  constructor(
    message: string,
    readonly exitCode: number,
    /** Where the package was when it stopped, if it stopped at a poll. */
    readonly position: Problem['position'] | undefined,
  ) {
    super(message);
    this.name = 'InterpretInterrupted';
  }
}

interface WorkerInput {
  readonly kind: 'starform-interpret';
  /** The inputs without the package fetcher, which the worker makes again from `fetcher`. */
  readonly inputs: Omit<CheckInputs, 'remote'>;
  readonly fetcher?: Omit<FetcherOptions, 'env' | 'report'>;
  /** Int32Array over it: [0] is non-zero once the main thread saw a signal. */
  readonly flag: SharedArrayBuffer;
}

interface SerializedError {
  readonly userFacing: boolean;
  readonly name: string;
  readonly message: string;
  readonly detail?: string;
  readonly location?: SourceLocation;
  readonly hint?: string;
  readonly stack?: string;
}

type WorkerReply =
  | { readonly type: 'done'; readonly checked: Checked }
  | { readonly type: 'error'; readonly error: SerializedError }
  /** A progress line of the package fetcher, printed by the main thread as it arrives. */
  | { readonly type: 'report'; readonly line: string };

/** checkPackage in a worker thread, stopped cleanly by SIGINT/SIGTERM (see the file comment). */
export async function checkPackageInterruptibly(inputs: CheckInputs, options: { graceMs?: number } = {}): Promise<Checked> {
  if (process.env['STARFORM_INTERPRET_IN_PROCESS'] === '1') {
    const { checkPackage } = await import('./index.js');
    return checkPackage(inputs);
  }
  const flag = new SharedArrayBuffer(4);
  const flags = new Int32Array(flag);
  // The worker needs of the state only what the interpreter shows of the enclave: the
  // whole state (steps, results, values) would be copied across for nothing.
  const { remote, state, ...rest } = inputs;
  const plainInputs = { ...rest, ...(state !== undefined ? { enclave: inputs.enclave ?? enclaveContents(state) } : {}) };
  if (remote !== undefined && !(remote instanceof PackageFetcher)) throw new Error('the interpreter worker can only fetch packages with a PackageFetcher');
  const data: WorkerInput = { kind: 'starform-interpret', inputs: plainInputs, flag, ...(remote ? { fetcher: remote.transferable() } : {}) };
  const prestarted = takePrestarted();
  const worker = prestarted ?? startWorker(data);
  if (prestarted !== undefined) {
    worker.ref();
    worker.postMessage(data);
  }
  return new Promise<Checked>((resolve, reject) => {
    let signal: 'SIGINT' | 'SIGTERM' | undefined;
    let grace: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      process.removeListener('SIGINT', onSigint);
      process.removeListener('SIGTERM', onSigterm);
      if (grace !== undefined) clearTimeout(grace);
      f();
    };
    const stopNow = (why: string): void => {
      settle(() => reject(new InterpretInterrupted(`interrupted while interpreting the package (${why})`, SIGNAL_EXIT[signal ?? 'SIGINT'], undefined)));
      void worker.terminate();
    };
    const onSignal = (name: 'SIGINT' | 'SIGTERM'): void => {
      if (signal !== undefined) return stopNow('stopped at once on the second interrupt');
      signal = name;
      Atomics.store(flags, 0, 1);
      const graceMs = options.graceMs ?? GRACE_MS;
      grace = setTimeout(() => stopNow(`it did not reach a Starlark step within ${graceMs / 1000}s, inside a long built-in call`), graceMs);
    };
    const onSigint = (): void => onSignal('SIGINT');
    const onSigterm = (): void => onSignal('SIGTERM');
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'report') {
        process.stderr.write(`${reply.line}\n`);
        return;
      }
      if (reply.type === 'error') return settle(() => reject(revive(reply.error)));
      const checked = withBuffers(reply.checked);
      if (checked.result.interrupted === true) {
        const problem = checked.result.problems[0];
        const where = problem !== undefined && problem.position.line > 0 ? ` ${problem.position.file}:${problem.position.line}:${problem.position.col}` : '';
        const stack = problem === undefined ? [] : [...problem.stack].reverse();
        const trace = stack.length > 1 ? `\n${stack.map((f) => `    in ${f.function} at ${f.file}:${f.line}:${f.col}`).join('\n')}` : '';
        const message = `interrupted while interpreting${where}; nothing was planned${trace}`;
        return settle(() => reject(new InterpretInterrupted(message, SIGNAL_EXIT[signal ?? 'SIGINT'], problem?.position)));
      }
      settle(() => resolve(checked));
    });
    worker.once('error', (err) => settle(() => reject(err)));
    worker.once('exit', (code) => {
      settle(() => reject(new Error(`the interpreter's worker thread ended (exit code ${code}) without an answer`)));
    });
  });
}

/** The worker bin/starform's launcher started early for this command (lib/cli/launcher.cts), if it is still alive. */
function takePrestarted(): Worker | undefined {
  const key = Symbol.for('starform.prestarted-interpreter');
  const slots = globalThis as Record<symbol, unknown>;
  const held = slots[key] as { worker: Worker; exited: boolean } | undefined;
  delete slots[key];
  return held !== undefined && !held.exited ? held.worker : undefined;
}

/** The worker: the bundle's copy of this module when bin/starform runs, else the compiled ES module. */
function startWorker(data: WorkerInput): Worker {
  const here = import.meta.url;
  if (here.endsWith('.cjs')) {
    // Inside dist/bundle/starform.cjs: load the same bundle (with its code cache) in the worker.
    const bundleDir = dirname(fileURLToPath(here));
    const launcher = join(bundleDir, '..', 'lib', 'cli', 'launcher.cjs');
    const code = `require(${JSON.stringify(launcher)}).loadBundle(${JSON.stringify(bundleDir)}).cli.interpretWorker();`;
    return new Worker(code, { eval: true, workerData: data, resourceLimits: INTERPRETER_LIMITS });
  }
  return new Worker(new URL('./interpret-worker-entry.js', here), { workerData: data, resourceLimits: INTERPRETER_LIMITS });
}

/** Runs in the worker thread: interprets, then posts the result (or the error) back. */
export async function interpretWorker(): Promise<void> {
  const { parentPort, workerData } = await import('node:worker_threads');
  if (parentPort === null) throw new Error('interpretWorker runs only in the interpreter worker');
  // The interpreter's modules initialise while a prestarted worker waits for its inputs.
  const interpreter = import('./index.js');
  interpreter.catch(() => undefined);
  // Started with its inputs, or prestarted by the launcher: then they come as the first message.
  const data = (
    (workerData as WorkerInput | null)?.kind === 'starform-interpret'
      ? workerData
      : await new Promise<unknown>((resolve) => parentPort.once('message', resolve))
  ) as WorkerInput;
  if (data?.kind !== 'starform-interpret') throw new Error('the interpreter worker got no inputs');
  const flags = new Int32Array(data.flag);
  let reply: WorkerReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const { checkPackage } = await interpreter;
    // Progress lines go through the main thread: the worker's own stderr is asynchronous and
    // can be cut off when the process ends.
    const report = (line: string): void => parentPort.postMessage({ type: 'report', line } satisfies WorkerReply);
    const remote = data.fetcher ? new PackageFetcher({ ...data.fetcher, report }) : undefined;
    const checked = checkPackage({ ...data.inputs, ...(remote ? { remote } : {}), interrupted: () => Atomics.load(flags, 0) !== 0 });
    const seen = new Set<ArrayBufferLike>();
    for (const buf of checked.result.files.values()) {
      // Only buffers that own their memory move without a copy (pooled small ones are copied).
      if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer && !seen.has(buf.buffer)) {
        seen.add(buf.buffer);
        transfer.push(buf.buffer);
      }
    }
    reply = { type: 'done', checked };
  } catch (e) {
    reply = { type: 'error', error: serialize(e) };
  }
  parentPort.postMessage(reply, transfer);
}

function serialize(e: unknown): SerializedError {
  if (e instanceof UserError) {
    return {
      userFacing: true,
      name: e.name,
      message: e.message,
      detail: e.detail,
      ...(e.location ? { location: e.location } : {}),
      ...(e.hint ? { hint: e.hint } : {}),
    };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const userFacing = (err as { userFacing?: unknown }).userFacing === true;
  return { userFacing, name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
}

function revive(s: SerializedError): Error {
  if (s.userFacing && s.detail !== undefined) {
    return new UserError(s.detail, { ...(s.location ? { location: s.location } : {}), ...(s.hint ? { hint: s.hint } : {}) });
  }
  const err = new Error(s.message);
  err.name = s.name;
  if (s.stack !== undefined) err.stack = `${s.stack}\n    (in the interpreter's worker thread)`;
  if (s.userFacing) Object.assign(err, { userFacing: true as const });
  return err;
}

/** Structured clone turns Buffers into Uint8Arrays: make them Buffers again, without copying. */
function withBuffers(checked: Checked): Checked {
  const files = new Map<string, Buffer>();
  for (const [digest, bytes] of checked.result.files as ReadonlyMap<string, Uint8Array>) {
    files.set(digest, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return { ...checked, result: { ...checked.result, files } };
}
