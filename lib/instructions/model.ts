// The plan model: what interpreting a package produces (instructions), what validation
// reports (problems), and what the diff against a state decides (changes). Plain data
// only — JSON-serialisable, no Starlark values — so the saved plan file, the renderers and
// `apply` all work from the same records without the interpreter.
//
// Identity. Every instruction has a *step id* that does not depend on its index in the
// list, so inserting an unrelated instruction changes no other id (and no future
// reference, since references are built from step ids):
//   add_service(db)            → service.db
//   upload_files / render_templates / store_service_files
//                              → artifact.<artifact name>
//   remove/start/stop_service, get_files_artifact
//                              → <kind>.<name>
//   everything else            → <kind>.<first 12 hex of the digest of its canonical args>
// with `#2`, `#3`... appended to repeats of the same id. Future references are strings
// `{{starform:<step id>.<field>}}`, e.g. `{{starform:service.db.ip_address}}` or
// `{{starform:exec.3f2a9c1b04de.output}}`.
import type { JsonObject, JsonValue } from '../util/json.js';
import type { InstructionKind } from './kinds.js';

export type { InstructionKind };

/** A place in a package's Starlark sources; `file` is relative to the package root (or a locator). */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** One frame of the Starlark call stack at the instruction, outermost first. */
export interface StackFrame extends SourcePosition {
  readonly function: string;
}

/** What an instruction declares about the end state, if anything. */
export type Declaration = { readonly type: 'service'; readonly name: string } | { readonly type: 'artifact'; readonly name: string };

export interface Instruction {
  readonly id: string;
  readonly kind: InstructionKind;
  /**
   * Canonical arguments: every default filled in, Kurtosis types expanded into plain
   * objects, future references as `{{starform:...}}` strings. Compared by canonical JSON.
   */
  readonly args: JsonObject;
  /** The human-readable label (the `description` argument, or Kurtosis's default text). */
  readonly description: string;
  readonly position: SourcePosition;
  readonly stack: readonly StackFrame[];
  /** The service or files artifact this instruction creates, if any. */
  readonly declares?: Declaration;
  /** Services this instruction acts on or needs (by name). */
  readonly services: readonly string[];
  /** Files artifacts this instruction reads (by name). */
  readonly artifacts: readonly string[];
  /** Step ids whose runtime values this instruction's arguments reference. */
  readonly refs: readonly string[];
  /** The fields of this step others may reference (`ip_address`, `code`, `output`, `extract.x`...). */
  readonly produces: readonly string[];
  /** Set by `force_update=True`: replace even when unchanged. */
  readonly forceUpdate?: boolean;
  /**
   * Set when the instruction uses a setting Kurtosis gates behind privileged mode
   * (privileged, host_pid_namespace, bind_mounts) and the user opted in (`--privileged`):
   * the plan file records the opt-in, and apply refuses such settings without it.
   */
  readonly privileged?: boolean;
}

/** A problem found by interpretation or validation, at a Starlark source position. */
export interface Problem {
  readonly message: string;
  readonly position: SourcePosition;
  readonly stack: readonly StackFrame[];
  /** The instruction it concerns, when there is one. */
  readonly stepId?: string;
}

export type Action = 'create' | 'replace' | 'run' | 'delete' | 'no-op';

/** What the plan does for one instruction, or for a state entity the package dropped. */
export interface Change {
  readonly action: Action;
  /** The instruction's step id; for a deletion of a dropped entity, `service.<n>` / `artifact.<n>`. */
  readonly stepId: string;
  readonly kind: InstructionKind;
  /** Why this action (e.g. "configuration changed", "depends on service.db, which is replaced"). */
  readonly reason: string;
  /** For a change forced by a dependency: the step id of the changing step it depends on. */
  readonly cause?: string;
  /** For replacements and deletions: the configuration in the state. */
  readonly before?: JsonValue;
  /** For creations and replacements: the configuration planned. */
  readonly after?: JsonValue;
  /** Index into the plan's instruction list; absent for deletions of dropped entities. */
  readonly instruction?: number;
  /** For a replace: the image tag to pull first, because its registry has a newer image (plan --pull). */
  readonly pullImage?: string;
}

export interface PlanSummary {
  readonly create: number;
  readonly replace: number;
  readonly run: number;
  readonly delete: number;
  readonly noop: number;
}

/** The result of `plan`: everything `apply` needs, independent of the package sources. */
export interface Plan {
  readonly instructions: readonly Instruction[];
  readonly changes: readonly Change[];
  readonly summary: PlanSummary;
  /** What run() returned, future references left in place. */
  readonly outputs: JsonValue;
  /** Content-addressed files the instructions refer to by digest. */
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/**
 * Matches a future reference. Only `service.<name>` and `<kind>.<hash>` steps produce
 * values, so a step id is exactly two dot-separated parts (plus `#n`); the rest is the field.
 */
export const REFERENCE_PATTERN = /\{\{starform:([a-z_]+\.[A-Za-z0-9-]+(?:#\d+)?)\.([A-Za-z0-9_.-]+)\}\}/g;

/** The future-reference string for a field of a step. */
export function futureReference(stepId: string, field: string): string {
  return `{{starform:${stepId}.${field}}}`;
}

export function summarize(changes: readonly Change[]): PlanSummary {
  const s = { create: 0, replace: 0, run: 0, delete: 0, noop: 0 };
  for (const c of changes) {
    if (c.action === 'no-op') s.noop++;
    else s[c.action]++;
  }
  return s;
}

export type { JsonObject, JsonValue };
