// @ts-check
// The real-package benchmark: `starform plan` of ethereum-package's default configuration
// as a whole process (`bin/starform plan --refresh=false`, its imports mapped to the
// copies beside it), median of several runs, with peak memory. Targets: under 500 ms and
// under 150 MB. The packages are never part of this repository: the suite runs where
// STARFORM_REAL_PACKAGES names a folder of copies (see scripts/real-packages.mjs) and
// says it was skipped otherwise. A second row plans ethereum-package's
// .github/tests/minimal.yaml when present, a larger network. `node -e 0` is measured
// beside them, so the table shows how much of the time is Node's own start-up.
import { mkdtempSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { configurations, findPackages, packageMappings, planArgs } from '../../scripts/real-packages-lib.mjs';
import { failureOf, medianRuns, runOnce } from '../lib/measure.js';
import { environments, nodeStartupMs } from '../lib/startup.js';
import { formatTable } from '../lib/table.js';

export const description = "starform plan of ethereum-package's default configuration (targets: < 500 ms, < 150 MB; needs STARFORM_REAL_PACKAGES)";

const TARGET_MS = 500;
const TARGET_MB = 150;

/** @param {import('../lib/suite.js').SuiteContext} ctx */
export async function run(ctx) {
  const given = process.env.STARFORM_REAL_PACKAGES;
  if (!given) {
    console.log('real: skipped (set STARFORM_REAL_PACKAGES to a folder holding ethereum-package and the packages it imports)');
    return { ok: true };
  }
  const root = resolve(given);
  const packages = findPackages(root);
  const eth = packages.find((p) => p.dirName === 'ethereum-package' || p.name === 'github.com/ethpandaops/ethereum-package');
  if (!eth) {
    console.log(`real: skipped (no ethereum-package in ${root})`);
    return { ok: true };
  }
  const mappings = packageMappings(root, packages, eth);
  const configs = configurations(eth).filter((c) => c.argsFile === null || c.label.endsWith('.github/tests/minimal.yaml'));
  const dir = mkdtempSync(join(tmpdir(), 'starform-bench-real-'));
  const bin = join(ctx.root, 'bin', 'starform');
  /** @type {string[][]} */
  const rows = [];
  let ok = true;
  try {
    for (const { label, env } of environments()) {
      const where = label ? `, ${label}` : '';
      for (const config of configs) {
        if (config.argsFile && !existsSync(config.argsFile)) continue;
        const args = [bin, ...planArgs(config, mappings, join(dir, 'starform.state.json'), join(dir, 'out.plan'))];
        const first = await runOnce(process.execPath, args, { cwd: dir, env });
        const failure = failureOf(first);
        if (failure) {
          console.log(`! ${config.label}: ${failure}\n${first.stderr.split('\n').slice(0, 3).join('\n')}`);
          ok = false;
          continue;
        }
        const measured = await medianRuns(ctx.runs, process.execPath, args, { cwd: dir, env }, first.peakKb ?? 0);
        if (measured === null) return { ok: false };
        const { ms, mb } = measured;
        const isDefault = config.argsFile === null;
        rows.push([`plan ${config.label}${where}`, ms.toFixed(0), mb.toFixed(1), isDefault ? (ms < TARGET_MS && mb < TARGET_MB ? 'met' : 'MISSED') : '']);
      }
      rows.push([`  node -e 0 (Node's own start-up${where})`, (await nodeStartupMs(ctx.runs, env)).toFixed(0), '', '']);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(formatTable(['workload', 'median ms', 'peak MB', `target < ${TARGET_MS} ms, < ${TARGET_MB} MB`], rows));
  return { ok };
}
