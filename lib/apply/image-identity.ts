// Image identity: which image a service really runs, and whether its tag still names it.
//
// A tag is a name, not an image: `app:latest` rebuilt, or re-pulled after a push, names
// another image, while the service keeps running the one it was created from (Kurtosis's
// issue 2665). So apply records in the state the image a service's container was created
// from — its id, and its registry digest when the engine knows one — and refresh compares
// that with what the tag names on the engine now. When they differ, the record gets an
// `imageChange` and the diff replaces the service, with the reason ("image tag X now names
// sha256:…, was sha256:…"). With `plan --pull`, refresh also asks the tag's registry for
// its current digest (without pulling): when the registry has another image, the replace
// says so, and its change in the plan carries `pullImage`, so that apply pulls the tag
// before it replaces the service. Images built from the package (ImageBuildSpec) have no
// registry; --pull leaves them to the local check.
import type { ImageIdentity, RegistryAuth, Runtime } from '../docker/index.js';
import { repoDigestFor } from '../docker/index.js';
import type { ImageJson, ServiceConfigJson } from '../instructions/index.js';
import { putService, type ServiceImage, type State } from '../state/index.js';
import { UserError, bulletList } from '../util/errors.js';
import { registryAuth } from './images.js';

/** The tag a service's image is pulled or built as; undefined for images starform cannot run (Nix). */
export function imageTag(image: ImageJson): string | undefined {
  if (image.type === 'image' || image.type === 'registry') return image.image;
  if (image.type === 'build') return image.image_name;
  return undefined;
}

/** The image a service's canonical configuration names. */
export function serviceImageTag(config: unknown): { tag: string; image: ImageJson } | undefined {
  const image = (config as { config?: ServiceConfigJson } | null)?.config?.image;
  if (image === undefined || image === null || typeof image !== 'object') return undefined;
  const tag = imageTag(image);
  return tag === undefined ? undefined : { tag, image };
}

/** What to record for a container created from image `imageId` under tag `tag` (undefined when the engine cannot say). */
export async function recordedImage(runtime: Runtime, tag: string, imageId: string | undefined): Promise<ServiceImage | undefined> {
  if (imageId === undefined || imageId === '') return undefined;
  const identity = await runtime.imageIdentity(imageId).catch(() => undefined);
  return { id: imageId, digest: identity === undefined ? null : repoDigestFor(tag, identity) };
}

/** sha256:abcdef012345… — the first 12 hex digits, as docker prints image ids. */
export function shortDigest(digest: string): string {
  return digest.startsWith('sha256:') ? `sha256:${digest.slice(7, 19)}` : digest.slice(0, 19);
}

export interface ImageCheckOptions {
  /** Ask the registries for the tags' current digests too (plan --pull). */
  readonly pull?: boolean;
}

/**
 * The state with an `imageChange` on every service whose tag now names another image
 * (see the file comment). One engine request per distinct tag (and one registry question
 * per pulled tag with --pull), all at once. With --pull, images whose registry cannot
 * be asked fail the check with one UserError naming each.
 */
export async function checkImages(state: State, runtime: Runtime, options: ImageCheckOptions = {}): Promise<State> {
  const services = [...state.services].filter(([, r]) => r.image !== undefined || options.pull === true);
  const tags = new Map<string, { image: ImageJson; services: string[] }>();
  for (const [name, record] of services) {
    const found = serviceImageTag(record.config);
    if (found === undefined) continue;
    const entry = tags.get(found.tag) ?? { image: found.image, services: [] };
    entry.services.push(name);
    tags.set(found.tag, entry);
  }
  const local = new Map<string, ImageIdentity | undefined>();
  const remote = new Map<string, string>();
  const problems: string[] = [];
  await Promise.all(
    [...tags].map(async ([tag, { image, services: users }]) => {
      local.set(tag, await runtime.imageIdentity(tag));
      if (options.pull !== true || image.type === 'build' || runtime.registryDigest === undefined) return;
      try {
        const auth: RegistryAuth | undefined = image.type === 'registry' ? registryAuth(image).auth : undefined;
        remote.set(tag, await runtime.registryDigest(tag, auth));
      } catch (err) {
        problems.push(
          `image '${tag}' (service${users.length === 1 ? '' : 's'} ${users.map((u) => `'${u}'`).join(', ')}): ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }),
  );
  if (problems.length > 0) {
    problems.sort();
    throw new UserError(
      problems.length === 1 ? `plan --pull cannot check ${problems[0]!}` : `plan --pull cannot check ${problems.length} images:\n${bulletList(problems)}`,
      { hint: 'Without --pull, plan compares the services with the images the engine has.' },
    );
  }
  let next = state;
  for (const [name, record] of services) {
    const found = serviceImageTag(record.config);
    if (found === undefined) continue;
    const now = local.get(found.tag);
    const registry = remote.get(found.tag);
    const runs = record.image;
    if (registry !== undefined && registry !== runs?.digest) {
      const was =
        runs === undefined
          ? 'the service runs an image starform did not record'
          : runs.digest !== null
            ? `the service runs ${shortDigest(runs.digest)}`
            : `the service runs ${shortDigest(runs.id)}, which is not from the registry`;
      next = putService(next, name, {
        ...record,
        imageChange: { reason: `registry has ${shortDigest(registry)} for image tag ${found.tag}; ${was}`, pull: true },
      });
    } else if (runs !== undefined && now !== undefined && now.id !== runs.id) {
      next = putService(next, name, {
        ...record,
        imageChange: { reason: `image tag ${found.tag} now names ${shortDigest(now.id)}, was ${shortDigest(runs.id)}`, pull: false },
      });
    }
  }
  return next;
}
