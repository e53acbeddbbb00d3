// @ts-check
// The plan's cost as the work grows (issue 19): `starform plan --out` of a generated package
// of 100, 1,000 and 10,000 services (the plan suite's package: ports, env, a mounted files
// artifact and an exec each) against an empty state, beside `terraform plan -out` of as
// many `terraform_data` resources, as whole processes, median of N runs (at most 3 at
// 10,000). It prints the curve — wall time and peak memory per service on both sides — and
// the targets of the 1,000 point: a ratio to terraform of at most 0.3x, at most 100 MB
// peak, a plan file of at most 2 MB; and whether starform's time and memory per service
// stay flat (10,000 within 1.5x of 1,000 per service).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failureOf, median, runOnce } from '../lib/measure.js';
import { formatTable } from '../lib/table.js';
import { environments } from '../lib/startup.js';
import { packageSource } from './plan.js';

export const description =
  'plan --out of 100 / 1,000 / 10,000 services vs terraform plan -out (targets: <= 0.3x, <= 100 MB, <= 2 MB plan file, flat per service)';

const SIZES = [100, 1000, 10000];
const TARGET_RATIO = 0.3;
const TARGET_MB = 100;
const TARGET_PLAN_BYTES = 2 * 1000 * 1000;
const FLAT = 1.5;

/**
 * Median wall time and the largest peak RSS of `runs` runs, or the failure.
 * @param {number} runs
 * @param {string} cmd
 * @param {string[]} args
 * @param {string} cwd
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Promise<{ ms: number, mb: number } | string>}
 */
async function measure(runs, cmd, args, cwd, env = process.env) {
  const times = [];
  let peakKb = 0;
  for (let i = 0; i < runs; i++) {
    const r = await runOnce(cmd, args, { cwd, timeoutMs: 600_000, env });
    const failure = failureOf(r);
    if (failure) return `${failure}\n${r.stderr.slice(0, 2000)}`;
    times.push(r.ms);
    peakKb = Math.max(peakKb, r.peakKb ?? 0);
  }
  return { ms: median(times), mb: peakKb / 1024 };
}

/** @param {import('../lib/suite.js').SuiteContext} ctx */
export async function run(ctx) {
  const dir = mkdtempSync(join(tmpdir(), 'starform-bench-plan-scale-'));
  const tf = spawnSync('terraform', ['version'], { encoding: 'utf8' });
  const haveTerraform = !tf.error && tf.status === 0;
  /** @type {{ n: number, sf: { ms: number, mb: number }, bytes: number, tf: { ms: number, mb: number } | null }[]} */
  const points = [];
  /** The 1,000 point without NODE_EXTRA_CA_CERTS, where it is set (bench/lib/startup.js). */
  const clean = environments()[1];
  /** @type {{ ms: number, mb: number } | null} */
  let cleanAt1000 = null;
  try {
    for (const n of SIZES.filter((s) => ctx.only.length === 0 || ctx.only.includes(String(s)))) {
      const runs = n >= 10000 ? Math.max(1, Math.min(ctx.runs, 3)) : ctx.runs;
      const pkg = join(dir, `pkg-${n}`);
      mkdirSync(join(pkg, 'static'), { recursive: true });
      writeFileSync(join(pkg, 'main.star'), packageSource(n));
      writeFileSync(join(pkg, 'kurtosis.yml'), `name: github.com/starform-bench/scale-${n}\n`);
      writeFileSync(join(pkg, 'static', 'app.conf'), 'listen = 8000\n');
      const out = join(dir, `plan-${n}.json`);
      const args = [join(ctx.root, 'bin', 'starform'), 'plan', pkg, '--state', join(dir, `none-${n}.state.json`), '--refresh=false', '--out', out];
      const sf = await measure(runs, process.execPath, args, dir);
      if (typeof sf === 'string') {
        console.log(`! starform plan of ${n} services failed: ${sf}`);
        return { ok: false };
      }
      const bytes = statSync(out).size;
      if (n === 1000 && clean !== undefined) {
        const c = await measure(runs, process.execPath, args, dir, clean.env);
        if (typeof c === 'string') console.log(`! starform plan of ${n} services (${clean.label}) failed: ${c}`);
        else cleanAt1000 = c;
      }
      let tfPoint = null;
      if (haveTerraform) {
        const tfDir = join(dir, `tf-${n}`);
        mkdirSync(tfDir);
        writeFileSync(join(tfDir, 'main.tf'), `resource "terraform_data" "svc" {\n  count = ${n}\n  input = { index = count.index }\n}\n`);
        spawnSync('terraform', ['init', '-input=false'], { cwd: tfDir, encoding: 'utf8' });
        const t = await measure(runs, 'terraform', ['plan', '-input=false', '-refresh=false', '-out', join(tfDir, 'tf.plan')], tfDir);
        if (typeof t === 'string') console.log(`! terraform plan of ${n} failed: ${t}`);
        else tfPoint = t;
      }
      points.push({ n, sf, bytes, tf: tfPoint });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const perService = (/** @type {number} */ x, /** @type {number} */ n) => ((x / n) * 1000).toFixed(1);
  /** @type {string[][]} */
  const curve = points.map(({ n, sf, bytes, tf: t }) => [
    n.toLocaleString('en'),
    sf.ms.toFixed(0),
    perService(sf.ms, n),
    sf.mb.toFixed(1),
    ((sf.mb * 1024) / n).toFixed(1),
    (bytes / 1e6).toFixed(2),
    t ? t.ms.toFixed(0) : 'n/a',
    t ? perService(t.ms, n) : '',
    t ? t.mb.toFixed(1) : '',
    t ? `${(sf.ms / t.ms).toFixed(2)}x` : '',
  ]);
  console.log('plan --out against an empty state, whole process (per service: µs and KB)');
  console.log(formatTable(['services', 'starform ms', 'µs/svc', 'peak MB', 'KB/svc', 'plan MB', 'terraform ms', 'µs/res', 'peak MB', 'ratio'], curve));
  /** @type {string[][]} */
  const rows = [];
  const at1000 = points.find((p) => p.n === 1000);
  if (at1000) {
    const ratio = at1000.tf ? at1000.sf.ms / at1000.tf.ms : null;
    rows.push([
      'plan --out of 1,000 vs terraform plan -out',
      ratio === null ? 'n/a' : `${ratio.toFixed(2)}x`,
      `<= ${TARGET_RATIO}x`,
      ratio === null ? '' : ratio <= TARGET_RATIO ? 'met' : 'MISSED',
    ]);
    rows.push(['peak memory, 1,000-service plan', `${at1000.sf.mb.toFixed(1)} MB`, `<= ${TARGET_MB} MB`, at1000.sf.mb <= TARGET_MB ? 'met' : 'MISSED']);
    if (cleanAt1000 !== null && clean !== undefined) {
      const r = at1000.tf ? cleanAt1000.ms / at1000.tf.ms : null;
      rows.push([
        `  the same, ${clean.label}: ${cleanAt1000.ms.toFixed(0)} ms`,
        r === null ? 'n/a' : `${r.toFixed(2)}x`,
        `<= ${TARGET_RATIO}x`,
        r === null ? '' : r <= TARGET_RATIO ? 'met' : 'MISSED',
      ]);
      rows.push([`  peak memory, ${clean.label}`, `${cleanAt1000.mb.toFixed(1)} MB`, `<= ${TARGET_MB} MB`, cleanAt1000.mb <= TARGET_MB ? 'met' : 'MISSED']);
    }
    rows.push(['plan file, 1,000 services', `${(at1000.bytes / 1e6).toFixed(2)} MB`, '<= 2 MB', at1000.bytes <= TARGET_PLAN_BYTES ? 'met' : 'MISSED']);
  }
  const at10k = points.find((p) => p.n === 10000);
  if (at1000 && at10k) {
    const time = at10k.sf.ms / 10000 / (at1000.sf.ms / 1000);
    const mem = at10k.sf.mb / 10000 / (at1000.sf.mb / 1000);
    rows.push(['time per service, 10,000 vs 1,000', `${time.toFixed(2)}x`, `flat (<= ${FLAT}x)`, time <= FLAT ? 'met' : 'MISSED']);
    rows.push(['peak memory per service, 10,000 vs 1,000', `${mem.toFixed(2)}x`, `flat (<= ${FLAT}x)`, mem <= FLAT ? 'met' : 'MISSED']);
  }
  if (rows.length > 0) console.log(formatTable(['target', 'measured', 'target', ''], rows));
  if (!haveTerraform) console.log('terraform is not installed: starform measured alone');
  return { ok: true };
}
