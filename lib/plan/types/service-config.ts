// The Kurtosis types a service is configured with: ServiceConfig, ImageSpec,
// ImageBuildSpec, NixBuildSpec, PortSpec, Directory, User, Toleration, GpuConfig.
import { Dict, fail, fromUtf8, toUnicode, typeName, type Value } from '../../starlark/index.js';
import { normalizeDuration } from '../canonical.js';
import { setOwnKey } from '../../util/json.js';
import { checkEnvVars } from '../env-names.js';
import {
  DEFAULT_IP_PLACEHOLDER,
  DEFAULT_PERSISTENT_DIRECTORY_SIZE_MB,
  DEFAULT_PORT_WAIT,
  type DirectoryJson,
  type GpuJson,
  type ImageJson,
  type PortJson,
  type ReadyConditionJson,
  type ServiceConfigJson,
  type TolerationJson,
  type UserJson,
} from '../../instructions/index.js';
import {
  DESCRIPTION,
  type TypeDef,
  sortedObject,
  anyInt,
  anyValue,
  applicationProtocol,
  bindMounts,
  bool,
  choice,
  convError,
  dict,
  dictEntries,
  durationOrNone,
  elems,
  f,
  intAtLeast,
  isKurtosis,
  kinds,
  labels,
  list,
  nested,
  nonEmpty,
  oneOf,
  portNumber,
  q,
  str,
  stringDict,
  stringList,
  stringMap,
  typeDef,
  url,
} from './value.js';

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

export const SERVICE_CONFIG: TypeDef = typeDef({
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
    const tolerations = elems(v.get('tolerations')).map((t, i) => nested<TolerationJson>(t, `ServiceConfig: tolerations: item number ${i}`, 'Toleration'));
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

export const IMAGE_SPEC: TypeDef = typeDef({
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

export const IMAGE_BUILD_SPEC: TypeDef = typeDef({
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

export const NIX_BUILD_SPEC: TypeDef = typeDef({
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

export const PORT_SPEC: TypeDef = typeDef({
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
    const waitText = wait === null ? null : normalizeDuration(wait === undefined ? DEFAULT_PORT_WAIT : toUnicode(wait as string), 'PortSpec: wait');
    return {
      application_protocol: v.text('application_protocol') ?? '',
      number,
      transport_protocol: (protocol === undefined || protocol === '' ? 'TCP' : protocol) as PortJson['transport_protocol'],
      url: v.text('url') ?? '',
      wait: waitText,
    };
  },
});

export const DIRECTORY: TypeDef = typeDef({
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

export const USER: TypeDef = typeDef({
  name: 'User',
  fields: [f('uid', intAtLeast(0), { required: true }), f('gid', intAtLeast(0)), DESCRIPTION],
  canonical: (v) => ({ uid: v.int('uid')!, gid: v.int('gid') ?? null }),
});

export const TOLERATION: TypeDef = typeDef({
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

export const GPU_CONFIG: TypeDef = typeDef({
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
