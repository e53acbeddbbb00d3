// The handler of each instruction kind. Lookups (the kinds whose descriptor's role is
// `lookup`: get_service, get_services, set_service, get_files_artifact, get_cluster_type)
// have no effect at execution time: set_service's merge is already part of its
// add_service's arguments in the plan. Every other kind has a handler in its family's file
// (STEP_HANDLERS in steps.ts, ...); HANDLERS gathers them, and the compiler checks that
// every kind the descriptors (lib/instructions/kinds.ts) give an effect has one.
import { descriptorOf, type InstructionKind, type KINDS } from '../../instructions/index.js';
import type { StepHandler } from '../context.js';
import { ARTIFACT_HANDLERS } from './artifacts.js';
import { addService, SERVICE_HANDLERS } from './services.js';
import { STEP_HANDLERS } from './steps.js';
import { TASK_HANDLERS } from './tasks.js';
import { bindService } from './bind.js';

const lookup: StepHandler = async () => ({ result: null, message: 'nothing to do at execution time', record: false });

/** The kinds that do something at execution time. */
type EffectKind = { [K in InstructionKind]: (typeof KINDS)[K]['role'] extends 'lookup' ? never : K }[InstructionKind];

const HANDLERS: { readonly [kind in EffectKind]: StepHandler } = {
  add_service: (ctx) => (ctx.instruction.args['binding'] !== undefined ? bindService(ctx) : addService(ctx)),
  ...SERVICE_HANDLERS,
  ...STEP_HANDLERS,
  ...ARTIFACT_HANDLERS,
  ...TASK_HANDLERS,
};

function hasEffect(kind: InstructionKind): kind is EffectKind {
  return descriptorOf(kind).role !== 'lookup';
}

/** The handler of a kind: a lookup's does nothing. */
export function handlerOf(kind: InstructionKind): StepHandler {
  return hasEffect(kind) ? HANDLERS[kind] : lookup;
}

export { deleteDroppedArtifact } from './artifacts.js';
export { deleteDroppedService } from './services.js';
