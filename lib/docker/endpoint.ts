// Which Docker Engine to talk to, resolved as the docker CLI resolves it:
//   1. DOCKER_HOST (unix://, tcp:// with DOCKER_TLS_VERIFY / DOCKER_CERT_PATH / DOCKER_TLS,
//      ssh://[user@]host[:port]);
//   2. else the context named by DOCKER_CONTEXT, else config.json's currentContext, read
//      from $DOCKER_CONFIG (default ~/.docker): contexts/meta/<sha256(name)>/meta.json gives
//      the endpoint, contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem its TLS material;
//      the context "default" means the local socket;
//   3. else the local socket (~/.docker/run/docker.sock when present, /var/run/docker.sock).
// An ssh:// engine is reached as the docker CLI reaches it (`docker system dial-stdio` run
// over ssh), authenticating with the ssh agent or a default identity file (sshAuth).
// The result also says at which host published ports are reached: the engine's own host
// for a remote engine, loopback for a local one (docs/decisions.md).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RuntimeError } from '../runtime/index.js';

export interface EngineTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** False only with DOCKER_TLS set and DOCKER_TLS_VERIFY unset, or a context's SkipTLSVerify. */
  readonly verify: boolean;
}

export interface EngineEndpoint {
  /** For messages: `unix:///var/run/docker.sock`, `tcp://host:2376`, `ssh://user@host`. */
  readonly endpoint: string;
  readonly socketPath?: string;
  readonly protocol?: 'http' | 'https' | 'ssh';
  readonly host?: string;
  readonly port?: number;
  readonly username?: string;
  readonly tls?: EngineTls;
  /** The host published ports are reached at from this machine. */
  readonly publishedHost: string;
  /** Whether the engine runs on this machine (its container addresses are routable here). */
  readonly local: boolean;
  /** Where the choice came from, for messages: "DOCKER_HOST", "context 'x'", "default". */
  readonly source: string;
}

export interface ResolveOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly home?: string;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function readIfPresent(path: string): Buffer | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}

function fail(message: string, source: string): never {
  throw new RuntimeError('engine-unreachable', `${message} (from ${source})`);
}

/** An endpoint from a host URL as DOCKER_HOST or a context's Host gives it. */
export function parseHost(host: string, tls: EngineTls | undefined, source: string): EngineEndpoint {
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    if (socketPath === '') fail(`'${host}' names no socket`, source);
    return { endpoint: host, socketPath, publishedHost: '127.0.0.1', local: true, source };
  }
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    fail(`'${host}' is not an engine address (unix://PATH, tcp://HOST:PORT or ssh://[USER@]HOST)`, source);
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol === 'tcp:' || url.protocol === 'http:' || url.protocol === 'https:') {
    const secure = tls !== undefined || url.protocol === 'https:';
    const port = Number(url.port || (secure ? 2376 : 2375));
    return {
      endpoint: `tcp://${url.host.includes(':') || url.port ? url.host : `${url.host}:${port}`}`,
      protocol: secure ? 'https' : 'http',
      host: hostname,
      port,
      ...(secure ? { tls: tls ?? { verify: true } } : {}),
      publishedHost: isLoopback(hostname) ? '127.0.0.1' : hostname,
      local: isLoopback(hostname),
      source,
    };
  }
  if (url.protocol === 'ssh:') {
    return {
      endpoint: `ssh://${url.username ? `${url.username}@` : ''}${url.host}`,
      protocol: 'ssh',
      host: hostname,
      port: Number(url.port || 22),
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      publishedHost: isLoopback(hostname) ? '127.0.0.1' : hostname,
      local: isLoopback(hostname),
      source,
    };
  }
  fail(`'${host}': unsupported scheme ${url.protocol} (use unix://, tcp:// or ssh://)`, source);
}

function envTls(env: NodeJS.ProcessEnv, home: string): EngineTls | undefined {
  const verify = (env['DOCKER_TLS_VERIFY'] ?? '') !== '';
  const tls = verify || (env['DOCKER_TLS'] ?? '') !== '';
  if (!tls) return undefined;
  const dir = env['DOCKER_CERT_PATH'] || join(env['DOCKER_CONFIG'] || join(home, '.docker'));
  const files = { ca: readIfPresent(join(dir, 'ca.pem')), cert: readIfPresent(join(dir, 'cert.pem')), key: readIfPresent(join(dir, 'key.pem')) };
  if (verify && files.ca === undefined) fail(`DOCKER_TLS_VERIFY is set but ${join(dir, 'ca.pem')} does not exist`, 'DOCKER_CERT_PATH');
  return { ...stripUndefined(files), verify };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

interface ContextMeta {
  Name?: string;
  Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
}

function fromContext(name: string, configDir: string): EngineEndpoint | undefined {
  if (name === 'default') return undefined;
  const source = `Docker context '${name}'`;
  const id = createHash('sha256').update(name).digest('hex');
  const metaPath = join(configDir, 'contexts', 'meta', id, 'meta.json');
  if (!existsSync(metaPath)) fail(`there is no Docker context named '${name}' (no ${metaPath})`, source);
  let meta: ContextMeta;
  try {
    meta = JSON.parse(readFileSync(metaPath, 'utf8')) as ContextMeta;
  } catch (err) {
    fail(`${metaPath} is not valid JSON: ${(err as Error).message}`, source);
  }
  const docker = meta.Endpoints?.docker;
  if (!docker?.Host) fail(`${metaPath} names no docker endpoint (Endpoints.docker.Host)`, source);
  const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
  const files = stripUndefined({
    ca: readIfPresent(join(tlsDir, 'ca.pem')),
    cert: readIfPresent(join(tlsDir, 'cert.pem')),
    key: readIfPresent(join(tlsDir, 'key.pem')),
  });
  const hasTls = Object.keys(files).length > 0;
  const tls = hasTls || docker.SkipTLSVerify ? { ...files, verify: docker.SkipTLSVerify !== true } : undefined;
  return parseHost(docker.Host, tls, source);
}

function defaultSocket(home: string): EngineEndpoint {
  const userSocket = join(home, '.docker', 'run', 'docker.sock');
  const socketPath = existsSync(userSocket) ? userSocket : '/var/run/docker.sock';
  return { endpoint: `unix://${socketPath}`, socketPath, publishedHost: '127.0.0.1', local: true, source: 'default' };
}

/** The engine the environment names, as the docker CLI would pick it. */
export function resolveEngine(options: ResolveOptions = {}): EngineEndpoint {
  const env = options.env ?? process.env;
  const home = options.home ?? homedir();
  const dockerHost = env['DOCKER_HOST'];
  if (dockerHost) return parseHost(dockerHost, dockerHost.startsWith('unix://') ? undefined : envTls(env, home), 'DOCKER_HOST');
  const configDir = env['DOCKER_CONFIG'] || join(home, '.docker');
  let context = env['DOCKER_CONTEXT'];
  if (!context) {
    const config = readIfPresent(join(configDir, 'config.json'));
    if (config) {
      try {
        context = (JSON.parse(config.toString('utf8')) as { currentContext?: string }).currentContext;
      } catch {
        context = undefined;
      }
    }
  }
  return (context ? fromContext(context, configDir) : undefined) ?? defaultSocket(home);
}

/** Identity files ssh tries by default, in its order (unencrypted ones only are usable here). */
const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/**
 * How an ssh:// engine authenticates, as ssh would: the agent SSH_AUTH_SOCK names, else the
 * first default identity file of ~/.ssh that holds an unencrypted private key.
 * (ssh2 speaks the protocol; it reads neither ~/.ssh/config nor known_hosts.)
 */
export function sshAuth(env: NodeJS.ProcessEnv, home: string): Record<string, unknown> {
  if (env['SSH_AUTH_SOCK']) return { agent: env['SSH_AUTH_SOCK'] };
  for (const name of DEFAULT_IDENTITIES) {
    const key = readIfPresent(join(home, '.ssh', name));
    if (key !== undefined && !/ENCRYPTED|Proc-Type: 4,ENCRYPTED/.test(key.toString('utf8')) && !isEncryptedOpenSsh(key)) return { privateKey: key };
  }
  return {};
}

/** An OpenSSH-format private key protected by a passphrase (its cipher name is not "none"). */
function isEncryptedOpenSsh(key: Buffer): boolean {
  const text = key.toString('utf8');
  const match = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!match) return false;
  const body = Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
  // "openssh-key-v1\0", then a length-prefixed cipher name.
  const offset = 'openssh-key-v1'.length + 1;
  if (body.length < offset + 4) return false;
  const length = body.readUInt32BE(offset);
  return body.subarray(offset + 4, offset + 4 + length).toString('latin1') !== 'none';
}

let sshWarningQuiet = false;

/**
 * docker-modem formats every ssh request's address as "ssh:HOST:PORT/path", which Node
 * warns about (DEP0170) on each request: that one warning is dropped, all others pass.
 */
function quietSshUrlWarning(): void {
  if (sshWarningQuiet) return;
  sshWarningQuiet = true;
  const original = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
    if (code === 'DEP0170' && /^The URL ssh:/.test(text)) return;
    (original as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}

/** dockerode's options for an endpoint. */
export function dockerodeOptions(e: EngineEndpoint): Record<string, unknown> {
  if (e.socketPath !== undefined) return { socketPath: e.socketPath };
  if (e.protocol === 'ssh') {
    quietSshUrlWarning();
    return {
      protocol: 'ssh',
      host: e.host,
      port: e.port,
      ...(e.username ? { username: e.username } : {}),
      sshOptions: sshAuth(process.env, homedir()),
    };
  }
  return {
    protocol: e.protocol,
    host: e.host,
    port: e.port,
    ...(e.tls?.ca ? { ca: e.tls.ca } : {}),
    ...(e.tls?.cert ? { cert: e.tls.cert } : {}),
    ...(e.tls?.key ? { key: e.tls.key } : {}),
  };
}
