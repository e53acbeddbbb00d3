// Containers `state rm` forgot (State.forgotten): they keep the enclave's labels, which
// Docker cannot remove, so every part of apply that finds containers by label leaves these
// ids alone, and a service that would need a forgotten container's name is refused with
// what to do about it.
import type { State } from '../state/index.js';

export function forgottenIds(state: State): Set<string> {
  return new Set((state.forgotten ?? []).map((f) => f.containerId));
}

/** The message for a service whose name a forgotten container still holds in the enclave. */
export function forgottenHolder(service: string, containerId: string): string {
  const id = containerId.slice(0, 12);
  return (
    `service '${service}' cannot be created: container ${id}, which \`starform state rm\` forgot, still holds that name in the enclave. ` +
    `Remove it (docker rm -f ${id}) or adopt it again (starform import service.${service} ${id}).`
  );
}
