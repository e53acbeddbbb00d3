// The conformance suite's worker: runs a list of chunks one after another and posts each
// chunk's problems to the runner (run.ts). Running in a worker thread lets the runner
// stop a chunk that loops forever or exhausts memory and carry on with the next one.
// Also usable in-process (`--no-worker`), through runJobs.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Chunk, Problem } from './chunks.js';
import { checkChunk, type Mode, type RunChunk } from './check.js';
import { conformanceFiles, fileChunks, type ConformanceFile } from './suites.js';

export interface Job {
  readonly rel: string;
  readonly chunkIndex: number;
}

export interface WorkerInput {
  readonly root: string;
  readonly jobs: readonly Job[];
  readonly frontEndOnly: boolean;
}

export type WorkerMessage = { type: 'ready'; mode: Mode; note: string } | { type: 'result'; index: number; problems: Problem[] } | { type: 'end' };

export interface Runner {
  mode: Mode;
  note: string;
  runChunk?: RunChunk;
}

/** Load the evaluator hook if it exists and loads; otherwise front-end mode. */
export async function loadRunner(frontEndOnly: boolean): Promise<Runner> {
  if (frontEndOnly) return { mode: 'front-end', note: 'front-end mode (requested)' };
  const spec = './exec.js';
  try {
    const mod: unknown = await import(spec);
    const fn = (mod as { runChunk?: unknown }).runChunk;
    if (typeof fn !== 'function') {
      return { mode: 'front-end', note: 'front-end mode (exec.js does not export runChunk)' };
    }
    return { mode: 'exec', note: 'exec mode', runChunk: fn as RunChunk };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason =
      err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('/conformance/exec.js')
        ? 'test/conformance/exec.ts does not exist yet'
        : `exec.js failed to load: ${err.message}`;
    return { mode: 'front-end', note: `front-end mode (${reason})` };
  }
}

/** Run the jobs in order, handing each message to `post`. */
export async function runJobs(input: WorkerInput, post: (m: WorkerMessage) => void, runner?: Runner): Promise<void> {
  const r = runner ?? (await loadRunner(input.frontEndOnly));
  post({ type: 'ready', mode: r.mode, note: r.note });
  const files = new Map<string, ConformanceFile>(conformanceFiles(input.root).map((f) => [f.rel, f]));
  const chunkCache = new Map<string, Chunk[]>();
  input.jobs.forEach((job, index) => {
    const file = files.get(job.rel);
    if (!file) throw new Error(`unknown conformance file ${job.rel}`);
    let chunks = chunkCache.get(job.rel);
    if (!chunks) {
      chunks = fileChunks(file);
      chunkCache.clear();
      chunkCache.set(job.rel, chunks);
    }
    const chunk = chunks[job.chunkIndex];
    if (!chunk) throw new Error(`${job.rel} has no chunk ${job.chunkIndex}`);
    post({ type: 'result', index, problems: checkChunk(file, chunk, r.mode, r.runChunk) });
  });
  post({ type: 'end' });
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  await runJobs(workerData as WorkerInput, (m) => port.postMessage(m));
}
