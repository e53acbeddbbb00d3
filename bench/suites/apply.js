// @ts-check
// The apply benchmark: starform and Debian's docker-compose doing the same work, side by
// side in one run — 50 services from the local test image on one network, each serving
// HTTP on a published port: first apply, re-apply with no changes, apply after changing
// all 50 (an environment variable), destroy. Whole processes, median over rounds. Beside
// them the floor (bench/lib/engine-floor.js): the same 50 containers created and started
// straight through the engine API at starform's parallelism, nothing else.
// Issue 19's targets: first apply at most 0.6x compose and within 1.3x of the floor; a
// no-change re-apply at most 150 ms; change-all at most 0.4x compose; destroy at most 0.3x.
// (The no-change re-apply with the state in PostgreSQL is the postgres suite's, paired with
// this one's file backend: bench/suites/postgres.js.) Then the same 50 on the Swarm
// runtime (first apply, no-op).
// Needs a running Docker Engine with `starform-test/busybox:latest`
// (`bash .ci/docker-setup.sh`); docker-compose is optional (`apt-get install docker-compose`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STUCK_NETWORK } from '../lib/engine-floor.js';
import { failureOf, median, runOnce } from '../lib/measure.js';
import { environments, nodeStartupMs } from '../lib/startup.js';
import { formatTable } from '../lib/table.js';

export const description = 'apply 50 services: starform vs docker-compose (first, no-op, change all, destroy)';

export const SERVICES = 50;
export const IMAGE = 'starform-test/busybox:latest';
/** `starform apply`'s default --parallelism (lib/cli/apply.ts), which the floor uses too. */
const PARALLELISM = 8;
/** How many containers `destroy` removes at a time (lib/docker/enclave.ts removeEnclave). */
const DESTROY_PARALLELISM = 4;

/** The generated package (also the postgres suite's). */
export function packageSource() {
  return `# Generated benchmark package: ${SERVICES} web servers on one network.

def run(plan, version = "1"):
    for i in range(${SERVICES}):
        plan.add_service(
            name = "web-%d" % i,
            config = ServiceConfig(
                image = "${IMAGE}",
                ports = {"http": PortSpec(number = 8080, application_protocol = "http")},
                env_vars = {"VERSION": version, "INDEX": str(i)},
                cmd = ["httpd", "-f", "-p", "8080"],
            ),
        )
`;
}

function composeFile() {
  let out = 'version: "2.4"\nservices:\n';
  for (let i = 0; i < SERVICES; i++) {
    out += `  web-${i}:\n    image: ${IMAGE}\n    command: ["httpd", "-f", "-p", "8080"]\n    ports: ["127.0.0.1::8080"]\n`;
    out += `    environment:\n      VERSION: "\${VERSION:-1}"\n      INDEX: "${i}"\n`;
  }
  return out;
}

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {string} cwd
 * @param {NodeJS.ProcessEnv} [extra]  variables to set on top of `base`
 * @param {NodeJS.ProcessEnv} [base]   the environment (default: this process's)
 */
async function timed(cmd, args, cwd, extra = {}, base = process.env) {
  const r = await runOnce(cmd, args, { cwd, timeoutMs: 600_000, env: { ...base, ...extra } });
  const f = failureOf(r);
  if (f) throw Object.assign(new Error(`${cmd} ${args.join(' ')}: ${f}\n${r.stderr.slice(-2000)}`), { ms: r.ms });
  return r.ms;
}

/**
 * `docker-compose down`, timed. Compose 1.29 sometimes removes the network while the engine
 * is still detaching a container ("has active endpoints"); it then gets one more go, and
 * both runs count. Undefined when the engine refuses the second time too: Docker 20.10 has
 * lost the network's endpoint count (see floorRun), and the round's time is left out.
 * @param {string[]} project
 * @param {string} cwd
 * @returns {Promise<number | undefined>}
 */
async function composeDown(project, cwd) {
  try {
    return await timed('docker-compose', [...project, 'down'], cwd, { VERSION: '2' });
  } catch (e) {
    if (!/active endpoints/.test(/** @type {Error} */ (e).message)) throw e;
    const first = Number(/** @type {Error & { ms?: number }} */ (e).ms ?? 0);
    try {
      return first + (await timed('docker-compose', [...project, 'down'], cwd, { VERSION: '2' }));
    } catch (again) {
      if (/active endpoints/.test(/** @type {Error} */ (again).message)) return undefined;
      throw again;
    }
  }
}

/**
 * `starform destroy`, timed; undefined when it failed only because the engine kept the
 * enclave network with its endpoint count lost (the Docker 20.10 bug of floorRun): the
 * round's time, which includes destroy's 20 s of retrying, is left out.
 * @param {string[]} args
 * @param {string} cwd
 * @returns {Promise<number | undefined>}
 */
async function destroyRun(args, cwd) {
  try {
    return await timed(process.execPath, args, cwd);
  } catch (e) {
    if (/removing network .*active endpoints/.test(/** @type {Error} */ (e).message)) return undefined;
    throw e;
  }
}

/**
 * A run of bench/lib/engine-floor.js, timed; undefined when the engine kept its network
 * (exit code STUCK_NETWORK: a Docker 20.10 bug, not a cost of the floor), which the suite
 * reports instead of failing.
 * @param {string[]} args
 * @param {string} cwd
 * @returns {Promise<number | undefined>}
 */
async function floorRun(args, cwd) {
  const r = await runOnce(process.execPath, args, { cwd, timeoutMs: 600_000 });
  if (r.code === STUCK_NETWORK) return undefined;
  const f = failureOf(r);
  if (f) throw new Error(`node ${args.join(' ')}: ${f}\n${r.stderr.slice(-2000)}`);
  return r.ms;
}

/** @param {import('../lib/suite.js').SuiteContext} ctx */
export async function run(ctx) {
  const docker = spawnSync('docker', ['image', 'inspect', IMAGE], { encoding: 'utf8' });
  if (docker.error || docker.status !== 0) {
    console.log(`apply: skipped — needs a Docker Engine with ${IMAGE} (run: bash .ci/docker-setup.sh)`);
    return { ok: true };
  }
  const compose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
  const haveCompose = !compose.error && compose.status === 0;
  const dir = mkdtempSync(join(tmpdir(), 'starform-bench-apply-'));
  const pkg = join(dir, 'pkg');
  mkdirSync(pkg);
  writeFileSync(join(pkg, 'main.star'), packageSource());
  writeFileSync(join(pkg, 'kurtosis.yml'), 'name: github.com/starform-bench/fifty\n');
  const composeDir = join(dir, 'compose');
  mkdirSync(composeDir);
  writeFileSync(join(composeDir, 'docker-compose.yml'), composeFile());
  const bin = join(ctx.root, 'bin', 'starform');
  const node = process.execPath;
  const rounds = Math.max(1, Math.min(ctx.runs, 3));
  const envs = environments();
  /** @type {Record<string, number[]>} */
  const sf = { first: [], noop: [], change: [], destroy: [] };
  /** No-op re-applies without NODE_EXTRA_CA_CERTS, where it is set (bench/lib/startup.js). @type {number[]} */
  const noopClean = [];
  /** @type {Record<string, number[]>} */
  const dc = { first: [], noop: [], change: [], destroy: [] };
  /** The floor (bench/lib/engine-floor.js): create-and-start, replace and remove of the 50. @type {Record<string, number[]>} */
  const floor = { first: [], change: [], destroy: [] };
  /** Where the engine kept a network it should have removed (see floorRun): those rounds' times are left out. @type {string[]} */
  const stuckNetworks = [];
  const floorScript = join(ctx.root, 'bench', 'lib', 'engine-floor.js');
  try {
    for (let r = 0; r < rounds; r++) {
      const state = join(dir, `round-${r}.state.json`);
      sf.first.push(await timed(node, [bin, 'apply', pkg, '--auto-approve', '--state', state], dir));
      // A no-op is quick: several per round, in each environment.
      for (let i = 0; i < Math.max(3, ctx.runs); i++) {
        sf.noop.push(await timed(node, [bin, 'apply', pkg, '--auto-approve', '--state', state], dir));
        if (envs.length > 1) noopClean.push(await timed(node, [bin, 'apply', pkg, '--auto-approve', '--state', state], dir, {}, envs[1].env));
      }
      sf.change.push(await timed(node, [bin, 'apply', pkg, '--auto-approve', '--state', state, '--args', '{"version": "2"}'], dir));
      const destroyed = await destroyRun([bin, 'destroy', '--auto-approve', '--state', state], dir);
      if (destroyed !== undefined) sf.destroy.push(destroyed);
      else stuckNetworks.push(`round ${r + 1}: starform's destroy (its time is left out)`);
      if (haveCompose) {
        const project = ['-p', `starformbench${r}`];
        dc.first.push(await timed('docker-compose', [...project, 'up', '-d'], composeDir, { VERSION: '1' }));
        dc.noop.push(await timed('docker-compose', [...project, 'up', '-d'], composeDir, { VERSION: '1' }));
        dc.change.push(await timed('docker-compose', [...project, 'up', '-d'], composeDir, { VERSION: '2' }));
        const down = await composeDown(project, composeDir);
        if (down !== undefined) dc.destroy.push(down);
        else stuckNetworks.push(`round ${r + 1}: docker-compose down (its time is left out)`);
      }
      const name = `r${r}-${process.pid}`;
      try {
        floor.first.push(await timed(node, [floorScript, 'up', name, String(SERVICES), String(PARALLELISM), IMAGE], dir));
        floor.change.push(await timed(node, [floorScript, 'replace', name, String(SERVICES), String(PARALLELISM), IMAGE], dir));
        const removed = await floorRun([floorScript, 'remove', name, String(DESTROY_PARALLELISM)], dir);
        if (removed !== undefined) floor.destroy.push(removed);
        else stuckNetworks.push(`round ${r + 1}: the floor's remove (its time is left out)`);
      } finally {
        if ((await floorRun([floorScript, 'down', name], dir)) === undefined) stuckNetworks.push(`round ${r + 1}: the floor's clean-up`);
      }
    }
  } catch (e) {
    console.log(`! apply benchmark failed: ${/** @type {Error} */ (e).message}`);
    return { ok: false };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  /** @type {string[][]} */
  const rows = [];
  /**
   * The phase against compose (issue 19's target) and, where it has one, against the floor.
   * @param {'first' | 'change' | 'destroy'} phase
   * @param {number} limit  the most starform's time may be, as a fraction of compose's
   */
  const againstCompose = (phase, limit) => {
    if (sf[phase].length === 0) {
      rows.push([phase, 'n/a (see below)', '', '', `<= ${limit}x compose`, 'n/a']);
      return;
    }
    const s = median(sf[phase]);
    const c = haveCompose && dc[phase].length > 0 ? median(dc[phase]) : null;
    const ratio = c ? s / c : null;
    const verdict = ratio === null ? 'n/a' : ratio <= limit ? 'met' : 'MISSED';
    rows.push([phase, s.toFixed(0), c === null ? 'n/a' : c.toFixed(0), ratio === null ? '' : `${ratio.toFixed(2)}x compose`, `<= ${limit}x compose`, verdict]);
    if (floor[phase].length === 0) {
      rows.push([`  vs floor`, '', 'floor n/a (see below)', '', phase === 'first' ? '<= 1.3x floor' : '', phase === 'first' ? 'n/a' : '']);
      return;
    }
    const f = median(floor[phase]);
    const vsFloor = s / f;
    const fc = c ? ` (${(f / c).toFixed(2)}x compose)` : '';
    rows.push([
      `  vs floor`,
      '',
      `floor ${f.toFixed(0)}${fc}`,
      `${vsFloor.toFixed(2)}x floor`,
      phase === 'first' ? '<= 1.3x floor' : '',
      phase === 'first' ? (vsFloor <= 1.3 ? 'met' : 'MISSED') : '',
    ]);
  };
  againstCompose('first', 0.6);
  const noop = median(sf.noop);
  rows.push(['noop', noop.toFixed(0), haveCompose ? median(dc.noop).toFixed(0) : 'n/a', '', '<= 150 ms', noop <= 150 ? 'met' : 'MISSED']);
  if (noopClean.length > 0) {
    const m = median(noopClean);
    rows.push([`noop, ${envs[1].label}`, m.toFixed(0), '', '', '<= 150 ms', m <= 150 ? 'met' : 'MISSED']);
  }
  againstCompose('change', 0.4);
  againstCompose('destroy', 0.3);
  for (const { label, env } of envs) {
    rows.push([`node -e 0${label ? `, ${label}` : ''}`, (await nodeStartupMs(ctx.runs, env)).toFixed(0), '', '', "Node's own start-up", '']);
  }
  console.log(`apply: ${SERVICES} services, median of ${rounds} round(s), whole process`);
  console.log(
    `floor (bench/lib/engine-floor.js): the same containers straight through the engine API, ${PARALLELISM} at a time ` +
      `(create+start; remove and create+start again; remove, ${DESTROY_PARALLELISM} at a time)`,
  );
  console.log(formatTable(['phase', 'starform ms', 'compose ms', 'ratio', 'target (issue 19)', ''], rows));
  if (!haveCompose) console.log('docker-compose is not installed (apt-get install docker-compose) — starform measured alone');
  for (const where of stuckNetworks) {
    console.log(`note: the engine kept a network with no container on it (its endpoint count lost, a Docker 20.10 bug) in ${where}`);
  }
  return { ok: await swarm(ctx) };
}

/**
 * The same 50 services on the Swarm runtime (`--runtime swarm`): first apply and no-op
 * re-apply, one round (Swarm schedules each task, so a round takes minutes). Skipped when
 * the engine is not a swarm manager (`docker swarm init --advertise-addr 127.0.0.1`).
 * @param {import('../lib/suite.js').SuiteContext} ctx
 */
async function swarm(ctx) {
  const info = spawnSync('docker', ['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'], { encoding: 'utf8' });
  if (info.status !== 0 || info.stdout.trim() !== 'active true') {
    console.log('apply (swarm): skipped — the engine is not a swarm manager (docker swarm init --advertise-addr 127.0.0.1)');
    return true;
  }
  const dir = mkdtempSync(join(tmpdir(), 'starform-bench-swarm-'));
  const pkg = join(dir, 'pkg');
  mkdirSync(pkg);
  writeFileSync(join(pkg, 'main.star'), packageSource());
  writeFileSync(join(pkg, 'kurtosis.yml'), 'name: github.com/starform-bench/fifty\n');
  const bin = join(ctx.root, 'bin', 'starform');
  const node = process.execPath;
  const state = join(dir, 'swarm.state.json');
  /** @type {number[]} */
  const noop = [];
  let first = 0;
  let destroy = 0;
  try {
    first = await timed(node, [bin, 'apply', pkg, '--auto-approve', '--state', state, '--runtime', 'swarm'], dir);
    for (let i = 0; i < Math.max(3, ctx.runs); i++) noop.push(await timed(node, [bin, 'apply', pkg, '--auto-approve', '--state', state], dir));
  } catch (e) {
    console.log(`! apply (swarm) benchmark failed: ${/** @type {Error} */ (e).message}`);
    return false;
  } finally {
    destroy = await timed(node, [bin, 'destroy', '--auto-approve', '--state', state], dir).catch(() => NaN);
    rmSync(dir, { recursive: true, force: true });
  }
  const m = median(noop);
  console.log(`apply (swarm runtime): ${SERVICES} services, one round, whole process`);
  console.log(
    formatTable(
      ['phase', 'starform ms', 'target', ''],
      [
        ['first', first.toFixed(0), '', ''],
        ['noop', m.toFixed(0), '< 300 ms', m < 300 ? 'met' : 'MISSED'],
        ['destroy', destroy.toFixed(0), '', ''],
      ],
    ),
  );
  return true;
}
