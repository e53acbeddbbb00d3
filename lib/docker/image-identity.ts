// Which image a tag names, locally and in its registry. A service runs the image its tag
// named when it was created; when the tag is rebuilt or re-pulled it names another, and
// the service still runs the old one (Kurtosis's issue 2665). The runtime's
// imageIdentity (docker-logs-exec.ts) says what a reference names now; `registryDigest`
// asks the engine's distribution endpoint what the registry has for it now, with the
// engine's own registry configuration (mirrors, insecure loopback registries,
// credentials), without pulling, through the light engine client (engine-http.ts):
// `plan` calls it and must not pay for dockerode.
import { engineMessage, pullError, type DockerodeError } from './docker-errors.js';
import { engineGet, type EngineAddress } from './engine-http.js';
import { RuntimeError } from '../runtime/index.js';
import type { ImageIdentity, RegistryAuth } from '../runtime/index.js';

interface DistributionInspect {
  readonly Descriptor?: { readonly digest?: string };
}

/** The digest the registry of `ref` has for it now (see the file comment). */
export async function registryDigest(address: EngineAddress, ref: string, auth?: RegistryAuth): Promise<string> {
  const headers: Record<string, string> = {};
  if (auth !== undefined) {
    const config = { username: auth.username, password: auth.password, ...(auth.serverAddress ? { serveraddress: auth.serverAddress } : {}) };
    headers['X-Registry-Auth'] = Buffer.from(JSON.stringify(config)).toString('base64url');
  }
  let info: DistributionInspect;
  try {
    info = await engineGet<DistributionInspect>(address, `/distribution/${encodeURIComponent(ref)}/json`, {}, 30_000, headers);
  } catch (err) {
    const e = err as DockerodeError;
    if (e.statusCode === undefined) throw err;
    const message = engineMessage(e);
    // pullError knows the engine's words for an unreachable registry and a missing image.
    const kind = pullError(ref, message, err).code;
    if (kind === 'registry-unreachable') throw new RuntimeError(kind, `its registry cannot be reached (${message})`, { cause: err });
    if (kind === 'image-not-found') throw new RuntimeError(kind, `its registry has no such image (${message})`, { cause: err });
    throw new RuntimeError(kind, `the registry could not be asked (${message})`, { cause: err });
  }
  const digest = info.Descriptor?.digest;
  if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new RuntimeError('engine-error', `the engine's answer about image '${ref}' names no digest`);
  }
  return digest;
}

/** The repository of a reference: `127.0.0.1:5000/team/app:1.2` → `127.0.0.1:5000/team/app` (Docker Hub names shortened as the engine does). */
export function repositoryOf(ref: string): string {
  let name = ref.split('@')[0]!;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) name = name.slice(0, colon);
  name = name.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  return name.replace(/^library\//, '');
}

/** The registry digest (sha256:…) an image is known by in the repository of `ref`, or null (built or tagged locally, never pushed or pulled). */
export function repoDigestFor(ref: string, identity: ImageIdentity): string | null {
  const repo = repositoryOf(ref);
  for (const entry of identity.repoDigests) {
    const at = entry.lastIndexOf('@');
    if (at > 0 && repositoryOf(entry.slice(0, at)) === repo) return entry.slice(at + 1);
  }
  return null;
}
