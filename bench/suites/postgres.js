// @ts-check
// The PostgreSQL state backend beside the file backend (issue 15's target: a no-op apply
// within 50 ms of the file backend's). The apply suite's 50 services are applied twice,
// once with the state in a file and once in a throwaway PostgreSQL cluster (the tests'
// cluster, test/state/helpers/postgres.ts: a local server on 127.0.0.1 over TCP, trust
// authentication); then the no-op re-apply runs in pairs, file and PostgreSQL one after
// the other (the order alternating from pair to pair), so that both see the same machine:
// the figure judged is the median of the pairs' wall-time differences, beside each side's
// median and the median difference of starform's own CPU time (GNU time's user + system:
// it leaves out the server's work, but hardly moves with the machine's load).
// A `state list` row (one read, no lock, no engine) shows the backend's cost without the
// engine's noise. Whole processes. Skipped without PostgreSQL (/usr/lib/postgresql/*/bin)
// or without a Docker Engine with `starform-test/busybox:latest`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { failureOf, median, runOnce } from '../lib/measure.js';
import { formatTable } from '../lib/table.js';
import { IMAGE, SERVICES, packageSource } from './apply.js';

export const description = 'no-op apply of 50 services with the state in PostgreSQL vs in a file, paired (target: within 50 ms)';

/** The target: the PostgreSQL no-op apply at most this much slower than the file backend's. */
const TARGET_MS = 50;

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {string} cwd
 */
async function timed(cmd, args, cwd) {
  const r = await runOnce(cmd, args, { cwd, timeoutMs: 600_000 });
  const f = failureOf(r);
  if (f) throw new Error(`${args.join(' ')}: ${f}\n${r.stderr.slice(-2000)}`);
  return r;
}

/** @typedef {import('../lib/measure.js').RunResult} RunResult */

/**
 * The tests' throwaway PostgreSQL cluster (dist/test/state/helpers/postgres.js), or null
 * without PostgreSQL.
 * @param {string} root
 * @returns {Promise<{ newUrl(): string } | null>}
 */
async function postgresCluster(root) {
  const { startPostgresCluster } = await import(pathToFileURL(join(root, 'dist', 'test', 'state', 'helpers', 'postgres.js')).href);
  const starting = startPostgresCluster();
  return starting === null ? null : await starting;
}

/**
 * Runs `a` and `b` in `pairs` pairs, alternating which goes first: their wall times, and
 * per pair the differences b − a of wall time and of starform's own CPU time (null
 * without GNU time; it leaves out the server's work, but hardly moves with the load).
 * @param {number} pairs
 * @param {() => Promise<RunResult>} a
 * @param {() => Promise<RunResult>} b
 */
async function paired(pairs, a, b) {
  /** @type {RunResult[]} */
  const as = [];
  /** @type {RunResult[]} */
  const bs = [];
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      as.push(await a());
      bs.push(await b());
    } else {
      bs.push(await b());
      as.push(await a());
    }
  }
  const cpu = bs.map((x, i) => (x.cpuMs === null || as[i]?.cpuMs == null ? null : x.cpuMs - as[i].cpuMs));
  return {
    as: as.map((r) => r.ms),
    bs: bs.map((r) => r.ms),
    diffs: bs.map((x, i) => x.ms - /** @type {RunResult} */ (as[i]).ms),
    cpuDiffs: cpu.every((d) => d !== null) ? /** @type {number[]} */ (cpu) : null,
  };
}

/** @param {number} ms */
const fmt = (ms) => ms.toFixed(0);
/** @param {number} ms */
const signed = (ms) => `${ms >= 0 ? '+' : ''}${ms.toFixed(0)}`;

/** @param {import('../lib/suite.js').SuiteContext} ctx */
export async function run(ctx) {
  const docker = spawnSync('docker', ['image', 'inspect', IMAGE], { encoding: 'utf8' });
  if (docker.error || docker.status !== 0) {
    console.log(`postgres: skipped — needs a Docker Engine with ${IMAGE} (run: bash .ci/docker-setup.sh)`);
    return { ok: true };
  }
  let cluster;
  try {
    cluster = await postgresCluster(ctx.root);
  } catch (e) {
    console.log(`! postgres: the throwaway PostgreSQL cluster did not start: ${/** @type {Error} */ (e).message}`);
    return { ok: false };
  }
  if (cluster === null) {
    console.log('postgres: skipped — PostgreSQL is not installed (apt-get install postgresql)');
    return { ok: true };
  }
  const dir = mkdtempSync(join(tmpdir(), 'starform-bench-postgres-'));
  const pkg = join(dir, 'pkg');
  mkdirSync(pkg);
  writeFileSync(join(pkg, 'main.star'), packageSource());
  writeFileSync(join(pkg, 'kurtosis.yml'), 'name: github.com/starform-bench/fifty\n');
  const bin = join(ctx.root, 'bin', 'starform');
  const node = process.execPath;
  const file = join(dir, 'fifty.state.json');
  const url = cluster.newUrl();
  const pairs = Math.max(11, ctx.runs);
  const loadBefore = loadavg()[0];
  /** @type {string[]} */
  const applied = [];
  let noop;
  let list;
  try {
    for (const state of [file, url]) {
      await timed(node, [bin, 'apply', pkg, '--auto-approve', '--state', state], dir);
      applied.push(state);
    }
    const apply = (/** @type {string} */ state) => () => timed(node, [bin, 'apply', pkg, '--auto-approve', '--state', state], dir);
    const stateList = (/** @type {string} */ state) => () => timed(node, [bin, 'state', 'list', '--state', state], dir);
    noop = await paired(pairs, apply(file), apply(url));
    list = await paired(pairs, stateList(file), stateList(url));
  } catch (e) {
    console.log(`! postgres benchmark failed: ${/** @type {Error} */ (e).message}`);
    return { ok: false };
  } finally {
    for (const state of applied) await timed(node, [bin, 'destroy', '--auto-approve', '--state', state], dir).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  const loadAfter = loadavg()[0];
  const gap = median(noop.diffs);
  /** @param {number[] | null} d */
  const cpu = (d) => (d === null ? 'n/a' : signed(median(d)));
  const rows = [
    ['no-op apply', fmt(median(noop.as)), fmt(median(noop.bs)), signed(gap), cpu(noop.cpuDiffs), `within ${TARGET_MS} ms`, gap <= TARGET_MS ? 'met' : 'MISSED'],
    ['state list', fmt(median(list.as)), fmt(median(list.bs)), signed(median(list.diffs)), cpu(list.cpuDiffs), '', ''],
  ];
  console.log(`postgres: ${SERVICES} services, ${pairs} pairs (file and PostgreSQL in turn), whole process; PostgreSQL on 127.0.0.1 (TCP, trust)`);
  console.log(formatTable(['phase', 'file ms', 'postgres ms', 'paired diff ms', 'starform CPU diff ms', 'target', ''], rows));
  const spread = [...noop.diffs].sort((x, y) => x - y);
  console.log(
    `no-op apply, postgres − file per pair: min ${signed(/** @type {number} */ (spread[0]))}, max ${signed(/** @type {number} */ (spread.at(-1)))} ms`,
  );
  console.log(`load average (1 min): ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after`);
  return { ok: true };
}
