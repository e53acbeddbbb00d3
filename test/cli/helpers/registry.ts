// A real image registry on loopback for the tests of image identity and pull progress:
// Debian's `docker-registry` (the distribution project's registry), started on a free
// port with its storage in a temporary directory, and stopped (and its storage removed)
// after the suite. The engine pulls from and pushes to 127.0.0.0/8 without TLS by
// default, so nothing of the engine's configuration changes. Without the binary the
// suite is skipped, except under CI, where .ci/run installs it and a skip would hide a
// broken setup.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Registry {
  /** host:port, e.g. 127.0.0.1:38211 */
  readonly address: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export function docker(args: string[]): string {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Starts a registry before the suite and stops it after; `ctx.address` is set once it answers. */
export function useRegistry(): Registry {
  const ctx = { address: '' };
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  before(async function () {
    this.timeout(30_000);
    if (spawnSync('sh', ['-c', 'command -v docker-registry']).status !== 0) {
      if (process.env['CI']) throw new Error('docker-registry is not installed (.ci/run installs it)');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'starform-registry-'));
    const port = await freePort();
    const config = join(dir, 'config.yml');
    writeFileSync(
      config,
      `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\nlog:\n  level: error\n`,
    );
    child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error('the registry did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    ctx.address = `127.0.0.1:${port}`;
  });
  after(() => {
    if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return ctx;
}
