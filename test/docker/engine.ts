// Shared set-up for the runtime tests that need a real Docker Engine. `useEngine` runs in
// a suite's `before` hook: it pings the engine and checks for the local test image. When
// either is missing, the suite FAILS under CI (env CI set), because there the engine must
// have been started by `.ci/docker-setup.sh`, and is SKIPPED elsewhere with a message
// saying how to get an engine. Each suite gets its own lineage, unique per run, and the
// `after` hook removes everything labelled with it, so no test leaves containers behind.

import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { DockerRuntime } from '../../lib/docker/index.js';

export const TEST_IMAGE = process.env['STARFORM_TEST_IMAGE'] ?? 'starform-test/busybox:latest';

/** The repository root (tests run from dist/test/docker). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function uniqueLineage(suite: string): string {
  return `sftest-${suite}-${randomBytes(4).toString('hex')}`;
}

export interface EngineContext {
  runtime: DockerRuntime;
  docker: Docker;
  lineage: string;
}

/** Registers before/after hooks; the returned object is filled in by `before`. */
/**
 * Skips the suite (locally) or fails it (in CI) unless a Docker Engine answers and has the
 * test image: CI must run the Docker tests, a developer's machine may lack an engine.
 */
export async function requireEngine(suite: Mocha.Context, runtime: DockerRuntime): Promise<void> {
  let problem: string | undefined;
  try {
    await runtime.ping();
    if (!(await runtime.imageExists(TEST_IMAGE))) {
      problem = `test image ${TEST_IMAGE} is missing; build it with: sudo bash .ci/docker-setup.sh`;
    }
  } catch (err) {
    problem = `${(err as Error).message}\n  start one with: sudo bash .ci/docker-setup.sh`;
  }
  if (problem !== undefined) {
    if (process.env['CI']) throw new Error(`Docker Engine required in CI: ${problem}`);
    console.log(`    (skipping: no usable Docker Engine: ${problem})`);
    suite.skip();
  }
}

export function useEngine(suite: string): EngineContext {
  const ctx = { lineage: uniqueLineage(suite) } as EngineContext;
  before(async function () {
    this.timeout(30_000);
    const runtime = new DockerRuntime();
    await requireEngine(this, runtime);
    ctx.runtime = runtime;
    ctx.docker = new Docker();
  });
  after(async function () {
    this.timeout(60_000);
    if (!ctx.runtime) return;
    await ctx.runtime.removeEnclave(ctx.lineage);
    const left = await ctx.runtime.inspectEnclave(ctx.lineage);
    if (left.containers.length || left.volumes.length || left.network) {
      throw new Error(`enclave ${ctx.lineage} not cleaned up: ${JSON.stringify(left)}`);
    }
  });
  return ctx;
}

/** GET over HTTP from the host, with a bounded time. */
export async function httpGet(host: string, port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://${host}:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.text() };
}
