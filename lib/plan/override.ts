// Overriding a package without editing it (issue 12): `plan --override FILE`.
//
// The file (YAML or JSON, schemas/override.schema.json) names services by address and says,
// for each, which ServiceConfig fields to override (image, env_vars, cmd, entrypoint,
// resources, ports, labels) or what to bind the service to instead of creating it: a
// container that already runs on the engine (`existing: {container: NAME}`) or an endpoint
// outside it (`external: {hostname, ip, ports}`).
//
// Overrides apply while the package runs, inside add_service (plan-object.ts calls
// `overrideConfig`), not to the instruction list afterwards: a port number or an image the
// package reads back from the service it added is then the overridden one, everywhere.
// A bound service's add_service carries a `binding` argument; the diff plans it as a step
// that only resolves the binding (diff.ts), apply records the bound endpoint's address as
// the step's values (lib/apply/handlers/bind.ts), so the package's references to it
// (`hostname`, `ip_address`) resolve to the existing one, and its ports are the bound
// ones. starform never creates, replaces, stops or deletes a bound service (it is not a
// service of the state), and refuses a package that acts inside one (exec, files...).
//
// The plan records the whole file (content and digest) as an edit, so a reviewer sees it
// and the plan stays byte-identical for the same file.
import { parseArgsText } from '../package/index.js';
import type { PlanEdit } from '../planfile/index.js';
import { UserError } from '../util/errors.js';
import { readTextFile } from '../util/files.js';
import { digestOf } from '../util/hash.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../util/json.js';
import { schemaValidator } from '../util/schema.js';
import { descriptorOf, type Instruction, type PortJson, type Problem, type ServiceConfigJson } from '../instructions/index.js';

export interface ExistingBinding {
  readonly existing: { readonly container: string };
}
export interface ExternalBinding {
  readonly external: { readonly hostname?: string; readonly ip: string; readonly ports?: { readonly [id: string]: number } };
}
export type Binding = ExistingBinding | ExternalBinding;

export interface ServiceOverride {
  readonly image?: string;
  readonly env_vars?: { readonly [k: string]: string };
  readonly cmd?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly labels?: { readonly [k: string]: string };
  readonly resources?: { readonly min_cpu?: number; readonly max_cpu?: number; readonly min_memory?: number; readonly max_memory?: number };
  readonly ports?: { readonly [id: string]: { readonly number?: number; readonly transport_protocol?: string; readonly application_protocol?: string } };
  readonly existing?: ExistingBinding['existing'];
  readonly external?: ExternalBinding['external'];
}

/** An override file as read and checked: plain JSON, so it crosses to the interpreter's worker. */
export interface OverrideSpec {
  readonly services: { readonly [address: string]: ServiceOverride };
}

/** Reads and checks an override file; its edit record carries the content and its digest. */
export async function readOverride(file: string): Promise<{ spec: OverrideSpec; edit: PlanEdit }> {
  const text = await readTextFile(file, 'override file');
  const content = parseArgsText(text, file);
  const problems = schemaValidator('override.schema.json')(content);
  if (problems.length > 0) {
    throw new UserError(`the override file does not match schemas/override.schema.json:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      location: { file },
    });
  }
  return { spec: specOf(content), edit: { kind: 'override', file, digest: digestOf(text), content } };
}

/** The checked file as its type (the schema vouches for the shape). */
function specOf(content: JsonObject): OverrideSpec {
  const services: Record<string, ServiceOverride> = {};
  const raw = content['services'];
  if (isJsonObject(raw)) for (const [address, entry] of Object.entries(raw)) if (isJsonObject(entry)) services[address] = entry as ServiceOverride;
  return { services };
}

/** The binding of a service override, if it binds. */
export function bindingOf(o: ServiceOverride | undefined): Binding | undefined {
  if (o?.existing !== undefined) return { existing: { container: o.existing.container } };
  if (o?.external !== undefined) return { external: { ...o.external } };
  return undefined;
}

const NEW_PORT: Omit<PortJson, 'number'> = { application_protocol: '', transport_protocol: 'TCP', url: '', wait: '2m0s' } as Omit<PortJson, 'number'>;

/** A service's canonical configuration with an override's fields applied (see the file comment). */
export function overrideConfig(config: ServiceConfigJson, o: ServiceOverride): ServiceConfigJson {
  let next: ServiceConfigJson = { ...config };
  if (o.image !== undefined) next = { ...next, image: { type: 'image', image: o.image } as ServiceConfigJson['image'] };
  if (o.env_vars !== undefined) next = { ...next, env_vars: sorted({ ...next.env_vars, ...o.env_vars }) };
  if (o.labels !== undefined) next = { ...next, labels: sorted({ ...next.labels, ...o.labels }) };
  if (o.cmd !== undefined) next = { ...next, cmd: [...o.cmd] };
  if (o.entrypoint !== undefined) next = { ...next, entrypoint: [...o.entrypoint] };
  if (o.resources !== undefined) next = { ...next, ...o.resources };
  const ports: Record<string, PortJson> = { ...next.ports };
  for (const [id, p] of Object.entries(o.ports ?? {})) {
    const before = ports[id];
    if (before === undefined && p.number === undefined) throw new UserError(`override: port '${id}' is new, so it needs a number`);
    ports[id] = { ...(before ?? NEW_PORT), ...p } as PortJson;
  }
  const external = o.external;
  for (const [id, number] of Object.entries(external?.ports ?? {})) {
    const before = ports[id];
    ports[id] = { ...(before ?? NEW_PORT), number } as PortJson;
  }
  if (o.ports !== undefined || external?.ports !== undefined) next = { ...next, ports: sorted(ports) };
  return next;
}

function sorted<T>(o: { readonly [k: string]: T }): { [k: string]: T } {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]!]),
  );
}

/** The bound services of a plan's instructions (by name). */
export function boundServices(instructions: readonly Instruction[]): Map<string, Binding> {
  const out = new Map<string, Binding>();
  for (const ins of instructions) {
    const b = ins.args['binding'];
    const binding = ins.kind === 'add_service' && isJsonObject(b) ? parseBinding(b) : undefined;
    if (binding !== undefined && ins.declares?.type === 'service') out.set(ins.declares.name, binding);
  }
  return out;
}

/** A `binding` argument as a plan file holds it (undefined when it is not one). */
export function parseBinding(b: JsonValue): Binding | undefined {
  if (!isJsonObject(b)) return undefined;
  const existing = b['existing'];
  if (isJsonObject(existing) && typeof existing['container'] === 'string') return { existing: { container: existing['container'] } };
  const external = b['external'];
  if (!isJsonObject(external) || typeof external['ip'] !== 'string') return undefined;
  const ports: Record<string, number> = {};
  const raw = external['ports'];
  if (isJsonObject(raw)) for (const [id, n] of Object.entries(raw)) if (typeof n === 'number') ports[id] = n;
  const hostname = external['hostname'];
  return { external: { ip: external['ip'], ...(typeof hostname === 'string' ? { hostname } : {}), ports } };
}

/**
 * What the override file asks that the package does not allow: an address that names no
 * service the package adds (an error naming it), and steps that act inside a bound service.
 */
export function overrideProblems(spec: OverrideSpec, instructions: readonly Instruction[], file: string): Problem[] {
  const added = new Set(instructions.filter((i) => i.kind === 'add_service').map((i) => i.id));
  const problems: Problem[] = [];
  const at = { file, line: 0, col: 0 };
  for (const address of Object.keys(spec.services).sort()) {
    if (!added.has(address)) {
      const known = [...added].sort().join(', ');
      problems.push({
        message: `override: ${address} matches no service the package adds${known ? ` (its services: ${known})` : ''}`,
        position: at,
        stack: [],
      });
    }
  }
  const bound = boundServices(instructions);
  for (const ins of instructions) {
    // Steps that would act inside a service or change it (their kind needs the container): impossible on a bound one.
    if (descriptorOf(ins.kind).needsContainer !== true) continue;
    for (const s of ins.services) {
      if (bound.has(s)) {
        problems.push({
          message: `${ins.kind} acts on service '${s}', which the override file binds to ${describeBinding(bound.get(s)!)}: starform does not change a bound service`,
          position: ins.position,
          stack: ins.stack,
          stepId: ins.id,
        });
      }
    }
  }
  return problems;
}

/** A binding as the `binding` argument of its add_service records it. */
export function bindingJson(b: Binding): JsonObject {
  if ('existing' in b) return { existing: { container: b.existing.container } };
  const { hostname, ip, ports } = b.external;
  return { external: { ...(hostname !== undefined ? { hostname } : {}), ip, ports: { ...(ports ?? {}) } } };
}

export function describeBinding(b: Binding): string {
  return 'existing' in b ? `the existing container '${b.existing.container}'` : `the external endpoint ${b.external.hostname ?? b.external.ip}`;
}
