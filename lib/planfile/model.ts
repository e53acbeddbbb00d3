// A saved plan, as the program holds it: the plan module's records (instructions and
// changes) inside an envelope that says what the plan was computed from: the state it
// was diffed against, the package and its args, and every file content apply will need,
// so that applying never reads the package again. lib/planfile/planfile.ts writes and
// reads it; this file knows nothing about the file format.
//
// The records belong to the plan module (lib/plan/model.ts). This layer needs only a
// small core of them, named as there: an instruction's step id, kind, canonical args and
// source position with its call stack; a change's step id and action. Everything else a
// record carries is JSON that travels through the file untouched, so the plan module can
// add fields without a change here. `SavedPlan<Instruction, Change>` holds the plan
// module's own types; plain `SavedPlan` holds records known only by their core.
//
// `base` is the state the plan was computed against; apply refuses a plan whose base is
// not the current state (`checkPlanIsCurrent`), as Terraform does with lineage and serial.
import { UserError } from '../util/errors.js';
import { digestOf, isDigest, type Digest } from '../util/hash.js';
import { canonicalJson, type JsonObject, type JsonValue } from '../util/json.js';

export type ChangeAction = 'create' | 'replace' | 'run' | 'delete' | 'no-op';

/** All actions, in the order summaries list them. */
export const CHANGE_ACTIONS: readonly ChangeAction[] = ['create', 'replace', 'run', 'delete', 'no-op'];

/** A place in a Starlark source file (1-based). */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** One frame of the Starlark call stack; `function` is e.g. "run" or "<toplevel>". */
export interface StackFrame extends SourcePosition {
  readonly function: string;
}

/** What the plan file needs of an instruction. Other fields: JSON, kept as they are. */
export interface InstructionCore {
  /** The stable step id; it ties the instruction to its change and to the state. */
  readonly id: string;
  readonly kind: string;
  /** Canonical arguments; future references as `{{starform:...}}` strings. */
  readonly args: JsonObject;
  /** Where the `plan.*` call is. */
  readonly position: SourcePosition;
  /** The Starlark call stack of the call, outermost first. */
  readonly stack: readonly StackFrame[];
}

/**
 * What the plan file needs of a change. Other fields: JSON, kept as they are. The
 * optional fields tie the change to what apply executes: `show` renders `after`, apply
 * runs the instruction's `args`, so they must be one and the same (`planProblems`).
 */
export interface ChangeCore {
  /** The instruction's step id; for a delete, the step id of what the state holds. */
  readonly stepId: string;
  readonly action: ChangeAction;
  /** Index of the change's instruction (apply runs that one). */
  readonly instruction?: number;
  /** The instruction's kind. */
  readonly kind?: string;
  /** What the change shows as planned: the instruction's args. */
  readonly after?: JsonValue;
}

/**
 * Records read back from a file: the core, and whatever else was written (JSON values,
 * typed `unknown` here because only the plan module knows what they are).
 */
export type InstructionRecord = InstructionCore & { readonly [field: string]: unknown };
export type ChangeRecord = ChangeCore & { readonly [field: string]: unknown };

/**
 * The state a plan was computed against. Serial 0: no state yet, and `lineage` is the one
 * the state the plan creates will get (null only for a plan made in memory without one).
 */
export interface PlanBase {
  readonly lineage: string | null;
  readonly serial: number;
  /** The runtime the plan was made for (get_cluster_type answered it); absent: docker. */
  readonly runtime?: string;
}

export interface PackageSource {
  /** How the user named the package (a path or a locator), as given. */
  readonly locator: string;
  /** sha256 over the package's sources and the args. */
  readonly digest: Digest;
  /** The args passed to run(). */
  readonly args: JsonValue;
  /** Repositories fetched by locator, at the commits the plan used (absent: none). */
  readonly repositories?: readonly PinnedRepository[];
  /** Entities of other packages of the state that the plan reads (lib/plan/claims.ts); absent: none. */
  readonly uses?: readonly { readonly address: string; readonly package: string }[];
}

/** A repository fetched by locator: the ref asked for (null: default branch) and its commit. */
export interface PinnedRepository {
  readonly locator: string;
  readonly ref: string | null;
  readonly commit: string;
}

export interface SavedPlan<I extends InstructionCore = InstructionRecord, C extends ChangeCore = ChangeRecord> {
  readonly base: PlanBase;
  readonly package: PackageSource;
  /** In interpretation order. */
  readonly instructions: readonly I[];
  /** In the order apply carries them out. */
  readonly changes: readonly C[];
  /** What run() returned, future references unresolved. */
  readonly outputs: JsonValue;
  /** Contents apply needs, keyed by their digest (`sha256:<hex>`). */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** What interpretation warned about (deprecated fields...), so `show` can repeat it. */
  readonly warnings?: readonly string[];
  /** The values every rendering masks (lib/plan/sensitive.ts), sorted; absent when none. */
  readonly sensitive?: readonly string[];
  /** The user's edits to the plan (lib/plan/selection.ts), in the order given; absent when none. */
  readonly edits?: readonly PlanEdit[];
  /**
   * Containers of the enclave no state names, found by refresh when the plan was made: apply
   * removes them (lib/render/orphans-view.ts). Sorted by service; absent when none.
   */
  readonly orphans?: readonly PlanOrphan[];
}

/** A container of the enclave's lineage that the state does not name. */
export interface PlanOrphan {
  readonly service: string;
  readonly containerId: string;
}

/**
 * One edit of a plan the user did not write (issue 12), recorded so that a reviewer sees it:
 * a target or exclude address with the steps it selected, a forced replacement, a destroy
 * or refresh-only plan, an override file with its content and digest.
 */
export type PlanEdit =
  | { readonly kind: 'target'; readonly address: string; readonly matched: readonly string[] }
  | { readonly kind: 'exclude'; readonly address: string; readonly matched: readonly string[]; readonly dependents: readonly string[] }
  | { readonly kind: 'replace'; readonly address: string; readonly matched: readonly string[] }
  | { readonly kind: 'destroy' }
  | { readonly kind: 'refresh-only'; readonly drift: readonly string[]; readonly services: JsonValue }
  | { readonly kind: 'override'; readonly file: string; readonly digest: Digest; readonly content: JsonValue };

/**
 * The problems of a plan that a schema cannot see: duplicate step ids, changes that
 * match no instruction, deletes of steps the plan still makes, files stored under the
 * wrong digest, a base with a serial but no lineage.
 */
export function planProblems(plan: SavedPlan<InstructionCore, ChangeCore>): string[] {
  const problems: string[] = [];
  const instructionIds = new Set<string>();
  // A remove_service is an instruction whose change deletes (the service it names).
  const kindOf = new Map(plan.instructions.map((ins) => [ins.id, ins.kind]));
  plan.instructions.forEach((ins, i) => {
    if (instructionIds.has(ins.id)) problems.push(`instructions[${i}]: step id ${JSON.stringify(ins.id)} appears twice`);
    instructionIds.add(ins.id);
  });
  const changed = new Set<string>();
  const byId = new Map(plan.instructions.map((ins) => [ins.id, ins]));
  plan.changes.forEach((c, i) => {
    problems.push(...shownIsExecuted(c, i, plan.instructions, byId));
    const step = JSON.stringify(c.stepId);
    if (changed.has(c.stepId)) problems.push(`changes[${i}]: step ${step} has more than one change`);
    changed.add(c.stepId);
    if (c.action === 'delete' && instructionIds.has(c.stepId) && kindOf.get(c.stepId) !== 'remove_service') {
      problems.push(`changes[${i}]: deletes step ${step}, which the plan still makes`);
    } else if (c.action !== 'delete' && !instructionIds.has(c.stepId)) {
      problems.push(`changes[${i}]: step ${step} is not an instruction of the plan`);
    }
  });
  for (const [digest, content] of plan.files) {
    if (!isDigest(digest)) problems.push(`files: ${JSON.stringify(digest)} is not a sha256 digest`);
    else if (digestOf(content) !== digest) problems.push(`files: the content under ${digest} has another digest`);
  }
  if (plan.base.lineage === null && plan.base.serial !== 0) {
    problems.push(`state: serial ${plan.base.serial} without a lineage`);
  }
  return problems;
}

/**
 * One source of truth: what a change shows (`show` renders its `after`, its instruction's
 * description and position) must be exactly what apply executes (the instruction the change
 * names, with its args). A plan whose checksum was recomputed after its instructions were
 * edited is refused here, so a payload cannot hide behind the arguments a reviewer saw.
 */
function shownIsExecuted(c: ChangeCore, i: number, instructions: readonly InstructionCore[], byId: ReadonlyMap<string, InstructionCore>): string[] {
  const where = `changes[${i}] (step ${JSON.stringify(c.stepId)})`;
  let ins: InstructionCore | undefined;
  if (c.instruction !== undefined) {
    ins = Number.isSafeInteger(c.instruction) ? instructions[c.instruction] : undefined;
    if (ins === undefined) return [`${where}: names instruction ${c.instruction}, which the plan does not have`];
    if (ins.id !== c.stepId) return [`${where}: names instructions[${c.instruction}], which is step ${JSON.stringify(ins.id)}`];
  } else {
    ins = c.action === 'delete' ? undefined : byId.get(c.stepId);
  }
  if (ins === undefined) {
    return c.after !== undefined ? [`${where}: shows planned arguments, but no instruction would run them`] : [];
  }
  const problems: string[] = [];
  if (c.kind !== undefined && c.kind !== ins.kind) problems.push(`${where}: is a ${c.kind}, but its instruction is a ${ins.kind}`);
  if (c.after === undefined) problems.push(`${where}: does not show the arguments its instruction runs`);
  else if (c.after !== ins.args && canonicalJson(c.after) !== canonicalJson(ins.args)) {
    problems.push(`${where}: shows other arguments than its instruction runs (instructions[].args differ from changes[].after)`);
  }
  return problems;
}

/**
 * Refuses a plan that was not computed against `state` (the state as it is now): another
 * state altogether, or the same state after later writes ("stale plan").
 *
 * A plan made against no state (serial 0) carries the lineage of the state it will
 * create, and applies only while that state does not exist; once it does, the plan is
 * stale — applied already when the state has the plan's lineage. (That the plan was not
 * applied to another state file already is checked on the engine, which holds the
 * enclave of that lineage: lib/apply/binding.ts.) A plan with no lineage at all (made
 * in memory from a state without one, never read from a file) applies to no state.
 */
export function checkPlanIsCurrent(
  plan: { readonly base: PlanBase },
  state: { readonly lineage: string | null; readonly serial: number },
  planFile: string,
): void {
  const location = { file: planFile };
  const hint = 'Run `starform plan` again and review the new plan.';
  const { lineage, serial } = plan.base;
  // Above 2^53 - 1 two serials can read as the same number: no exact comparison is possible.
  for (const [what, n] of [
    ['the plan', serial],
    ['the state', state.serial],
  ] as const) {
    if (!Number.isSafeInteger(n)) {
      throw new UserError(`${what} records state serial ${n}, beyond ${Number.MAX_SAFE_INTEGER}, the largest integer that stays exact`, {
        location,
      });
    }
  }
  if (serial === 0) {
    if (state.lineage === null) return;
    if (state.lineage === lineage) {
      throw new UserError(`stale plan: it was applied already; it made this state (lineage ${lineage}), which is now at serial ${state.serial}`, {
        location,
        hint: 'A plan made against no state creates one state, once. ' + hint,
      });
    }
    throw new UserError(`stale plan: it was made for a new state, but the state now exists (lineage ${state.lineage}, serial ${state.serial})`, {
      location,
      hint,
    });
  }
  if (state.lineage !== lineage) {
    throw new UserError(
      state.lineage === null
        ? `the plan was made for state lineage ${lineage}, but there is no state file`
        : `the plan was made for another state (lineage ${lineage}; this state's lineage is ${state.lineage})`,
      { location, hint: 'Check that the right state file is used.' },
    );
  }
  if (state.serial !== serial) {
    throw new UserError(`stale plan: it was computed against state serial ${serial}, and the state is now at serial ${state.serial}`, { location, hint });
  }
}
