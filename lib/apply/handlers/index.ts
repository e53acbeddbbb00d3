// The handler of each instruction kind. Lookups (get_service, get_services, set_service,
// get_files_artifact, get_cluster_type) have no effect at execution time: set_service's
// merge is already part of its add_service's arguments in the plan.
import type { InstructionKind } from '../../instructions/index.js';
import type { StepHandler } from '../context.js';
import { renderTemplates, storeServiceFiles, uploadFiles } from './artifacts.js';
import { addService, removeServiceStep, startServiceStep, stopServiceStep } from './services.js';
import { exec, print, request, verify, wait } from './steps.js';
import { runTask } from './tasks.js';
import { bindService } from './bind.js';

const lookup: StepHandler = async () => ({ result: null, message: 'nothing to do at execution time', record: false });

export const HANDLERS: { readonly [kind in InstructionKind]: StepHandler } = {
  add_service: (ctx) => (ctx.instruction.args['binding'] !== undefined ? bindService(ctx) : addService(ctx)),
  remove_service: removeServiceStep,
  start_service: startServiceStep,
  stop_service: stopServiceStep,
  get_service: lookup,
  get_services: lookup,
  set_service: lookup,
  exec,
  request,
  wait,
  verify,
  print,
  render_templates: renderTemplates,
  upload_files: uploadFiles,
  store_service_files: storeServiceFiles,
  get_files_artifact: lookup,
  run_sh: runTask,
  run_python: runTask,
  get_cluster_type: lookup,
};

export { deleteDroppedArtifact } from './artifacts.js';
export { deleteDroppedService } from './services.js';
