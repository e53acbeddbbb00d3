// The public face of lib/planfile: the saved-plan model and its file.
export * from './model.js';
export {
  PLAN_FORMAT_VERSION,
  parsePlan,
  readPlanFile,
  serializePlan,
  writePlanFile,
  type LoadedPlan,
  type SerializedPlan,
} from './planfile.js';
