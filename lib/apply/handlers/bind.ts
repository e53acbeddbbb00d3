// add_service of a service the override file binds (`plan --override`, lib/plan/override.ts):
// nothing is created. The step resolves what the binding names and records its address as
// the step's values (`ip_address`, `hostname`), so the package's references to the service
// resolve to it; the state gets no service record, so apply, refresh and destroy never
// touch the bound container.
//
// A container an earlier apply created for the service is removed first (the diff plans
// that as a replace). An existing container is looked up read-only by name (the runtime's
// inspectForeignContainer): it must exist and run. Its address is the one on the enclave's
// network when the user connected it there (then its name is also its host name in the
// enclave), else its address on its first network (host name: that address). An external
// endpoint's address and host name are the ones the file gives.
import { argsOf } from '../../instructions/index.js';
import { parseBinding } from '../../plan/index.js';
import type { StepContext, StepOutcome } from '../context.js';
import { StepFailure, isRuntimeError } from '../errors.js';
import { removeService } from '../../state/index.js';

export async function bindService(ctx: StepContext): Promise<StepOutcome> {
  const args = argsOf(ctx.instruction, 'add_service');
  const name = args.name;
  const binding = parseBinding(args.binding ?? null);
  if (binding === undefined) throw new StepFailure(`service '${name}': the plan's binding is not one starform knows`);
  const own = ctx.state().services.get(name);
  if (own !== undefined) {
    // The container an earlier apply made for the service: the binding takes its place.
    await ctx.commit((s) => removeService(s, name));
    await ctx.runtime.removeService({ lineage: ctx.lineage, name, containerId: own.containerId }).catch((err: unknown) => {
      if (!isRuntimeError(err, 'not-found')) throw err;
    });
  }
  if ('external' in binding) {
    const { ip, hostname } = binding.external;
    const host = hostname ?? ip;
    return {
      result: { bound: 'external', hostname: host, ip_address: ip },
      values: { ip_address: ip, hostname: host },
      message: `bound to the external endpoint ${host} (${ip})`,
    };
  }
  const wanted = binding.existing.container;
  if (ctx.runtime.inspectForeignContainer === undefined) {
    throw new StepFailure(`service '${name}': the ${ctx.runtime.kind} engine cannot bind a service to an existing container`);
  }
  const found = await ctx.runtime.inspectForeignContainer(wanted);
  if (found === undefined) throw new StepFailure(`service '${name}' is bound to the existing container '${wanted}', which does not exist on the engine`);
  if (!found.running) throw new StepFailure(`service '${name}' is bound to the existing container '${wanted}', which is not running`);
  const enclaveNetwork = ctx.state().enclave?.networkName;
  const shared = found.networks.find((n) => n.network === enclaveNetwork);
  const address = shared ?? found.networks[0];
  if (address === undefined) throw new StepFailure(`service '${name}' is bound to the existing container '${wanted}', which has no IP address on any network`);
  const hostname = shared !== undefined ? found.name : address.ipAddress;
  return {
    result: { bound: 'existing', container: found.name, container_id: found.id, network: address.network, ip_address: address.ipAddress },
    values: { ip_address: address.ipAddress, hostname },
    message: `bound to the existing container '${found.name}' (${address.ipAddress} on ${address.network})`,
  };
}
