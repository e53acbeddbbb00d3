// The Kurtosis types of the interpretation phase: ServiceConfig, PortSpec, ExecRecipe, ...
// as predeclared constructors (docs/kurtosis-api.md §3) and the values they build.
//
// Every value behaves like Kurtosis's KurtosisValueTypeDefault: a read-only record whose
// attributes are exactly the arguments that were supplied (an omitted optional argument is
// an attribute error, not None), printed `PortSpec(number=80, wait="5s")`, with `type()`
// the Kurtosis type name. Arguments are unpacked in the documented positional order and
// checked at construction by the same per-parameter validators Kurtosis runs (non-empty
// strings, ranges, durations, enums, labels); the deeper conversion checks (element types
// of lists and dicts, Directory exclusivity, PortSpec without a number...) run when a value
// is *used* — `canonical()`, called by add_service, exec, ... — as Kurtosis converts at
// the instruction, so the error points at that call. Supplied lists and dicts are copied
// and frozen at construction: later mutation of the caller's list changes nothing.
//
// `canonical()` is the value's plan form: plain JSON with every default filled in,
// deprecated aliases folded into their replacements (cpu_allocation → max_cpu, ImageSpec
// name → image, Directory artifact_name → artifact_names), string `files` entries in
// Directory form, durations in Go's Duration.String form ("15s", "2m0s"), so that two
// cosmetically different spellings of one configuration compare equal.
import {
  ArgError,
  type Builtin,
  Dict,
  EvalError,
  List,
  StarlarkObject,
  defineBuiltin,
  equals,
  fail,
  fromUtf8,
  hashKey,
  isInt,
  optional,
  quote,
  repr,
  required,
  toUnicode,
  typeName,
  type ArgType,
  type CompareOp,
  type HashKey,
  type Param,
  type Value,
} from '../starlark/index.js';
import { checkAssertion, comparisonTarget, isGoDuration, normalizeDuration } from './canonical.js';
import { setOwnKey, type JsonObject } from '../util/json.js';
import { checkEnvVars } from './env-names.js';
import {
  DEFAULT_IP_PLACEHOLDER,
  DEFAULT_PERSISTENT_DIRECTORY_SIZE_MB,
  DEFAULT_PORT_WAIT,
  DEFAULT_POST_CONTENT_TYPE,
  PRIVILEGED_BIND_MOUNT_PATHS,
  type DirectoryJson,
  type GpuJson,
  type ImageJson,
  type PortJson,
  type ReadyConditionJson,
  type ServiceConfigJson,
  type ServiceJson,
  type TolerationJson,
  type UserJson,
} from '../instructions/index.js';

export type KurtosisTypeName =
  | 'ServiceConfig'
  | 'ImageSpec'
  | 'ImageBuildSpec'
  | 'NixBuildSpec'
  | 'PortSpec'
  | 'Directory'
  | 'ExecRecipe'
  | 'GetHttpRequestRecipe'
  | 'PostHttpRequestRecipe'
  | 'ReadyCondition'
  | 'StoreSpec'
  | 'User'
  | 'Toleration'
  | 'GpuConfig'
  | 'Service';

// ---- the value class ----------------------------------------------------------------------------

interface FieldDef {
  readonly name: string;
  readonly type: ArgType<Value>;
  readonly required?: boolean;
  readonly keywordOnly?: boolean;
}

interface TypeSpec {
  readonly name: KurtosisTypeName;
  readonly fields: readonly FieldDef[];
  /** Cross-parameter checks Kurtosis makes at construction. */
  readonly check?: (v: KurtosisValue) => void;
  readonly canonical: (v: KurtosisValue) => JsonObject;
}

interface TypeDef extends TypeSpec {
  /** Field name → slot index. */
  readonly index: ReadonlyMap<string, number>;
}

function typeDef(spec: TypeSpec): TypeDef {
  return { ...spec, index: new Map(spec.fields.map((f, i) => [f.name, i])) };
}

/** A value of one of the Kurtosis types (its Starlark type name is `kind`). */
export class KurtosisValue extends StarlarkObject {
  private cached: JsonObject | undefined;

  /** Use the constructors (or `makeService`); `slots` follow `def.fields`. */
  constructor(
    private readonly def: TypeDef,
    private readonly slots: readonly (Value | undefined)[],
  ) {
    super();
  }

  get kind(): KurtosisTypeName {
    return this.def.name;
  }
  get typeName(): string {
    return this.def.name;
  }

  private indexOf(name: string): number {
    return this.def.index.get(name) ?? -1;
  }

  /** Whether the argument `name` was supplied. */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
  /** The supplied argument `name` (a Starlark value), or undefined. */
  get(name: string): Value | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.slot(i);
  }
  /** The value in slot `i` (a subclass may make it on first use). */
  protected slot(i: number): Value | undefined {
    return this.slots[i];
  }
  /** A supplied string argument as Unicode text. */
  text(name: string): string | undefined {
    const v = this.get(name);
    return typeof v === 'string' ? toUnicode(v) : undefined;
  }
  /** A supplied int argument. */
  int(name: string): number | undefined {
    const v = this.get(name);
    return typeof v === 'number' ? v : undefined;
  }
  bool(name: string): boolean | undefined {
    const v = this.get(name);
    return typeof v === 'boolean' ? v : undefined;
  }
  /** Names of the supplied arguments, in parameter order. */
  suppliedNames(): string[] {
    const out: string[] = [];
    this.def.fields.forEach((f, i) => {
      if (this.slot(i) !== undefined) out.push(f.name);
    });
    return out;
  }

  /**
   * The canonical JSON form (defaults filled, aliases normalised). Throws EvalError when
   * the value cannot be converted (Kurtosis's conversion errors).
   */
  canonical(): JsonObject {
    return (this.cached ??= this.def.canonical(this));
  }

  override attr(name: string): Value | undefined {
    return this.get(name);
  }
  override attrNames(): string[] {
    return this.suppliedNames().sort();
  }
  noSuchAttrMessage(name: string): string {
    return this.indexOf(name) >= 0
      ? `${this.kind} has no .${name} attribute (the argument was not given)`
      : `${this.kind} has no .${name} attribute`;
  }
  override repr(out: string[]): void {
    out.push(this.def.name, '(');
    let first = true;
    this.def.fields.forEach((f, i) => {
      const v = this.slot(i);
      if (v === undefined) return;
      if (!first) out.push(', ');
      first = false;
      out.push(f.name, '=', repr(v));
    });
    out.push(')');
  }
  override hashKey(): HashKey {
    let key = `\u0100K${this.def.name}`;
    this.def.fields.forEach((f, i) => {
      const v = this.slot(i);
      if (v === undefined) return;
      const k = hashKey(v);
      if (k !== null && typeof k === 'object') fail(`unhashable type: ${this.def.name}`);
      key += `\u0101${f.name}=${typeof k}:${String(k)}`;
    });
    return key;
  }
  override compareSameType(op: CompareOp, y: StarlarkObject): boolean {
    if (op !== '==' && op !== '!=') fail(`${this.typeName} ${op} ${y.typeName} not implemented`);
    const other = y as KurtosisValue;
    let eq = other.def === this.def;
    for (let i = 0; eq && i < this.slots.length; i++) {
      const a = this.slot(i);
      const b = other.slot(i);
      eq = a === undefined || b === undefined ? a === b : equals(a, b);
    }
    return op === '==' ? eq : !eq;
  }
}

/** Whether `v` is a Kurtosis value of one of the given types. */
export function isKurtosis(v: Value, ...kinds: KurtosisTypeName[]): v is KurtosisValue {
  return v instanceof KurtosisValue && (kinds.length === 0 || kinds.includes(v.kind));
}

// ---- argument types (construction-time validators) -------------------------------------------

const isStr = (v: Value): boolean => typeof v === 'string';
/** A Unicode text quoted for an error message (messages are Starlark byte strings). */
const q = (text: string): string => quote(fromUtf8(text));
const identity = (v: Value): Value => v;

const anyValue: ArgType<Value> = { want: 'value', accepts: () => true, convert: identity };
const str: ArgType<Value> = { want: 'string', accepts: isStr, convert: identity };
const bool: ArgType<Value> = { want: 'bool', accepts: (v) => typeof v === 'boolean', convert: identity };
const list: ArgType<Value> = { want: 'list', accepts: (v) => v instanceof List, convert: identity };
const dict: ArgType<Value> = { want: 'dict', accepts: (v) => v instanceof Dict, convert: identity };

const nonEmpty: ArgType<Value> = {
  want: 'string',
  accepts: isStr,
  convert: (v) => {
    if ((v as string).length === 0) throw new ArgError('must be a non-empty string');
    return v;
  },
};

function intAtLeast(min: number, unit = ''): ArgType<Value> {
  return {
    want: 'int',
    accepts: isInt,
    convert: (v) => {
      if (typeof v !== 'number') throw new ArgError(`${String(v)} is out of range`);
      if (v < min) throw new ArgError(`must be at least ${min}${unit}, got ${v}`);
      return v;
    },
  };
}

const anyInt: ArgType<Value> = {
  want: 'int',
  accepts: isInt,
  convert: (v) => {
    if (typeof v !== 'number') throw new ArgError(`${String(v)} is out of range`);
    return v;
  },
};

const duration: ArgType<Value> = {
  want: 'string',
  accepts: isStr,
  convert: (v) => {
    const text = toUnicode(v as string);
    if (!isGoDuration(text)) {
      throw new ArgError(`${repr(v)} is not a valid duration (examples: "500ms", "15s", "2m", "1h30m")`);
    }
    return v;
  },
};

const durationOrNone: ArgType<Value> = {
  want: 'string or NoneType',
  accepts: (v) => v === null || isStr(v),
  convert: (v) => {
    if (v === null) return v;
    if ((v as string).length === 0) throw new ArgError('must be a duration or None (the empty string is not allowed)');
    return duration.convert(v);
  },
};

function choice(values: readonly string[], allowEmpty = false): ArgType<Value> {
  return {
    want: 'string',
    accepts: isStr,
    convert: (v) => {
      const s = v as string;
      if ((allowEmpty && s === '') || values.includes(s)) return v;
      throw new ArgError(`got ${repr(v)}, want one of ${values.map((x) => q(x)).join(', ')}`);
    },
  };
}

function kinds(...names: KurtosisTypeName[]): ArgType<Value> {
  return { want: names.join(' or '), accepts: (v) => isKurtosis(v, ...names), convert: identity };
}

function oneOf(...types: ArgType<Value>[]): ArgType<Value> {
  const want = types.map((x) => x.want).join(' or ');
  return {
    want,
    accepts: (v) => types.some((x) => x.accepts(v)),
    convert: (v) => types.find((x) => x.accepts(v))!.convert(v),
  };
}

const LABEL_KEY = /^[a-z]([a-z0-9._-]{0,61}[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

function stringDict(check?: (k: string, v: string) => string | undefined): ArgType<Value> {
  return {
    want: 'dict',
    accepts: (v) => v instanceof Dict,
    convert: (v) => {
      for (const [k, x] of (v as Dict).items()) {
        if (typeof k !== 'string') throw new ArgError(`key ${repr(k)} is ${typeName(k)}, want string`);
        if (typeof x !== 'string') throw new ArgError(`value for key ${repr(k)} is ${typeName(x)}, want string`);
        const why = check?.(toUnicode(k), toUnicode(x));
        if (why !== undefined) throw new ArgError(why);
      }
      return v;
    },
  };
}

const labels = stringDict((k, v) => {
  if (!LABEL_KEY.test(k)) {
    return `invalid label key ${q(k)}: keys are at most 63 characters, lowercase letters, digits, '-', '_' and '.', starting with a letter and ending with a letter or digit`;
  }
  if (!LABEL_VALUE.test(v)) {
    return `invalid label value ${q(v)} for key ${q(k)}: values are at most 63 characters, letters, digits, '-', '_' and '.', starting and ending with a letter or digit (or empty)`;
  }
  return undefined;
});

const APP_PROTOCOL = /^[a-zA-Z0-9+.-]*$/;

const applicationProtocol: ArgType<Value> = {
  want: 'string',
  accepts: isStr,
  convert: (v) => {
    if (!APP_PROTOCOL.test(toUnicode(v as string))) {
      throw new ArgError(`${repr(v)} is not a valid application protocol (letters, digits, '+', '.' and '-' only)`);
    }
    return v;
  },
};

/**
 * PortSpec.url as Kurtosis checks it (builtin_argument.ValidateURL): a non-empty string
 * that Go's url.ParseQuery accepts — `&`-separated `key=value` pairs with no `;` and
 * only well-formed `%XX` escapes. So `localhost:8080` and `http://x:1/p` pass, as there.
 */
const url: ArgType<Value> = {
  want: 'string',
  accepts: isStr,
  convert: (v) => {
    const text = toUnicode(v as string);
    if (text === '') throw new ArgError('must be a non-empty string');
    const why = goQueryError(text);
    if (why !== undefined) throw new ArgError(`${repr(v)} isn't a valid URI: ${why}`);
    return v;
  },
};

/** Why Go's url.ParseQuery rejects `query`, or undefined when it accepts it. */
export function goQueryError(query: string): string | undefined {
  for (const part of query.split('&')) {
    if (part.includes(';')) return 'invalid semicolon separator in query';
    const bad = /%(?![0-9A-Fa-f]{2})/.exec(part);
    if (bad !== null) return `invalid URL escape ${JSON.stringify(part.slice(bad.index, bad.index + 3))}`;
  }
  return undefined;
}

const portNumber: ArgType<Value> = {
  want: 'int',
  accepts: isInt,
  convert: (v) => {
    if (typeof v !== 'number' || v < 1 || v > 65535) throw new ArgError(`port number must be between 1 and 65535, got ${String(v)}`);
    return v;
  },
};

// ---- conversion helpers (use-time checks) -----------------------------------------------------

function convError(context: string, detail: string): never {
  throw new EvalError(`${context}: ${detail}`);
}

function elems(v: Value | undefined): readonly Value[] {
  if (v === undefined) return [];
  if (v instanceof List) return v.elems;
  if (Array.isArray(v)) return v;
  return [];
}

function stringList(v: Value | undefined, context: string): string[] {
  return elems(v).map((x, i) => {
    if (typeof x !== 'string') convError(context, `item number ${i} in the list is ${typeName(x)}, want string`);
    return toUnicode(x);
  });
}

function intList(v: Value | undefined, context: string): number[] {
  return elems(v).map((x, i) => {
    if (typeof x !== 'number') convError(context, `item number ${i} in the list is ${typeName(x)}, want int`);
    return x;
  });
}

/** A dict of strings as a JSON object, keys in canonical order. */
function stringMap(v: Value | undefined, context: string): { [k: string]: string } {
  if (!(v instanceof Dict)) return {};
  const entries: [string, string][] = [];
  for (const [k, x] of v.items()) {
    if (typeof k !== 'string') convError(context, `key ${repr(k)} is ${typeName(k)}, want string`);
    if (typeof x !== 'string') convError(context, `value for key ${repr(k)} is ${typeName(x)}, want string`);
    entries.push([toUnicode(k), toUnicode(x)]);
  }
  return sortedObject(entries);
}

function dictEntries(v: Value | undefined, context: string): [string, Value][] {
  if (!(v instanceof Dict)) return [];
  return v.items().map(([k, x]) => {
    if (typeof k !== 'string') convError(context, `key ${repr(k)} is ${typeName(k)}, want string`);
    return [toUnicode(k), x];
  });
}

/** The canonical form of a nested Kurtosis value, which must be one of `kinds`. */
function nested<T>(v: Value, context: string, ...kindsWanted: KurtosisTypeName[]): T {
  if (!isKurtosis(v, ...kindsWanted)) convError(context, `got ${typeName(v)}, want ${kindsWanted.join(' or ')}`);
  return v.canonical() as unknown as T;
}

// ---- type definitions ---------------------------------------------------------------------------

function f(name: string, type: ArgType<Value>, opts: { required?: boolean; keywordOnly?: boolean } = {}): FieldDef {
  return { name, type, ...opts };
}

/**
 * The `description` every Kurtosis builtin takes as its last parameter, type constructors
 * included (FW/builtin_argument: CreateNewArgumentValuesSet appends it): a non-empty
 * string, readable as an attribute, not part of the value's canonical form.
 */
const DESCRIPTION: FieldDef = f('description', nonEmpty);

/** bind_mounts: a string → string dict whose host paths are all allowed (Kurtosis's ValidateBindMounts). */
const bindMounts = stringDict((hostPath) =>
  PRIVILEGED_BIND_MOUNT_PATHS.includes(hostPath)
    ? undefined
    : `host path ${q(hostPath)} is not permitted; only the following host paths are allowed: ${PRIVILEGED_BIND_MOUNT_PATHS.join(', ')}`,
);

function imageOf(v: Value, context: string): ImageJson {
  if (typeof v === 'string') return { image: toUnicode(v), type: 'image' };
  return nested<ImageJson>(v, context, 'ImageSpec', 'ImageBuildSpec', 'NixBuildSpec');
}

function portsOf(v: Value | undefined, attr: string): { [id: string]: PortJson } {
  const out: [string, PortJson][] = [];
  for (const [id, p] of dictEntries(v, `ServiceConfig: ${attr}`)) {
    if (!isKurtosis(p, 'PortSpec')) {
      convError('ServiceConfig', `unable to convert value of '${attr}' dictionary with key ${q(id)} to a port object: got ${typeName(p)}, want PortSpec`);
    }
    out.push([id, p.canonical() as PortJson]);
  }
  return sortedObject(out);
}

function filesOf(v: Value | undefined): { [path: string]: DirectoryJson } {
  const out: [string, DirectoryJson][] = [];
  for (const [path, d] of dictEntries(v, 'ServiceConfig: files')) {
    if (typeof d === 'string') out.push([path, { artifact_names: [toUnicode(d)], persistent_key: null, size: null }]);
    else out.push([path, nested<DirectoryJson>(d, `ServiceConfig: files[${q(path)}]`, 'Directory')]);
  }
  return sortedObject(out);
}

/** An object of these entries with its keys in canonical order (the last of equal keys wins). */
function sortedObject<T>(entries: [string, T][]): { [k: string]: T } {
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: { [k: string]: T } = {};
  for (const [k, x] of entries) setOwnKey(out, k, x);
  return out;
}

const SERVICE_CONFIG: TypeDef = typeDef({
  name: 'ServiceConfig',
  fields: [
    f('image', oneOf(str, kinds('ImageSpec', 'ImageBuildSpec', 'NixBuildSpec')), { required: true }),
    f('ports', dict),
    f('public_ports', dict),
    f('files', dict),
    f('entrypoint', list),
    f('cmd', list),
    f('env_vars', dict),
    f('private_ip_address_placeholder', nonEmpty),
    f('cpu_allocation', intAtLeast(0, ' millicores')),
    f('memory_allocation', intAtLeast(6, ' megabytes')),
    f('max_cpu', intAtLeast(0, ' millicores')),
    f('min_cpu', anyInt),
    f('max_memory', intAtLeast(6, ' megabytes')),
    f('min_memory', anyInt),
    f('ready_conditions', kinds('ReadyCondition')),
    f('labels', labels),
    f('user', kinds('User')),
    f('tolerations', list),
    f('node_selectors', stringDict()),
    f('files_to_be_moved', stringDict()),
    f('tini_enabled', bool),
    f('tty_enabled', bool),
    f('devices', list),
    f('publish_udp', bool),
    f('capabilities', list),
    f('gpu', kinds('GpuConfig')),
    f('privileged', bool),
    f('host_pid_namespace', bool),
    f('bind_mounts', bindMounts),
    DESCRIPTION,
  ],
  canonical(v): ServiceConfigJson {
    const rc = v.get('ready_conditions');
    const user = v.get('user');
    const gpu = v.get('gpu');
    // Converted in parameter order (the first error wins as in Kurtosis), built with the
    // keys in canonical order so the record needs no re-sorting (json.ts canonicalRecord).
    const image = imageOf(v.get('image')!, 'ServiceConfig: image');
    const ports = portsOf(v.get('ports'), 'ports');
    const public_ports = portsOf(v.get('public_ports'), 'public_ports');
    const files = filesOf(v.get('files'));
    const entrypoint = stringList(v.get('entrypoint'), 'ServiceConfig: entrypoint');
    const cmd = stringList(v.get('cmd'), 'ServiceConfig: cmd');
    const env_vars = checkEnvVars(stringMap(v.get('env_vars'), 'ServiceConfig: env_vars'), 'ServiceConfig: env_vars');
    const ready_conditions = rc === undefined ? null : nested<ReadyConditionJson>(rc, 'ServiceConfig: ready_conditions', 'ReadyCondition');
    const labels = stringMap(v.get('labels'), 'ServiceConfig: labels');
    const userJson = user === undefined ? null : nested<UserJson>(user, 'ServiceConfig: user', 'User');
    const tolerations = elems(v.get('tolerations')).map((t, i) =>
      nested<TolerationJson>(t, `ServiceConfig: tolerations: item number ${i}`, 'Toleration'),
    );
    const node_selectors = stringMap(v.get('node_selectors'), 'ServiceConfig: node_selectors');
    const files_to_be_moved = stringMap(v.get('files_to_be_moved'), 'ServiceConfig: files_to_be_moved');
    const devices = stringList(v.get('devices'), 'ServiceConfig: devices');
    const capabilities = stringList(v.get('capabilities'), 'ServiceConfig: capabilities');
    const bind_mounts = stringMap(v.get('bind_mounts'), 'ServiceConfig: bind_mounts');
    const gpuJson = gpu === undefined ? null : nested<GpuJson>(gpu, 'ServiceConfig: gpu', 'GpuConfig');
    return {
      bind_mounts,
      capabilities,
      cmd,
      devices,
      entrypoint,
      env_vars,
      files,
      files_to_be_moved,
      gpu: gpuJson,
      host_pid_namespace: v.bool('host_pid_namespace') ?? false,
      image,
      labels,
      max_cpu: v.int('max_cpu') ?? v.int('cpu_allocation') ?? 0,
      max_memory: v.int('max_memory') ?? v.int('memory_allocation') ?? 0,
      min_cpu: v.int('min_cpu') ?? 0,
      min_memory: v.int('min_memory') ?? 0,
      node_selectors,
      ports,
      private_ip_address_placeholder: v.text('private_ip_address_placeholder') ?? DEFAULT_IP_PLACEHOLDER,
      privileged: v.bool('privileged') ?? false,
      public_ports,
      publish_udp: v.bool('publish_udp') ?? false,
      ready_conditions,
      tini_enabled: v.bool('tini_enabled') ?? true,
      tolerations,
      tty_enabled: v.bool('tty_enabled') ?? false,
      user: userJson,
    };
  },
});

const IMAGE_SPEC: TypeDef = typeDef({
  name: 'ImageSpec',
  fields: [
    f('image', nonEmpty),
    f('registry', nonEmpty),
    f('username', nonEmpty),
    f('password', nonEmpty),
    DESCRIPTION,
    f('name', nonEmpty, { keywordOnly: true }),
  ],
  check(v) {
    if (v.has('image') && v.has('name')) fail("ImageSpec: got both 'image' and its alias 'name'; give one of them");
    if (!v.has('image') && !v.has('name')) fail('ImageSpec: missing argument for image');
  },
  canonical: (v) => ({
    type: 'registry',
    image: v.text('image') ?? v.text('name')!,
    registry: v.text('registry') ?? null,
    username: v.text('username') ?? null,
    password: v.text('password') ?? null,
  }),
});

const IMAGE_BUILD_SPEC: TypeDef = typeDef({
  name: 'ImageBuildSpec',
  fields: [
    f('image_name', nonEmpty, { required: true }),
    f('build_context_dir', nonEmpty, { required: true }),
    f('build_file', nonEmpty),
    f('target_stage', nonEmpty),
    f('build_args', stringDict()),
    DESCRIPTION,
  ],
  canonical: (v) => ({
    type: 'build',
    image_name: v.text('image_name')!,
    build_context_dir: v.text('build_context_dir')!,
    build_file: v.text('build_file') ?? 'Dockerfile',
    target_stage: v.text('target_stage') ?? '',
    build_args: stringMap(v.get('build_args'), 'ImageBuildSpec: build_args'),
  }),
});

const NIX_BUILD_SPEC: TypeDef = typeDef({
  name: 'NixBuildSpec',
  fields: [
    f('flake_location_dir', nonEmpty, { required: true }),
    f('build_context_dir', nonEmpty, { required: true }),
    f('image_name', nonEmpty, { required: true }),
    f('flake_output', nonEmpty),
    DESCRIPTION,
  ],
  canonical: (v) => ({
    type: 'nix',
    flake_location_dir: v.text('flake_location_dir')!,
    build_context_dir: v.text('build_context_dir')!,
    image_name: v.text('image_name')!,
    flake_output: v.text('flake_output') ?? '',
  }),
});

const PORT_SPEC: TypeDef = typeDef({
  name: 'PortSpec',
  fields: [
    f('number', portNumber),
    f('transport_protocol', choice(['TCP', 'SCTP', 'UDP'], true)),
    f('application_protocol', applicationProtocol),
    f('wait', durationOrNone),
    f('url', url),
    DESCRIPTION,
  ],
  canonical(v): PortJson {
    const number = v.int('number');
    if (number === undefined) convError('PortSpec', "'number' argument on 'PortSpec' is mandatory but was unset");
    const wait = v.get('wait');
    const protocol = v.text('transport_protocol');
    const waitText =
      wait === null ? null : normalizeDuration(wait === undefined ? DEFAULT_PORT_WAIT : toUnicode(wait as string), 'PortSpec: wait');
    return {
      application_protocol: v.text('application_protocol') ?? '',
      number,
      transport_protocol: (protocol === undefined || protocol === '' ? 'TCP' : protocol) as PortJson['transport_protocol'],
      url: v.text('url') ?? '',
      wait: waitText,
    };
  },
});

const DIRECTORY: TypeDef = typeDef({
  name: 'Directory',
  fields: [
    f('artifact_names', list),
    f('persistent_key', nonEmpty),
    f('size', intAtLeast(1, ' megabytes')),
    DESCRIPTION,
    f('artifact_name', nonEmpty, { keywordOnly: true }),
  ],
  check(v) {
    if (v.has('artifact_names') && v.has('artifact_name')) {
      fail("Directory: got both 'artifact_names' and its older spelling 'artifact_name'; give one of them");
    }
  },
  canonical(v): DirectoryJson {
    const hasArtifacts = v.has('artifact_names') || v.has('artifact_name');
    const hasKey = v.has('persistent_key');
    if (hasArtifacts && hasKey) convError('Directory', "parameters 'artifact_names' and 'persistent_key' cannot be set on the same 'Directory' object");
    if (!hasArtifacts && !hasKey) convError('Directory', "either 'artifact_names' or 'persistent_key' must be set on a 'Directory' object");
    if (hasKey) return { artifact_names: [], persistent_key: v.text('persistent_key')!, size: v.int('size') ?? DEFAULT_PERSISTENT_DIRECTORY_SIZE_MB };
    const names = v.has('artifact_name') ? [v.text('artifact_name')!] : stringList(v.get('artifact_names'), 'Directory: artifact_names');
    names.forEach((n, i) => {
      if (n === '') convError('Directory: artifact_names', `item number ${i} in the list is empty`);
    });
    return { artifact_names: names, persistent_key: null, size: null };
  },
});

function extractOf(v: KurtosisValue, type: string): { [k: string]: string } {
  return stringMap(v.get('extract'), `${type}: extract`);
}

const EXEC_RECIPE: TypeDef = typeDef({
  name: 'ExecRecipe',
  fields: [f('command', list, { required: true }), f('extract', dict), DESCRIPTION],
  canonical: (v) => ({
    command: elems(v.get('command')).map((x, i) => {
      if (typeof x !== 'string') convError('ExecRecipe', `item number ${i} in 'command' list was not a string (got ${typeName(x)})`);
      return toUnicode(x);
    }),
    extract: extractOf(v, 'ExecRecipe'),
    type: 'exec',
  }),
});

const GET_RECIPE: TypeDef = typeDef({
  name: 'GetHttpRequestRecipe',
  fields: [f('port_id', nonEmpty, { required: true }), f('endpoint', str, { required: true }), f('extract', dict), f('headers', dict), DESCRIPTION],
  canonical: (v) => ({
    type: 'http',
    method: 'GET',
    port_id: v.text('port_id')!,
    endpoint: v.text('endpoint')!,
    extract: extractOf(v, 'GetHttpRequestRecipe'),
    headers: stringMap(v.get('headers'), 'GetHttpRequestRecipe: headers'),
  }),
});

const POST_RECIPE: TypeDef = typeDef({
  name: 'PostHttpRequestRecipe',
  fields: [
    f('port_id', nonEmpty, { required: true }),
    f('endpoint', str, { required: true }),
    f('body', str),
    f('content_type', str),
    f('extract', dict),
    f('headers', dict),
    DESCRIPTION,
  ],
  canonical: (v) => ({
    type: 'http',
    method: 'POST',
    port_id: v.text('port_id')!,
    endpoint: v.text('endpoint')!,
    body: v.text('body') ?? '',
    content_type: v.text('content_type') ?? DEFAULT_POST_CONTENT_TYPE,
    extract: extractOf(v, 'PostHttpRequestRecipe'),
    headers: stringMap(v.get('headers'), 'PostHttpRequestRecipe: headers'),
  }),
});

const RECIPE_KINDS: KurtosisTypeName[] = ['ExecRecipe', 'GetHttpRequestRecipe', 'PostHttpRequestRecipe'];

const recipe: ArgType<Value> = {
  want: RECIPE_KINDS.join(' or '),
  accepts: () => true,
  convert: (v) => {
    if (!isKurtosis(v, ...RECIPE_KINDS)) throw new ArgError(`the 'recipe' attribute is not a Recipe (got ${typeName(v)})`);
    return v;
  },
};

const READY_CONDITION: TypeDef = typeDef({
  name: 'ReadyCondition',
  fields: [
    f('recipe', recipe, { required: true }),
    f('field', nonEmpty, { required: true }),
    f('assertion', str, { required: true }),
    f('target_value', anyValue, { required: true }),
    f('interval', duration),
    f('timeout', duration),
    DESCRIPTION,
  ],
  check(v) {
    checkAssertion(toUnicode(v.get('assertion') as string), v.get('target_value')!, 'ReadyCondition');
  },
  canonical: (v) => ({
    recipe: (v.get('recipe') as KurtosisValue).canonical(),
    field: v.text('field')!,
    assertion: v.text('assertion')!,
    ...comparisonTarget(v.get('target_value')!, 'ReadyCondition: target_value'),
    interval: normalizeDuration(v.text('interval') ?? '1s', 'ReadyCondition: interval'),
    timeout: normalizeDuration(v.text('timeout') ?? '15m', 'ReadyCondition: timeout'),
  }),
});

const STORE_SPEC: TypeDef = typeDef({
  name: 'StoreSpec',
  fields: [f('src', nonEmpty, { required: true }), f('name', nonEmpty), DESCRIPTION],
  canonical: (v) => ({ src: v.text('src')!, name: v.text('name') ?? null }),
});

const USER: TypeDef = typeDef({
  name: 'User',
  fields: [f('uid', intAtLeast(0), { required: true }), f('gid', intAtLeast(0)), DESCRIPTION],
  canonical: (v) => ({ uid: v.int('uid')!, gid: v.int('gid') ?? null }),
});

const TOLERATION: TypeDef = typeDef({
  name: 'Toleration',
  fields: [
    f('key', nonEmpty),
    f('operator', choice(['Exists', 'Equal'])),
    f('value', str),
    f('effect', choice(['NoSchedule', 'NoExecute', 'PreferNoSchedule'])),
    f('toleration_seconds', anyInt),
    DESCRIPTION,
  ],
  canonical(v): TolerationJson {
    const operator = v.text('operator') ?? '';
    const value = v.text('value') ?? '';
    if (!v.has('key') && operator !== 'Exists') convError('Toleration', "either 'key' must be set or 'operator' must be \"Exists\"");
    if (operator === 'Exists' && value !== '') convError('Toleration', "'value' must be empty when 'operator' is \"Exists\"");
    return {
      key: v.text('key') ?? '',
      operator,
      value,
      effect: v.text('effect') ?? '',
      toleration_seconds: v.int('toleration_seconds') ?? null,
    };
  },
});

const DEFAULT_GPU_DRIVER = 'nvidia';
const DEFAULT_GPU_RESOURCE = 'nvidia.com/gpu';

/** GpuConfig.driver: a name (`amd` → docker `amd`, Kubernetes `amd.com/gpu`) or a dict with either key. */
function gpuDriver(d: Value | undefined): GpuJson['driver'] {
  if (d === undefined || d === null) return { docker: DEFAULT_GPU_DRIVER, kubernetes: DEFAULT_GPU_RESOURCE };
  if (typeof d === 'string') {
    if (d.length === 0) convError('GpuConfig', "field 'driver' string shorthand cannot be empty");
    const name = toUnicode(d);
    return { docker: name, kubernetes: `${name}.com/gpu` };
  }
  if (!(d instanceof Dict)) convError('GpuConfig', `field 'driver' must be a string or a dict with "docker"/"kubernetes" keys, got ${typeName(d)}`);
  const pick = (key: string, fallback: string): string => {
    const x = d.get(fromUtf8(key));
    if (x === undefined) return fallback;
    if (typeof x !== 'string' || x.length === 0) convError('GpuConfig', `key ${q(key)} in field 'driver' must be a non-empty string`);
    return toUnicode(x);
  };
  return { docker: pick('docker', DEFAULT_GPU_DRIVER), kubernetes: pick('kubernetes', DEFAULT_GPU_RESOURCE) };
}

const GPU_CONFIG: TypeDef = typeDef({
  name: 'GpuConfig',
  fields: [f('count', anyInt), f('device_ids', list), f('shm_size', anyInt), f('ulimits', dict), f('driver', anyValue), DESCRIPTION],
  canonical(v): GpuJson {
    // Kurtosis accepts count and device_ids together; the Docker backend then uses the ids.
    const shm = v.int('shm_size') ?? 0;
    if (shm < 0) convError('GpuConfig', `an error occurred parsing field 'shm_size' with value '${shm}' to uint64`);
    const ulimits: { [k: string]: number } = {};
    for (const [k, x] of dictEntries(v.get('ulimits'), 'GpuConfig: ulimits')) {
      if (typeof x !== 'number') convError('GpuConfig: ulimits', `value for key ${q(k)} is ${typeName(x)}, want int`);
      setOwnKey(ulimits, k, x);
    }
    return {
      count: v.int('count') ?? 0,
      device_ids: stringList(v.get('device_ids'), 'GpuConfig: device_ids'),
      shm_size: shm,
      ulimits,
      driver: gpuDriver(v.get('driver')),
    };
  },
});

const SERVICE: TypeDef = typeDef({
  name: 'Service',
  fields: [
    f('name', nonEmpty, { required: true }),
    f('hostname', nonEmpty, { required: true }),
    f('ip_address', nonEmpty, { required: true }),
    f('ports', dict, { required: true }),
    DESCRIPTION,
  ],
  canonical(v): ServiceJson {
    const ports: { [id: string]: PortJson } = {};
    for (const [id, p] of dictEntries(v.get('ports'), 'Service: ports')) ports[id] = nested<PortJson>(p, `Service: ports[${q(id)}]`, 'PortSpec');
    return { name: v.text('name')!, hostname: v.text('hostname')!, ip_address: v.text('ip_address')!, ports };
  },
});

const DEFS: readonly TypeDef[] = [
  SERVICE_CONFIG,
  IMAGE_SPEC,
  IMAGE_BUILD_SPEC,
  NIX_BUILD_SPEC,
  PORT_SPEC,
  DIRECTORY,
  EXEC_RECIPE,
  GET_RECIPE,
  POST_RECIPE,
  READY_CONDITION,
  STORE_SPEC,
  USER,
  TOLERATION,
  GPU_CONFIG,
  SERVICE,
];

// ---- constructors ------------------------------------------------------------------------------

/** A private copy of a supplied argument: lists and dicts copied (deeply) and frozen. */
function snapshot(v: Value): Value {
  if (v instanceof List) {
    const l = new List(v.elems.map(snapshot));
    l.frozen = true;
    return l;
  }
  if (v instanceof Dict) {
    const d = new Dict();
    for (const [k, x] of v.items()) d.setUnchecked(k, snapshot(x));
    d.frozen = true;
    return d;
  }
  if (Array.isArray(v)) return (v as readonly Value[]).map(snapshot);
  return v;
}

function constructorOf(def: TypeDef): Builtin {
  const spec: { [name: string]: Param<Value | undefined> } = {};
  for (const field of def.fields) {
    const options = field.keywordOnly ? { keywordOnly: true } : {};
    spec[field.name] = field.required ? required(field.type, options) : optional(field.type, options);
  }
  return defineBuiltin(def.name, spec, (args) => {
    const slots = def.fields.map((field) => {
      const v = args[field.name] as Value | undefined;
      return v === undefined ? undefined : snapshot(v);
    });
    const value = new KurtosisValue(def, slots);
    def.check?.(value);
    return value;
  });
}

const CONSTRUCTORS: ReadonlyMap<string, Builtin> = new Map(DEFS.map((d) => [d.name, constructorOf(d)]));

/** The predeclared type constructors, by name (ServiceConfig, PortSpec, ..., Service). */
export function kurtosisTypes(): Map<string, Value> {
  return new Map(CONSTRUCTORS);
}

// ---- building values from the host -------------------------------------------------------------

/**
 * A PortSpec as Kurtosis rebuilds it in a Service's `ports` (add_service_shared.go,
 * CreatePortSpecUsingGoValues): number and transport protocol always; application
 * protocol when set; wait as Go's Duration text when the port waits (a disabled wait is
 * left unset, so reusing the port in another ServiceConfig waits the default, as there);
 * url as given, else `<application protocol>://<service name>:<number>` when there is an
 * application protocol.
 */
export function servicePort(port: PortJson, serviceName: string): KurtosisValue {
  const app = port.application_protocol;
  const derivedUrl = port.url !== '' ? port.url : app !== '' ? `${app}://${serviceName}:${port.number}` : '';
  return new KurtosisValue(PORT_SPEC, [
    port.number,
    fromUtf8(port.transport_protocol),
    app === '' ? undefined : fromUtf8(app),
    port.wait === null ? undefined : fromUtf8(port.wait),
    derivedUrl === '' ? undefined : fromUtf8(derivedUrl),
  ]);
}

/** The future references a Service value carries (Kurtosis: both are runtime values). */
export interface ServiceReferences {
  readonly ip_address: string;
  readonly hostname: string;
}

/**
 * The Service value add_service / get_service return, as Kurtosis makes it: `name`
 * concrete, `hostname` and `ip_address` future references, `ports` PortSpecs.
 */
export function makeService(name: string, refs: ServiceReferences, ports: { readonly [id: string]: PortJson }): KurtosisValue {
  return new ServiceValue(name, refs, ports);
}

const SERVICE_PORTS_SLOT = SERVICE.index.get('ports')!;

/** A Service whose `ports` dict is made on first use: most packages never look at it. */
class ServiceValue extends KurtosisValue {
  private ports: Dict | undefined;

  constructor(
    private readonly name: string,
    refs: ServiceReferences,
    private readonly portsJson: { readonly [id: string]: PortJson },
  ) {
    super(SERVICE, [fromUtf8(name), fromUtf8(refs.hostname), fromUtf8(refs.ip_address), undefined]);
  }

  protected override slot(i: number): Value | undefined {
    if (i !== SERVICE_PORTS_SLOT) return super.slot(i);
    if (this.ports === undefined) {
      this.ports = new Dict();
      for (const id of Object.keys(this.portsJson)) this.ports.setUnchecked(fromUtf8(id), servicePort(this.portsJson[id], this.name));
    }
    return this.ports;
  }
}

/** ServiceConfig fields set_service may not change (Kurtosis: "Overriding … is not supported"). */
const NOT_OVERRIDABLE = ['ports', 'public_ports', 'files', 'entrypoint', 'cmd', 'env_vars'] as const;

/**
 * set_service's merge (docs/kurtosis-api.md §2.5): the image is always replaced; CPU and
 * memory bounds when non-zero; the user when given; labels and tolerations when non-empty.
 * `update` is the set_service's config, `updateJson` its canonical form (with any build
 * context resolved). Throws EvalError for fields that cannot be overridden.
 */
export function mergeServiceConfig(base: ServiceConfigJson, update: KurtosisValue, updateJson: ServiceConfigJson): ServiceConfigJson {
  for (const name of NOT_OVERRIDABLE) {
    const v = update.get(name);
    if (v !== undefined && (v instanceof List || v instanceof Dict) && v.len() > 0) {
      fail(`Overriding '${name}' is currently not supported.`);
    }
  }
  return {
    ...base,
    image: updateJson.image,
    max_cpu: updateJson.max_cpu !== 0 ? updateJson.max_cpu : base.max_cpu,
    min_cpu: updateJson.min_cpu !== 0 ? updateJson.min_cpu : base.min_cpu,
    max_memory: updateJson.max_memory !== 0 ? updateJson.max_memory : base.max_memory,
    min_memory: updateJson.min_memory !== 0 ? updateJson.min_memory : base.min_memory,
    user: updateJson.user ?? base.user,
    labels: Object.keys(updateJson.labels).length > 0 ? updateJson.labels : base.labels,
    tolerations: updateJson.tolerations.length > 0 ? updateJson.tolerations : base.tolerations,
  };
}

export { intList, stringList, stringMap };
