// A throwaway PostgreSQL cluster for the backend tests: initdb + pg_ctl from Debian's
// postgresql package (/usr/lib/postgresql/<version>/bin), a data directory and a unix
// socket directory of our own under the system temp directory, trust authentication, a
// free loopback port. Started once per test run (the first suite that asks), stopped
// when the process exits. Run as the `postgres` user through runuser when we are root
// (CI), since the server refuses to run as root. Without the binaries the suites FAIL
// under CI (.ci/run installs postgresql) and are skipped elsewhere.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface PostgresCluster {
  readonly port: number;
  readonly socketDir: string;
  /** A state URL in a fresh schema of its own (and the given workspace). */
  newUrl(workspace?: string): string;
  /** A superuser connection (the caller ends it). */
  admin(): Promise<pg.Client>;
}

function binDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0]!, 'bin') : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const asRoot = process.getuid?.() === 0;

function run(bin: string, args: string[]): void {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout || r.error?.message}`);
}

let started: Promise<PostgresCluster> | undefined;

/**
 * Starts a throwaway cluster (also for `npm run bench`); stopped and removed when the
 * process exits. Null when PostgreSQL is not installed.
 */
export function startPostgresCluster(): Promise<PostgresCluster> | null {
  const bin = binDir();
  if (bin === null) return null;
  started ??= start(bin);
  return started;
}

async function start(bin: string): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'starform-pg-'));
  if (asRoot)
    chownSync(
      dir,
      Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()),
      Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()),
    );
  const data = join(dir, 'data');
  const socketDir = dir;
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      run(join(bin, 'pg_ctl'), [
        '-D',
        data,
        '-l',
        join(dir, 'server.log'),
        '-w',
        '-t',
        '60',
        'start',
        '-o',
        `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
      ]);
      break;
    } catch (err) {
      if (attempt >= 2) throw err;
    }
  }
  const stop = (): void => {
    spawnSync(
      asRoot ? 'runuser' : join(bin, 'pg_ctl'),
      asRoot ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'] : ['-D', data, '-m', 'immediate', 'stop'],
      {
        timeout: 30_000,
      },
    );
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  // An interrupted run (Ctrl-C, a CI timeout) stops the cluster too, then dies of the signal.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stop();
      process.kill(process.pid, signal);
    });
  }
  return {
    port,
    socketDir,
    newUrl(workspace?: string) {
      const schema = `t_${randomBytes(6).toString('hex')}`;
      return `postgres://postgres@127.0.0.1:${port}/postgres?schema=${schema}${workspace ? `&workspace=${workspace}` : ''}`;
    },
    async admin() {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
      await client.connect();
      return client;
    },
  };
}

/**
 * The cluster for a suite: call at the top of a describe; `before` starts it (once per
 * process). The returned getter throws if used before the hook ran.
 */
export function usePostgres(): () => PostgresCluster {
  let cluster: PostgresCluster | undefined;
  before(async function () {
    this.timeout(120_000);
    const starting = startPostgresCluster();
    if (starting === null) {
      if (process.env['CI']) throw new Error('PostgreSQL (initdb, pg_ctl) is not installed; .ci/run installs the postgresql package');
      this.skip();
    }
    cluster = await starting;
  });
  return () => {
    if (cluster === undefined) throw new Error('the PostgreSQL cluster is not started');
    return cluster;
  };
}
