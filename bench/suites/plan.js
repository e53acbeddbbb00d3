// @ts-check
// The plan benchmark: `starform plan` of a generated package of 1,000 services (ports,
// env, a mounted files artifact and an exec each) against a state that already holds 999
// of them, as a whole process (`bin/starform plan --refresh=false`), median of several
// runs, with peak memory. Targets: under 400 ms and under 300 MB. The state is made the way
// apply records it (through the compiled state model), so the diff does real work: 999
// services compare equal, one is created, one exec runs. Where `terraform` is installed,
// `terraform plan` of 1,000 `terraform_data` resources is measured beside it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { failureOf, median, medianRuns, runOnce } from '../lib/measure.js';
import { EXTRA_CA_VAR, environments, nodeStartupMs } from '../lib/startup.js';
import { formatTable } from '../lib/table.js';

export const description = 'starform plan of 1,000 services against a state holding 999 (targets: < 400 ms, < 300 MB)';

const SERVICES = 1000;
const TARGET_MS = 400;
const TARGET_MB = 300;

/** @param {number} n */
export function packageSource(n) {
  return `# Generated benchmark package: ${n} services, each with ports, env, a files artifact and an exec.

IMAGE = "starform-test/busybox:latest"

def run(plan, count = ${n}):
    shared = plan.upload_files(src = "./static", name = "shared-config")
    for i in range(count):
        name = "svc-%d" % i
        svc = plan.add_service(
            name = name,
            config = ServiceConfig(
                image = IMAGE,
                ports = {"http": PortSpec(number = 8000, application_protocol = "http"), "metrics": PortSpec(number = 9100)},
                env_vars = {"INDEX": str(i), "ROLE": "leader" if i == 0 else "follower", "PEER": "svc-%d" % ((i + 1) % count)},
                files = {"/etc/shared": shared},
                cmd = ["httpd", "-f", "-p", "8000"],
            ),
        )
        plan.exec(service_name = name, recipe = ExecRecipe(command = ["echo", "ready", name]))
    return {"services": count}
`;
}

/**
 * @param {string} root
 * @param {string} dir
 */
export async function makeFixture(root, dir) {
  const pkg = join(dir, 'pkg');
  mkdirSync(join(pkg, 'static'), { recursive: true });
  writeFileSync(join(pkg, 'main.star'), packageSource(SERVICES));
  writeFileSync(join(pkg, 'kurtosis.yml'), 'name: github.com/starform-bench/thousand\n');
  writeFileSync(join(pkg, 'static', 'app.conf'), 'listen = 8000\n');
  const dist = (/** @type {string} */ p) => pathToFileURL(join(root, 'dist', p)).href;
  const { makePlan } = await import(dist('lib/plan/index.js'));
  const state = await import(dist('lib/state/index.js'));
  // The state after applying the package with 999 services.
  const result = makePlan({ dir: pkg, args: { count: SERVICES - 1 }, state: state.emptyState() });
  if (!result.plan) throw new Error(`the generated package does not plan: ${JSON.stringify(result.problems[0])}`);
  let s = state.withLineage(state.emptyState());
  let ip = 0;
  for (const ins of result.plan.instructions) {
    if (ins.kind === 'add_service') {
      ip++;
      const ports = new Map([
        ['http', { number: 8000, transportProtocol: 'TCP', applicationProtocol: 'http', hostPort: 20000 + ip }],
        ['metrics', { number: 9100, transportProtocol: 'TCP', applicationProtocol: null, hostPort: 40000 + ip }],
      ]);
      s = state.putService(
        s,
        ins.declares.name,
        state.serviceRecord({ config: ins.args, containerId: `c${ip}`.padEnd(64, '0'), ipAddress: `10.1.${ip >> 8}.${ip & 255}`, ports, status: 'running' }),
      );
      s = state.setRuntimeValue(s, `${ins.id}.ip_address`, `10.1.${ip >> 8}.${ip & 255}`);
    } else if (ins.kind === 'upload_files') {
      s = state.putFilesArtifact(s, ins.declares.name, state.filesArtifactRecord(Buffer.from('listen = 8000\n')));
    } else if (ins.kind === 'exec') {
      s = state.setRuntimeValue(s, `${ins.id}.code`, 0);
      s = state.setRuntimeValue(s, `${ins.id}.output`, 'ready\n');
    }
    s = state.recordStep(s, state.appliedStep({ id: ins.id, kind: ins.kind, args: ins.args, result: null }));
  }
  // Written the way apply writes it (under the lock, with its digest note beside it).
  const stateFile = join(dir, 'starform.state.json');
  const lock = await state.lockState(stateFile, { operation: 'bench' });
  try {
    await state.writeState(stateFile, s, lock);
    // Its files artifact's content, as apply stores it (plan checks that it is there).
    await state.BlobStore.forState(stateFile).put(Buffer.from('listen = 8000\n'));
  } finally {
    await lock.release();
  }
  return { pkg, stateFile };
}

/**
 * The same package as a root package by locator, served from a filled package cache and
 * pinned by a starform.lock in `dir` (as after a first `plan github.com/...`), with
 * STARFORM_GIT_BASE_URL pointing at a closed port: the run must not touch the network,
 * and what it costs over the local directory is the cached fetch (lock read, cache lookup,
 * digest check of the copy).
 * @param {string} root
 * @param {string} dir
 * @param {string} pkg
 */
async function cachedLocatorFixture(root, dir, pkg) {
  const dist = (/** @type {string} */ p) => pathToFileURL(join(root, 'dist', p)).href;
  const { PackageCache, entriesDigest } = await import(dist('lib/package/cache.js'));
  const { writeLock } = await import(dist('lib/package/lock.js'));
  const cacheDir = join(dir, 'package-cache');
  const entries = ['kurtosis.yml', 'main.star', 'static/app.conf'].map((path) => ({ path, kind: 'file', bytes: readFileSync(join(pkg, path)) }));
  const digest = entriesDigest(entries);
  const commit = 'b'.repeat(40);
  new PackageCache(cacheDir).store(['github.com', 'starform-bench', 'thousand'], commit, entries, digest);
  writeLock(join(dir, 'starform.lock'), [{ locator: 'github.com/starform-bench/thousand', ref: null, commit, digest }]);
  const env = { STARFORM_PACKAGE_CACHE: cacheDir, STARFORM_GIT_BASE_URL: 'http://127.0.0.1:9' };
  const { PackageFetcher } = await import(dist('lib/package/remote.js'));
  /** The cached fetch alone, in this process: read the lock, find the copy, hash it. */
  const fetchOnceMs = () => {
    const t0 = performance.now();
    const fetcher = new PackageFetcher({ cacheDir, lockFile: join(dir, 'starform.lock'), env: { ...process.env, ...env }, report: () => undefined });
    fetcher.checkout(['github.com', 'starform-bench', 'thousand'], undefined);
    return performance.now() - t0;
  };
  return { locator: 'github.com/starform-bench/thousand', env, fetchOnceMs };
}

/** @param {string} dir */
function terraformFixture(dir) {
  const tf = join(dir, 'tf');
  mkdirSync(tf, { recursive: true });
  writeFileSync(join(tf, 'main.tf'), 'resource "terraform_data" "svc" {\n  count = 1000\n  input = { index = count.index }\n}\n');
  return tf;
}

/** @param {import('../lib/suite.js').SuiteContext} ctx */
export async function run(ctx) {
  const dir = mkdtempSync(join(tmpdir(), 'starform-bench-plan-'));
  try {
    const { pkg, stateFile } = await makeFixture(ctx.root, dir);
    const bin = join(ctx.root, 'bin', 'starform');
    const args = [bin, 'plan', pkg, '--state', stateFile, '--refresh=false'];
    const first = await runOnce(process.execPath, args, { cwd: dir });
    const failure = failureOf(first);
    if (failure) {
      console.log(`! plan failed: ${failure}\n${first.stderr}`);
      return { ok: false };
    }
    const summary = first.stdout.trim().split('\n').pop() ?? '';
    /** @type {string[][]} */
    const rows = [];
    for (const { label, env } of environments()) {
      const measured = await medianRuns(ctx.runs, process.execPath, args, { cwd: dir, env }, first.peakKb ?? 0);
      if (measured === null) return { ok: false };
      const { ms, mb } = measured;
      const where = label ? `, ${label}` : '';
      rows.push([
        `starform plan (1,000 services, 999 in state)${where}`,
        `${ms.toFixed(0)}`,
        `${mb.toFixed(1)}`,
        ms < TARGET_MS && mb < TARGET_MB ? 'met' : 'MISSED',
      ]);
      rows.push([`  node -e 0 (Node's own start-up${where})`, `${(await nodeStartupMs(ctx.runs, env)).toFixed(0)}`, '', '']);
    }
    // The same package by locator, from the package cache and starform.lock.
    const cached = await cachedLocatorFixture(ctx.root, dir, pkg);
    const byLocator = [bin, 'plan', cached.locator, '--state', stateFile, '--refresh=false'];
    const cachedEnv = { ...process.env, ...cached.env };
    const check = await runOnce(process.execPath, byLocator, { cwd: dir, env: cachedEnv });
    if (failureOf(check) || !check.stdout.includes('1 to create')) {
      console.log(`! plan by locator from the cache failed: ${failureOf(check) ?? ''}\n${check.stderr}`);
      return { ok: false };
    }
    // Interleaved with the local-directory runs, so machine noise hits both alike.
    const localTimes = [];
    const cachedTimes = [];
    for (let i = 0; i < ctx.runs; i++) {
      localTimes.push((await runOnce(process.execPath, args, { cwd: dir })).ms);
      cachedTimes.push((await runOnce(process.execPath, byLocator, { cwd: dir, env: cachedEnv })).ms);
    }
    const localMs = median(localTimes);
    const cachedMs = median(cachedTimes);
    const fetchTimes = [];
    for (let i = 0; i < Math.max(ctx.runs, 20); i++) fetchTimes.push(cached.fetchOnceMs());
    rows.push([
      'starform plan, the same package by locator (cache + starform.lock)',
      `${cachedMs.toFixed(0)}`,
      '',
      `${cachedMs - localMs >= 0 ? '+' : ''}${(cachedMs - localMs).toFixed(0)} ms vs. local directory (${localMs.toFixed(0)})`,
    ]);
    rows.push(['  of which the cached fetch (lock, cache lookup, digest check; in-process)', `${median(fetchTimes).toFixed(2)}`, '', '']);
    const tf = spawnSync('terraform', ['version'], { encoding: 'utf8' });
    if (!tf.error && tf.status === 0) {
      const tfDir = terraformFixture(dir);
      spawnSync('terraform', ['init', '-input=false'], { cwd: tfDir, encoding: 'utf8' });
      const tfTimes = [];
      for (let i = 0; i < ctx.runs; i++) tfTimes.push((await runOnce('terraform', ['plan', '-input=false', '-refresh=false'], { cwd: tfDir })).ms);
      const tfMs = median(tfTimes);
      rows.push(['terraform plan (1,000 terraform_data)', `${tfMs.toFixed(0)}`, '', `ratio ${(Number(rows[0][1]) / tfMs).toFixed(2)}x`]);
    } else {
      rows.push(['terraform plan', 'not installed', '', '']);
    }
    console.log(formatTable(['workload', 'median ms', 'peak MB', `target < ${TARGET_MS} ms, < ${TARGET_MB} MB`], rows));
    if (rows.length > 3) console.log(`(${EXTRA_CA_VAR} is set here: Node 20 reads that certificate bundle at every start; see bench/lib/startup.js)`);
    console.log(`plan said: ${summary}`);
    return { ok: summary.includes('1 to create') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
