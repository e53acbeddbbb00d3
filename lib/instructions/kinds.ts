// The instruction kinds, one descriptor each: the facts about a kind that the diff, the
// validation, the recorder's step ids, the executor's graph and handler registry, the
// override check and the export used to spell out in their own lists. A new kind is an
// entry here (its descriptor and its argument type), its builtin (lib/plan/plan-object.ts)
// and its handler (lib/apply/handlers/); schemas/instructions.schema.json describes its
// arguments, and test/instructions/kinds.test.ts fails until the three agree.
//
// What a descriptor says:
//   role     service   declares a service that stays (the diff creates / replaces / keeps it)
//            artifact  declares a files artifact that stays (named by its `name` argument)
//            state     asks an end state of the service it names (remove, start, stop):
//                      a change only when the simulated environment differs
//            step      a one-off that runs when new, changed, or a dependency changes
//            lookup    nothing at execution time (the plan already holds its result)
//   id       how its step id is formed (model.ts): service.<name>, artifact.<name>,
//            <kind>.<name>, or <kind>.<12 hex of its arguments' digest>
//   service  the argument naming the service it needs; validation checks that it exists
//   actsOnService  it acts on or inside the services it names: the graph orders all steps
//            on one service (they write it); otherwise naming a service only reads it
//   needsContainer  it needs the service's container: impossible on a bound service
//   createsArtifact / needsArtifact  its `name` argument names a files artifact it
//            creates / that must exist; storesArtifacts: its `store` entries create some
//   deferrableRecord  it touches no engine resource: its state record may be committed
//            without waiting for the disk (lib/apply/state-writer.ts)
//   args     its argument keys, exactly those of its type in InstructionArgs
import type { JsonObject, JsonValue } from '../util/json.js';
import type { ImageJson, ReadyConditionJson, RecipeJson, ServiceConfigJson, TolerationJson } from './shapes.js';

// ---- the arguments of each kind (the canonical form the builtins record) ------------------

type NameArgs = { readonly name: string };
type NoArgs = Record<never, never>;
type RecipeStepArgs = {
  readonly service_name: string;
  readonly recipe: RecipeJson;
  readonly acceptable_codes: readonly number[];
  readonly skip_code_check: boolean;
};
type TaskArgs = {
  readonly name: string;
  readonly run: string;
  readonly image: ImageJson;
  /** Mount path → files artifact name. */
  readonly files: { readonly [mountPath: string]: string };
  readonly store: readonly { readonly src: string; readonly name: string }[];
  readonly wait: string | null;
  readonly acceptable_codes: readonly number[];
  readonly skip_code_check: boolean;
  readonly node_selectors: { readonly [k: string]: string };
  readonly tolerations: readonly TolerationJson[];
  /** Recorded only when used (privileged mode needs the user's opt-in). */
  readonly privileged?: boolean;
  readonly host_pid_namespace?: boolean;
  readonly bind_mounts?: { readonly [hostPath: string]: string };
};

/** Each kind's canonical arguments. */
export interface InstructionArgs {
  add_service: {
    readonly name: string;
    readonly config: ServiceConfigJson;
    /** Set by an override file (lib/plan/override.ts): the endpoint the service is bound to. */
    readonly binding?: JsonObject;
  };
  remove_service: NameArgs;
  start_service: NameArgs;
  stop_service: NameArgs;
  get_service: NameArgs;
  get_services: NoArgs;
  set_service: { readonly name: string; readonly config: ServiceConfigJson };
  exec: RecipeStepArgs;
  request: RecipeStepArgs;
  wait: { readonly service_name: string } & ReadyConditionJson;
  verify: { readonly value: string; readonly assertion: string; readonly target_value: JsonValue; readonly target_type: string };
  print: { readonly msg: string };
  render_templates: { readonly name: string; readonly files: { readonly [path: string]: { readonly template: string; readonly data: JsonValue } } };
  upload_files: {
    readonly name: string;
    /** The locator as written. */
    readonly src: string;
    readonly digest: string;
    readonly files: readonly { readonly path: string; readonly digest: string }[];
  };
  store_service_files: { readonly name: string; readonly service_name: string; readonly src: string };
  get_files_artifact: NameArgs;
  run_sh: TaskArgs & { readonly env_vars: { readonly [k: string]: string } };
  run_python: TaskArgs & { readonly args: readonly string[]; readonly packages: readonly string[] };
  get_cluster_type: NoArgs;
}

export type InstructionKind = keyof InstructionArgs;

// ---- the descriptors --------------------------------------------------------------------------

export type KindRole = 'service' | 'artifact' | 'state' | 'step' | 'lookup';

export interface KindDescriptor {
  readonly role: KindRole;
  readonly id: 'service' | 'artifact' | 'named' | 'hashed';
  /** For role `state`: what it asks of the service (absent: unchanged). */
  readonly endState?: { readonly present?: boolean; readonly running?: boolean };
  readonly service?: 'name' | 'service_name';
  readonly actsOnService?: boolean;
  readonly needsContainer?: boolean;
  readonly createsArtifact?: boolean;
  readonly needsArtifact?: boolean;
  readonly storesArtifacts?: boolean;
  readonly deferrableRecord?: boolean;
  /** Its argument keys: those of InstructionArgs[kind], all of them (test/instructions/kinds.test.ts checks). */
  readonly args: readonly string[];
}

/** Each descriptor names only argument keys its kind's type has. */
type Described = { readonly [K in InstructionKind]: KindDescriptor & { readonly args: readonly (keyof InstructionArgs[K] & string)[] } };

const RECIPE_STEP_ARGS = ['service_name', 'recipe', 'acceptable_codes', 'skip_code_check'] as const;
const TASK_ARGS = [
  'name',
  'run',
  'image',
  'files',
  'store',
  'wait',
  'acceptable_codes',
  'skip_code_check',
  'node_selectors',
  'tolerations',
  'privileged',
  'host_pid_namespace',
  'bind_mounts',
] as const;

/** The descriptor of every kind, in the order Kurtosis's documentation lists them. */
export const KINDS = {
  add_service: { role: 'service', id: 'service', args: ['name', 'config', 'binding'] },
  remove_service: { role: 'state', id: 'named', endState: { present: false }, service: 'name', actsOnService: true, needsContainer: true, args: ['name'] },
  start_service: { role: 'state', id: 'named', endState: { running: true }, service: 'name', actsOnService: true, needsContainer: true, args: ['name'] },
  stop_service: { role: 'state', id: 'named', endState: { running: false }, service: 'name', actsOnService: true, needsContainer: true, args: ['name'] },
  get_service: { role: 'lookup', id: 'hashed', service: 'name', actsOnService: true, deferrableRecord: true, args: ['name'] },
  get_services: { role: 'lookup', id: 'hashed', deferrableRecord: true, args: [] },
  set_service: { role: 'lookup', id: 'hashed', service: 'name', actsOnService: true, needsContainer: true, args: ['name', 'config'] },
  exec: { role: 'step', id: 'hashed', service: 'service_name', actsOnService: true, needsContainer: true, args: RECIPE_STEP_ARGS },
  request: { role: 'step', id: 'hashed', service: 'service_name', actsOnService: true, args: RECIPE_STEP_ARGS },
  wait: {
    role: 'step',
    id: 'hashed',
    service: 'service_name',
    actsOnService: true,
    args: ['service_name', 'recipe', 'field', 'assertion', 'target_value', 'target_type', 'interval', 'timeout'],
  },
  verify: { role: 'step', id: 'hashed', deferrableRecord: true, args: ['value', 'assertion', 'target_value', 'target_type'] },
  print: { role: 'step', id: 'hashed', deferrableRecord: true, args: ['msg'] },
  render_templates: { role: 'artifact', id: 'artifact', createsArtifact: true, args: ['name', 'files'] },
  upload_files: { role: 'artifact', id: 'artifact', createsArtifact: true, args: ['name', 'src', 'digest', 'files'] },
  store_service_files: {
    role: 'artifact',
    id: 'artifact',
    service: 'service_name',
    actsOnService: true,
    needsContainer: true,
    createsArtifact: true,
    args: ['name', 'service_name', 'src'],
  },
  get_files_artifact: { role: 'lookup', id: 'named', needsArtifact: true, deferrableRecord: true, args: ['name'] },
  run_sh: { role: 'step', id: 'hashed', storesArtifacts: true, args: [...TASK_ARGS, 'env_vars'] },
  run_python: { role: 'step', id: 'hashed', storesArtifacts: true, args: [...TASK_ARGS, 'args', 'packages'] },
  get_cluster_type: { role: 'lookup', id: 'hashed', deferrableRecord: true, args: [] },
} as const satisfies Described;

/** The instruction kinds, in the descriptors' order. */
export const INSTRUCTION_KINDS: readonly InstructionKind[] = Object.keys(KINDS) as InstructionKind[];

/** Whether a string (a plan file's `kind`) names an instruction kind. */
export function isInstructionKind(kind: string): kind is InstructionKind {
  return Object.hasOwn(KINDS, kind);
}

/** The descriptor of a kind. */
export function descriptorOf(kind: InstructionKind): KindDescriptor {
  return KINDS[kind];
}
