// The plan pipeline: interpret the package, validate the whole instruction list, diff it
// against the state. The first two phases never touch a container engine or write
// anything; the result is a saved-plan model (lib/planfile) that `apply` can execute
// without the package, or the problems that stop planning (all of them, each with its
// Starlark position).
import { argumentsDigestText, openWorkspace, type WorkspaceOptions } from '../package/index.js';
import type { PinnedRepository, PlanEdit, SavedPlan } from '../planfile/index.js';
import { withLineage, type State } from '../state/index.js';
import { digestOf } from '../util/hash.js';
import type { JsonObject } from '../util/json.js';
import { claimProblems, ownView, packageOwner, usedEntities } from './claims.js';
import { diff } from './diff.js';
import { enclaveContents } from './enclave.js';
import type { EnclaveContents } from './recorder.js';
import { DEFAULT_MAX_STEPS, interpretPackage } from './interpret.js';
import { summarize, type Change, type Instruction, type PlanSummary, type Problem } from '../instructions/index.js';
import { planSensitiveValues } from './sensitive.js';
import { replaceTargets, selectChanges } from './selection.js';
import { overrideProblems, type OverrideSpec } from './override.js';
import { validate } from './validate.js';
import { defaultProgramCache } from './program-cache-dir.js';
import { parseTemplate, TemplateError } from '../template/index.js';

export interface PlanOptions extends WorkspaceOptions {
  /** The package directory (or a .star file). */
  readonly dir: string;
  /**
   * How the user named the package, for the plan file when it is a locator
   * (`github.com/...`); a directory is recorded by its package's kurtosis.yml name instead,
   * so the plan file holds no machine path and does not depend on where the package is.
   */
  readonly locator?: string;
  readonly args: JsonObject;
  /** Package arguments marked sensitive (dotted paths), masked in every rendering. */
  readonly sensitiveArgs?: readonly string[];
  readonly state: State;
  /** Starlark steps (loop iterations and calls) before a runaway package stops; default DEFAULT_MAX_STEPS, 0: no limit. */
  readonly maxSteps?: number;
  /** The user's opt-in to privileged ServiceConfig settings (`--privileged`). */
  readonly privileged?: boolean;
  /** The runtime the plan is for (lib/cli/runtime-option.ts): get_cluster_type answers it; default docker. */
  readonly runtime?: string;
  /** The function of the main file to call (Kurtosis's `--main-function-name`); default run. */
  readonly mainFunction?: string;
  /** Polled during interpretation; true stops it (see lib/plan/interpret-worker.ts). */
  readonly interrupted?: () => boolean;
  /** `--target` / `--exclude` / `--replace` addresses (lib/plan/selection.ts). */
  readonly selection?: { readonly targets?: readonly string[]; readonly excludes?: readonly string[]; readonly replace?: readonly string[] };
  /** `--override FILE`, read and checked (lib/plan/override.ts); `overrideFile` names it in problems. */
  readonly override?: OverrideSpec;
  readonly overrideFile?: string;
  /** Edits made before the diff (an override file), recorded in the plan first. */
  readonly edits?: readonly PlanEdit[];
}

export interface PlanResult {
  /** Null when there are problems. */
  readonly plan: SavedPlan<Instruction, Change> | null;
  readonly summary: PlanSummary | null;
  readonly problems: readonly Problem[];
  readonly warnings: readonly string[];
  /** The instructions interpreted (also when validation failed), for `validate`. */
  readonly instructions: readonly Instruction[];
}

/** Interprets and validates a package (the first two phases, as `starform validate` runs them). */
export function checkPackage(
  options: Omit<PlanOptions, 'state'> & {
    state?: State;
    /** What get_service and friends see of the enclave; default: taken from `state` (the interpreter worker gets only this). */
    enclave?: EnclaveContents;
  },
): {
  instructions: readonly Instruction[];
  problems: readonly Problem[];
  warnings: readonly string[];
  result: ReturnType<typeof interpretPackage>;
  /** The root package's kurtosis.yml name (`local/<directory name>` without one). */
  packageName: string;
  /** The repositories fetched by locator that the interpretation used (plain data: it crosses threads). */
  repositories: readonly PinnedRepository[];
} {
  const ws = openWorkspace(options.dir, options);
  const programCache = defaultProgramCache();
  const enclave = options.enclave ?? (options.state === undefined ? undefined : enclaveContents(options.state));
  const result = interpretPackage(ws, options.args, {
    maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
    enclave,
    allowPrivileged: options.privileged,
    ...(options.runtime !== undefined ? { clusterType: options.runtime } : {}),
    mainFunction: options.mainFunction,
    ...(options.override ? { override: options.override } : {}),
    ...(options.interrupted ? { interrupted: options.interrupted } : {}),
    ...(programCache ? { programCache } : {}),
  });
  const problems =
    result.problems.length > 0
      ? result.problems
      : [
          ...(options.override ? overrideProblems(options.override, result.instructions, options.overrideFile ?? 'override file') : []),
          ...validate(result.instructions, enclave),
          ...templateProblems(result.instructions, result.files),
        ];
  // Packages fetched by locator: pin what a successful interpretation used (starform.lock).
  if (result.problems.length === 0) options.remote?.saveLock();
  const repositories = (options.remote?.used() ?? []).map(({ locator, ref, commit }) => ({ locator, ref, commit }));
  return { instructions: result.instructions, problems, warnings: result.warnings, result, packageName: ws.root.name, repositories };
}

/** render_templates' templates are parsed now, so a template syntax error stops the plan, not the apply. */
function templateProblems(instructions: readonly Instruction[], files: ReadonlyMap<string, Buffer>): Problem[] {
  const problems: Problem[] = [];
  for (const ins of instructions) {
    if (ins.kind !== 'render_templates') continue;
    const entries = ins.args['files'];
    if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) continue;
    for (const [path, entry] of Object.entries(entries as JsonObject)) {
      const digest = (entry as JsonObject | null)?.['template'];
      const text = typeof digest === 'string' ? files.get(digest) : undefined;
      if (text === undefined) continue;
      try {
        parseTemplate(path, text.toString('utf8'));
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        problems.push({
          message: `render_templates: the template for '${path}' is not valid: ${e.message}`,
          position: ins.position,
          stack: ins.stack,
          stepId: ins.id,
        });
      }
    }
  }
  return problems;
}

/** Interpret, validate and diff: everything `plan` does. */
export function makePlan(options: PlanOptions): PlanResult {
  return planFromCheck(checkPackage(options), options);
}

/**
 * The diff half of makePlan, for a package checkPackage has already interpreted and
 * validated (`apply` interprets while the engine answers the refresh).
 */
export function planFromCheck(checked: ReturnType<typeof checkPackage>, options: PlanOptions): PlanResult {
  const { instructions, warnings, result } = checked;
  const locator = options.locator?.startsWith('github.com/') ? options.locator : checked.packageName;
  // Several packages in one state: this one plans its own part, reads the others' (claims.ts).
  const owner = packageOwner(locator);
  const problems = checked.problems.length > 0 ? checked.problems : claimProblems(instructions, options.state, owner);
  if (problems.length > 0) return { plan: null, summary: null, problems, warnings, instructions };
  const replacing = replaceTargets(instructions, options.selection?.replace ?? []);
  const selected = selectChanges(instructions, diff(instructions, ownView(options.state, owner), { replace: replacing.ids }), options.selection ?? {});
  const changes = selected.changes;
  const edits = [...(options.edits ?? []), ...selected.edits, ...replacing.edits];
  const uses = usedEntities(instructions, options.state, owner);
  const digest = digestOf(`${result.sourcesDigest}\n${argumentsDigestText(options.args)}`);
  const plan: SavedPlan<Instruction, Change> = {
    // A state never written gets its lineage now (random): the plan is bound to the one
    // state it will create (apply gives the state this lineage; docs/decisions.md).
    base: {
      lineage: withLineage(options.state).lineage,
      serial: options.state.serial,
      ...(options.runtime !== undefined && options.runtime !== 'docker' ? { runtime: options.runtime } : {}),
    },
    package: {
      locator,
      digest,
      args: options.args,
      ...(checked.repositories.length > 0 ? { repositories: [...checked.repositories] } : {}),
      ...(uses.length > 0 ? { uses } : {}),
    },
    instructions,
    changes,
    outputs: result.outputs,
    files: result.files,
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(edits.length > 0 ? { edits } : {}),
    sensitive: planSensitiveValues({ args: options.args, marked: options.sensitiveArgs ?? [], instructions, outputs: result.outputs }, options.state),
  };
  return { plan, summary: summarize(changes), problems: [], warnings, instructions };
}

/** The commits of the repositories fetched by locator, for the plan file (none: no field). */

export { diff } from './diff.js';
export { validate } from './validate.js';
export { summarize } from '../instructions/index.js';
export type { Change, Instruction, PlanSummary, Problem } from '../instructions/index.js';
export { ownedBy, packageOwner } from './claims.js';
export { isWholeDestroy } from './destroy-plan.js';
export { parseBinding } from './override.js';
