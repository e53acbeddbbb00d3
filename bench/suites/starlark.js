// @ts-check
// The Starlark interpreter benchmark: every bench/workloads/*.star file is run as a whole
// process by `starform eval --all FILE` and by the reference implementation (Go,
// bench/go/main.go, same dialect, `struct` and `json` predeclared). The report gives the
// median wall time of each, their ratio and starform's peak memory; the outputs of both
// must be identical (a warning row otherwise, and a failing exit status). memory.star is
// also checked against its target: a 1,000,000-element list of small ints must fit in
// 200 MB of peak resident memory.
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { failureOf, median, runOnce } from '../lib/measure.js';
import { referenceBinary } from '../lib/reference.js';
import { formatTable } from '../lib/table.js';

export const description = 'Starlark workloads: starform eval vs the Go reference implementation';

const MEMORY_WORKLOAD = 'memory';
const MEMORY_TARGET_MB = 200;

/**
 * @typedef {object} Side
 * @property {number | null} ms        median wall time
 * @property {number | null} peakKb    largest peak RSS over the runs
 * @property {string | null} failure   why it could not be measured
 * @property {string} stdout           output of the first run
 */

/**
 * Run one implementation of one workload: an untimed run whose output is kept, then
 * `runs` timed runs.
 * @param {string} cmd
 * @param {string[]} args
 * @param {number} runs
 * @param {string} cwd
 * @returns {Promise<Side>}
 */
async function measureSide(cmd, args, runs, cwd) {
  const first = await runOnce(cmd, args, { cwd });
  const failure = failureOf(first);
  if (failure) return { ms: null, peakKb: first.peakKb, failure, stdout: first.stdout };
  /** @type {number[]} */
  const times = [];
  let peakKb = first.peakKb;
  for (let i = 0; i < runs; i++) {
    const r = await runOnce(cmd, args, { cwd });
    const f = failureOf(r);
    if (f) return { ms: null, peakKb, failure: `run ${i + 1}: ${f}`, stdout: first.stdout };
    if (r.stdout !== first.stdout) return { ms: null, peakKb, failure: `run ${i + 1} printed something else than run 0`, stdout: first.stdout };
    times.push(r.ms);
    if (r.peakKb !== null) peakKb = Math.max(peakKb ?? 0, r.peakKb);
  }
  return { ms: median(times), peakKb, failure: null, stdout: first.stdout };
}

/**
 * Describe where two outputs first differ.
 * @param {string} ours
 * @param {string} theirs
 */
function firstDifference(ours, theirs) {
  const a = ours.split('\n');
  const b = theirs.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      const clip = (/** @type {string | undefined} */ s) => (s === undefined ? '<end of output>' : JSON.stringify(s.length > 80 ? s.slice(0, 80) + '...' : s));
      return `line ${i + 1}: starform ${clip(a[i])}, reference ${clip(b[i])}`;
    }
  }
  return 'outputs differ';
}

/** @param {number | null} ms */
const fmtMs = (ms) => (ms === null ? '-' : ms.toFixed(0));
/** @param {number | null} kb */
const fmtMb = (kb) => (kb === null ? '-' : (kb / 1024).toFixed(1));

/**
 * @param {import('../lib/suite.js').SuiteContext} ctx
 * @returns {Promise<import('../lib/suite.js').SuiteResult>}
 */
export async function run(ctx) {
  const dir = join(ctx.root, 'bench', 'workloads');
  const all = readdirSync(dir)
    .filter((f) => f.endsWith('.star'))
    .sort();
  const names = all.map((f) => basename(f, '.star'));
  const unknown = ctx.only.filter((n) => !names.includes(n));
  if (unknown.length > 0) {
    console.error(`bench starlark: no workload named ${unknown.join(', ')} (have: ${names.join(', ')})`);
    return { ok: false };
  }
  const selected = ctx.only.length > 0 ? names.filter((n) => ctx.only.includes(n)) : names;

  const starform = join(ctx.root, 'bin', 'starform');
  const built = existsSync(join(ctx.root, 'dist', 'lib', 'cli', 'main.js'));
  const ref = await referenceBinary();
  /** @type {string[]} */
  const notes = [];
  if (!built) notes.push('! starform is not built (npm run build): only the reference was measured');
  if (!ref.ok) notes.push(`! reference implementation unavailable: ${ref.reason}`);

  let ok = built;
  /** @type {string[][]} */
  const rows = [];
  for (const name of selected) {
    const file = join(dir, `${name}.star`);
    process.stderr.write(`bench starlark: ${name} ...\n`);
    /** @type {Side | null} */
    const ours = built ? await measureSide(process.execPath, [starform, 'eval', '--all', file], ctx.runs, ctx.root) : null;
    /** @type {Side | null} */
    const theirs = ref.ok ? await measureSide(ref.path, [file], ctx.runs, ctx.root) : null;

    const ratio = ours?.ms != null && theirs?.ms != null ? `${(ours.ms / theirs.ms).toFixed(2)}x` : '-';
    rows.push([name, fmtMs(ours?.ms ?? null), fmtMs(theirs?.ms ?? null), ratio, fmtMb(ours?.peakKb ?? null)]);

    if (ours?.failure) {
      ok = false;
      notes.push(`! ${name}: starform failed: ${ours.failure}`);
    }
    if (theirs?.failure) {
      ok = false;
      notes.push(`! ${name}: reference failed: ${theirs.failure}`);
    }
    if (ours && theirs && !ours.failure && !theirs.failure && ours.stdout !== theirs.stdout) {
      ok = false;
      notes.push(`! ${name}: OUTPUT DIFFERS from the reference (${firstDifference(ours.stdout, theirs.stdout)})`);
    }
    if (name === MEMORY_WORKLOAD && ours && ours.peakKb !== null) {
      const mb = ours.peakKb / 1024;
      const verdict = mb < MEMORY_TARGET_MB ? 'within' : 'OVER';
      const refMb = theirs?.peakKb != null ? `; reference ${fmtMb(theirs.peakKb)} MB` : '';
      notes.push(`  memory: 1,000,000-int list, starform peak RSS ${mb.toFixed(1)} MB (${verdict} the ${MEMORY_TARGET_MB} MB target${refMb})`);
    }
  }

  console.log(`starlark: median of ${ctx.runs} runs, whole process (spawn to exit)`);
  console.log(formatTable(['workload', 'starform ms', 'reference ms', 'ratio', 'starform peak MB'], rows));
  for (const n of notes) console.log(n);
  return { ok };
}
