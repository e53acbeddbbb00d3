// What the plan module's builtins share (lib/plan/plan-object.ts assembles them, one file
// per instruction family in this folder): the argument types of their parameters, small
// helpers (errors in Kurtosis's words, future-reference dicts) and PlanBuilder, which
// records instructions and holds what several builtins do (service configs, images,
// build contexts, tasks, the privileged opt-in).
import { posix } from 'node:path';
import {
  ArgError,
  Dict,
  EvalError,
  List,
  Struct,
  type defineBuiltin,
  fail,
  fromUtf8,
  optional,
  repr,
  toUnicode,
  typeName,
  type ArgType,
  type Thread,
  type Value,
} from '../../starlark/index.js';
import { UserError } from '../../util/errors.js';
import { jsonDigest } from '../../util/hash.js';
import type { JsonObject } from '../../util/json.js';
import type { PackageFiles, PackageTree } from '../host.js';
import {
  futureReference,
  imageName,
  mountedArtifacts,
  PRIVILEGED_BIND_MOUNT_PATHS,
  privilegedFeatures,
  type ContextJson,
  type ImageJson,
  type Instruction,
  type PrivilegedSettings,
  type RecipeJson,
  type ServiceConfigJson,
  type StoreSpecJson,
  type TolerationJson,
} from '../../instructions/index.js';
import { callerModule, type Recorder } from '../recorder.js';
import { bindingJson, bindingOf, describeBinding, overrideConfig, type OverrideSpec } from '../override.js';
import { normalizeDuration } from '../canonical.js';
import { intList, isKurtosis, stringMap, type KurtosisTypeName, type KurtosisValue } from '../types/index.js';

// ---- argument types ------------------------------------------------------------------------------

const isStr = (v: Value): boolean => typeof v === 'string';

/** A string as Unicode text, which must not be empty. */
export const nonEmptyText: ArgType<string> = {
  want: 'string',
  accepts: isStr,
  convert: (v) => {
    if ((v as string).length === 0) throw new ArgError('must be a non-empty string');
    return toUnicode(v as string);
  },
};

export const text: ArgType<string> = { want: 'string', accepts: isStr, convert: (v) => toUnicode(v as string) };

export function kurtosis(...kinds: KurtosisTypeName[]): ArgType<KurtosisValue> {
  return { want: kinds.join(' or '), accepts: (v) => isKurtosis(v, ...kinds), convert: (v) => v as KurtosisValue };
}

export const list: ArgType<List> = { want: 'list', accepts: (v) => v instanceof List, convert: (v) => v as List };
export const dict: ArgType<Dict> = { want: 'dict', accepts: (v) => v instanceof Dict, convert: (v) => v as Dict };
export const bool: ArgType<boolean> = { want: 'bool', accepts: (v) => typeof v === 'boolean', convert: (v) => v as boolean };
export const anyValue: ArgType<Value> = { want: 'value', accepts: () => true, convert: (v) => v };
export const durationOrNone: ArgType<string | null> = {
  want: 'string or NoneType',
  accepts: (v) => v === null || isStr(v),
  convert: (v) => (v === null ? null : toUnicode(v as string)),
};

export const description = optional(nonEmptyText);

export const EXEC_RECIPE = kurtosis('ExecRecipe');
export const HTTP_RECIPE = kurtosis('GetHttpRequestRecipe', 'PostHttpRequestRecipe');
export const ANY_RECIPE = kurtosis('ExecRecipe', 'GetHttpRequestRecipe', 'PostHttpRequestRecipe');
export const SERVICE_CONFIG = kurtosis('ServiceConfig');
export const TASK_IMAGE: ArgType<Value> = {
  want: 'string or ImageBuildSpec or ImageSpec or NixBuildSpec',
  accepts: (v) => isStr(v) || isKurtosis(v, 'ImageBuildSpec', 'ImageSpec', 'NixBuildSpec'),
  convert: (v) => v,
};

/** run_sh's bind_mounts: checked as ServiceConfig's are (types.ts). */
export const BIND_MOUNTS: ArgType<Dict> = {
  want: 'dict',
  accepts: (v) => v instanceof Dict,
  convert: (v) => {
    for (const [k, x] of (v as Dict).items()) {
      if (typeof k !== 'string' || typeof x !== 'string') throw new ArgError(`'bind_mounts' must be a dict[str, str], got the entry ${repr(k)}: ${repr(x)}`);
      const hostPath = toUnicode(k);
      if (!PRIVILEGED_BIND_MOUNT_PATHS.includes(hostPath)) {
        throw new ArgError(
          `host path ${JSON.stringify(hostPath)} is not permitted; only the following host paths are allowed: ${PRIVILEGED_BIND_MOUNT_PATHS.join(', ')}`,
        );
      }
    }
    return v as Dict;
  },
};

export const DEFAULT_HTTP_CODES = [200, 201, 202, 203, 204, 205, 206, 207, 208, 226];

// ---- helpers -------------------------------------------------------------------------------------

/** Runs a conversion inside builtin `fn`: its errors become Starlark errors prefixed by `fn`. */
export function within<T>(fn: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof EvalError && e.callStack.length === 0) throw new EvalError(`${fn}: ${e.msg}`);
    if (e instanceof UserError) throw new EvalError(fromUtf8(`${fn}: ${e.detail}`));
    throw e;
  }
}

/** A message for the user, with Unicode text in it, as a Starlark error message. */
export function failText(message: string): never {
  throw new EvalError(fromUtf8(message));
}

export function refsDict(stepId: string, fields: readonly string[]): Dict {
  const d = new Dict();
  for (const field of fields) d.setUnchecked(fromUtf8(field), fromUtf8(futureReference(stepId, field)));
  d.freeze();
  return d;
}

export function recipeFields(recipe: RecipeJson): string[] {
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

export class PlanBuilder {
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
        declares: { name, type: 'service' },
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
    const descriptionText = fn === 'run_sh' ? (a.run.length < 80 ? `Running sh script: \`${a.run}\`` : 'Running sh script') : 'Running Python script';
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

/** Defines one member of the plan module (createPlanObject collects them). */
export type Def = <S extends Parameters<typeof defineBuiltin>[1]>(name: string, params: S, impl: Parameters<typeof defineBuiltin<S>>[2]) => void;
