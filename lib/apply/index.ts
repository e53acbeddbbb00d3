// The public face of lib/apply, the execution phase: apply a saved plan, destroy an
// enclave, refresh a state from the engine, and the events progress views are built from.
export { applyPlan, type ApplicablePlan, type ApplyOptions, type ApplyResult } from './executor.js';
export { destroyEnclave, destroyPackage, packageEntities, type DestroyOptions, type DestroyPackageResult, type DestroyResult } from './destroy.js';
export { refreshBlobs, refreshState, type RefreshResult } from './refresh.js';
export { ApplyError, StepFailure } from './errors.js';
export { emptySummary, inStepOrder, type ApplyEvent, type ApplySummary, type EventSink, type ImageAction, type StepAction, type StepInfo } from './events.js';
export { enclaveStatus, hostUrl, type EnclaveStatus, type ServiceStatusRow } from './status.js';
