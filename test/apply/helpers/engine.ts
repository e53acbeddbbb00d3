// Set-up for the apply tests that need a real Docker Engine (the lifecycle, every
// instruction, crash safety). Like test/docker/engine.ts: without an engine or the local
// test image the suite FAILS under CI (where .ci/docker-setup.sh must have provided
// them) and is SKIPPED elsewhere. Each test makes its state files in a temporary
// directory through `newStatePath`; the `after` hook removes every enclave those states
// created (whatever their lineage) and checks that nothing of them is left.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { applyPlan, refreshState, type ApplyEvent, type ApplyResult } from '../../../lib/apply/index.js';
import { DockerRuntime } from '../../../lib/docker/index.js';
import { requireEngine } from '../../docker/engine.js';
import { makePlan } from '../../../lib/plan/index.js';
import type { Change, Instruction } from '../../../lib/instructions/index.js';
import type { SavedPlan } from '../../../lib/planfile/model.js';
import { readState } from '../../../lib/state/index.js';
import type { JsonObject } from '../../../lib/util/json.js';

export const TEST_IMAGE = process.env['STARFORM_TEST_IMAGE'] ?? 'starform-test/busybox:latest';

/** The repository root (tests run from dist/test/apply/helpers). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** A package of this suite (fixtures/apply) or of the project's fixtures/packages. */
export function fixture(name: string): string {
  return name.startsWith('packages/') ? join(REPO_ROOT, 'fixtures', name) : join(REPO_ROOT, 'fixtures', 'apply', name);
}

export interface EngineContext {
  runtime: DockerRuntime;
  docker: Docker;
  /** A fresh state file path in a directory removed after the suite. */
  newStatePath(): string;
}

export function useApplyEngine(): EngineContext {
  const dirs: string[] = [];
  const paths: string[] = [];
  const ctx = {
    newStatePath(): string {
      const dir = mkdtempSync(join(tmpdir(), 'starform-apply-engine-'));
      dirs.push(dir);
      const path = join(dir, 'starform.state.json');
      paths.push(path);
      return path;
    },
  } as EngineContext;
  before(async function () {
    this.timeout(30_000);
    const runtime = new DockerRuntime();
    await requireEngine(this, runtime);
    ctx.runtime = runtime;
    ctx.docker = new Docker();
  });
  after(async function () {
    this.timeout(120_000);
    if (ctx.runtime) {
      const leftovers: string[] = [];
      for (const path of paths) {
        const lineage = await readState(path).then(
          (s) => s.lineage,
          () => null,
        );
        if (lineage === null) continue;
        if (!(await removeEnclaveTolerating(ctx.runtime, lineage))) continue;
        const left = await ctx.runtime.inspectEnclave(lineage);
        if (left.containers.length || left.volumes.length || left.network) leftovers.push(lineage);
      }
      if (leftovers.length > 0) throw new Error(`enclaves not cleaned up: ${leftovers.join(', ')}`);
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return ctx;
}

/**
 * Removes an enclave after a test. Resolves false, with a note, when only the engine's own
 * defect is left: a network it refuses to remove for "active endpoints" although no
 * container of the enclave exists any more (seen with Debian's dockerd on a loaded machine;
 * docs/decisions.md) — the test's assertions ran before this cleanup.
 */
export async function removeEnclaveTolerating(runtime: DockerRuntime, lineage: string): Promise<boolean> {
  try {
    await runtime.removeEnclave(lineage);
    return true;
  } catch (err) {
    if (!/active endpoints/i.test((err as Error).message)) throw err;
    const left = await runtime.inspectEnclave(lineage);
    if (left.containers.length > 0 || left.volumes.length > 0) throw err;
    console.log(`      (the engine keeps a stale endpoint on network ${left.network?.networkName ?? lineage}; left to dockerd)`);
    return false;
  }
}

/** Plans a package as `starform plan` does (refreshing from the engine). */
export async function planPackage(runtime: DockerRuntime, dir: string, statePath: string, args: JsonObject = {}): Promise<SavedPlan<Instruction, Change>> {
  const { state } = await refreshState(await readState(statePath), runtime);
  const result = makePlan({ dir, args, state, packages: {} });
  if (result.plan === null)
    throw new Error(`planning ${dir} failed:\n${result.problems.map((p) => `${p.position.file}:${p.position.line}: ${p.message}`).join('\n')}`);
  return result.plan;
}

export interface Applied extends ApplyResult {
  readonly plan: SavedPlan<Instruction, Change>;
  readonly events: ApplyEvent[];
}

/** Plans and applies a package. */
export async function applyPackage(runtime: DockerRuntime, dir: string, statePath: string, args: JsonObject = {}): Promise<Applied> {
  const plan = await planPackage(runtime, dir, statePath, args);
  const events: ApplyEvent[] = [];
  const result = await applyPlan(plan, { statePath, runtime, onEvent: (e) => events.push(e) });
  return { ...result, plan, events };
}

/** The non-no-op changes of a plan as `action stepId` strings. */
export function changed(plan: SavedPlan<Instruction, Change>): string[] {
  return plan.changes.filter((c) => c.action !== 'no-op').map((c) => `${c.action} ${c.stepId}`);
}

/** Ids and start times of the enclave's containers, to tell whether any was touched. */
export async function containerFingerprint(docker: Docker, lineage: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`starform.lineage=${lineage}`] } });
  const out: string[] = [];
  for (const c of list) {
    const info = await docker.getContainer(c.Id).inspect();
    out.push(`${c.Labels['starform.service'] ?? c.Labels['starform.task'] ?? '?'} ${c.Id} ${info.State.StartedAt} ${info.State.Status}`);
  }
  return out.sort();
}

export async function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.text() };
}
