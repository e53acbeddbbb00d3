#!/usr/bin/env node
// @ts-check
// The benchmark driver: `npm run bench [-- [--runs=N] [suite | suite/workload]...]`.
// Suites are the modules in bench/suites/ (one file each, named after the suite) that
// follow the contract in bench/lib/suite.js; with no names, every suite runs. Timed runs
// per measurement: --runs=N, else BENCH_RUNS, else 5. Exit status 1 when a suite reports
// a failure (a workload that crashed or printed something wrong), 2 on bad usage.
import { readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
const SUITES_DIR = `${HERE}/suites`;

const USAGE = `usage: npm run bench -- [--runs=N] [suite | suite/workload ...]
suites: ${suiteNames().join(', ')}
  --runs=N   timed runs per measurement, median reported (default: BENCH_RUNS or 5)`;

/** @returns {string[]} */
function suiteNames() {
  return readdirSync(SUITES_DIR)
    .filter((f) => f.endsWith('.js'))
    .map((f) => basename(f, '.js'))
    .sort();
}

/** @param {string} msg @returns {never} */
function usage(msg) {
  console.error(`bench: ${msg}\n${USAGE}`);
  process.exit(2);
}

async function main() {
  let runs = Number(process.env.BENCH_RUNS ?? 5);
  /** @type {Map<string, string[]>} */
  const selected = new Map();
  const known = suiteNames();
  for (const arg of process.argv.slice(2)) {
    if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      return;
    }
    if (arg.startsWith('--runs=')) {
      runs = Number(arg.slice('--runs='.length));
      continue;
    }
    if (arg.startsWith('-')) usage(`unknown option ${arg}`);
    const [suite, workload] = arg.split('/', 2);
    if (!suite || !known.includes(suite)) usage(`no suite named ${suite}`);
    const only = selected.get(suite) ?? [];
    if (workload) only.push(workload);
    selected.set(suite, only);
  }
  if (!Number.isInteger(runs) || runs < 1) usage(`runs must be a positive integer, got ${runs}`);
  if (selected.size === 0) for (const s of known) selected.set(s, []);

  let ok = true;
  for (const [name, only] of selected) {
    /** @type {import('./lib/suite.js').Suite} */
    const suite = await import(pathToFileURL(`${SUITES_DIR}/${name}.js`).href);
    const result = await suite.run({ root: ROOT, runs, only });
    ok &&= result.ok;
    console.log('');
  }
  process.exitCode = ok ? 0 : 1;
}

await main();
