// The `plan` object of a Kurtosis package (docs/kurtosis-api.md §2): a module whose
// members record instructions in a Recorder and return what Kurtosis returns at
// interpretation time — concrete where the value is known now (service names and
// hostnames, declared ports, artifact names, "docker"), future references
// (`{{starform:<step>.<field>}}`) where it only exists once the step has run.
//
// Each instruction's arguments are stored in canonical JSON (types.ts: defaults filled,
// aliases folded, durations normalised) — plain data holding everything `apply` needs and
// nothing Starlark. File contents are stored by digest in the recorder (uploads as a
// sorted manifest of {path, digest}, templates, build contexts). Choices that differ from
// Kurtosis, all for deterministic, reviewable plans:
//   * add_services records one add_service per service (step `service.<name>`), so that
//     the diff and apply treat each service on its own; the description, when given,
//     labels each of them.
//   * set_service merges into the config of the add_service recorded for that name, by
//     rewriting that instruction's arguments (Kurtosis merges at execution time); the diff
//     then sees the merged configuration as the service's configuration.
//   * artifact names the package omits are derived from content (`files-<12 hex>`, then
//     `-2`, `-3`... when taken), and task names (`task-<12 hex>`) from the task's
//     arguments — never random, so the same package gives the same plan.
//   * the global print() records a print step (Kurtosis rejects it): see globalPrint.
//
// The builtins live in lib/plan/builtins/, one file per instruction family (services,
// steps, artifacts, tasks; common.ts: their parameter types and PlanBuilder); this file
// assembles the module. Each kind's canonical arguments are its type in
// lib/instructions/kinds.ts (InstructionArgs).
import { type Builtin, Module, defineBuiltin, optional, str, toUnicode, type Value } from '../starlark/index.js';
import type { PackageFiles } from './host.js';
import type { Recorder } from './recorder.js';

import { PlanBuilder, text, type Def, type PlanObjectOptions } from './builtins/common.js';
import { defineArtifactBuiltins } from './builtins/artifacts.js';
import { defineServiceBuiltins } from './builtins/services.js';
import { defineStepBuiltins } from './builtins/steps.js';
import { defineTaskBuiltins } from './builtins/tasks.js';

export type { PlanObjectOptions };

// ---- the plan module ---------------------------------------------------------------------------

/** The `plan` module for one interpretation: every member records into `recorder`. */
export function createPlanObject(recorder: Recorder, files: PackageFiles, options: PlanObjectOptions = {}): Value {
  const b = new PlanBuilder(recorder, files, options);
  const members: Builtin[] = [];
  const def: Def = (name, params, impl) => {
    members.push(defineBuiltin(name, params, impl));
  };
  // One file per instruction family (lib/plan/builtins/).
  defineServiceBuiltins(b, def);
  defineStepBuiltins(b, def);
  defineArtifactBuiltins(b, def);
  defineTaskBuiltins(b, def);

  return new Module('plan', new Map(members.map((m) => [m.name, m as Value])));
}

/**
 * The global `print(*args, sep=" ")` for a package. Kurtosis rejects it ("use plan.print");
 * starform records a print step instead, exactly as `plan.print(msg)` with the joined
 * message would, so that a package's prints appear in the plan in order.
 */
export function globalPrint(recorder: Recorder): Value {
  return defineBuiltin(
    'print',
    { sep: optional(text, { keywordOnly: true }) },
    (a, ctx) => {
      const msg = ctx.rest.map((v) => toUnicode(str(v))).join(a.sep ?? ' ');
      recorder.record('print', { msg }, { services: [], artifacts: [], produces: [], description: 'Printing a message' }, ctx.thread);
      return null;
    },
    { varargs: true },
  );
}
