// The Service value (what add_service returns) and building values from the host: a
// Service for a stored service, its ports, and set_service's merge of a configuration.
import { Dict, List, fail, fromUtf8, type Value } from '../../starlark/index.js';
import type { PortJson, ServiceConfigJson, ServiceJson } from '../../instructions/index.js';
import { DESCRIPTION, KurtosisValue, type TypeDef, dict, dictEntries, f, nested, nonEmpty, q, typeDef } from './value.js';
import { PORT_SPEC } from './service-config.js';

export const SERVICE: TypeDef = typeDef({
  name: 'Service',
  fields: [
    f('name', nonEmpty, { required: true }),
    f('hostname', nonEmpty, { required: true }),
    f('ip_address', nonEmpty, { required: true }),
    f('ports', dict, { required: true }),
    DESCRIPTION,
  ],
  canonical(v): ServiceJson {
    const ports: { [id: string]: PortJson } = {};
    for (const [id, p] of dictEntries(v.get('ports'), 'Service: ports')) ports[id] = nested<PortJson>(p, `Service: ports[${q(id)}]`, 'PortSpec');
    return { name: v.text('name')!, hostname: v.text('hostname')!, ip_address: v.text('ip_address')!, ports };
  },
});

// ---- building values from the host -------------------------------------------------------------

/**
 * A PortSpec as Kurtosis rebuilds it in a Service's `ports` (add_service_shared.go,
 * CreatePortSpecUsingGoValues): number and transport protocol always; application
 * protocol when set; wait as Go's Duration text when the port waits (a disabled wait is
 * left unset, so reusing the port in another ServiceConfig waits the default, as there);
 * url as given, else `<application protocol>://<service name>:<number>` when there is an
 * application protocol.
 */
function servicePort(port: PortJson, serviceName: string): KurtosisValue {
  const app = port.application_protocol;
  const derivedUrl = port.url !== '' ? port.url : app !== '' ? `${app}://${serviceName}:${port.number}` : '';
  return new KurtosisValue(PORT_SPEC, [
    port.number,
    fromUtf8(port.transport_protocol),
    app === '' ? undefined : fromUtf8(app),
    port.wait === null ? undefined : fromUtf8(port.wait),
    derivedUrl === '' ? undefined : fromUtf8(derivedUrl),
  ]);
}

/** The future references a Service value carries (Kurtosis: both are runtime values). */
export interface ServiceReferences {
  readonly ip_address: string;
  readonly hostname: string;
}

/**
 * The Service value add_service / get_service return, as Kurtosis makes it: `name`
 * concrete, `hostname` and `ip_address` future references, `ports` PortSpecs.
 */
export function makeService(name: string, refs: ServiceReferences, ports: { readonly [id: string]: PortJson }): KurtosisValue {
  return new ServiceValue(name, refs, ports);
}

const SERVICE_PORTS_SLOT = SERVICE.index.get('ports')!;

/** A Service whose `ports` dict is made on first use: most packages never look at it. */
export class ServiceValue extends KurtosisValue {
  private ports: Dict | undefined;

  constructor(
    private readonly name: string,
    refs: ServiceReferences,
    private readonly portsJson: { readonly [id: string]: PortJson },
  ) {
    super(SERVICE, [fromUtf8(name), fromUtf8(refs.hostname), fromUtf8(refs.ip_address), undefined]);
  }

  protected override slot(i: number): Value | undefined {
    if (i !== SERVICE_PORTS_SLOT) return super.slot(i);
    if (this.ports === undefined) {
      this.ports = new Dict();
      for (const id of Object.keys(this.portsJson)) this.ports.setUnchecked(fromUtf8(id), servicePort(this.portsJson[id], this.name));
    }
    return this.ports;
  }
}

/** ServiceConfig fields set_service may not change (Kurtosis: "Overriding … is not supported"). */
const NOT_OVERRIDABLE = ['ports', 'public_ports', 'files', 'entrypoint', 'cmd', 'env_vars'] as const;

/**
 * set_service's merge (docs/kurtosis-api.md §2.5): the image is always replaced; CPU and
 * memory bounds when non-zero; the user when given; labels and tolerations when non-empty.
 * `update` is the set_service's config, `updateJson` its canonical form (with any build
 * context resolved). Throws EvalError for fields that cannot be overridden.
 */
export function mergeServiceConfig(base: ServiceConfigJson, update: KurtosisValue, updateJson: ServiceConfigJson): ServiceConfigJson {
  for (const name of NOT_OVERRIDABLE) {
    const v = update.get(name);
    if (v !== undefined && (v instanceof List || v instanceof Dict) && v.len() > 0) {
      fail(`Overriding '${name}' is currently not supported.`);
    }
  }
  return {
    ...base,
    image: updateJson.image,
    max_cpu: updateJson.max_cpu !== 0 ? updateJson.max_cpu : base.max_cpu,
    min_cpu: updateJson.min_cpu !== 0 ? updateJson.min_cpu : base.min_cpu,
    max_memory: updateJson.max_memory !== 0 ? updateJson.max_memory : base.max_memory,
    min_memory: updateJson.min_memory !== 0 ? updateJson.min_memory : base.min_memory,
    user: updateJson.user ?? base.user,
    labels: Object.keys(updateJson.labels).length > 0 ? updateJson.labels : base.labels,
    tolerations: updateJson.tolerations.length > 0 ? updateJson.tolerations : base.tolerations,
  };
}
