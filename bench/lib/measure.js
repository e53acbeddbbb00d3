// @ts-check
// Measuring whole processes: wall time from spawn to exit, and the child's peak resident
// set size. Peak memory comes from GNU time (`/usr/bin/time -v`) when it is installed;
// otherwise (or with BENCH_NO_GNU_TIME=1), for Node children only, from a preloaded
// probe that records process.resourceUsage().maxRSS at exit (other children then report
// no memory figure).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const GNU_TIME = '/usr/bin/time';
const HAVE_GNU_TIME = existsSync(GNU_TIME) && !process.env.BENCH_NO_GNU_TIME;
const PROBE = pathToFileURL(new URL('./rss-probe.js', import.meta.url).pathname).href;

/**
 * Children still running. Each runs in its own process group (so that a timeout also
 * stops the program GNU time is running); an interrupted benchmark stops them all.
 * @type {Set<import('node:child_process').ChildProcess>}
 */
const active = new Set();

/** @param {import('node:child_process').ChildProcess} child */
function killGroup(child) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(sig, () => {
    for (const child of active) killGroup(child);
    process.exit(130);
  });
}

/**
 * @typedef {object} RunResult
 * @property {number} ms              wall time, spawn to exit
 * @property {number | null} code     exit code (null if killed by a signal)
 * @property {string | null} signal
 * @property {string} stdout
 * @property {string} stderr
 * @property {number | null} peakKb   peak resident set size in KiB, if known
 * @property {number | null} cpuMs    user + system CPU time of the command in ms (GNU time only)
 * @property {boolean} timedOut
 */

/**
 * @typedef {object} RunOptions
 * @property {string} [cwd]
 * @property {number} [timeoutMs]   kill the child after this long (default 300 s)
 * @property {NodeJS.ProcessEnv} [env]  the child's environment (default: this process's)
 */

/**
 * Run `cmd args` to completion once.
 * @param {string} cmd
 * @param {readonly string[]} args
 * @param {RunOptions} [opts]
 * @returns {Promise<RunResult>}
 */
export function runOnce(cmd, args, opts = {}) {
  const scratch = mkdtempSync(join(tmpdir(), 'starform-bench-'));
  const rssFile = join(scratch, 'rss');
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...(opts.env ?? process.env) };
  let argv0 = cmd;
  let argv = [...args];
  if (HAVE_GNU_TIME) {
    argv0 = GNU_TIME;
    argv = ['-v', '-o', rssFile, cmd, ...args];
  } else if (cmd === process.execPath) {
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --import=${PROBE}`.trim();
    env.STARFORM_BENCH_RSS_FILE = rssFile;
  }
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(argv0, argv, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    active.add(child);
    /** @type {Buffer[]} */
    const out = [];
    /** @type {Buffer[]} */
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, opts.timeoutMs ?? 300_000);
    child.on('error', (e) => {
      active.delete(child);
      clearTimeout(timer);
      rmSync(scratch, { recursive: true, force: true });
      reject(e);
    });
    child.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      active.delete(child);
      clearTimeout(timer);
      let peakKb = null;
      let cpuMs = null;
      if (existsSync(rssFile)) {
        const text = readFileSync(rssFile, 'utf8');
        const m = HAVE_GNU_TIME ? /Maximum resident set size \(kbytes\): (\d+)/.exec(text) : /^(\d+)/.exec(text);
        if (m) peakKb = Number(m[1]);
        const user = /User time \(seconds\): ([\d.]+)/.exec(text);
        const system = /System time \(seconds\): ([\d.]+)/.exec(text);
        if (HAVE_GNU_TIME && user && system) cpuMs = (Number(user[1]) + Number(system[1])) * 1000;
      }
      rmSync(scratch, { recursive: true, force: true });
      resolve({
        ms,
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        peakKb,
        cpuMs,
        timedOut,
      });
    });
  });
}

/**
 * The median of a non-empty list of numbers.
 * @param {readonly number[]} xs
 * @returns {number}
 */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? /** @type {number} */ (s[mid]) : /** @type {number} */ (s[mid - 1] + /** @type {number} */ (s[mid])) / 2;
}

/**
 * Runs a command `runs` times; the median wall time and the peak RSS (MB) over those runs
 * and `firstPeakKb` (a warm-up run's), or null when a run fails.
 * @param {number} runs
 * @param {string} cmd
 * @param {readonly string[]} args
 * @param {Parameters<typeof runOnce>[2]} opts
 * @param {number} [firstPeakKb]
 * @returns {Promise<{ ms: number, mb: number } | null>}
 */
export async function medianRuns(runs, cmd, args, opts, firstPeakKb = 0) {
  const times = [];
  let peakKb = firstPeakKb;
  for (let i = 0; i < runs; i++) {
    const r = await runOnce(cmd, args, opts);
    if (failureOf(r)) return null;
    times.push(r.ms);
    peakKb = Math.max(peakKb, r.peakKb ?? 0);
  }
  return { ms: median(times), mb: peakKb / 1024 };
}

/**
 * Whether a finished run succeeded; otherwise a one-line reason.
 * @param {RunResult} r
 * @returns {string | null}
 */
export function failureOf(r) {
  if (r.timedOut) return `timed out after ${Math.round(r.ms / 1000)} s`;
  if (r.code === 0) return null;
  const lastLine =
    r.stderr
      .split('\n')
      .filter((l) => l.trim() !== '')
      .pop() ?? '';
  return `${r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`}${lastLine ? `: ${lastLine.trim()}` : ''}`;
}
