// Enclave network addresses: IPv4 ranges of a subnet (for the fixed addresses that
// private_ip_address_placeholder and a replaced service's kept address need), and the
// engine's address errors said in the user's terms.
import { RuntimeError } from '../runtime/index.js';
import { engineMessage, type DockerodeError } from './docker-errors.js';

/** A container could not have the address it was given: say why in the user's terms. */
export function addressError(err: DockerodeError, who: string, address: string | undefined): RuntimeError | undefined {
  if (address === undefined) return undefined;
  const msg = engineMessage(err);
  if (/^address already in use$/i.test(msg.trim())) {
    return new RuntimeError('address-in-use', `${who} cannot have the address ${address} on the enclave network: another container has it (${msg})`, {
      cause: err,
    });
  }
  if (/user configured subnets/i.test(msg)) {
    return new RuntimeError(
      'invalid-spec',
      `${who} uses the private IP address placeholder, which needs an enclave network with a subnet of its own; ` +
        `this enclave's network was made by an older starform. Run \`starform destroy\` and apply again. (${msg})`,
      { cause: err },
    );
  }
  return undefined;
}

/** The first (network) and last (broadcast) addresses of an IPv4 CIDR block, as numbers. */
export function ipv4Range(cidr: string): { first: number; last: number } | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
  if (m === null) return undefined;
  const bits = Number(m[2]);
  if (bits < 8 || bits > 30) return undefined;
  const size = 2 ** (32 - bits);
  const first = Math.floor(ipv4Number(m[1]!) / size) * size;
  return { first, last: first + size - 1 };
}

export function ipv4Number(text: string): number {
  return text.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

export function ipv4Text(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
