// The conformance runner: `npm run conformance [-- [options] names...]` runs the
// reference Starlark implementation's own test files (from Debian's golang-starlark-dev)
// against our implementation, chunk by chunk, and prints one line per failing chunk
// (`file:line: reason`) followed by the totals `N passed, N failed[, N skipped]`. The
// exit code is 1 when anything fails. Chunks run in a worker thread, so a chunk that
// hangs or crashes the interpreter fails on its own (after --timeout seconds) and the
// rest still run. Files are executed when test/conformance/exec.js (the evaluator hook)
// is present and loads; otherwise they are only parsed and resolved (front-end mode).
import { Worker } from 'node:worker_threads';
import type { Problem } from './chunks.js';
import { conformanceFiles, fileChunks, findReferenceRoot, selectFiles } from './suites.js';
import type { Job, WorkerInput, WorkerMessage } from './worker.js';

interface KnownSkip {
  /** File relative to the reference root. */
  readonly file: string;
  /** First line of the chunk (the line after its `---`, or 1). */
  readonly line: number;
  readonly reason: string;
}

/** Chunks known not to apply to us, each with the reason. Keep this list short (at most 5). */
const KNOWN_SKIPS: readonly KnownSkip[] = [];

const USAGE = `usage: npm run conformance -- [--front-end] [--no-worker] [--timeout=SECONDS] [names...]

names select directories (syntax, resolve, starlark, starlarkstruct), files
(starlark/testdata/int.star) or base names (int.star, int); none selects all.
  --front-end      only parse and resolve, even when the evaluator hook exists
  --no-worker      run in this process (no timeouts; for debugging)
  --timeout=S      fail a chunk that runs longer than S seconds (default 30)`;

interface Options {
  names: string[];
  frontEndOnly: boolean;
  inProcess: boolean;
  timeoutMs: number;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { names: [], frontEndOnly: false, inProcess: false, timeoutMs: 30_000 };
  for (const arg of argv) {
    if (arg === '--front-end') opts.frontEndOnly = true;
    else if (arg === '--no-worker') opts.inProcess = true;
    else if (arg.startsWith('--timeout=')) {
      const s = Number(arg.slice('--timeout='.length));
      if (!(s > 0)) usage(`bad timeout: ${arg}`);
      opts.timeoutMs = s * 1000;
    } else if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg.startsWith('-')) usage(`unknown option ${arg}`);
    else opts.names.push(arg);
  }
  return opts;
}

function usage(msg: string): never {
  console.error(`conformance: ${msg}\n${USAGE}`);
  process.exit(2);
}

/** A chunk that needs more heap than this has run away; the limit keeps it from exhausting the machine. */
const WORKER_HEAP_MB = 2048;

interface JobInfo extends Job {
  readonly startLine: number;
}

/** Run the jobs in a worker, restarting it after a timeout or crash. Returns problems per job. */
async function runInWorkers(root: string, jobs: readonly JobInfo[], opts: Options, onNote: (note: string) => void): Promise<Problem[][]> {
  const results: Problem[][] = [];
  let next = 0;
  while (next < jobs.length) {
    const base = next;
    const input: WorkerInput = {
      root,
      jobs: jobs.slice(base).map(({ rel, chunkIndex }) => ({ rel, chunkIndex })),
      frontEndOnly: opts.frontEndOnly,
    };
    await new Promise<void>((resolve) => {
      const worker = new Worker(new URL('./worker.js', import.meta.url), {
        workerData: input,
        resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      });
      let finished = false;
      let ready = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (failure?: string): void => {
        if (finished) return;
        finished = true;
        if (timer) clearTimeout(timer);
        if (failure !== undefined && !ready) {
          // The worker could not even load our implementation: every remaining chunk fails alike.
          for (; next < jobs.length; next++) results[next] = [{ line: jobs[next]!.startLine, msg: `cannot start: ${failure}` }];
        } else if (failure !== undefined && next < jobs.length) {
          results[next] = [{ line: jobs[next]!.startLine, msg: failure }];
          next++;
        }
        void worker.terminate().then(() => resolve());
      };
      const arm = (): void => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => finish(`timed out after ${opts.timeoutMs / 1000} s`), opts.timeoutMs);
      };
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') {
          ready = true;
          if (base === 0) onNote(m.note);
          arm();
        } else if (m.type === 'result') {
          results[base + m.index] = m.problems;
          next = base + m.index + 1;
          arm();
        } else {
          finish();
        }
      });
      arm();
      worker.on('error', (e) => finish(`worker crashed: ${e.name}: ${e.message}`));
      worker.on('exit', (code) => finish(`worker exited with code ${code}`));
    });
  }
  return results;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (KNOWN_SKIPS.length > 5) throw new Error('KNOWN_SKIPS holds more than 5 entries');
  const root = findReferenceRoot();
  if (!root) {
    console.error('conformance: golang-starlark-dev is not installed (apt-get install golang-starlark-dev)');
    process.exit(2);
  }
  const { selected, unmatched } = selectFiles(conformanceFiles(root), opts.names);
  if (unmatched.length > 0) usage(`no conformance file matches ${unmatched.join(', ')}`);

  const jobs: JobInfo[] = [];
  const skipped: JobInfo[] = [];
  for (const file of selected) {
    fileChunks(file).forEach((chunk, chunkIndex) => {
      const job = { rel: file.rel, chunkIndex, startLine: chunk.startLine };
      const skip = KNOWN_SKIPS.find((s) => s.file === file.rel && s.line === chunk.startLine);
      if (skip) {
        skipped.push(job);
        console.error(`${file.rel}:${chunk.startLine}: skipped: ${skip.reason}`);
      } else {
        jobs.push(job);
      }
    });
  }

  const note = (n: string): void => console.error(`conformance: ${n}, reference tests from ${root}`);
  let results: Problem[][];
  if (opts.inProcess) {
    results = [];
    const input: WorkerInput = { root, jobs, frontEndOnly: opts.frontEndOnly };
    const { runJobs } = await import('./worker.js');
    await runJobs(input, (m) => {
      if (m.type === 'ready') note(m.note);
      else if (m.type === 'result') results[m.index] = m.problems;
    });
  } else {
    results = await runInWorkers(root, jobs, opts, note);
  }

  let passed = 0;
  let failed = 0;
  jobs.forEach((job, i) => {
    const problems = results[i] ?? [{ line: job.startLine, msg: 'not run' }];
    if (problems.length === 0) {
      passed++;
      return;
    }
    failed++;
    const [first, ...rest] = problems;
    const more = rest.map((p) => `; line ${p.line}: ${p.msg}`).join('');
    console.log(`${job.rel}:${first!.line}: ${first!.msg}${more}`.replace(/\r?\n/g, '\\n'));
  });
  console.log(`${passed} passed, ${failed} failed${skipped.length > 0 ? `, ${skipped.length} skipped` : ''}`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
