// @ts-check
// Node's own start-up, measured beside starform so that a reader can tell starform's time
// from the machine's. One environment variable matters a lot here: NODE_EXTRA_CA_CERTS
// (set on machines whose package proxy has its own certificate authority) makes Node 20
// parse that certificate bundle at every start, before any JavaScript runs — about 60 ms
// on the development machine. starform makes no TLS connections on these paths, so where
// the variable is set the benchmarks measure starform both as the machine runs it and
// without the variable, and say which is which.
import { median, runOnce } from './measure.js';

export const EXTRA_CA_VAR = 'NODE_EXTRA_CA_CERTS';

/**
 * @typedef {object} BenchEnvironment
 * @property {string} label      how the table names it ('' for the machine as it is)
 * @property {NodeJS.ProcessEnv} env
 */

/** @returns {BenchEnvironment[]} the machine's environment, and without NODE_EXTRA_CA_CERTS when that is set */
export function environments() {
  const asIs = { label: '', env: process.env };
  if (process.env[EXTRA_CA_VAR] === undefined) return [asIs];
  const without = { ...process.env };
  delete without[EXTRA_CA_VAR];
  return [asIs, { label: `${EXTRA_CA_VAR} unset`, env: without }];
}

/**
 * Median wall time of `node -e 0` in an environment.
 * @param {number} runs
 * @param {NodeJS.ProcessEnv} env
 */
export async function nodeStartupMs(runs, env) {
  const times = [];
  for (let i = 0; i < Math.max(3, runs); i++) times.push((await runOnce(process.execPath, ['-e', '0'], { env })).ms);
  return median(times);
}
