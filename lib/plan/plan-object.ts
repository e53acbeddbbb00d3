// The `plan` object of a Kurtosis package (docs/kurtosis-api.md §2): a module whose
// members record instructions in a Recorder and return what Kurtosis returns at
// interpretation time — concrete where the value is known now (service names and
// hostnames, declared ports, artifact names, "docker"), future references
// (`{{starform:<step>.<field>}}`) where it only exists once the step has run.
//
// Each instruction's arguments are stored in canonical JSON (types.ts: defaults filled,
// aliases folded, durations normalised) — plain data holding everything `apply` needs and
// nothing Starlark. File contents are stored by digest in the recorder (uploads as a
// sorted manifest of {path, digest}, templates, build contexts). Choices that differ from
// Kurtosis, all for deterministic, reviewable plans:
//   * add_services records one add_service per service (step `service.<name>`), so that
//     the diff and apply treat each service on its own; the description, when given,
//     labels each of them.
//   * set_service merges into the config of the add_service recorded for that name, by
//     rewriting that instruction's arguments (Kurtosis merges at execution time); the diff
//     then sees the merged configuration as the service's configuration.
//   * artifact names the package omits are derived from content (`files-<12 hex>`, then
//     `-2`, `-3`... when taken), and task names (`task-<12 hex>`) from the task's
//     arguments — never random, so the same package gives the same plan.
//   * the global print() records a print step (Kurtosis rejects it): see globalPrint.
//
// Canonical arguments per kind (model.ts's `args`):
//   add_service       {name, config: ServiceConfigJson}     (ImageBuildSpec: + image.context)
//   get_service / remove_service / start_service / stop_service / get_files_artifact  {name}
//   get_services, get_cluster_type  {}
//   set_service       {name, config}                        (the set_service's own config)
//   exec / request    {service_name, recipe, acceptable_codes, skip_code_check}
//   wait              {service_name, recipe, field, assertion, target_value, target_type, interval, timeout}
//   verify            {value, assertion, target_value, target_type}
//   print             {msg}
//   render_templates  {name, files: {path: {template: digest, data: JSON}}}
//   upload_files      {name, src, digest, files: [{path, digest}]}
//   store_service_files {name, service_name, src}
//   run_sh            {name, run, image, files, store: [{src, name}], env_vars, wait, acceptable_codes,
//                      skip_code_check, node_selectors, tolerations}
//   run_python        like run_sh without env_vars, plus args and packages
import { posix } from 'node:path';
import {
  ArgError,
  type Builtin,
  Dict,
  EvalError,
  List,
  Module,
  Struct,
  defineBuiltin,
  fail,
  fromUtf8,
  optional,
  repr,
  str,
  toUnicode,
  typeName,
  withDefault,
  type ArgType,
  type Thread,
  type Value,
} from '../starlark/index.js';
import { UserError } from '../util/errors.js';
import { jsonDigest } from '../util/hash.js';
import type { JsonObject, JsonValue } from '../util/json.js';
import type { PackageFiles, PackageTree } from './host.js';
import { futureReference, imageName, mountedArtifacts, PRIVILEGED_BIND_MOUNT_PATHS, privilegedFeatures, type ContextJson, type ImageJson, type Instruction, type PrivilegedSettings, type RecipeJson, type ServiceConfigJson, type StoreSpecJson, type TolerationJson } from '../instructions/index.js';
import { callerModule, type Recorder } from './recorder.js';
import { checkEnvVars } from './env-names.js';
import { bindingJson, bindingOf, describeBinding, overrideConfig, type OverrideSpec } from './override.js';
import { checkAssertion, comparisonTarget, normalizeDuration, toJsonData } from './canonical.js';
import { intList, isKurtosis, mergeServiceConfig, stringList, stringMap, type KurtosisTypeName, type KurtosisValue } from './types.js';

// ---- argument types ------------------------------------------------------------------------------

const isStr = (v: Value): boolean => typeof v === 'string';

/** A string as Unicode text, which must not be empty. */
const nonEmptyText: ArgType<string> = {
  want: 'string',
  accepts: isStr,
  convert: (v) => {
    if ((v as string).length === 0) throw new ArgError('must be a non-empty string');
    return toUnicode(v as string);
  },
};

const text: ArgType<string> = { want: 'string', accepts: isStr, convert: (v) => toUnicode(v as string) };

function kurtosis(...kinds: KurtosisTypeName[]): ArgType<KurtosisValue> {
  return { want: kinds.join(' or '), accepts: (v) => isKurtosis(v, ...kinds), convert: (v) => v as KurtosisValue };
}

const list: ArgType<List> = { want: 'list', accepts: (v) => v instanceof List, convert: (v) => v as List };
const dict: ArgType<Dict> = { want: 'dict', accepts: (v) => v instanceof Dict, convert: (v) => v as Dict };
const bool: ArgType<boolean> = { want: 'bool', accepts: (v) => typeof v === 'boolean', convert: (v) => v as boolean };
const anyValue: ArgType<Value> = { want: 'value', accepts: () => true, convert: (v) => v };
const durationOrNone: ArgType<string | null> = {
  want: 'string or NoneType',
  accepts: (v) => v === null || isStr(v),
  convert: (v) => (v === null ? null : toUnicode(v as string)),
};

const description = optional(nonEmptyText);

const EXEC_RECIPE = kurtosis('ExecRecipe');
const HTTP_RECIPE = kurtosis('GetHttpRequestRecipe', 'PostHttpRequestRecipe');
const ANY_RECIPE = kurtosis('ExecRecipe', 'GetHttpRequestRecipe', 'PostHttpRequestRecipe');
const SERVICE_CONFIG = kurtosis('ServiceConfig');
const TASK_IMAGE: ArgType<Value> = {
  want: 'string or ImageBuildSpec or ImageSpec or NixBuildSpec',
  accepts: (v) => isStr(v) || isKurtosis(v, 'ImageBuildSpec', 'ImageSpec', 'NixBuildSpec'),
  convert: (v) => v,
};

/** run_sh's bind_mounts: checked as ServiceConfig's are (types.ts). */
const BIND_MOUNTS: ArgType<Dict> = {
  want: 'dict',
  accepts: (v) => v instanceof Dict,
  convert: (v) => {
    for (const [k, x] of (v as Dict).items()) {
      if (typeof k !== 'string' || typeof x !== 'string') throw new ArgError(`'bind_mounts' must be a dict[str, str], got the entry ${repr(k)}: ${repr(x)}`);
      const hostPath = toUnicode(k);
      if (!PRIVILEGED_BIND_MOUNT_PATHS.includes(hostPath)) {
        throw new ArgError(`host path ${JSON.stringify(hostPath)} is not permitted; only the following host paths are allowed: ${PRIVILEGED_BIND_MOUNT_PATHS.join(', ')}`);
      }
    }
    return v as Dict;
  },
};

const DEFAULT_HTTP_CODES = [200, 201, 202, 203, 204, 205, 206, 207, 208, 226];

// ---- helpers -------------------------------------------------------------------------------------

/** Runs a conversion inside builtin `fn`: its errors become Starlark errors prefixed by `fn`. */
function within<T>(fn: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof EvalError && e.callStack.length === 0) throw new EvalError(`${fn}: ${e.msg}`);
    if (e instanceof UserError) throw new EvalError(fromUtf8(`${fn}: ${e.detail}`));
    throw e;
  }
}

/** A message for the user, with Unicode text in it, as a Starlark error message. */
function failText(message: string): never {
  throw new EvalError(fromUtf8(message));
}

function refsDict(stepId: string, fields: readonly string[]): Dict {
  const d = new Dict();
  for (const field of fields) d.setUnchecked(fromUtf8(field), fromUtf8(futureReference(stepId, field)));
  d.freeze();
  return d;
}

function recipeFields(recipe: RecipeJson): string[] {
  const out = recipe.type === 'exec' ? ['code', 'output'] : ['code', 'body'];
  for (const k of Object.keys(recipe.extract)) out.push(`extract.${k}`);
  return out;
}

function digestHex12(digest: string): string {
  return digest.slice('sha256:'.length, 'sha256:'.length + 12);
}

/** How the plan object behaves beyond the package's own code. */
export interface PlanObjectOptions {
  /**
   * The user opted in to privileged mode (`--privileged`): ServiceConfig / run_sh settings
   * privileged, host_pid_namespace and bind_mounts are allowed (Kurtosis refuses them
   * otherwise, with the same opt-in: `kurtosis run --privileged`).
   */
  readonly allowPrivileged?: boolean;
  /** `plan --override FILE`: per-service overrides and bindings (lib/plan/override.ts). */
  readonly override?: OverrideSpec;
  /** What get_cluster_type() answers (the runtime the plan is for); default docker. */
  readonly clusterType?: string;
}

class PlanBuilder {
  constructor(
    readonly recorder: Recorder,
    readonly files: PackageFiles,
    readonly options: PlanObjectOptions = {},
  ) {}

  /**
   * Kurtosis's privileged_mode.ValidateServiceConfig, at the call: settings that give a
   * container power over the host need the user's opt-in. Returns whether any is used
   * (the instruction then records that the opt-in was given).
   */
  checkPrivileged(fn: string, settings: Partial<PrivilegedSettings>): boolean {
    const used = privilegedFeatures(settings);
    if (used === '') return false;
    if (this.options.allowPrivileged !== true) {
      failText(
        `${fn}: the configuration asks for ${used}, which give the container elevated access to the host, but this run did not opt in: ` +
          'pass --privileged to `starform plan` (or `starform apply`) to allow it',
      );
    }
    return true;
  }

  /** A file or directory of the package, as seen from the module making the current call. */
  readTree(fn: string, locator: string, thread: Thread): PackageTree {
    return within(fn, () => this.files.readTree(locator, callerModule(thread)));
  }

  /** Stores files and returns their manifest, sorted by path. */
  manifest(tree: PackageTree): { path: string; digest: string }[] {
    return [...tree.files]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((f) => ({ path: f.path, digest: this.recorder.store(f.content) }));
  }

  /** An image with its build context embedded (ImageBuildSpec); other images unchanged. */
  resolveImage(fn: string, image: ImageJson, thread: Thread): ImageJson {
    if (image.type !== 'build') return image;
    const tree = this.readTree(fn, image.build_context_dir, thread);
    if (!tree.isDirectory) failText(`${fn}: ImageBuildSpec: build_context_dir '${image.build_context_dir}' (${tree.display}) is not a directory`);
    const files = this.manifest(tree);
    const buildFile = posix.normalize(image.build_file);
    if (!files.some((f) => f.path === buildFile)) {
      failText(`${fn}: ImageBuildSpec: the build file '${image.build_file}' does not exist in the build context '${tree.display}'`);
    }
    const context: ContextJson = { source: tree.display, digest: jsonDigest(files), files };
    return { ...image, build_file: buildFile, context };
  }

  /** The canonical configuration of a ServiceConfig used by `fn`, build context included. */
  serviceConfig(fn: string, config: KurtosisValue, thread: Thread): ServiceConfigJson {
    const json = within(fn, () => config.canonical()) as ServiceConfigJson;
    if (config.has('cpu_allocation')) this.recorder.warn('"cpu_allocation" field for "ServiceConfig" is deprecated; use "max_cpu"', thread);
    if (config.has('memory_allocation')) this.recorder.warn('"memory_allocation" field for "ServiceConfig" is deprecated; use "max_memory"', thread);
    const image = this.resolveImage(fn, json.image, thread);
    return image === json.image ? json : { ...json, image };
  }

  addService(fn: string, name: string, packageConfig: ServiceConfigJson, desc: string | undefined, forceUpdate: boolean, thread: Thread): KurtosisValue {
    const override = this.options.override?.services[`service.${name}`];
    const config = override !== undefined ? within(fn, () => overrideConfig(packageConfig, override)) : packageConfig;
    const binding = bindingOf(override);
    const privileged = this.checkPrivileged(fn, config);
    const instruction = this.recorder.record(
      'add_service',
      binding !== undefined ? { binding: bindingJson(binding), config, name } : { config, name },
      {
        declares: { type: 'service', name },
        services: [],
        artifacts: mountedArtifacts(config),
        produces: ['ip_address', 'hostname'],
        description:
          binding !== undefined
            ? `Binding service '${name}' to ${describeBinding(binding)} (--override)`
            : (desc ?? `Adding service with name '${name}' and image '${imageName(config.image)}'`),
        forceUpdate,
        privileged,
      },
      thread,
    );
    this.recorder.putService(name, instruction.id, config);
    return this.recorder.serviceValue(name)!;
  }

  record(
    kind: Instruction['kind'],
    args: JsonObject,
    thread: Thread,
    info: {
      description: string;
      services?: string[];
      artifacts?: string[];
      produces?: string[];
      declares?: Instruction['declares'];
      privileged?: boolean;
    },
  ): Instruction {
    return this.recorder.record(
      kind,
      args,
      {
        declares: info.declares,
        services: info.services ?? [],
        artifacts: info.artifacts ?? [],
        produces: info.produces ?? [],
        description: info.description,
        privileged: info.privileged,
      },
      thread,
    );
  }

  /** Canonical image, files, store and common fields of run_sh / run_python. */
  task(
    fn: 'run_sh' | 'run_python',
    a: {
      name?: string;
      run: string;
      image: Value;
      files?: Dict;
      store?: List;
      wait: string | null;
      acceptable_codes?: List;
      skip_code_check: boolean;
      node_selectors?: Dict;
      tolerations?: List;
      privileged: boolean;
      host_pid_namespace: boolean;
      bind_mounts?: Dict;
      description?: string;
    },
    extra: JsonObject,
    thread: Thread,
  ): Value {
    const image = within(fn, (): ImageJson => {
      const v = a.image;
      if (typeof v === 'string') return { type: 'image', image: toUnicode(v) };
      return (v as KurtosisValue).canonical() as ImageJson;
    });
    if (a.files !== undefined) {
      for (const [k, v] of a.files.items()) {
        if (typeof v !== 'string') fail(`${fn}: files: the value for ${repr(k)} must be a files artifact name (string), got ${typeName(v)}`);
      }
    }
    const files = within(fn, () => stringMap(a.files, 'files'));
    const stores: { src: string; name: string | null }[] = (a.store?.elems ?? []).map((s, i) => {
      if (typeof s === 'string') return { src: toUnicode(s), name: null };
      if (isKurtosis(s, 'StoreSpec')) return { ...(s.canonical() as StoreSpecJson) };
      return fail(`${fn}: store: item number ${i} is ${typeName(s)}, want string or StoreSpec`);
    });
    const tolerations = (a.tolerations?.elems ?? []).map((x, i) => {
      if (!isKurtosis(x, 'Toleration')) fail(`${fn}: tolerations: item number ${i} is ${typeName(x)}, want Toleration`);
      return within(fn, () => x.canonical() as TolerationJson);
    });
    const bindMounts = within(fn, () => stringMap(a.bind_mounts, 'bind_mounts'));
    const privilegedSettings: PrivilegedSettings = { privileged: a.privileged, host_pid_namespace: a.host_pid_namespace, bind_mounts: bindMounts };
    const privileged = this.checkPrivileged(fn, privilegedSettings);
    const body: JsonObject = {
      ...extra,
      // Recorded only when used, so that plans of tasks without them stay as they were.
      ...(privileged ? privilegedSettings : {}),
      run: a.run,
      image: this.resolveImage(fn, image, thread),
      files,
      wait: a.wait === null ? null : within(fn, () => normalizeDuration(a.wait!, 'wait')),
      acceptable_codes: a.acceptable_codes === undefined ? [0] : within(fn, () => intList(a.acceptable_codes, 'acceptable_codes')),
      skip_code_check: a.skip_code_check,
      node_selectors: within(fn, () => stringMap(a.node_selectors, 'node_selectors')),
      tolerations,
    };
    const seed = jsonDigest({ kind: fn, ...body, store: stores.map((s) => s.src) });
    const store = stores.map((s) => {
      if (s.name !== null) {
        this.recorder.noteArtifact(s.name);
        return { src: s.src, name: s.name };
      }
      return { src: s.src, name: this.recorder.generatedArtifactName(jsonDigest({ task: seed, src: s.src })) };
    });
    const name = a.name ?? `task-${digestHex12(seed)}`;
    const args: JsonObject = { name, ...body, store };
    const descriptionText =
      fn === 'run_sh' ? (a.run.length < 80 ? `Running sh script: \`${a.run}\`` : 'Running sh script') : 'Running Python script';
    const instruction = this.record(fn, args, thread, {
      description: a.description ?? descriptionText,
      artifacts: [...new Set(Object.values(files))],
      produces: ['code', 'output'],
      privileged,
    });
    const artifacts = new List(store.map((s) => fromUtf8(s.name)));
    artifacts.freeze();
    return Struct.fromEntries('struct', [
      ['code', fromUtf8(futureReference(instruction.id, 'code'))],
      ['output', fromUtf8(futureReference(instruction.id, 'output'))],
      ['files_artifacts', artifacts],
    ]);
  }
}

// ---- the plan module ---------------------------------------------------------------------------

/** The `plan` module for one interpretation: every member records into `recorder`. */
export function createPlanObject(recorder: Recorder, files: PackageFiles, options: PlanObjectOptions = {}): Value {
  const b = new PlanBuilder(recorder, files, options);
  const members: Builtin[] = [];
  const def = <S extends Parameters<typeof defineBuiltin>[1]>(
    name: string,
    params: S,
    impl: Parameters<typeof defineBuiltin<S>>[2],
  ): void => {
    members.push(defineBuiltin(name, params, impl));
  };

  // force_update then description, both positional (KI/add_service: ForceUpdateArgName is
  // the last declared argument; the framework appends description after it).
  def(
    'add_service',
    { name: nonEmptyText, config: SERVICE_CONFIG, force_update: withDefault(bool, false), description },
    (a, ctx) => {
      const config = b.serviceConfig('add_service', a.config, ctx.thread);
      return b.addService('add_service', a.name, config, a.description, a.force_update, ctx.thread);
    },
  );

  def(
    'add_services',
    { configs: dict, force_update: withDefault(bool, false), description },
    (a, ctx) => {
      const entries: [string, ServiceConfigJson][] = [];
      for (const [k, v] of a.configs.items()) {
        if (typeof k !== 'string' || k.length === 0) fail(`add_services: configs: key ${repr(k)} must be a non-empty string (a service name)`);
        if (!isKurtosis(v, 'ServiceConfig')) fail(`add_services: configs: the value for ${repr(k)} is ${typeName(v)}, want ServiceConfig`);
        entries.push([toUnicode(k), b.serviceConfig('add_services', v, ctx.thread)]);
      }
      const out = new Dict();
      for (const [name, config] of entries) {
        out.setUnchecked(fromUtf8(name), b.addService('add_services', name, config, a.description, a.force_update, ctx.thread));
      }
      return out;
    },
  );

  def('get_service', { name: nonEmptyText, description }, (a, ctx) => {
    const service = recorder.serviceValue(a.name);
    if (service === undefined) {
      failText(`get_service: An error occurred while fetching service '${a.name}' from the store: no service of that name was added before this point`);
    }
    b.record('get_service', { name: a.name }, ctx.thread, { description: a.description ?? `Fetching service '${a.name}'`, services: [a.name] });
    return service;
  });

  def('get_services', { description }, (a, ctx) => {
    const names = [...recorder.services.keys()];
    b.record('get_services', {}, ctx.thread, { description: a.description ?? 'Fetching services', services: names });
    return new List(names.map((n) => recorder.serviceValue(n)!));
  });

  def('set_service', { name: nonEmptyText, config: SERVICE_CONFIG, description }, (a, ctx) => {
    const stored = recorder.services.get(a.name);
    if (stored === undefined) {
      failText(`set_service: service '${a.name}' does not exist: no service of that name was added before this point`);
    }
    const update = b.serviceConfig('set_service', a.config, ctx.thread);
    b.checkPrivileged('set_service', update);
    const merged = within('set_service', () => mergeServiceConfig(stored.config, a.config, update));
    b.record('set_service', { name: a.name, config: update }, ctx.thread, {
      description: a.description ?? `Setting config of service '${a.name}'`,
      services: [a.name],
    });
    const add = recorder.instruction(stored.stepId);
    if (add !== undefined && add.kind === 'add_service') recorder.amend(add.id, { ...add.args, config: merged });
    recorder.putService(a.name, stored.stepId, merged, stored.seeded);
    return null;
  });

  def('remove_service', { name: text, description }, (a, ctx) => {
    b.record('remove_service', { name: a.name }, ctx.thread, {
      description: a.description ?? `Removing service '${a.name}'`,
      services: [a.name],
    });
    recorder.forgetService(a.name);
    return null;
  });

  for (const [kind, verb] of [
    ['start_service', 'Starting'],
    ['stop_service', 'Stopping'],
  ] as const) {
    def(kind, { name: text, description }, (a, ctx) => {
      b.record(kind, { name: a.name }, ctx.thread, { description: a.description ?? `${verb} service '${a.name}'`, services: [a.name] });
      return null;
    });
  }

  def(
    'exec',
    {
      service_name: nonEmptyText,
      recipe: EXEC_RECIPE,
      acceptable_codes: optional(list),
      skip_code_check: withDefault(bool, false),
      description,
    },
    (a, ctx) => {
      const recipe = within('exec', () => a.recipe.canonical()) as RecipeJson;
      const args: JsonObject = {
        acceptable_codes: a.acceptable_codes === undefined ? [0] : within('exec', () => intList(a.acceptable_codes, 'acceptable_codes')),
        recipe,
        service_name: a.service_name,
        skip_code_check: a.skip_code_check,
      };
      const fields = recipeFields(recipe);
      const ins = b.record('exec', args, ctx.thread, {
        description: a.description ?? `Executing command on service '${a.service_name}'`,
        services: [a.service_name],
        produces: fields,
      });
      return refsDict(ins.id, fields);
    },
  );

  def(
    'request',
    {
      service_name: nonEmptyText,
      recipe: HTTP_RECIPE,
      acceptable_codes: optional(list),
      skip_code_check: withDefault(bool, false),
      description,
    },
    (a, ctx) => {
      const recipe = within('request', () => a.recipe.canonical()) as RecipeJson;
      const args: JsonObject = {
        service_name: a.service_name,
        recipe,
        acceptable_codes:
          a.acceptable_codes === undefined ? DEFAULT_HTTP_CODES : within('request', () => intList(a.acceptable_codes, 'acceptable_codes')),
        skip_code_check: a.skip_code_check,
      };
      const fields = recipeFields(recipe);
      const method = recipe.type === 'http' ? recipe.method : 'GET';
      const ins = b.record('request', args, ctx.thread, {
        description: a.description ?? `Running '${method}' request on service '${a.service_name}'`,
        services: [a.service_name],
        produces: fields,
      });
      return refsDict(ins.id, fields);
    },
  );

  def(
    'wait',
    {
      service_name: nonEmptyText,
      recipe: ANY_RECIPE,
      field: text,
      assertion: text,
      target_value: anyValue,
      interval: withDefault(text, '1s'),
      timeout: withDefault(text, '10s'),
      description,
    },
    (a, ctx) => {
      const recipe = within('wait', () => a.recipe.canonical()) as RecipeJson;
      const interval = within('wait', () => normalizeDuration(a.interval, `An error occurred when parsing interval '${a.interval}'`));
      const timeout = within('wait', () => normalizeDuration(a.timeout, `An error occurred when parsing timeout '${a.timeout}'`));
      within('wait', () => checkAssertion(a.assertion, a.target_value, 'assertion'));
      const args: JsonObject = {
        service_name: a.service_name,
        recipe,
        field: a.field,
        assertion: a.assertion,
        ...within('wait', () => comparisonTarget(a.target_value, 'target_value')),
        interval,
        timeout,
      };
      const fields = recipeFields(recipe);
      const ins = b.record('wait', args, ctx.thread, {
        description: a.description ?? `Waiting for at most '${a.timeout}' for service '${a.service_name}' to reach a certain state`,
        services: [a.service_name],
        produces: fields,
      });
      return refsDict(ins.id, fields);
    },
  );

  def('verify', { value: text, assertion: text, target_value: anyValue, description }, (a, ctx) => {
    within('verify', () => checkAssertion(a.assertion, a.target_value, 'assertion'));
    const args: JsonObject = {
      value: a.value,
      assertion: a.assertion,
      ...within('verify', () => comparisonTarget(a.target_value, 'target_value')),
    };
    b.record('verify', args, ctx.thread, {
      description: a.description ?? `Verifying whether two values meet a certain condition '${a.assertion}'`,
    });
    return null;
  });

  def('print', { msg: anyValue, description }, (a, ctx) => {
    b.record('print', { msg: toUnicode(str(a.msg)) }, ctx.thread, { description: a.description ?? 'Printing a message' });
    return null;
  });

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
      declares: { type: 'artifact', name },
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
      declares: { type: 'artifact', name },
    });
    return fromUtf8(name);
  });

  def(
    'store_service_files',
    { service_name: text, src: text, name: optional(nonEmptyText), depends_on: optional(text), description },
    (a, ctx) => {
      const name = a.name ?? recorder.generatedArtifactName(jsonDigest({ service_name: a.service_name, src: a.src }));
      b.record('store_service_files', { name, service_name: a.service_name, src: a.src }, ctx.thread, {
        description: a.description ?? `Storing files from service '${a.service_name}' at path '${a.src}' to files artifact with name '${name}'`,
        services: [a.service_name],
        declares: { type: 'artifact', name },
      });
      return fromUtf8(name);
    },
  );

  def('get_files_artifact', { name: nonEmptyText, description }, (a, ctx) => {
    b.record('get_files_artifact', { name: a.name }, ctx.thread, {
      description: a.description ?? `Fetching files artifact '${a.name}'`,
      artifacts: [a.name],
    });
    return fromUtf8(a.name);
  });

  const taskCommon = {
    files: optional(dict),
    store: optional(list),
  };
  const taskTail = {
    wait: withDefault(durationOrNone, '180s'),
    acceptable_codes: optional(list),
    skip_code_check: withDefault(bool, false),
    node_selectors: optional(dict),
    tolerations: optional(list),
    privileged: withDefault(bool, false),
    host_pid_namespace: withDefault(bool, false),
    bind_mounts: optional(BIND_MOUNTS),
    description,
  };
  // Kurtosis's run_python has no host-access parameters; starform takes them by keyword
  // only, so that run_python's positional `description` stays where Kurtosis has it.
  const { privileged: _p, host_pid_namespace: _h, bind_mounts: _b, ...pythonTail } = taskTail;
  const pythonHostAccess = {
    privileged: withDefault(bool, false, { keywordOnly: true }),
    host_pid_namespace: withDefault(bool, false, { keywordOnly: true }),
    bind_mounts: optional(BIND_MOUNTS, { keywordOnly: true }),
  };

  def(
    'run_sh',
    {
      name: optional(nonEmptyText),
      run: text,
      image: withDefault(TASK_IMAGE, 'badouralix/curl-jq' as Value),
      ...taskCommon,
      env_vars: optional(dict),
      ...taskTail,
    },
    (a, ctx) => {
      const env = within('run_sh', () => checkEnvVars(stringMap(a.env_vars, 'env_vars'), 'env_vars'));
      return b.task('run_sh', a, { env_vars: env }, ctx.thread);
    },
  );

  def(
    'run_python',
    {
      name: optional(nonEmptyText),
      run: text,
      args: optional(list),
      packages: optional(list),
      image: withDefault(TASK_IMAGE, 'python:3.11-alpine' as Value),
      ...taskCommon,
      ...pythonTail,
      ...pythonHostAccess,
    },
    (a, ctx) => {
      const extra: JsonObject = {
        args: within('run_python', () => stringList(a.args, 'args')),
        packages: within('run_python', () => stringList(a.packages, 'packages')),
      };
      return b.task('run_python', a, extra, ctx.thread);
    },
  );

  def('get_cluster_type', { description }, (a, ctx) => {
    b.record('get_cluster_type', {}, ctx.thread, { description: a.description ?? 'Getting the cluster type' });
    return b.options.clusterType ?? 'docker';
  });

  return new Module('plan', new Map(members.map((m) => [m.name, m as Value])));
}

/**
 * The global `print(*args, sep=" ")` for a package. Kurtosis rejects it ("use plan.print");
 * starform records a print step instead, exactly as `plan.print(msg)` with the joined
 * message would, so that a package's prints appear in the plan in order.
 */
export function globalPrint(recorder: Recorder): Value {
  return defineBuiltin(
    'print',
    { sep: optional(text, { keywordOnly: true }) },
    (a, ctx) => {
      const msg = ctx.rest.map((v) => toUnicode(str(v))).join(a.sep ?? ' ');
      recorder.record(
        'print',
        { msg },
        { services: [], artifacts: [], produces: [], description: 'Printing a message' },
        ctx.thread,
      );
      return null;
    },
    { varargs: true },
  );
}
