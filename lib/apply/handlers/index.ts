// The handler of each instruction kind. Lookups (the kinds whose descriptor's role is
// `lookup`: get_service, get_services, set_service, get_files_artifact, get_cluster_type)
// have no effect at execution time: set_service's merge is already part of its
// add_service's arguments in the plan. Every other kind has an entry in HANDLERS, which the
// compiler checks against the descriptors (lib/instructions/kinds.ts).
import { descriptorOf, type InstructionKind, type KINDS } from '../../instructions/index.js';
import type { StepHandler } from '../context.js';
import { renderTemplates, storeServiceFiles, uploadFiles } from './artifacts.js';
import { addService, removeServiceStep, startServiceStep, stopServiceStep } from './services.js';
import { exec, print, request, verify, wait } from './steps.js';
import { runTask } from './tasks.js';
import { bindService } from './bind.js';

const lookup: StepHandler = async () => ({ result: null, message: 'nothing to do at execution time', record: false });

/** The kinds that do something at execution time. */
type EffectKind = { [K in InstructionKind]: (typeof KINDS)[K]['role'] extends 'lookup' ? never : K }[InstructionKind];

const HANDLERS: { readonly [kind in EffectKind]: StepHandler } = {
  add_service: (ctx) => (ctx.instruction.args['binding'] !== undefined ? bindService(ctx) : addService(ctx)),
  remove_service: removeServiceStep,
  start_service: startServiceStep,
  stop_service: stopServiceStep,
  exec,
  request,
  wait,
  verify,
  print,
  render_templates: renderTemplates,
  upload_files: uploadFiles,
  store_service_files: storeServiceFiles,
  run_sh: runTask,
  run_python: runTask,
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
