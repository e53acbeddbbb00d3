// A child process for the crash tests: plans a package against a state file and applies
// it, printing every apply event as an NDJSON line, so the parent can SIGKILL it after a
// chosen number of steps. Usage: node apply-child.js PACKAGE_DIR STATE_FILE [ARGS_JSON [PARALLELISM]]
import { applyPlan, refreshState } from '../../../lib/apply/index.js';
import { DockerRuntime } from '../../../lib/docker/index.js';
import { makePlan } from '../../../lib/plan/index.js';
import { readState } from '../../../lib/state/index.js';
import type { JsonObject } from '../../../lib/util/json.js';
import { eventDocument } from '../../../lib/render/json-views.js';

const [dir, statePath, argsText, parallelismText] = process.argv.slice(2);
const runtime = new DockerRuntime();
const { state } = await refreshState(await readState(statePath!), runtime);
const result = makePlan({ dir: dir!, args: JSON.parse(argsText ?? '{}') as JsonObject, state, packages: {} });
if (result.plan === null) {
  process.stderr.write(`planning failed: ${result.problems.map((p) => p.message).join('; ')}\n`);
  process.exit(2);
}
await applyPlan(result.plan, {
  statePath: statePath!,
  runtime,
  parallelism: Number(parallelismText ?? 2),
  onEvent: (e) => process.stdout.write(JSON.stringify(eventDocument(e, new Date())) + '\n'),
});
