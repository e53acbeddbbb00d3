// @ts-check
// The contract between bench/run.js and a benchmark suite. A suite is a module under
// bench/suites/ (its file name is the suite's name, e.g. `starlark`) that exports a
// one-line `description` and an async `run(ctx)`. It prints its own table to standard
// output and reports whether everything it measured also behaved correctly; run.js turns
// that into the exit code. New suites (plan, apply, ...) need no change to run.js.

/**
 * @typedef {object} SuiteContext
 * @property {string} root      the repository root (absolute)
 * @property {number} runs      timed runs per measurement (the median is reported)
 * @property {string[]} only    workloads requested with `suite/workload` (empty: all)
 */

/**
 * @typedef {object} SuiteResult
 * @property {boolean} ok   false when a workload failed or gave a wrong result
 */

/**
 * @typedef {object} Suite
 * @property {string} description
 * @property {(ctx: SuiteContext) => Promise<SuiteResult>} run
 */

export {};
