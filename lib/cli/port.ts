// `starform port SERVICE [PORT_ID]`: where the host reaches a service's port, as
// `127.0.0.1:32849` (for scripts: `curl http://$(starform port web http)/`); without a
// port id, every port as `ID ADDRESS URL` lines. The engine is asked, since a restarted
// container may have other host ports than the state recorded.
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { enclaveStatus } from '../apply/status.js';
import { portView } from '../render/port-view.js';
import { show } from '../render/view.js';
import { UserError } from '../util/errors.js';
import { findService, onEngine, withState } from './operate.js';
import { withStateOption, type StateArgs } from './shared-options.js';
import { streams } from './streams.js';

export const command = 'port <service> [port-id]';
export const describe = "Print the host address of a service's port (all its ports without PORT_ID)";

interface PortArgs extends StateArgs {
  service: string;
  'port-id'?: string;
  json: boolean;
}

export function builder(y: Argv): Argv<PortArgs> {
  return withStateOption(y)
    .positional('service', { type: 'string', demandOption: true, describe: 'The service' })
    .positional('port-id', { type: 'string', describe: 'The port id the package declared (e.g. http)' })
    .option('json', { type: 'boolean', default: false, describe: 'Print JSON' }) as unknown as Argv<PortArgs>;
}

export async function handler(argv: ArgumentsCamelCase<PortArgs>): Promise<void> {
  await withState(argv, async (op) => {
    const { record } = findService(op, argv.service);
    const id = argv['port-id'];
    if (id !== undefined && !record.ports.has(id)) {
      const ports = [...record.ports.keys()].sort();
      throw new UserError(`service '${argv.service}' has no port '${id}'`, {
        location: { file: op.file },
        hint: ports.length > 0 ? `Its ports: ${ports.join(', ')}.` : 'It declares no ports.',
      });
    }
    const only = { ...op.state, services: new Map([[argv.service, record]]), filesArtifacts: new Map(), outputs: null };
    const status = await onEngine(() => enclaveStatus(only, op.blobs, op.runtime));
    const ports = status.services[0]!.ports.filter((p) => id === undefined || p.id === id);
    if (id !== undefined && !argv.json && ports[0]!.hostAddress === null) {
      throw new UserError(`port '${id}' of service '${argv.service}' is not published on the host`, {
        location: { file: op.file },
        hint: `The service is ${status.services[0]!.condition}${status.services[0]!.condition === 'running' ? ' (a UDP port is published only with publish_udp)' : ''}.`,
      });
    }
    show(portView, { service: argv.service, ports, only: id }, streams, argv.json === true);
  });
}
