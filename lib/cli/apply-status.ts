// The status table that ends an apply (services with their state and host URLs, files
// artifacts, outputs): `starform status` as of the state the apply wrote, so the user sees
// at once where to open what was just created. Plain text after the summary line (it
// replaces the bare list of outputs there), or one `status` line of NDJSON with --json.
// The view is lib/render/apply-command-view.ts (applyStatusView).
// Printed after a failed apply too, since a failed service kept by --keep-failed is there.
// Best effort: an engine that stopped answering leaves the summary as it was.
import type { Runtime } from '../docker/index.js';
import type { EnclaveStatus } from '../apply/status.js';
import type { StateBackend } from '../state/index.js';

/** The enclave's status after an apply; undefined when there is nothing to show or it cannot be had. */
export async function statusAfterApply(backend: StateBackend, runtime: () => Promise<Runtime>): Promise<EnclaveStatus | undefined> {
  try {
    const state = await backend.read();
    if (state.lineage === null || (state.services.size === 0 && state.filesArtifacts.size === 0)) return undefined;
    const { enclaveStatus } = await import('../apply/status.js');
    return await enclaveStatus(state, backend.blobs, runtime);
  } catch {
    return undefined;
  }
}
