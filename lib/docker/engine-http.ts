// A minimal Docker Engine API client for the read-only calls on starform's hot paths
// (listing an enclave's containers, volumes and networks; the engine's version). Loading
// dockerode costs about 250 ms of start-up (it pulls in an SSH client and its crypto), which
// would dominate a `plan` or a no-op `apply`; these GETs need nothing but node:http.
// Errors are shaped like dockerode's (`code` for connection failures, `statusCode` and
// `json.message` for engine answers), so the runtime translates both the same way.
import { request, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as tlsRequest } from 'node:https';
import type { EngineEndpoint } from './endpoint.js';

export interface EngineAddress {
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  /** TLS for a tcp:// engine (DOCKER_TLS_VERIFY, a context's certificates). */
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer; readonly verify: boolean };
  /** For transports node:http cannot speak (ssh://): the GET made through the full client. */
  readonly viaClient?: (path: string, query: Record<string, string>) => Promise<unknown>;
}

/** The address of a resolved endpoint (lib/docker/endpoint.ts); ssh needs `viaClient`. */
export function addressOf(engine: EngineEndpoint, viaClient?: EngineAddress['viaClient']): EngineAddress {
  if (engine.socketPath !== undefined) return { socketPath: engine.socketPath };
  if (engine.protocol === 'ssh') return { ...(viaClient ? { viaClient } : {}) };
  return { host: engine.host!, port: engine.port!, ...(engine.tls ? { tls: engine.tls } : {}) };
}

interface EngineError extends Error {
  code?: string;
  statusCode?: number;
  json?: { message?: string } | null;
}

/** GET a JSON answer from the engine API (`path` like `/containers/json`). */
export function engineGet<T>(
  address: EngineAddress,
  path: string,
  query: Record<string, string> = {},
  timeoutMs = 30_000,
  headers: Readonly<Record<string, string>> = {},
): Promise<T> {
  if (address.viaClient) return address.viaClient(path, query) as Promise<T>;
  const qs = new URLSearchParams(query).toString();
  const tls = address.tls;
  const send = (options: RequestOptions, callback: (res: IncomingMessage) => void): ClientRequest =>
    tls
      ? tlsRequest(
          {
            ...options,
            ...(tls.ca ? { ca: tls.ca } : {}),
            ...(tls.cert ? { cert: tls.cert } : {}),
            ...(tls.key ? { key: tls.key } : {}),
            rejectUnauthorized: tls.verify,
          },
          callback,
        )
      : request(options, callback);
  return new Promise<T>((resolve, reject) => {
    const req = send(
      {
        ...(address.socketPath !== undefined ? { socketPath: address.socketPath } : { host: address.host, port: address.port }),
        path: qs ? `${path}?${qs}` : path,
        method: 'GET',
        headers: { Accept: 'application/json', ...headers },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = null;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            body = null;
          }
          const status = res.statusCode ?? 0;
          if (status >= 400) {
            const message = (body as { message?: string } | null)?.message ?? text;
            const err: EngineError = new Error(`(HTTP code ${status}) ${message}`);
            err.statusCode = status;
            err.json = { message };
            reject(err);
            return;
          }
          resolve(body as T);
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out talking to the engine'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}
