// `starform status [--json]`: the enclave as it is now, in one table — each service with
// its state on the engine (running, stopped, exited with code N, missing), image and
// digest, address, and every port with the host URL to open; the files artifacts with
// their files and sizes; the outputs, in-enclave addresses in them also as host URLs.
// Reads the state and asks the engine; changes nothing (lib/apply/status.ts gathers it,
// lib/render/status-view.ts renders it).
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { enclaveStatus } from '../apply/status.js';
import { statusView } from '../render/status-view.js';
import { show } from '../render/view.js';
import { onEngine, withState } from './operate.js';
import { withStateOption, type StateArgs } from './shared-options.js';
import { streams } from './streams.js';

export const command = 'status';
export const describe = 'Show the enclave: services with their state, image, IP and host URLs; files artifacts; outputs';

interface StatusArgs extends StateArgs {
  json: boolean;
}

export function builder(y: Argv): Argv<StatusArgs> {
  return withStateOption(y).option('json', { type: 'boolean', default: false, describe: 'Print JSON' }) as unknown as Argv<StatusArgs>;
}

export async function handler(argv: ArgumentsCamelCase<StatusArgs>): Promise<void> {
  const status = await withState(argv, (op) => onEngine(() => enclaveStatus(op.state, op.blobs, op.runtime)));
  show(statusView, status, streams, argv.json);
}
