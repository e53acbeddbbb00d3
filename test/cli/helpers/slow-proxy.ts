// A slow road to a real server, for the tests that must see a pull *while* it runs: a
// TCP proxy on loopback that passes every byte of the server's answers on, at most
// `bytesPerSecond` per connection (the requests go through at full speed). Put in front of
// the loopback registry (registry.ts), it turns a pull that ends within a second into one
// that takes as long as the test needs to read the live view, send Ctrl-C, and see what
// happens; nothing of the engine or the registry is faked. The rate can change while
// connections are open (a test slows a pull down before it interrupts it).
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface SlowProxy {
  /** host:port of the proxy, e.g. 127.0.0.1:40123 */
  readonly address: string;
  /** Bytes per second and connection from the server to the client. */
  bytesPerSecond: number;
  /** Bytes passed from the server to clients so far (all connections). */
  readonly relayed: number;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (host:port) on a free loopback port. */
export async function startSlowProxy(target: string, bytesPerSecond: number): Promise<SlowProxy> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sockets = new Set<Socket>();
  const state = { bytesPerSecond, relayed: 0 };
  const server: Server = createServer((client) => {
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    /** Chunks from the server not yet all passed on. */
    let pending = 0;
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // The client going ends both; the server going ends the client once what it sent is through.
    client.on('error', drop).on('close', drop);
    upstream.on('error', () => upstream.destroy());
    client.pipe(upstream);
    // Upstream → client in slices of at most a tenth of a second's worth, each after its time.
    upstream.on('data', (chunk: Buffer) => {
      upstream.pause();
      pending++;
      const send = (rest: Buffer): void => {
        if (client.destroyed) return void pending--;
        const slice = Math.max(1, Math.floor(state.bytesPerSecond / 10));
        const part = rest.subarray(0, slice);
        setTimeout(
          () => {
            if (client.destroyed) return void pending--;
            client.write(part);
            state.relayed += part.length;
            if (part.length < rest.length) send(rest.subarray(part.length));
            else {
              pending--;
              upstream.resume();
            }
          },
          (part.length / state.bytesPerSecond) * 1000,
        );
      };
      send(chunk);
    });
    const ended = (): void => {
      // The last slices may still be on their way: end the client after them.
      if (pending > 0) setTimeout(ended, 20);
      else client.end();
    };
    upstream.on('end', ended).on('close', ended);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    address,
    get bytesPerSecond() {
      return state.bytesPerSecond;
    },
    set bytesPerSecond(v: number) {
      state.bytesPerSecond = v;
    },
    get relayed() {
      return state.relayed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
