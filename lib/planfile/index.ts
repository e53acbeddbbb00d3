// The public face of lib/planfile: the saved-plan model and its file.
export * from './model.js';
export * from './signing.js';
export {
  PLAN_FILE_MODE,
  PLAN_FORMAT_VERSION,
  parsePlan,
  readPlanFile,
  serializePlan,
  writePlanFile,
  type LoadedPlan,
  type SerializeOptions,
  type SerializedPlan,
  type WritePlanOptions,
} from './planfile.js';
