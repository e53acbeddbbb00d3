// Turning what dockerode throws into RuntimeErrors a user can act on. dockerode reports
// two kinds of failure: socket errors (no `statusCode`, a Node `code` such as ENOENT or
// ECONNREFUSED) when the engine cannot be reached, and HTTP errors from the engine with
// its message in `json.message`. The engine's wording is the only signal for several
// conditions (a taken port, a missing image in a registry, an unreachable registry), so
// those are recognised by pattern here, in one place, with the raw message kept as cause.

import { RuntimeError } from '../runtime/index.js';

/** The shape of errors coming out of dockerode / docker-modem. */
export interface DockerodeError {
  readonly message: string;
  readonly statusCode?: number;
  readonly code?: string;
  readonly json?: { readonly message?: string } | null;
}

export function asDockerodeError(err: unknown): DockerodeError {
  if (err && typeof err === 'object' && 'message' in err) return err as DockerodeError;
  return { message: String(err) };
}

/** The engine's own message, without docker-modem's "(HTTP code 500) server error - " prefix. */
export function engineMessage(err: DockerodeError): string {
  const fromJson = err.json?.message;
  if (typeof fromJson === 'string' && fromJson.trim() !== '') return fromJson.trim();
  return err.message.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '').trim();
}

const SOCKET_CODES: Readonly<Record<string, string>> = {
  ENOENT: 'no such socket',
  ECONNREFUSED: 'connection refused',
  EACCES: "permission denied (run as root or join the 'docker' group)",
  EPERM: 'operation not permitted',
  ENOTSOCK: 'not a socket',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENOTFOUND: 'host not found',
  EPIPE: 'connection closed',
};

export function isUnreachable(err: DockerodeError): boolean {
  return (err.statusCode === undefined && err.code !== undefined && err.code in SOCKET_CODES) || sshLevel(err) !== undefined;
}

/** ssh2's errors (an ssh:// engine) say at which level the connection failed: "client-authentication", "client-socket"... */
function sshLevel(err: DockerodeError): string | undefined {
  const level = (err as { level?: unknown }).level;
  return typeof level === 'string' && level.startsWith('client-') ? level : undefined;
}

export function unreachableError(endpoint: string, cause: unknown, reason?: string): RuntimeError {
  const code = asDockerodeError(cause).code;
  const why = reason ?? (code !== undefined ? SOCKET_CODES[code] : undefined) ?? asDockerodeError(cause).message;
  if (sshLevel(asDockerodeError(cause)) === 'client-authentication') {
    return new RuntimeError(
      'engine-unreachable',
      `cannot log in to the Docker Engine at ${endpoint}: ${why}. ` +
        '(load the key into the ssh agent SSH_AUTH_SOCK names, or keep it unencrypted at ~/.ssh/id_ed25519, id_ecdsa or id_rsa)',
      { cause },
    );
  }
  return new RuntimeError(
    'engine-unreachable',
    `cannot reach the Docker Engine at ${endpoint}: ${why}. Is the Docker daemon running? ` + `(start dockerd, or set DOCKER_HOST to a running engine)`,
    { cause },
  );
}

/** The host port named in a "port is already allocated" / "address already in use" message. */
export function portInUse(err: DockerodeError): number | undefined {
  const msg = engineMessage(err);
  if (!/port is already allocated|address already in use/i.test(msg)) return undefined;
  const match = /(?:Bind for|listen \w+)\s+\S*?:(\d+)/.exec(msg) ?? /:(\d+)(?:\s|:|$)/.exec(msg);
  return match ? Number(match[1]) : 0;
}

const NOT_FOUND_RE = /manifest unknown|not found|repository does not exist|pull access denied|no such image|name unknown/i;
const NETWORK_RE =
  /dial tcp|lookup |no such host|connection refused|i\/o timeout|TLS handshake|network is unreachable|Client\.Timeout|server misbehaving|connection reset|EOF$/i;

/** Classifies a failed pull (whether it failed on the request or inside the progress stream). */
export function pullError(ref: string, message: string, cause?: unknown): RuntimeError {
  if (NETWORK_RE.test(message)) {
    return new RuntimeError(
      'registry-unreachable',
      `cannot pull image '${ref}': its registry cannot be reached (${message}). ` + `Build or load the image locally, or check the network`,
      { cause },
    );
  }
  if (NOT_FOUND_RE.test(message)) {
    return new RuntimeError('image-not-found', `image '${ref}' was not found in its registry (${message})`, { cause });
  }
  return new RuntimeError('engine-error', `pulling image '${ref}' failed: ${message}`, { cause });
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * A TLS mismatch with a tcp:// engine, as one message naming the endpoint and the fix:
 * plain HTTP sent to a TLS port, or a handshake the certificates do not pass.
 */
export function tlsError(endpoint: string, cause: unknown): RuntimeError | undefined {
  const err = asDockerodeError(cause);
  const fix = 'set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to a directory with its ca.pem, cert.pem and key.pem, or use a Docker context that has them';
  if (/HTTP request to an HTTPS server/i.test(engineMessage(err))) {
    return new RuntimeError('engine-unreachable', `the Docker Engine at ${endpoint} expects TLS: ${fix}`, { cause });
  }
  if (err.statusCode === undefined && (/CERT|SSL|TLS|SELF_SIGNED|VERIFY/.test(err.code ?? '') || /certificate|handshake|ssl|tls/i.test(err.message))) {
    return new RuntimeError('engine-unreachable', `the TLS connection to the Docker Engine at ${endpoint} failed (${err.message}): ${fix}`, { cause });
  }
  return undefined;
}
