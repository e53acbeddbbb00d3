// A plan made against no state creates exactly one state (issue 9, item 2). The plan
// carries the lineage that state will get (lib/plan assigns it, at random); a second
// apply of the same plan to the same state file is refused as stale by the lineage check
// (lib/planfile/model.ts), and one to another, still missing, state file is refused here:
// the first apply gave the engine an enclave labelled with that lineage (its network at
// least), and a fresh lineage that the engine already knows means the plan was applied.
// Without this, two state files would share one lineage, and each one's apply would
// remove the other's containers as ones its state does not name.
//
// The check sees the engine the apply uses; an apply of a copy of the plan against
// another engine is not seen (docs/decisions.md).
import type { Runtime } from '../runtime/index.js';
import { UserError } from '../util/errors.js';

/** Refuses to create the state of lineage `lineage` when the engine has an enclave of it already. */
export async function checkLineageUnused(runtime: Runtime, lineage: string, planFile: string): Promise<void> {
  const found = await runtime.inspectEnclave(lineage);
  const things = [
    ...(found.network ? [`network ${found.network.networkName}`] : []),
    ...(found.containers.length > 0 ? [`${found.containers.length} container${found.containers.length === 1 ? '' : 's'}`] : []),
    ...(found.volumes.length > 0 ? [`${found.volumes.length} volume${found.volumes.length === 1 ? '' : 's'}`] : []),
  ];
  if (things.length === 0) return;
  throw new UserError(
    `stale plan: it was applied already; the engine has the enclave of the state it creates (lineage ${lineage}: ${things.join(', ')}), ` +
      'so another state file holds that state',
    {
      location: { file: planFile },
      hint: 'A plan made against no state creates one state, once. Use the state file the first apply wrote, or run `starform plan` again for a new environment.',
    },
  );
}
