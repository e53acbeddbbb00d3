// A minimal Docker Engine API client for the calls that carry JSON and nothing else:
// inspecting and listing, and creating, starting, stopping and removing containers,
// networks and volumes. Loading dockerode costs about 250 ms of start-up and CPU (it pulls
// in an SSH client, gRPC and their crypto), which would dominate a `plan`, a no-op `apply`
// or a `destroy`; these calls need nothing but node:http. dockerode stays for the
// streaming calls (pull, build, logs, exec, archives) and for ssh:// engines.
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
  /** For transports node:http cannot speak (ssh://): the call made through the full client. */
  readonly viaClient?: (call: EngineCall) => Promise<unknown>;
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

/** One engine API call: GET answers with what it holds; the others with 2xx or an error. */
export interface EngineCall {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Like `/containers/json`, without the query. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /** Sent as JSON (POST). */
  readonly body?: unknown;
  /** Default: 30 s for a GET, 5 minutes for the others. */
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** GET a JSON answer from the engine API (`path` like `/containers/json`). */
export function engineGet<T>(
  address: EngineAddress,
  path: string,
  query: Record<string, string> = {},
  timeoutMs = 30_000,
  headers: Readonly<Record<string, string>> = {},
): Promise<T> {
  return engineRequest<T>(address, { method: 'GET', path, query, timeoutMs, headers });
}

/**
 * Makes an engine API call and resolves with its JSON answer (null when it has none). An
 * answer outside 2xx rejects with its `statusCode` (GET accepts 304 as well, as dockerode
 * does): a start of a started container (304) or a removal of a removed one (404) is the
 * caller's to tolerate.
 */
export function engineRequest<T>(address: EngineAddress, call: EngineCall): Promise<T> {
  if (address.viaClient) return address.viaClient(call) as Promise<T>;
  const qs = new URLSearchParams(call.query ?? {}).toString();
  const tls = address.tls;
  const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
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
        path: qs ? `${call.path}?${qs}` : call.path,
        method: call.method,
        headers: {
          Accept: 'application/json',
          ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}),
          ...call.headers,
        },
        // Reads answer at once; a change (create, start, remove) can queue behind others on a busy engine.
        timeout: call.timeoutMs ?? (call.method === 'GET' ? 30_000 : 300_000),
        // Without TLS there is no server name to send; left unset, node:http's agent works
        // one out anyway, and its first net.isIP() compiles the IPv6 pattern: ~4 ms of
        // every command that asks the engine anything.
        ...(tls ? {} : { servername: '' }),
      } as RequestOptions,
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
          const ok = status >= 200 && (status < 300 || (call.method === 'GET' && status === 304));
          if (!ok) {
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
    req.end(payload);
  });
}
