// Issue 18 item 5: a crash before the first state write must not leak networks. A real
// `bin/starform apply` is killed with SIGKILL at the named points around the creation of
// the enclave network and its subnet probe (STARFORM_TEST_CRASH_AT, lib/util/crash-point.ts),
// and at random moments before its first state write; the next apply and destroy must
// then leave no network behind. The child talks to the engine through a recording proxy
// (helpers/docker-proxy.ts), so the test knows exactly which networks it created even
// with other users of the engine creating theirs at the same time.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readState } from '../../lib/state/index.js';
import { startDockerProxy, type DockerProxy } from './helpers/docker-proxy.js';
import { REPO_ROOT, fixture, useApplyEngine } from './helpers/engine.js';

const BIN = join(REPO_ROOT, 'bin', 'starform');
const ONE_SERVICE = ['--args', '{"count": 1}'];

interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  /** Milliseconds from the spawn to the exit. */
  readonly ms: number;
}

/** Runs bin/starform; `killAfterMs` sends it SIGKILL that long after the spawn. */
async function starform(args: string[], env: Record<string, string>, killAfterMs?: number): Promise<Ended> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', CI: '1', ...env },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stderr, ms: Date.now() - started };
}

describe('apply crash before the first state write leaks no network (Docker, bin/starform)', function () {
  this.timeout(300_000);
  const engine = useApplyEngine();
  let proxy: DockerProxy;
  const pkg = fixture('twenty');

  beforeEach(async () => {
    proxy = await startDockerProxy();
  });
  afterEach(async () => {
    await proxy.close();
  });

  /** Those of `names` that still exist on the engine. */
  async function existing(names: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const name of names) {
      const found = await engine.docker
        .getNetwork(name)
        .inspect()
        .then(
          () => true,
          (err: { statusCode?: number }) => {
            if (err.statusCode === 404) return false;
            throw err;
          },
        );
      if (found) out.push(name);
    }
    return out;
  }

  const through = (): Record<string, string> => ({ DOCKER_HOST: proxy.dockerHost });

  for (const point of ['apply-before-enclave', 'enclave-probe-created', 'enclave-network-created']) {
    for (const recovery of ['destroy', 'apply, then destroy'] as const) {
      it(`SIGKILL at ${point}: the next ${recovery} leaves no network behind`, async () => {
        const state = engine.newStatePath();
        const killed = await starform(['apply', pkg, '--state', state, '--auto-approve', ...ONE_SERVICE], {
          ...through(),
          STARFORM_TEST_CRASH_AT: point,
        });
        assert.equal(killed.signal, 'SIGKILL', `the apply was not killed at ${point}: ${killed.stderr}`);
        if (point !== 'apply-before-enclave') {
          assert.ok(proxy.networks.length > 0, 'the killed apply had created a network');
          assert.ok(existsSync(state), 'the state file (with the lineage) was written before any network was created');
        }

        if (recovery === 'apply, then destroy') {
          const applied = await starform(['apply', pkg, '--state', state, '--auto-approve', ...ONE_SERVICE], through());
          assert.equal(applied.code, 0, applied.stderr);
          const { lineage } = await readState(state);
          assert.deepEqual(await existing(proxy.networks), [`starform-${lineage}`], 'after the apply: its enclave network only');
        }
        const destroyed = await starform(['destroy', '--state', state, '--auto-approve'], through());
        assert.equal(destroyed.code, 0, destroyed.stderr);
        assert.deepEqual(await existing(proxy.networks), [], 'no network is left');
      });
    }
  }

  it('SIGKILL at random moments before the first state write: destroy leaves no network behind', async () => {
    // How long the apply takes to reach its first state write (the point just before it).
    const calibration = await starform(['apply', pkg, '--state', engine.newStatePath(), '--auto-approve', ...ONE_SERVICE], {
      ...through(),
      STARFORM_TEST_CRASH_AT: 'apply-before-enclave',
    });
    assert.equal(calibration.signal, 'SIGKILL', calibration.stderr);
    const seed = Number(process.env['STARFORM_CRASH_SEED'] ?? Date.now() % 100_000);
    let x = seed;
    const random = (): number => (x = (x * 48271) % 2147483647) / 2147483647;
    const kills = Number(process.env['STARFORM_CRASH_RANDOM_KILLS'] ?? 6);
    for (let i = 0; i < kills; i++) {
      // Anywhere up to the point, and (every other kill) in the 400 ms after it, where the
      // probe and the enclave network are created.
      const at = Math.round(i % 2 === 0 ? random() * calibration.ms : calibration.ms + random() * 400);
      const state = engine.newStatePath();
      const killed = await starform(['apply', pkg, '--state', state, '--auto-approve', ...ONE_SERVICE], through(), at);
      assert.ok(killed.signal === 'SIGKILL' || killed.code === 0, `kill at ${at} ms (seed ${seed}): ${killed.stderr}`);
      const destroyed = await starform(['destroy', '--state', state, '--auto-approve'], through());
      assert.equal(destroyed.code, 0, destroyed.stderr);
      assert.deepEqual(await existing(proxy.networks), [], `kill at ${at} ms (seed ${seed}): no network is left`);
    }
  });
});
