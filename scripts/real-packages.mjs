#!/usr/bin/env node
// @ts-check
// `npm run real-packages`: the acceptance run on real Kurtosis packages, which are never
// part of this repository. Given STARFORM_REAL_PACKAGES=DIR (a folder of package copies:
// ethereum-package, postgres-package, ...), it plans every package found there with its
// default arguments, with its root argument files (args.json, network_params.yaml) and
// with every configuration under its `.github/tests/` (recursively), each as a whole
// `starform plan --refresh=false` process with the packages' imports mapped to the copies
// in DIR (packages without a main.star, such as repositories that only serve files, are
// mapped but not planned). It prints one line per configuration and a final
// `N passed, N failed`.
//
// A configuration passes when it plans twice to byte-identical plan files that
// `starform show --markdown` renders and `show --json` prints as valid JSON, or when
// planning stops at the package's own `fail()` call (the line says which). A
// configuration that asks for privileged containers is planned again with `--privileged`,
// as a user runs `kurtosis run --privileged` (the line says so). One that downloads a URL
// while planning cannot be checked offline: it is counted apart ("needs the network"),
// neither passed nor failed. Nor is one that Kurtosis cannot run either: a package whose
// run() has required parameters planned without arguments, and the few configurations
// listed in FAILS_IN_KURTOSIS, each with the error it must give and why. Anything else
// fails, with the first error.
//
//   STARFORM_REAL_PACKAGES=/work/real/pk npm run real-packages [-- [--jobs=N] [FILTER...]]
//
// FILTERs are substrings of the configuration labels ("minimal", "ethereum-package"). Run
// after `npm run build`. Exit status: 0 all passed, 1 some failed, 2 bad usage.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configurations, findPackages, packageMappings, planArgs } from './real-packages-lib.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const BIN = join(ROOT, 'bin', 'starform');
const TIMEOUT_MS = 120_000;

/**
 * @param {readonly string[]} args
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
function starform(args) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, stdout, stderr: signal ? `${stderr}\n(killed by ${signal} after ${TIMEOUT_MS / 1000} s)` : stderr });
    });
  });
}

/**
 * Whether the error starform reported sits at a `fail(` call in the package's source:
 * the error's position is the call's open parenthesis, as in Kurtosis's Starlark.
 * @param {string} file   as starform names it: relative to the root package, or github.com/...
 * @param {number} line
 * @param {number} col
 * @param {string} rootDir
 * @param {readonly string[]} mappings
 */
function isFailCall(file, line, col, rootDir, mappings) {
  let path = join(rootDir, file);
  if (file.startsWith('github.com/')) {
    let best = '';
    for (const m of mappings) {
      const [key = '', dir = ''] = m.split('=');
      if ((file === key || file.startsWith(`${key}/`)) && key.length > best.length) {
        best = key;
        path = join(dir, file.slice(key.length));
      }
    }
    if (best === '') return false;
  }
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  const src = text.split('\n')[line - 1] ?? '';
  return /(^|[^A-Za-z0-9_.])fail\s*$/.test(src.slice(0, Math.max(0, col - 1)));
}

/**
 * Configurations that Kurtosis cannot run either, each with the error starform must give and
 * why Kurtosis stops there too. Any other error of theirs is a failure.
 * @type {readonly { label: string, error: RegExp, why: string }[]}
 */
const FAILS_IN_KURTOSIS = [
  {
    label: 'mongodb-package args.json',
    error: /service name 'mongoDB' is invalid/,
    why: "its args.json names the service 'mongoDB': Kurtosis's ServiceNameRegex (RFC 1035, lowercase) refuses it",
  },
  {
    label: 'ethereum-package .github/tests/examples/binary_force.yaml',
    error: /there is no binary\/lighthouse in package/,
    why: 'the example uploads a locally built binary (binary/lighthouse) that the repository does not hold',
  },
];

/** A package planned with its defaults whose `run` has required parameters: it is meant to be given arguments (or imported); Kurtosis gives the same error. */
const NEEDS_ARGUMENTS = /^main\.star: error: function run missing \d+ arguments? \(/;

/**
 * A plan file's text with the new state's lineage and the checksum that covers it left out.
 * @param {string} text
 * @returns {string}
 */
function withoutNewLineage(text) {
  const plan = JSON.parse(text);
  delete plan.checksum;
  if (plan.state?.serial === 0) plan.state.lineage = null;
  return JSON.stringify(plan);
}

/**
 * Plans one configuration; returns its outcome and what to print after the label.
 * @param {import('./real-packages-lib.mjs').Configuration} config
 * @param {readonly string[]} mappings
 * @returns {Promise<['pass' | 'fail' | 'network' | 'kurtosis', string]>}
 */
async function check(config, mappings) {
  const dir = mkdtempSync(join(tmpdir(), 'starform-real-'));
  try {
    const state = join(dir, 'starform.state.json');
    /** @type {string[]} */
    const extra = [];
    let first = await starform(planArgs(config, mappings, state, join(dir, 'a.plan'), extra));
    if (first.code === 1 && /did not opt in: pass --privileged/.test(first.stderr)) {
      extra.push('--privileged');
      first = await starform(planArgs(config, mappings, state, join(dir, 'a.plan'), extra));
    }
    const withPrivileged = extra.length > 0 ? ' with --privileged' : '';
    if (first.code !== 0) {
      const err = first.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit status ${first.code}`;
      const at = /^(\S+?):(\d+):(\d+): error: (.*)$/.exec(err);
      if (first.code === 1 && at && isFailCall(at[1] ?? '', Number(at[2]), Number(at[3]), config.pkg.dir, mappings)) {
        return ['pass', `stops at the package's own fail()${withPrivileged} at ${at[1]}:${at[2]}: ${at[4]}`];
      }
      const url = /--offline: (https?:\/\/\S+) is not downloaded/.exec(err);
      if (first.code === 1 && url) return ['network', `downloads ${url[1]} while planning (offline here)`];
      const known = FAILS_IN_KURTOSIS.find((k) => k.label === config.label);
      if (first.code === 1 && known?.error.test(err)) return ['kurtosis', `fails as in Kurtosis: ${known.why}`];
      if (first.code === 1 && NEEDS_ARGUMENTS.test(err))
        return [
          'kurtosis',
          `fails as in Kurtosis: its run() has required parameters the configuration does not give (${err.replace(/^.*missing/, 'missing')})`,
        ];
      return ['fail', err];
    }
    const second = await starform(planArgs(config, mappings, state, join(dir, 'b.plan'), extra));
    if (second.code !== 0) return ['fail', `the second plan failed: ${second.stderr.split('\n')[0]}`];
    // A plan against no state is bound to the new state's lineage, chosen at random for each
    // plan (docs/decisions.md); everything else must be byte-identical.
    const a = withoutNewLineage(readFileSync(join(dir, 'a.plan'), 'utf8'));
    const b = withoutNewLineage(readFileSync(join(dir, 'b.plan'), 'utf8'));
    if (a !== b) return ['fail', 'two plans of the same configuration differ'];
    const md = await starform(['show', '--markdown', join(dir, 'a.plan')]);
    if (md.code !== 0 || !md.stdout.startsWith('### starform plan')) return ['fail', `show --markdown failed: ${md.stderr.split('\n')[0]}`];
    const json = await starform(['show', '--json', join(dir, 'a.plan')]);
    if (json.code !== 0) return ['fail', `show --json failed: ${json.stderr.split('\n')[0]}`];
    try {
      JSON.parse(json.stdout);
    } catch (e) {
      return ['fail', `show --json printed what is not JSON: ${e instanceof Error ? e.message : String(e)}`];
    }
    const summary =
      first.stdout
        .trim()
        .split('\n')
        .find((l) => l.startsWith('Plan:')) ?? '';
    return ['pass', `plans${withPrivileged} (${summary.replace(/^Plan: /, '').replace(/\.$/, '')}; ${a.length} bytes)`];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const given = process.env.STARFORM_REAL_PACKAGES;
  let jobs = 1;
  /** @type {string[]} */
  const filters = [];
  for (const arg of process.argv.slice(2)) {
    if (arg.startsWith('--jobs=')) jobs = Number(arg.slice('--jobs='.length));
    else if (arg.startsWith('-')) {
      console.error(`real-packages: unknown option ${arg}`);
      process.exit(2);
    } else filters.push(arg);
  }
  if (!given) {
    console.error('real-packages: set STARFORM_REAL_PACKAGES to a folder holding copies of real Kurtosis packages (ethereum-package, postgres-package, ...)');
    process.exit(2);
  }
  if (!Number.isInteger(jobs) || jobs < 1) {
    console.error(`real-packages: --jobs must be a positive integer`);
    process.exit(2);
  }
  const root = resolve(given);
  const packages = findPackages(root);
  if (packages.length === 0) {
    console.error(`real-packages: no package (a folder with a kurtosis.yml) in ${root}`);
    process.exit(2);
  }
  const all = packages.flatMap((pkg) => configurations(pkg).map((config) => ({ config, mappings: packageMappings(root, packages, pkg) })));
  const todo = all.filter(({ config }) => filters.length === 0 || filters.some((f) => config.label.includes(f)));
  let passed = 0;
  let failed = 0;
  let needNetwork = 0;
  let failsInKurtosis = 0;
  /** @type {string[]} */
  const results = new Array(todo.length);
  let next = 0;
  let printed = 0;
  const flush = () => {
    while (printed < todo.length && results[printed] !== undefined) console.log(results[printed++]);
  };
  const worker = async () => {
    for (let i = next++; i < todo.length; i = next++) {
      const { config, mappings } = /** @type {(typeof todo)[number]} */ (todo[i]);
      const [outcome, what] = await check(config, mappings);
      if (outcome === 'pass') passed++;
      else if (outcome === 'fail') failed++;
      else if (outcome === 'network') needNetwork++;
      else failsInKurtosis++;
      results[i] = `${{ pass: 'pass', fail: 'FAIL', network: 'net ', kurtosis: 'kurt' }[outcome]}  ${config.label}: ${what}`;
      flush();
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, todo.length) }, worker));
  if (failsInKurtosis > 0) console.log(`${failsInKurtosis} fail as they do in Kurtosis (not counted: the lines marked kurt say why)`);
  if (needNetwork > 0) console.log(`${needNetwork} need the network (not counted: they download while planning)`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
