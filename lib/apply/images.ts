// The images an apply needs, made available before its first step (the multi-phase
// promise: nothing starts when an image is missing). Every service to create or replace
// and every task to run names an image: a reference pulled when the engine lacks it, or
// an ImageBuildSpec built from the build context the plan file embeds (written to a
// temporary directory for the engine). The runtime pulls and builds several at a time;
// any image that cannot be had fails the apply with the position of the first
// instruction that needs it, before anything changed. Aborting `signal` (a second Ctrl-C)
// ends the pulls and builds in progress: the apply fails as interrupted, before anything
// changed (ImagesInterrupted).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ImageRequest, Runtime } from '../runtime/index.js';
import { isOfKind, type ImageJson } from '../instructions/index.js';
import { bulletList } from '../util/errors.js';
import { ApplyError } from './errors.js';
import type { ApplyEvent, ImageAction } from './events.js';
import type { WorkItem } from './graph.js';
import { ImageProgressTracker, type ProgressTimings } from './image-progress.js';

export interface ImageNeed {
  readonly ref: string;
  readonly image: ImageJson;
  /** The first step that needs it (for the error position). */
  readonly item: WorkItem;
}

function imageOf(item: WorkItem): ImageJson | undefined {
  const ins = item.instruction;
  if (ins === undefined || item.action === 'delete') return undefined;
  if (isOfKind(ins, 'add_service')) return ins.args.binding !== undefined ? undefined : ins.args.config.image; // bound: nothing is created
  if (isOfKind(ins, 'run_sh', 'run_python')) return ins.args.image;
  return undefined;
}

/** The images the steps need, one entry per reference, in step order. */
export function imagesNeeded(items: readonly WorkItem[]): ImageNeed[] {
  const seen = new Map<string, ImageNeed>();
  for (const item of items) {
    const image = imageOf(item);
    if (image === undefined) continue;
    const ref = image.type === 'build' || image.type === 'nix' ? image.image_name : image.image;
    const first = seen.get(ref);
    if (first === undefined) seen.set(ref, { ref, image, item });
    // Credentials given anywhere for this image are used for its pull.
    else if (hasCredentials(image) && !hasCredentials(first.image)) seen.set(ref, { ...first, image });
  }
  return [...seen.values()];
}

function where(item: WorkItem): string {
  const p = item.instruction?.position;
  return p ? `${p.file}:${p.line}:${p.col}` : item.stepId;
}

export interface ImageProgressOptions {
  /** Tags to pull even when the engine has them: their registry has a newer image (plan --pull). */
  readonly pull?: ReadonlySet<string>;
  /** Where the pulls' and builds' progress goes (image_progress events). */
  readonly onProgress?: (event: ApplyEvent) => void;
  readonly timings?: ProgressTimings;
  /** Aborting ends the pulls and builds in progress; prepareImages then throws ImagesInterrupted. */
  readonly signal?: AbortSignal;
}

/** The images could not all be had because `signal` aborted their pulls or builds. */
export class ImagesInterrupted extends ApplyError {
  constructor(
    /** What each aborted pull or build said ("pulling image 'x' was interrupted: ..."). */
    readonly aborted: readonly string[],
    stepId: string,
    position: ConstructorParameters<typeof ApplyError>[2],
  ) {
    super(aborted.join('; '), stepId, position);
    this.name = 'ImagesInterrupted';
  }
}

/** Pulls or builds every image that is missing; throws one ApplyError for all that cannot be had. */
export async function prepareImages(
  runtime: Runtime,
  needs: readonly ImageNeed[],
  planFiles: ReadonlyMap<string, Uint8Array>,
  onImage: (ref: string, action: ImageAction, durationMs: number) => void,
  options: ImageProgressOptions = {},
): Promise<void> {
  if (needs.length === 0) return;
  const unsupported = needs.filter((n) => n.image.type === 'nix');
  if (unsupported.length > 0) {
    const first = unsupported[0]!;
    throw new ApplyError(
      `NixBuildSpec images are not supported by starform (image '${first.ref}', ${first.item.stepId})`,
      first.item.stepId,
      first.item.instruction?.position,
    );
  }
  const contexts: string[] = [];
  const trackers: ImageProgressTracker[] = [];
  const progress = (ref: string, operation: 'pull' | 'build'): Pick<ImageRequest, 'onProgress'> => {
    if (options.onProgress === undefined) return {};
    const tracker = new ImageProgressTracker(ref, operation, options.onProgress, options.timings);
    trackers.push(tracker);
    return { onProgress: (p) => tracker.report(p) };
  };
  try {
    const requests: ImageRequest[] = [];
    for (const need of needs) {
      const image = need.image;
      if (image.type !== 'build') {
        requests.push({
          ref: need.ref,
          pull: options.pull?.has(need.ref) === true ? 'always' : 'if-missing',
          ...(image.type === 'registry' ? registryAuth(image) : {}),
          ...progress(need.ref, 'pull'),
          ...(options.signal !== undefined ? { signal: options.signal } : {}),
        });
        continue;
      }
      const dir = await mkdtemp(join(tmpdir(), 'starform-build-'));
      contexts.push(dir);
      for (const file of image.context?.files ?? []) {
        const content = planFiles.get(file.digest);
        if (content === undefined) {
          throw new ApplyError(
            `the plan file lacks '${file.path}' of the build context of image '${need.ref}'`,
            need.item.stepId,
            need.item.instruction?.position,
          );
        }
        const path = join(dir, file.path);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, content);
      }
      requests.push({
        ref: need.ref,
        build: {
          contextDir: dir,
          dockerfile: image.build_file,
          ...(image.target_stage !== '' ? { targetStage: image.target_stage } : {}),
          ...(Object.keys(image.build_args).length > 0 ? { buildArgs: { ...image.build_args } } : {}),
        },
        ...progress(need.ref, 'build'),
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
      });
    }
    const started = Date.now();
    const outcomes = await runtime.ensureImages(requests);
    const problems: string[] = [];
    let firstFailed: ImageNeed | undefined;
    outcomes.forEach((o, i) => {
      const need = needs[i]!;
      if (o.ok) onImage(o.ref, o.action, Date.now() - started);
      else {
        firstFailed ??= need;
        problems.push(`${where(need.item)}: ${o.error.message}`);
      }
    });
    if (firstFailed !== undefined && options.signal?.aborted === true) {
      const failed = outcomes.flatMap((o) => (o.ok ? [] : [o.error.message]));
      throw new ImagesInterrupted(failed, firstFailed.item.stepId, firstFailed.item.instruction?.position);
    }
    if (firstFailed !== undefined) {
      const detail =
        problems.length === 1
          ? `${problems[0]!.slice(where(firstFailed.item).length + 2)}`
          : `${problems.length} images cannot be had:\n${bulletList(problems)}`;
      throw new ApplyError(`${detail}\nNothing was changed.`, firstFailed.item.stepId, firstFailed.item.instruction?.position);
    }
  } finally {
    for (const t of trackers) t.stop();
    await Promise.all(contexts.map((d) => rm(d, { recursive: true, force: true })));
  }
}

function hasCredentials(image: ImageJson): boolean {
  return image.type === 'registry' && (image.username !== null || image.password !== null);
}

/**
 * The credentials of an ImageSpec, for the pull. Kurtosis's `registry` is a URL
 * (`http://hub.docker.com` in its docs); the engine wants the registry's host name.
 */
export function registryAuth(image: Extract<ImageJson, { type: 'registry' }>): Pick<ImageRequest, 'auth'> {
  if (image.username === null && image.password === null) return {};
  const server = image.registry === null ? '' : image.registry.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
  return {
    auth: {
      username: image.username ?? '',
      password: image.password ?? '',
      ...(server !== '' && server !== 'hub.docker.com' ? { serverAddress: server } : {}),
    },
  };
}
