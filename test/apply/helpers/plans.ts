// Hand-made plans for the executor's unit tests: instruction records as the plan module
// makes them (canonical args), changes computed by the real diff against a state.
import { diff } from '../../../lib/plan/diff.js';
import { futureReference, type Change, type Instruction, type ServiceConfigJson } from '../../../lib/instructions/index.js';
import type { SavedPlan } from '../../../lib/planfile/model.js';
import type { State } from '../../../lib/state/model.js';
import type { JsonObject, JsonValue } from '../../../lib/util/json.js';

export const ref = futureReference;

let line = 0;

export function instruction(id: string, kind: Instruction['kind'], args: JsonObject, extra: Partial<Instruction> = {}): Instruction {
  line++;
  return {
    id,
    kind,
    args,
    description: `${kind} ${id}`,
    position: { file: 'main.star', line, col: 5 },
    stack: [{ function: 'run', file: 'main.star', line, col: 5 }],
    services: [],
    artifacts: [],
    refs: [],
    produces: [],
    ...extra,
  };
}

export function serviceConfig(overrides: Partial<ServiceConfigJson> = {}): ServiceConfigJson {
  return {
    image: { type: 'image', image: 'starform-test/busybox:latest' },
    ports: {},
    public_ports: {},
    files: {},
    entrypoint: [],
    cmd: ['sleep', '3600'],
    env_vars: {},
    private_ip_address_placeholder: 'KURTOSIS_IP_ADDR_PLACEHOLDER',
    max_cpu: 0,
    min_cpu: 0,
    max_memory: 0,
    min_memory: 0,
    ready_conditions: null,
    labels: {},
    user: null,
    tolerations: [],
    node_selectors: {},
    files_to_be_moved: {},
    tini_enabled: true,
    tty_enabled: false,
    devices: [],
    publish_udp: false,
    capabilities: [],
    gpu: null,
    privileged: false,
    host_pid_namespace: false,
    bind_mounts: {},
    ...overrides,
  };
}

export function addService(name: string, overrides: Partial<ServiceConfigJson> = {}, refs: string[] = []): Instruction {
  const config = serviceConfig(overrides);
  const artifacts = [...new Set(Object.values(config.files).flatMap((d) => d.artifact_names))];
  return instruction(
    `service.${name}`,
    'add_service',
    { name, config: config as unknown as JsonObject },
    {
      declares: { type: 'service', name },
      artifacts,
      refs,
      produces: ['ip_address', 'hostname'],
    },
  );
}

export function exec(id: string, service: string, command: string[], refs: string[] = []): Instruction {
  return instruction(
    id,
    'exec',
    { service_name: service, recipe: { type: 'exec', command, extract: {} }, acceptable_codes: [0], skip_code_check: false },
    { services: [service], refs, produces: ['code', 'output'] },
  );
}

export function print(id: string, msg: string, refs: string[] = []): Instruction {
  return instruction(id, 'print', { msg }, { refs });
}

export function verify(id: string, value: string, assertion: string, target: JsonValue, targetType: string, refs: string[]): Instruction {
  return instruction(id, 'verify', { value, assertion, target_value: target, target_type: targetType }, { refs });
}

/** A saved plan of these instructions, diffed against `state`. */
export function planOf(
  instructions: Instruction[],
  state: State,
  outputs: JsonValue = null,
  files = new Map<string, Uint8Array>(),
): SavedPlan<Instruction, Change> {
  return {
    base: { lineage: state.lineage, serial: state.serial },
    package: { locator: 'test', digest: `sha256:${'0'.repeat(64)}`, args: {} },
    instructions,
    changes: diff(instructions, state),
    outputs,
    files,
  };
}
