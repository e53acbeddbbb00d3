// Files-artifact steps: upload_files, render_templates, store_service_files, and the
// deletion of an artifact the package dropped.
//
// An artifact is an uncompressed tar archive (what the runtime copies into containers)
// kept in the content-addressed blob store beside the state file; the state records its
// digest and size. Archives starform builds itself (uploads, rendered templates) are
// deterministic — sorted entries, fixed times and owners — so the same files give the
// same digest on every apply. Uploads and templates come from the plan file (embedded by
// digest), so applying never reads the package again.
import { packFiles, readArchive, type ArchiveFileInput } from '../../runtime/index.js';
import { argsOf, substituteDeep, type InstructionKind } from '../../instructions/index.js';
import { filesArtifactRecord, forgetStep, putFilesArtifact, removeFilesArtifact, type State } from '../../state/index.js';
import type { JsonValue } from '../../util/json.js';
import { serviceRef, type BaseContext, type StepContext, type StepHandler, type StepOutcome } from '../context.js';
import { StepFailure } from '../errors.js';

/** Stores an archive as files artifact `name`; the state change that records it. */
export async function storeArtifact(
  ctx: StepContext,
  name: string,
  archive: Uint8Array,
): Promise<{ change: (s: State) => State; result: JsonValue; size: number }> {
  const record = filesArtifactRecord(archive);
  await ctx.blobs.put(archive);
  return {
    change: (s) => putFilesArtifact(s, name, record),
    result: { content_hash: record.contentHash, size: record.size },
    size: record.size,
  };
}

function planFile(ctx: StepContext, digest: string, what: string): Uint8Array {
  const content = ctx.planFiles.get(digest);
  if (content === undefined) throw new StepFailure(`the plan file lacks the content of ${what} (${digest})`);
  return content;
}

function sizeText(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function uploadFiles(ctx: StepContext): Promise<StepOutcome> {
  const args = argsOf(ctx.instruction, 'upload_files');
  const files: ArchiveFileInput[] = args.files.map((f) => ({ path: f.path, content: planFile(ctx, f.digest, `'${f.path}'`) }));
  const stored = await storeArtifact(ctx, args.name, await packFiles(files));
  return {
    result: stored.result,
    change: stored.change,
    message: `files artifact '${args.name}': ${files.length} file${files.length === 1 ? '' : 's'}, ${sizeText(stored.size)}`,
  };
}

type RenderTemplate = (name: string, text: string, data: JsonValue) => string;
let engine: Promise<RenderTemplate> | undefined;

/** lib/template's renderTemplate (Go text/template), loaded when the first template is rendered. */
function templateEngine(): Promise<RenderTemplate> {
  engine ??= import('../../template/index.js').then((m) => m.renderTemplate);
  return engine;
}

async function renderTemplates(ctx: StepContext): Promise<StepOutcome> {
  const args = argsOf(ctx.instruction, 'render_templates');
  const render = await templateEngine();
  const files: ArchiveFileInput[] = [];
  for (const path of Object.keys(args.files).sort()) {
    const entry = args.files[path]!;
    const text = Buffer.from(planFile(ctx, entry.template, `the template for '${path}'`)).toString('utf8');
    const data = substituteDeep(entry.data, ctx.resolve);
    let content: string;
    try {
      content = render(path, text, data);
    } catch (err) {
      throw new StepFailure(`rendering '${path}': ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    files.push({ path: path.replace(/^\/+/, ''), content });
  }
  const stored = await storeArtifact(ctx, args.name, await packFiles(files));
  return {
    result: stored.result,
    change: stored.change,
    message: `files artifact '${args.name}': ${files.length} file${files.length === 1 ? '' : 's'} rendered, ${sizeText(stored.size)}`,
  };
}

/**
 * The archive of a path copied out of a container, as Kurtosis stores it: a directory
 * with its own name on top; `dir/*` the directory's content alone.
 */
export async function copyOut(fetch: (path: string) => Promise<Uint8Array>, src: string): Promise<Uint8Array> {
  if (!src.endsWith('/*')) return fetch(src);
  const dir = src.slice(0, -2) || '/';
  const archive = await fetch(dir);
  const entries = await readArchive(archive);
  const top = entries[0]?.path.split('/')[0] ?? '';
  const files: ArchiveFileInput[] = [];
  for (const e of entries) {
    if (e.type !== 'file' || !e.path.startsWith(`${top}/`)) continue;
    files.push({ path: e.path.slice(top.length + 1), content: e.content, mode: e.mode });
  }
  return packFiles(files);
}

async function storeServiceFiles(ctx: StepContext): Promise<StepOutcome> {
  const args = argsOf(ctx.instruction, 'store_service_files');
  const ref = serviceRef(ctx, args.service_name);
  const archive = await copyOut((path) => ctx.runtime.copyFromService(ref, path), args.src);
  const stored = await storeArtifact(ctx, args.name, archive);
  return {
    result: stored.result,
    change: stored.change,
    message: `files artifact '${args.name}' from ${args.service_name}:${args.src}, ${sizeText(stored.size)}`,
  };
}

/** The deletion of a files artifact the package no longer produces. */
export async function deleteDroppedArtifact(_ctx: BaseContext, stepId: string): Promise<StepOutcome> {
  const name = stepId.slice('artifact.'.length);
  return {
    result: null,
    message: 'deleted',
    record: false,
    change: (s) => forgetStep(removeFilesArtifact(s, name), stepId),
  };
}

/** The handlers of this family, by kind (handlers/index.ts gathers the families). */
export const ARTIFACT_HANDLERS = {
  render_templates: renderTemplates,
  upload_files: uploadFiles,
  store_service_files: storeServiceFiles,
} satisfies { readonly [K in InstructionKind]?: StepHandler };
