// What an earlier apply left in the enclave, as the interpretation and validation phases
// see it. Kurtosis interprets a package against its enclave: get_service, get_services
// and set_service find services that earlier runs added, and validation accepts names of
// services and files artifacts that already exist. starform's enclave is the state, so
// this reads the state's records into the plan module's own terms — plain data, never the
// runtime.
import type { State } from '../state/index.js';
import type { JsonObject, JsonValue } from '../util/json.js';
import type { EnclaveContents } from './recorder.js';
import type { ServiceConfigJson } from '../instructions/index.js';

/** The services (with their last applied configuration) and files artifacts of a state. */
export function enclaveContents(state: State): EnclaveContents {
  const services = new Map<string, ServiceConfigJson>();
  for (const [name, record] of state.services) {
    const config = record.config['config'];
    if (isServiceConfig(config)) services.set(name, config);
  }
  return { services, artifacts: [...state.filesArtifacts.keys()] };
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Whether a state record's configuration has the shape add_service recorded (the state
 * file was checked against its schema when read; this guards the fields used here).
 */
function isServiceConfig(v: JsonValue | undefined): v is ServiceConfigJson {
  if (!isObject(v) || !isObject(v['image']) || !isObject(v['ports']) || !isObject(v['files'])) return false;
  return Object.values(v['ports']).every((p) => isObject(p) && typeof p['number'] === 'number');
}
