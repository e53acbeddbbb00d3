// The files-artifact builtins of the plan module: render_templates, upload_files,
// store_service_files, get_files_artifact.
import { Struct, fail, fromUtf8, optional, repr, toUnicode, typeName } from '../../starlark/index.js';
import { jsonDigest } from '../../util/hash.js';
import type { JsonValue } from '../../util/json.js';
import { toJsonData } from '../canonical.js';
import { description, dict, nonEmptyText, text, within, type Def, type PlanBuilder } from './common.js';

export function defineArtifactBuiltins(b: PlanBuilder, def: Def): void {
  const recorder = b.recorder;
  def('render_templates', { config: dict, name: optional(nonEmptyText), description }, (a, ctx) => {
    const entries: [string, JsonValue][] = [];
    for (const [k, v] of a.config.items()) {
      if (typeof k !== 'string') fail(`render_templates: config: key ${repr(k)} must be a string (a file path), got ${typeName(k)}`);
      const where = `config[${repr(k)}]`;
      if (!(v instanceof Struct)) fail(`render_templates: ${where} must be a struct(template=..., data=...), got ${typeName(v)}`);
      const template = v.field('template');
      const data = v.field('data');
      if (typeof template !== 'string') {
        fail(`render_templates: ${where}.template must be a string, got ${template === undefined ? 'nothing' : typeName(template)}`);
      }
      if (data === undefined) fail(`render_templates: ${where} has no 'data' field`);
      const digest = recorder.store(Buffer.from(template, 'latin1'));
      const json = within('render_templates', () => toJsonData(data, `${where}.data`));
      entries.push([toUnicode(k), { template: digest, data: json }]);
    }
    const filesArg: { [path: string]: JsonValue } = {};
    for (const [path, entry] of entries) filesArg[path] = entry;
    const name = a.name ?? recorder.generatedArtifactName(jsonDigest(filesArg));
    b.record('render_templates', { name, files: filesArg }, ctx.thread, {
      description: a.description ?? `Rendering a template to a files artifact with name '${name}'`,
      declares: { name, type: 'artifact' },
    });
    return fromUtf8(name);
  });

  def('upload_files', { src: nonEmptyText, name: optional(nonEmptyText), description }, (a, ctx) => {
    const tree = b.readTree('upload_files', a.src, ctx.thread);
    const manifest = b.manifest(tree);
    const digest = jsonDigest(manifest);
    const name = a.name ?? recorder.generatedArtifactName(digest);
    b.record('upload_files', { name, src: a.src, digest, files: manifest }, ctx.thread, {
      description: a.description ?? `Uploading file '${a.src}' to files artifact '${name}'`,
      declares: { name, type: 'artifact' },
    });
    return fromUtf8(name);
  });

  def('store_service_files', { service_name: text, src: text, name: optional(nonEmptyText), depends_on: optional(text), description }, (a, ctx) => {
    const name = a.name ?? recorder.generatedArtifactName(jsonDigest({ service_name: a.service_name, src: a.src }));
    b.record('store_service_files', { name, service_name: a.service_name, src: a.src }, ctx.thread, {
      description: a.description ?? `Storing files from service '${a.service_name}' at path '${a.src}' to files artifact with name '${name}'`,
      services: [a.service_name],
      declares: { name, type: 'artifact' },
    });
    return fromUtf8(name);
  });

  def('get_files_artifact', { name: nonEmptyText, description }, (a, ctx) => {
    b.record('get_files_artifact', { name: a.name }, ctx.thread, {
      description: a.description ?? `Fetching files artifact '${a.name}'`,
      artifacts: [a.name],
    });
    return fromUtf8(a.name);
  });
}
