// Small edits of a state that several parts of the execution phase make: forgetting an
// applied step with the runtime values it recorded (deletions, `state rm`, dropping steps
// a package no longer makes).
import { removeStep, setRuntimeValue, type State } from '../state/index.js';

/** Removes an applied step and every runtime value it recorded (`<step id>.<field>`). */
export function forgetStep(state: State, stepId: string): State {
  let next = removeStep(state, stepId);
  for (const key of state.runtimeValues.keys()) if (key.startsWith(`${stepId}.`)) next = setRuntimeValue(next, key, undefined);
  return next;
}
