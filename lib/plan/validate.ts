// Validation: the whole instruction list is checked before anything runs, and every
// problem is reported (Kurtosis stops at the first). Two layers:
//   1. shape — each instruction's canonical arguments against schemas/instructions.schema.json
//      (ajv), which catches a malformed record whatever produced it;
//   2. meaning — a walk over the list in order, simulating what exists at each point:
//      service names (RFC 1035) and their uniqueness, port ids (RFC 6335), services,
//      ports and files artifacts referenced before they exist, future references used
//      before the step that produces them (or naming a field it does not produce),
//      verify/wait assertions, and features starform refuses (NixBuildSpec).
// What the enclave already holds (the state's services and files artifacts) exists from
// the start, as in Kurtosis's validator environment: get_service, exec, mounts... of them
// are fine, and adding one of them again is an update, not a second add.
// Each problem carries the instruction's Starlark position and call stack.
import { schemaValidator } from '../util/schema.js';
import type { EnclaveContents } from './recorder.js';
import { canonicalJson, type JsonObject, type JsonValue } from '../util/json.js';
import { descriptorOf, REFERENCE_PATTERN, type Instruction, type Problem } from '../instructions/index.js';

const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PORT_ID = /^[a-z]([-a-z0-9]{0,13}[a-z0-9])?$/;
const ASSERTIONS = new Set(['==', '!=', '>=', '<=', '>', '<', 'IN', 'NOT_IN']);

interface SimService {
  readonly ports: ReadonlySet<string>;
}

export function validate(instructions: readonly Instruction[], enclave?: EnclaveContents): Problem[] {
  const problems: Problem[] = [];
  const check = schemaValidator('instructions.schema.json');
  const services = new Map<string, SimService>();
  const artifacts = new Set<string>(enclave?.artifacts ?? []);
  const produced = new Map<string, ReadonlySet<string>>();
  /** Services and artifacts created by this run (a second creation is an error); those of the enclave may be created again. */
  const addedServices = new Set<string>();
  const createdArtifacts = new Set<string>();
  for (const [name, config] of enclave?.services ?? []) {
    services.set(name, { ports: new Set([...Object.keys(config.ports), ...Object.keys(config.public_ports ?? {})]) });
    produced.set(`service.${name}`, new Set(['ip_address', 'hostname']));
  }

  for (const ins of instructions) {
    const report = (message: string): void => {
      problems.push({ message, position: ins.position, stack: ins.stack, stepId: ins.id });
    };
    for (const p of check({ kind: ins.kind, args: ins.args })) report(`${ins.kind}: invalid arguments: ${p}`);

    for (const ref of references(ins.args)) {
      const fields = produced.get(ref.step);
      if (fields === undefined) {
        report(`${ins.kind} uses the future reference ${ref.text} before the step that produces it (${ref.step}) has run`);
      } else if (!fields.has(ref.field)) {
        report(`${ins.kind} uses ${ref.text}, but step ${ref.step} produces no '${ref.field}' (it has: ${[...fields].sort().join(', ')})`);
      }
    }

    const args = ins.args;
    const needService = (name: string): SimService | undefined => {
      const s = services.get(name);
      if (s === undefined) {
        const known = [...services.keys()].sort();
        report(
          `${ins.kind}: service '${name}' does not exist at this point of the plan` +
            (known.length > 0 ? ` (services so far: ${known.join(', ')})` : ' (no service has been added yet)'),
        );
      }
      return s;
    };
    const needArtifact = (name: string): void => {
      if (!artifacts.has(name)) report(`${ins.kind}: files artifact '${name}' does not exist at this point of the plan`);
    };
    const needPort = (service: SimService | undefined, serviceName: string, portId: string): void => {
      if (service !== undefined && !service.ports.has(portId)) {
        const ports = [...service.ports].sort();
        report(
          `${ins.kind}: service '${serviceName}' has no port '${portId}'` +
            (ports.length > 0 ? ` (its ports: ${ports.join(', ')})` : ' (it declares no ports)'),
        );
      }
    };

    // What the kind's descriptor says it needs or creates (lib/instructions/kinds.ts), then
    // what is particular to the kind.
    const kind = descriptorOf(ins.kind);
    const service = kind.service !== undefined && kind.role !== 'service' ? needService(str(args[kind.service])) : undefined;
    if (kind.createsArtifact === true) addArtifact(str(args['name']), artifacts, createdArtifacts, report);
    if (kind.needsArtifact === true) needArtifact(str(args['name']));

    switch (ins.kind) {
      case 'add_service': {
        const name = str(args['name']);
        const config = obj(args['config']);
        if (!SERVICE_NAME.test(name)) {
          report(
            `service name '${name}' is invalid: service names must follow RFC 1035 (1-63 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit)`,
          );
        }
        if (addedServices.has(name)) report(`service '${name}' is added twice; remove it first or give the second one another name`);
        addedServices.add(name);
        checkServiceFeatures(name, config, report);
        const ports = new Set<string>();
        for (const key of ['ports', 'public_ports']) {
          for (const id of Object.keys(obj(config[key]))) {
            if (!PORT_ID.test(id)) {
              report(
                `service '${name}': port id '${id}' is invalid: port ids must follow RFC 6335 (1-15 lowercase letters, digits and '-', starting with a letter)`,
              );
            }
            ports.add(id);
          }
        }
        for (const [mount, dir] of Object.entries(obj(config['files']))) {
          const d = obj(dir);
          for (const a of arr(d['artifact_names'])) needArtifact(str(a));
          const key = d['persistent_key'];
          if (typeof key === 'string' && !SERVICE_NAME.test(key)) {
            report(`service '${name}': persistent_key '${key}' for ${mount} is invalid: it must follow RFC 1035`);
          }
          if (!mount.startsWith('/')) report(`service '${name}': files mount path '${mount}' must be absolute`);
        }
        const ready = config['ready_conditions'];
        if (ready !== null && ready !== undefined) {
          const rc = obj(ready);
          checkAssertion(String(rc['assertion']), report);
          const recipe = obj(rc['recipe']);
          if (recipe['type'] === 'http' && !ports.has(str(recipe['port_id']))) {
            report(`service '${name}': its ready condition uses port '${str(recipe['port_id'])}', which the service does not declare`);
          }
        }
        services.set(name, { ports });
        break;
      }
      case 'remove_service': {
        const name = str(args['name']);
        if (service) {
          services.delete(name);
          addedServices.delete(name);
        }
        break;
      }
      case 'set_service':
        checkServiceFeatures(str(args['name']), obj(args['config']), report);
        break;
      case 'exec':
      case 'request':
      case 'wait': {
        const name = str(args['service_name']);
        const recipe = obj(args['recipe']);
        if (recipe['type'] === 'http') needPort(service, name, str(recipe['port_id']));
        if (ins.kind === 'exec' && recipe['type'] !== 'exec') report('exec needs an ExecRecipe');
        if (ins.kind === 'request' && recipe['type'] !== 'http') report('request needs a GetHttpRequestRecipe or PostHttpRequestRecipe');
        if (ins.kind === 'wait') checkAssertion(str(args['assertion']), report);
        break;
      }
      case 'verify':
        checkAssertion(str(args['assertion']), report);
        break;
      case 'run_sh':
      case 'run_python': {
        for (const dir of Object.values(obj(args['files']))) {
          if (typeof dir === 'string') needArtifact(dir);
          else for (const a of arr(obj(dir)['artifact_names'])) needArtifact(str(a));
        }
        // A task's store may name an artifact that exists: Kurtosis then updates it
        // (tasks_shared.go only records the name), so a later mount sees the new content.
        for (const s of arr(args['store'])) {
          const name = str(obj(s)['name']);
          artifacts.add(name);
          createdArtifacts.add(name);
        }
        break;
      }
      default:
        break;
    }
    produced.set(ins.id, new Set(ins.produces));
  }
  return problems;
}

/**
 * A device in Docker's `--device` form: `host[:container][:permissions]`, absolute paths,
 * permissions made of r, w and m (each at most once).
 */
const DEVICE = /^\/[^:]*(:\/[^:]*)?(:(?!.*(.).*\3)[rwm]{1,3})?$/;

/** What a service configuration asks for that starform cannot do, or asks for wrongly. */
function checkServiceFeatures(name: string, config: JsonObject, report: (m: string) => void): void {
  if (obj(config['image'])['type'] === 'nix') {
    report(`service '${name}': NixBuildSpec is not supported by starform; build the image beforehand and use its name`);
  }
  for (const device of arr(config['devices'])) {
    if (!DEVICE.test(str(device))) {
      report(`service '${name}': device '${str(device)}' is not in the form /host/path[:/container/path][:permissions] (permissions: r, w and m)`);
    }
  }
  if (Object.keys(obj(config['files_to_be_moved'])).length > 0) {
    report(`service '${name}': files_to_be_moved is not supported by starform; mount the files where they are needed (files = {...})`);
  }
}

function addArtifact(name: string, artifacts: Set<string>, created: Set<string>, report: (m: string) => void): void {
  if (created.has(name)) report(`files artifact '${name}' is created twice; give one of them another name`);
  artifacts.add(name);
  created.add(name);
}

function checkAssertion(assertion: string, report: (m: string) => void): void {
  if (!ASSERTIONS.has(assertion)) report(`assertion '${assertion}' is not one of ${[...ASSERTIONS].join(', ')}`);
}

interface FoundReference {
  readonly text: string;
  readonly step: string;
  readonly field: string;
}

/** The future references in a value (its canonical text, which records carry already). */
function references(v: JsonValue): FoundReference[] {
  const text = canonicalJson(v);
  if (!text.includes('{{starform:')) return [];
  return [...text.matchAll(REFERENCE_PATTERN)].map((m) => ({ text: m[0], step: m[1], field: m[2] }));
}

function obj(v: JsonValue | undefined): JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : {};
}

function arr(v: JsonValue | undefined): readonly JsonValue[] {
  return Array.isArray(v) ? v : [];
}

function str(v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : String(v ?? '');
}
