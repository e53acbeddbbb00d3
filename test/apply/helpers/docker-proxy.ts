// A recording proxy in front of the Docker Engine's unix socket, for the crash tests: a
// child process given DOCKER_HOST=unix://<proxy.socket> talks to the real engine through
// it, and the proxy notes the name of every network the child asked to create. Other
// processes (other tests, other users of the engine) do not go through it, so what it
// notes is exactly what the child made, however busy the engine is.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DockerProxy {
  /** DOCKER_HOST for the child. */
  readonly dockerHost: string;
  /** Names of the networks created through the proxy so far. */
  readonly networks: string[];
  close(): Promise<void>;
}

function engineSocket(): string {
  const host = process.env['DOCKER_HOST'];
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  for (const p of ['/var/run/docker.sock', '/run/docker.sock']) if (existsSync(p)) return p;
  throw new Error('no Docker Engine socket found for the proxy');
}

export async function startDockerProxy(): Promise<DockerProxy> {
  const target = engineSocket();
  const dir = mkdtempSync(join(tmpdir(), 'starform-docker-proxy-'));
  const socketPath = join(dir, 'docker.sock');
  const created = new Set<string>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const engine = connect(target);
    sockets.add(client).add(engine);
    let tail = '';
    client.on('data', (chunk: Buffer) => {
      // Request bodies of POST /networks/create carry {"Name":"starform-..."}; a body may
      // arrive in pieces, so the end of the previous piece is scanned again (the Set drops
      // what is found twice).
      const text = tail + chunk.toString('latin1');
      for (const m of text.matchAll(/"Name":"(starform-[A-Za-z0-9_.-]+)"/g)) created.add(m[1]!);
      tail = text.slice(-200);
    });
    client.pipe(engine).pipe(client);
    const end = (): void => {
      client.destroy();
      engine.destroy();
      sockets.delete(client);
      sockets.delete(engine);
    };
    client.on('error', end).on('close', end);
    engine.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  return {
    dockerHost: `unix://${socketPath}`,
    get networks(): string[] {
      return [...created];
    },
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
