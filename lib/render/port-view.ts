// The view of `starform port SERVICE [PORT_ID]` (lib/cli/port.ts): with a port id, its
// host address alone (for scripts: `curl http://$(starform port web http)/`); without, one
// `ID  ADDRESS  URL` line per port; --json prints the ports as a document. The command
// asks the engine and refuses an unpublished port asked for by id before it gets here.
import type { ServiceStatusRow } from '../apply/index.js';
import { formatJson } from '../util/json.js';
import { neutraliseInline } from './redact.js';
import type { View } from './view.js';

export interface PortsShown {
  readonly service: string;
  /** The ports shown: the one asked for by id (`only` set), or all of the service's. */
  readonly ports: ServiceStatusRow['ports'];
  readonly only?: string | undefined;
}

export const portView: View<PortsShown> = {
  human({ ports, only }, { out }) {
    if (only !== undefined) {
      out.write(`${ports[0]!.hostAddress}\n`);
      return;
    }
    const width = Math.max(0, ...ports.map((p) => p.id.length));
    for (const p of ports) {
      out.write(`${neutraliseInline(p.id).padEnd(width)}  ${p.hostAddress ?? '(not published)'}${p.hostUrl ? `  ${p.hostUrl}` : ''}\n`);
    }
  },
  json({ service, ports }, { out }) {
    out.write(
      formatJson({
        format_version: 1,
        service,
        ports: ports.map((p) => ({ id: p.id, number: p.number, transport_protocol: p.transportProtocol, host_address: p.hostAddress, host_url: p.hostUrl })),
      }),
    );
  },
};
