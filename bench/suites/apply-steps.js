// @ts-check
// The apply-steps benchmark: is apply linear in the number of steps? A generated package
// of N one-off steps (plan.print, no containers) is planned to a file and applied to a
// fresh state, for N = 1,000 and 10,000, as whole processes (`bin/starform plan --out`,
// then `bin/starform apply PLAN`), median of a few rounds. Reported per count: the median
// wall time of each command and the time per step; the apply's time per step must not grow
// with the count (target: at 10,000 steps at most 1.5x the per-step time at 1,000 — the
// fixed cost of a process start only makes the smaller count look slower per step).
// Apply creates the enclave network, so this needs a running Docker Engine; each round
// destroys what it made.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failureOf, median, runOnce } from '../lib/measure.js';
import { formatTable } from '../lib/table.js';

export const description = 'apply of 1,000 and 10,000 print steps: time per step must not grow with the count';

const COUNTS = [1000, 10000];
const MAX_GROWTH = 1.5;

/** @param {number} n */
function packageSource(n) {
  return `# Generated benchmark package: ${n} one-off steps and nothing else.

def run(plan, count = ${n}):
    for i in range(count):
        plan.print("step %d of %d" % (i + 1, count))
    return {"steps": count}
`;
}

/**
 * @param {string[]} args
 * @param {string} cwd
 */
async function timed(args, cwd) {
  const r = await runOnce(process.execPath, args, { cwd, timeoutMs: 3_600_000 });
  const f = failureOf(r);
  if (f) throw new Error(`starform ${args.slice(1).join(' ')}: ${f}\n${r.stderr.slice(-2000)}`);
  return r;
}

/** @param {import('../lib/suite.js').SuiteContext} ctx */
export async function run(ctx) {
  const docker = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
  if (docker.error || docker.status !== 0) {
    console.log('apply-steps: skipped — needs a running Docker Engine (apply creates the enclave network)');
    return { ok: true };
  }
  const only = ctx.only.length > 0 ? COUNTS.filter((n) => ctx.only.includes(String(n))) : COUNTS;
  const rounds = Math.max(1, Math.min(ctx.runs, 3));
  const bin = join(ctx.root, 'bin', 'starform');
  const dir = mkdtempSync(join(tmpdir(), 'starform-bench-apply-steps-'));
  /** @type {string[][]} */
  const rows = [];
  /** @type {Map<number, number>} */
  const perStep = new Map();
  let ok = true;
  try {
    for (const n of only) {
      const pkg = join(dir, `pkg-${n}`);
      mkdirSync(pkg);
      writeFileSync(join(pkg, 'main.star'), packageSource(n));
      writeFileSync(join(pkg, 'kurtosis.yml'), `name: github.com/starform-bench/steps-${n}\n`);
      const plans = [];
      const applies = [];
      for (let r = 0; r < rounds; r++) {
        const state = join(dir, `steps-${n}-${r}.state.json`);
        const planFile = join(dir, `steps-${n}-${r}.plan`);
        plans.push((await timed([bin, 'plan', pkg, '--refresh=false', '--state', state, '--out', planFile], dir)).ms);
        const applied = await timed([bin, 'apply', planFile, '--state', state], dir);
        applies.push(applied.ms);
        const printed = applied.stdout.split('\n').filter((l) => / step \d+ of \d+$/.test(l)).length;
        if (printed !== n || !applied.stdout.includes(`${n} run`)) {
          console.log(`! apply of ${n} steps printed ${printed} step lines:\n${applied.stdout.slice(-500)}`);
          ok = false;
        }
        await timed([bin, 'destroy', '--auto-approve', '--state', state], dir);
      }
      const planMs = median(plans);
      const applyMs = median(applies);
      perStep.set(n, applyMs / n);
      rows.push([n.toLocaleString('en-US'), planMs.toFixed(0), (planMs / n).toFixed(3), applyMs.toFixed(0), (applyMs / n).toFixed(3)]);
    }
  } catch (e) {
    console.log(`! apply-steps failed: ${/** @type {Error} */ (e).message}`);
    return { ok: false };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`apply-steps: plan.print steps, no containers; median of ${rounds} round(s), whole process`);
  console.log(formatTable(['steps', 'plan ms', 'plan ms/step', 'apply ms', 'apply ms/step'], rows));
  const small = perStep.get(COUNTS[0]);
  const large = perStep.get(COUNTS[COUNTS.length - 1]);
  if (small !== undefined && large !== undefined) {
    const growth = large / small;
    console.log(
      `apply time per step at ${COUNTS[COUNTS.length - 1].toLocaleString('en-US')} vs ${COUNTS[0].toLocaleString('en-US')} steps: ${growth.toFixed(2)}x (target <= ${MAX_GROWTH}x: ${growth <= MAX_GROWTH ? 'met' : 'MISSED'})`,
    );
  }
  return { ok };
}
